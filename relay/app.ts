import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { API_PREFIX } from '../shared/api';
import { DeliveryError } from './delivery/errors';
import { ApiError, errorResponse } from './http/api-error';
import { accessLog } from './http/access-log';
import { requireAdmin, requireToken } from './http/auth';
import { allowHosts } from './http/host';
import { allowedMethods } from './http/methods';
import { cors } from './http/cors';
import { limitBody } from './http/body-limit';
import { auditRoutes } from './routes/audit';
import { metricsRoutes } from './routes/metrics';
import { adminRoleFor, openApiRoutes } from './routes/openapi';
import { tokenRoutes } from './routes/tokens';
import { identityRoutes, signInRoutes } from './routes/sign-in';
import { fleetRoutes, reportRoutes } from './routes/fleet';
import { healthRoutes } from './routes/health';
import { mailSettingsRoutes } from './routes/mail-settings';
import { oauthRoutes } from './routes/oauth';
import { statusRoutes } from './routes/status';
import { AdmissionRefused, ReportRejected } from './domain/ingest';
import { storageFailure } from './storage/errors';
import { deploymentRoutes, extensionRoutes } from './routes/extension';
import type { AppDeps, AppEnv } from './deps';

/** Request bodies larger than this are refused before they are read: the largest field is a 32 KB CA certificate. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Wires the routes to their dependencies. No I/O happens here, so a test builds an app in one line. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(allowHosts(deps.allowedHosts));
  app.use(requestId());
  app.use(accessLog(deps));
  app.use(cors(deps.extensionOrigins));
  const smallBodies = limitBody(BODY_LIMIT_BYTES, (c) =>
    errorResponse(c, new ApiError('BODY_TOO_LARGE', { message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB.` })),
  );
  // Reports come first, with the enrollment token and their own, larger body limit (routes/fleet.ts): a route that
  // answers ends the chain, so the small body limit and the admin token registered after them never see a report.
  app.route(API_PREFIX, reportRoutes(deps, requireToken(deps.accessTokens, 'enrollment', deps.authThrottle)));
  app.use(smallBodies);
  // Signing in is how an admin gets a token: open to anyone, before the admin door.
  app.route(API_PREFIX, signInRoutes(deps));
  app.use(
    `${API_PREFIX}/*`,
    requireAdmin({
      tokens: deps.accessTokens,
      apiTokens: deps.apiTokens,
      roleFor: adminRoleFor,
      throttle: deps.authThrottle,
      refused: deps.refusalAudit,
      behindProxy: deps.behindProxy,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );

  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', openApiRoutes());
  app.route(API_PREFIX, fleetRoutes(deps));
  app.route(API_PREFIX, mailSettingsRoutes(deps));
  app.route(API_PREFIX, oauthRoutes(deps));
  app.route(API_PREFIX, statusRoutes(deps));
  app.route(API_PREFIX, auditRoutes(deps));
  app.route(API_PREFIX, deploymentRoutes(deps));
  app.route(API_PREFIX, tokenRoutes(deps));
  app.route(API_PREFIX, identityRoutes(deps));
  app.route('/', extensionRoutes(deps));

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path);
    if (allow.length === 0) return errorResponse(c, new ApiError('NOT_FOUND'));
    c.header('Allow', allow.join(', '));
    return errorResponse(c, new ApiError('METHOD_NOT_ALLOWED'));
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof DeliveryError) return errorResponse(c, ApiError.fromDelivery(err));
    const storage = storageFailure(err);
    if (storage) {
      deps.logger.error({ requestId: c.get('requestId'), code: (err as { code?: string }).code }, 'storage write failed');
      return errorResponse(c, new ApiError(storage));
    }
    if (err instanceof AdmissionRefused) {
      deps.metrics.devicesRefused.inc();
      c.header('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
      if (deps.admissionEpisode.begins((deps.now ?? Date.now)())) {
        void deps.audit
          .record('devices.admission-limited', { retryAfterSeconds: Math.ceil(err.retryAfterMs / 1000) }, c.get('requestId'))
          .catch((auditErr: unknown) => deps.logger.error({ err: auditErr }, 'audit entry not written'));
        deps.logger.warn({ requestId: c.get('requestId') }, 'new devices arrive faster than admitted: their reports wait in their browsers');
      }
      return errorResponse(c, new ApiError('DEVICE_ADMISSION_LIMITED'));
    }
    if (err instanceof ReportRejected) {
      deps.logger.warn({ requestId: c.get('requestId'), code: 'REPORT_UNPROCESSABLE', reason: err.message }, 'report rejected');
      return errorResponse(c, new ApiError('REPORT_UNPROCESSABLE'));
    }
    // Code and message at error level; the stack only for whoever runs the relay at debug level.
    deps.logger.error(
      { requestId: c.get('requestId'), code: 'INTERNAL', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) },
      'unhandled error',
    );
    deps.logger.debug({ requestId: c.get('requestId'), err }, 'unhandled error, with its stack');
    return errorResponse(c, new ApiError('INTERNAL'));
  });
  return app;
}
