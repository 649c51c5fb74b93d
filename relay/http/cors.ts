import type { MiddlewareHandler } from 'hono';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/report';
import { ENROLLMENT_TOKEN_HEADER } from '../../shared/api';

const ALLOW_METHODS = 'GET,PUT,POST,DELETE,OPTIONS';
const ALLOW_HEADERS = `Authorization,Content-Type,X-Request-Id,${SIGNATURE_HEADER},${TIMESTAMP_HEADER},${ENROLLMENT_TOKEN_HEADER}`;
const PREFLIGHT_MAX_AGE_SECONDS = '600';
/**
 * Firefox gives each add-on a random origin per profile (moz-extension://<UUID>, the extensions.webextensions.uuids
 * pref), so no list can name the fleet's Firefox browsers: any add-on origin is answered. Web pages cannot send one,
 * and what CORS lets through still needs the admin token, or the enrollment token and a device's signature.
 */
const FIREFOX_ADDON_ORIGIN = /^moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * CORS for the extension's own pages, the only browser origins the relay answers: the allowed Chromium origins, and
 * Firefox add-ons. Every header is set before the
 * route runs: Hono's cors() reads `c.res` first and appends Vary after the route, which turns each answer into a
 * full web Response and copies it twice (a quarter of the report route's time, measured by `npm run bench`).
 */
export function cors(allowedOrigins: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    c.header('Vary', 'Origin');
    if (origin !== undefined && (allowedOrigins.includes(origin) || FIREFOX_ADDON_ORIGIN.test(origin))) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Expose-Headers', 'X-Request-Id,Content-Disposition');
    }
    if (c.req.method !== 'OPTIONS') return next();
    c.header('Access-Control-Allow-Methods', ALLOW_METHODS);
    c.header('Access-Control-Allow-Headers', ALLOW_HEADERS);
    c.header('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
    return c.body(null, 204);
  };
}
