import { Hono } from 'hono';
import * as v from 'valibot';
import { AlertPolicy, LEVELS } from '../../shared/alert-policy';
import type { AlertsAnswer, DevicesAnswer, ReportAnswer, RetryAnswer } from '../../shared/fleet';
import { ComplianceReport } from '../../shared/report';
import type { AppDeps, AppEnv } from '../app';
import { policyChanges } from '../domain/audit';
import { ApiError, errorResponse, limitParam, parseBody, parseQuery } from '../http/api-error';
import { limitBody } from '../http/body-limit';

/** Reports are the one large body: 500 extensions with their permissions fit well inside. */
export const REPORT_BODY_LIMIT_BYTES = 512 * 1024;

const Listing = v.object({
  limit: limitParam(100),
  level: v.optional(v.picklist(LEVELS, `level must be one of ${LEVELS.join(', ')}.`)),
  state: v.optional(v.picklist(['pending', 'running', 'sent', 'pending_retry', 'failed'], 'state must be pending, running, sent, pending_retry or failed.')),
});

/** Compliance reports from enrolled browsers (flow 5); devices, alerts and the alert policy for admins. */
export function fleetRoutes(deps: Pick<AppDeps, 'fleet' | 'outbox' | 'policy' | 'worker' | 'reportLimiter' | 'logger' | 'metrics' | 'audit' | 'retention' | 'now'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;

  routes.post(
    '/reports',
    async (c, next) => {
      await next();
      if (c.res.status === 202) deps.metrics.reportsReceived.inc();
      else deps.metrics.reportsRefused.inc({ status: String(c.res.status) });
    },
    limitBody(REPORT_BODY_LIMIT_BYTES, (c) =>
      errorResponse(c, new ApiError('BODY_TOO_LARGE', { message: `The report is larger than ${REPORT_BODY_LIMIT_BYTES / 1024} KB.` })),
    ),
    async (c) => {
      const report = await parseBody(c, ComplianceReport);
      const wait = deps.reportLimiter.take(report.deviceId, now());
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED');
      }
      const { verdict, duplicate, alerted } = await deps.fleet.submit(report, deps.policy.get(), now());
      if (alerted) deps.metrics.alertsEnqueued.inc();
      if (alerted) void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
      return c.json({ reportId: report.reportId, ...verdict, duplicate } satisfies ReportAnswer, 202);
    },
  );

  routes.get('/devices', (c) => {
    const { limit, level } = parseQuery(c, Listing);
    return c.json({ counts: deps.fleet.counts(), devices: deps.fleet.devices(limit, level, now() - deps.retention.deviceStaleMs) } satisfies DevicesAnswer);
  });

  routes.get('/alerts', (c) => {
    const { limit, state } = parseQuery(c, Listing);
    return c.json({ alerts: deps.outbox.list(limit, state) } satisfies AlertsAnswer);
  });

  /** An admin sends failed alerts again (after fixing what failed them): they join the next mail. */
  routes.post('/alerts/retry', (c) => {
    const retried = deps.outbox.retryFailed(now());
    if (retried > 0) {
      deps.audit.record('alerts.retried', { alerts: retried }, c.get('requestId'));
      void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    }
    return c.json({ retried } satisfies RetryAnswer);
  });

  routes.get('/alert-policy', (c) => c.json(deps.policy.get()));

  routes.put('/alert-policy', async (c) => {
    const policy = await parseBody(c, AlertPolicy);
    deps.audit.record('alert-policy.updated', policyChanges(deps.policy.get(), policy), c.get('requestId'));
    deps.policy.save(policy);
    // Recipients may just have been added to alerts that waited for them.
    void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    return c.json(deps.policy.get());
  });

  return routes;
}
