import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { DeviceDetail, DevicesAnswer } from '../../shared/fleet';
import { EXTENSION_ORIGIN } from '../../shared/extension';
import { decoded, unfold } from '../fixtures/mail';
import { createAlertingRelay, type TestRelay } from '../fixtures/relay';
import { extension, report, riskyReport } from '../fixtures/reports';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';

let relay: TestRelay;
let smtp: SmtpPeer;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await smtp?.close();
});

const json = async <T>(res: Response) => (await res.json()) as T;
const postReport = async (body: unknown) => expect((await relay.call('POST', '/api/v1/reports', body, { token: relay.enrollmentToken })).status).toBe(202);

/** A relay with the clock in the test's hands and three devices: two highly vulnerable, one with a formula for a label. */
async function setup() {
  clock = Date.parse('2026-12-07T10:00:00Z');
  ({ relay, smtp } = await createAlertingRelay({ recipients: ['it@example.com'], groupingWindowSeconds: 0 }, { now: () => clock }));
  await postReport(riskyReport({ deviceId: 'device-aaaa', deviceLabel: 'Demo laptop', browser: { name: 'Edge', version: '131.0.2903.86' } }));
  clock += 1_000;
  await postReport(
    riskyReport({
      deviceId: 'device-bbbb',
      deviceLabel: '=HYPERLINK("http://evil.example","open")',
      settings: [{ name: 'services.safeBrowsingEnabled', value: false, locked: false }],
    }),
  );
  clock += 1_000;
  await postReport(report({ deviceId: 'device-cccc', deviceLabel: 'Front desk, "main"' }));
}

const list = async (query: string) => json<DevicesAnswer>(await relay.call('GET', `/api/v1/devices?${query}`));

describe("the console's API", () => {
  it('pages a filtered list with a cursor, counting only on the first page', async () => {
    await setup();
    const first = await list('check=risky-permissions&limit=1');
    expect(await json(await relay.call('GET', '/api/v1/devices/counts?check=risky-permissions&level=high'))).toEqual({
      matching: 2,
      counts: { very_high: 0, high: 2, low: 0, secure: 0 },
    });
    expect(first.devices.map((d) => d.id)).toEqual(['device-bbbb']);
    // A list carries each device's worst findings, and how many it has.
    expect(first.devices[0]).toMatchObject({ findingCount: 2, findings: [expect.anything(), expect.anything()] });
    const second = await list(`check=risky-permissions&limit=1&cursor=${first.next}`);
    expect(second.devices.map((d) => d.id)).toEqual(['device-aaaa']);
    expect(second).toEqual({ devices: [expect.objectContaining({ id: 'device-aaaa' })], next: null });
    expect((await list('q=DEMO&sort=name')).devices.map((d) => d.label)).toEqual(['Demo laptop']);
    expect((await list('browser=Edge&version=131')).devices.map((d) => d.id)).toEqual(['device-aaaa']);
    expect((await list('level=secure,high&stopped=false')).devices.map((d) => d.id)).toEqual(['device-bbbb', 'device-aaaa', 'device-cccc']);
    expect((await list('level=secure&os=win')).devices.map((d) => d.id)).toEqual(['device-cccc']);
    expect((await list('os=wi')).devices).toEqual([]);
  });

  it.each([
    ['level=worst', 'level.0'],
    ['version=131.x', 'version'],
    ['check=no-such-check', 'check'],
    ['subject=Tab%20Debugger', 'subject'],
    ['extension=not%20an%20id', 'extension'],
    ['stopped=yes', 'stopped'],
    [`q=${'x'.repeat(101)}`, 'q'],
    ['q=%20%20', 'q'],
    ['sort=oldest', 'sort'],
    ['limit=0', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${'a'.repeat(2_001)}`, 'cursor'],
  ])('refuses %s, naming %s', async (query, field) => {
    await setup();
    const res = await relay.call('GET', `/api/v1/devices?${query}`);
    expect(res.status).toBe(400);
    if (!/^(sort|limit|cursor)=/.test(query)) expect((await relay.call('GET', `/api/v1/devices/counts?${query}`)).status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'VALIDATION_FAILED', field });
  });

  it('refuses a cursor made for another order, and one whose position was tampered with', async () => {
    await setup();
    const { next } = await list('limit=1&sort=lastSeen');
    const other = await relay.call('GET', `/api/v1/devices?limit=1&sort=name&cursor=${next}`);
    expect((await json<ApiErrorBody>(other)).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    const forged = Buffer.from(JSON.stringify(['lastSeen', 'not a time', 'device-aaaa'])).toString('base64url');
    expect((await relay.call('GET', `/api/v1/devices?sort=lastSeen&cursor=${forged}`)).status).toBe(400);
  });

  it('shows one device whole: findings with remediation and rules, extensions with risk, key, history and the alerts sent', async () => {
    await setup();
    await relay.deps.worker.wake();
    const res = await relay.call('GET', '/api/v1/devices/device-bbbb');
    expect(res.status).toBe(200);
    const detail = await json<DeviceDetail>(res);
    expect(detail.device).toMatchObject({ id: 'device-bbbb', level: 'high', browser: 'Chrome' });
    const safeBrowsing = detail.device.findings.find((f) => f.check === 'safe-browsing')!;
    expect(safeBrowsing.remediation.en).toBe('Set the SafeBrowsingProtectionLevel policy to 1 (standard) or 2 (enhanced).');
    expect(detail.rules['safe-browsing']!.map((r) => r.id)).toEqual(expect.arrayContaining(['DTBC-0038']));
    expect(detail.extensions).toEqual([
      expect.objectContaining({ id: extension().id, name: 'Tab Debugger', risk: expect.objectContaining({ score: expect.any(Number) }) }),
    ]);
    expect(detail.extensions[0]!.risk.reasons).toContainEqual(expect.objectContaining({ kind: 'permission', permission: 'debugger' }));
    expect(detail.key.thumbprint).toMatch(/^[\w-]{43}$/);
    expect(detail.history).toEqual([{ at: new Date(clock - 1_000).toISOString(), level: 'high', findings: 2 }]);
    expect(detail.alerts).toEqual([expect.objectContaining({ state: 'sent', level: 'high', reportId: expect.any(String) })]);
    expect(detail.alerts[0]!.findings.map((f) => f.check).sort()).toEqual(['risky-permissions', 'safe-browsing']);
    // The mail about it links to this detail, naming the alert: the console shows the alert the admin came from.
    await expect.poll(() => smtp.received.length).toBe(2);
    expect(smtp.received.map((m) => decoded(unfold(m.raw))).join('\n')).toContain(
      `Open it in the Guardmail console: ${EXTENSION_ORIGIN}/options.html?device=device-bbbb&alert=${detail.alerts[0]!.id}#fleet`,
    );

    const missing = await relay.call('GET', '/api/v1/devices/device-zzzz');
    expect(missing.status).toBe(404);
    expect((await json<ApiErrorBody>(missing)).error).toMatchObject({ code: 'DEVICE_NOT_FOUND', field: 'id' });
  });

  it('exports the filtered list as CSV, row for row as the API lists it, with report-written formulas kept as text', async () => {
    await setup();
    const res = await relay.call('GET', '/api/v1/devices/export?level=very_high,high,secure');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="guardmail-devices.csv"');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('id,label,level,browser,version,os,findings,checks,first_seen,last_seen,stopped_reporting');
    expect(lines.slice(1, -1).map((l) => l.split(',')[0])).toEqual((await list('')).devices.map((d) => d.id));
    expect(lines[1]).toMatch(/^device-bbbb,"'=HYPERLINK\(""http:\/\/evil.example"",""open""\)",high,Chrome,/);
    expect(lines[3]).toMatch(/^device-cccc,"Front desk, ""main""",secure,/);
    expect(lines.at(-1)).toBe('');
  });
});
