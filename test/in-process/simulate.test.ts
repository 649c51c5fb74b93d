import { afterEach, describe, expect, it, vi } from 'vitest';
import { Simulation } from '../../bench/simulator/driver';
import { RateLimiter } from '../../relay/domain/rate-limit';
import { basicSettings, serveTestRelay } from '../fixtures/relay';
import { testPki } from '../fixtures/tls';
import { startMta } from '../peers/mta';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the device simulator (npm run simulate)', () => {
  it('reports signed as the extension does, sends again what a 429 held back, and times each alert to the SMTP server', async () => {
    const smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': 'pw-123456' } });
    cleanups.push(() => smtp.close());
    const relay = await serveTestRelay();
    cleanups.push(() => relay.stop());
    await relay.call(
      'PUT',
      '/api/v1/mail-settings',
      basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: 'pw-123456', caCertificate: testPki().caCert }),
    );
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    // Three reports at once, then one a second: the simulated browsers, reporting every two seconds, meet it.
    (relay.deps as { reportLimiter: RateLimiter }).reportLimiter = new RateLimiter(3, 3_600);

    // An hour in two seconds: each browser reports at its interval, after a change about as often, and turns
    // vulnerable within seconds.
    const sim = new Simulation({ urls: [relay.url], enrollmentToken: relay.enrollmentToken, shape: { speed: 1_800, vulnerablePerHour: 1 }, seed: 7 });
    cleanups.push(() => sim.stop());
    sim.grow(10, 1_000);
    sim.start();
    const stats = { accepted: 0, refused: new Map<string, number>(), alertLatencies: [] as number[] };
    await vi.waitFor(
      () => {
        sim.readMail(smtp.received);
        const w = sim.takeWindow();
        stats.accepted += w.accepted;
        for (const [k, n] of w.refused) stats.refused.set(k, (stats.refused.get(k) ?? 0) + n);
        stats.alertLatencies.push(...w.alertLatencies);
        expect(stats.alertLatencies).toHaveLength(10);
        expect(stats.refused.get('429 RATE_LIMITED') ?? 0).toBeGreaterThan(0);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(sim.enrolled).toBe(10);
    expect([...stats.refused.keys()]).toEqual(['429 RATE_LIMITED']);
    for (const ms of stats.alertLatencies) expect(ms).toBeGreaterThan(0);
    // What each browser sent is what the relay holds: one device per simulated browser, each with its key.
    const devices = ((await (await relay.call('GET', '/api/v1/devices?limit=100')).json()) as { devices: { id: string }[] }).devices;
    expect(devices.map((d) => d.id).sort()).toEqual(sim.devices.map((d) => d.id).sort());
    // Each browser's vulnerable report reached the relay, whatever 429s it met on the way, and raised its alert.
    const alerts = ((await (await relay.call('GET', '/api/v1/alerts?limit=100')).json()) as { alerts: { deviceId: string }[] }).alerts;
    expect(new Set(alerts.map((a) => a.deviceId))).toEqual(new Set(devices.map((d) => d.id)));
  }, 60_000);
});
