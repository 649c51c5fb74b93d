import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { API_PREFIX } from '../shared/api';
import type { SmtpTimeouts } from './domain/smtp-options';
import { ApiError, errorResponse } from './http/api-error';
import { requireToken } from './http/auth';
import type { Logger } from './log';
import { healthRoutes } from './routes/health';
import { mailSettingsRoutes } from './routes/mail-settings';
import type { AccessTokens } from './storage/access-tokens';
import type { Db } from './storage/db';
import type { MailSettingsStore } from './storage/mail-settings-store';

/** Request bodies larger than this are refused before they are read: the largest field is a 32 KB CA certificate. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface AppDeps {
  db: Db;
  tokens: AccessTokens;
  mailSettings: MailSettingsStore;
  logger: Logger;
  extensionOrigins: string[];
  /** Shorter in tests, where a silent server must fail fast. */
  smtpTimeouts?: SmtpTimeouts;
}

export type AppEnv = { Variables: { requestId: string } };

/** Wires the routes to their dependencies. No I/O happens here, so a test builds an app in one line. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      { requestId: c.get('requestId'), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  app.use(
    cors({
      origin: deps.extensionOrigins,
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      allowMethods: ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['X-Request-Id'],
      maxAge: 600,
    }),
  );
  app.use(
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c) => errorResponse(c, new ApiError('BODY_TOO_LARGE', { message: `The request body is larger than ${BODY_LIMIT_BYTES / 1024} KB.` })),
    }),
  );

  app.route('/', healthRoutes(deps));
  app.use(`${API_PREFIX}/*`, requireToken(deps.tokens, 'admin'));
  app.route(API_PREFIX, mailSettingsRoutes(deps));

  app.notFound((c) => errorResponse(c, new ApiError('NOT_FOUND')));
  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    deps.logger.error({ requestId: c.get('requestId'), err }, 'unhandled error');
    return errorResponse(c, new ApiError('INTERNAL'));
  });
  return app;
}
