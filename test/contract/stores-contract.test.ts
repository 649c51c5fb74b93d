import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertPolicy, DEFAULT_POLICY } from '../../shared/alert-policy';
import { MailSettingsInput } from '../../shared/mail-settings';
import { createLogger } from '../../relay/log';
import { AccessTokens } from '../../relay/storage/access-tokens';
import { openPostgresStores } from '../../relay/storage/postgres/index';
import { SecretBox } from '../../relay/storage/secret-box';
import { openSqliteStores } from '../../relay/storage/sqlite/index';
import type { Stores } from '../../relay/storage/stores';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';
import { basicSettings } from '../fixtures/relay';

/**
 * The stores the relay reads its settings, audit, release data, tokens and secrets from, the same scenarios on both
 * engines (the outbox and the fleet have their own: outbox-contract and fleet-contract).
 */
let cluster: PostgresCluster;
let opened: Stores[] = [];
let databases = 0;
const box = new SecretBox(randomBytes(32));

beforeAll(async () => {
  cluster = await startPostgres();
});
afterEach(async () => {
  await Promise.all(opened.map((s) => s.close()));
  opened = [];
});
afterAll(() => cluster?.stop());

const engines: Record<string, () => Promise<Stores>> = {
  sqlite: async () => openSqliteStores(mkdtempSync(join(tmpdir(), 'guardmail-stores-')), box, createLogger('silent')),
  postgres: async () => openPostgresStores({ url: cluster.createDatabase(`stores_${databases++}`), box, logger: createLogger('silent'), maxConnections: 2 }),
};

async function open(engine: string): Promise<Stores> {
  const stores = await engines[engine]!();
  opened.push(stores);
  return stores;
}

const mailSettings = (overrides: Record<string, unknown> = {}) =>
  v.parse(MailSettingsInput, basicSettings({ port: 465, emailType: 'smtps', tls: false, ...overrides }));

describe.each(Object.keys(engines))('the stores on %s', (engine) => {
  it('keep the mail settings with their secrets sealed, a secret kept unless replaced or cleared, and a new revision at each save', async () => {
    const stores = await open(engine);
    expect(stores.mailSettings.get()).toBeNull();
    expect(stores.mailSettings.view()).toBeNull();
    const first = stores.mailSettings.revision();
    await stores.mailSettings.save(mailSettings({ password: 'first-password' }));
    expect(stores.mailSettings.get()).toMatchObject({ port: 465, transport: 'smtp' });
    expect(stores.mailSettings.get()).not.toHaveProperty('password');
    expect(stores.mailSettings.secrets()).toEqual({ password: 'first-password' });
    expect(stores.mailSettings.view()?.secretsSet).toMatchObject({ password: true, clientSecret: false });
    const second = stores.mailSettings.revision();
    expect(second).not.toBe(first);

    // A save without the password keeps the stored one.
    const withoutPassword = { ...mailSettings({ port: 2465 }), password: undefined };
    await stores.mailSettings.save(withoutPassword);
    expect(stores.mailSettings.secrets()).toEqual({ password: 'first-password' });
    expect(stores.mailSettings.get()?.port).toBe(2465);
    await stores.mailSettings.save({ ...withoutPassword, password: null });
    expect(stores.mailSettings.hasSecret('password')).toBe(false);
    expect(stores.mailSettings.revision()).not.toBe(second);
  });

  it('measure what the store takes, and it grows with what is stored (the store budget reads it)', async () => {
    const stores = await open(engine);
    const empty = await stores.sizeBytes();
    expect(empty).toBeGreaterThan(0);
    for (let i = 0; i < 200; i++) await stores.audit.record('alerts.retried', { padding: randomBytes(3_000).toString('base64'), i }, `request-${i}`);
    // PostgreSQL's database size counts whole 8 KB pages of every relation, SQLite's its pages and its write-ahead log.
    await expect.poll(() => stores.sizeBytes()).toBeGreaterThan(empty + 400_000);
  });

  it('answer the default policy until one is saved, then the saved one', async () => {
    const stores = await open(engine);
    expect(stores.policy.get()).toEqual(DEFAULT_POLICY);
    const policy = v.parse(AlertPolicy, { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    await stores.policy.save(policy);
    expect(stores.policy.get()).toEqual(policy);
  });

  it('record the audit newest first, and prune what is older than the cutoff', async () => {
    const stores = await open(engine);
    await stores.audit.record('alert-policy.updated', { recipients: 'set' }, 'request-1', 1_000);
    await stores.audit.record('device.forgotten', { deviceId: 'device-a' }, 'request-2', 2_000);
    expect((await stores.audit.list(10)).map((e) => [e.action, e.requestId, e.details])).toEqual([
      ['device.forgotten', 'request-2', { deviceId: 'device-a' }],
      ['alert-policy.updated', 'request-1', { recipients: 'set' }],
    ]);
    expect(await stores.audit.prune(1_500)).toBe(1);
    expect((await stores.audit.list(10)).map((e) => e.action)).toEqual(['device.forgotten']);
  });

  it("keep the release feeds and the exploited catalog, with their indexes and each source's status", async () => {
    const stores = await open(engine);
    expect(stores.releases.index()).toBeNull();
    expect(stores.releases.status().every((s) => s.fetchedAt === null)).toBe(true);
    const channels = [{ browser: 'Chrome', platform: 'windows', channel: 'stable', releases: [{ version: '131.0.6778.86', at: 1_000 }] }];
    await stores.releases.save({ source: 'chrome', fetchedAt: 5_000, channels });
    await stores.releases.refused('edge', 'RELEASE_FEED_MALFORMED: not JSON', 6_000);
    await stores.releases.saveExploited(
      [
        { cve: 'CVE-2026-0001', dateAdded: '2026-11-01', ranges: [{ browser: 'Chrome', fixedIn: '131.0.6778.86' }] },
        { cve: 'CVE-2026-0002', dateAdded: '2026-11-02', ranges: [], awaitingAnalysis: true },
      ],
      7_000,
    );
    expect(stores.releases.feed('chrome')).toEqual({ source: 'chrome', fetchedAt: 5_000, channels });
    expect(stores.releases.index()).not.toBeNull();
    expect(stores.releases.exploitIndex()).not.toBeNull();
    expect(stores.releases.exploited().map((e) => [e.cve, e.awaitingAnalysis ?? false])).toEqual([
      ['CVE-2026-0001', false],
      ['CVE-2026-0002', true],
    ]);
    expect(stores.releases.status().filter((s) => s.fetchedAt !== null || s.lastError !== null)).toEqual([
      { source: 'chrome', fetchedAt: 5_000, lastError: null, lastErrorAt: null },
      { source: 'edge', fetchedAt: null, lastError: 'RELEASE_FEED_MALFORMED: not JSON', lastErrorAt: 6_000 },
      { source: 'kev', fetchedAt: 7_000, lastError: null, lastErrorAt: null },
    ]);
  });

  it('generate each token once, and load its hash on every later start', async () => {
    const stores = await open(engine);
    const first = await AccessTokens.init(stores.tokenRows, {});
    expect(Object.keys(first.generated).sort()).toEqual(['admin', 'enrollment']);
    const again = await AccessTokens.init(stores.tokenRows, {});
    expect(again.generated).toEqual({});
    expect(again.tokens.verify('admin', first.generated.admin!)).toBe(true);
    expect(again.tokens.verify('enrollment', first.generated.admin!)).toBe(false);
  });

  it('keep a named secret sealed, and record the latest delivery and failure', async () => {
    const stores = await open(engine);
    expect(await stores.secret('enrollment-token')).toBeNull();
    await stores.keepSecret('enrollment-token', 'gm_enr_kept');
    expect(await stores.secret('enrollment-token')).toBe('gm_enr_kept');
    stores.deliveryLog.delivered(10_000);
    stores.deliveryLog.failed('SMTP_AUTH_FAILED', 11_000);
    await stores.deliveryLog.flush();
    expect(stores.deliveryLog.get()).toEqual({ lastDeliveredAt: 10_000, lastFailure: { code: 'SMTP_AUTH_FAILED', at: 11_000 } });
  });
});

describe('the stores of relays sharing one PostgreSQL', () => {
  it("hear each other's saves, and merge their delivery records into the latest of each", async () => {
    const url = cluster.createDatabase('shared_stores');
    const [a, b] = await Promise.all([0, 1].map(() => openPostgresStores({ url, box, logger: createLogger('silent'), maxConnections: 2 })));
    opened.push(a!, b!);
    await a!.mailSettings.save(mailSettings({ password: 'shared-password' }));
    await a!.policy.save(v.parse(AlertPolicy, { recipients: ['soc@example.com'] }));
    await expect.poll(() => b!.mailSettings.secrets()).toEqual({ password: 'shared-password' });
    await expect.poll(() => b!.policy.get().recipients).toEqual(['soc@example.com']);

    a!.deliveryLog.failed('SMTP_TIMEOUT', 20_000);
    b!.deliveryLog.delivered(30_000);
    await Promise.all([a!.deliveryLog.flush(), b!.deliveryLog.flush()]);
    await expect.poll(() => a!.deliveryLog.get()).toEqual({ lastDeliveredAt: 30_000, lastFailure: { code: 'SMTP_TIMEOUT', at: 20_000 } });
    await expect.poll(() => b!.deliveryLog.get()).toEqual({ lastDeliveredAt: 30_000, lastFailure: { code: 'SMTP_TIMEOUT', at: 20_000 } });
  });

  it('refuse a relay whose key did not seal the secrets already there', async () => {
    const url = cluster.createDatabase('other_key');
    opened.push(await openPostgresStores({ url, box, logger: createLogger('silent'), maxConnections: 2 }));
    await expect(openPostgresStores({ url, box: new SecretBox(randomBytes(32)), logger: createLogger('silent'), maxConnections: 2 })).rejects.toThrow(
      new RegExp(`sealed with key [0-9a-f]{16}, and this relay has key [0-9a-f]{16}`),
    );
  });
});
