import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { createApp } from '../relay/app';
import { composeRelay } from '../relay/compose';
import { createLogger } from '../relay/log';
import { AccessTokens } from '../relay/storage/access-tokens';
import { openSqliteStores } from '../relay/storage/sqlite/index';
import { SecretBox } from '../relay/storage/secret-box';
import { EXTENSION_ORIGIN, EXTENSION_REDIRECT_URL } from '../shared/extension';
import { MailSettingsInput } from '../shared/mail-settings';
import { startAuthorizationServer } from '../test/peers/authorization-server';
import { report } from './lib';

const EXPIRIES = 5;

/** Refresh requests per access-token expiry while 50 sends ask for a token at once. Target: exactly 1. */
export async function benchTokenRefresh(): Promise<void> {
  // Microsoft-like: a new refresh token at every refresh, the harder case.
  const as = await startAuthorizationServer({
    flavour: 'microsoft',
    clients: { bench: { secret: 's3cret', redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
  });
  as.tokenDelayMs = 20;
  let clock = Date.now();
  const stores = await openSqliteStores(mkdtempSync(join(tmpdir(), 'guardmail-bench-')), new SecretBox(randomBytes(32)), createLogger('silent'));
  const deps = composeRelay({
    stores,
    accessTokens: AccessTokens.of({ admin: 'a'.repeat(40), enrollment: 'e'.repeat(40) }),
    logger: createLogger('silent'),
    extensionOrigins: [EXTENSION_ORIGIN],
    oauthRedirectUrls: [],
    now: () => clock,
  });
  await deps.mailSettings.save(
    v.parse(MailSettingsInput, {
      authType: 'oauth',
      host: '127.0.0.1',
      port: 25,
      emailType: 'smtp',
      tls: true,
      senderAddress: 'a@example.com',
      clientId: 'bench',
      clientSecret: 's3cret',
      authorizationUrl: as.authorizationUrl,
      tokenUrl: as.tokenUrl,
      scope: as.mailScope,
    }),
  );
  // A real consent, so the refresh token is one the server knows.
  const app = createApp(deps);
  const call = (path: string, body: unknown) =>
    app.request(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${'a'.repeat(40)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const { authorizationUrl } = (await (await call('/api/v1/oauth/authorize', { redirectUrl: EXTENSION_REDIRECT_URL })).json()) as { authorizationUrl: string };
  const callbackUrl = await as.consent(authorizationUrl, 'allow');
  const connected = await call('/api/v1/oauth/callback', { callbackUrl });
  if (connected.status !== 200) throw new Error(`consent failed: ${await connected.text()}`);

  const perExpiry: number[] = [];
  for (let i = 0; i < EXPIRIES; i++) {
    clock += 2 * 3_600_000;
    const before = as.tokenRequests.length;
    await Promise.all(Array.from({ length: 50 }, () => deps.tokenManager.accessToken()));
    perExpiry.push(as.tokenRequests.length - before);
  }
  await stores.close();
  await as.close();
  report('token refreshes per expiry, 50 waiting', Math.max(...perExpiry), 'requests', 1, 'target', 'exactly 1 (ratio 1.00)');
}
