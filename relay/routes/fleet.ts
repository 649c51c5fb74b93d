import { Hono, type Context, type MiddlewareHandler } from 'hono';
import * as v from 'valibot';
import { AlertPolicy, LEVELS } from '../../shared/alert-policy';
import type { AlertsAnswer, DevicesAnswer, ReportAnswer, RetryAnswer } from '../../shared/fleet';
import { ComplianceReport, SIGNATURE_HEADER, TIMESTAMP_HEADER, type DeviceKey } from '../../shared/report';
import type { AppDeps, AppEnv } from '../deps';
import { policyChanges } from '../domain/audit';
import { Episodes } from '../domain/episodes';
import { canonicalKey, checkReportSignature, type SignatureCheck } from '../domain/report-signature';
import { SignatureRefused } from '../storage/fleet-store';
import { ApiError, errorResponse, limitParam, parseBody, parseQuery } from '../http/api-error';
import { limitBody } from '../http/body-limit';

/** Reports are the one large body: 500 extensions with their permissions fit well inside. */
export const REPORT_BODY_LIMIT_BYTES = 512 * 1024;

const Listing = v.object({
  limit: limitParam(100),
  level: v.optional(v.picklist(LEVELS, `level must be one of ${LEVELS.join(', ')}.`)),
  state: v.optional(v.picklist(['pending', 'running', 'sent', 'pending_retry', 'failed'], 'state must be pending, running, sent, pending_retry or failed.')),
});

/**
 * Compliance reports from enrolled browsers (flow 5), behind the enrollment token and with their own, larger body limit:
 * app.ts mounts these before the admin token and the small body limit, which a route that answers never reaches.
 */
export function reportRoutes(
  deps: Pick<AppDeps, 'extension' | 'fleet' | 'policy' | 'worker' | 'reportLimiter' | 'logger' | 'metrics' | 'audit' | 'now'>,
  enrolled: MiddlewareHandler<AppEnv>,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;

  routes.post(
    '/reports',
    enrolled,
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
      // A device bound to a key speaks only with it; an unbound one binds itself with its first signed report. Checked
      // before the rate limit, so no one else can spend a real browser's allowance.
      const stored = await deps.fleet.deviceKey(report.deviceId);
      const key = stored ? (JSON.parse(stored) as DeviceKey) : (report.deviceKey ?? null);
      if (key) {
        const check = await checkReportSignature({ body: await c.req.text(), timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER), key, now: now() });
        if (check !== 'ok') throw signatureRefused(c, report.deviceId, check);
      }
      const wait = deps.reportLimiter.take(report.deviceId, now());
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED');
      }
      const { verdict, duplicate, alerted } = await deps.fleet.submit(report, deps.policy.get(), now(), key ? canonicalKey(key) : null).catch((err: unknown) => {
        throw err instanceof SignatureRefused ? signatureRefused(c, report.deviceId, 'invalid') : err;
      });
      if (alerted) deps.metrics.alertsEnqueued.inc();
      if (alerted) void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
      const extensionVersion = deps.extension?.servedVersion();
      return c.json({ reportId: report.reportId, ...verdict, duplicate, ...(extensionVersion ? { extensionVersion } : {}) } satisfies ReportAnswer, 202);
    },
  );

  /** Audited and logged once per episode: a flood of forged reports is counted, not written down one by one. */
  const forgeries = new Episodes(10 * 60_000);
  function signatureRefused(c: Context<AppEnv>, deviceId: string, check: Exclude<SignatureCheck, 'ok'>): ApiError {
    if (forgeries.begins(now())) {
      void Promise.resolve(deps.audit.record('device.signature-refused', { deviceId, reason: check }, c.get('requestId'))).catch((err: unknown) =>
        deps.logger.error({ err }, 'audit entry not written'),
      );
      deps.logger.warn({ requestId: c.get('requestId'), deviceId, reason: check }, 'report refused: not signed with its device\'s key');
    }
    const why = { missing: 'is not signed', stale: 'is signed at a time too far from the relay\'s', invalid: 'is not signed with the key its device registered' }[check];
    return new ApiError('DEVICE_SIGNATURE_INVALID', { message: `The report ${why}.` });
  }

  return routes;
}

/** Devices, alerts and the alert policy, for admins. */
export function fleetRoutes(deps: Pick<AppDeps, 'extension' | 'fleet' | 'outbox' | 'policy' | 'worker' | 'reportLimiter' | 'logger' | 'metrics' | 'audit' | 'retention' | 'now'>): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;

  /** An admin forgets a device: a retired browser, or one invented to move the fleet's newest version. */
  routes.delete('/devices/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await deps.fleet.forget(id))) throw new ApiError('DEVICE_NOT_FOUND', { field: 'id', message: `There is no device ${id}.` });
    await deps.audit.record('device.forgotten', { deviceId: id }, c.get('requestId'));
    return c.body(null, 204);
  });

  /** An admin forgets a device's key (a reinstalled browser): its next signed report binds the device again. */
  routes.delete('/devices/:id/key', async (c) => {
    const id = c.req.param('id');
    if (!(await deps.fleet.resetKey(id))) throw new ApiError('DEVICE_NOT_FOUND', { field: 'id', message: `There is no device ${id}.` });
    await deps.audit.record('device.key-reset', { deviceId: id }, c.get('requestId'));
    return c.body(null, 204);
  });

  routes.get('/devices', async (c) => {
    const { limit, level } = parseQuery(c, Listing);
    const [counts, devices] = await Promise.all([deps.fleet.counts(), deps.fleet.devices(limit, level, now() - deps.retention.deviceStaleMs)]);
    return c.json({ counts, devices } satisfies DevicesAnswer);
  });

  routes.get('/alerts', async (c) => {
    const { limit, state } = parseQuery(c, Listing);
    return c.json({ alerts: await deps.outbox.list(limit, state) } satisfies AlertsAnswer);
  });

  /** An admin sends failed alerts again (after fixing what failed them): they join the next mail. */
  routes.post('/alerts/retry', async (c) => {
    const retried = await deps.outbox.retryFailed(now());
    if (retried > 0) {
      await deps.audit.record('alerts.retried', { alerts: retried }, c.get('requestId'));
      void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    }
    return c.json({ retried } satisfies RetryAnswer);
  });

  routes.get('/alert-policy', (c) => c.json(deps.policy.get()));

  routes.put('/alert-policy', async (c) => {
    const policy = await parseBody(c, AlertPolicy);
    const changes = policyChanges(deps.policy.get(), policy);
    await deps.policy.save(policy);
    await deps.audit.record('alert-policy.updated', changes, c.get('requestId'));
    // Recipients may just have been added to alerts that waited for them, or a refused one corrected.
    void deps.worker.resume().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    return c.json(deps.policy.get());
  });

  return routes;
}
