import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RelayConfig } from '../config';

const POLL_MS = 250;

/**
 * Waits until the relay started with the same options answers /healthz on this machine, for a service manager that
 * must know when it is up (the systemd unit's ExecStartPost): the relay's own loopback address and port, over TLS when
 * it serves TLS (its certificate names the public host, not loopback, so it is not checked: only the answer matters).
 */
export async function waitReady(config: RelayConfig, timeoutMs = 60_000): Promise<string> {
  const host = config.host === '0.0.0.0' || config.host === 'localhost' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.port}/healthz`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await status(url, config.tls !== null).catch(() => 0)) === 200) return `ready: ${url} answered 200\n`;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function status(url: string, tls: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = tls ? httpsRequest(url, { rejectUnauthorized: false, timeout: 2_000 }) : httpRequest(url, { timeout: 2_000 });
    request.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}
