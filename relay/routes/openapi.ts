import { Hono } from 'hono';
import type { GenericSchema } from 'valibot';
import { AlertPolicy, LEVELS } from '../../shared/alert-policy';
import { API_VERSION } from '../../shared/api';
import { CHECKS } from '../../shared/checks/index';
import { DEVICE_SORTS, VERSION_FILTER, type DeviceFilterName } from '../../shared/fleet';
import { ApiTokenInput } from '../../shared/api-token';
import { IdentityInput } from '../../shared/identity';
import { errorCodes } from '../../shared/errors';
import { MailSettingsInput, TestMailInput } from '../../shared/mail-settings';
import { AuthorizeInput, CallbackInput } from '../../shared/oauth';
import { ComplianceReport } from '../../shared/report';
import type { AppEnv } from '../deps';
import { POLICY_BROWSERS, POLICY_PLATFORMS } from '../domain/fleet-policy';
import { isAdminRole, type AdminRole } from '../../shared/roles';

/** Who may call a route: anyone, an enrolled browser, or an admin of at least this role (domain/roles.ts). */
type Who = 'anyone' | 'enrollment' | AdminRole;
interface Operation {
  summary: string;
  who: Who;
  body?: GenericSchema;
  ok: number;
  query?: Record<string, object>;
}

/** GET /api/v1/devices's filters (shared/fleet.ts DEVICE_FILTERS), which its CSV export takes too. */
const DEVICE_QUERY: Record<DeviceFilterName, object> = {
  level: { type: 'string', description: `One or more of ${LEVELS.join(', ')}, separated by commas.` },
  browser: { type: 'string', maxLength: 64 },
  version: { type: 'string', pattern: VERSION_FILTER.source, description: 'A version or its start: 131 matches 131.0.6778.85.' },
  os: { type: 'string', maxLength: 64 },
  check: { enum: CHECKS.map((c) => c.id) },
  subject: { type: 'string', maxLength: 200, description: "The subject of the check's finding; needs check." },
  extension: { type: 'string' },
  stopped: { enum: ['true', 'false'] },
  q: { type: 'string', maxLength: 100, description: 'Found in the label or the id, whatever the case.' },
};

/** Every route the relay serves: a test checks this list against the app's routes, so neither drifts. */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/healthz': { get: { summary: 'The process is alive.', who: 'anyone', ok: 200 } },
  '/readyz': {
    get: {
      summary: "Named readiness checks; 503 when a critical one fails. Each check's detail only with an admin's token or session.",
      who: 'anyone',
      ok: 200,
    },
  },
  '/metrics': { get: { summary: 'Prometheus text format, for loopback peers only.', who: 'anyone', ok: 200 } },
  '/openapi.json': { get: { summary: 'This document.', who: 'anyone', ok: 200 } },
  '/api/v1/mail-settings': {
    get: { summary: 'The mail settings, secrets only as set or not; null before the first save.', who: 'viewer', ok: 200 },
    put: { summary: 'Replace the mail settings; an omitted secret is kept, null clears it.', who: 'owner', body: MailSettingsInput, ok: 200 },
  },
  '/api/v1/mail-settings/test': { post: { summary: "Send a test mail now and answer the server's reply.", who: 'operator', body: TestMailInput, ok: 200 } },
  '/api/v1/oauth/authorize': {
    post: { summary: 'Start a consent: answers the authorization URL for the consent window.', who: 'owner', body: AuthorizeInput, ok: 200 },
  },
  '/api/v1/oauth/callback': {
    post: { summary: 'Finish the consent with the URL the window ended on; answers the connected account.', who: 'owner', body: CallbackInput, ok: 200 },
  },
  '/api/v1/oauth/connection': { delete: { summary: 'Forget the connected account and its tokens.', who: 'owner', ok: 204 } },
  '/api/v1/status': { get: { summary: 'Mail server, token health, last delivery, fleet and outbox.', who: 'viewer', ok: 200 } },
  '/api/v1/alert-policy': {
    get: { summary: 'The alert policy.', who: 'viewer', ok: 200 },
    put: { summary: 'Replace the alert policy.', who: 'operator', body: AlertPolicy, ok: 200 },
  },
  '/api/v1/reports': {
    post: { summary: "A managed browser's compliance report; answers 202 with the verdict.", who: 'enrollment', body: ComplianceReport, ok: 202 },
  },
  '/api/v1/devices': {
    get: {
      summary: 'A page of the devices the filters match, in the order asked, each with its worst findings, and the next cursor.',
      who: 'viewer',
      ok: 200,
      query: { ...DEVICE_QUERY, limit: { type: 'integer', minimum: 1, maximum: 1000 }, sort: { enum: [...DEVICE_SORTS] }, cursor: { type: 'string' } },
    },
  },
  '/api/v1/devices/counts': {
    get: { summary: 'How many devices the filters match, and per level how many every filter but level matches.', who: 'viewer', ok: 200, query: DEVICE_QUERY },
  },
  '/api/v1/devices/export': {
    get: { summary: 'Every device the filters match, as CSV (worst first), for a spreadsheet.', who: 'viewer', ok: 200, query: DEVICE_QUERY },
  },
  '/api/v1/alerts': {
    get: {
      summary: 'Alert history, newest first.',
      who: 'viewer',
      ok: 200,
      query: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, state: { enum: ['pending', 'running', 'sent', 'pending_retry', 'failed'] } },
    },
  },
  '/api/v1/extensions': {
    get: {
      summary:
        "The fleet's extensions, riskiest first: devices, versions, install types, the risk score with its reasons, recent changes, and Chrome's RiskAssessmentData shape.",
      who: 'viewer',
      ok: 200,
      query: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, id: { type: 'string' } },
    },
  },
  '/api/v1/devices/{id}': {
    get: {
      summary: 'One device: its findings with their benchmark rules, extensions with their risk, key, levels history and the alerts about it.',
      who: 'viewer',
      ok: 200,
    },
    delete: { summary: "Forgets a device; the fleet's newest versions are counted again without it.", who: 'operator', ok: 204 },
  },
  '/api/v1/alerts/retry': { post: { summary: 'Sends failed alerts again, with the next mail; answers how many.', who: 'operator', ok: 200 } },
  '/api/v1/deployment': {
    get: {
      summary: "The fleet's extension for Chromium browsers and for Firefox: IDs, origin, redirect URLs, install and update URLs, served versions.",
      who: 'viewer',
      ok: 200,
    },
  },
  '/api/v1/deployment/policy': {
    get: {
      summary:
        'The policy file that force-installs and enrols the extension (linux JSON, windows .reg, macos .mobileconfig) for Chrome and Edge, or for Firefox (browser=firefox: policies.json, .reg, .mobileconfig); the enrollment token may be given in X-Guardmail-Enrollment-Token.',
      who: 'owner',
      ok: 200,
      query: { platform: { enum: [...POLICY_PLATFORMS] }, browser: { enum: [...POLICY_BROWSERS] } },
    },
  },
  '/extension/{file}': {
    get: {
      summary:
        'The signed extension (CRX3) that updates.xml names, e.g. guardmail-0.1.0.crx, or the Firefox XPI that updates.json names, e.g. guardmail-0.1.0.xpi.',
      who: 'anyone',
      ok: 200,
    },
  },
  '/extension/updates.json': {
    get: { summary: "Firefox's update manifest: the add-on's version, XPI URL and SHA-256.", who: 'anyone', ok: 200 },
  },
  '/extension/guardmail.xpi': {
    get: { summary: "The Firefox policy's install URL: the current XPI (the admin's Mozilla-signed one when given and current).", who: 'anyone', ok: 200 },
  },
  '/extension/updates.xml': {
    get: { summary: "Google's update manifest for managed browsers: the signed extension's version and CRX URL.", who: 'anyone', ok: 200 },
  },
  '/api/v1/tokens': {
    get: { summary: 'The named API tokens: name, role, creator, expiry, last use; never a value.', who: 'owner', ok: 200 },
    post: { summary: 'Make a named API token with a role and an expiry; the answer holds its value, this once.', who: 'owner', body: ApiTokenInput, ok: 201 },
  },
  '/api/v1/tokens/{id}': { delete: { summary: 'Revoke a named API token, at once on this relay and within 10 s on the others.', who: 'owner', ok: 204 } },
  '/api/v1/sign-in/start': {
    post: {
      summary: "Begin an admin's sign-in with the identity provider: answers the authorization URL for the sign-in window.",
      who: 'anyone',
      body: AuthorizeInput,
      ok: 200,
    },
  },
  '/api/v1/sign-in/finish': {
    post: {
      summary: 'Finish the sign-in with the URL the window ended on: answers a session token for the admin, their name and role.',
      who: 'anyone',
      body: CallbackInput,
      ok: 200,
    },
  },
  '/api/v1/session': { delete: { summary: 'Sign out: ends the session making the request.', who: 'viewer', ok: 204 } },
  '/api/v1/sessions': { get: { summary: "The admins' open sessions: name, role, since, until.", who: 'owner', ok: 200 } },
  '/api/v1/sessions/{id}': { delete: { summary: "End an admin's session, at once on this relay and within 10 s on the others.", who: 'owner', ok: 204 } },
  '/api/v1/identity': {
    get: { summary: 'How admins sign in: the identity provider, the client, who gets which role; the secret only as set or not.', who: 'owner', ok: 200 },
    put: { summary: 'Replace the identity settings; an omitted client secret is kept, null clears it.', who: 'owner', body: IdentityInput, ok: 200 },
  },
  '/api/v1/audit': {
    get: { summary: 'The audit log of admin changes, newest first.', who: 'viewer', ok: 200, query: { limit: { type: 'integer', minimum: 1, maximum: 1000 } } },
  },
};

const ADMIN_ROUTES = Object.entries(OPERATIONS).flatMap(([path, methods]) =>
  Object.entries(methods).flatMap(([method, op]) =>
    isAdminRole(op.who) ? [{ method: method.toUpperCase(), pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`), role: op.who }] : [],
  ),
);

/**
 * The role an admin request needs, from the table above: the one place each route says it. A path the table does not
 * name (it answers 404) needs an owner, so that a route added without its role is closed, not open.
 */
export function adminRoleFor(method: string, path: string): AdminRole {
  return ADMIN_ROUTES.find((r) => r.method === method && r.pattern.test(path))?.role ?? 'owner';
}

/** The OpenAPI 3.1 document, its request schemas made from the same valibot schemas the relay validates with. */
export async function openApiDocument(): Promise<object> {
  const { toJsonSchema } = await import('@valibot/to-json-schema');
  const errorResponse = { description: 'A coded error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const paths = Object.fromEntries(
    Object.entries(OPERATIONS).map(([path, methods]) => [
      path,
      Object.fromEntries(
        Object.entries(methods).map(([method, op]) => [
          method,
          {
            summary: op.summary,
            security: op.who === 'anyone' ? [] : [{ [isAdminRole(op.who) ? 'admin' : op.who]: [] }],
            ...(isAdminRole(op.who) ? { 'x-guardmail-role': op.who } : {}),
            ...(op.query ? { parameters: Object.entries(op.query).map(([name, schema]) => ({ name, in: 'query', required: false, schema })) } : {}),
            ...(op.body
              ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(op.body, { errorMode: 'ignore' }) } } } }
              : {}),
            responses: { [op.ok]: { description: 'Success' }, '4XX': errorResponse, '5XX': errorResponse },
          },
        ]),
      ),
    ]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Guardmail relay',
      version: API_VERSION,
      description: 'Errors are one JSON shape with a stable code; the code table is in the Error schema.',
    },
    paths,
    components: {
      securitySchemes: {
        admin: {
          type: 'http',
          scheme: 'bearer',
          description:
            "The break-glass admin token the relay printed on its first start (an owner), a named API token, or a signed-in admin's session; x-guardmail-role is the least role a route needs (viewer, operator, owner).",
        },
        enrollment: { type: 'http', scheme: 'bearer', description: 'The token managed browsers report with.' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'hint', 'requestId'],
              properties: {
                code: { enum: Object.keys(errorCodes) },
                message: { type: 'string' },
                hint: { type: 'string' },
                requestId: { type: 'string' },
                field: { type: 'string', description: 'The first field at fault.' },
                issues: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
                serverResponse: { type: 'string', description: 'What the remote server said, verbatim.' },
              },
            },
          },
        },
      },
    },
  };
}

export function openApiRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  let document: Promise<object> | null = null;
  routes.get('/openapi.json', async (c) => c.json(await (document ??= openApiDocument())));
  return routes;
}
