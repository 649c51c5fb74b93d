import { simpleParser } from 'mailparser';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessAnswer, StatusAnswer } from '../../shared/api';
import { relayErrors } from '../../shared/locales/en';
import type { AlertsAnswer } from '../../shared/fleet';
import { basicSettings, createAlertingRelay, createTestRelay, keptStore, SMTP_PASSWORD, SMTP_USER, type TestRelay } from '../fixtures/relay';
import { riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import { startMta } from '../peers/mta';
import type { Reply, SmtpPeer } from '../peers/smtp-peer';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-27T10:00:00Z');

/**
 * A server closed for maintenance: RFC 5321 §3.8 and §4.2.3 ("421 <domain> Service not available, closing transmission
 * channel"), with RFC 3463's 4.3.2 "System not accepting network messages".
 */
const MAINTENANCE: Reply = { code: 421, lines: ['4.3.2 mail.example.com Service not available, closing transmission channel'] };

let relay: TestRelay | undefined;
let smtp: SmtpPeer | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await smtp?.close();
  relay = smtp = undefined;
});

const json = async <T>(res: Response) => (await res.json()) as T;
const alerts = async () => (await json<AlertsAnswer>(await relay!.call('GET', '/api/v1/alerts?limit=100'))).alerts;
const status = async () => json<StatusAnswer>(await relay!.call('GET', '/api/v1/status'));
const postRisky = async (deviceId: string) =>
  expect((await relay!.call('POST', '/api/v1/reports', riskyReport({ deviceId }), { token: relay!.enrollmentToken })).status).toBe(202);
const metric = async (name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await relay!.call('GET', '/metrics', undefined, { token: null })).text())?.[1]);

/** The device IDs each received mail names, decoded as a mail client would. */
async function devicesPerMail(): Promise<string[][]> {
  return Promise.all(smtp!.received.map(async (m) => [...new Set(((await simpleParser(m.raw)).text ?? '').match(/device-outage-\d+/g) ?? [])]));
}

/** Hours of outage in steps, a new risky device reporting at each, the worker looking at the outbox after each step. */
async function outage(hours: number, stepHours: number): Promise<string[]> {
  const devices: string[] = [];
  for (let hour = 0; hour < hours; hour += stepHours) {
    const id = `device-outage-${String(hour).padStart(3, '0')}`;
    devices.push(id);
    await postRisky(id);
    clock += stepHours * HOUR;
    await relay!.deps.worker.wake();
  }
  return devices;
}

describe('a mail outage of days', () => {
  it('keeps every alert through three days of 421, says delivery is delayed, and sends them grouped once the server is back', async () => {
    clock = START;
    // The largest backoff draw each time: retries as far apart as the 30-minute cap allows.
    ({ relay, smtp } = await createAlertingRelay(
      { recipients: ['it@example.com'], groupingWindowSeconds: 300 },
      { now: () => clock, worker: { random: () => 0.999 } },
    ));
    smtp.refuseConnections(MAINTENANCE);
    const devices = await outage(72, 2);

    const waiting = await alerts();
    expect(waiting).toHaveLength(36);
    expect(waiting.filter((a) => a.state === 'failed')).toEqual([]);
    expect(smtp.received).toHaveLength(0);
    expect(smtp.refusals.filter((r) => r.startsWith('421 4.3.2')).length).toBeGreaterThanOrEqual(36);
    // Alerts raised during the outage wait behind the one being retried, instead of being tried one batch each.
    expect(waiting.filter((a) => a.attempts > 0).map((a) => a.deviceId)).toEqual([devices[0]]);

    const firstDue = new Date(START + 5 * MINUTE).toISOString();
    const { message, hint } = relayErrors.SMTP_TEMPORARY_FAILURE;
    const delayed = { since: firstDue, code: 'SMTP_TEMPORARY_FAILURE', detail: `421 ${MAINTENANCE.lines[0]}`, message, hint };
    expect((await status()).delivery.delayed).toEqual(delayed);
    const readiness = await json<ReadinessAnswer>(await relay.call('GET', '/readyz'));
    expect(readiness.checks.find((c) => c.name === 'outbox')?.detail).toBe(
      `delivery delayed since ${firstDue}: SMTP_TEMPORARY_FAILURE: 421 ${MAINTENANCE.lines[0]} (36 waiting, 0 failed)`,
    );
    expect(await metric('guardmail_outbox_oldest_due_age_seconds')).toBeGreaterThan(71 * 3600);

    smtp.refuseConnections(null);
    clock += 30 * MINUTE;
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(Array(36).fill('sent'));
    // The batch that was being retried, under its Message-ID, then every alert that waited behind it in one mail.
    expect(await devicesPerMail()).toEqual([[devices[0]], devices.slice(1)]);
    expect((await status()).delivery.delayed).toBeNull();
    expect(await metric('guardmail_outbox_oldest_due_age_seconds')).toBe(0);
  });

  it('fails what waited longer than the queue lifetime in a six-day outage, delivers the rest, and the retry action sends the failed', async () => {
    clock = START;
    ({ relay, smtp } = await createAlertingRelay(
      { recipients: ['it@example.com'], groupingWindowSeconds: 0 },
      { now: () => clock, worker: { random: () => 0.999 } },
    ));
    smtp.refuseConnections(MAINTENANCE);
    const devices = await outage(6 * 24, 4);

    const after = await alerts();
    const failed = after.filter((a) => a.state === 'failed');
    // Due from hour 0 to hour 140; at hour 144 those due more than 5 days (120 hours) ago have failed.
    expect(failed.map((a) => a.deviceId).sort()).toEqual(devices.filter((_, i) => i * 4 < 24));
    expect(failed[0]!.lastError).toBe(`ALERT_EXPIRED: not delivered within 5 days; last error: SMTP_TEMPORARY_FAILURE: 421 ${MAINTENANCE.lines[0]}`);
    expect(after.filter((a) => a.state !== 'failed').every((a) => a.state === 'pending' || a.state === 'pending_retry')).toBe(true);
    expect((await status()).fleet.outbox).toMatchObject({ pending: 30, failed: 6 });

    smtp.refuseConnections(null);
    clock += 30 * MINUTE;
    await relay.deps.worker.wake();
    // The alert due at hour 24 reached its lifetime in the half hour the retry waited.
    expect((await alerts()).filter((a) => a.state === 'sent')).toHaveLength(29);

    expect(await json<{ retried: number }>(await relay.call('POST', '/api/v1/alerts/retry'))).toEqual({ retried: 7 });
    await relay.deps.worker.wake();
    expect((await alerts()).map((a) => a.state)).toEqual(Array(36).fill('sent'));
    expect((await devicesPerMail()).flat().sort()).toEqual(devices);
  });

  it('goes on with the same backoff and lifetime after a restart in the middle of the outage', async () => {
    clock = START;
    const store = keptStore();
    const options = { now: () => clock, worker: { random: () => 0.999 } };
    smtp = await startMta({ tls: 'implicit', users: { [SMTP_USER]: SMTP_PASSWORD } });
    smtp.refuseConnections(MAINTENANCE);
    relay = await createTestRelay(options, store);
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, caCertificate: testPki().caCert }));
    await relay.call('PUT', '/api/v1/alert-policy', { recipients: ['it@example.com'], groupingWindowSeconds: 0 });
    await postRisky('device-outage-1');
    for (let step = 0; step < 10; step++) {
      await relay.deps.worker.wake();
      clock += 10 * HOUR;
    }
    const before = await alerts();
    expect(before).toMatchObject([{ state: 'pending_retry', attempts: 10 }]);
    await relay.close();

    // Four days and four hours in, a new process on the same store.
    relay = await createTestRelay(options, store);
    await relay.deps.outbox.recoverInterrupted(clock);
    expect(await alerts()).toEqual(before);
    await relay.deps.worker.wake();
    expect(await alerts()).toMatchObject([{ state: 'pending_retry', attempts: 11 }]);
    // The lifetime counts from when the alert was first due, not from the restart.
    clock = START + 5 * DAY + MINUTE;
    await relay.deps.worker.wake();
    expect(await alerts()).toMatchObject([{ state: 'failed', lastError: expect.stringMatching(/^ALERT_EXPIRED: not delivered within 5 days/) }]);
  });
});

describe('mail that answers itself', () => {
  it('marks alert and test mail as automatic, so out-of-office replies do not answer them', async () => {
    clock = START;
    ({ relay, smtp } = await createAlertingRelay({ recipients: ['it@example.com'], groupingWindowSeconds: 0 }, { now: () => clock }));
    await postRisky('device-outage-1');
    await relay.deps.worker.wake();
    expect((await relay.call('POST', '/api/v1/mail-settings/test')).status).toBe(200);
    expect(smtp.received).toHaveLength(2);
    for (const mail of smtp.received) {
      const parsed = await simpleParser(mail.raw);
      expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
      expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    }
  });
});
