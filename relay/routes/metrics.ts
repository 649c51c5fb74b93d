import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { isLoopbackHost } from '../../shared/mail-settings';
import type { AppDeps, AppEnv } from '../deps';
import { ApiError } from '../http/api-error';

/** Prometheus text format, for scrapers on this machine only (put a reverse proxy's /metrics behind a deny rule). */
export function metricsRoutes(deps: Pick<AppDeps, 'metrics'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/metrics', async (c) => {
    let remote: string;
    try {
      remote = getConnInfo(c).remote.address ?? '';
    } catch {
      remote = '127.0.0.1'; // in-process requests (tests) have no socket
    }
    if (!isLoopbackHost(remote.replace(/^::ffff:/, ''))) throw new ApiError('NOT_FOUND');
    c.header('Content-Type', deps.metrics.contentType);
    c.header('Cache-Control', 'no-store');
    return c.body(await deps.metrics.render());
  });
  return routes;
}
