import { afterEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import { createTestRelay, type TestRelay } from '../fixtures/relay';
import { report } from '../fixtures/reports';

/**
 * Attack 5: reports with fresh device IDs for 10 s created 1,880 devices (about 11,000 a minute), 90 MB of store and
 * 38 alert mails. New devices are now admitted at a bounded rate (2,000 at once, 100,000 an hour; smaller here), known
 * devices are never held back, and the bound is visible: 429 with Retry-After, a metric, one audit entry.
 */
describe('a flood of invented device IDs', () => {
  let relay: TestRelay;
  afterEach(() => relay?.close());

  it('admits new devices at the bounded rate, keeps known ones reporting, and says so once', async () => {
    relay = createTestRelay({ deviceAdmission: { burst: 20, perHour: 60 } });
    const post = (deviceId: string) => relay.call('POST', '/api/v1/reports', report({ deviceId }), { token: relay.enrollmentToken });
    expect((await post('device-known')).status).toBe(202);

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`device-invented-${i}`)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(19);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(21);
    expect(((await refused[0]!.json()) as ApiErrorBody).error.code).toBe('DEVICE_ADMISSION_LIMITED');
    expect(Number(refused[0]!.headers.get('Retry-After'))).toBeGreaterThan(0);

    expect((await post('device-known')).status).toBe(202);
    const devices = (await (await relay.call('GET', '/api/v1/devices?limit=1000')).json()) as { devices: unknown[] };
    expect(devices.devices).toHaveLength(20);
    expect(await (await relay.call('GET', '/metrics', undefined, { token: null })).text()).toContain('guardmail_devices_refused_total 21');
    const audit = (await (await relay.call('GET', '/api/v1/audit')).json()) as { entries: { action: string }[] };
    expect(audit.entries.filter((e) => e.action === 'devices.admission-limited')).toHaveLength(1);
  });
});
