import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessAnswer } from '../../shared/api';
import type { ApiErrorBody } from '../../shared/errors';
import type { DevicesAnswer } from '../../shared/fleet';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report, riskyReport } from '../fixtures/reports';
import { reportRequest, signedReport } from '../fixtures/signing';

/**
 * The attacks on what a report can make the store do, replayed against a relay process whose store is PostgreSQL:
 * a replayed report (attack 4), a device id taken first by another key (attack 4), and new devices past the store's
 * budget (attack 9), which PostgreSQL measures with pg_database_size.
 */
describe('hostile reports against a relay process on PostgreSQL', () => {
  let cluster: PostgresCluster;
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    cluster = await startPostgres();
    relay = await startRelayWithTokens(['--database-url', cluster.createDatabase('hostile_reports')]);
  });
  afterAll(async () => {
    await relay?.stop();
    cluster?.stop();
  });

  const send = (request: RequestInit) => fetch(`${relay.url}/api/v1/reports`, request);
  const devices = async () =>
    ((await (await fetch(`${relay.url}/api/v1/devices?limit=100`, { headers: { Authorization: `Bearer ${relay.admin}` } })).json()) as DevicesAnswer).devices;

  it("refuses a replayed report, and keeps a device id's real browser reporting as itself", async () => {
    const secure = reportRequest(report({ deviceId: 'device-pg-replayed' }), relay.enrollment);
    expect((await send(secure)).status).toBe(202);
    expect((await send(reportRequest(riskyReport({ deviceId: 'device-pg-replayed' }), relay.enrollment))).status).toBe(202);
    const replayed = await send(secure);
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as ApiErrorBody).error.code).toBe('REPORT_REPLAYED');
    expect((await devices()).find((d) => d.id === 'device-pg-replayed')).toMatchObject({ level: 'high' });
    await expect.poll(async () => (await devices()).find((d) => d.id === 'device-pg-replayed')?.refusals?.replayed).toBeDefined();

    // Someone else's key took the id first: the real browser (another key) still reports, under its own device.
    const first = signedReport(report({ deviceId: 'device-pg-taken' }), Date.now(), new Map());
    expect(
      (
        await send({
          method: 'POST',
          headers: { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json', ...first.headers },
          body: first.body,
        })
      ).status,
    ).toBe(202);
    expect((await send(reportRequest(riskyReport({ deviceId: 'device-pg-taken' }), relay.enrollment))).status).toBe(202);
    const taken = (await devices()).filter((d) => d.id === 'device-pg-taken' || d.sameIdAs === 'device-pg-taken');
    expect(taken.map((d) => d.level).sort()).toEqual(['high', 'secure']);
  });

  it("refuses new devices past the store's budget, as measured in the database", async () => {
    await relay.stop();
    // An empty PostgreSQL database already takes several MB: a 1 MB budget is past at once.
    relay = await startRelayWithTokens(['--database-url', cluster.createDatabase('hostile_budget'), '--store-budget-mb', '1']);
    const readiness = async () =>
      (await (await fetch(`${relay.url}/readyz`, { headers: { Authorization: `Bearer ${relay.admin}` } })).json()) as ReadinessAnswer;
    await expect
      .poll(async () => (await readiness()).checks.find((c) => c.name === 'store-budget')?.detail)
      .toMatch(/^new devices refused: store \d+ MB of a 1 MB budget$/);
    const refused = await send(reportRequest(report({ deviceId: 'device-pg-new' }), relay.enrollment));
    expect(refused.status).toBe(507);
    expect(((await refused.json()) as ApiErrorBody).error.code).toBe('STORE_BUDGET_REACHED');
  });
});
