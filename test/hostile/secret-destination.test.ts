import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { MailSettingsView } from '../../shared/mail-settings';
import { basicSettings } from '../fixtures/relay';
import { testPki } from '../fixtures/tls';
import { startRelayWithTokens } from '../fixtures/relay-process';

/**
 * Attack 6: with the admin token, change where a stored secret goes (the SMTP host, the token URL, the proxy) and
 * leave the secret out of the PUT: the relay would send the stored password, client secret or proxy password there.
 */
describe('stored secrets stay bound to their destination, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  const put = (body: unknown) =>
    fetch(`${relay.url}/api/v1/mail-settings`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${relay.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const oauth = (overrides: Record<string, unknown> = {}) => ({
    ...basicSettings({ host: 'smtp.example.com', password: undefined }),
    authType: 'oauth',
    clientId: 'client',
    clientSecret: 'client-secret-1',
    authorizationUrl: 'https://login.example.com/authorize',
    tokenUrl: 'https://login.example.com/token',
    scope: 'mail',
    proxyUrl: 'https://proxy.example.com:3128',
    proxyUsername: 'relay',
    proxyPassword: 'proxy-secret-1',
    ...overrides,
  });

  it('refuses to move the password, the client secret or the proxy password without it, naming the field, and keeps what is stored', async () => {
    expect((await put(basicSettings({ host: 'smtp.example.com' }))).status).toBe(200);
    const moved = await put(basicSettings({ host: 'mail.attacker.example', password: undefined }));
    expect(moved.status).toBe(400);
    expect((await moved.json()) as ApiErrorBody).toMatchObject({ error: { code: 'SECRET_REQUIRED', field: 'password' } });
    const view = (await (await fetch(`${relay.url}/api/v1/mail-settings`, { headers: { Authorization: `Bearer ${relay.admin}` } })).json()) as MailSettingsView;
    expect(view.host).toBe('smtp.example.com');
    expect((await put(basicSettings({ host: 'mail.new.example', password: 'given again' }))).status).toBe(200);

    const first = await put(oauth());
    expect(first.status, await first.clone().text()).toBe(200);
    for (const [change, field] of [
      [{ tokenUrl: 'https://attacker.example/token' }, 'clientSecret'],
      [{ proxyUrl: 'https://proxy.attacker.example:3128' }, 'proxyPassword'],
    ] as const) {
      const res = await put(oauth({ clientSecret: undefined, proxyPassword: undefined, ...change }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'SECRET_REQUIRED', field });
    }
    // The password was not used by OAuth on its new host, so it was forgotten: switching back cannot carry it there.
    const back = await put(basicSettings({ host: 'smtp.example.com', password: undefined }));
    expect(((await back.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'password' });
  });

  it("keeps a client certificate's private key bound to the token URL as well", async () => {
    const { client } = testPki();
    const certificate = (overrides: Record<string, unknown> = {}) =>
      oauth({
        proxyUrl: '',
        proxyUsername: '',
        proxyPassword: null,
        clientSecret: null,
        clientAuthMethod: 'private_key_jwt',
        clientCertificate: client.cert,
        clientPrivateKey: client.key,
        ...overrides,
      });
    const first = await put(certificate());
    expect(first.status, await first.clone().text()).toBe(200);
    const moved = await put(certificate({ clientPrivateKey: undefined, tokenUrl: 'https://attacker.example/token' }));
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as ApiErrorBody).error).toMatchObject({ code: 'SECRET_REQUIRED', field: 'clientPrivateKey' });
  });

  it('refuses a proxy password to a plain http:// proxy unless insecure proxy authentication is allowed', async () => {
    const res = await put(oauth({ proxyUrl: 'http://proxy.example.com:3128' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'proxyUrl' });
    expect((await put(oauth({ proxyUrl: 'http://proxy.example.com:3128', allowInsecureProxyAuth: true }))).status).toBe(200);
  });
});
