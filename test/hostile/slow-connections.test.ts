import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayWithTokens } from '../fixtures/relay-process';

/** A connection from `from` that sends half a request's headers and then nothing: it only holds a slot. */
function halfSent(relayUrl: string, from: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const { hostname, port, host } = new URL(relayUrl);
  return new Promise((resolve, reject) => {
    const opened = performance.now();
    const socket = connect({ host: hostname, port: Number(port), localAddress: from }, () => {
      socket.write(`POST /api/v1/reports HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n`);
      resolve({ socket, closed });
    });
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - opened)));
    socket.on('error', () => undefined);
    socket.resume(); // read what the relay answers (a 408), or its close would wait for a reader
    socket.once('error', reject);
  });
}

async function healthz(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch {
    return 0;
  }
}

/**
 * Attack 11: about 21,000 half-sent requests, one every few seconds each, made /healthz fail for as long as they were
 * held, and nothing was logged.
 */
describe('connections that never finish a request, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    relay = await startRelayWithTokens(['--max-connections', '40', '--max-connections-per-client', '10', '--header-timeout-seconds', '1']);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await relay?.stop();
  });

  it('holds at most its bound per client, answers others meanwhile, and closes half-sent requests after the header time', async () => {
    const held = await Promise.all(Array.from({ length: 15 }, () => halfSent(relay.url, '127.0.0.2')));
    sockets.push(...held.map((h) => h.socket));
    // The relay closes the five over the bound at once, and the other ten once their headers are late (1 s at the
    // earliest: what closed before 900 ms was refused on arrival).
    const closedAfter = await Promise.all(held.map((h) => h.closed));
    const early = closedAfter.filter((ms) => ms < 900).length;
    expect(early).toBe(5);
    expect(Math.max(...closedAfter)).toBeLessThan(5_000);
    expect(await healthz(relay.url)).toBe(200);
  });

  it('holds at most its bound in total, counts what it closes by reason, logs it once, and recovers', async () => {
    const held = await Promise.all(
      ['127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'].flatMap((from) => Array.from({ length: 10 }, () => halfSent(relay.url, from))),
    );
    sockets.push(...held.map((h) => h.socket));
    const over = await halfSent(relay.url, '127.0.0.7');
    sockets.push(over.socket);
    expect(await over.closed).toBeLessThan(900); // a held one cannot close before its 1 s header time
    await Promise.all(held.map((h) => h.closed));
    expect(await healthz(relay.url)).toBe(200);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/guardmail_connections_refused_total\{reason="per-client"\} 5/);
    expect(metrics).toMatch(/guardmail_connections_refused_total\{reason="total"\} [1-9]/);
    const lines = relay
      .stdout()
      .split('\n')
      .filter((l) => l.includes('connections over their bound are closed at once'));
    expect(lines).toHaveLength(2); // one per reason and minute, however many were closed
  });
});
