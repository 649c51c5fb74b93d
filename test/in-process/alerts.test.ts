import { readdirSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertPolicy } from '../../shared/alert-policy';
import type { StatusAnswer } from '../../shared/api';
import type { ApiErrorBody } from '../../shared/errors';
import type { AlertsAnswer, DevicesAnswer, ReportAnswer } from '../../shared/fleet';
import { decoded, unfold } from '../fixtures/mail';
import { basicSettings, createAlertingRelay, SMTP_PASSWORD, SMTP_USER, type TestRelay } from '../fixtures/relay';
import { extension, report, riskyReport } from '../fixtures/reports';
import { startMta, type MtaOptions } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';

const MINUTE = 60_000;
/** Postfix refusing an address it has no mailbox for (local_recipient_maps; unknown_local_recipient_reject_code 550). */
const UNKNOWN_USER = '550 5.1.1 <typo@example.com>: Recipient address rejected: User unknown in local recipient table';
const unknownUser = (address: string) => (address === 'typo@example.com' ? { code: 550, lines: [UNKNOWN_USER.slice(4)] } : null);

let relay: TestRelay;
let smtp: SmtpPeer | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await smtp?.close();
  smtp = undefined;
});

const json = async <T>(res: Response) => (await res.json()) as T;
const postReport = (body: unknown, token = relay.enrollmentToken) => relay.call('POST', '/api/v1/reports', body, { token });

/** A relay with the clock in the test's hands, a real SMTP server, and an alert policy. */
async function setup(policy: Partial<AlertPolicy> = {}, smtpOptions: Partial<MtaOptions> = {}) {
  clock = Date.parse('2026-11-27T10:00:00Z');
  const options = { now: () => clock, worker: { random: () => 0 } };
  ({ relay, smtp } = await createAlertingRelay(
    { recipients: ['it@example.com', 'soc@example.com'], groupingWindowSeconds: 60, ...policy },
    options,
    smtpOptions,
  ));
}

async function alerts(): Promise<AlertsAnswer['alerts']> {
  return (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts;
}

describe('reports', () => {
  it('answers 202 with the verdict and keeps the device; a repeated report id changes nothing', async () => {
    await setup();
    const body = riskyReport({ deviceId: 'device-a' });
    const first = await postReport(body);
    expect(first.status).toBe(202);
    const verdict = await json<ReportAnswer>(first);
    expect(verdict).toMatchObject({ reportId: body.reportId, level: 'high', compliant: false, duplicate: false });
    expect(verdict.findings.map((f) => f.check)).toEqual(['risky-permissions']);

    const again = await json<ReportAnswer>(await postReport(body));
    expect(again).toMatchObject({ level: 'high', duplicate: true });
    expect(await alerts()).toHaveLength(1);

    const devices = await json<DevicesAnswer>(await relay.call('GET', '/api/v1/devices'));
    expect(await json(await relay.call('GET', '/api/v1/devices/counts'))).toEqual({ counts: { very_high: 0, high: 1, low: 0, secure: 0 }, matching: 1 });
    expect(devices.devices[0]).toMatchObject({ id: 'device-a', label: 'Front desk PC', browser: 'Chrome', level: 'high', compliant: false });
  });

  it('judges a browser against the newest version enough of the fleet runs, with no internet', async () => {
    await setup({ maxMajorsBehind: 2 });
    const newer = () =>
      ['device-new-1', 'device-new-2', 'device-new-3'].map((id) => postReport(report({ deviceId: id, browser: { name: 'Chrome', version: '134.0.1.2' } })));
    await Promise.all(newer());
    // Devices count towards the fleet's versions once they have reported for a day (domain/fleet-versions.ts).
    const young = await json<ReportAnswer>(await postReport(report({ deviceId: 'device-old', browser: { name: 'Chrome', version: '131.0.6778.85' } })));
    expect(young.findings).toEqual([]);
    clock += 24 * 60 * MINUTE;
    await Promise.all(newer());
    const old = await json<ReportAnswer>(await postReport(report({ deviceId: 'device-old', browser: { name: 'Chrome', version: '131.0.6778.85' } })));
    expect(old.findings[0]?.title.en).toBe('Chrome 131.0.6778.85 is 3 major versions behind the newest that enough of the fleet runs (134)');
  });

  it("lets no single report move the fleet's newest version, and refuses absurd versions", async () => {
    await setup({ maxMajorsBehind: 2 });
    const absurd = await postReport(report({ deviceId: 'device-evil', browser: { name: 'Chrome', version: '99999.0' } }));
    expect(absurd.status).toBe(400);
    expect((await json<ApiErrorBody>(absurd)).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'browser.version' });
    // Plausible but alone: one device on 999 is not "the fleet".
    await postReport(report({ deviceId: 'device-evil', browser: { name: 'Chrome', version: '999.0' } }));
    const real = await json<ReportAnswer>(await postReport(report({ deviceId: 'device-real', browser: { name: 'Chrome', version: '131.0.6778.85' } })));
    expect(real.findings.filter((f) => f.check === 'browser-version')).toEqual([]);
  });

  it('rate-limits each device, not the fleet', async () => {
    await setup();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await postReport(report({ deviceId: 'device-chatty' }))).status);
    expect(statuses).toEqual([...Array(10).fill(202), 429]);
    const limited = await postReport(report({ deviceId: 'device-chatty' }));
    expect(limited.headers.get('Retry-After')).toBe('120');
    expect((await json<ApiErrorBody>(limited)).error.code).toBe('RATE_LIMITED');
    expect((await postReport(report({ deviceId: 'device-quiet' }))).status).toBe(202);
    clock += 2 * MINUTE;
    expect((await postReport(report({ deviceId: 'device-chatty' }))).status).toBe(202);
  });

  const many = Array.from({ length: 10_000 }, (_, i) => extension({ id: `ext${String(i).padStart(29, '0')}` }));
  it.each([
    ['malformed JSON', '{"reportId": ', 400, 'INVALID_JSON', undefined],
    ['a wrong type', { ...report(), extensions: 'none' }, 400, 'VALIDATION_FAILED', 'extensions'],
    ['a bad version', { ...report(), browser: { name: 'Chrome', version: 'latest' } }, 400, 'VALIDATION_FAILED', 'browser.version'],
    ['an unknown field', { ...report(), admin: true }, 400, 'VALIDATION_FAILED', 'admin'],
    ['a long device label', { ...report(), deviceLabel: 'x'.repeat(5_000) }, 400, 'VALIDATION_FAILED', 'deviceLabel'],
    ['10,000 extensions', { ...report(), extensions: many }, 413, 'BODY_TOO_LARGE', undefined],
    ['501 extensions', { ...report(), extensions: many.slice(0, 501) }, 400, 'VALIDATION_FAILED', 'extensions'],
    ['a huge string', { ...report(), os: { platform: 'x'.repeat(1_000_000) } }, 413, 'BODY_TOO_LARGE', undefined],
  ])('refuses %s without touching stored state', async (_, body, status, code, field) => {
    await setup();
    await postReport(riskyReport({ deviceId: 'device-kept' }));
    const before = await (await relay.call('GET', '/api/v1/devices')).text();
    const res = await postReport(body);
    expect(res.status).toBe(status);
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe(code);
    if (field) expect(error.field).toBe(field);
    expect(await (await relay.call('GET', '/api/v1/devices')).text()).toBe(before);
    expect(await alerts()).toHaveLength(1);
  });

  it('accepts reports only with the enrollment token, and admin routes never with it', async () => {
    await setup();
    expect((await postReport(report(), 'gm_enr_unknown-unknown-unknown-unknown-unknown1')).status).toBe(401);
    expect((await postReport(report(), relay.adminToken)).status).toBe(401);
    expect((await relay.call('GET', '/api/v1/devices', undefined, { token: relay.enrollmentToken })).status).toBe(401);
    expect((await postReport(report())).status).toBe(202);
  });
});

describe('alert mail', () => {
  it('groups the alerts of one window into one mail with every device and finding, in English', async () => {
    await setup();
    await postReport(riskyReport({ deviceId: 'device-a', deviceLabel: 'Reception' }));
    await postReport(
      report({ deviceId: 'device-b', deviceLabel: 'Finance laptop', settings: [{ name: 'services.safeBrowsingEnabled', value: false, locked: false }] }),
    );
    await postReport(report({ deviceId: 'device-c', deviceLabel: 'Clean one' }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(0); // the grouping window is still open

    clock += MINUTE;
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    const mail = smtp!.received[0]!;
    expect(mail.to).toEqual(['it@example.com', 'soc@example.com']);
    const raw = unfold(mail.raw);
    expect(raw).toContain('Subject: [Guardmail] 2 browsers highly vulnerable');
    expect(raw).toMatch(/Message-ID: <guardmail\.alert\.[\w-]+@example\.com>/);
    expect(raw).toContain('Content-Type: text/html');
    const text = decoded(raw);
    for (const phrase of ['Reception', '“Tab Debugger” scores 40 for risk: debugger', 'Finance laptop', 'Safe Browsing is off']) expect(text).toContain(phrase);
    expect(text).not.toContain('Clean one');
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
  });

  it("writes the mail in the policy's language", async () => {
    await setup({ language: 'es', groupingWindowSeconds: 0 });
    await postReport(riskyReport({ deviceId: 'device-es' }));
    await relay.deps.worker.wake();
    const raw = unfold(smtp!.received[0]!.raw);
    expect(raw).toContain('Subject: [Guardmail] 1 navegador altamente vulnerable');
    const body = decoded(raw);
    expect(body).toContain('“Tab Debugger” puntúa 40 de riesgo: debugger');
    expect(body).toContain('Qué hacer: Quite “Tab Debugger” si no es necesaria');
  });

  it('sends one mail for two reports within the cooldown, and again after it', async () => {
    await setup({ cooldownMinutes: 60, groupingWindowSeconds: 0 });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    clock += 30 * MINUTE;
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    clock += 31 * MINUTE;
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(2);
  });

  it('alerts a new finding at once within the cooldown, marking it new, and a device that fell back after becoming compliant', async () => {
    await setup({ cooldownMinutes: 60, groupingWindowSeconds: 0 });
    const debuggerExt = extension({ name: 'Tab Debugger', permissions: ['debugger'] });
    const unpacked = extension({ id: 'ppppqqqqrrrrssssttttuuuuvvvvwwww', name: 'Dev Helper', installType: 'development' });
    await postReport(report({ deviceId: 'device-a', extensions: [debuggerExt] }));
    await relay.deps.worker.wake();
    clock += 10 * MINUTE;
    // Unchanged: waits for the cooldown.
    await postReport(report({ deviceId: 'device-a', extensions: [debuggerExt] }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);

    clock += 10 * MINUTE;
    await postReport(report({ deviceId: 'device-a', extensions: [debuggerExt, unpacked] }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(2);
    const second = decoded(smtp!.received[1]!.raw);
    expect(second).toContain('- [New since the last alert] “Dev Helper” is loaded in developer mode');
    expect(second).toMatch(/- “Tab Debugger” scores 40 for risk/);

    clock += MINUTE;
    await postReport(report({ deviceId: 'device-a', extensions: [] }));
    clock += MINUTE;
    await postReport(report({ deviceId: 'device-a', extensions: [debuggerExt] }));
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(3);
    expect(decoded(smtp!.received[2]!.raw)).not.toContain('New since the last alert');
  });

  it('keeps alerts while the SMTP server is down and delivers every one when it is back', async () => {
    await setup({ groupingWindowSeconds: 60 });
    const port = smtp!.port;
    await smtp!.close();
    smtp = undefined;
    for (const id of ['device-1', 'device-2', 'device-3']) await postReport(riskyReport({ deviceId: id }));
    clock += MINUTE;
    await relay.deps.worker.wake();
    const waiting = await alerts();
    expect(waiting.map((a) => a.state)).toEqual(['pending_retry', 'pending_retry', 'pending_retry']);
    expect(waiting[0]!.lastError).toMatch(/^SMTP_UNREACHABLE/);

    smtp = await startMta({ tls: 'implicit', users: { [SMTP_USER]: SMTP_PASSWORD }, port });
    await relay.deps.worker.wake();
    expect(smtp.received).toHaveLength(0); // not before its backoff
    clock += 2 * MINUTE;
    await relay.deps.worker.wake();
    expect(smtp.received).toHaveLength(1);
    for (const id of ['device-1', 'device-2', 'device-3']) expect(smtp.received[0]!.raw).toContain(id);
    expect((await alerts()).every((a) => a.state === 'sent' && a.attempts === 2)).toBe(true);
  });

  it('retries after the SMTP server drops the connection in the middle of the message', async () => {
    await setup({ groupingWindowSeconds: 0 }, { dropDuringData: (n) => n === 0 });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    const [alert] = await alerts();
    expect(alert).toMatchObject({ state: 'pending_retry', attempts: 1 });
    expect(alert!.lastError).toMatch(/^SMTP_CONNECTION_LOST/);
    clock += MINUTE;
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    expect((await alerts())[0]).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('retries a temporary 4xx with backoff, resending under the same Message-ID', async () => {
    await setup({ groupingWindowSeconds: 0 }, { rejectData: (n) => (n === 0 ? { responseCode: 451, message: '4.3.0 Try again later' } : null) });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    const [alert] = await alerts();
    expect(alert).toMatchObject({ state: 'pending_retry', attempts: 1, lastError: 'SMTP_TEMPORARY_FAILURE: 451 4.3.0 Try again later' });
    clock += MINUTE;
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    const firstTry = relay.logs.find((l) => l.includes('will be retried'));
    expect(firstTry).toBeDefined();
    const batch = /"batch":"([\w-]+)"/.exec(firstTry!)?.[1];
    expect(unfold(smtp!.received[0]!.raw)).toContain(`Message-ID: <guardmail.alert.${batch}@example.com>`);
  });

  it('stops at a permanent failure, with the reason visible to admins', async () => {
    await setup({ recipients: ['typo@example.com'], groupingWindowSeconds: 0 }, { rejectRecipient: unknownUser });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect(await alerts()).toMatchObject([{ state: 'failed', attempts: 1, lastError: `SMTP_RECIPIENT_REJECTED: ${UNKNOWN_USER}` }]);
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.fleet.outbox).toMatchObject({ pending: 0, failed: 1 });
  });

  it('keeps retrying what an admin must fix, and sends as soon as the fix is saved', async () => {
    await setup({ groupingWindowSeconds: 0 });
    const wrong = basicSettings({ port: smtp!.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert, password: 'wrong' });
    await relay.call('PUT', '/api/v1/mail-settings', wrong);
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect(await alerts()).toMatchObject([
      { state: 'pending_retry', attempts: 1, lastError: 'SMTP_AUTH_FAILED: 535 5.7.8 Error: authentication failed: authentication failure' },
    ]);
    // Hours later, still the wrong password: still waiting, retried at most half an hour apart.
    for (let hour = 0; hour < 6; hour++) {
      clock += 30 * MINUTE;
      await relay.deps.worker.wake();
    }
    expect(await alerts()).toMatchObject([{ state: 'pending_retry', attempts: 7 }]);

    await relay.call('PUT', '/api/v1/mail-settings', { ...wrong, password: SMTP_PASSWORD });
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    expect(await alerts()).toMatchObject([{ state: 'sent', attempts: 8 }]);
  });

  it('lets an admin send failed alerts again, and a failed alert never silences its device', async () => {
    await setup({ recipients: ['typo@example.com'], groupingWindowSeconds: 0, cooldownMinutes: 60 }, { rejectRecipient: unknownUser });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(['failed']);
    // Regression: the cooldown started when the alert was queued, so the device's next report raised nothing.
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(['failed', 'failed']);

    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0, cooldownMinutes: 60 });
    const retry = await relay.call('POST', '/api/v1/alerts/retry');
    expect(await json<{ retried: number }>(retry)).toEqual({ retried: 2 });
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
    expect(smtp!.received).toHaveLength(1);
    const audit = await json<{ entries: { action: string }[] }>(await relay.call('GET', '/api/v1/audit'));
    expect(audit.entries[0]?.action).toBe('alerts.retried');

    // Delivered: now the cooldown runs, from the delivery.
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect(await alerts()).toHaveLength(2);
  });

  it('sends one digest mail for a storm within one grouping window, not a mail per fifty devices', async () => {
    await setup({ groupingWindowSeconds: 60 });
    for (let i = 0; i < 120; i++) expect((await postReport(riskyReport({ deviceId: `device-storm-${i}` }))).status).toBe(202);
    clock += 2 * MINUTE;
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
    const mail = smtp!.received[0]!.raw.replace(/=\r?\n/g, '');
    expect(mail).toContain('120 browsers have an extension with risky permissions');
    expect(mail).toContain('And 70 more browsers');
    expect((await alerts()).every((a) => a.state === 'sent')).toBe(true);
  });

  it('splits a mail the server refuses as too large (552) until every part fits, failing no alert', async () => {
    await setup({ groupingWindowSeconds: 60 }, { size: 6_000 });
    for (let i = 0; i < 16; i++) await postReport(riskyReport({ deviceId: `device-big-${i}` }));
    clock += 2 * MINUTE;
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(Array(16).fill('sent'));
    expect(smtp!.received.length).toBeGreaterThan(1);
    expect(smtp!.received.every((m) => m.raw.length <= 6_000)).toBe(true);
    expect(smtp!.refusals.some((r) => r.startsWith('552'))).toBe(true);
  });

  it('queues no second alert for a device while its first still waits', async () => {
    await setup({ recipients: [], groupingWindowSeconds: 0, cooldownMinutes: 0 });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await postReport(riskyReport({ deviceId: 'device-a' }));
    expect((await alerts()).map((a) => a.state)).toEqual(['pending']);
  });

  it('waits, losing nothing, while the policy has no recipient', async () => {
    await setup({ recipients: [], groupingWindowSeconds: 0 });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(['pending']);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    await relay.deps.worker.wake();
    expect(smtp!.received).toHaveLength(1);
  });

  it('sends consecutive batches over one pooled connection', async () => {
    await setup({ groupingWindowSeconds: 0 });
    for (const id of ['device-1', 'device-2', 'device-3']) {
      await postReport(riskyReport({ deviceId: id }));
      await relay.deps.worker.wake();
    }
    expect(smtp!.received).toHaveLength(3);
    expect(smtp!.connections).toBe(1);
  });

  it('reports the outbox in the status, and the data directory holds only the store and its key', async () => {
    await setup({ groupingWindowSeconds: 60 });
    await postReport(riskyReport({ deviceId: 'device-a' }));
    clock += 5 * MINUTE;
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.fleet).toEqual({
      counts: { very_high: 0, high: 1, low: 0, secure: 0 },
      stoppedReporting: 0,
      outbox: { pending: 1, failed: 0, oldestDueAgeSeconds: 240 },
    });
    expect(readdirSync(relay.dataDir).every((f) => f.startsWith('guardmail.sqlite'))).toBe(true);
  });
});

describe('the outbox', () => {
  it('fails an alert it cannot read alone, with ALERT_UNREADABLE, and sends the others of its mail', async () => {
    await setup();
    for (const id of ['device-a', 'device-b', 'device-c']) expect((await postReport(riskyReport({ deviceId: id }))).status).toBe(202);
    // What a restore from another version, or a damaged file, could leave behind.
    relay.db.prepare("UPDATE outbox SET payload = '{\"device\":{}}' WHERE device_id = 'device-b'").run();
    clock += MINUTE;
    await relay.deps.worker.wake();
    const byDevice = Object.fromEntries((await alerts()).map((a) => [a.deviceId, a]));
    expect(byDevice['device-b']).toMatchObject({
      state: 'failed',
      level: null,
      deviceLabel: 'device-b',
      lastError: expect.stringMatching(/^ALERT_UNREADABLE: the stored alert does not match its schema \(device\.id: /),
    });
    expect([byDevice['device-a']!.state, byDevice['device-c']!.state]).toEqual(['sent', 'sent']);
    expect(smtp!.received).toHaveLength(1);
    expect(smtp!.received[0]!.raw).not.toContain('device-b');
  });

  it('holds one alert per report: a second alert for the same report is not stored', async () => {
    await setup();
    const body = riskyReport({ deviceId: 'device-a' });
    expect((await postReport(body)).status).toBe(202);
    const insert = relay.db.prepare(
      "INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at) VALUES (?, ?, '{}', 'pending', 0, 0, 0)",
    );
    expect(() => insert.run('device-a', body.reportId)).toThrow(/UNIQUE constraint failed: outbox.device_id, outbox.report_id/);
    expect(await alerts()).toHaveLength(1);
  });
});
