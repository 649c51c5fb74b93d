import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { generateToken } from '../../relay/storage/access-tokens';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';
import { createPostgresTestRelay, oauthSettings, type PostgresTestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';
import { startMicrosoft365, type Microsoft365Peer } from '../peers/microsoft-365';

/**
 * Relays on one PostgreSQL sending for one Microsoft 365 mailbox: its limits (3 connections, 30 messages a
 * minute) and its rotating refresh token are the mailbox's, whichever relays send. Each relay is the real app over its
 * own pool, as main.ts composes it; test/processes/postgres-relays.test.ts runs them as processes.
 */
const CLIENT_ID = 'guardmail-test-client';
const CLIENT_SECRET = 'client-secret-7f3a9c1e';
const MAILBOX = 'alerts@example.com';
// Microsoft's minute, scaled down so that its rule shows in about a second.
const MINUTE_MS = 300;
const SHARED = { secretKey: randomBytes(32), adminToken: generateToken('admin'), enrollmentToken: generateToken('enrollment') };

let cluster: PostgresCluster;
let as: AuthorizationServer;
let smtp: Microsoft365Peer;
let relays: PostgresTestRelay[] = [];
let clock = Date.now();

beforeAll(async () => {
  [cluster, as] = await Promise.all([
    startPostgres(),
    startAuthorizationServer({
      flavour: 'microsoft',
      clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    }),
  ]);
  smtp = await startMicrosoft365({ verifyToken: as.verifyToken, minuteMs: MINUTE_MS });
});
afterEach(async () => {
  await Promise.all(relays.map((r) => r.close()));
  relays = [];
});
afterAll(async () => {
  await Promise.all([as?.close(), smtp?.close()]);
  cluster?.stop();
});

/** Relays on a fresh database, connected to the mailbox by a consent started on one and finished on another. */
async function connectedRelays(database: string, count = 3): Promise<void> {
  const url = cluster.createDatabase(database);
  relays = await Promise.all(
    Array.from({ length: count }, () => createPostgresTestRelay(url, SHARED, { now: () => clock, providerMinuteMs: MINUTE_MS, worker: { maxBatch: 1 } })),
  );
  const [a, b, c] = relays as [PostgresTestRelay, PostgresTestRelay, PostgresTestRelay];
  const put = await a.call(
    'PUT',
    '/api/v1/mail-settings',
    oauthSettings(as, { port: smtp.port, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, { senderAddress: MAILBOX }),
  );
  expect(put.status, await put.clone().text()).toBe(200);
  // The settings reach the other relays before the consent is finished on one of them.
  await vi.waitFor(() => expect(relays.map((r) => r.deps.mailSettings.get()?.port)).toEqual(relays.map(() => smtp.port)));
  const { authorizationUrl } = (await (await a.call('POST', '/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL })).json()) as AuthorizeAnswer;
  const callback = await b.call('POST', '/api/v1/oauth/callback', { callbackUrl: await as.consent(authorizationUrl, 'allow', MAILBOX) });
  expect(callback.status, await callback.clone().text()).toBe(200);
  expect((await c.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 })).status).toBe(200);
  await vi.waitFor(() => expect(relays.map((r) => r.deps.policy.get().recipients)).toEqual(relays.map(() => ['it@example.com'])));
}

describe('relays sending for one Microsoft 365 mailbox', () => {
  it('deliver 90 alerts on at most 3 connections in all and never faster than 30 a minute in all, four relays sending', async () => {
    await connectedRelays('microsoft-limits', 4);
    smtp.received.length = 0;
    for (let i = 0; i < 90; i++) {
      const res = await relays[i % 4]!.call('POST', '/api/v1/reports', riskyReport({ deviceId: `device-${String(i).padStart(3, '0')}` }), {
        token: SHARED.enrollmentToken,
      });
      expect(res.status).toBe(202);
    }
    // One alert a mail, the four relays' workers draining the shared outbox at once: one waits for a connection slot.
    await Promise.all(relays.map((r) => r.deps.worker.wake()));
    await vi.waitFor(() => expect(smtp.received).toHaveLength(90), { timeout: 15_000 });
    expect(smtp.refusals).toEqual([]);
    expect(smtp.peakConnections).toBeLessThanOrEqual(3);
    expect(smtp.delayed).toBe(0);
    const sentBy = relays.map((r) => r.logs.filter((l) => l.includes('alert mail sent')).length);
    expect(sentBy.filter((n) => n > 0).length).toBeGreaterThan(1);
  }, 30_000);

  it('make one refresh request per expiry for 50 test mails spread over them, each presenting the refresh token the last one rotated', async () => {
    await connectedRelays('microsoft-refresh');
    const refreshes = () => as.tokenRequests.filter((r) => r.grantType === 'refresh_token');
    const before = refreshes().length;
    for (const expiry of [1, 2]) {
      clock += 2 * 3_600_000; // the access token (an hour) expired
      // Three at a time, one on each relay: Microsoft takes three connections of a mailbox.
      for (let i = 0; i < 50; i += 3) {
        const answers = await Promise.all(relays.slice(0, Math.min(3, 50 - i)).map((r) => r.call('POST', '/api/v1/mail-settings/test')));
        for (const answer of answers) expect(answer.status, await answer.clone().text()).toBe(200);
      }
      expect(refreshes().length - before).toBe(expiry);
    }
    const [first, second] = refreshes().slice(before);
    expect(second!.refreshToken).not.toBe(first!.refreshToken);
    for (const relay of relays) expect((await relay.deps.oauth.account())?.reauth).toBeNull();
  }, 60_000);
});
