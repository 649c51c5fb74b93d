import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Hono's bodyLimit, with a fast path: a body announced by Content-Length is judged by that header alone. Hono's
 * middleware touches the request body first, which makes @hono/node-server build a full web Request for every report
 * (a third of the ingest cost); a chunked body still goes through it, counted as it streams.
 */
export function limitBody(maxSize: number, onError: (c: Context) => Response): MiddlewareHandler {
  const streaming = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) return Number(length) > maxSize ? onError(c) : next();
    return streaming(c, next);
  };
}
