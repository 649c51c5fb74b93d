import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXTENSION_ORIGIN } from '../../shared/extension';
import type { ApiErrorBody } from '../../shared/errors';
import type { MailSettingsView } from '../../shared/mail-settings';
import { basicSettings, createTestRelay, SMTP_PASSWORD, type TestRelay } from '../fixtures/relay';
import { extension, riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';

let relay: TestRelay;
beforeEach(async () => {
  relay = await createTestRelay();
});
afterEach(() => relay.close());

const json = async <T>(res: Response) => (await res.json()) as T;

describe('admin bearer token', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'gm_adm_wrong-wrong-wrong-wrong-wrong-wrong-wrong'],
    ['the enrollment token', 'ENROLLMENT'],
  ])('refuses %s on every /api/v1 route with UNAUTHORIZED', async (_, token) => {
    const presented = token === 'ENROLLMENT' ? relay.enrollmentToken : token;
    for (const [method, path] of [
      ['GET', '/api/v1/mail-settings'],
      ['PUT', '/api/v1/mail-settings'],
      ['POST', '/api/v1/mail-settings/test'],
      ['GET', '/api/v1/anything'],
    ]) {
      const res = await relay.call(method!, path!, method === 'GET' ? undefined : basicSettings(), { token: presented });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.headers.get('WWW-Authenticate')).toBe('Bearer');
      const body = await json<ApiErrorBody>(res);
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(body.error.requestId).toMatch(/\S/);
    }
    expect(await json(await relay.call('GET', '/api/v1/mail-settings'))).toBeNull();
  });
});

describe('mail settings', () => {
  it('answers null before the first save, then the saved settings with secrets only as set', async () => {
    expect(await json(await relay.call('GET', '/api/v1/mail-settings'))).toBeNull();
    const put = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ caCertificate: testPki().caCert }));
    expect(put.status).toBe(200);
    const view = await json<MailSettingsView>(await relay.call('GET', '/api/v1/mail-settings'));
    expect(view).toMatchObject({ authType: 'basic', host: '127.0.0.1', port: 587, emailType: 'smtp', tls: true, username: 'alerts@example.com' });
    expect(view.secretsSet).toEqual({ password: true, clientSecret: false, clientPrivateKey: false, proxyPassword: false });
    expect(JSON.stringify(view)).not.toContain(SMTP_PASSWORD);
    expect(view).not.toHaveProperty('password');
  });

  it('keeps a secret that a PUT omits, and clears it on null', async () => {
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings());
    const kept = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ password: undefined, senderName: 'IT Alerts' }));
    expect(kept.status).toBe(200);
    expect(await json(kept)).toMatchObject({ senderName: 'IT Alerts', secretsSet: { password: true } });

    const cleared = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ requiresAuth: false, username: '', password: null }));
    expect(await json(cleared)).toMatchObject({ requiresAuth: false, secretsSet: { password: false } });
  });

  it('stores the OAuth fields and their secrets write-only', async () => {
    const res = await relay.call('PUT', '/api/v1/mail-settings', {
      ...basicSettings({ authType: 'oauth', requiresAuth: false, username: '', password: undefined }),
      clientId: 'client-123',
      clientSecret: 'client-secret-value',
      authorizationUrl: 'https://login.example.com/authorize',
      tokenUrl: 'https://login.example.com/token',
      scope: 'https://outlook.office.com/SMTP.Send offline_access',
      proxyUrl: 'https://proxy.example.com:3128',
      proxyUsername: 'proxy-user',
      proxyPassword: 'proxy-secret-value',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('client-secret-value');
    expect(text).not.toContain('proxy-secret-value');
    expect(JSON.parse(text)).toMatchObject({
      clientId: 'client-123',
      proxyUrl: 'https://proxy.example.com:3128',
      secretsSet: { clientSecret: true, proxyPassword: true },
    });
  });

  const badInputs: [string, unknown, string][] = [
    ['a port of 0', basicSettings({ port: 0 }), 'port'],
    ['a port of 70000', basicSettings({ port: 70000 }), 'port'],
    ['a port given as text', basicSettings({ port: '587' }), 'port'],
    ['a fractional port', basicSettings({ port: 587.5 }), 'port'],
    ['a CR/LF in the sender name', basicSettings({ senderName: 'Alerts\r\nBcc: victim@example.com' }), 'senderName'],
    ['a malformed sender address', basicSettings({ senderAddress: 'alerts@' }), 'senderAddress'],
    ['a malformed test address', basicSettings({ testAddress: 'not an address' }), 'testAddress'],
    ['a missing server name', basicSettings({ host: undefined }), 'host'],
    ['a server name with a scheme', basicSettings({ host: 'smtp://mail.example.com' }), 'host'],
    ['an unknown email type', basicSettings({ emailType: 'pop3' }), 'emailType'],
    ['TLS given as text', basicSettings({ tls: 'yes' }), 'tls'],
    ['an unknown authentication type', basicSettings({ authType: 'ntlm' }), 'authType'],
    ['requires authentication without a user name', basicSettings({ username: '' }), 'username'],
    ['requires authentication while clearing the password', basicSettings({ password: null }), 'password'],
    ['an empty password', basicSettings({ password: '' }), 'password'],
    ['a password on plain SMTP without TLS', basicSettings({ tls: false }), 'tls'],
    [
      'OAuth without a client ID',
      basicSettings({ authType: 'oauth', tokenUrl: 'https://t.example.com', authorizationUrl: 'https://a.example.com', scope: 's' }),
      'clientId',
    ],
    ['an http token URL off loopback', basicSettings({ tokenUrl: 'http://login.example.com/token' }), 'tokenUrl'],
    ['a proxy with credentials in its URL', basicSettings({ proxyUrl: 'http://user:pw@proxy.example.com:3128' }), 'proxyUrl'],
    ['a CA certificate that is not PEM', basicSettings({ caCertificate: 'hello' }), 'caCertificate'],
    [
      'a PEM block that is not a certificate',
      basicSettings({ caCertificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
      'caCertificate',
    ],
    ['an unknown field', basicSettings({ smtpHost: 'x' }), 'smtpHost'],
    ['a huge sender name', basicSettings({ senderName: 'x'.repeat(5000) }), 'senderName'],
    ['an array instead of an object', [basicSettings()], '(body)'],
  ];

  it.each(badInputs)('refuses %s with VALIDATION_FAILED naming the field, leaving the stored settings unchanged', async (_, body, field) => {
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings());
    const before = await (await relay.call('GET', '/api/v1/mail-settings')).text();

    const res = await relay.call('PUT', '/api/v1/mail-settings', body);
    expect(res.status).toBe(400);
    const { error } = await json<ApiErrorBody>(res);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field.replace(/[()]/g, '\\$&')}: `));
    expect(error.requestId).toMatch(/\S/);

    expect(await (await relay.call('GET', '/api/v1/mail-settings')).text()).toBe(before);
  });

  it('refuses a first save that requires authentication but gives no password', async () => {
    const res = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ password: undefined }));
    expect(res.status).toBe(400);
    expect(await json<ApiErrorBody>(res)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'password' } });
    expect(await json(await relay.call('GET', '/api/v1/mail-settings'))).toBeNull();
  });

  it('refuses malformed JSON with INVALID_JSON', async () => {
    const res = await relay.call('PUT', '/api/v1/mail-settings', '{"authType": "basic",');
    expect(res.status).toBe(400);
    expect((await json<ApiErrorBody>(res)).error.code).toBe('INVALID_JSON');
  });

  it('refuses an oversized body with BODY_TOO_LARGE before reading it', async () => {
    const res = await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ caCertificate: 'x'.repeat(100_000) }));
    expect(res.status).toBe(413);
    expect((await json<ApiErrorBody>(res)).error.code).toBe('BODY_TOO_LARGE');
  });

  it('refuses a test mail before the mail server is configured, and without any address', async () => {
    const notConfigured = await relay.call('POST', '/api/v1/mail-settings/test');
    expect(notConfigured.status).toBe(409);
    expect((await json<ApiErrorBody>(notConfigured)).error.code).toBe('MAIL_NOT_CONFIGURED');

    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ testAddress: '' }));
    const noAddress = await relay.call('POST', '/api/v1/mail-settings/test');
    expect(noAddress.status).toBe(400);
    expect(await json<ApiErrorBody>(noAddress)).toMatchObject({ error: { code: 'TEST_ADDRESS_MISSING', field: 'to' } });

    const badAddress = await relay.call('POST', '/api/v1/mail-settings/test', { to: 'nobody' });
    expect(await json<ApiErrorBody>(badAddress)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'to' } });
  });

  it('keeps the plaintext password out of answers, logs and the SQLite files', async () => {
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: 1 }));
    const answers = [
      await (await relay.call('GET', '/api/v1/mail-settings')).text(),
      await (await relay.call('POST', '/api/v1/mail-settings/test')).text(), // fails: nothing listens on port 1
      await (await relay.call('GET', '/readyz', undefined, { token: null })).text(),
    ];
    relay.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const answer of answers) expect(answer).not.toContain(SMTP_PASSWORD);
    expect(relay.logs.length).toBeGreaterThan(3);
    expect(relay.logs.join('\n')).not.toContain(SMTP_PASSWORD);
    for (const file of readdirSync(relay.dataDir)) {
      const bytes = readFileSync(join(relay.dataDir, file));
      expect(bytes.includes(Buffer.from(SMTP_PASSWORD)), file).toBe(false);
      expect(bytes.includes(Buffer.from(relay.adminToken)), file).toBe(false);
    }
  });
});

describe('operators', () => {
  it('keeps each token and body limit to its routes: reports take the enrollment token and up to 512 KB, the rest the admin token and 64 KB', async () => {
    const padded = riskyReport({
      deviceId: 'device-large',
      extensions: Array.from({ length: 300 }, (_, i) => extension({ id: `ext-${i}`.padEnd(32, 'a'), name: `Extension ${i}`.padEnd(150, '.') })),
    });
    expect(JSON.stringify(padded).length).toBeGreaterThan(64 * 1024);
    expect((await relay.call('POST', '/api/v1/reports', padded, { token: relay.enrollmentToken })).status).toBe(202);
    expect((await relay.call('POST', '/api/v1/reports', riskyReport(), { token: relay.adminToken })).status).toBe(401);
    expect((await relay.call('GET', '/api/v1/devices', undefined, { token: relay.enrollmentToken })).status).toBe(401);
    const large = await relay.call('PUT', '/api/v1/alert-policy', {
      recipients: ['it@example.com'],
      blocklist: Array.from({ length: 3000 }, (_, i) => String(i).padStart(32, 'a')),
    });
    expect(large.status).toBe(413);
    expect((await json<ApiErrorBody>(large)).error.code).toBe('BODY_TOO_LARGE');
  });

  it('answers /healthz and /readyz without a token, and /readyz tells whether mail is configured', async () => {
    const health = await relay.call('GET', '/healthz', undefined, { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', apiVersion: 'v1' });
    expect(health.headers.get('Cache-Control')).toBe('no-store');

    const before = await json<{ ready: boolean; checks: { name: string; ok: boolean }[] }>(await relay.call('GET', '/readyz', undefined, { token: null }));
    expect(before.ready).toBe(true);
    // No vendor release data in a fresh relay: reported, and not critical either.
    expect(before.checks.map((c) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['mail-configured', false],
      ['outbox', true],
      ['release-data', false],
      ['store-budget', true],
    ]);

    await relay.call('PUT', '/api/v1/mail-settings', basicSettings());
    const after = await json<{ checks: { name: string; ok: boolean }[] }>(await relay.call('GET', '/readyz', undefined, { token: null }));
    expect(after.checks.map((c) => [c.name, c.ok])).toEqual([
      ['database', true],
      ['mail-configured', true],
      ['outbox', true],
      ['release-data', false],
      ['store-budget', true],
    ]);
  });

  it('answers a wrong method with 405 and the methods allowed, and a missing server name as required', async () => {
    const wrong = await relay.call('DELETE', '/api/v1/mail-settings');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('Allow')).toBe('GET, HEAD, PUT');
    expect((await json<ApiErrorBody>(wrong)).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await relay.call('GET', '/api/v1/no-such-thing')).status).toBe(404);

    const withoutHost = basicSettings();
    delete withoutHost.host;
    const missing = await json<ApiErrorBody>(await relay.call('PUT', '/api/v1/mail-settings', withoutHost));
    expect(missing.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: 'host',
      message: 'host: Server name is required, for example smtp.office365.com.',
    });
  });

  it("shows /readyz details (server, account, outbox) only to an admin's token, states to anyone", async () => {
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ host: 'smtp.internal.example' }));
    const anyone = await relay.call('GET', '/readyz', undefined, { token: null });
    expect(await anyone.text()).not.toContain('smtp.internal.example');
    expect((await json<{ checks: object[] }>(await relay.call('GET', '/readyz', undefined, { token: relay.enrollmentToken }))).checks[1]).toEqual({
      name: 'mail-configured',
      ok: true,
      critical: false,
    });
    const admin = await json<{ checks: { name: string; detail?: string }[] }>(await relay.call('GET', '/readyz'));
    expect(admin.checks.find((c) => c.name === 'mail-configured')?.detail).toBe('smtp.internal.example:587 (SMTP), password');
    const named = await json<{ token: string }>(await relay.call('POST', '/api/v1/tokens', { name: 'prometheus', role: 'viewer', expiresInDays: 30 }));
    const viewer = await json<{ checks: { name: string; detail?: string }[] }>(await relay.call('GET', '/readyz', undefined, { token: named.token }));
    expect(viewer.checks.find((c) => c.name === 'mail-configured')?.detail).toBe('smtp.internal.example:587 (SMTP), password');
    const forged = await relay.call('GET', '/readyz', undefined, { token: `${named.token.slice(0, -2)}xx` });
    expect(await forged.text()).not.toContain('smtp.internal.example');
  });

  it('answers 503 on /readyz when the database is gone', async () => {
    relay.db.close();
    const res = await relay.call('GET', '/readyz', undefined, { token: null });
    expect(res.status).toBe(503);
    const body = await json<{ ready: boolean; checks: unknown[] }>(res);
    expect(body.ready).toBe(false);
    expect(body.checks[0]).toMatchObject({ name: 'database', ok: false, critical: true });
  });

  it('answers CORS only for the allowed extension origin', async () => {
    const preflight = (origin: string) =>
      relay.app.request('/api/v1/mail-settings', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,content-type' },
      });
    const allowed = await preflight(EXTENSION_ORIGIN);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe(EXTENSION_ORIGIN);
    expect(allowed.headers.get('Access-Control-Allow-Headers')).toMatch(/authorization/i);

    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers an unknown path with the JSON error shape and a request id', async () => {
    const res = await relay.call('GET', '/nope', undefined, { token: null });
    expect(res.status).toBe(404);
    const body = await json<ApiErrorBody>(res);
    expect(body.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(body.error.requestId).toBe(res.headers.get('X-Request-Id'));
  });
});
