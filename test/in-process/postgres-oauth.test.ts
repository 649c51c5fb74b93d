import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { TokenManager } from '../../relay/delivery/token-manager';
import { OAuthStore } from '../../relay/storage/oauth';
import { migratePostgres } from '../../relay/storage/postgres/migrate';
import { PostgresSql } from '../../relay/storage/postgres/sql';
import { keyIdOf, SecretBox } from '../../relay/storage/secret-box';
import { SecretStore } from '../../relay/storage/secrets';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { createTestRelay, oauthSettings, type TestRelay } from '../fixtures/relay';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';

const CLIENT_ID = 'guardmail-test-client';
const CLIENT_SECRET = 'client-secret-7f3a9c1e';
const MAILBOX = 'alerts@example.com';
const KEY = new SecretBox(Buffer.alloc(32, 9));

let cluster: PostgresCluster;
let as: AuthorizationServer;
let relay: TestRelay;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  [cluster, as] = await Promise.all([
    startPostgres(),
    // Configured as Microsoft: every refresh rotates the refresh token, and the old one stops working.
    startAuthorizationServer({
      flavour: 'microsoft',
      clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    }),
  ]);
  relay = await createTestRelay();
});
// Each test's relays close their connections: the server takes 100 at most.
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});
afterAll(async () => {
  await Promise.all([relay?.close(), as?.close()]);
  cluster?.stop();
});

/** An account connected through the provider's own consent pages, as the popup does it; answers its tokens. */
async function consentedAccount() {
  const put = await relay.call(
    'PUT',
    '/api/v1/mail-settings',
    oauthSettings(as, { port: 587, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, { senderAddress: MAILBOX }),
  );
  expect(put.status, await put.clone().text()).toBe(200);
  const { authorizationUrl } = (await (await relay.call('POST', '/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL })).json()) as AuthorizeAnswer;
  const callback = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: await as.consent(authorizationUrl, 'allow', MAILBOX) });
  expect(callback.status, await callback.clone().text()).toBe(200);
  return { refreshToken: (await relay.deps.oauth.refreshToken())!, accessToken: (await relay.deps.oauth.accessToken())! };
}

/** The consented account stored with its access token expired at `now`: the next send must refresh it. */
const connectExpired = (oauth: OAuthStore, consented: { refreshToken: string; accessToken: string }, now: number) =>
  oauth.connect({
    account: MAILBOX,
    scope: as.mailScope,
    refreshToken: consented.refreshToken,
    accessToken: consented.accessToken,
    accessExpiresAt: now - 1,
    now,
  });

/** Three relays' views of one database. */
async function threeRelays(database: string): Promise<OAuthStore[]> {
  const url = cluster.createDatabase(database);
  const made = [0, 1, 2].map(() => testPool(url, { max: 10 }));
  pools.push(...made);
  await migratePostgres(made[0]!);
  return made.map((p) => new OAuthStore(new PostgresSql(p), new SecretStore(KEY)));
}

/**
 * A token manager of one of the relays, making the real token request to the provider with the relay's settings; each
 * has its own in-process sharing of a refresh, so only the account's lock makes their refreshes one.
 */
function tokenManager(oauth: OAuthStore, now: () => number, refreshed: { count: number } = { count: 0 }): TokenManager {
  const metrics = { tokenRefreshes: { inc: ({ outcome }: { outcome: string }) => void (outcome === 'ok' && refreshed.count++) } };
  return new TokenManager({
    oauth,
    mailSettings: relay.deps.mailSettings,
    logger: relay.deps.logger,
    client: { timeoutMs: 10_000 },
    now,
    metrics: metrics as never,
  });
}

describe('the OAuth account shared by three relays on PostgreSQL', () => {
  it('lets a consent started on one relay be finished on another, once', async () => {
    const relays = await threeRelays('consent');
    await relays[0]!.beginConsent({ state: 'state-1', redirectUri: EXTENSION_REDIRECT_URL, expiresAt: Date.now() + 600_000, codeVerifier: 'verifier-1' });
    // A newer consent replaces it: only its state can be redeemed.
    await relays[1]!.beginConsent({ state: 'state-2', redirectUri: EXTENSION_REDIRECT_URL, expiresAt: Date.now() + 600_000, codeVerifier: 'verifier-2' });
    expect(await relays[2]!.claimConsent('state-1')).toBeNull();
    const claims = await Promise.all(relays.map((r) => r.claimConsent('state-2')));
    expect(claims.filter((c) => c !== null)).toEqual([{ codeVerifier: 'verifier-2', redirectUri: EXTENSION_REDIRECT_URL }]);
    expect(await relays[0]!.pendingConsent()).toMatchObject({ state: 'state-2', redeemed: true });
  });

  it('makes one refresh request per expiry for 50 sends spread over three relays, and keeps each rotated refresh token', async () => {
    const relays = await threeRelays('refresh_once');
    const consented = await consentedAccount();
    let clock = Date.now();
    // The access token expired: every send needs a new one at once.
    await connectExpired(relays[0]!, consented, clock);
    const before = as.tokenRequests.length;
    as.tokenDelayMs = 50;
    const refreshed = { count: 0 };
    const sends = () => Promise.all(Array.from({ length: 50 }, (_, i) => tokenManager(relays[i % 3]!, () => clock, refreshed).accessToken()));

    const first = await sends();
    const refreshes = () => as.tokenRequests.slice(before).filter((r) => r.grantType === 'refresh_token');
    expect(refreshes()).toEqual([{ grantType: 'refresh_token', refreshToken: consented.refreshToken }]);
    expect(refreshed.count).toBe(1);
    expect(new Set(first.map((r) => r.token)).size).toBe(1);
    expect(first[0]!.user).toBe(MAILBOX);
    const rotated = await relays[1]!.refreshToken();
    expect(rotated).not.toBe(consented.refreshToken);

    // The next expiry: again one request, and it presents the token the first one rotated to.
    clock += 2 * 3_600_000;
    await sends();
    expect(refreshes()).toHaveLength(2);
    expect(refreshes()[1]!.refreshToken).toBe(rotated);
    expect(await relays[2]!.refreshToken()).not.toBe(rotated);
    expect((await relays[0]!.account())!.refreshTokenIssuedAt).toBe(clock);
  });

  it("has three relays' token managers, each with its own process-wide refresh, make one request per expiry between them", async () => {
    const relays = await threeRelays('token_managers');
    const consented = await consentedAccount();
    let clock = Date.now();
    await connectExpired(relays[0]!, consented, clock);
    const managers = relays.map((oauth) => tokenManager(oauth, () => clock));
    const before = as.tokenRequests.length;
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => managers[i % 3]!.accessToken()));
    expect(as.tokenRequests.slice(before).filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(tokens[0]!.user).toBe(MAILBOX);
    // A token the mail server refused on one relay is dropped for all: the next send anywhere refreshes, once.
    await managers[2]!.invalidate(tokens[0]!.token);
    clock += 1_000;
    const after = await Promise.all(managers.map((m) => m.accessToken()));
    expect(as.tokenRequests.slice(before).filter((r) => r.grantType === 'refresh_token')).toHaveLength(2);
    expect(new Set(after.map((t) => t.token)).size).toBe(1);
  });

  it('records a lost grant once, for every relay: no relay asks the provider again until an admin re-authorizes', async () => {
    const relays = await threeRelays('grant_lost');
    const consented = await consentedAccount();
    const clock = Date.now();
    await connectExpired(relays[0]!, consented, clock);
    await as.revokeAll();
    const before = as.tokenRequests.length;
    const results = await Promise.allSettled(relays.map((r) => tokenManager(r, () => clock).refresh()));
    // The relay that asked hears the provider's refusal; the others, waiting on the lock, find the grant lost and ask nothing.
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { failure: { code: string } }).failure.code : 'token'));
    expect(codes).toEqual(['OAUTH_REAUTH_REQUIRED', 'OAUTH_REAUTH_REQUIRED', 'OAUTH_REAUTH_REQUIRED']);
    expect(as.tokenRequests.slice(before)).toHaveLength(1);
    expect((await relays[2]!.account())!.reauth).toMatchObject({ code: 'OAUTH_REAUTH_REQUIRED' });
    expect(await relays[1]!.refreshToken()).toBeNull();
  });

  it('rotates the secret key with relays running: re-sealed with the new key while they read both, then readable with it alone', async () => {
    const relays = await threeRelays('rotation');
    const oldKey = Buffer.alloc(32, 9);
    const newKey = Buffer.alloc(32, 10);
    await relays[0]!.connect({
      account: MAILBOX,
      scope: 'x',
      refreshToken: 'refresh-1',
      accessToken: 'access-1',
      accessExpiresAt: Date.now() + 3_600_000,
      now: Date.now(),
    });
    const pool = pools.at(-1)!;
    // Each relay restarted with the new key as its current one and the old as its previous: they read both.
    expect(await new SecretStore(new SecretBox(newKey, [oldKey])).resealAll(new PostgresSql(pool))).toBe(2);
    const { rows } = await pool.query<{ key_id: string }>('SELECT DISTINCT key_id FROM secrets');
    expect(rows).toEqual([{ key_id: keyIdOf(newKey) }]);
    // Then restarted with the new key alone.
    expect(await new SecretStore(new SecretBox(newKey)).get(new PostgresSql(pool), 'oauth.refreshToken')).toBe('refresh-1');
    await expect(new SecretStore(new SecretBox(oldKey)).get(new PostgresSql(pool), 'oauth.refreshToken')).rejects.toThrow('which this relay does not have');
  });
});
