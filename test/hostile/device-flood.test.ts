import { afterEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report } from '../fixtures/reports';
import { reportRequest } from '../fixtures/signing';

/**
 * Attack 5: reports with fresh device IDs for 10 s created 1,880 devices (about 11,000 a minute), 90 MB of store and
 * 38 alert mails. New devices are now admitted at a bounded rate (2,000 at once, 100,000 an hour; smaller here), known
 * devices are never held back, and the bound is visible: 429 with Retry-After, a metric, one audit entry.
 */
describe('a flood of invented device IDs, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  afterEach(() => relay?.stop());

  it('admits new devices at the bounded rate, keeps known ones reporting, and says so once', async () => {
    // 1,000 an hour: 20 at once, then one every 3.6 s.
    relay = await startRelayWithTokens(['--new-devices-per-hour', '1000']);
    const post = (deviceId: string) => fetch(`${relay.url}/api/v1/reports`, reportRequest(report({ deviceId }), relay.enrollment));
    const admin = (path: string) => fetch(`${relay.url}${path}`, { headers: { Authorization: `Bearer ${relay.admin}` } });
    expect((await post('device-known')).status).toBe(202);

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`device-invented-${i}`)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(19);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(21);
    expect(((await refused[0]!.json()) as ApiErrorBody).error.code).toBe('DEVICE_ADMISSION_LIMITED');
    expect(Number(refused[0]!.headers.get('Retry-After'))).toBeGreaterThan(0);

    expect((await post('device-known')).status).toBe(202);
    const devices = (await (await admin('/api/v1/devices?limit=1000')).json()) as { devices: unknown[] };
    expect(devices.devices).toHaveLength(20);
    expect(await (await fetch(`${relay.url}/metrics`)).text()).toContain('guardmail_devices_refused_total 21');
    expect(relay.stdout()).toContain('new devices arrive faster than admitted');
    const audit = (await (await admin('/api/v1/audit')).json()) as { entries: { action: string }[] };
    expect(audit.entries.filter((e) => e.action === 'devices.admission-limited')).toHaveLength(1);
  });
});
