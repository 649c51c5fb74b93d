import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';

/** Access-log lines for refused requests (4xx) at most this often: a flood of them is counted, not written line by line. */
export const REFUSED_LOG_INTERVAL_MS = 1_000;

/**
 * One access-log line per request that was served, or failed on the relay's side (5xx); a refused one (4xx) is counted
 * by status in `guardmail_http_refused_total` and logged at most once per REFUSED_LOG_INTERVAL_MS, with how many were
 * left out since the last line. Anyone can send requests the relay refuses: without the sampling, 17,000 of them were
 * 17,000 lines.
 */
export function accessLog(deps: { logger: Logger; metrics: Pick<Metrics, 'requestsRefused'>; now?: () => number }): MiddlewareHandler {
  const now = deps.now ?? Date.now;
  let lastRefusedLine = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    const line = { requestId: c.get('requestId') as string, method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) };
    if (status < 400 || status >= 500) return deps.logger.info(line, 'request');
    deps.metrics.requestsRefused.inc({ status: String(status) });
    const at = now();
    if (at - lastRefusedLine < REFUSED_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    lastRefusedLine = at;
    deps.logger.info({ ...line, refusedSinceLastLine: unlogged }, 'request refused');
    unlogged = 0;
  };
}
