import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailSender } from '../../relay/delivery/mail-sender';
import { OutboxWorker } from '../../relay/delivery/outbox-worker';
import { FleetStore } from '../../relay/storage/fleet';
import { OutboxStore } from '../../relay/storage/outbox';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { decoded, unfold } from '../fixtures/mail';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { basicSettings, createTestRelay, type TestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';

let cluster: PostgresCluster;
let smtp: SmtpPeer;
const relays: TestRelay[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  [cluster, smtp] = await Promise.all([startPostgres(), startMta({ tls: 'implicit', users: { 'alerts@example.com': 'correct horse battery staple' } })]);
});
afterAll(async () => {
  await Promise.all(relays.map((r) => r.close()));
  await Promise.all(pools.map((p) => p.end()));
  await smtp?.close();
  cluster?.stop();
});

/** Mails each relay sent. */
const sentBy: number[] = [];

/** A relay's delivery, with its own mail settings, policy and SMTP pool, taking alerts from the shared outbox. */
async function relayWorker(url: string): Promise<OutboxWorker> {
  const index = sentBy.push(0) - 1;
  const relay = await createTestRelay();
  relays.push(relay);
  const put = await relay.call(
    'PUT',
    '/api/v1/mail-settings',
    basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }),
  );
  expect(put.status, await put.clone().text()).toBe(200);
  expect((await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 })).status).toBe(200);
  await relay.deps.worker.stop();
  const pool = testPool(url, { max: 4 });
  pools.push(pool);
  const { policy, mailSettings, oauth, sender, logger } = relay.deps;
  const counted = { sendPooled: (mail: Parameters<MailSender['sendPooled']>[0]) => (sentBy[index]!++, sender.sendPooled(mail)) } as MailSender;
  // Ten alerts a mail, so that there are batches for the three relays to share.
  return new OutboxWorker({
    outbox: new OutboxStore(new PostgresSql(pool), { alone: false }),
    policy,
    mailSettings,
    oauth,
    sender: counted,
    logger,
    maxBatch: 10,
  });
}

describe('three relays delivering from one PostgreSQL outbox', () => {
  it('mails each of 200 alerts once, in batches the three share, through a real SMTP server', async () => {
    const url = cluster.createDatabase('delivery');
    const pool = testPool(url, { max: 4 });
    pools.push(pool);
    await migratePostgres(pool);
    const fleet = new FleetStore(new PostgresSql(pool));
    const workers = await Promise.all([0, 1, 2].map(() => relayWorker(url)));
    const policy = relays[0]!.deps.policy.get();
    const devices = Array.from({ length: 200 }, (_, i) => `device-${String(i).padStart(3, '0')}`);
    await Promise.all(devices.map((id) => fleet.submit(riskyReport({ deviceId: id }), policy, Date.now())));

    await Promise.all(workers.map((w) => w.wake()));
    const mailed = smtp.received.flatMap((m) => [...decoded(m.raw).matchAll(/^== .* \(.*; (device-\d{3})\)$/gm)].map((match) => match[1]!));
    expect(mailed.sort()).toEqual(devices);
    expect(smtp.received).toHaveLength(20);
    expect(sentBy.reduce((a, b) => a + b)).toBe(20);
    expect(sentBy.filter((n) => n > 0).length).toBeGreaterThan(1);
    const messageIds = smtp.received.map((m) => /^Message-ID: (\S+)/im.exec(unfold(m.raw))?.[1]);
    expect(messageIds.every((id) => id?.startsWith('<guardmail.alert.'))).toBe(true);
    expect(new Set(messageIds).size).toBe(smtp.received.length);
    const { rows } = await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM outbox GROUP BY state');
    expect(rows).toEqual([{ state: 'sent', n: 200 }]);
  });
});
