import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../shared/errors';
import { EXTENSION_REDIRECT_URL } from '../shared/extension';
import type { TestMailResult } from '../shared/mail-settings';
import type { AuthorizeAnswer, ConnectedAnswer } from '../shared/oauth';
import type { StatusAnswer } from '../shared/api';
import { startOAuthServer, type TestClient, type TestOAuthOptions, type TestOAuthServer } from './fixtures/oauth-server';
import { startProxy, type TestProxy } from './fixtures/proxy';
import type { AlertsAnswer } from '../shared/fleet';
import { createTestRelay, type TestRelay } from './fixtures/relay';
import { riskyReport } from './fixtures/reports';
import { startSmtpServer, type TestSmtpServer } from './fixtures/smtp-server';
import { testPki } from './fixtures/tls';

const CLIENT_ID = 'guardmail-test-client';
const CLIENT_SECRET = 'client-secret-7f3a9c1e';
const MAIL_SCOPE = 'https://mail.example.test/smtp';
const SCOPE = `${MAIL_SCOPE} offline_access`;
const MAILBOX = 'alerts@example.com';
const HOUR = 3_600_000;

let relay: TestRelay;
let as: TestOAuthServer;
let smtp: TestSmtpServer;
let proxy: TestProxy | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay.close();
  await Promise.all([as.close(), smtp.close(), proxy?.close()]);
  proxy = undefined;
});

const json = async <T>(res: Response) => (await res.json()) as T;
const refreshes = () => as.tokenRequests.filter((r) => r.grantType === 'refresh_token');

async function setup(options: { client?: Partial<TestClient>; server?: Partial<TestOAuthOptions>; requiredScope?: string } = {}) {
  as = await startOAuthServer({
    clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic', ...options.client } },
    ...options.server,
  });
  smtp = await startSmtpServer({ tls: 'starttls', xoauth2: { introspect: (t) => as.introspect(t), requiredScope: options.requiredScope ?? MAIL_SCOPE } });
  clock = Date.now();
  relay = createTestRelay({ now: () => clock });
}

function oauthSettings(overrides: Record<string, unknown> = {}) {
  return {
    authType: 'oauth',
    host: '127.0.0.1',
    port: smtp.port,
    emailType: 'smtp',
    tls: true,
    caCertificate: testPki().caCert,
    senderName: 'Guardmail',
    senderAddress: MAILBOX,
    testAddress: 'it@example.com',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    clientAuthMethod: 'client_secret_basic',
    authorizationUrl: as.authorizationUrl,
    tokenUrl: as.tokenUrl,
    scope: SCOPE,
    ...overrides,
  };
}

async function authorize(): Promise<string> {
  const res = await relay.call('POST', '/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<AuthorizeAnswer>(res)).authorizationUrl;
}

/** Saves the settings, runs the consent as the admin would, and hands the final URL to the relay. */
async function connect(settings: Record<string, unknown> = oauthSettings(), user = MAILBOX): Promise<Response> {
  const put = await relay.call('PUT', '/api/v1/mail-settings', settings);
  expect(put.status, await put.clone().text()).toBe(200);
  const callbackUrl = await as.consent(await authorize(), 'allow', user);
  return relay.call('POST', '/api/v1/oauth/callback', { callbackUrl });
}

const sendTest = () => relay.call('POST', '/api/v1/mail-settings/test');

describe('consent, code redemption and XOAUTH2 delivery', () => {
  it('connects through consent with PKCE and delivers the test mail over XOAUTH2', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const url = new URL(await authorize());
    expect(url.origin + url.pathname).toBe(as.authorizationUrl);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: EXTENSION_REDIRECT_URL,
      scope: SCOPE,
      code_challenge_method: 'S256',
      login_hint: MAILBOX,
    });
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);

    const callback = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: await as.consent(url.href, 'allow', 'admin@example.com') });
    expect(callback.status).toBe(200);
    const connected = await json<ConnectedAnswer>(callback);
    expect(connected).toEqual({ account: 'admin@example.com', scope: SCOPE, accessTokenExpiresAt: new Date(clock + HOUR).toISOString() });

    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect((await json<TestMailResult>(sent)).serverResponse).toMatch(/^250 /);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.user).toBe('admin@example.com');
    expect(smtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: 'admin@example.com', secure: true, accepted: true }]);

    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth).toMatchObject({ account: 'admin@example.com', scope: SCOPE, reauthRequired: false, refreshTokenAgeDays: 0, lastRefreshAt: null });
    expect(status.delivery).toEqual({ lastDeliveredAt: new Date(clock).toISOString(), lastFailure: null });
    const ready = await json<{ checks: { name: string; ok: boolean; detail: string }[] }>(await relay.call('GET', '/readyz', undefined, { token: null }));
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'oauth-token', ok: true, detail: expect.stringContaining('connected as admin@example.com') }));
  });

  it('sends the client secret in the body when the registration expects client_secret_post', async () => {
    await setup({ client: { authMethod: 'client_secret_post' } });
    expect((await connect(oauthSettings({ clientAuthMethod: 'client_secret_post' }))).status).toBe(200);
  });

  it('explains a client secret sent the wrong way as OAUTH_INVALID_CLIENT', async () => {
    await setup({ client: { authMethod: 'client_secret_post' } });
    const res = await connect(oauthSettings({ clientAuthMethod: 'client_secret_basic' }));
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error.code).toBe('OAUTH_INVALID_CLIENT');
  });

  it('refuses a wrong state, a reused code, an expired consent and an unknown redirect URL', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = new URL(await as.consent(await authorize(), 'allow'));
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'forged-state');
    expect((await json<ApiErrorBody>(await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: forged.href }))).error.code).toBe('OAUTH_STATE_MISMATCH');

    expect((await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: callbackUrl.href })).status).toBe(200);
    const reused = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: callbackUrl.href });
    expect(reused.status).toBe(409);
    const reusedError = (await json<ApiErrorBody>(reused)).error.code;
    // The consent is gone once connected, so a replay finds nothing to redeem; either way no second redemption.
    expect(['OAUTH_CODE_ALREADY_REDEEMED', 'OAUTH_NO_CONSENT_IN_PROGRESS']).toContain(reusedError);
    expect(as.tokenRequests.filter((r) => r.grantType === 'authorization_code')).toHaveLength(1);

    const late = await as.consent(await authorize(), 'allow');
    clock += 11 * 60_000;
    expect((await json<ApiErrorBody>(await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: late }))).error.code).toBe('OAUTH_CONSENT_EXPIRED');

    const notAllowed = await relay.call('POST', '/api/v1/oauth/authorize', { redirectUrl: 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/' });
    expect(await json<ApiErrorBody>(notAllowed)).toMatchObject({ error: { code: 'OAUTH_REDIRECT_URL_NOT_ALLOWED', field: 'redirectUrl' } });
  });

  it('redeems a code only once when two callbacks race', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = await as.consent(await authorize(), 'allow');
    const answers = await Promise.all([1, 2].map(() => relay.call('POST', '/api/v1/oauth/callback', { callbackUrl })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(as.tokenRequests.filter((r) => r.grantType === 'authorization_code')).toHaveLength(1);
  });

  it('explains a declined consent', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = await as.consent(await authorize(), 'deny');
    const res = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl });
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'OAUTH_ACCESS_DENIED', message: expect.stringContaining('access_denied') });
  });

  it.each([
    [{ error: 'redirect_uri_mismatch', error_description: 'Bad Request' }, 'OAUTH_REDIRECT_URI_MISMATCH'],
    [{ error: 'invalid_request', error_description: "AADSTS50011: The redirect URI 'https://x.chromiumapp.org/' specified in the request does not match" }, 'OAUTH_REDIRECT_URI_MISMATCH'],
    [{ error: 'invalid_client', error_description: 'AADSTS7000222: The provided client secret keys for app are expired.' }, 'OAUTH_CLIENT_SECRET_EXPIRED'],
    [{ error: 'invalid_client', error_description: "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'." }, 'OAUTH_CLIENT_SECRET_REQUIRED'],
    [{ error: 'invalid_request', error_description: 'AADSTS700025: Client is public so neither client_assertion nor client_secret should be presented.' }, 'OAUTH_PUBLIC_CLIENT_MISMATCH'],
    [{ error: 'invalid_request', error_description: "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type." }, 'OAUTH_SPA_REGISTRATION'],
    [{ error: 'invalid_grant', error_description: 'AADSTS65001: The user or administrator has not consented to use the application.' }, 'OAUTH_ADMIN_CONSENT_REQUIRED'],
    [{ error: 'invalid_grant', error_description: 'AADSTS54005: OAuth2 Authorization code was already redeemed.' }, 'OAUTH_CODE_ALREADY_REDEEMED'],
    [{ error: 'invalid_scope', error_description: 'The requested scope is invalid.' }, 'OAUTH_INVALID_SCOPE'],
  ])('explains the token endpoint answer %j as %s', async (body, code) => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = await as.consent(await authorize(), 'allow');
    as.failNextToken(400, body);
    const res = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl });
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe(code);
    expect(error.message).toContain(body.error_description);
    expect(error.hint.length).toBeGreaterThan(10);
  });

  it('names offline_access when Microsoft returns no refresh token', async () => {
    await setup({ server: { issueRefreshTokens: (scope) => scope.split(' ').includes('offline_access') } });
    const res = await connect(oauthSettings({ provider: 'microsoft', scope: MAIL_SCOPE }));
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'OAUTH_NO_REFRESH_TOKEN', message: expect.stringContaining('offline_access') });
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth).toBeNull();
  });
});

describe('tokens managed by the relay', () => {
  it('refreshes an expired access token before sending', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    as.expireAccessTokens();
    clock += 2 * HOUR;
    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts.map((a) => a.accepted)).toEqual([true]);
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth?.lastRefreshAt).toBe(new Date(clock).toISOString());
  });

  it('makes exactly one refresh request for fifty concurrent sends with an expired token', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    clock += 2 * HOUR;
    as.tokenDelayMs = 200;
    const answers = await Promise.all(Array.from({ length: 50 }, () => sendTest()));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(refreshes()).toHaveLength(1);
    expect(smtp.received).toHaveLength(50);
  });

  it('stores a rotated refresh token and never uses the old one again', async () => {
    await setup({ server: { rotateRefreshTokens: true } });
    expect((await connect()).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      clock += 2 * HOUR;
      expect((await sendTest()).status).toBe(200);
    }
    const presented = refreshes().map((r) => r.refreshToken);
    expect(presented).toHaveLength(3);
    // The server revokes the whole family on reuse, so three successes prove each refresh used the newest token.
    expect(new Set(presented).size).toBe(3);
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth?.refreshTokenIssuedAt).toBe(new Date(clock).toISOString());
  });

  it('keeps the refresh token when the server does not rotate it', async () => {
    await setup({ server: { rotateRefreshTokens: false } });
    expect((await connect()).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      clock += 2 * HOUR;
      expect((await sendTest()).status).toBe(200);
    }
    const presented = refreshes().map((r) => r.refreshToken);
    expect(presented).toHaveLength(2);
    expect(presented[0]).toBe(presented[1]);
  });

  it('marks a revoked grant "re-authorization required" with the reason, and stops asking', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    as.revokeAll();
    clock += 2 * HOUR;
    const first = await sendTest();
    expect(first.status).toBe(409);
    expect((await json<ApiErrorBody>(first)).error).toMatchObject({ code: 'OAUTH_REAUTH_REQUIRED', message: expect.stringContaining('expired or been revoked') });
    const second = await sendTest();
    expect((await json<ApiErrorBody>(second)).error.code).toBe('OAUTH_REAUTH_REQUIRED');
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts).toEqual([]);

    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth).toMatchObject({ reauthRequired: true, reauthReason: expect.stringContaining('7 days') });
    const ready = await json<{ checks: { name: string; ok: boolean }[] }>(await relay.call('GET', '/readyz', undefined, { token: null }));
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'oauth-token', ok: false }));

    // Re-authorizing clears it.
    const callbackUrl = await as.consent(await authorize(), 'allow');
    expect((await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl })).status).toBe(200);
    expect((await sendTest()).status).toBe(200);
  });

  it('refreshes once and retries once when the mail server refuses a token the relay thought valid', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    as.expireAccessTokens(); // revoked early on the provider's side; the relay's clock still says valid
    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts.map((a) => a.accepted)).toEqual([false, true]);
  });

  it('decodes Gmail\'s 334 challenge when the token lacks the mail scope', async () => {
    await setup({ requiredScope: 'https://mail.google.com/' });
    expect((await connect()).status).toBe(200);
    const res = await sendTest();
    expect(res.status).toBe(502);
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe('SMTP_XOAUTH2_SCOPE_MISSING');
    expect(error.message).toContain('"scope":"https://mail.google.com/"');
    expect(error.serverResponse).toMatch(/^535 /);
    expect(smtp.authAttempts).toHaveLength(2); // one retry after one refresh, then it stops
  });

  it('refreshes an idle account weekly so inactivity never expires it, and leaves a busy one alone', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    clock += 6 * 24 * HOUR;
    await relay.deps.tokenManager.keepAlive();
    expect(refreshes()).toHaveLength(0);
    clock += 2 * 24 * HOUR;
    await relay.deps.tokenManager.keepAlive();
    expect(refreshes()).toHaveLength(1);
  });

  it('forgets the account when the client changes', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings({ clientId: 'another-client', clientSecret: undefined }));
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth).toBeNull();
    expect((await json<ApiErrorBody>(await sendTest())).error.code).toBe('OAUTH_NOT_CONNECTED');
  });
});

describe('alert mail over OAuth', () => {
  const postRisky = (deviceId: string) => relay.call('POST', '/api/v1/reports', riskyReport({ deviceId }), { token: relay.enrollmentToken });
  const alertStates = async () => (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts.map((a) => a.state);

  it('refreshes once and retries once when the server refuses the token in the middle of a batch', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    as.expireAccessTokens();
    await postRisky('device-a');
    await relay.deps.worker.drain();
    expect(await alertStates()).toEqual(['sent']);
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts.map((a) => a.accepted)).toEqual([false, true]);
  });

  it('retries alerts when the token endpoint times out, and sends them once it answers again', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    clock += 2 * HOUR;
    as.hangTokenRequests = true;
    await postRisky('device-a');
    await relay.deps.worker.drain();
    const [waiting] = (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts;
    expect(waiting).toMatchObject({ state: 'pending_retry', attempts: 1, lastError: expect.stringContaining('OAUTH_TOKEN_ENDPOINT_UNREACHABLE') });
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth?.reauthRequired).toBe(false);

    as.hangTokenRequests = false;
    clock += HOUR;
    await relay.deps.worker.drain();
    expect(await alertStates()).toEqual(['sent']);
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps alerts waiting while re-authorization is required, without retrying in a loop, and sends them after it', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    as.revokeAll();
    clock += 2 * HOUR;
    await postRisky('device-a');
    await relay.deps.worker.drain();
    clock += HOUR;
    await postRisky('device-b');
    await relay.deps.worker.drain();
    expect(await alertStates()).toEqual(['pending', 'pending']);
    expect(refreshes()).toHaveLength(1);

    const callbackUrl = await as.consent(await authorize(), 'allow');
    expect((await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl })).status).toBe(200);
    await relay.deps.worker.drain();
    expect(await alertStates()).toEqual(['sent', 'sent']);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw).toContain('device-a');
    expect(smtp.received[0]!.raw).toContain('device-b');
  });
});

describe('reaching the token endpoint', () => {
  it('sends token requests through the proxy with its credentials', async () => {
    await setup();
    proxy = await startProxy('relay', 'proxy-pass-42');
    const res = await connect(oauthSettings({ proxyUrl: proxy.url, proxyUsername: 'relay', proxyPassword: 'proxy-pass-42' }));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(proxy.tunnels).toEqual([new URL(as.tokenUrl).host]);
  });

  it('explains a proxy that refuses its credentials', async () => {
    await setup();
    proxy = await startProxy('relay', 'proxy-pass-42');
    const res = await connect(oauthSettings({ proxyUrl: proxy.url, proxyUsername: 'relay', proxyPassword: 'wrong' }));
    expect((await json<ApiErrorBody>(res)).error.code).toBe('OAUTH_PROXY_AUTH_FAILED');
    expect(proxy.refused).toBe(1);
  });

  it('explains a proxy that cannot be reached', async () => {
    await setup();
    const res = await connect(oauthSettings({ proxyUrl: 'http://127.0.0.1:1' }));
    expect((await json<ApiErrorBody>(res)).error.code).toBe('OAUTH_PROXY_UNREACHABLE');
  });

  it('explains an unreachable token endpoint and suggests the proxy', async () => {
    await setup();
    const res = await connect(oauthSettings({ tokenUrl: 'http://127.0.0.1:1/token' }));
    expect(res.status).toBe(502);
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe('OAUTH_TOKEN_ENDPOINT_UNREACHABLE');
    expect(error.hint).toContain('proxy');
  });

  it('explains a token endpoint that never answers', async () => {
    await setup();
    as.hangTokenRequests = true;
    const res = await connect();
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'OAUTH_TOKEN_ENDPOINT_UNREACHABLE', message: expect.stringContaining('timed out') });
  });
});

describe('secrets', () => {
  it('keeps the refresh token, access token and client secret out of answers, logs and the SQLite files', async () => {
    await setup({ server: { rotateRefreshTokens: true } });
    const answers: string[] = [await (await connect()).text()];
    clock += 2 * HOUR;
    answers.push(await (await sendTest()).text());
    for (const path of ['/api/v1/status', '/api/v1/mail-settings']) answers.push(await (await relay.call('GET', path)).text());
    answers.push(await (await relay.call('GET', '/readyz', undefined, { token: null })).text());

    const secrets = [CLIENT_SECRET, ...refreshes().map((r) => r.refreshToken!)];
    const stored = relay.deps.oauth.refreshToken()!;
    const access = relay.deps.oauth.accessToken()!;
    secrets.push(stored, access);
    relay.db.pragma('wal_checkpoint(TRUNCATE)');
    const files = readdirSync(relay.dataDir).map((f) => readFileSync(join(relay.dataDir, f)));
    for (const secret of secrets) {
      for (const answer of answers) expect(answer).not.toContain(secret);
      expect(relay.logs.join('\n')).not.toContain(secret);
      for (const file of files) expect(file.includes(Buffer.from(secret))).toBe(false);
    }
  });
});
