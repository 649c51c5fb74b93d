import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiter } from '../domain/rate-limit';
import { grants, type AdminRole } from '../../shared/roles';
import { oneLine } from '../../shared/text';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AccessTokens, Role } from '../storage/access-tokens';
import type { ApiTokens, Principal } from '../storage/api-tokens';
import type { AuditBy, AuditLog } from '../storage/audit-log';
import { ApiError } from './api-error';
import type { AppEnv } from './env';

/**
 * Wrong tokens a client may send for one role: 30 at once, then 60 an hour. A real admin mistyping or a browser with an
 * old enrollment token stays far below; guessing a 256-bit token gains nothing anyway, but each attempt costs a hash and
 * a log line, and a flood of them hides what matters. Only wrong tokens are ever held back: a request with a valid
 * token is answered whatever its address sent before, since behind a reverse proxy or an office NAT one address is the
 * whole fleet and every admin. Behind a TLS proxy (`--behind-tls-proxy`), the client is the address that proxy put
 * last in X-Forwarded-For.
 */
export function createAuthThrottle(deps: {
  logger: Logger;
  metrics: Pick<Metrics, 'authFailures' | 'authThrottled'>;
  behindProxy?: boolean;
  now?: () => number;
}) {
  const failures = new RateLimiter(30, 60);
  const now = deps.now ?? Date.now;
  const bucket = (c: Context, role: Door) => `${role} ${clientAddress(c, deps.behindProxy ?? false)}`;
  return {
    /** Milliseconds this client must wait before another wrong token for `role` is even answered 401. */
    wait: (c: Context, role: Door) => failures.wait(bucket(c, role), now()),
    failed(c: Context, role: Door): void {
      deps.metrics.authFailures.inc({ role });
      const key = bucket(c, role);
      failures.take(key, now());
      // Logged once, when the bucket empties; what follows is counted by authThrottled.
      if (failures.wait(key, now()) > 0)
        deps.logger.warn({ requestId: c.get('requestId') as string, client: key, role }, 'wrong bearer tokens from this client: throttled');
    },
    throttled: () => deps.metrics.authThrottled.inc(),
  };
}
export type AuthThrottle = ReturnType<typeof createAuthThrottle>;
/** What a client is throttled at: a token's role, or signing in (failed sign-ins count like wrong tokens). */
type Door = Role | 'sign-in';

/**
 * Audits refused admin requests (a wrong, revoked or expired token, a tampered session, a role too low) and failed
 * sign-ins: 100 entries at once, then 600 an hour across all clients, so that no flood of them, from however many
 * addresses, grows the audit log without bound; what is left out is logged once per flood.
 */
export function createRefusalAudit(deps: { audit: Pick<AuditLog, 'record'>; logger: Logger; now?: () => number }) {
  const budget = new RateLimiter(100, 600);
  const now = deps.now ?? Date.now;
  let silenced = false;
  /** Written before the refusal is answered, so that whoever was refused can read it in the log at once. */
  return async (action: 'auth.refused' | 'admin.sign-in-failed', details: Record<string, unknown>, by: AuditBy): Promise<void> => {
    if (budget.take('all', now()) > 0) {
      if (!silenced) deps.logger.warn({ requestId: by.requestId }, 'refused admin requests arrive faster than audited: the rest of this flood is only logged');
      silenced = true;
      return;
    }
    silenced = false;
    await deps.audit.record(action, details, by).catch((err: unknown) => deps.logger.error({ err }, 'audit entry not written'));
  };
}
export type RefusalAudit = ReturnType<typeof createRefusalAudit>;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(c: Context): string | undefined {
  return /^Bearer ([\x21-\x7e]+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
}

/**
 * The client's address: as the socket saw it, or behind a reverse proxy the last X-Forwarded-For entry, the one the
 * proxy itself appended (what the client sent precedes it and is not trusted).
 */
export function clientAddress(c: Context, behindProxy = false): string {
  if (behindProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded && isIP(forwarded)) return forwarded;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Requires `Authorization: Bearer <token>` for the role; the token is compared by hash in constant time, which costs
 * less than the throttle's bookkeeping, so it is checked first. A client that keeps sending wrong tokens gets 429 with
 * Retry-After instead of 401 for them; its valid tokens still pass.
 */
export function requireToken(tokens: AccessTokens, role: Role, throttle?: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const token = bearerToken(c);
    if (token && tokens.verify(role, token)) return next();
    refuse(c, role, throttle, `A valid ${role} bearer token is required.`);
  };
}

/** A request without a valid token: 401, or 429 with Retry-After once its client has sent too many wrong ones. */
function refuse(c: Context, role: Role, throttle: AuthThrottle | undefined, message: string | (() => Promise<string>)): never | Promise<never> {
  throttleFirst(c, role, throttle);
  throttle?.failed(c, role);
  if (typeof message === 'string') throw new ApiError('UNAUTHORIZED', { message });
  return message().then((m) => {
    throw new ApiError('UNAUTHORIZED', { message: m });
  });
}

/** Answers 429 with Retry-After, without looking further, to a client that has failed too often at this door. */
export function throttleFirst(c: Context, door: Door, throttle: AuthThrottle | undefined): void {
  const wait = throttle?.wait(c, door) ?? 0;
  if (wait > 0) {
    throttle!.throttled();
    c.header('Retry-After', String(Math.ceil(wait / 1000)));
    throw new ApiError('AUTH_THROTTLED');
  }
}

/** The break-glass admin token: an owner, so that the relay can be managed even when no named token works. */
export const BREAK_GLASS: Principal = { name: 'admin token', role: 'owner' };

/**
 * The admin routes' door: the break-glass admin token, a named API token or a session says who asks (401, throttled
 * as above, when none does), and the role the route needs (`roleFor`, from the one table in routes/openapi.ts) says
 * whether they may (403 ROLE_TOO_LOW naming both roles). Both refusals are audited (`refused`); only the first counts
 * for the throttle, since whoever is refused a role has already proved who they are. Who asked is kept for the route
 * and the audit log.
 */
export function requireAdmin(o: {
  tokens: AccessTokens;
  apiTokens: ApiTokens;
  roleFor: (method: string, path: string) => AdminRole;
  throttle?: AuthThrottle;
  refused?: RefusalAudit;
  behindProxy?: boolean;
  now?: () => number;
}): MiddlewareHandler<AppEnv> {
  const now = o.now ?? Date.now;
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const token = bearerToken(c);
    const principal = token === undefined ? null : o.tokens.verify('admin', token) ? BREAK_GLASS : await o.apiTokens.principal(token, now());
    const source = clientAddress(c, o.behindProxy ?? false);
    // The path is the client's: on one line and bounded before it reaches the audit log.
    const request = `${c.req.method} ${oneLine(c.req.path).slice(0, 200)}`;
    if (!principal) {
      return refuse(c, 'admin', o.throttle, async () => {
        const why = token === undefined ? 'A valid admin or API bearer token is required.' : await o.apiTokens.whyRefused(token, now());
        await o.refused?.('auth.refused', { request, reason: why }, { requestId: c.get('requestId'), source });
        return why;
      });
    }
    const needed = o.roleFor(c.req.method, c.req.path);
    if (!grants(principal.role, needed)) {
      const message = `${principal.name} is a ${principal.role}; ${request} needs ${needed}.`;
      await o.refused?.('auth.refused', { request, reason: message }, { requestId: c.get('requestId'), actor: principal.name, role: principal.role, source });
      throw new ApiError('ROLE_TOO_LOW', { message });
    }
    c.set('principal', { ...principal, source });
    return next();
  };
}

/** What the audit log keeps of an admin request: its id, who asked, with which role, from which address. */
export function auditBy(c: Context<AppEnv>): AuditBy {
  const p = c.get('principal');
  return { requestId: c.get('requestId'), ...(p ? { actor: p.name, role: p.role, source: p.source } : {}) };
}
