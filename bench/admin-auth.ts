import type { ApiTokenCreated } from '../shared/api-token';
import { createTestRelay } from '../test/fixtures/relay';
import { median, report } from './lib';

const REQUESTS = 5_000;
const RUNS = 5;

/**
 * An admin request (GET /api/v1/alert-policy, in process) with a named API token against the same request with the
 * break-glass admin token, alternated in one run: what naming the admin and checking its role costs.
 */
export async function benchAdminAuth(): Promise<void> {
  const relay = await createTestRelay();
  const made = (await (await relay.call('POST', '/api/v1/tokens', { name: 'bench', role: 'viewer', expiresInDays: 1 })).json()) as ApiTokenCreated;
  const rate = async (token: string) => {
    const headers = { Authorization: `Bearer ${token}` };
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await relay.app.request('/api/v1/alert-policy', { headers });
      if (res.status !== 200) throw new Error(`answered ${res.status}`);
      await res.arrayBuffer();
    }
    return REQUESTS / ((performance.now() - t0) / 1000);
  };
  await rate(made.token);
  await rate(relay.adminToken);
  const named: number[] = [];
  const breakGlass: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    named.push(await rate(made.token));
    breakGlass.push(await rate(relay.adminToken));
  }
  await relay.close();
  report('admin request, named API token', median(named), 'req/s', median(breakGlass), 'break-glass admin token', '≥ 0.9');
}
