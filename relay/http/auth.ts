import type { MiddlewareHandler } from 'hono';
import type { AccessTokens, Role } from '../storage/access-tokens';
import { ApiError } from './api-error';

/** Requires `Authorization: Bearer <token>` for the role; the token is compared by hash in constant time. */
export function requireToken(tokens: AccessTokens, role: Role): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1] || !tokens.verify(role, match[1])) {
      throw new ApiError('UNAUTHORIZED', { message: `A valid ${role} bearer token is required.` });
    }
    await next();
  };
}
