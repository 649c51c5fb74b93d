import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiTokenView, AuditAnswer } from '../../shared/api';
import type { ApiTokenCreated } from '../../shared/api-token';
import { ADMIN_ROLES, grants, isAdminRole, type AdminRole } from '../../shared/roles';
import { OPERATIONS } from '../../relay/routes/openapi';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';
import { bothEngines, type TestRelay } from '../fixtures/relay';

const DAY_MS = 86_400_000;
let clock = Date.parse('2026-12-07T12:00:00Z');
let cluster: PostgresCluster;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);
afterAll(() => cluster?.stop());

type Relay = Pick<TestRelay, 'call' | 'adminToken'> & { close(): Promise<void> };

const engines = bothEngines(
  () => cluster,
  'roles',
  () => clock,
);

/** Every admin route of the one table, with the role it says it needs. */
const adminRoutes = Object.entries(OPERATIONS).flatMap(([path, methods]) =>
  Object.entries(methods).flatMap(([method, op]) => (isAdminRole(op.who) ? [{ method: method.toUpperCase(), path, needed: op.who }] : [])),
);

describe.each(engines)('admins with roles, on %s', (_, open) => {
  let relay: Relay;
  const tokens = {} as Record<AdminRole, ApiTokenCreated>;
  const as = (role: AdminRole) => ({ token: tokens[role].token });

  beforeAll(async () => {
    relay = await open();
    for (const role of ADMIN_ROLES) {
      const res = await relay.call('POST', '/api/v1/tokens', { name: `${role} robot`, role, expiresInDays: 30 });
      expect(res.status).toBe(201);
      tokens[role] = (await res.json()) as ApiTokenCreated;
    }
  }, 60_000);
  afterAll(() => relay?.close());

  it('lets each role call exactly the routes whose role it holds, every admin route walked with every role', async () => {
    expect(adminRoutes.length).toBeGreaterThan(15);
    for (const { method, path, needed } of adminRoutes) {
      for (const role of ADMIN_ROLES) {
        // The routes' own checks answer bodies and ids they do not like: only the door's answer matters here.
        const res = await relay.call(method, path.replace('{id}', '987654'), method === 'GET' || method === 'DELETE' ? undefined : {}, as(role));
        const code = res.status === 403 ? ((await res.json()) as { error: { code: string } }).error.code : null;
        expect({ route: `${method} ${path}`, role, refused: code === 'ROLE_TOO_LOW' }).toEqual({
          route: `${method} ${path}`,
          role,
          refused: !grants(role, needed),
        });
        expect(res.status, `${method} ${path} as ${role}`).not.toBe(401);
      }
    }
  });

  it('says which role a refused request needed, and changes nothing', async () => {
    const before = await (await relay.call('GET', '/api/v1/alert-policy')).json();
    const res = await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['mallory@example.com'] }, as('viewer'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('viewer robot is a viewer; PUT /api/v1/alert-policy needs operator.');
    expect(await (await relay.call('GET', '/api/v1/alert-policy')).json()).toEqual(before);
  });

  it('names who did each audited change, with the role and address, the break-glass token as "admin token"', async () => {
    expect((await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'] }, as('operator'))).status).toBe(200);
    expect((await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com', 'sec@example.com'] })).status).toBe(200);
    const { entries } = (await (await relay.call('GET', '/api/v1/audit?limit=2', undefined, as('viewer'))).json()) as AuditAnswer;
    expect(entries.map((e) => [e.action, e.actor, e.role])).toEqual([
      ['alert-policy.updated', 'admin token', 'owner'],
      ['alert-policy.updated', 'operator robot', 'operator'],
    ]);
    expect(entries[0]).toHaveProperty('source');
  });

  it('shows a token once, lists it without its value with its last use, and audits its making and revocation', async () => {
    const { tokens: listed } = (await (await relay.call('GET', '/api/v1/tokens')).json()) as { tokens: ApiTokenView[] };
    expect(JSON.stringify(listed)).not.toContain(tokens.viewer.token);
    expect(listed.find((t) => t.name === 'viewer robot')).toMatchObject({
      role: 'viewer',
      createdBy: 'admin token',
      revoked: false,
      lastUsedAt: expect.any(String),
    });

    const made = (await (
      await relay.call('POST', '/api/v1/tokens', { name: 'grafana', role: 'viewer', expiresInDays: 7 }, as('owner'))
    ).json()) as ApiTokenCreated;
    expect((await relay.call('GET', '/api/v1/status', undefined, { token: made.token })).status).toBe(200);
    expect((await relay.call('DELETE', `/api/v1/tokens/${made.id}`, undefined, as('owner'))).status).toBe(204);
    const after = await relay.call('GET', '/api/v1/status', undefined, { token: made.token });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toBe('The API token "grafana" was revoked.');
    const { entries } = (await (await relay.call('GET', '/api/v1/audit?limit=3')).json()) as AuditAnswer;
    expect(entries.map((e) => [e.action, e.details.name ?? e.details.reason, e.actor])).toEqual([
      ['auth.refused', 'The API token "grafana" was revoked.', undefined],
      ['api-token.revoked', 'grafana', 'owner robot'],
      ['api-token.created', 'grafana', 'owner robot'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(made.token);
  });

  it('audits a refused request on one bounded line, whatever path the client sent', async () => {
    const path = `/api/v1/%E2%80%AE%0Aforged${'x'.repeat(5_000)}`;
    expect((await relay.call('GET', path, undefined, { token: null })).status).toBe(401);
    const { entries } = (await (await relay.call('GET', '/api/v1/audit?limit=1')).json()) as AuditAnswer;
    const request = entries[0]!.details.request as string;
    expect(entries[0]!.action).toBe('auth.refused');
    expect(request.length).toBeLessThanOrEqual('GET '.length + 200);
    expect(request).not.toMatch(/[\u202e\n]/);
  });

  it('refuses a token past its expiry, a tampered one, and a bad request to make one, naming the field', async () => {
    const made = (await (await relay.call('POST', '/api/v1/tokens', { name: 'short', role: 'viewer', expiresInDays: 1 })).json()) as ApiTokenCreated;
    expect((await relay.call('GET', '/api/v1/status', undefined, { token: made.token })).status).toBe(200);
    // Time only moves forward: the throttle of wrong tokens counts on it.
    clock += 2 * DAY_MS;
    expect((await relay.call('GET', '/api/v1/status', undefined, { token: made.token })).status).toBe(401);
    expect((await relay.call('GET', '/api/v1/status', undefined, { token: `${made.token.slice(0, -1)}A` })).status).toBe(401);
    for (const [body, field] of [
      [{ name: '', role: 'viewer', expiresInDays: 1 }, 'name'],
      [{ name: 'x', role: 'admin', expiresInDays: 1 }, 'role'],
      [{ name: 'x', role: 'viewer', expiresInDays: 366 }, 'expiresInDays'],
      [{ name: 'bell\u0007', role: 'viewer', expiresInDays: 1 }, 'name'],
    ] as const) {
      const res = await relay.call('POST', '/api/v1/tokens', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    }
  });
});
