import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { basicSettings, createTestRelay, type TestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';

/** Every endpoint, with the token it expects. */
const ENDPOINTS: [method: string, path: string][] = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['GET', '/api/v1/mail-settings'],
  ['PUT', '/api/v1/mail-settings'],
  ['POST', '/api/v1/mail-settings/test'],
  ['POST', '/api/v1/oauth/authorize'],
  ['POST', '/api/v1/oauth/callback'],
  ['DELETE', '/api/v1/oauth/connection'],
  ['GET', '/api/v1/status'],
  ['GET', '/api/v1/alert-policy'],
  ['PUT', '/api/v1/alert-policy'],
  ['POST', '/api/v1/reports'],
  ['GET', '/api/v1/devices'],
  ['GET', '/api/v1/alerts'],
  ['GET', '/api/v1/extensions'],
  ['GET', '/api/v1/audit'],
];

let relay: TestRelay;

beforeAll(async () => {
  relay = await createTestRelay();
  // OAuth selected but never connected: a test send answers 409 instead of reaching for a server.
  await relay.call('PUT', '/api/v1/mail-settings', {
    ...basicSettings({ authType: 'oauth', requiresAuth: false, username: '', password: undefined }),
    clientId: 'id',
    authorizationUrl: 'https://login.example.com/a',
    tokenUrl: 'https://login.example.com/t',
    scope: 's',
  });
  await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'] });
  await relay.call('POST', '/api/v1/reports', riskyReport({ deviceId: 'device-fuzz' }), { token: relay.enrollmentToken });
});
afterAll(() => relay.close());

/**
 * Everything the relay stores; only the status panel's record of the last failed send may change, and the audit log
 * may say that requests were refused (their number bounded by its budget, http/auth.ts createRefusalAudit).
 */
const WHERE: Record<string, string> = { settings: "WHERE name != 'delivery'", audit_log: "WHERE action != 'auth.refused'" };
function snapshot(): string {
  const tables = (
    relay.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  ).map((t) => `${t.name} ${WHERE[t.name] ?? ''}`);
  return JSON.stringify(
    tables.map((t) => relay.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()),
    (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v),
  );
}

/** A valid body with one field replaced by something of the wrong type: it must be refused, never half-applied. */
const kind = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
const mistyped = (valid: Record<string, unknown>) =>
  fc
    .tuple(
      fc.constantFrom(...Object.keys(valid)),
      fc.oneof(
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.string()),
        fc.object(),
        fc.string({ maxLength: 3 }).map((s) => `${s}\r\n`),
      ),
    )
    .filter(([key, value]) => kind(value) !== kind(valid[key]))
    .map(([key, value]) => JSON.stringify({ ...valid, [key]: value }));

const body = fc.oneof(
  fc.json(),
  fc.string(),
  fc.constant(''),
  fc.constant('{"a":'),
  fc.constant(`{"pad":"${'x'.repeat(600_000)}"}`),
  fc.anything().map((v) => JSON.stringify(v) ?? 'null'),
  mistyped(basicSettings()),
  mistyped({ ...riskyReport(), reportId: 'a', deviceId: 'b' }),
  mistyped({ recipients: ['it@example.com'], threshold: 'high', cooldownMinutes: 5 }),
  mistyped({ redirectUrl: 'nope', callbackUrl: 'nope' }),
);

it('never answers a malformed, oversized or mistyped request with a 5xx, and never changes what is stored', async () => {
  const before = snapshot();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...ENDPOINTS),
      fc.constantFrom<'none' | 'admin' | 'enrollment' | 'garbage'>('none', 'admin', 'enrollment', 'garbage'),
      body,
      fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 40 }).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`),
        fc.constant('?limit=-1&level=worst'),
      ),
      fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      async ([method, path], who, payload, query, type) => {
        const token = { none: null, admin: relay.adminToken, enrollment: relay.enrollmentToken, garbage: 'gm_adm_' + 'x'.repeat(43) }[who];
        const res = await relay.app.request(path + query, {
          method,
          headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), 'Content-Type': type },
          body: method === 'GET' || method === 'DELETE' ? undefined : payload,
        });
        expect(res.status, `${method} ${path}${query} as ${who}: ${(await res.clone().text()).slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400 && res.headers.get('Content-Type')?.includes('json')) {
          const answer = (await res.json()) as { error?: { code?: string; requestId?: string } };
          expect(answer.error?.code).toMatch(/^[A-Z_]+$/);
        }
      },
    ),
    { numRuns: 2000, interruptAfterTimeLimit: 60_000 },
  );
  expect(snapshot()).toBe(before);
}, 90_000);
