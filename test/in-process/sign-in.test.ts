import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAnswer, StatusAnswer } from '../../shared/api';
import { EXTENSION_ID } from '../../shared/extension';
import type { IdentityView, SignedInAnswer } from '../../shared/identity';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';
import { bothEngines, createAlertingRelay, type TestRelay } from '../fixtures/relay';
import { startAuthorizationServer, type AuthorizationServer } from '../peers/authorization-server';
import { decoded } from '../fixtures/mail';

const REDIRECT = `https://${EXTENSION_ID}.chromiumapp.org/`;
const CLIENT = { id: 'guardmail-admins', secret: randomBytes(16).toString('hex') };
/** Entra security groups' object IDs, as the `groups` claim carries them. */
const OWNERS = '8f0ab3c2-5a7e-4f1b-9d3e-0c2b1a7f6e01';
const VIEWERS = '2d4c6e8a-1b3d-4f5a-8c7e-9a0b1c2d3e02';
const ME = {
  owner: 'olivia@contoso.example',
  operator: 'oscar@contoso.example',
  viewer: 'vera@contoso.example',
  nobody: 'ned@contoso.example',
  crowded: 'gus@contoso.example',
};

let cluster: PostgresCluster;
let idp: AuthorizationServer;

beforeAll(async () => {
  [cluster, idp] = await Promise.all([
    startPostgres(),
    startAuthorizationServer({
      flavour: 'microsoft',
      clients: { [CLIENT.id]: { secret: CLIENT.secret, redirectUris: [REDIRECT], authMethod: 'client_secret_basic' } },
      directory: {
        [ME.owner]: { groups: [OWNERS, VIEWERS] },
        [ME.viewer]: { groups: [VIEWERS] },
        [ME.nobody]: { groups: ['5e5e5e5e-0000-4000-8000-000000000003'] },
        [ME.crowded]: { groupsOverage: true },
      },
    }),
  ]);
}, 60_000);
afterAll(() => Promise.all([cluster?.stop(), idp?.close()]));

type Relay = Pick<TestRelay, 'call'> & { close(): Promise<void> };
let clock = Date.now();

const engines = bothEngines(
  () => cluster,
  'sign_in',
  () => clock,
);

const identity = () => ({
  preset: 'entra',
  issuer: idp.issuer,
  clientId: CLIENT.id,
  clientSecret: CLIENT.secret,
  roleClaim: 'groups',
  owners: [OWNERS],
  operators: [ME.operator],
  viewers: [VIEWERS],
  hostedDomain: '',
});

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

/** Begins a sign-in at the relay and goes through the provider's own login and consent pages as `user`. */
async function signInWindow(relay: Relay, user: string): Promise<string> {
  const start = await relay.call('POST', '/api/v1/sign-in/start', { redirectUrl: REDIRECT }, { token: null });
  expect(start.status).toBe(200);
  const { authorizationUrl } = (await start.json()) as AuthorizeAnswer;
  return idp.consent(authorizationUrl, 'allow', user);
}

const finish = (relay: Relay, callbackUrl: string) => relay.call('POST', '/api/v1/sign-in/finish', { callbackUrl }, { token: null });

async function signIn(relay: Relay, user: string): Promise<SignedInAnswer> {
  const res = await finish(relay, await signInWindow(relay, user));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as SignedInAnswer;
}

const audit = async (relay: Relay) => ((await (await relay.call('GET', '/api/v1/audit?limit=50')).json()) as AuditAnswer).entries;

describe.each(engines)('admins signing in with the identity provider, on %s', (_, open) => {
  let relay: Relay;

  beforeAll(async () => {
    relay = await open();
    expect((await relay.call('POST', '/api/v1/sign-in/start', { redirectUrl: REDIRECT }, { token: null })).status).toBe(409);
    const put = await relay.call('PUT', '/api/v1/identity', identity());
    expect(put.status, await put.clone().text()).toBe(200);
  }, 60_000);
  afterAll(() => relay?.close());

  it('keeps the identity settings with the client secret sealed: read back only as set', async () => {
    const view = (await (await relay.call('GET', '/api/v1/identity')).json()) as IdentityView;
    expect(view).toMatchObject({ preset: 'entra', issuer: idp.issuer, clientSecretSet: true, owners: [OWNERS] });
    expect(JSON.stringify(view)).not.toContain(CLIENT.secret);
    expect(JSON.stringify(await audit(relay))).not.toContain(CLIENT.secret);
  });

  it('signs an owner in by group: a session of its own, and the status says who and with what role', async () => {
    const signed = await signIn(relay, ME.owner);
    expect(signed).toMatchObject({ name: ME.owner, role: 'owner' });
    expect(signed.session).toMatch(/^gm_ses_/);
    const status = (await (await relay.call('GET', '/api/v1/status', undefined, { token: signed.session })).json()) as StatusAnswer;
    expect(status.admin).toEqual({ name: ME.owner, role: 'owner' });
    const entries = await audit(relay);
    expect(entries.find((e) => e.action === 'admin.signed-in')).toMatchObject({ actor: ME.owner, role: 'owner' });
    expect(entries.find((e) => e.action === 'admin.role-changed')).toMatchObject({ details: { admin: ME.owner, from: null, to: 'owner' } });
  });

  it("refuses a viewer's forged save with 403, changes nothing, and audits it naming the viewer", async () => {
    const viewer = await signIn(relay, ME.viewer);
    expect(viewer.role).toBe('viewer');
    const before = await (await relay.call('GET', '/api/v1/alert-policy')).json();
    const res = await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['mallory@example.com'] }, { token: viewer.session });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('ROLE_TOO_LOW');
    expect(await (await relay.call('GET', '/api/v1/alert-policy')).json()).toEqual(before);
    expect((await audit(relay)).find((e) => e.action === 'auth.refused')).toMatchObject({
      actor: ME.viewer,
      role: 'viewer',
      details: { request: 'PUT /api/v1/alert-policy' },
    });
  });

  it('gives a role by email address, and the audit entry of a change names that admin', async () => {
    const operator = await signIn(relay, ME.operator);
    expect(operator.role).toBe('operator');
    const res = await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@contoso.example'] }, { token: operator.session });
    expect(res.status).toBe(200);
    expect((await audit(relay)).find((e) => e.action === 'alert-policy.updated')).toMatchObject({ actor: ME.operator, role: 'operator' });
  });

  it('refuses, and audits, an account that no list names and one whose groups Entra left out', async () => {
    for (const [user, code] of [
      [ME.nobody, 'SIGN_IN_NO_ROLE'],
      [ME.crowded, 'SIGN_IN_GROUPS_OVERAGE'],
    ] as const) {
      const res = await finish(relay, await signInWindow(relay, user));
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe(code);
      expect((await audit(relay)).find((e) => e.action === 'admin.sign-in-failed')).toMatchObject({ details: { code } });
    }
  });

  it('redeems the answer of a sign-in once: the same callback again is refused', async () => {
    const callback = await signInWindow(relay, ME.owner);
    expect((await finish(relay, callback)).status).toBe(200);
    const again = await finish(relay, callback);
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('SIGN_IN_ALREADY_USED');
  });

  it('refuses a callback for a sign-in it never began', async () => {
    const res = await finish(relay, `${REDIRECT}?code=stolen&state=${randomBytes(16).toString('base64url')}`);
    expect((await errorOf(res)).code).toBe('SIGN_IN_UNKNOWN');
  });

  it.each([
    [
      'from another issuer',
      (c: Record<string, unknown>) => ({ ...c, iss: 'https://login.microsoftonline.com/00000000-0000-4000-8000-000000000000/v2.0' }),
      {},
      /"iss"/,
    ],
    ['for another audience', (c: Record<string, unknown>) => ({ ...c, aud: 'another-app' }), {}, /"aud"/],
    ['that has expired', (c: Record<string, unknown>) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 3600 }), {}, /"exp"/],
    ["with another sign-in's nonce", (c: Record<string, unknown>) => ({ ...c, nonce: 'a-nonce-from-an-earlier-sign-in' }), {}, /"nonce"/],
    ['signed with a key the provider never published', (c: Record<string, unknown>) => c, { foreignKey: true }, /signature/i],
    ['naming a higher role the provider never gave', (c: Record<string, unknown>) => ({ ...c, groups: [OWNERS] }), { foreignKey: true }, /signature/i],
  ])('refuses an ID token %s, signs nobody in, and audits it', async (_case, change, options, reason) => {
    const callback = await signInWindow(relay, ME.viewer);
    idp.tamperNextIdToken(change, options);
    const res = await finish(relay, callback);
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error.code).toBe('SIGN_IN_ID_TOKEN_INVALID');
    expect(error.message).toMatch(reason);
    expect((await audit(relay)).find((e) => e.action === 'admin.sign-in-failed')).toMatchObject({ details: { code: 'SIGN_IN_ID_TOKEN_INVALID' } });
  });

  it('refuses a tampered session, and a session signed out or revoked by an owner, saying which', async () => {
    const owner = await signIn(relay, ME.owner);
    const viewer = await signIn(relay, ME.viewer);
    const tampered = `${viewer.session.slice(0, -1)}${viewer.session.endsWith('A') ? 'B' : 'A'}`;
    const forged = await relay.call('GET', '/api/v1/status', undefined, { token: tampered });
    expect(forged.status).toBe(401);
    expect((await errorOf(forged)).message).toBe('The bearer token is not one this relay issued.');

    const sessions = (await (await relay.call('GET', '/api/v1/sessions', undefined, { token: owner.session })).json()) as {
      sessions: { id: number; name: string }[];
    };
    const viewerSession = sessions.sessions.find((s) => s.name === ME.viewer)!;
    expect((await relay.call('DELETE', `/api/v1/sessions/${viewerSession.id}`, undefined, { token: owner.session })).status).toBe(204);
    const revoked = await relay.call('GET', '/api/v1/status', undefined, { token: viewer.session });
    expect(revoked.status).toBe(401);
    expect((await errorOf(revoked)).message).toBe(`${ME.viewer}'s session was revoked: sign in again.`);

    expect((await relay.call('DELETE', '/api/v1/session', undefined, { token: owner.session })).status).toBe(204);
    expect((await relay.call('GET', '/api/v1/status', undefined, { token: owner.session })).status).toBe(401);
    const entries = await audit(relay);
    expect(entries.filter((e) => e.action === 'auth.refused').map((e) => e.details.reason)).toEqual(
      expect.arrayContaining([`${ME.owner}'s session was revoked: sign in again.`, `${ME.viewer}'s session was revoked: sign in again.`]),
    );
    expect(entries.find((e) => e.action === 'session.revoked')).toMatchObject({ actor: ME.owner, details: { admin: ME.viewer } });
    expect(entries.find((e) => e.action === 'admin.signed-out')).toMatchObject({ actor: ME.owner });
  });

  it('ends a session after 8 hours', async () => {
    const owner = await signIn(relay, ME.owner);
    clock += 8 * 3_600_000 + 1;
    try {
      const res = await relay.call('GET', '/api/v1/status', undefined, { token: owner.session });
      expect((await errorOf(res)).message).toBe(`${ME.owner}'s session has expired: sign in again.`);
    } finally {
      clock -= 8 * 3_600_000 + 1;
    }
  });

  it('throttles a client whose sign-ins keep failing, as wrong tokens are', async () => {
    let last: Response | null = null;
    for (let i = 0; i < 40 && last?.status !== 429; i++) last = await finish(relay, `${REDIRECT}?code=x&state=guess${i}`);
    expect(last?.status).toBe(429);
    expect((await errorOf(last!)).code).toBe('AUTH_THROTTLED');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('what owners are told', () => {
  it('mails the owners when who gets which role changes, when an admin signs in with another role, and when a token is made', async () => {
    const { relay, smtp } = await createAlertingRelay({ recipients: ['it@contoso.example'] });
    const mail = async (n: number) => {
      await expect.poll(() => smtp.received.length).toBe(n);
      return decoded(smtp.received[n - 1]!.raw);
    };
    try {
      await relay.call('PUT', '/api/v1/identity', { ...identity(), owners: [ME.owner] });
      expect(await mail(1)).toContain('admin token changed the owners, operators or viewers lists');
      expect(smtp.received[0]!.to).toEqual([ME.owner]);

      await signIn(relay, ME.owner);
      expect(await mail(2)).toContain(`${ME.owner} signed in as owner, for the first time`);
      await signIn(relay, ME.owner);

      await relay.call('POST', '/api/v1/tokens', { name: 'grafana', role: 'viewer', expiresInDays: 30 });
      expect(await mail(3)).toContain('made the API token "grafana" (viewer');
      expect(smtp.received).toHaveLength(3);
    } finally {
      await Promise.all([relay.close(), smtp.close()]);
    }
  });
});
