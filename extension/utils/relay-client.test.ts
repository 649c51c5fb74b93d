import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalizeRelayUrl, relayFetch, verifyConnection } from './relay-client';

const answer = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('relay client', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('refuses plain http:// off loopback, where the admin token would cross the network in clear', () => {
    expect(() => normalizeRelayUrl('http://relay.example.com')).toThrow(expect.objectContaining({ shown: { code: 'RELAY_URL_INSECURE', field: 'relayUrl' } }));
    expect(normalizeRelayUrl('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(normalizeRelayUrl(' https://relay.example.com/guardmail/ ')).toBe('https://relay.example.com/guardmail');
  });

  it('explains an unreachable relay, a foreign server and another API version', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(relayFetch('https://r.example.com', '/healthz')).rejects.toMatchObject({ shown: { code: 'RELAY_UNREACHABLE' } });

    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('<html>', { status: 200 })),
    );
    await expect(relayFetch('https://r.example.com', '/healthz')).rejects.toMatchObject({ shown: { code: 'RELAY_BAD_ANSWER' } });

    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(200, { status: 'ok', apiVersion: 'v2' })),
    );
    await expect(verifyConnection({ relayUrl: 'https://r.example.com', adminToken: 't' })).rejects.toMatchObject({ shown: { code: 'RELAY_VERSION_MISMATCH' } });
  });

  it("passes the relay's coded error through", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(401, { error: { code: 'UNAUTHORIZED', message: 'A valid admin bearer token is required.', hint: '', requestId: 'r' } })),
    );
    await expect(relayFetch('https://r.example.com', '/api/v1/status', { token: 'bad' })).rejects.toMatchObject({ shown: { code: 'UNAUTHORIZED' } });
  });
});
