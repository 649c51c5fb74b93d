import { Hono } from 'hono';
import * as v from 'valibot';
import type { AuditAnswer } from '../../shared/api';
import type { AppDeps, AppEnv } from '../deps';
import { limitParam, parseQuery } from '../http/api-error';

const Query = v.object({ limit: limitParam(50) });

export function auditRoutes(deps: Pick<AppDeps, 'audit'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/audit', async (c) => c.json({ entries: await deps.audit.list(parseQuery(c, Query).limit) } satisfies AuditAnswer));
  return routes;
}
