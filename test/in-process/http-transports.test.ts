import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusAnswer } from '../../shared/api';
import type { ApiErrorBody, ErrorCode } from '../../shared/errors';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { AlertsAnswer } from '../../shared/fleet';
import type { TestMailResult } from '../../shared/mail-settings';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { presetFields, type OAuthGrant } from '../../shared/presets';
import type { ComposeOptions } from '../../relay/compose';
import { decoded, unfold } from '../fixtures/mail';
import { createTestRelay, type TestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { serveHttps, testPki } from '../fixtures/tls';
import { startAuthorizationServer, TENANT_ID, type AuthorizationServer, type Flavour } from '../peers/authorization-server';
import { startGmailApi, type GmailApiOptions, type GmailApiPeer } from '../peers/gmail-api';
import { startGraph, type GraphOptions, type GraphPeer } from '../peers/graph';
import { startMicrosoft365 } from '../peers/microsoft-365';
import type { SmtpPeer } from '../peers/smtp-peer';

/**
 * Sending where SMTP AUTH is off: Microsoft Graph (delegated and app-only), Microsoft 365 SMTP app-only, and the Gmail
 * API, each end to end through the relay's API against oidc-provider and a replica of the provider's endpoint.
 */
const CLIENT_ID = 'guardmail-test-client';
const CLIENT_SECRET = 'client-secret-7f3a9c1e';
const MAILBOX = 'alerts@contoso.example';

let relay: TestRelay;
let as: AuthorizationServer;
let graph: GraphPeer | undefined;
let gmailApi: GmailApiPeer | undefined;
let smtp: SmtpPeer | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay.close();
  await Promise.all([as.close(), graph?.close(), gmailApi?.close(), smtp?.close()]);
  graph = gmailApi = smtp = undefined;
});

const json = async <T>(res: Response) => (await res.json()) as T;
const sendTest = () => relay.call('POST', '/api/v1/mail-settings/test');
const errorOf = async (res: Response) => (await json<ApiErrorBody>(res)).error;
const postRisky = (deviceId: string) => relay.call('POST', '/api/v1/reports', riskyReport({ deviceId }), { token: relay.enrollmentToken });
const alerts = async () => (await json<AlertsAnswer>(await relay.call('GET', '/api/v1/alerts'))).alerts;

async function startAs(flavour: Flavour, appPermissions: Record<string, string[]> = {}, relayOptions: Partial<ComposeOptions> = {}) {
  as = await startAuthorizationServer({
    flavour,
    clients: { [CLIENT_ID]: { secret: CLIENT_SECRET, redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_post' } },
    appPermissions,
  });
  clock = Date.now();
  relay = await createTestRelay({ now: () => clock, ...relayOptions });
}

/** The preset for the transport and grant, pointed at the test peers: only the URLs change. */
function settings(flavour: Flavour, transport: 'smtp' | 'graph' | 'gmail-api', grant: OAuthGrant, overrides: Record<string, unknown> = {}) {
  const preset = presetFields(flavour, TENANT_ID, transport, grant);
  return {
    ...preset,
    provider: flavour,
    tenant: TENANT_ID,
    authType: 'oauth',
    apiUrl: transport === 'graph' ? graph!.url : transport === 'gmail-api' ? gmailApi!.url : '',
    authorizationUrl: grant === 'authorization_code' ? as.authorizationUrl : '',
    tokenUrl: as.tokenUrl,
    caCertificate: testPki().caCert,
    senderName: 'Guardmail',
    senderAddress: MAILBOX,
    testAddress: 'it@contoso.example',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    ...overrides,
  };
}

async function save(body: Record<string, unknown>) {
  const put = await relay.call('PUT', '/api/v1/mail-settings', body);
  expect(put.status, await put.clone().text()).toBe(200);
}

/** Saves the settings and runs the consent as the admin would in the window the extension opens. */
async function consent(body: Record<string, unknown>, user = MAILBOX) {
  await save(body);
  const authorize = await relay.call('POST', '/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL });
  const { authorizationUrl } = await json<AuthorizeAnswer>(authorize);
  const callback = await relay.call('POST', '/api/v1/oauth/callback', { callbackUrl: await as.consent(authorizationUrl, 'allow', user) });
  expect(callback.status, await callback.clone().text()).toBe(200);
}

async function alertBatch(devices: string[]) {
  await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['soc@contoso.example', 'it@contoso.example'], groupingWindowSeconds: 300 });
  for (const device of devices) expect((await postRisky(device)).status).toBe(202);
  clock += 301_000;
  await relay.deps.worker.wake();
}

async function startGraphPeer(options: Partial<GraphOptions> = {}) {
  graph = await startGraph({ verifyToken: as.verifyToken, mailboxes: [MAILBOX, 'shared@contoso.example'], ...options });
}

describe("Microsoft Graph with an account's consent", () => {
  it('asks for Mail.Send with offline_access, sends the test mail to /me/sendMail as MIME, and an alert batch as one mail', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code'));
    expect(as.tokenRequests.at(-1)).toMatchObject({ grantType: 'authorization_code' });

    const test = await sendTest();
    expect(test.status, await test.clone().text()).toBe(200);
    expect(await json<TestMailResult>(test)).toMatchObject({
      to: 'it@contoso.example',
      serverResponse: '202 Accepted (Microsoft Graph)',
      accepted: ['it@contoso.example'],
    });
    expect(graph!.requests.map((r) => [r.path, r.status])).toEqual([['/v1.0/me/sendMail', 202]]);
    const [mail] = graph!.received;
    expect(mail).toMatchObject({ from: MAILBOX, to: ['it@contoso.example'] });
    expect(decoded(mail!.raw)).toContain('Microsoft Graph');
    expect(unfold(mail!.raw)).toMatch(/^Message-ID: <guardmail\.test\.[^@]+@contoso\.example>/im);
    expect(mail!.raw).toMatch(/^Auto-Submitted: auto-generated/im);
    expect(mail!.raw).toMatch(/^X-Auto-Response-Suppress: All/im);

    await alertBatch(['device-a', 'device-b']);
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
    expect(graph!.received).toHaveLength(2);
    expect(graph!.received[1]).toMatchObject({ to: ['soc@contoso.example', 'it@contoso.example'] });
    expect(graph!.received[1]!.raw).toContain('device-a');
    expect(graph!.received[1]!.raw).toContain('device-b');
  });

  it('waits out a 429 for as long as Retry-After says, then sends', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code'));
    graph!.throttle(1, 1);
    const started = Date.now();
    const test = await sendTest();
    expect(test.status, await test.clone().text()).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(graph!.requests.map((r) => [r.status, r.code])).toEqual([
      [429, 'ApplicationThrottled'],
      [202, undefined],
    ]);
  });

  it("gives alerts back to the outbox with the API's own wait when Retry-After is longer than the relay waits in line", async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code'));
    graph!.throttle(1, 120);
    await alertBatch(['device-a']);
    const [alert] = await alerts();
    expect(alert).toMatchObject({ state: 'pending_retry', attempts: 1, lastError: expect.stringContaining('API_THROTTLED: 429 ApplicationThrottled') });
    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.delivery.lastFailure?.code).toBe('API_THROTTLED');
    // Not before the 120 s the API asked for: a pass a minute later sends nothing, one after it sends.
    clock += 60_000;
    await relay.deps.worker.wake();
    expect(graph!.received).toHaveLength(0);
    clock += 61_000;
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(['sent']);
  });

  it('refreshes once and sends again when Graph refuses a token the relay thought valid', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code'));
    await as.expireAccessTokens();
    expect((await sendTest()).status).toBe(200);
    expect(graph!.requests.map((r) => r.status)).toEqual([401, 202]);
    expect(as.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1);
  });

  it('explains Send As refused for a sender the account may not send as', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code', { senderAddress: 'shared@contoso.example' }));
    const refused = await sendTest();
    expect(refused.status).toBe(502);
    expect(await errorOf(refused)).toMatchObject({ code: 'GRAPH_SEND_AS_DENIED', serverResponse: expect.stringContaining('403 ErrorSendAsDenied') });
  });

  it("says a consent in the wrong scope (SMTP's) is a token Graph refuses", async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await consent(settings('microsoft', 'graph', 'authorization_code', { scope: presetFields('microsoft', '', 'smtp').scope }));
    const refused = await sendTest();
    expect(await errorOf(refused)).toMatchObject({ code: 'API_TOKEN_REJECTED', serverResponse: expect.stringContaining('Invalid audience') });
  });
});

describe('Microsoft Graph app-only (client credentials)', () => {
  it('needs no consent: gets a .default token with the secret, sends to /users/{sender}/sendMail, and reuses the token', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    await startGraphPeer();
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const consentAsked = await relay.call('POST', '/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL });
    expect(consentAsked.status).toBe(409);
    expect((await errorOf(consentAsked)).code).toBe('OAUTH_CONSENT_NOT_NEEDED');

    const test = await sendTest();
    expect(test.status, await test.clone().text()).toBe(200);
    expect(graph!.requests.map((r) => [r.path, r.status])).toEqual([[`/v1.0/users/${encodeURIComponent(MAILBOX)}/sendMail`, 202]]);
    await alertBatch(['device-a']);
    expect((await alerts()).map((a) => a.state)).toEqual(['sent']);
    expect(as.tokenRequests.map((r) => r.grantType)).toEqual(['client_credentials']);

    const status = await json<StatusAnswer>(await relay.call('GET', '/api/v1/status'));
    expect(status.mail).toMatchObject({ transport: 'graph', oauthGrant: 'client_credentials', destination: `Microsoft Graph (${graph!.url})` });
    expect(status.oauth).toBeNull();
    expect(status.delivery.delayed).toBeNull();
  });

  it('waits out a 429 and a 503 for as long as Retry-After says, then delivers the alert batch', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    await startGraphPeer();
    await save(settings('microsoft', 'graph', 'client_credentials'));
    graph!.unavailable(1, 1);
    graph!.throttle(1, 1);
    await alertBatch(['device-a', 'device-b']);
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
    expect(graph!.requests.map((r) => [r.status, r.code])).toEqual([
      [503, 'ServiceUnavailable'],
      [429, 'ApplicationThrottled'],
      [202, undefined],
    ]);
  });

  it('explains a certificate the relay does not trust, and an API it cannot reach', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    await startGraphPeer();
    await save(settings('microsoft', 'graph', 'client_credentials', { caCertificate: '' }));
    expect(await errorOf(await sendTest())).toMatchObject({ code: 'API_CERT_UNTRUSTED' });
    await graph!.close();
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const unreachable = await errorOf(await sendTest());
    expect(unreachable.code).toBe('API_UNREACHABLE');
    expect(unreachable.serverResponse).toBeUndefined();
  });

  it('reads no more than a few kilobytes of an answer, however much a broken API sends', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    const flood = await serveHttps((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/html' });
      res.end('<p>'.padEnd(8 << 20, 'x'));
    });
    graph = { url: `${flood.origin}/v1.0`, close: flood.close } as GraphPeer;
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const error = await errorOf(await sendTest());
    expect(error.code).toBe('API_UNAVAILABLE');
    expect(error.serverResponse!.length).toBeLessThan(1_000);
  });

  it('explains a missing Mail.Send application permission, and sends with a new token once an admin grants it', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const denied = await sendTest();
    expect(await errorOf(denied)).toMatchObject({
      code: 'GRAPH_ACCESS_DENIED',
      serverResponse: '403 ErrorAccessDenied: Access is denied. Check credentials and try again.',
    });
    as.appPermissions[CLIENT_ID] = ['Mail.Send'];
    expect((await sendTest()).status).toBe(200);
    expect(as.tokenRequests.map((r) => r.grantType)).toEqual(['client_credentials', 'client_credentials']);
  });

  it.each([
    [
      'an application access policy that leaves the sender out',
      { accessPolicy: { [CLIENT_ID]: ['shared@contoso.example'] } },
      'GRAPH_MAILBOX_OUT_OF_SCOPE',
      'RAOP',
    ],
    ['a sender that is no user of the tenant', { mailboxes: ['someone@contoso.example'] }, 'GRAPH_MAILBOX_NOT_FOUND', 'ErrorInvalidUser'],
    ['a mailbox Graph cannot reach', { restDisabled: [MAILBOX] }, 'GRAPH_MAILBOX_NOT_ENABLED', 'MailboxNotEnabledForRESTAPI'],
  ] satisfies [string, Partial<GraphOptions>, ErrorCode, string][])('explains %s', async (_name, options, code, words) => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    await startGraphPeer(options);
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const refused = await sendTest();
    expect(refused.status).toBe(502);
    expect(await errorOf(refused)).toMatchObject({ code, serverResponse: expect.stringContaining(words) });
  });

  it('explains a scope Microsoft refuses for client credentials (AADSTS1002012)', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] });
    await startGraphPeer();
    await save(settings('microsoft', 'graph', 'client_credentials', { scope: 'https://graph.microsoft.com/Mail.Send' }));
    expect((await errorOf(await sendTest())).code).toBe('OAUTH_INVALID_SCOPE');
  });

  it('signs in with a certificate instead of a secret (private_key_jwt), and explains one the app registration does not hold', async () => {
    const { client, otherClient } = testPki();
    as = await startAuthorizationServer({
      flavour: 'microsoft',
      clients: { [CLIENT_ID]: { redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'private_key_jwt', certificate: client.cert } },
      appPermissions: { [CLIENT_ID]: ['Mail.Send'] },
    });
    clock = Date.now();
    relay = await createTestRelay({ now: () => clock });
    await startGraphPeer();
    // The assertion's audience is the token endpoint as called; oidc-provider serves it without Microsoft's tenant segment.
    const certificate = (pair: { cert: string; key: string }) =>
      settings('microsoft', 'graph', 'client_credentials', {
        tokenUrl: as.tokenUrl.replace('/organizations', ''),
        clientAuthMethod: 'private_key_jwt',
        clientSecret: undefined,
        clientCertificate: pair.cert,
        clientPrivateKey: pair.key,
      });
    await save(certificate(client));
    const sent = await sendTest();
    expect(sent.status, await sent.clone().text()).toBe(200);
    // The key is sealed like every secret: not in an answer, a log line or the database files.
    expect(JSON.stringify(await json(await relay.call('GET', '/api/v1/mail-settings')))).not.toContain('PRIVATE KEY');
    expect(relay.logs.join('\n')).not.toContain('PRIVATE KEY');
    for (const file of readdirSync(relay.dataDir, { withFileTypes: true }).filter((f) => f.isFile())) {
      expect(readFileSync(join(relay.dataDir, file.name)).includes('PRIVATE KEY'), file.name).toBe(false);
    }

    await save(certificate(otherClient));
    expect(await errorOf(await sendTest())).toMatchObject({ code: 'OAUTH_INVALID_CLIENT', message: expect.stringContaining('AADSTS700027') });

    const mismatched = await relay.call('PUT', '/api/v1/mail-settings', { ...certificate(client), clientPrivateKey: otherClient.key });
    expect(await errorOf(mismatched)).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clientPrivateKey' });
  });

  it('refuses app-only settings without a client secret, naming the field', async () => {
    await startAs('microsoft');
    await startGraphPeer();
    const res = await relay.call('PUT', '/api/v1/mail-settings', { ...settings('microsoft', 'graph', 'client_credentials'), clientSecret: undefined });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clientSecret' });
  });

  it('keeps to 4 requests in flight per mailbox however many sends are waiting', async () => {
    // Exchange's 30 messages a minute spaces sends 2 s apart; a minute of 0.3 s lets them overlap, as a long request would.
    await startAs('microsoft', { [CLIENT_ID]: ['Mail.Send'] }, { providerMinuteMs: 300 });
    await startGraphPeer({ delayMs: 200 });
    await save(settings('microsoft', 'graph', 'client_credentials'));
    const message = (n: number) => ({ from: MAILBOX, to: 'it@contoso.example', subject: `alert ${n}`, text: 'x' });
    await Promise.all(Array.from({ length: 12 }, (_, n) => relay.deps.sender.sendPooled(message(n))));
    expect(graph!.requests.map((r) => r.status)).toEqual(Array(12).fill(202));
    expect(Math.max(...graph!.requests.map((r) => r.concurrent))).toBe(4);
  });
});

describe('Microsoft 365 SMTP app-only', () => {
  it('logs in with XOAUTH2 as the sender mailbox with an outlook.office365.com/.default token', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['SMTP.SendAsApp'] });
    smtp = await startMicrosoft365({ verifyToken: as.verifyToken, appMailboxes: { [CLIENT_ID]: [MAILBOX] } });
    await save(settings('microsoft', 'smtp', 'client_credentials', { host: '127.0.0.1', port: smtp.port }));
    const test = await sendTest();
    expect(test.status, await test.clone().text()).toBe(200);
    expect(smtp.authAttempts).toEqual([expect.objectContaining({ method: 'XOAUTH2', username: MAILBOX, secure: true })]);
    expect(smtp.received).toHaveLength(1);

    await alertBatch(['device-a', 'device-b']);
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
    expect(smtp.received).toHaveLength(2);
    expect(as.tokenRequests.map((r) => r.grantType)).toEqual(['client_credentials']);
  });

  it('names the Exchange steps when the service principal has no right on the mailbox (535 5.7.3)', async () => {
    await startAs('microsoft', { [CLIENT_ID]: ['SMTP.SendAsApp'] });
    smtp = await startMicrosoft365({ verifyToken: as.verifyToken });
    await save(settings('microsoft', 'smtp', 'client_credentials', { host: '127.0.0.1', port: smtp.port }));
    const refused = await sendTest();
    const error = await errorOf(refused);
    expect(error).toMatchObject({ code: 'SMTP_APP_ONLY_NOT_PERMITTED', serverResponse: expect.stringContaining('535 5.7.3') });
    expect(error.hint).toContain('New-ServicePrincipal');
    expect(error.hint).toContain('Add-MailboxPermission');
  });
});

describe('Gmail API', () => {
  async function startGmailPeer(options: Partial<GmailApiOptions> = {}) {
    gmailApi = await startGmailApi({ verifyToken: as.verifyToken, ...options });
  }

  it('asks for gmail.send, sends the test mail as raw base64url, and an alert batch as one mail', async () => {
    await startAs('google');
    await startGmailPeer();
    await consent(settings('google', 'gmail-api', 'authorization_code'));
    const test = await sendTest();
    expect(test.status, await test.clone().text()).toBe(200);
    expect((await json<TestMailResult>(test)).serverResponse).toBe('200 OK (Gmail API)');
    expect(gmailApi!.requests.map((r) => [r.path, r.status])).toEqual([['/gmail/v1/users/me/messages/send', 200]]);
    expect(decoded(gmailApi!.received[0]!.raw)).toContain('Gmail API');

    await alertBatch(['device-a', 'device-b']);
    expect((await alerts()).map((a) => a.state)).toEqual(['sent', 'sent']);
    expect(gmailApi!.received).toHaveLength(2);
    expect(gmailApi!.received[1]!.to).toEqual(['soc@contoso.example', 'it@contoso.example']);
  });

  it('waits out a 429 rateLimitExceeded until the time Gmail names, then sends', async () => {
    await startAs('google');
    await startGmailPeer();
    await consent(settings('google', 'gmail-api', 'authorization_code'));
    gmailApi!.throttle(1, 1);
    expect((await sendTest()).status).toBe(200);
    expect(gmailApi!.requests.map((r) => [r.status, r.reason])).toEqual([
      [429, 'rateLimitExceeded'],
      [200, undefined],
    ]);
  });

  it.each([
    ['the Gmail API off in the Cloud project', { apiDisabled: true }, 'GMAIL_API_DISABLED', 'accessNotConfigured'],
    ['Gmail turned off for the account', { gmailDisabled: [MAILBOX] }, 'GMAIL_API_NOT_ENABLED_FOR_USER', 'failedPrecondition'],
  ] satisfies [string, Partial<GmailApiOptions>, ErrorCode, string][])('explains %s', async (_name, options, code, words) => {
    await startAs('google');
    await startGmailPeer(options);
    await consent(settings('google', 'gmail-api', 'authorization_code'));
    expect(await errorOf(await sendTest())).toMatchObject({ code, serverResponse: expect.stringContaining(words) });
  });

  it('keeps alerts for later when the account reached its daily sending limit', async () => {
    await startAs('google');
    await startGmailPeer({ messagesPerDay: 1 });
    await consent(settings('google', 'gmail-api', 'authorization_code'));
    expect((await sendTest()).status).toBe(200);
    await alertBatch(['device-a']);
    expect(await alerts()).toEqual([
      expect.objectContaining({ state: 'pending_retry', lastError: expect.stringContaining('GMAIL_API_DAILY_LIMIT: 403 dailyLimitExceeded') }),
    ]);
  });

  it('explains a consent without gmail.send as a missing scope', async () => {
    await startAs('google');
    await startGmailPeer();
    await consent(settings('google', 'gmail-api', 'authorization_code', { scope: 'openid email' }));
    expect(await errorOf(await sendTest())).toMatchObject({
      code: 'GMAIL_API_SCOPE_MISSING',
      serverResponse: expect.stringContaining('insufficientPermissions'),
    });
  });
});
