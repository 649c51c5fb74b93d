import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiter } from '../domain/rate-limit';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { AccessTokens, Role } from '../storage/access-tokens';
import { ApiError } from './api-error';

/**
 * Wrong tokens an address may send: 30 at once, then 60 an hour. A real admin mistyping or a browser with an old
 * enrollment token stays far below; guessing a 256-bit token gains nothing anyway, but each attempt costs a hash and a
 * log line, and a flood of them hides what matters.
 */
export function createAuthThrottle(deps: { logger: Logger; metrics: Pick<Metrics, 'authFailures' | 'authThrottled'>; now?: () => number }) {
  const failures = new RateLimiter(30, 60);
  const now = deps.now ?? Date.now;
  return {
    /** Milliseconds this address must wait before its token is even looked at. */
    wait: (address: string) => failures.wait(address, now()),
    failed(address: string, role: Role, requestId: string): void {
      deps.metrics.authFailures.inc({ role });
      failures.take(address, now());
      // Logged once, when the bucket empties; what follows is counted by authThrottled.
      if (failures.wait(address, now()) > 0) deps.logger.warn({ requestId, address, role }, 'wrong bearer tokens from this address: throttled');
    },
    throttled: () => deps.metrics.authThrottled.inc(),
  };
}
export type AuthThrottle = ReturnType<typeof createAuthThrottle>;

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(c: Context): string | undefined {
  return /^Bearer ([\x21-\x7e]+)$/.exec(c.req.header('Authorization') ?? '')?.[1];
}

/** The client's address as the socket saw it (behind a reverse proxy: the proxy's). */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * Requires `Authorization: Bearer <token>` for the role; the token is compared by hash in constant time. An address
 * that keeps sending wrong tokens gets 429 with Retry-After before its token is looked at.
 */
export function requireToken(tokens: AccessTokens, role: Role, throttle?: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const address = clientAddress(c);
    const wait = throttle?.wait(address) ?? 0;
    if (wait > 0) {
      throttle!.throttled();
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new ApiError('AUTH_THROTTLED');
    }
    const token = bearerToken(c);
    if (!token || !tokens.verify(role, token)) {
      throttle?.failed(address, role, c.get('requestId') as string);
      throw new ApiError('UNAUTHORIZED', { message: `A valid ${role} bearer token is required.` });
    }
    await next();
  };
}
