import { percentile, runLoad } from '../test/fixtures/load';
import { decoded } from '../test/fixtures/mail';
import { basicSettings, serveTestRelay } from '../test/fixtures/relay';
import { riskyReport } from '../test/fixtures/reports';
import { signedReport } from '../test/fixtures/signing';
import { startMta } from '../test/peers/mta';
import { testPki } from '../test/fixtures/tls';
import { report } from './lib';

/** From the report that crosses the threshold to the SMTP server's 250, with a zero grouping window, at 200 reports/s. */
export async function benchAlertLatency(): Promise<void> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const smtp = await startMta({ tls: 'starttls', users: { 'alerts@example.com': 'pw-123456' } });
  const relay = await serveTestRelay({ smtpTimeouts: { connectionMs: 5_000, greetingMs: 5_000, socketMs: 30_000 } });
  await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: smtp.port, password: 'pw-123456', caCertificate: testPki().caCert }));
  await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
  // The pool's first connection waits out smtp-server's 100 ms greeting delay: open it with one alert before measuring.
  await relay.call('POST', '/api/v1/reports', riskyReport({ deviceId: 'warm-up-device' }), { token: relay.enrollmentToken });
  while (smtp.received.length === 0) await new Promise((r) => setTimeout(r, 10));

  const seen = new Set<number>();
  const timer = setInterval(() => {
    smtp.received.forEach((mail, i) => {
      if (i === 0 || seen.has(i)) return;
      seen.add(i);
      const at = performance.now();
      for (const [, device] of decoded(mail.raw).matchAll(/; (latency-\d+)\)/g)) {
        const t0 = sentAt.get(device!);
        if (t0 !== undefined) latencies.push(at - t0);
      }
    });
  }, 1);
  await runLoad({
    url: relay.url,
    connections: 20,
    rate: 200,
    durationMs: 5_000,
    request: (i) => {
      const device = `latency-${i}`;
      sentAt.set(device, performance.now());
      const signed = signedReport(riskyReport({ deviceId: device }));
      return {
        method: 'POST',
        path: '/api/v1/reports',
        headers: { Authorization: `Bearer ${relay.enrollmentToken}`, 'Content-Type': 'application/json', ...signed.headers },
        body: signed.body,
      };
    },
  });
  const deadline = Date.now() + 10_000;
  while (latencies.length < sentAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  await relay.stop();
  await smtp.close();
  report('alert latency p50 (report → 250)', percentile(latencies, 50), 'ms', 100, 'target', '');
  report('alert latency p99 (report → 250)', percentile(latencies, 99), 'ms', 100, 'target', 'p99 < 100 ms (ratio < 1)');
}
