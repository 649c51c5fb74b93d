import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { TestMailResult } from '../../shared/mail-settings';
import type { AuthorizeAnswer, ConnectedAnswer } from '../../shared/oauth';
import type { StatusAnswer } from '../../shared/api';
import { startProxy, type TestProxy } from '../fixtures/proxy';
import { startAuthorizationServer, type AuthorizationServer, type Flavour, type TestClient } from '../peers/authorization-server';
import { startGmail } from '../peers/gmail';
import { startMicrosoft365, type Microsoft365Options, type Microsoft365Peer } from '../peers/microsoft-365';
import { RECORDED } from '../peers/recorded-replies';
import type { SmtpPeer } from '../peers/smtp-peer';
import type { AlertsAnswer } from '../../shared/fleet';
import type { ComposeOptions } from '../../relay/compose';
import { createTestRelay, oauthSettings as settingsThrough, type TestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';

const CLIENT_ID = 'guardmail-test-client';
const CLIENT_SECRET = 'client-secret-7f3a9c1e';
const MAILBOX = 'alerts@example.com';
const HOUR = 3_600_000;

let relay: TestRelay;
let as: AuthorizationServer;
let smtp: SmtpPeer;
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

/**
 * The provider the test talks to: oidc-provider configured like Microsoft (default) or Google, and the matching SMTP
 * replica, which checks tokens with that server. Gmail listens with implicit TLS on its SMTPS port, as the preset uses it.
 */
async function setup(
  options: { flavour?: Flavour; client?: Partial<TestClient>; microsoft?: Partial<Microsoft365Options>; relay?: Partial<ComposeOptions> } = {},
) {
  const flavour = options.flavour ?? 'microsoft';
  as = await startAuthorizationServer({
    flavour,
    clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic', ...options.client } },
  });
  smtp =
    flavour === 'google' ? await startGmail({ verifyToken: as.verifyToken }) : await startMicrosoft365({ verifyToken: as.verifyToken, ...options.microsoft });
  clock = Date.now();
  relay = await createTestRelay({ now: () => clock, ...options.relay });
}

const oauthSettings = (overrides: Record<string, unknown> = {}) =>
  settingsThrough(as, { port: smtp.port, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, { senderName: 'Guardmail', senderAddress: MAILBOX, ...overrides });

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
  it.each(['microsoft', 'google'] as const)(
    'connects to %s through its consent pages with PKCE, names the account from the ID token, and logs in with XOAUTH2 though the server lists LOGIN first',
    async (flavour) => {
      await setup({ flavour });
      await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
      const url = new URL(await authorize());
      expect(url.origin + url.pathname).toBe(as.authorizationUrl);
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: EXTENSION_REDIRECT_URL,
        scope: as.mailScope,
        code_challenge_method: 'S256',
        login_hint: MAILBOX,
      });
      expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);

      const callback = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: await as.consent(url.href, 'allow', MAILBOX) });
      expect(callback.status, await callback.clone().text()).toBe(200);
      const connected = await json<ConnectedAnswer>(callback);
      expect(connected).toEqual({ account: MAILBOX, scope: as.mailScope, accessTokenExpiresAt: new Date(clock + HOUR).toISOString() });

      const sent = await sendTest();
      expect(sent.status, await sent.clone().text()).toBe(200);
      expect((await json<TestMailResult>(sent)).serverResponse).toMatch(/^250 /);
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.user).toBe(MAILBOX);
      // Regression: nodemailer swapped XOAUTH2 for the first listed mechanism (LOGIN at both providers) and failed.
      expect(smtp.ehloSeen.secure?.find((k) => k.startsWith('AUTH'))).toMatch(/^AUTH LOGIN /);
      expect(smtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: MAILBOX, secure: true, accepted: true }]);

      const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
      expect(status.oauth).toMatchObject({ account: MAILBOX, scope: as.mailScope, reauthRequired: false, refreshTokenAgeDays: 0, lastRefreshAt: null });
      expect(status.delivery).toEqual({ lastDeliveredAt: new Date(clock).toISOString(), lastFailure: null, delayed: null });
      const ready = await json<{ checks: { name: string; ok: boolean; detail: string }[] }>(await relay.call('GET', '/readyz'));
      expect(ready.checks).toContainEqual(
        expect.objectContaining({ name: 'oauth-token', ok: true, detail: expect.stringContaining(`connected as ${MAILBOX}`) }),
      );
    },
  );

  it('shows the account that signed in, not the sender, and explains a refused Send As; a Send As right makes it work', async () => {
    await setup({ microsoft: { sendAs: {} } });
    const res = await connect(oauthSettings(), 'alice@example.com');
    expect((await json<ConnectedAnswer>(res)).account).toBe('alice@example.com');
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth?.account).toBe('alice@example.com');

    const refused = await sendTest();
    const { error } = await json<ApiErrorBody>(refused);
    expect(error).toMatchObject({
      code: 'SMTP_SEND_AS_DENIED',
      serverResponse: expect.stringMatching(/^550 5\.7\.60 SMTP; Client does not have permissions to send as this sender/),
    });
    expect(error.hint).toContain('Send As');
    expect(smtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: 'alice@example.com', secure: true, accepted: true }]);
  });

  it('sends as the sender once the signed-in account has Send As rights on it', async () => {
    await setup({ microsoft: { sendAs: { 'alice@example.com': [MAILBOX] } } });
    await connect(oauthSettings(), 'alice@example.com');
    expect((await sendTest()).status).toBe(200);
    expect(smtp.received[0]).toMatchObject({ from: MAILBOX, user: 'alice@example.com' });
  });

  it('says which account it is when the provider names none (no openid scope), and logs in as the sender', async () => {
    await setup();
    const res = await connect(oauthSettings({ scope: 'https://outlook.office.com/SMTP.Send offline_access' }));
    expect((await json<ConnectedAnswer>(res)).account).toBeNull();
    const ready = await json<{ checks: { name: string; detail: string }[] }>(await relay.call('GET', '/readyz'));
    expect(ready.checks.find((c) => c.name === 'oauth-token')?.detail).toContain('an account the provider did not name');
    expect((await sendTest()).status).toBe(200);
    expect(smtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: MAILBOX, secure: true, accepted: true }]);
  });

  it('logs in with XOAUTH2 at Gmail over STARTTLS on 587 as well, where AUTH appears only after TLS', async () => {
    as = await startAuthorizationServer({
      flavour: 'google',
      clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    });
    smtp = await startGmail({ verifyToken: as.verifyToken, tls: 'starttls' });
    clock = Date.now();
    relay = await createTestRelay({ now: () => clock });
    expect((await connect(oauthSettings({ emailType: 'smtp', tls: true }))).status).toBe(200);
    expect((await sendTest()).status).toBe(200);
    expect(smtp.ehloSeen.plain).not.toContainEqual(expect.stringMatching(/^AUTH/));
    expect(smtp.ehloSeen.secure).toContain('AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH');
    expect(smtp.authAttempts).toEqual([{ method: 'XOAUTH2', username: MAILBOX, secure: true, accepted: true }]);
  });

  it('never falls back to a password mechanism when the server does not offer XOAUTH2', async () => {
    await setup();
    const { startMta } = await import('../peers/mta');
    const mta = await startMta({ tls: 'starttls', users: { [MAILBOX]: 'irrelevant' } });
    try {
      // Consented for this server: moving a connected account to another one would forget it (secret-binding.ts).
      expect((await connect(oauthSettings({ port: mta.port }))).status).toBe(200);
      const { error } = await json<ApiErrorBody>(await sendTest());
      expect(error.code).toBe('SMTP_XOAUTH2_NOT_OFFERED');
      expect(error.message).toContain('AUTH PLAIN LOGIN');
      expect(mta.authAttempts).toEqual([]);
    } finally {
      await mta.close();
    }
  });

  it('sends the client secret in the body when the registration expects client_secret_post', async () => {
    await setup({ client: { authMethod: 'client_secret_post' } });
    expect((await connect(oauthSettings({ clientAuthMethod: 'client_secret_post' }))).status).toBe(200);
  });

  it('explains a wrong client secret as OAUTH_INVALID_CLIENT', async () => {
    await setup();
    const res = await connect(oauthSettings({ clientSecret: 'not-the-secret' }));
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error.code).toBe('OAUTH_INVALID_CLIENT');
  });

  it('refuses a wrong state, a reused code, an expired consent and an unknown redirect URL', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = new URL(await as.consent(await authorize(), 'allow'));
    const forged = new URL(callbackUrl);
    forged.searchParams.set('state', 'forged-state');
    expect((await json<ApiErrorBody>(await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: forged.href }))).error.code).toBe(
      'OAUTH_STATE_MISMATCH',
    );

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
    ['googleRedirectMismatch', 'OAUTH_REDIRECT_URI_MISMATCH'],
    ['entraRedirectMismatch', 'OAUTH_REDIRECT_URI_MISMATCH'],
    ['entraSecretExpired', 'OAUTH_CLIENT_SECRET_EXPIRED'],
    ['entraSecretRequired', 'OAUTH_CLIENT_SECRET_REQUIRED'],
    ['entraPublicClient', 'OAUTH_PUBLIC_CLIENT_MISMATCH'],
    ['entraSpa', 'OAUTH_SPA_REGISTRATION'],
    ['entraAdminConsent', 'OAUTH_ADMIN_CONSENT_REQUIRED'],
    ['entraCodeRedeemed', 'OAUTH_CODE_ALREADY_REDEEMED'],
    ['invalidScope', 'OAUTH_INVALID_SCOPE'],
  ])('explains the recorded token endpoint answer %s as %s', async (name, code) => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', oauthSettings());
    const callbackUrl = await as.consent(await authorize(), 'allow');
    const { status, body } = RECORDED[name]!;
    as.failNextToken(status, body);
    const res = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl });
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe(code);
    expect(error.message).toContain(body.error_description);
    expect(error.hint.length).toBeGreaterThan(10);
  });

  it('names access_type=offline when Google returns no refresh token', async () => {
    await setup({ flavour: 'google' });
    const res = await connect(oauthSettings({ authorizeParams: '' }));
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'OAUTH_NO_REFRESH_TOKEN', message: expect.stringContaining('access_type=offline') });
  });

  it('names offline_access when Microsoft returns no refresh token', async () => {
    await setup();
    const res = await connect(oauthSettings({ scope: 'https://outlook.office.com/SMTP.Send openid email' }));
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error).toMatchObject({ code: 'OAUTH_NO_REFRESH_TOKEN', message: expect.stringContaining('offline_access') });
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth).toBeNull();
  });
});

describe('tokens managed by the relay', () => {
  it('refreshes an expired access token before sending', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await as.expireAccessTokens();
    clock += 2 * HOUR;
    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts.map((a) => a.accepted)).toEqual([true]);
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth?.lastRefreshAt).toBe(new Date(clock).toISOString());
  });

  it('makes exactly one refresh request for fifty concurrent sends with an expired token', async () => {
    // At Gmail: Microsoft would refuse all but three concurrent connections of one mailbox (432 4.3.2).
    await setup({ flavour: 'google' });
    expect((await connect()).status).toBe(200);
    clock += 2 * HOUR;
    as.tokenDelayMs = 200;
    const answers = await Promise.all(Array.from({ length: 50 }, () => sendTest()));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(refreshes()).toHaveLength(1);
    expect(smtp.received).toHaveLength(50);
  });

  it('stores the refresh token Microsoft rotates at every refresh, and never uses the old one again', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      clock += 2 * HOUR;
      expect((await sendTest()).status).toBe(200);
    }
    const presented = refreshes().map((r) => r.refreshToken);
    expect(presented).toHaveLength(3);
    // oidc-provider consumes a rotated refresh token, so three successes prove each refresh used the newest one.
    expect(new Set(presented).size).toBe(3);
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth?.refreshTokenIssuedAt).toBe(new Date(clock).toISOString());
  });

  it('keeps the refresh token when Google does not rotate it', async () => {
    await setup({ flavour: 'google' });
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
    await setup({ flavour: 'google' });
    expect((await connect()).status).toBe(200);
    await as.revokeAll();
    clock += 2 * HOUR;
    const first = await sendTest();
    expect(first.status).toBe(409);
    expect((await json<ApiErrorBody>(first)).error).toMatchObject({
      code: 'OAUTH_REAUTH_REQUIRED',
      message: expect.stringContaining('expired or been revoked'),
    });
    const second = await sendTest();
    expect((await json<ApiErrorBody>(second)).error.code).toBe('OAUTH_REAUTH_REQUIRED');
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts).toEqual([]);

    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth).toMatchObject({ reauthRequired: true, reauthReason: expect.stringContaining('7 days') });
    const ready = await json<{ checks: { name: string; ok: boolean }[] }>(await relay.call('GET', '/readyz'));
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'oauth-token', ok: false }));

    // Re-authorizing clears it.
    const callbackUrl = await as.consent(await authorize(), 'allow');
    expect((await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl })).status).toBe(200);
    expect((await sendTest()).status).toBe(200);
  });

  it('asks for re-authorization, saying why, when Microsoft refuses a refresh token unused for 90 days', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    clock += 2 * HOUR;
    as.failNextToken(RECORDED.entraInactive!.status, RECORDED.entraInactive!.body);
    expect((await json<ApiErrorBody>(await sendTest())).error.code).toBe('OAUTH_REAUTH_REQUIRED');
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.oauth).toMatchObject({ reauthRequired: true, reauthReason: expect.stringContaining('90 days without use (AADSTS700082)') });
  });

  it('refreshes once and retries once when the mail server refuses a token the relay thought valid', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await as.expireAccessTokens(); // revoked early on the provider's side; the relay's clock still says valid
    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    expect(refreshes()).toHaveLength(1);
    expect(smtp.authAttempts.map((a) => a.accepted)).toEqual([false, true]);

    // A refused access token is not a failed refresh: the token health says nothing went wrong with the grant.
    await relay.deps.tokenManager.invalidate((await relay.deps.oauth.accessToken())!);
    const { oauth } = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(oauth).toMatchObject({ accessTokenExpiresAt: null, lastRefreshError: null, reauthRequired: false });
  });

  it("decodes Gmail's 334 challenge when the token lacks the mail scope", async () => {
    await setup({ flavour: 'google' });
    expect((await connect(oauthSettings({ scope: 'openid email' }))).status).toBe(200);
    const res = await sendTest();
    expect(res.status).toBe(502);
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe('SMTP_XOAUTH2_SCOPE_MISSING');
    expect(error.message).toContain('"scope":"https://mail.google.com/"');
    expect(error.serverResponse).toMatch(/^535.5\.7\.8 Username and Password not accepted/);
    expect(smtp.authAttempts).toHaveLength(2); // one retry after one refresh, then it stops
  });

  it('refreshes an idle account weekly through its own timer, so inactivity never expires it', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      relay.deps.tokenManager.start();
      for (let hours = 6; hours <= 6 * 24; hours += 6) {
        clock += 6 * HOUR;
        await vi.advanceTimersByTimeAsync(6 * HOUR);
      }
      expect(refreshes()).toHaveLength(0);
      for (let hours = 0; hours < 2 * 24; hours += 6) {
        clock += 6 * HOUR;
        await vi.advanceTimersByTimeAsync(6 * HOUR);
      }
      await vi.waitFor(() => expect(refreshes()).toHaveLength(1));
    } finally {
      relay.deps.tokenManager.stop();
      vi.useRealTimers();
    }
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
    await as.expireAccessTokens();
    await postRisky('device-a');
    await relay.deps.worker.wake();
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
    await relay.deps.worker.wake();
    const [waiting] = (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts;
    expect(waiting).toMatchObject({ state: 'pending_retry', attempts: 1, lastError: expect.stringContaining('OAUTH_TOKEN_ENDPOINT_UNREACHABLE') });
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).oauth?.reauthRequired).toBe(false);

    as.hangTokenRequests = false;
    clock += HOUR;
    await relay.deps.worker.wake();
    expect(await alertStates()).toEqual(['sent']);
    expect(smtp.received).toHaveLength(1);
  });

  it('keeps alerts through three days with the token endpoint down, and sends them grouped once it is back', async () => {
    // Microsoft's pace of 30 mails a minute holds each attempt 2 s of real time: a minute of 0.6 s keeps it short.
    await setup({ relay: { worker: { random: () => 0.999 }, providerMinuteMs: 600 } });
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 300 });
    await as.stop();
    for (let hour = 0; hour < 72; hour += 2) {
      await postRisky(`device-outage-${hour}`);
      clock += 2 * HOUR;
      await relay.deps.worker.wake();
    }
    const waiting = (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts?limit=100'))).alerts;
    expect(waiting).toHaveLength(36);
    expect(waiting.filter((a) => a.state === 'failed')).toEqual([]);
    const during = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(during.delivery.delayed).toMatchObject({ code: 'OAUTH_TOKEN_ENDPOINT_UNREACHABLE' });
    expect(during.oauth?.reauthRequired).toBe(false);

    await as.start();
    clock += HOUR / 2;
    await relay.deps.worker.wake();
    expect(await alertStates()).toEqual(Array(36).fill('sent'));
    // The alert that was being retried, then all that waited behind it.
    expect(smtp.received).toHaveLength(2);
    expect((await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'))).delivery.delayed).toBeNull();
  });

  it('keeps alerts waiting while re-authorization is required, without retrying in a loop, and sends them after it', async () => {
    await setup();
    expect((await connect()).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    await as.revokeAll();
    clock += 2 * HOUR;
    await postRisky('device-a');
    await relay.deps.worker.wake();
    clock += HOUR;
    await postRisky('device-b');
    await relay.deps.worker.wake();
    expect(await alertStates()).toEqual(['pending', 'pending']);
    expect(refreshes()).toHaveLength(1);

    const callbackUrl = await as.consent(await authorize(), 'allow');
    expect((await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl })).status).toBe(200);
    await relay.deps.worker.wake();
    expect(await alertStates()).toEqual(['sent', 'sent']);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw).toContain('device-a');
    expect(smtp.received[0]!.raw).toContain('device-b');
  });
});

describe("within Microsoft 365's limits", () => {
  // Microsoft's minute, scaled down so the rule (30 messages a minute, 3 connections) shows in about a second.
  const MINUTE_MS = 300;

  it('delivers 100 alerts without a 432, on at most 3 connections, never faster than 30 a minute', async () => {
    await setup({ microsoft: { minuteMs: MINUTE_MS }, relay: { providerMinuteMs: MINUTE_MS, worker: { maxBatch: 1 } } });
    expect((await connect(oauthSettings({ provider: 'microsoft' }))).status).toBe(200);
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    for (let i = 0; i < 100; i++) {
      const res = await relay.call('POST', '/api/v1/reports', riskyReport({ deviceId: `device-${i}` }), { token: relay.enrollmentToken });
      expect(res.status).toBe(202);
    }
    await relay.deps.worker.wake();
    expect(smtp.received).toHaveLength(100);
    expect(smtp.refusals).toEqual([]);
    expect(smtp.peakConnections).toBeLessThanOrEqual(3);
    expect((smtp as Microsoft365Peer).delayed).toBe(0);
  });

  it('explains the 432 Microsoft gives a fourth concurrent connection of one mailbox', async () => {
    await setup({ microsoft: { dataDelayMs: 300 } });
    await connect();
    const answers = await Promise.all([1, 2, 3, 4].map(() => sendTest()));
    const codes = await Promise.all(answers.map(async (a) => (a.status === 200 ? 'sent' : (await json<ApiErrorBody>(a)).error.code)));
    expect(codes.filter((c) => c === 'sent')).toHaveLength(3);
    expect(codes).toContain('SMTP_CONCURRENT_LIMIT');
    // nodemailer pipelines RCPT and DATA behind the refused MAIL FROM (PIPELINING is listed), which draw 503s.
    expect(smtp.refusals.filter((r) => r.startsWith('432'))).toEqual([expect.stringMatching(/^432 4\.3\.2 Concurrent connections limit exceeded/)]);
  });

  it('explains the daily recipient quota, and keeps alerts for later instead of failing them', async () => {
    await setup({ microsoft: { recipientsPerDay: 1 } });
    await connect();
    expect((await sendTest()).status).toBe(200);
    const { error } = await json<ApiErrorBody>(await sendTest());
    expect(error).toMatchObject({ code: 'SMTP_DAILY_QUOTA_EXCEEDED', serverResponse: expect.stringContaining('SubmissionQuotaExceededException') });
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    await relay.call('POST', '/api/v1/reports', riskyReport({ deviceId: 'device-a' }), { token: relay.enrollmentToken });
    await relay.deps.worker.wake();
    expect((await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts[0]).toMatchObject({ state: 'pending_retry' });
  });

  it("is a limit the replica enforces: nodemailer's own rate window, 30 then a pause, gets delayed", async () => {
    await setup({ microsoft: { minuteMs: MINUTE_MS } });
    await connect();
    const pool = (await import('nodemailer')).default.createTransport({
      host: '127.0.0.1',
      port: smtp.port,
      requireTLS: true,
      tls: { ca: testPki().caCert, servername: 'localhost' },
      pool: true,
      maxConnections: 3,
      rateLimit: 30,
      rateDelta: MINUTE_MS,
      auth: { type: 'OAuth2', user: MAILBOX, accessToken: (await relay.deps.oauth.accessToken())! },
    });
    try {
      await Promise.all(Array.from({ length: 100 }, (_, i) => pool.sendMail({ from: MAILBOX, to: 'it@example.com', subject: `${i}`, text: 'x' })));
    } finally {
      pool.close();
    }
    expect((smtp as Microsoft365Peer).delayed).toBeGreaterThan(0);
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
    await setup();
    const answers: string[] = [await (await connect()).text()];
    clock += 2 * HOUR;
    answers.push(await (await sendTest()).text());
    for (const path of ['/api/v1/status', '/api/v1/mail-settings']) answers.push(await (await relay.call('GET', path)).text());
    answers.push(await (await relay.call('GET', '/readyz')).text());

    const secrets = [CLIENT_SECRET, ...refreshes().map((r) => r.refreshToken!)];
    const stored = (await relay.deps.oauth.refreshToken())!;
    const access = (await relay.deps.oauth.accessToken())!;
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
