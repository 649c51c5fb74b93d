import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../shared/errors';
import type { ReportAnswer } from '../../shared/fleet';
import { startRelayWithTokens } from '../fixtures/relay-process';
import { report } from '../fixtures/reports';
import { reportRequest } from '../fixtures/signing';

/**
 * Attack 3: a single "Chrome 99999" report set the fleet's newest major for good; every real Chrome was then
 * "99857 versions behind" and alerted, and nothing could reset it. Then a quorum of freshly invented devices did the
 * same. (That a device with a day of history votes is tested with a clock: test/in-process/alerts.test.ts.)
 */
describe('one report claiming a future browser, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens();
  });
  afterAll(() => relay?.stop());

  const post = (body: unknown) => fetch(`${relay.url}/api/v1/reports`, reportRequest(body, relay.enrollment));

  it('refuses an absurd version, and lets no number of devices invented today move the bar', async () => {
    const absurd = await post(report({ deviceId: 'device-evil-0', browser: { name: 'Chrome', version: '99999.0' } }));
    expect(absurd.status).toBe(400);
    expect(((await absurd.json()) as ApiErrorBody).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'browser.version' });

    for (let i = 0; i < 40; i++) expect((await post(report({ deviceId: `device-real-${i}` }))).status).toBe(202);
    for (let i = 1; i <= 2; i++) expect((await post(report({ deviceId: `device-evil-${i}`, browser: { name: 'Chrome', version: '999.0' } }))).status).toBe(202);
    const real = (await (await post(report({ deviceId: 'device-real-0' }))).json()) as ReportAnswer;
    expect(real.findings.filter((f) => f.check === 'browser-version')).toEqual([]);

    // A third invented device reached the quorum of this small fleet (3, and 5 % of 43), and 1,000 admitted ones on
    // Chrome 134 made a current Chrome 131 "high": only devices that have reported for a day vote now.
    for (let i = 3; i < 103; i++)
      expect((await post(report({ deviceId: `device-evil-${i}`, browser: { name: 'Chrome', version: '999.0' } }))).status).toBe(202);
    const unmoved = (await (await post(report({ deviceId: 'device-real-1' }))).json()) as ReportAnswer;
    expect(unmoved.findings.filter((f) => f.check === 'browser-version')).toEqual([]);
  });
});
