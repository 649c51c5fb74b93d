import type { MiddlewareHandler } from 'hono';
import { ApiError, errorResponse } from './api-error';

/**
 * Answers only the host names the relay serves (RFC 9110 §15.5.20, 421). A page on the relay's own machine can point a
 * name it controls at 127.0.0.1 (DNS rebinding) and read whatever answers; with this, only the relay's own names get
 * an answer. `null` serves any name: a relay bound to every address with no public URL does not know its names.
 */
export function allowHosts(allowed: readonly string[] | null): MiddlewareHandler {
  if (!allowed) return (_c, next) => next();
  const names = new Set(allowed.map((h) => h.toLowerCase()));
  return async (c, next) => {
    const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    if (!names.has(name)) return errorResponse(c, new ApiError('HOST_NOT_ALLOWED'));
    await next();
  };
}
