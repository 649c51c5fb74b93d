import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { ReportAnswer } from '../../shared/fleet';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report } from '../fixtures/reports';


/**
 * Attack 3: a single "Chrome 99999" report set the fleet's newest major for good; every real Chrome was then
 * "99857 versions behind" and alerted, and nothing could reset it.
 */
describe('one report claiming a future browser, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  const post = (body: unknown) =>
    fetch(`${relay.url}/api/v1/reports`, { method: 'POST', headers: { Authorization: `Bearer ${relay.enrollment}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses an absurd version, and lets a plausible one move the bar only once a quorum of devices runs it', async () => {
    const absurd = await post(report({ deviceId: 'device-evil-0', browser: { name: 'Chrome', version: '99999.0' } }));
    expect(absurd.status).toBe(400);
    expect(((await absurd.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'browser.version' });

    for (let i = 0; i < 40; i++) expect((await post(report({ deviceId: `device-real-${i}` }))).status).toBe(202);
    for (let i = 1; i <= 2; i++) expect((await post(report({ deviceId: `device-evil-${i}`, browser: { name: 'Chrome', version: '999.0' } }))).status).toBe(202);
    const real = (await (await post(report({ deviceId: 'device-real-0' }))).json()) as ReportAnswer;
    expect(real.findings.filter((f) => f.check === 'browser-version')).toEqual([]);

    // A third invented device reaches the quorum of this small fleet (3, and 5 % of 43): the admin's reset is to forget
    // the devices that set it, and the bar is counted again without them.
    expect((await post(report({ deviceId: 'device-evil-3', browser: { name: 'Chrome', version: '999.0' } }))).status).toBe(202);
    const fooled = (await (await post(report({ deviceId: 'device-real-1' }))).json()) as ReportAnswer;
    expect(fooled.findings.map((f) => f.check)).toContain('browser-version');
    for (const id of ['device-evil-1', 'device-evil-2', 'device-evil-3']) {
      expect((await fetch(`${relay.url}/api/v1/devices/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${relay.admin}` } })).status).toBe(204);
    }
    const restored = (await (await post(report({ deviceId: 'device-real-2' }))).json()) as ReportAnswer;
    expect(restored.findings.filter((f) => f.check === 'browser-version')).toEqual([]);
  });
});
