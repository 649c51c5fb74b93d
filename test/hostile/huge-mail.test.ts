import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAlertingRelayProcess } from '../fixtures/relay-process';
import { extension, report, riskyReport } from '../fixtures/reports';
import type { SmtpPeer } from '../peers/smtp-peer';
import { reportRequest } from '../fixtures/signing';

/**
 * Attack 2: ten padded reports (500 risky extensions each) and one real risky device in one grouping window made a
 * 12 MB mail; the server refused it with 552 and the real device's alert was lost with the batch.
 */
describe('padded reports beside a real alert, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startAlertingRelayProcess>>['relay'];
  let smtp: SmtpPeer;
  beforeAll(async () => {
    ({ relay, smtp } = await startAlertingRelayProcess({ recipients: ['it@example.com'], groupingWindowSeconds: 2 }));
  });
  afterAll(async () => {
    await relay?.stop();
    await smtp?.close();
  });

  const post = (body: unknown) => fetch(`${relay.url}/api/v1/reports`, reportRequest(body, relay.enrollment));

  it('sends one mail under 1 MB that names the real device, and answers padded reports with bounded findings', async () => {
    const padding = Array.from({ length: 500 }, (_, i) =>
      extension({
        id: `pad${String(i).padStart(29, '0')}`,
        name: `${'P'.repeat(190)} ${i}`,
        permissions: ['debugger', 'nativeMessaging', 'proxy'],
        hostPermissions: ['<all_urls>'],
      }),
    );
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => post(report({ deviceId: `device-padded-${i}`, extensions: padding }))),
      post(riskyReport({ deviceId: 'device-real-victim' })),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(11).fill(202));
    const padded = await answers[0]!.text();
    // 50 findings at most, each with a 200-character name in two languages: about 70 KB, where it was 1.4 MB.
    expect(padded.length).toBeLessThan(100 * 1024);

    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 20_000, interval: 200 });
    const mail = smtp.received[0]!.raw;
    expect(Buffer.byteLength(mail)).toBeLessThan(1024 * 1024);
    expect(mail).toContain('device-real-victim');
    expect(mail).toContain('more findings');
  });
});
