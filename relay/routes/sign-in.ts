import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import * as oauth from 'oauth4webapi';
import * as v from 'valibot';
import type { ApiTokenView } from '../../shared/api';
import { IdentityInput, type IdentityView, type SignedInAnswer } from '../../shared/identity';
import { AuthorizeInput, CallbackInput, type AuthorizeAnswer } from '../../shared/oauth';
import type { AppDeps, AppEnv } from '../deps';
import { isAllowedRedirectUrl } from '../domain/consent';
import { RateLimiter } from '../domain/rate-limit';
import { checkSignInCallback, decideRole, SESSION_TTL_MS, SIGN_IN_TTL_MS } from '../domain/sign-in';
import { ApiError, parseBody } from '../http/api-error';
import { auditBy, clientAddress, throttleFirst } from '../http/auth';

type Deps = Pick<
  AppDeps,
  | 'identity'
  | 'oidc'
  | 'apiTokens'
  | 'audit'
  | 'authThrottle'
  | 'refusalAudit'
  | 'notifyOwners'
  | 'behindProxy'
  | 'extensionOrigins'
  | 'oauthRedirectUrls'
  | 'logger'
  | 'now'
>;

const SessionId = v.pipe(v.string(), v.regex(/^\d{1,12}$/), v.transform(Number));

/**
 * Admins sign in with the company's identity provider (docs/architecture.md, flow 8): the popup asks for an
 * authorization URL, opens it with launchWebAuthFlow, and hands back the URL the window ended on; the relay redeems the
 * code, validates the ID token, decides the role and answers a session of its own. Both steps are open to anyone, so
 * each is bounded: sign-ins begun per address and in all (storage/identity.ts), and failures throttled per address as
 * wrong tokens are, and audited.
 */
export function signInRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = () => (deps.now ?? Date.now)();
  // An admin signs in a few times a day; behind one NAT, a whole IT department's worth fits in 20 at once and 120 an hour.
  const begun = new RateLimiter(20, 120);
  const source = (c: Context<AppEnv>) => clientAddress(c, deps.behindProxy);

  const configured = async () => {
    const config = await deps.identity.config();
    if (!config) throw new ApiError('SIGN_IN_NOT_CONFIGURED');
    return config;
  };

  routes.post('/sign-in/start', async (c) => {
    throttleFirst(c, 'sign-in', deps.authThrottle);
    const wait = begun.take(source(c), now());
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new ApiError('SIGN_IN_BUSY');
    }
    const { redirectUrl } = await parseBody(c, AuthorizeInput);
    const config = await configured();
    if (!isAllowedRedirectUrl(redirectUrl, deps.extensionOrigins, deps.oauthRedirectUrls)) {
      throw new ApiError('OAUTH_REDIRECT_URL_NOT_ALLOWED', { field: 'redirectUrl' });
    }
    const pending = {
      state: oauth.generateRandomState(),
      nonce: oauth.generateRandomNonce(),
      codeVerifier: oauth.generateRandomCodeVerifier(),
      redirectUri: redirectUrl,
      expiresAt: now() + SIGN_IN_TTL_MS,
    };
    const authorizationUrl = await deps.oidc.authorizationUrl(config, pending);
    if (!(await deps.identity.begin(pending, now()))) throw new ApiError('SIGN_IN_BUSY', { message: 'Too many sign-ins are in progress on this relay.' });
    return c.json({ authorizationUrl, expiresAt: new Date(pending.expiresAt).toISOString() } satisfies AuthorizeAnswer);
  });

  routes.post('/sign-in/finish', async (c) => {
    throttleFirst(c, 'sign-in', deps.authThrottle);
    const { callbackUrl } = await parseBody(c, CallbackInput);
    const by = { requestId: c.get('requestId'), source: source(c) };
    try {
      const config = await configured();
      const url = new URL(callbackUrl);
      const state = url.searchParams.get('state') ?? '';
      const check = checkSignInCallback(state ? await deps.identity.pending(state) : null, url, now());
      if (!check.ok) throw new ApiError(check.code, { ...(check.field ? { field: check.field } : {}), ...(check.message ? { message: check.message } : {}) });
      // Claimed before the code goes out: the same answer presented twice, even at once, is redeemed once.
      const claim = await deps.identity.claim(state);
      if (!claim) throw new ApiError('SIGN_IN_ALREADY_USED');
      const claims = await deps.oidc.redeem(config, await deps.identity.clientSecret(), { callbackUrl: url, state, ...claim });
      const decision = decideRole(config, claims);
      if (!decision.ok) throw new ApiError(decision.code, { message: decision.message });

      const subject = `${config.issuer} ${claims.sub}`;
      const before = await deps.apiTokens.lastRole(subject);
      const { token, view } = await deps.apiTokens.create(
        { name: decision.name, role: decision.role, expiresAt: now() + SESSION_TTL_MS, createdBy: 'sign-in', kind: 'session', subject },
        now(),
      );
      const admin = { ...by, actor: decision.name, role: decision.role };
      await deps.audit.record('admin.signed-in', { session: view.id, issuer: config.issuer }, admin);
      if (before !== decision.role) {
        await deps.audit.record('admin.role-changed', { admin: decision.name, from: before, to: decision.role }, admin);
        deps.notifyOwners({
          subject: before ? `${decision.role} role for an admin who was ${before}` : `a new admin signed in as ${decision.role}`,
          lines: [`${decision.name} signed in as ${decision.role}${before ? ` (was ${before})` : ', for the first time'}, from ${by.source}.`],
        });
      }
      return c.json({ session: token, name: decision.name, role: decision.role, expiresAt: view.expiresAt } satisfies SignedInAnswer);
    } catch (err) {
      if (err instanceof ApiError) {
        deps.authThrottle.failed(c, 'sign-in');
        await deps.refusalAudit('admin.sign-in-failed', { code: err.code, reason: err.message }, by);
      }
      throw err;
    }
  });

  return routes;
}

/** Behind the admin door: signing out, the sessions open (owners end them), and the identity settings (owners). */
export function identityRoutes(deps: Pick<Deps, 'identity' | 'apiTokens' | 'audit' | 'notifyOwners' | 'now'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = () => (deps.now ?? Date.now)();

  /** Signs the session making the request out; other credentials are not the caller's to end this way. */
  routes.delete('/session', async (c) => {
    const principal = c.get('principal')!;
    if (principal.kind !== 'session' || principal.tokenId === undefined) {
      throw new ApiError('NOT_FOUND', { message: 'This request is not made with a session: only a signed-in admin signs out.' });
    }
    await deps.apiTokens.revoke('session', principal.tokenId, now());
    await deps.audit.record('admin.signed-out', { session: principal.tokenId }, auditBy(c));
    return c.body(null, 204);
  });

  routes.get('/sessions', async (c) => c.json({ sessions: await deps.apiTokens.list('session', now()) } satisfies { sessions: ApiTokenView[] }));
  routes.delete('/sessions/:id', async (c) => {
    const id = v.safeParse(SessionId, c.req.param('id'));
    const revoked = id.success ? await deps.apiTokens.revoke('session', id.output, now()) : null;
    if (!revoked) throw new ApiError('NOT_FOUND', { message: 'No session has this id.' });
    await deps.audit.record('session.revoked', { session: revoked.id, admin: revoked.name, role: revoked.role }, auditBy(c));
    return c.body(null, 204);
  });

  routes.get('/identity', async (c) => c.json((await deps.identity.view()) satisfies IdentityView | null));
  routes.put('/identity', async (c) => {
    const input = await parseBody(c, IdentityInput);
    const before = await deps.identity.config();
    await deps.identity.save(input);
    const { clientSecret, ...config } = input;
    // What changed is recorded, never the secret: only whether it was replaced or cleared.
    await deps.audit.record(
      'identity.updated',
      { ...config, clientSecret: clientSecret === undefined ? 'kept' : clientSecret === null ? 'cleared' : 'replaced', fingerprint: fingerprint(before) },
      auditBy(c),
    );
    if (JSON.stringify(before && rolesOf(before)) !== JSON.stringify(rolesOf(config))) {
      deps.notifyOwners({
        subject: 'who gets which role changed',
        lines: [`${auditBy(c).actor ?? 'An owner'} changed the owners, operators or viewers lists.`],
      });
    }
    return c.json((await deps.identity.view())!);
  });

  return routes;
}

const rolesOf = (c: { owners: string[]; operators: string[]; viewers: string[]; roleClaim: string }) => [c.roleClaim, c.owners, c.operators, c.viewers];
/** The configuration before a change, as a short hash: enough to tell two entries apart, while the entry holds the new one whole. */
const fingerprint = (config: unknown) => (config ? createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12) : null);
