import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { stream } from 'hono/streaming';
import * as v from 'valibot';
import { AlertPolicy, LEVELS } from '../../shared/alert-policy';
import type { ExtensionsAnswer } from '../../shared/inventory';
import {
  DEVICE_SORTS,
  VERSION_FILTER,
  type AlertsAnswer,
  type DeviceCounts,
  type DeviceDetail,
  type DevicesAnswer,
  type RefusalReason,
  type ReportAnswer,
  type RetryAnswer,
} from '../../shared/fleet';
import { CHECKS } from '../../shared/checks/index';
import { EXTENSION_ID } from '../../shared/extension-id';
import { ComplianceReport, SIGNATURE_HEADER, TIMESTAMP_HEADER, type DeviceKey } from '../../shared/report';
import { relayErrors } from '../../shared/locales/en';
import type { AppDeps, AppEnv } from '../deps';
import { policyChanges } from '../domain/audit';
import { OncePerWindow } from '../domain/once-per-window';
import { RateLimiter } from '../domain/rate-limit';
import { canonicalKey, checkReportSignature, keyThumbprint } from '../domain/report-signature';
import { decodeCursor, deviceExtensions, findingRules, MAX_CURSOR_CHARS, type DeviceFilter, type Position } from '../domain/device-page';
import { csvLine } from '../domain/csv';
import { siblingId } from '../domain/report-order';
import { isRefused, ReplayRefused, ReportRejected, SignatureRefused } from '../domain/ingest';
import { ApiError, errorResponse, limitParam, parseBody, parseQuery } from '../http/api-error';
import { auditBy } from '../http/auth';
import { limitBody } from '../http/body-limit';

/** Reports are the one large body: 500 extensions with their permissions fit well inside. */
export const REPORT_BODY_LIMIT_BYTES = 512 * 1024;

/** A device's refused reports are written down at most this often per reason: the latest, not every one of a flood. */
export const REFUSAL_RECORD_MS = 60_000;

const AlertListing = v.object({
  limit: limitParam(100),
  state: v.optional(v.picklist(['pending', 'running', 'sent', 'pending_retry', 'failed'], 'state must be pending, running, sent, pending_retry or failed.')),
});

const optionalText = (field: string, max: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, `${field} must not be empty: leave it out to list every device.`),
      v.maxLength(max, `${field} must be at most ${max} characters.`),
    ),
  );

/** GET /devices's filters (shared/fleet.ts DEVICE_FILTERS), each bounded; the export takes the same. */
const DeviceFilters = {
  level: v.optional(
    v.pipe(
      v.string(),
      v.transform((list) => list.split(',')),
      v.array(v.picklist(LEVELS, `level must be one or more of ${LEVELS.join(', ')}, separated by commas.`)),
    ),
  ),
  browser: optionalText('browser', 64),
  version: v.optional(v.pipe(v.string(), v.regex(VERSION_FILTER, 'version must look like 131 or 131.0.6778.85.'))),
  os: optionalText('os', 64),
  check: v.optional(
    v.picklist(
      CHECKS.map((c) => c.id),
      `check must be one of ${CHECKS.map((c) => c.id).join(', ')}.`,
    ),
  ),
  subject: optionalText('subject', 200),
  extension: v.optional(v.pipe(v.string(), v.regex(EXTENSION_ID, 'extension must be an extension id.'))),
  stopped: v.optional(v.picklist(['true', 'false'], 'stopped must be true or false.')),
  q: optionalText('q', 100),
};

const DeviceListing = v.object({
  ...DeviceFilters,
  limit: limitParam(100),
  sort: v.optional(v.picklist(DEVICE_SORTS, `sort must be one of ${DEVICE_SORTS.join(', ')}.`), 'risk'),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(MAX_CURSOR_CHARS, 'cursor must be the next of a page: start again without it.'))),
});

/** The filters as the store takes them. */
function deviceFilter(q: v.InferOutput<v.ObjectSchema<typeof DeviceFilters, undefined>>): DeviceFilter {
  if (q.subject !== undefined && q.check === undefined)
    throw ApiError.validation([{ field: 'subject', message: "subject needs check: a subject is the subject of one check's findings." }]);
  return {
    ...(q.level ? { levels: q.level } : {}),
    ...(q.browser !== undefined ? { browser: q.browser } : {}),
    ...(q.version !== undefined ? { version: q.version } : {}),
    ...(q.os !== undefined ? { os: q.os } : {}),
    ...(q.check !== undefined ? { check: q.check } : {}),
    ...(q.subject !== undefined ? { subject: q.subject } : {}),
    ...(q.extension !== undefined ? { extension: q.extension } : {}),
    ...(q.stopped !== undefined ? { stopped: q.stopped === 'true' } : {}),
    ...(q.q !== undefined ? { text: q.q } : {}),
  };
}

/** The CSV export's columns, and each device's values for them. */
const CSV_COLUMNS = ['id', 'label', 'level', 'browser', 'version', 'os', 'findings', 'checks', 'first_seen', 'last_seen', 'stopped_reporting'] as const;
/** Devices the export reads a page at a time: its memory stays one page whatever the fleet. */
const EXPORT_PAGE = 1000;
/** Alerts a device's detail lists. */
const DEVICE_ALERTS_SHOWN = 20;

const ExtensionListing = v.object({
  limit: limitParam(200),
  id: v.optional(v.pipe(v.string(), v.regex(EXTENSION_ID, 'id must be an extension id.'))),
});

/**
 * Compliance reports from enrolled browsers (flow 5), behind the enrollment token and with their own, larger body limit:
 * app.ts mounts these before the admin token and the small body limit, which a route that answers never reaches.
 */
export function reportRoutes(
  deps: Pick<AppDeps, 'extension' | 'fleet' | 'policy' | 'worker' | 'reportLimiter' | 'logger' | 'metrics' | 'audit' | 'storeWatch' | 'now'>,
  enrolled: MiddlewareHandler<AppEnv>,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;
  const refusals = new OncePerWindow(REFUSAL_RECORD_MS);
  // The audit log grows with each entry: refusals go into it at a bounded rate, the device's row holds the latest.
  const refusalAudits = new RateLimiter(60, 60);

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
      const received = await parseBody(c, ComplianceReport, { abortEarly: true });
      // Every report is signed by its browser's own key, which it carries. Checked before the rate limit, so that no
      // one else can spend a real browser's allowance.
      const signed = { body: await c.req.text(), timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER), now: now() };
      const check = received.deviceKey ? await checkReportSignature({ ...signed, key: received.deviceKey }) : 'missing';
      if (check !== 'ok') throw refused(c, received.deviceId, ({ missing: 'unsigned', stale: 'stale', invalid: 'invalid' } as const)[check]);
      // A device is its first key's: a report under its id signed by another key goes to that key's own device, which
      // the store decides with the device's row in its transaction (domain/report-order.ts).
      const thumbprint = keyThumbprint(received.deviceKey!);
      const signature = { key: canonicalKey(received.deviceKey!), at: Number(signed.timestamp), thumbprint };
      // A new device adds a row: not past the store's budget, whoever invents devices (domain/store-budget.ts).
      if (!deps.storeWatch.state.admitsNew && !(await deps.fleet.knows(received.deviceId, signature)))
        throw new ApiError('STORE_BUDGET_REACHED', { message: `${relayErrors.STORE_BUDGET_REACHED.message} (${deps.storeWatch.state.detail})` });
      // Each key has its own allowance under an id: another key's reports cannot spend the real browser's.
      const allowance = siblingId(received.deviceId, thumbprint);
      const wait = deps.reportLimiter.take(allowance, now());
      if (wait > 0) {
        c.header('Retry-After', String(Math.ceil(wait / 1000)));
        throw new ApiError('RATE_LIMITED');
      }
      const { verdict, duplicate, alerted, fleetAlerts } = await deps.fleet.submit(received, deps.policy.get(), now(), signature).catch((err: unknown) => {
        if (err instanceof ReplayRefused) throw refused(c, err.deviceId, 'replayed');
        // Only a key whose thumbprint's first 72 bits match the bound key's own: 2^72 tries (domain/report-order.ts).
        if (err instanceof SignatureRefused) throw new ApiError('DEVICE_SIGNATURE_INVALID', { message: "The report is not signed with its device's key." });
        // The store failed, not the report (the database away, the disk full): the browser sends it again for free.
        if (!(isRefused(err) || err instanceof ReportRejected)) deps.reportLimiter.give(allowance);
        throw err;
      });
      if (alerted) deps.metrics.alertsEnqueued.inc();
      if (fleetAlerts > 0) deps.metrics.alertsEnqueued.inc(fleetAlerts);
      if (alerted || fleetAlerts > 0) void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
      const extensionVersion = deps.extension?.servedVersion();
      return c.json({ reportId: received.reportId, ...verdict, duplicate, ...(extensionVersion ? { extensionVersion } : {}) } satisfies ReportAnswer, 202);
    },
  );

  /**
   * A refused report is kept on its device's row, by reason: the admin sees when each kind of refusal last happened,
   * so a flood of one kind (forged signatures) hides no other (a real browser's clock, a replay). Written at most once
   * per REFUSAL_RECORD_MS per device and reason (and, past OncePerWindow's bound, not at all until a window passes),
   * and audited with it, up to 60 entries an hour; a device id nobody registered gets nothing written: inventing ids
   * costs the relay a counter, not rows.
   */
  function refused(c: Context<AppEnv>, deviceId: string, reason: RefusalReason): ApiError {
    const at = now();
    if (refusals.admits(`${reason} ${deviceId}`, at)) {
      void (async () => {
        if (!(await deps.fleet.recordRefusal(deviceId, reason, at))) return;
        if (refusalAudits.take('audit', at) > 0) return;
        await deps.audit.record('device.report-refused', { deviceId, reason }, auditBy(c));
        deps.logger.warn({ requestId: c.get('requestId'), deviceId, reason }, 'report refused for a registered device');
      })().catch((err: unknown) => deps.logger.error({ err }, 'refused report not recorded'));
    }
    if (reason === 'replayed') return new ApiError('REPORT_REPLAYED');
    const why = {
      unsigned: 'is not signed with a key it carries',
      stale: "is signed at a time too far from the relay's",
      invalid: 'is not signed with the key it carries',
    }[reason];
    return new ApiError('DEVICE_SIGNATURE_INVALID', { message: `The report ${why}.` });
  }

  return routes;
}

/** Devices, alerts and the alert policy, for admins. */
export function fleetRoutes(
  deps: Pick<
    AppDeps,
    'stores' | 'publicUrl' | 'extension' | 'fleet' | 'outbox' | 'policy' | 'worker' | 'reportLimiter' | 'logger' | 'metrics' | 'audit' | 'retention' | 'now'
  >,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const now = deps.now ?? Date.now;

  /** An admin forgets a device: a retired browser, or one invented to move the fleet's newest version. */
  routes.delete('/devices/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await deps.fleet.forget(id))) throw new ApiError('DEVICE_NOT_FOUND', { field: 'id', message: `There is no device ${id}.` });
    await deps.audit.record('device.forgotten', { deviceId: id }, auditBy(c));
    return c.body(null, 204);
  });

  /** A page of the devices the filters match (shared/fleet.ts): the console's table and the popup's short list. */
  routes.get('/devices', async (c) => {
    const query = parseQuery(c, DeviceListing);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor, query.sort);
    if (query.cursor !== undefined && !after)
      throw ApiError.validation([{ field: 'cursor', message: `cursor must be the next of a page listed by ${query.sort}: start again without it.` }]);
    const answer = await deps.fleet.list({
      filter: deviceFilter(query),
      sort: query.sort,
      limit: query.limit,
      after,
      staleBefore: now() - deps.retention.deviceStaleMs,
    });
    return c.json(answer satisfies DevicesAnswer);
  });

  /** How many devices the filters match, per level: asked once per filter, beside the list's pages. */
  routes.get('/devices/counts', async (c) => {
    const filter = deviceFilter(parseQuery(c, v.object(DeviceFilters)));
    return c.json((await deps.fleet.count(filter, now() - deps.retention.deviceStaleMs)) satisfies DeviceCounts);
  });

  /** Every device the filters match, as CSV, a page at a time: what the console's table shows, for a spreadsheet. */
  routes.get('/devices/export', (c) => {
    const filter = deviceFilter(parseQuery(c, v.object(DeviceFilters)));
    const staleBefore = now() - deps.retention.deviceStaleMs;
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="guardmail-devices.csv"');
    return stream(
      c,
      async (out) => {
        await out.write(csvLine(CSV_COLUMNS));
        let after: Position | null = null;
        do {
          const page = await deps.fleet.list({ filter, sort: 'risk', limit: EXPORT_PAGE, after, staleBefore, findings: Number.POSITIVE_INFINITY });
          await out.write(
            page.devices
              .map((d) =>
                csvLine([
                  d.id,
                  d.label,
                  d.level,
                  d.browser,
                  d.version,
                  d.os,
                  d.findingCount,
                  d.findings.map((f) => `${f.check}: ${f.subject}`).join('; '),
                  d.firstSeenAt,
                  d.lastSeenAt,
                  d.stoppedReporting,
                ]),
              )
              .join(''),
          );
          after = page.next === null ? null : decodeCursor(page.next, 'risk');
          // A client gone away stops the walk.
        } while (after && !out.aborted);
      },
      async (err) => {
        // The status and the first rows are sent: a failure ends the file short, and is logged as the relay's.
        deps.logger.error({ err, requestId: c.get('requestId') }, 'device export failed');
      },
    );
  });

  /** One device: its findings with their rules, its extensions, its levels' history and the alerts about it. */
  routes.get('/devices/:id', async (c) => {
    const id = c.req.param('id');
    const found = await deps.fleet.device(id, now() - deps.retention.deviceStaleMs);
    if (!found) throw new ApiError('DEVICE_NOT_FOUND', { field: 'id', message: `There is no device ${id}.` });
    const { summary, key, extensions, history } = found;
    return c.json({
      device: summary,
      rules: findingRules(summary.findings, summary.browser),
      key: {
        thumbprint: key.publicKey ? keyThumbprint(JSON.parse(key.publicKey) as DeviceKey) : null,
        lastSignedAt: key.lastSignedAt === null ? null : new Date(key.lastSignedAt).toISOString(),
      },
      extensions: deviceExtensions(extensions, deps.policy.get()),
      history: history.map((h) => ({ at: new Date(h.at).toISOString(), level: h.level, findings: h.findings })),
      alerts: await deps.outbox.forDevice(id, DEVICE_ALERTS_SHOWN),
    } satisfies DeviceDetail);
  });

  /** The fleet's extensions, riskiest first, each with its score's reasons and Chrome's vendor-risk shape. */
  routes.get('/extensions', async (c) => {
    const { limit, id } = parseQuery(c, ExtensionListing);
    const base = deps.publicUrl || new URL(c.req.url).origin;
    const answer = await deps.stores.extensions.list({
      policy: deps.policy.get(),
      now: now(),
      limit,
      ...(id ? { id } : {}),
      detailsUrl: (extension) => `${base}/api/v1/extensions?id=${encodeURIComponent(extension)}`,
    });
    return c.json(answer satisfies ExtensionsAnswer);
  });

  routes.get('/alerts', async (c) => {
    const { limit, state } = parseQuery(c, AlertListing);
    return c.json({ alerts: await deps.outbox.list(limit, state) } satisfies AlertsAnswer);
  });

  /** An admin sends failed alerts again (after fixing what failed them): they join the next mail. */
  routes.post('/alerts/retry', async (c) => {
    const retried = await deps.outbox.retryFailed(now());
    if (retried > 0) {
      await deps.audit.record('alerts.retried', { alerts: retried }, auditBy(c));
      void deps.worker.wake().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    }
    return c.json({ retried } satisfies RetryAnswer);
  });

  routes.get('/alert-policy', (c) => c.json(deps.policy.get()));

  routes.put('/alert-policy', async (c) => {
    const policy = await parseBody(c, AlertPolicy);
    const changes = policyChanges(deps.policy.get(), policy);
    await deps.policy.save(policy);
    await deps.audit.record('alert-policy.updated', changes, auditBy(c));
    // Recipients may just have been added to alerts that waited for them, or a refused one corrected.
    void deps.worker.resume().catch((err: unknown) => deps.logger.error({ err }, 'outbox pass failed'));
    return c.json(deps.policy.get());
  });

  return routes;
}
