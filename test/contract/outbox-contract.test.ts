import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertItem, AlertState } from '../../shared/fleet';
import type { AlertPayload } from '../../relay/domain/judgement';
import { MAX_BATCH_BYTES, OutboxStore, type Batch, type OutboxStats } from '../../relay/storage/outbox';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { sql, type Sql } from '../../relay/storage/sql';
import { openDatabase } from '../../relay/storage/sqlite/db';
import { SqliteSql } from '../../relay/storage/sqlite/sql';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';

/** The outbox as the worker uses it, whichever engine holds it. */
interface Outbox {
  claim(now: number, leaseMs: number, maxBatch: number): Promise<Batch | null>;
  sent(batchId: string, now: number): Promise<void>;
  retryLater(batchId: string, error: string, retryAt: number): Promise<void>;
  failed(batchId: string, error: string): Promise<void>;
  split(batchId: string, now: number): Promise<void>;
  release(batchId: string): Promise<void>;
  retryFailed(now: number): Promise<number>;
  expire(cutoff: number, lifetime: string): Promise<number>;
  stats(now: number): Promise<OutboxStats>;
  waitingError(): Promise<string | null>;
  list(limit: number, state?: AlertState): Promise<AlertItem[]>;
}

interface Engine {
  outbox: Outbox;
  /** What the fleet store writes when a report raises an alert: the device, and the alert due at `dueAt`. */
  enqueue(deviceId: string, payload: string, now: number, dueAt?: number): Promise<void>;
  lastAlertedAt(deviceId: string): Promise<number | null>;
}

const NOW = Date.parse('2026-12-03T09:00:00Z');
const LEASE = 60_000;

const payload = (deviceId: string): AlertPayload => ({
  device: { id: deviceId, label: `Laptop ${deviceId}`, browser: 'Chrome', version: '131.0.6778.85', os: 'Windows' },
  level: 'high',
  findings: [
    {
      check: 'risky-permissions',
      severity: 'high',
      subject: 'Risky Helper',
      title: { en: 'Risky Helper has high-risk permissions: debugger', es: 'Risky Helper tiene permisos de alto riesgo: debugger' },
      remediation: { en: 'Remove it.', es: 'Quítela.' },
    },
  ],
  reportedAt: NOW,
});

/** An engine's outbox, and what the fleet store writes when a report raises an alert, in the SQL both engines take. */
function engineOn(db: Sql, alone: boolean): Engine {
  let reports = 0;
  return {
    outbox: new OutboxStore(db, { alone }),
    async enqueue(deviceId, json, now, dueAt = now) {
      await db.run(sql`INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at)
        VALUES (${deviceId}, ${deviceId}, 'Chrome', '131.0.6778.85', 'Windows', 'high', 0, '[]', ${now}, ${now}) ON CONFLICT (id) DO NOTHING`);
      await db.run(sql`INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at)
        VALUES (${deviceId}, ${`report-${++reports}`}, ${json}, 'pending', ${now}, ${dueAt}, ${dueAt})`);
    },
    async lastAlertedAt(deviceId) {
      return (await db.get<{ last_alerted_at: number | null }>(sql`SELECT last_alerted_at FROM devices WHERE id = ${deviceId}`))?.last_alerted_at ?? null;
    },
  };
}

const sqliteEngine = (): Engine => engineOn(new SqliteSql(openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-outbox-')))), true);
const postgresEngine = (pool: pg.Pool): Engine => engineOn(new PostgresSql(pool), false);

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
let databases = 0;
async function freshPostgres(): Promise<pg.Pool> {
  const pool = testPool(cluster.createDatabase(`outbox_${++databases}`), { max: 4 });
  pools.push(pool);
  await migratePostgres(pool);
  return pool;
}

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

const ENGINES: [string, () => Promise<Engine>][] = [
  ['SQLite', async () => sqliteEngine()],
  ['PostgreSQL', async () => postgresEngine(await freshPostgres())],
];

describe.each(ENGINES)('the outbox on %s', (_, make) => {
  it('takes every pending alert into one batch once the oldest is due, and none before', async () => {
    const { outbox, enqueue } = await make();
    await enqueue('a', JSON.stringify(payload('a')), NOW, NOW + 30_000);
    await enqueue('b', JSON.stringify(payload('b')), NOW + 1_000, NOW + 31_000);
    expect(await outbox.claim(NOW + 29_000, LEASE, 100)).toBeNull();
    const batch = await outbox.claim(NOW + 30_000, LEASE, 100);
    expect(batch?.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['a', 'b']);
    expect(await outbox.claim(NOW + 30_000, LEASE, 100)).toBeNull();
  });

  it('loads at most MAX_BATCH_BYTES of alerts in a batch, the first whatever its size, and the rest in the next', async () => {
    const { outbox, enqueue } = await make();
    // Rows as large as an older relay (or a restore) may have left: 800 of them once stalled the relay for 8.5 s.
    const large = (id: string) => JSON.stringify({ ...payload(id), device: { ...payload(id).device, label: 'x'.repeat(MAX_BATCH_BYTES / 3) } });
    for (const id of ['a', 'b', 'c', 'd']) await enqueue(id, large(id), NOW);
    const first = await outbox.claim(NOW, LEASE, 100);
    expect(first?.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['a', 'b', 'c']);
    await outbox.sent(first!.batchId, NOW);
    expect((await outbox.claim(NOW, LEASE, 100))?.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['d']);
  });

  it("marks a sent batch sent and starts its devices' cooldown", async () => {
    const { outbox, enqueue, lastAlertedAt } = await make();
    await enqueue('a', JSON.stringify(payload('a')), NOW);
    const batch = (await outbox.claim(NOW, LEASE, 100))!;
    await outbox.sent(batch.batchId, NOW + 500);
    expect(await lastAlertedAt('a')).toBe(NOW + 500);
    expect(await outbox.list(10)).toMatchObject([
      { deviceId: 'a', deviceLabel: 'Laptop a', level: 'high', state: 'sent', attempts: 1, sentAt: new Date(NOW + 500).toISOString() },
    ]);
    expect(await outbox.stats(NOW + 500)).toEqual({ pending: 0, failed: 0, oldestDueAgeSeconds: null });
  });

  it('takes a batch again under the same id after its lease, or when its retry is due, and not before', async () => {
    const { outbox, enqueue } = await make();
    await enqueue('a', JSON.stringify(payload('a')), NOW);
    const first = (await outbox.claim(NOW, LEASE, 100))!;
    expect(await outbox.claim(NOW + LEASE - 1, LEASE, 100)).toBeNull();
    const again = (await outbox.claim(NOW + LEASE + 1, LEASE, 100))!;
    expect(again.batchId).toBe(first.batchId);

    await outbox.retryLater(again.batchId, 'SMTP_UNAVAILABLE: 421', NOW + 200_000);
    expect(await outbox.waitingError()).toBe('SMTP_UNAVAILABLE: 421');
    // Alerts raised meanwhile wait with the batch instead of going out in a mail of their own.
    await enqueue('b', JSON.stringify(payload('b')), NOW + 100_000);
    expect(await outbox.claim(NOW + 199_999, LEASE, 100)).toBeNull();
    const retried = (await outbox.claim(NOW + 200_000, LEASE, 100))!;
    expect(retried).toMatchObject({ batchId: first.batchId, alerts: [{ attempts: 1 }] });
    expect(await outbox.stats(NOW + 200_000)).toEqual({ pending: 2, failed: 0, oldestDueAgeSeconds: 200 });
  });

  it('fails an unreadable alert alone, with why, and sends the rest', async () => {
    const { outbox, enqueue } = await make();
    await enqueue('a', '{"device":', NOW);
    await enqueue('b', JSON.stringify(payload('b')), NOW);
    const batch = (await outbox.claim(NOW, LEASE, 100))!;
    expect(batch.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['b']);
    const [failed] = await outbox.list(10, 'failed');
    expect(failed).toMatchObject({ deviceId: 'a', level: null, lastError: 'ALERT_UNREADABLE: the stored alert is not JSON' });
  });

  it('splits a batch too large for the server: the first half keeps the id, the rest goes in the next mail', async () => {
    const { outbox, enqueue } = await make();
    for (const d of ['a', 'b', 'c', 'd']) await enqueue(d, JSON.stringify(payload(d)), NOW);
    const batch = (await outbox.claim(NOW, LEASE, 100))!;
    await outbox.split(batch.batchId, NOW + 1);
    const half = (await outbox.claim(NOW + 1, LEASE, 100))!;
    expect(half.batchId).toBe(batch.batchId);
    expect(half.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['a', 'b']);
    await outbox.sent(half.batchId, NOW + 2);
    const rest = (await outbox.claim(NOW + 2, LEASE, 100))!;
    expect(rest.batchId).not.toBe(batch.batchId);
    expect(rest.alerts.map((a) => (a.payload as AlertPayload).device.id)).toEqual(['c', 'd']);
  });

  it("gives a batch back untouched, fails one for good, retries the failed on an admin's word, and expires what waited too long", async () => {
    const { outbox, enqueue } = await make();
    await enqueue('a', JSON.stringify(payload('a')), NOW);
    const batch = (await outbox.claim(NOW, LEASE, 100))!;
    await outbox.release(batch.batchId);
    const again = (await outbox.claim(NOW, LEASE, 100))!;
    expect(again.alerts[0]!.attempts).toBe(0);
    await outbox.failed(again.batchId, 'SMTP_RECIPIENT_REFUSED: 550');
    expect(await outbox.stats(NOW)).toMatchObject({ pending: 0, failed: 1 });
    expect(await outbox.retryFailed(NOW + 10)).toBe(1);
    const retried = (await outbox.claim(NOW + 10, LEASE, 100))!;
    await outbox.retryLater(retried.batchId, 'SMTP_UNAVAILABLE: 421', NOW + 60_000);
    expect(await outbox.expire(NOW + 20, '5 days')).toBe(1);
    expect((await outbox.list(10, 'failed'))[0]!.lastError).toBe('ALERT_EXPIRED: not delivered within 5 days; last error: SMTP_UNAVAILABLE: 421');
  });
});

describe('the outbox shared by three relays on PostgreSQL', () => {
  async function threeRelays(): Promise<{ engine: Engine; pool: pg.Pool; relays: OutboxStore[] }> {
    const pool = await freshPostgres();
    const others = [0, 1].map(() => {
      const p = testPool(cluster.url(`outbox_${databases}`), { max: 4 });
      pools.push(p);
      return p;
    });
    return { engine: postgresEngine(pool), pool, relays: [pool, ...others].map((p) => new OutboxStore(new PostgresSql(p), { alone: false })) };
  }

  it('sends a grouping window as one mail when the three claim it at the same moment', async () => {
    const { engine, relays } = await threeRelays();
    for (let i = 0; i < 60; i++) await engine.enqueue(`device-${i}`, JSON.stringify(payload(`device-${i}`)), NOW);
    for (let round = 0; round < 5; round++) {
      const batches = (await Promise.all(relays.map((r) => r.claim(NOW, LEASE, 100)))).filter((b) => b !== null);
      if (round === 0) {
        expect(batches).toHaveLength(1);
        expect(batches[0]!.alerts).toHaveLength(60);
      } else {
        expect(batches).toEqual([]);
      }
    }
  });

  it('never gives one alert to two relays at once, nor one batch twice, and one grouping window is one mail', async () => {
    const { engine, pool, relays } = await threeRelays();
    // Forty batches waiting for their retry, due at once, and a window of pending alerts behind them.
    for (let i = 0; i < 40; i++) await engine.enqueue(`retry-${i}`, JSON.stringify(payload(`retry-${i}`)), NOW);
    await pool.query("UPDATE outbox SET state = 'pending_retry', batch_id = 'batch-' || id, due_at = $1, attempts = 1, last_error = 'SMTP_UNAVAILABLE: 421'", [
      NOW + 1_000,
    ]);
    for (let i = 0; i < 30; i++) await engine.enqueue(`pending-${i}`, JSON.stringify(payload(`pending-${i}`)), NOW);

    const taken: Batch[] = [];
    await Promise.all(
      relays.map(async (relay) => {
        for (let batch = await relay.claim(NOW + 1_000, LEASE, 100); batch; batch = await relay.claim(NOW + 1_000, LEASE, 100)) {
          taken.push(batch);
          await relay.sent(batch.batchId, NOW + 1_001);
        }
      }),
    );
    const ids = taken.flatMap((b) => b.alerts.map((a) => a.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(70);
    expect(new Set(taken.map((b) => b.batchId)).size).toBe(taken.length);
    // The forty retried batches, then the pending alerts together: 41 mails, as one relay would send.
    expect(taken).toHaveLength(41);
  });
});
