import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken } from '../relay/storage/access-tokens';
import { startPostgres, type PostgresCluster } from '../test/fixtures/postgres';
import { basicSettings, createPostgresTestRelay, createTestRelay, type PostgresTestRelay, type TestRelay } from '../test/fixtures/relay';
import { riskyReport } from '../test/fixtures/reports';
import { testPki } from '../test/fixtures/tls';
import { startMta } from '../test/peers/mta';
import type { SmtpPeer } from '../test/peers/smtp-peer';
import { load, relayEnv } from './ingest';
import { buildRelay, median, report, spawnServer } from './lib';

const RUNS = 3;
const SECONDS = 5;
const ALERTS = 200;

/** Reports per second accepted by these relays together, 50 connections shared between them. */
async function ingest(urls: string[]): Promise<number> {
  const results = await Promise.all(urls.map((url, i) => load(url, SECONDS, i * 10_000_000, undefined, 50 / urls.length)));
  for (const r of results) if ((r.statuses.get(202) ?? 0) !== r.sent) throw new Error(`reports refused: ${JSON.stringify([...r.statuses])}`);
  return results.reduce((sum, r) => sum + r.sent / (r.elapsedMs / 1000), 0);
}

async function ingestOn(count: number, database: string | null): Promise<number> {
  const args = () => [
    'dist/relay.mjs',
    '--port',
    '0',
    '--data-dir',
    mkdtempSync(join(tmpdir(), 'guardmail-bench-')),
    ...(database ? ['--database-url', database] : []),
  ];
  const env = { ...relayEnv, GUARDMAIL_SECRET_KEY: randomBytes(32).toString('base64') };
  const relays = await Promise.all(Array.from({ length: count }, () => spawnServer(args(), env)));
  try {
    return await ingest(relays.map((r) => r.url));
  } finally {
    await Promise.all(relays.map((r) => r.stop()));
  }
}

type Relay = TestRelay | PostgresTestRelay;

/**
 * Mails per second from the outbox to an SMTP server (the MTA replica over SMTPS), one alert a mail: ALERTS alerts
 * wait, held for want of a mail server, then the first relay is given one and every relay's worker drains the outbox.
 */
async function delivery(smtp: SmtpPeer, relays: Relay[]): Promise<number> {
  const [first] = relays as [Relay];
  await first.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
  while (relays.some((r) => r.deps.policy.get().recipients.length === 0)) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < ALERTS; i++)
    await relays[i % relays.length]!.call('POST', '/api/v1/reports', riskyReport({ deviceId: `device-${i}` }), { token: first.enrollmentToken });
  const before = smtp.received.length;
  const started = performance.now();
  // The first relay starts sending at once; the others once they hear of the mail server.
  const put = await first.call(
    'PUT',
    '/api/v1/mail-settings',
    basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }),
  );
  if (put.status !== 200) throw new Error(await put.text());
  while (relays.some((r) => r.deps.mailSettings.get() === null)) await new Promise((r) => setTimeout(r, 5));
  await Promise.all(relays.map((r) => r.deps.worker.wake()));
  while (smtp.received.length - before < ALERTS) await new Promise((r) => setTimeout(r, 5));
  const rate = ALERTS / ((performance.now() - started) / 1000);
  await Promise.all(relays.map((r) => r.close()));
  return rate;
}

export async function deliveryOn(cluster: PostgresCluster, smtp: SmtpPeer, count: number, database: string | null): Promise<number> {
  const options = { worker: { maxBatch: 1 } };
  if (!database) return delivery(smtp, [await createTestRelay(options)]);
  const shared = { secretKey: randomBytes(32), adminToken: generateToken('admin'), enrollmentToken: generateToken('enrollment') };
  const url = cluster.createDatabase(database);
  return delivery(smtp, await Promise.all(Array.from({ length: count }, () => createPostgresTestRelay(url, shared, options))));
}

/**
 * The relay on PostgreSQL against the relay on SQLite, end to end and in the same run: durable report ingest over HTTP
 * (50 connections, as `ingest` measures it) and alert delivery through an SMTP server; then two relays sharing the
 * database against one. The cluster is a throwaway one on the same disk and the same two cores as the relays and the
 * load: the figures compare engines and relay counts here, not a deployment.
 */
export async function benchRelays(): Promise<void> {
  buildRelay();
  const cluster = await startPostgres();
  const smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': 'correct horse battery staple' } });
  try {
    const runs = { sqlite: [] as number[], pg1: [] as number[], pg2: [] as number[], sendSqlite: [] as number[], send1: [] as number[], send2: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      runs.sqlite.push(await ingestOn(1, null));
      runs.pg1.push(await ingestOn(1, cluster.createDatabase(`ingest1_${run}`)));
      runs.pg2.push(await ingestOn(2, cluster.createDatabase(`ingest2_${run}`)));
      runs.sendSqlite.push(await deliveryOn(cluster, smtp, 1, null));
      runs.send1.push(await deliveryOn(cluster, smtp, 1, `send1_${run}`));
      runs.send2.push(await deliveryOn(cluster, smtp, 2, `send2_${run}`));
    }
    report('durable ingest, relay on PostgreSQL', median(runs.pg1), 'reports/s', median(runs.sqlite), 'relay on SQLite', 'context');
    report('durable ingest, 2 relays on PostgreSQL', median(runs.pg2), 'reports/s', median(runs.pg1), '1 relay on PostgreSQL', 'context');
    report('alert delivery, relay on PostgreSQL', median(runs.send1), 'mails/s', median(runs.sendSqlite), 'relay on SQLite', 'context');
    report('alert delivery, 2 relays on PostgreSQL', median(runs.send2), 'mails/s', median(runs.send1), '1 relay on PostgreSQL', 'context');
  } finally {
    await smtp.close();
    cluster.stop();
  }
}
