import type { ApiTokenCreated } from '../shared/api-token';
import { EXTENSION_REDIRECT_URL } from '../shared/extension';
import type { SignedInAnswer } from '../shared/identity';
import type { AuthorizeAnswer } from '../shared/oauth';
import { createTestRelay, type TestRelay } from '../test/fixtures/relay';
import { startAuthorizationServer } from '../test/peers/authorization-server';
import { median, report } from './lib';

const REQUESTS = 5_000;
const RUNS = 5;
const GROUP = '0b7c2f4e-9d1a-4c3b-8e5f-6a7b8c9d0e11';

/** A session as an admin gets one: signed in through a real OpenID provider (oidc-provider) with a groups claim. */
async function signedIn(relay: TestRelay): Promise<string> {
  const idp = await startAuthorizationServer({
    flavour: 'microsoft',
    clients: { bench: { secret: 'bench-secret', redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    directory: { 'bench@contoso.example': { groups: [GROUP] } },
  });
  await relay.call('PUT', '/api/v1/identity', {
    preset: 'entra',
    issuer: idp.issuer,
    clientId: 'bench',
    clientSecret: 'bench-secret',
    roleClaim: 'groups',
    owners: [],
    operators: [],
    viewers: [GROUP],
    hostedDomain: '',
  });
  const start = (await (await relay.call('POST', '/api/v1/sign-in/start', { redirectUrl: EXTENSION_REDIRECT_URL }, { token: null })).json()) as AuthorizeAnswer;
  const callbackUrl = await idp.consent(start.authorizationUrl, 'allow', 'bench@contoso.example');
  const res = await relay.call('POST', '/api/v1/sign-in/finish', { callbackUrl }, { token: null });
  // The provider is not asked again: a session is checked by the relay alone.
  await idp.close();
  if (res.status !== 200) throw new Error(`the sign-in was refused: ${await res.text()}`);
  return ((await res.json()) as SignedInAnswer).session;
}

/**
 * An admin request (GET /api/v1/alert-policy, in process) with a signed-in admin's session, and with a named API token,
 * each against the same request with the break-glass admin token, alternated in one run: what naming the admin and
 * checking its role costs.
 */
export async function benchAdminAuth(): Promise<void> {
  const relay = await createTestRelay();
  const made = (await (await relay.call('POST', '/api/v1/tokens', { name: 'bench', role: 'viewer', expiresInDays: 1 })).json()) as ApiTokenCreated;
  const session = await signedIn(relay);
  const rate = async (token: string) => {
    const headers = { Authorization: `Bearer ${token}` };
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await relay.app.request('/api/v1/alert-policy', { headers });
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      await res.arrayBuffer();
    }
    return REQUESTS / ((performance.now() - t0) / 1000);
  };
  const tokens = { session, named: made.token, breakGlass: relay.adminToken };
  for (const token of Object.values(tokens)) await rate(token);
  const rates = { session: [] as number[], named: [] as number[], breakGlass: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['session', 'named', 'breakGlass'] as const) rates[kind].push(await rate(tokens[kind]));
  }
  await relay.close();
  report('admin request, signed-in session', median(rates.session), 'req/s', median(rates.breakGlass), 'break-glass admin token', '≥ 0.9');
  report('admin request, named API token', median(rates.named), 'req/s', median(rates.breakGlass), 'break-glass admin token', '≥ 0.9');
}
