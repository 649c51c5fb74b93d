import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertPolicy, LEVELS } from '../../shared/alert-policy';
import type { ComplianceReport } from '../../shared/report';
import { AdmissionRefused, ReplayRefused, ReportRejected, SignatureRefused, type IngestResult } from '../../relay/domain/ingest';
import { FleetStore, UNSIGNED } from '../../relay/storage/fleet';
import { LAST_SEEN_STEP_MS } from '../../relay/domain/last-seen';
import { HISTORY_MS, type VersionCount } from '../../relay/domain/fleet-versions';
import type { ReportSignature } from '../../relay/domain/report-order';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { openDatabase } from '../../relay/storage/sqlite/db';
import { SqliteSql } from '../../relay/storage/sqlite/sql';
import { idleErrors, startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { report, riskyReport } from '../fixtures/reports';
import type { DevicesAnswer, DeviceSort, DeviceSummary, RefusalReason } from '../../shared/fleet';
import { decodeCursor, DEVICE_HISTORY_KEPT, type DeviceFilter, type Position } from '../../relay/domain/device-page';

/** Taking reports, whichever engine stores them. */
interface Engine {
  /** Signed with `key` at `signedAt` (the report's time unless given); unsigned when no key is given. */
  submit(report: ComplianceReport, now: number, key?: string | null, signedAt?: number): Promise<IngestResult>;
  recordRefusal(deviceId: string, reason: RefusalReason, at: number): Promise<boolean>;
  device(deviceId: string): Promise<DeviceSummary | undefined>;
  /** The alerts waiting in the outbox, by device. */
  alerts(): Promise<string[]>;
  /** Breaks what the store remembers of a device's last alert, as a bad restore or an older relay's row would. */
  corrupt(deviceId: string): Promise<void>;
  /** The time the device's row holds, whatever the store holds in memory. */
  storedLastSeen(deviceId: string): Promise<number>;
  /** The table of version counts, as `browser version: devices`. */
  versionCounts(): Promise<string[]>;
  /** Device rows written so far, as the store counts them. */
  rowsWritten: () => number;
  fleet: FleetStore;
}

const NOW = Date.parse('2026-12-03T09:00:00Z');
const POLICY = v.parse(AlertPolicy, { recipients: ['it@example.com'] });

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

function sqliteEngine(admit?: (now: number) => number): Engine {
  const db = openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-fleet-contract-')));
  let written = 0;
  const fleet = new FleetStore(new SqliteSql(db), { admit, rowsWritten: (n) => (written += n) });
  return {
    fleet,
    rowsWritten: () => written,
    versionCounts: async () => (db.prepare('SELECT browser, version, devices FROM fleet_versions ORDER BY 1, 2').all() as VersionCount[]).map(countText),
    storedLastSeen: async (id) => db.prepare('SELECT last_seen_at FROM devices WHERE id = ?').pluck().get(id) as number,
    submit: (r, now, key = null, signedAt = now) => fleet.submit(r, POLICY, now, signedBy(key, signedAt)),
    recordRefusal: (id, reason, at) => fleet.recordRefusal(id, reason, at),
    device: async (id) => (await fleet.device(id, 0))?.summary,
    alerts: async () => db.prepare("SELECT device_id FROM outbox WHERE state = 'pending' ORDER BY id").pluck().all() as string[],
    corrupt: async (id) => void db.prepare("UPDATE devices SET alerted = '{' WHERE id = ?").run(id),
  };
}

async function postgresDatabase(): Promise<string> {
  const url = cluster.createDatabase(`fleet_${++databases}`);
  const pool = testPool(url, { max: 2 });
  pools.push(pool);
  await migratePostgres(pool);
  return url;
}

function postgresEngine(url: string, admit?: (now: number) => number): Engine {
  const pool = testPool(url, { max: 4 });
  pools.push(pool);
  let written = 0;
  const fleet = new FleetStore(new PostgresSql(pool), { admit, rowsWritten: (n) => (written += n) });
  return {
    fleet,
    rowsWritten: () => written,
    versionCounts: async () => (await pool.query<VersionCount>('SELECT browser, version, devices FROM fleet_versions ORDER BY 1, 2')).rows.map(countText),
    storedLastSeen: async (id) => Number((await pool.query<{ t: string }>('SELECT last_seen_at AS t FROM devices WHERE id = $1', [id])).rows[0]!.t),
    submit: (r, now, key = null, signedAt = now) => fleet.submit(r, POLICY, now, signedBy(key, signedAt)),
    recordRefusal: (id, reason, at) => fleet.recordRefusal(id, reason, at),
    device: async (id) => (await fleet.device(id, 0))?.summary,
    alerts: async () =>
      (await pool.query<{ device_id: string }>("SELECT device_id FROM outbox WHERE state = 'pending' ORDER BY id")).rows.map((r) => r.device_id),
    corrupt: async (id) => void (await pool.query("UPDATE devices SET alerted = '{' WHERE id = $1", [id])),
  };
}

const countText = (c: VersionCount) => `${c.browser} ${c.version}: ${c.devices}`;

/** Signed by `key` (named as the store keeps it, its thumbprint made of its name), or unsigned. */
const signedBy = (key: string | null, at: number): ReportSignature => (key ? { key, at, thumbprint: `thumbprint-of-${key}` } : UNSIGNED);

const ENGINES: [string, (admit?: (now: number) => number) => Promise<Engine>][] = [
  ['SQLite', async (admit) => sqliteEngine(admit)],
  ['PostgreSQL', async (admit) => postgresEngine(await postgresDatabase(), admit)],
];

describe.each(ENGINES)('taking reports on %s', (_, make) => {
  it('judges a report, raises one alert for a device that became highly vulnerable, and answers a repeat with the stored verdict', async () => {
    const fleet = await make();
    expect(await fleet.submit(report({ deviceId: 'laptop' }), NOW)).toMatchObject({ verdict: { level: 'secure' }, alerted: false, duplicate: false });
    const risky = riskyReport({ deviceId: 'laptop' });
    const first = await fleet.submit(risky, NOW + 1_000);
    expect(first).toMatchObject({ verdict: { level: 'high', compliant: false }, alerted: true, duplicate: false });
    expect(await fleet.submit(risky, NOW + 2_000)).toEqual({ ...first, duplicate: true, alerted: false });
    // The same findings again while the alert waits: no second alert.
    expect(await fleet.submit({ ...risky, reportId: 'the-next-report' }, NOW + 3_000)).toMatchObject({ alerted: false });
    expect(await fleet.alerts()).toEqual(['laptop']);
  });

  it("binds a device to the key of its first signed report, refuses it unsigned, and sends another key's reports to that key's own device", async () => {
    const fleet = await make();
    await fleet.submit(riskyReport({ deviceId: 'laptop', reportId: 'r1' }), NOW, 'key-a');
    await expect(fleet.submit(report({ deviceId: 'laptop', reportId: 'r2' }), NOW + 1)).rejects.toBeInstanceOf(SignatureRefused);
    expect(await fleet.submit(report({ deviceId: 'laptop', reportId: 'r3' }), NOW + 2, 'key-b')).toMatchObject({ verdict: { level: 'secure' } });
    expect(await fleet.device('laptop~thumbprint-o')).toMatchObject({ level: 'secure', sameIdAs: 'laptop' });
    expect(await fleet.device('laptop')).toMatchObject({ level: 'high' });
    expect(await fleet.submit(report({ deviceId: 'laptop', reportId: 'r4' }), NOW + 3, 'key-a')).toMatchObject({ duplicate: false });
  });

  it('writes nothing for a report that changes nothing but when it was seen, and writes that time once it is due and at close', async () => {
    const fleet = await make();
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r1' }), NOW, 'key-a');
    expect(fleet.rowsWritten()).toBe(1);
    expect(await fleet.submit(report({ deviceId: 'laptop', reportId: 'r2' }), NOW + 60_000, 'key-a')).toMatchObject({ duplicate: false });
    expect(fleet.rowsWritten()).toBe(1);
    // The admin sees the time held in memory; the row keeps the stored one until it is LAST_SEEN_STEP_MS behind.
    expect((await fleet.device('laptop'))!.lastSeenAt).toBe(new Date(NOW + 60_000).toISOString());
    expect(await fleet.storedLastSeen('laptop')).toBe(NOW);
    expect(await fleet.fleet.writeSeen()).toBe(0);
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r3' }), NOW + LAST_SEEN_STEP_MS, 'key-a');
    expect(await fleet.fleet.writeSeen()).toBe(1);
    expect(await fleet.storedLastSeen('laptop')).toBe(NOW + LAST_SEEN_STEP_MS);
    expect(fleet.rowsWritten()).toBe(2);
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r4' }), NOW + LAST_SEEN_STEP_MS + 60_000, 'key-a');
    await fleet.fleet.close();
    expect(await fleet.storedLastSeen('laptop')).toBe(NOW + LAST_SEEN_STEP_MS + 60_000);
  });

  it('writes a report that changes something at once, with the time held before it', async () => {
    const fleet = await make();
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r1' }), NOW, 'key-a');
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r2' }), NOW + 60_000, 'key-a');
    expect(await fleet.submit(riskyReport({ deviceId: 'laptop', reportId: 'r3' }), NOW + 120_000, 'key-a')).toMatchObject({ alerted: true });
    expect(fleet.rowsWritten()).toBe(2);
    expect(await fleet.storedLastSeen('laptop')).toBe(NOW + 120_000);
    expect(await fleet.fleet.writeSeen(true)).toBe(0);
  });

  it("counts the fleet's versions as devices gain a day of history, update and are forgotten, without counting the devices again", async () => {
    const fleet = await make();
    const chrome = (version: string) => ({ name: 'Chrome' as const, version });
    for (const id of ['a', 'b', 'c']) await fleet.submit(report({ deviceId: id, reportId: `${id}-1`, browser: chrome('132.0.1') }), NOW, `key-${id}`);
    expect(await fleet.versionCounts()).toEqual([]);
    for (const id of ['a', 'b', 'c'])
      await fleet.submit(report({ deviceId: id, reportId: `${id}-2`, browser: chrome('132.0.1') }), NOW + HISTORY_MS, `key-${id}`);
    expect(await fleet.versionCounts()).toEqual(['Chrome 132.0.1: 3']);
    await fleet.submit(report({ deviceId: 'a', reportId: 'a-3', browser: chrome('133.0.2') }), NOW + HISTORY_MS + 1, 'key-a');
    expect(await fleet.fleet.forget('b')).toBe(true);
    expect(await fleet.versionCounts()).toEqual(['Chrome 132.0.1: 1', 'Chrome 133.0.2: 1']);
  });

  it('orders reports by the time held in memory: the held report is a duplicate when resent, an older one a replay', async () => {
    const fleet = await make();
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r1' }), NOW, 'key-a');
    await fleet.submit(report({ deviceId: 'laptop', reportId: 'r2' }), NOW + 60_000, 'key-a');
    expect(await fleet.submit(report({ deviceId: 'laptop', reportId: 'r2' }), NOW + 61_000, 'key-a', NOW + 61_000)).toMatchObject({ duplicate: true });
    await expect(fleet.submit(riskyReport({ deviceId: 'laptop', reportId: 'older' }), NOW + 62_000, 'key-a', NOW + 30_000)).rejects.toBeInstanceOf(
      ReplayRefused,
    );
  });

  it('keeps when a report was last refused for a device, by reason, and nothing for a device it does not know', async () => {
    const fleet = await make();
    await fleet.submit(report({ deviceId: 'laptop' }), NOW, 'key-a');
    expect(await fleet.recordRefusal('laptop', 'invalid', NOW + 1_000)).toBe(true);
    expect(await fleet.recordRefusal('laptop', 'replayed', NOW + 2_000)).toBe(true);
    expect(await fleet.recordRefusal('laptop', 'invalid', NOW + 3_000)).toBe(true);
    expect(await fleet.recordRefusal('invented', 'invalid', NOW)).toBe(false);
    expect((await fleet.device('laptop'))!.refusals).toEqual({ invalid: new Date(NOW + 3_000).toISOString(), replayed: new Date(NOW + 2_000).toISOString() });
    expect(await fleet.device('invented')).toBeUndefined();
  });

  it('refuses a report signed no later than the one applied last, so a replay cannot roll a device back', async () => {
    const fleet = await make();
    const secure = report({ deviceId: 'laptop', reportId: 'secure' });
    expect(await fleet.submit(secure, NOW, 'key-a', NOW)).toMatchObject({ verdict: { level: 'secure' } });
    expect(await fleet.submit(riskyReport({ deviceId: 'laptop', reportId: 'risky' }), NOW + 60_000, 'key-a', NOW + 60_000)).toMatchObject({
      verdict: { level: 'high' },
    });
    await expect(fleet.submit({ ...secure, reportId: 'secure-again' }, NOW + 61_000, 'key-a', NOW)).rejects.toBeInstanceOf(ReplayRefused);
    await expect(fleet.submit({ ...secure, reportId: 'same-time' }, NOW + 61_000, 'key-a', NOW + 60_000)).rejects.toBeInstanceOf(ReplayRefused);
    // The last report resent, however it was signed, is answered as before: a lost answer is not a replay.
    expect(await fleet.submit(riskyReport({ deviceId: 'laptop', reportId: 'risky' }), NOW + 62_000, 'key-a', NOW + 62_000)).toMatchObject({
      duplicate: true,
      verdict: { level: 'high' },
    });
  });

  it('keeps new devices out while admission says wait, and known devices in', async () => {
    let wait = 0;
    const fleet = await make(() => wait);
    await fleet.submit(report({ deviceId: 'known' }), NOW);
    wait = 60_000;
    await expect(fleet.submit(report({ deviceId: 'invented' }), NOW)).rejects.toEqual(new AdmissionRefused(60_000));
    expect(await fleet.submit(report({ deviceId: 'known', reportId: 'again' }), NOW)).toMatchObject({ duplicate: false });
  });

  it('fails only the report it cannot judge: the rest of its group is stored', async () => {
    const fleet = await make();
    await fleet.submit(riskyReport({ deviceId: 'broken' }), NOW);
    await fleet.corrupt('broken');
    const group = await Promise.allSettled([
      fleet.submit(riskyReport({ deviceId: 'broken', reportId: 'after-the-restore' }), NOW + 1_000),
      ...Array.from({ length: 20 }, (_, i) => fleet.submit(riskyReport({ deviceId: `device-${i}` }), NOW + 1_000)),
    ]);
    expect(group[0]).toMatchObject({ status: 'rejected', reason: expect.any(ReportRejected) });
    expect(group.slice(1).every((r) => r.status === 'fulfilled' && r.value.alerted)).toBe(true);
    expect(await fleet.alerts()).toHaveLength(21);
  });
});

describe('taking reports on two relays sharing PostgreSQL', () => {
  it("judges one browser's reports one after the other whichever relay takes them: one alert, not one per relay", async () => {
    const url = await postgresDatabase();
    const [a, b] = [postgresEngine(url), postgresEngine(url)];
    const laptops = Array.from({ length: 20 }, (_, i) => `laptop-${i}`);
    // Every laptop known and secure, both relays' connections open: the race below is the reports', not the pools'.
    await Promise.all(laptops.map((id, i) => (i % 2 ? a : b).submit(report({ deviceId: id }), NOW)));
    // Relay b takes them in the opposite order: locked in arrival order, the two groups would deadlock.
    const answers = await Promise.all([
      ...laptops.map((id) => a.submit(riskyReport({ deviceId: id, reportId: `${id}-via-a` }), NOW + 1_000)),
      ...[...laptops].reverse().map((id) => b.submit(riskyReport({ deviceId: id, reportId: `${id}-via-b` }), NOW + 1_000)),
    ]);
    expect(answers.filter((r) => r.alerted)).toHaveLength(laptops.length);
    expect((await b.alerts()).sort()).toEqual([...laptops].sort());
  });

  it('refuses reports while the database is down, and takes them again once it is back, without a restart', async () => {
    const url = await postgresDatabase();
    const fleet = postgresEngine(url);
    await fleet.submit(report({ deviceId: 'laptop-before' }), NOW);
    cluster.pause();
    try {
      // A browser keeps what is refused in its queue and sends it again.
      await expect(fleet.submit(report({ deviceId: 'laptop-during' }), NOW)).rejects.toThrow();
    } finally {
      cluster.resume();
    }
    expect(await fleet.submit(report({ deviceId: 'laptop-during' }), NOW + 10_000)).toMatchObject({ duplicate: false });
    expect(await fleet.submit(report({ deviceId: 'laptop-after' }), NOW + 10_000)).toMatchObject({ duplicate: false });
    // The pools' idle connections the restart closed were reported, not thrown.
    expect(idleErrors.length).toBeGreaterThan(0);
    for (const err of idleErrors) expect(err.message).toMatch(/terminat/);
  });
});

describe.each(ENGINES)("the console's device lists on %s", (_, make) => {
  const STALE_BEFORE = NOW + 20_000;
  /**
   * Sixty devices: every third highly vulnerable through an extension, every seventh through Safe Browsing off, every
   * fourth an Edge, every other on 130, every fifth a Mac; two at each time, so that ties go by id.
   */
  async function fleetOfSixty(): Promise<Engine> {
    const fleet = await make();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        fleet.submit(
          report({
            deviceId: `device-${String(i).padStart(4, '0')}`,
            deviceLabel: i % 3 === 0 ? `Laptop ${i}` : `desk_${i}%`,
            browser: { name: i % 4 === 0 ? 'Edge' : 'Chrome', version: i % 2 ? '131.0.6778.85' : '130.0.1.2' },
            os: { platform: i % 5 === 0 ? 'mac' : 'win', version: '15.0.0' },
            extensions: i % 3 === 0 ? riskyReport().extensions : [],
            settings: [{ name: 'services.safeBrowsingEnabled', value: i % 7 !== 0, locked: false }],
          }),
          NOW + Math.floor(i / 2) * 1_000,
        ),
      ),
    );
    return fleet;
  }

  /** Every page of a list, in order, and its counts. */
  async function everyPage(fleet: Engine, filter: DeviceFilter, sort: DeviceSort = 'risk', limit = 7) {
    const devices: DeviceSummary[] = [];
    let after: Position | null = null;
    do {
      const page: DevicesAnswer = await fleet.fleet.list({ filter, sort, limit, after, staleBefore: STALE_BEFORE });
      devices.push(...page.devices);
      after = page.next === null ? null : decodeCursor(page.next, sort);
    } while (after);
    return { devices, ...(await fleet.fleet.count(filter, STALE_BEFORE)) };
  }

  const ids = (devices: DeviceSummary[]) => devices.map((d) => d.id);
  const riskOrder = (a: DeviceSummary, b: DeviceSummary) =>
    LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || b.lastSeenAt.localeCompare(a.lastSeenAt) || (a.id < b.id ? 1 : -1);

  it('pages through every device once in each order, ties by id, whatever the page size', async () => {
    const fleet = await fleetOfSixty();
    const { devices, counts, matching } = await everyPage(fleet, {});
    expect(matching).toBe(60);
    // Twenty with the extension, and six more with Safe Browsing off only.
    expect(counts).toEqual({ very_high: 0, high: 26, low: 0, secure: 34 });
    expect(ids(devices)).toEqual(ids([...devices].sort(riskOrder)));
    expect(new Set(ids(devices)).size).toBe(60);
    const bySeen = (await everyPage(fleet, {}, 'lastSeen', 11)).devices;
    expect(ids(bySeen)).toEqual(ids([...devices].sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt) || (a.id < b.id ? 1 : -1))));
    const byName = (await everyPage(fleet, {}, 'name', 60)).devices;
    const name = (d: DeviceSummary) => d.label.toLowerCase();
    expect(ids(byName)).toEqual(ids([...devices].sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : a.id < b.id ? -1 : 1))));
  });

  it('narrows by each filter, counts what matches, and pages the narrowed list', async () => {
    const fleet = await fleetOfSixty();
    const all = (await everyPage(fleet, {})).devices;
    const expectMatch = async (filter: DeviceFilter, wanted: (d: DeviceSummary) => boolean) => {
      const { devices, matching } = await everyPage(fleet, filter, 'risk', 4);
      expect(ids(devices)).toEqual(ids(all.filter(wanted)));
      expect(matching).toBe(devices.length);
    };
    await expectMatch({ levels: ['high'] }, (d) => d.level === 'high');
    await expectMatch({ browser: 'Edge' }, (d) => d.browser === 'Edge');
    await expectMatch({ version: '130' }, (d) => d.version.startsWith('130.'));
    await expectMatch({ version: '13' }, () => false);
    await expectMatch({ os: 'mac' }, (d) => d.os === 'mac 15.0.0');
    await expectMatch({ os: 'mac 15.0.0' }, (d) => d.os === 'mac 15.0.0');
    await expectMatch({ os: 'ma' }, () => false);
    await expectMatch({ check: 'safe-browsing' }, (d) => d.findings.some((f) => f.check === 'safe-browsing'));
    await expectMatch({ check: 'risky-permissions', subject: 'Tab Debugger' }, (d) => d.findings.some((f) => f.subject === 'Tab Debugger'));
    await expectMatch({ check: 'risky-permissions', subject: 'Another' }, () => false);
    await expectMatch({ extension: 'aaaabbbbccccddddeeeeffffgggghhhh' }, (d) => Number(d.id.slice(-4)) % 3 === 0);
    await expectMatch({ stopped: true }, (d) => Date.parse(d.lastSeenAt) < STALE_BEFORE);
    await expectMatch({ stopped: false }, (d) => Date.parse(d.lastSeenAt) >= STALE_BEFORE);
    await expectMatch({ text: 'LAPTOP 3' }, (d) => d.label.toLowerCase().includes('laptop 3'));
    await expectMatch({ text: '0002' }, (d) => d.id.includes('0002'));
    // The search's own % and _ are letters, not LIKE's wildcards.
    await expectMatch({ text: '_1%' }, (d) => d.label.includes('_1%'));
    await expectMatch({ text: '%' }, (d) => d.label.includes('%'));
    await expectMatch(
      { levels: ['high', 'secure'], browser: 'Chrome', os: 'win', check: 'safe-browsing' },
      (d) => d.browser === 'Chrome' && d.os.startsWith('win ') && d.findings.some((f) => f.check === 'safe-browsing'),
    );
    // Counts per level leave the level filter out, so the console shows what each level would hold.
    const narrowed = await fleet.fleet.count({ levels: ['high'], browser: 'Edge' }, 0);
    expect(narrowed.counts).toEqual({
      very_high: 0,
      high: all.filter((d) => d.browser === 'Edge' && d.level === 'high').length,
      low: 0,
      secure: all.filter((d) => d.browser === 'Edge' && d.level === 'secure').length,
    });
  });

  it('follows a device whose findings and level change, keeps its levels history, and forgets all of it with the device', async () => {
    const fleet = await make();
    const at = (i: number) => NOW + i * 60_000;
    for (let i = 0; i < 23; i++) await fleet.submit(i % 2 ? riskyReport({ deviceId: 'flapping' }) : report({ deviceId: 'flapping' }), at(i));
    const inList = async (filter: DeviceFilter) => ids((await fleet.fleet.list({ filter, sort: 'risk', limit: 10, after: null, staleBefore: 0 })).devices);
    expect(await inList({ check: 'risky-permissions' })).toEqual([]);
    await fleet.submit(riskyReport({ deviceId: 'flapping' }), at(24));
    expect(await inList({ check: 'risky-permissions' })).toEqual(['flapping']);
    const detail = (await fleet.fleet.device('flapping', 0))!;
    expect(detail.history).toHaveLength(DEVICE_HISTORY_KEPT);
    expect(detail.history[0]).toEqual({ at: at(24), level: 'high', findings: 1 });
    expect(detail.history[1]).toEqual({ at: at(22), level: 'secure', findings: 0 });
    expect(detail.extensions.map((e) => [e.extension_id, e.name])).toEqual([['aaaabbbbccccddddeeeeffffgggghhhh', 'Tab Debugger']]);
    expect(await fleet.fleet.forget('flapping')).toBe(true);
    expect(await inList({ check: 'risky-permissions' })).toEqual([]);
    expect(await fleet.fleet.device('flapping', 0)).toBeNull();
    // A device of the same id starts a history of its own.
    await fleet.submit(report({ deviceId: 'flapping' }), at(30));
    expect((await fleet.fleet.device('flapping', 0))!.history).toEqual([{ at: at(30), level: 'secure', findings: 0 }]);
  });
});
