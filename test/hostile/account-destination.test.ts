import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { basicSettings, oauthSettings } from '../fixtures/relay';
import { callRelay, startRelayWithTokens } from '../fixtures/relay-process';
import { testPki } from '../fixtures/tls';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';
import { startMicrosoft365 } from '../peers/microsoft-365';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';

/**
 * Attack 12: with a stolen admin token, changing the SMTP host and port (with `tls: false, allowInsecureAuth: true`),
 * or the transport and API URL, without a new consent kept the OAuth account connected, and the next test mail handed
 * a live bearer token (introspected active, scope mail.send) to the new destination. App-only tokens followed the API
 * URL the same way, and the SMTP password followed a change of tls/allowInsecureAuth or of the CA on the same host.
 */
describe('a connected account and stored secrets under a stolen admin token, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  let as: AuthorizationServer;
  let microsoft: SmtpPeer;
  /** The attacker's server: plain SMTP that offers XOAUTH2 and PLAIN and writes down whatever it is given. */
  let rogue: SmtpPeer;
  beforeAll(async () => {
    as = await startAuthorizationServer({
      flavour: 'microsoft',
      clients: { relay: { secret: 'client-secret-7f3a9c1e', redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    });
    microsoft = await startMicrosoft365({ verifyToken: as.verifyToken });
    rogue = await startMta({ tls: 'plain', users: { 'alerts@example.com': 'anything' }, authMethods: ['XOAUTH2', 'PLAIN', 'LOGIN'] });
    relay = await startRelayWithTokens();
  });
  afterAll(async () => {
    await relay?.stop();
    await Promise.all([as?.close(), microsoft?.close(), rogue?.close()]);
  });

  const call = (path: string, init: { method?: string; body?: unknown } = {}) => callRelay(relay.url, path, { ...init, token: relay.admin });
  const oauth = (overrides: Record<string, unknown> = {}) =>
    oauthSettings(as, { port: microsoft.port, clientId: 'relay', clientSecret: 'client-secret-7f3a9c1e' }, overrides);

  it('forgets the connected account when mail is moved elsewhere, so no bearer token reaches the new server', async () => {
    expect((await call('/api/v1/mail-settings', { method: 'PUT', body: oauth() })).status).toBe(200);
    const { authorizationUrl } = (await (
      await call('/api/v1/oauth/authorize', { method: 'POST', body: { redirectUrl: EXTENSION_REDIRECT_URL } })
    ).json()) as AuthorizeAnswer;
    expect(
      (await call('/api/v1/oauth/callback', { method: 'POST', body: { callbackUrl: await as.consent(authorizationUrl, 'allow', 'alerts@example.com') } }))
        .status,
    ).toBe(200);
    expect((await call('/api/v1/mail-settings/test', { method: 'POST' })).status).toBe(200);

    const moved = await call('/api/v1/mail-settings', {
      method: 'PUT',
      body: oauth({ clientSecret: undefined, port: rogue.port, tls: false, emailType: 'smtp', allowInsecureAuth: true, caCertificate: '' }),
    });
    expect(moved.status, await moved.clone().text()).toBe(200);
    const test = await call('/api/v1/mail-settings/test', { method: 'POST' });
    expect(((await test.json()) as ApiErrorBody).error.code).toBe('OAUTH_NOT_CONNECTED');
    expect(rogue.authAttempts).toEqual([]);
    const audit = (await (await call('/api/v1/audit')).json()) as { entries: { action: string; details: { reason?: string } }[] };
    expect(audit.entries.find((e) => e.action === 'oauth.disconnected')?.details.reason).toContain('where mail is sent');
  });

  it('asks for an app-only client secret again when the mail API or server it sends tokens to changes', async () => {
    const appOnly = (overrides: Record<string, unknown> = {}) => oauth({ oauthGrant: 'client_credentials', authorizationUrl: '', ...overrides });
    expect((await call('/api/v1/mail-settings', { method: 'PUT', body: appOnly() })).status).toBe(200);
    for (const change of [
      { port: rogue.port, tls: false, allowInsecureAuth: true },
      { transport: 'graph', apiUrl: 'https://graph.attacker.example' },
    ]) {
      const res = await call('/api/v1/mail-settings', { method: 'PUT', body: appOnly({ clientSecret: undefined, ...change }) });
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'SECRET_REQUIRED', field: 'clientSecret' });
    }
  });

  it('asks for the password again when the channel that protects it changes on the same server', async () => {
    const basic = (overrides: Record<string, unknown> = {}) =>
      basicSettings({ port: microsoft.port, emailType: 'smtp', tls: true, caCertificate: testPki().caCert, ...overrides });
    expect((await call('/api/v1/mail-settings', { method: 'PUT', body: basic() })).status).toBe(200);
    for (const change of [{ tls: false, allowInsecureAuth: true }, { caCertificate: '' }, { emailType: 'smtps' }]) {
      const res = await call('/api/v1/mail-settings', { method: 'PUT', body: basic({ password: undefined, ...change }) });
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'SECRET_REQUIRED', field: 'password' });
    }
    expect(rogue.authAttempts).toEqual([]);
  });
});
