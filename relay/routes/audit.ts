import { Hono } from 'hono';
import * as v from 'valibot';
import type { AuditAnswer } from '../../shared/api';
import type { AppDeps, AppEnv } from '../app';
import { ApiError } from '../http/api-error';

const Query = v.object({ limit: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}$/, 'limit must be a whole number up to 1000.'), v.transform(Number), v.maxValue(1000, 'limit must be at most 1000.')), '50') });

export function auditRoutes(deps: Pick<AppDeps, 'audit'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/audit', (c) => {
    const result = v.safeParse(Query, c.req.query());
    if (!result.success) throw ApiError.validation(result.issues.map((i) => ({ field: v.getDotPath(i) ?? 'limit', message: i.message })));
    return c.json({ entries: deps.audit.list(Number(result.output.limit)) } satisfies AuditAnswer);
  });
  return routes;
}
