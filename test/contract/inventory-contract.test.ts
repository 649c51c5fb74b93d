import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertPolicy } from '../../shared/alert-policy';
import type { ExtensionFacts } from '../../shared/report';
import type { ExtensionAlert } from '../../relay/domain/extension-alert';
import { KEPT_OLD_VERSIONS } from '../../relay/domain/extension-inventory';
import { HISTORY_MS } from '../../relay/domain/fleet-versions';
import { ExtensionInventory } from '../../relay/storage/extensions';
import { FleetStore } from '../../relay/storage/fleet';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { sql, type Sql } from '../../relay/storage/sql';
import { openDatabase } from '../../relay/storage/sqlite/db';
import { SqliteSql } from '../../relay/storage/sqlite/sql';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { extension, report } from '../fixtures/reports';

const NOW = Date.parse('2026-12-03T09:00:00Z');
const POLICY = v.parse(AlertPolicy, { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
const NOTES = 'notesnotesnotesnotesnotesnotesno';
const notes = (o: Partial<ExtensionFacts> = {}) => extension({ id: NOTES, name: 'Team Notes', installType: 'admin', permissions: ['storage'], ...o });

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

const ENGINES: [string, () => Promise<Sql>][] = [
  ['SQLite', async () => new SqliteSql(openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-inventory-'))))],
  [
    'PostgreSQL',
    async () => {
      const pool = testPool(cluster.createDatabase(`inventory_${pools.length + 1}`), { max: 4 });
      pools.push(pool);
      await migratePostgres(pool);
      return new PostgresSql(pool);
    },
  ],
];

describe.each(ENGINES)('the extension inventory on %s', (_, open) => {
  it('keeps which version each device runs, writes nothing for an unchanged report, and raises one alert per change', async () => {
    const db = await open();
    const fleet = new FleetStore(db);
    const inventory = new ExtensionInventory(db);
    const send = (id: string, exts: ExtensionFacts[], at: number) => fleet.submit(report({ deviceId: id, extensions: exts }), POLICY, at);
    await Promise.all(['dev-a', 'dev-b', 'dev-c'].map((id) => send(id, [notes()], NOW)));
    const links = async () =>
      (await db.all<{ device_id: string; since: number }>(sql`SELECT device_id, since FROM device_extensions ORDER BY device_id`)).map((r) => [
        r.device_id,
        r.since,
      ]);
    expect(await links()).toEqual([
      ['dev-a', NOW],
      ['dev-b', NOW],
      ['dev-c', NOW],
    ]);
    await send('dev-a', [notes()], NOW + 1_000); // unchanged: the link keeps its time
    expect(await links()).toEqual([
      ['dev-a', NOW],
      ['dev-b', NOW],
      ['dev-c', NOW],
    ]);

    // Two devices take version 2 in one group, one later: one alert.
    const v2 = notes({ version: '2.0', permissions: ['storage', 'cookies'], hostPermissions: ['<all_urls>'] });
    await Promise.all([send('dev-a', [v2], NOW + 2_000), send('dev-b', [v2], NOW + 2_000)]);
    await send('dev-c', [v2], NOW + 3_000);
    const rows = await db.all<{ device_id: string; payload: string }>(sql`SELECT device_id, payload FROM outbox WHERE device_id LIKE 'extension:%'`);
    expect(rows.map((r) => r.device_id)).toEqual([`extension:${NOTES}`]);
    const alert = JSON.parse(rows[0]!.payload) as ExtensionAlert;
    expect(alert).toMatchObject({
      kind: 'extension-change',
      level: 'high',
      change: { from: { version: '1.0' }, to: { version: '2.0' }, added: ['cookies', '<all_urls>'] },
    });

    const reach = (await inventory.reach([alert])).get(alert)!;
    expect(reach).toEqual({
      devices: 3,
      sample: expect.arrayContaining([{ id: 'dev-a', label: 'Front desk PC' }]),
      installTypes: { admin: 3 },
      disabledByBrowser: 0,
    });
    const listed = await inventory.list({ policy: POLICY, now: NOW + 4_000, limit: 10, detailsUrl: (id) => `https://relay.example/${id}` });
    expect(listed.extensions).toHaveLength(1);
    expect(listed.extensions[0]).toMatchObject({ id: NOTES, devices: 3, enabledOn: 3, recentChanges: [{ from: '1.0', to: '2.0', devices: 3 }] });
    expect(listed.extensions[0]!.versions.map((v) => [v.version, v.devices])).toEqual([
      ['2.0', 3],
      ['1.0', 0],
    ]);

    // A device dropping it, and one forgotten, leave the inventory with them.
    await send('dev-a', [], NOW + 5_000);
    await fleet.forget('dev-b');
    expect(await links()).toEqual([['dev-c', NOW + 3_000]]);
  });

  it("writes each link as a group's last report left it: dropped then brought back in one group, it stays", async () => {
    const db = await open();
    const fleet = new FleetStore(db);
    await fleet.submit(report({ deviceId: 'dev-a', extensions: [notes()] }), POLICY, NOW);
    await Promise.all([
      fleet.submit(report({ deviceId: 'dev-a', extensions: [] }), POLICY, NOW + 1),
      fleet.submit(report({ deviceId: 'dev-a', extensions: [notes({ version: '2.0', permissions: ['storage', 'tabs'] })] }), POLICY, NOW + 2),
    ]);
    expect(await db.all(sql`SELECT device_id, extension_id, since, installed_at FROM device_extensions`)).toEqual([
      { device_id: 'dev-a', extension_id: NOTES, since: NOW + 2, installed_at: NOW + 2 },
    ]);
  });

  it('forgets versions no device runs beyond the newest few, and extensions no device has', async () => {
    const db = await open();
    const fleet = new FleetStore(db);
    const inventory = new ExtensionInventory(db);
    for (let i = 0; i < KEPT_OLD_VERSIONS + 5; i++)
      await fleet.submit(
        report({
          deviceId: 'flipper',
          extensions: [notes({ version: String(i) }), extension({ id: `gone${i}gone${i}gone${i}gone${i}gone${i}g`.slice(0, 32) })],
        }),
        POLICY,
        NOW + i,
      );
    const count = async () => (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM extension_versions`))!.n;
    expect(Number(await count())).toBe(2 * (KEPT_OLD_VERSIONS + 5));
    await inventory.maintain(NOW + 100, POLICY);
    // The notes' current version and its newest unused ones; of the others, only the one the device has now.
    expect(Number(await count())).toBe(1 + KEPT_OLD_VERSIONS + 1);
  });

  it('alerts an extension spreading on devices with a day of history, once', async () => {
    const db = await open();
    const fleet = new FleetStore(db);
    const inventory = new ExtensionInventory(db);
    const devices = Array.from({ length: 6 }, (_, i) => `dev-${i}`);
    for (const id of devices) await fleet.submit(report({ deviceId: id, extensions: [notes()] }), POLICY, NOW);
    const later = NOW + HISTORY_MS + 1;
    const coupons = extension({ id: 'couponscouponscouponscouponscoup', name: 'Coupons' });
    for (const id of devices) await fleet.submit(report({ deviceId: id, extensions: [notes(), coupons] }), POLICY, later);
    expect((await inventory.maintain(later, POLICY)).spreading).toEqual(['couponscouponscouponscouponscoup']);
    await inventory.maintain(later + 1, POLICY);
    const rows = await db.all<{ report_id: string }>(sql`SELECT report_id FROM outbox WHERE device_id = ${'extension:couponscouponscouponscouponscoup'}`);
    expect(rows).toEqual([{ report_id: 'spread' }]);
  });
});
