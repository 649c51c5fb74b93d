import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../relay/storage/secret-box';
import { copySqliteToPostgres } from '../../relay/commands/migrate-to-postgres';
import { OutboxStore } from '../../relay/storage/outbox';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { SecretStore } from '../../relay/storage/secrets';
import { PolicyStore } from '../../relay/storage/settings';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { createTestRelay, SMTP_PASSWORD, SMTP_USER, type TestRelay } from '../fixtures/relay';
import { report, riskyReport } from '../fixtures/reports';

const KEY = randomBytes(32);
let cluster: PostgresCluster;
let relay: TestRelay;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  relay = await createTestRelay({}, { dataDir: mkdtempSync(join(tmpdir(), 'guardmail-copy-')), secretKey: KEY });
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await relay?.close();
  cluster?.stop();
});

describe("copying a relay's SQLite store into PostgreSQL", () => {
  it('copies every table row for row, secrets sealed as they were and alerts due as they were, and refuses to copy twice', async () => {
    // A store as a relay leaves it: settings with a secret, a policy, devices, an alert waiting, the audit log.
    const settings = await relay.call('PUT', '/api/v1/mail-settings', {
      host: 'smtp.example.com',
      port: 465,
      emailType: 'smtps',
      authType: 'basic',
      requiresAuth: true,
      username: SMTP_USER,
      password: SMTP_PASSWORD,
      senderAddress: SMTP_USER,
    });
    expect(settings.status, await settings.clone().text()).toBe(200);
    expect((await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 })).status).toBe(200);
    for (const r of [report({ deviceId: 'device-quiet' }), riskyReport({ deviceId: 'device-risky' })]) {
      const res = await relay.call('POST', '/api/v1/reports', r, { token: relay.enrollmentToken });
      expect(res.status, await res.clone().text()).toBe(202);
    }
    // Stopped, as the relay is for the copy: its delivery attempt would write the delivery record meanwhile.
    await relay.deps.worker.stop();
    const counts = (relay.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]).map(
      (t) => [t, relay.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number] as const,
    );

    const pool = testPool(cluster.createDatabase('copied'), { max: 2 });
    pools.push(pool);
    expect(await copySqliteToPostgres(relay.db, pool)).toEqual(Object.fromEntries(counts));
    expect(Object.fromEntries(counts)).toMatchObject({ devices: 2, outbox: 1, secrets: expect.any(Number), settings: expect.any(Number) });

    // The secret opens with the relay's key, under its own name; the policy and the waiting alert are the same.
    const copy = new PostgresSql(pool);
    expect(await new SecretStore(new SecretBox(KEY)).get(copy, 'mail.password')).toBe(SMTP_PASSWORD);
    const policy = new PolicyStore(copy);
    await policy.load();
    expect(policy.get()).toMatchObject({ recipients: ['it@example.com'] });
    const outbox = new OutboxStore(copy, { alone: false });
    expect(await outbox.list(10)).toEqual(await relay.deps.outbox.list(10));
    // The alert the relay tried to send (the server is unreachable) goes on under its batch id, so its Message-ID.
    const sqliteBatch = relay.db.prepare('SELECT batch_id FROM outbox').pluck().get() as string;
    const batch = await outbox.claim(Date.now() + 86_400_000, 60_000, 10);
    expect(batch).toMatchObject({ batchId: sqliteBatch, alerts: [{ payload: { device: { id: 'device-risky' } } }] });
    // New rows take ids after the copied ones.
    const { rows } = await pool.query<{ id: number }>(
      "INSERT INTO audit_log (at, request_id, action, details) VALUES (0, '', 'alerts.retried', '{}') RETURNING id",
    );
    expect(rows[0]!.id).toBeGreaterThan(Object.fromEntries(counts).audit_log!);

    await expect(copySqliteToPostgres(relay.db, pool)).rejects.toThrow("already holds a relay's data");
  });
});
