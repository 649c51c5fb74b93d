import { afterEach, describe, expect, it } from 'vitest';
import type { StatusAnswer } from '../../shared/api';
import type { DevicesAnswer } from '../../shared/fleet';
import { pruneExpired } from '../../relay/storage/prune';
import { createAlertingRelay, type TestRelay } from '../fixtures/relay';
import { report, riskyReport } from '../fixtures/reports';
import type { SmtpPeer } from '../peers/smtp-peer';

const DAY = 86_400_000;

describe('retention', () => {
  let relay: TestRelay;
  let smtp: SmtpPeer;
  afterEach(async () => {
    await relay?.close();
    await smtp?.close();
  });

  it('shows silent devices as stopped reporting, then forgets them, old sent alerts and old audit entries', async () => {
    let clock = Date.now();
    ({ relay, smtp } = await createAlertingRelay({ recipients: ['it@example.com'], groupingWindowSeconds: 0 }, { now: () => clock }));
    const post = (body: unknown) => relay.call('POST', '/api/v1/reports', body, { token: relay.enrollmentToken });
    await post(riskyReport({ deviceId: 'device-silent' }));
    await relay.deps.worker.wake();
    expect(smtp.received).toHaveLength(1);
    // An admin's session, ended long before retention forgets it.
    const session = { name: 'olivia@contoso.example', role: 'owner', expiresAt: clock + DAY, createdBy: 'sign-in', kind: 'session', subject: 'idp 1' } as const;
    await relay.deps.apiTokens.create(session, clock);

    clock += 8 * DAY;
    await post(report({ deviceId: 'device-alive' }));
    const devices = (await (await relay.call('GET', '/api/v1/devices')).json()) as DevicesAnswer;
    expect(Object.fromEntries(devices.devices.map((d) => [d.id, d.stoppedReporting]))).toEqual({ 'device-silent': true, 'device-alive': false });
    expect(((await (await relay.call('GET', '/api/v1/status')).json()) as StatusAnswer).fleet.stoppedReporting).toBe(1);

    clock += 400 * DAY;
    await post(report({ deviceId: 'device-alive' }));
    expect(await pruneExpired(relay.deps, relay.deps.retention, clock)).toEqual({ devices: 1, alerts: 1, audit: 2, sessions: 1 });
    expect(await relay.deps.apiTokens.lastRole('idp 1')).toBeNull();
    const after = (await (await relay.call('GET', '/api/v1/devices')).json()) as DevicesAnswer;
    expect(after.devices.map((d) => d.id)).toEqual(['device-alive']);
    expect(((await (await relay.call('GET', '/api/v1/alerts')).json()) as { alerts: unknown[] }).alerts).toEqual([]);
  });
});
