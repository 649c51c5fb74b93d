import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../relay/storage/access-tokens';
import { startRelayWithTokens } from '../fixtures/relay-process';

/** One HTTP request with full control of Host and of the client's own address. */
function get(
  url: string,
  path: string,
  options: { host?: string; token?: string; from?: string; forwardedFor?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path,
        localAddress: options.from,
        headers: {
          ...(options.host ? { Host: options.host } : {}),
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...(options.forwardedFor ? { 'X-Forwarded-For': options.forwardedFor } : {}),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Attack 7: the relay answered any Host header, so a page on its machine could read it by DNS rebinding; and 3,433
 * wrong tokens in 5 s each got a 401, with no throttling and no log.
 */
describe('host names and token guessing, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  it('answers only the names it serves', async () => {
    const port = new URL(relay.url).port;
    const rebound = await get(relay.url, '/readyz', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).error.code).toBe('HOST_NOT_ALLOWED');
    expect((await get(relay.url, '/api/v1/mail-settings', { host: `attacker.example:${port}`, token: relay.admin })).status).toBe(421);
    expect((await get(relay.url, '/readyz', { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await get(relay.url, '/readyz', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('throttles wrong tokens from an address, logs it once it bites, and never refuses a valid token from there', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await get(relay.url, '/api/v1/mail-settings', { token: generateToken('admin') })).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
    const throttled = await get(relay.url, '/api/v1/mail-settings', { token: generateToken('admin') });
    expect(throttled.status).toBe(429);
    expect(JSON.parse(throttled.body).error.code).toBe('AUTH_THROTTLED');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(relay.stdout()).toContain('wrong bearer tokens from this client: throttled');

    // Thirty wrong tokens with no valid token at all used to lock the real admin and every browser behind the address out.
    expect((await get(relay.url, '/api/v1/mail-settings', { token: relay.admin })).status).toBe(200);
    expect((await get(relay.url, '/api/v1/mail-settings')).status).toBe(429); // no token is a wrong one
    // Failures are counted per role: the admin-token guesses cost the browsers' wrong enrollment tokens nothing.
    const report = await fetch(`${relay.url}/api/v1/reports`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${generateToken('enrollment')}` },
      body: '{}',
    });
    expect(report.status).toBe(401);

    const metrics = await get(relay.url, '/metrics', { from: '127.0.0.2' });
    expect(metrics.body).toMatch(/guardmail_auth_failures_total\{role="admin"\} 30/);
    expect(metrics.body).toMatch(/guardmail_auth_throttled_total 12/);
  });
});

describe('token guessing behind a TLS proxy, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens(['--behind-tls-proxy', 'true']);
  });
  afterAll(() => relay?.stop());

  it('counts wrong tokens per forwarded client, trusting only the address the proxy appended', async () => {
    for (let i = 0; i < 30; i++)
      expect((await get(relay.url, '/api/v1/status', { token: generateToken('admin'), forwardedFor: '203.0.113.7' })).status).toBe(401);
    expect((await get(relay.url, '/api/v1/status', { token: generateToken('admin'), forwardedFor: '203.0.113.7' })).status).toBe(429);
    // Another client behind the same proxy is not held back; a client cannot escape by prepending an address of its own.
    expect((await get(relay.url, '/api/v1/status', { token: generateToken('admin'), forwardedFor: '203.0.113.8' })).status).toBe(401);
    expect((await get(relay.url, '/api/v1/status', { token: generateToken('admin'), forwardedFor: '198.51.100.1, 203.0.113.7' })).status).toBe(429);
    expect((await get(relay.url, '/api/v1/status', { token: relay.admin, forwardedFor: '203.0.113.7' })).status).toBe(200);
  });
});
