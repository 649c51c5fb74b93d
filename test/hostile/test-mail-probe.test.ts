import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { basicSettings } from '../fixtures/relay';
import { callRelay, startRelayWithTokens } from '../fixtures/relay-process';

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/**
 * Attack 13: with the admin token, the test mail was a port scanner: a closed port answered SMTP_CONNECTION_REFUSED in
 * milliseconds, a silent one SMTP_TIMEOUT after seconds, an unknown name SMTP_HOST_NOT_FOUND, and another service's
 * banner came back as the "server's answer".
 */
describe('the test mail as a probe of other machines, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    relay = await startRelayWithTokens(['--smtp-connect-seconds', '1']);
    const closed = createServer();
    ports.closed = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const silent = createServer(() => undefined);
    const banner = createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    servers.push(silent, banner);
    ports.silent = await listen(silent);
    ports.banner = await listen(banner);
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await relay?.stop();
  });

  it('answers a closed port, a silent one, another protocol and an unknown name alike, after the same wait', async () => {
    const probe = async (host: string, port: number) => {
      const relayUrl = relay.url;
      const token = relay.admin;
      // One relay, one settings: each probe is its own save and test, one after the other.
      expect(
        (await callRelay(relayUrl, '/api/v1/mail-settings', { method: 'PUT', token, body: basicSettings({ host, port, password: 'probe-1234' }) })).status,
      ).toBe(200);
      const started = performance.now();
      const res = await callRelay(relayUrl, '/api/v1/mail-settings/test', { method: 'POST', token });
      const elapsed = performance.now() - started;
      const { error } = (await res.json()) as ApiErrorBody;
      return { status: res.status, error: { ...error, requestId: '' }, elapsed };
    };
    const answers = [];
    for (const [host, port] of [
      ['127.0.0.1', ports.closed!],
      ['127.0.0.1', ports.silent!],
      ['127.0.0.1', ports.banner!],
      ['mail.guardmail-test.invalid', 587],
    ] as const)
      answers.push(await probe(host, port));
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(answer.error).toEqual(answers[0]!.error);
      // No sooner than the connection's and the greeting's time: a refused port cannot be told from a silent one.
      expect(answer.elapsed).toBeGreaterThanOrEqual(2 * 1_000 - 50);
    }
    expect(answers[0]!.error).toMatchObject({ code: 'SMTP_UNREACHABLE' });
    expect(JSON.stringify(answers)).not.toContain('SSH');
    expect(relay.stdout() + relay.stderr()).not.toContain('OpenSSH');
  }, 120_000);
});
