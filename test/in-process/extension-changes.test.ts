import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertPolicy } from '../../shared/alert-policy';
import type { ApiErrorBody } from '../../shared/errors';
import type { AlertsAnswer, ReportAnswer } from '../../shared/fleet';
import type { ExtensionsAnswer } from '../../shared/inventory';
import type { ExtensionFacts } from '../../shared/report';
import { CHANGE_ALERTS_PER_DEVICE_DAY, KEPT_OLD_VERSIONS } from '../../relay/domain/extension-inventory';
import { keepInventory } from '../../relay/lifecycle';
import { decoded, unfold } from '../fixtures/mail';
import { createAlertingRelay, type TestRelay } from '../fixtures/relay';
import { extension, report } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import type { SmtpPeer } from '../peers/smtp-peer';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOTES = 'notesnotesnotesnotesnotesnotesno';
const STORE = 'https://clients2.google.com/service/update2/crx';

let relay: TestRelay;
let smtp: SmtpPeer;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await smtp?.close();
});

const json = async <T>(res: Response) => (await res.json()) as T;
const notes = (o: Partial<ExtensionFacts> = {}) =>
  extension({ id: NOTES, name: 'Team Notes', version: '1.0', installType: 'admin', permissions: ['storage'], updateUrl: STORE, ...o });
const NOTES_2 = { version: '2.0', permissions: ['storage', 'cookies', 'scripting'], hostPermissions: ['<all_urls>'] };
const device = (i: number) => `device-${String(i).padStart(4, '0')}`;

async function setup(policy: Partial<AlertPolicy> = {}) {
  clock = Date.parse('2026-12-01T09:00:00Z');
  ({ relay, smtp } = await createAlertingRelay(
    { recipients: ['it@example.com'], groupingWindowSeconds: 60, ...policy },
    { now: () => clock, worker: { random: () => 0 } },
  ));
}

async function send(deviceId: string, extensions: ExtensionFacts[], label = `PC ${deviceId}`): Promise<Response> {
  return relay.call('POST', '/api/v1/reports', report({ deviceId, deviceLabel: label, extensions }), { token: relay.enrollmentToken });
}
async function sendAll(ids: string[], extensions: (id: string) => ExtensionFacts[]): Promise<void> {
  const answers = await Promise.all(ids.map((id) => send(id, extensions(id))));
  expect(answers.map((r) => r.status)).toEqual(ids.map(() => 202));
}
const alerts = async () => (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts;
const extensionAlerts = async () => (await alerts()).filter((a) => a.deviceId.startsWith('extension:'));
const inventory = async (query = '') => json<ExtensionsAnswer>(await relay.call('GET', `/api/v1/extensions${query}`));
async function deliver(): Promise<void> {
  clock += MINUTE;
  await relay.deps.worker.wake();
}

describe('an extension update across the fleet', () => {
  it('is one mail naming the change, who took it and how to undo it, whoever updates during its window; none after', async () => {
    await setup();
    const fleet = Array.from({ length: 40 }, (_, i) => device(i));
    await sendAll(fleet, () => [notes()]);
    await sendAll(fleet.slice(0, 25), () => [notes(NOTES_2)]);
    clock += 30_000; // more update inside the grouping window of the first
    await relay.deps.worker.wake();
    await sendAll(fleet.slice(25, 35), () => [notes(NOTES_2)]);
    expect(smtp.received).toHaveLength(0);
    await deliver();
    expect(smtp.received).toHaveLength(1);
    const raw = unfold(smtp.received[0]!.raw);
    // The update also makes each browser highly vulnerable (its risk score): one mail says both.
    expect(raw).toContain('Subject: [Guardmail] 35 browsers highly vulnerable; 1 extension changed what it may do');
    const text = decoded(raw);
    for (const phrase of [
      '“Team Notes” (notesnotesnotesnotesnotesnotesno): version 1.0 → 2.0',
      'Added: cookies, scripting, <all_urls>',
      'On 35 browsers: “PC device-0000” (device-0000)',
      'and 30 more',
      'Installed as: admin (35)',
      'Force-installed by policy: Chromium granted what it added without asking anyone.',
      '"installation_mode": "blocked"',
      '"blocked_permissions": [',
      '"*://*"',
      'add notesnotesnotesnotesnotesnotesno=2.0 to the allowlist',
    ])
      expect(text).toContain(phrase);

    // The last devices update after the mail: the inventory follows them, and the change is not mailed again (their
    // own verdicts are, as for any browser that becomes highly vulnerable).
    clock += 10 * MINUTE;
    await sendAll(fleet.slice(35), () => [notes(NOTES_2)]);
    await deliver();
    expect(await extensionAlerts()).toHaveLength(1);
    expect(smtp.received).toHaveLength(2);
    expect(decoded(smtp.received[1]!.raw)).not.toContain('version 1.0 → 2.0');
    // A cooldown after the mail, one follow-up names them; with no one new since, none more.
    clock += DAY;
    await keepInventory(relay.deps, clock);
    await deliver();
    expect(smtp.received).toHaveLength(3);
    const followUp = decoded(smtp.received[2]!.raw);
    expect(followUp).toContain('version 1.0 → 2.0');
    expect(followUp).toMatch(/Mailed before on 2026-12-01 09:01 UTC: these browsers took it since\./);
    expect(followUp).toContain('On 5 browsers: “PC device-0035” (device-0035)');
    clock += DAY;
    await keepInventory(relay.deps, clock);
    await deliver();
    expect(smtp.received).toHaveLength(3);
    const [listed] = (await inventory()).extensions;
    expect(listed).toMatchObject({ id: NOTES, name: 'Team Notes', devices: 40, installTypes: { admin: 40 } });
    expect(listed!.versions.map((v) => [v.version, v.devices])).toEqual([
      ['2.0', 40],
      ['1.0', 0],
    ]);
    expect(listed!.recentChanges).toEqual([
      expect.objectContaining({ from: '1.0', to: '2.0', added: ['cookies', 'scripting', '<all_urls>'], removed: [], devices: 40 }),
    ]);
    expect(listed!.risk.reasons.map((r) => r.kind)).toEqual(['all-sites', 'permission', 'permission', 'grew', 'changed-recently']);
    expect(listed!.riskAssessment).toEqual({
      overallRiskLevel: 'RISK_LEVEL_HIGH',
      entries: [
        {
          provider: 'GUARDMAIL',
          riskLevel: 'RISK_LEVEL_HIGH',
          riskAssessment: { assessment: String(listed!.risk.score), detailsUrl: expect.stringContaining(`/api/v1/extensions?id=${NOTES}`), version: '2.0' },
        },
      ],
    });
  });

  it('raises an update URL leaving the store as very high, and says when Chromium disabled the update', async () => {
    await setup();
    await sendAll([device(1), device(2)], () => [notes({ installType: 'normal' })]);
    await send(device(1), [notes({ installType: 'normal', version: '1.1', updateUrl: 'https://updates.notes.example/crx' })]);
    await send(device(2), [notes({ installType: 'normal', ...NOTES_2, enabled: false, disabledReason: 'permissions_increase' })]);
    await deliver();
    const text = decoded(smtp.received[0]!.raw);
    expect(text).toContain('Update URL: https://clients2.google.com/service/update2/crx → https://updates.notes.example/crx');
    expect(text).toContain('Its updates now come from outside the browser stores');
    expect(text).toContain('Chromium disabled it on 1 browser until someone accepts what it asks.');
    expect((await extensionAlerts()).map((a) => a.level).sort()).toEqual(['high', 'very_high']);
  });

  it('is silenced by the allowlist: that version, or the permissions it added', async () => {
    await setup({ allowlist: [`${NOTES}=2.0`] });
    await send(device(1), [notes()]);
    await send(device(1), [notes(NOTES_2)]);
    await setup({ allowlist: ['permission:cookies', 'permission:scripting', 'permission:<all_urls>'] });
    await send(device(1), [notes()]);
    await send(device(1), [notes(NOTES_2)]);
    expect(await extensionAlerts()).toEqual([]);
  });
});

describe('a new extension spreading', () => {
  it('is alerted once it is installed on enough browsers with a day of history; what they had at first is not new', async () => {
    await setup();
    const fleet = Array.from({ length: 12 }, (_, i) => device(i));
    await sendAll(fleet, () => [notes()]);
    clock += DAY + MINUTE;
    const coupons = extension({ id: 'couponscouponscouponscouponscoup', name: 'Coupons', permissions: ['cookies'], hostPermissions: ['<all_urls>'] });
    await sendAll(fleet.slice(0, 4), () => [notes(), coupons]);
    await keepInventory(relay.deps, clock);
    expect(await extensionAlerts()).toEqual([]);
    await sendAll(fleet.slice(4, 6), () => [notes(), coupons]);
    await keepInventory(relay.deps, clock);
    await keepInventory(relay.deps, clock);
    await deliver();
    expect(await extensionAlerts()).toHaveLength(1);
    expect(smtp.received).toHaveLength(1);
    expect(decoded(smtp.received[0]!.raw)).toContain(
      '“Coupons” (couponscouponscouponscouponscoup) is new to the fleet: 6 browsers with a day of history have it since',
    );
  });
});

describe('hostile reports', () => {
  it('an invented id on a thousand invented devices, and a name mimicking a real one, change nothing beyond those devices', async () => {
    await setup();
    const real = Array.from({ length: 5 }, (_, i) => device(i));
    await sendAll(real, () => [notes()]);
    clock += DAY + MINUTE;
    await sendAll(real, () => [notes()]);
    const invented = Array.from({ length: 1000 }, (_, i) => `invented-${i}`);
    const fake = extension({ id: 'fakefakefakefakefakefakefakefake', name: 'Team Notes', permissions: ['debugger'] });
    await sendAll(invented.slice(0, 500), () => [fake]);
    await sendAll(invented.slice(500), () => [fake, notes({ name: 'Not Team Notes at all' })]);
    // Installed later, on devices with no history: not spreading.
    const later = extension({ id: 'laterlaterlaterlaterlaterlaterla', permissions: ['cookies'] });
    await sendAll(invented.slice(0, 100), () => [fake, later]);
    await keepInventory(relay.deps, clock);
    expect(await extensionAlerts()).toEqual([]);

    const { extensions } = await inventory();
    const byId = new Map(extensions.map((e) => [e.id, e]));
    expect(byId.get(NOTES)).toMatchObject({ name: 'Team Notes', devices: 505 });
    expect(byId.get(NOTES)!.versions).toHaveLength(1); // a name is no version
    const { score } = byId.get(NOTES)!.risk;
    // One device claiming a version of it that may debug every tab: its own version, scored, not the extension's score.
    expect((await send('invented-0', [fake, notes({ permissions: ['debugger'] })])).status).toBe(202);
    const notesNow = (await inventory(`?id=${NOTES}`)).extensions[0]!;
    expect(notesNow.risk.score).toBe(score);
    expect(notesNow.versions.find((v) => v.permissions.includes('debugger'))).toMatchObject({ devices: 1, score: 60 }); // debugger, and it grew just now
    expect(byId.get('fakefakefakefakefakefakefakefake')).toMatchObject({ devices: 1000 });
    // The real devices' own inventory and verdicts are as they were.
    for (const id of real) expect(await json<ReportAnswer>(await send(id, [notes()]))).toMatchObject({ level: 'secure' });
  });

  it('absurd versions and fields are refused or stay on their device; a flipping device starts a bounded few alerts', async () => {
    await setup();
    const bad = await send('hostile-1', [notes({ version: '1.0 <script>' })]);
    expect(bad.status).toBe(400);
    expect((await json<ApiErrorBody>(bad)).error.field).toBe('extensions.0.version');
    expect((await send('hostile-1', [notes({ version: '999999999999999999.99999999.0' })])).status).toBe(202);
    expect((await send('hostile-1', [notes({ disabledReason: 'because' as never })])).status).toBe(400);
    clock += DAY + MINUTE;
    // A device with history flips its extensions' permissions on every report.
    for (let i = 0; i < 3 * CHANGE_ALERTS_PER_DEVICE_DAY; i++) {
      clock += 3 * MINUTE; // within its report allowance
      const flipped = Array.from({ length: 3 }, (_, j) =>
        extension({
          id: `flip${j}flip${j}flip${j}flip${j}flip${j}flip${j}fl`.slice(0, 32),
          version: String(i),
          permissions: [i % 2 ? 'cookies' : 'tabs', 'debugger'],
        }),
      );
      expect((await send('hostile-1', flipped)).status).toBe(202);
    }
    expect((await extensionAlerts()).length).toBeLessThanOrEqual(2 * CHANGE_ALERTS_PER_DEVICE_DAY);
    // Versions no device runs are forgotten beyond the few kept: the inventory stays bounded.
    await keepInventory(relay.deps, clock);
    const flips = (await inventory()).extensions.filter((e) => e.id.startsWith('flip'));
    for (const e of flips) expect(e.versions.length).toBeLessThanOrEqual(KEPT_OLD_VERSIONS + 1);
  });
});
