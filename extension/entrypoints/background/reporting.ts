import { browser } from 'wxt/browser';
import { API_PREFIX } from '../../../shared/api';
import type { ReportAnswer } from '../../../shared/fleet';
import { COALESCE_MS, INVALID_REPORT, QUEUE_LIMIT, RETRY_AFTER_MINUTES, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../shared/report';
import { ClientError } from '../../utils/client-errors';
import { logFailure } from '../../utils/log';
import { normalizeRelayUrl, relayFetch } from '../../utils/relay-client';
import {
  deviceIdItem,
  lastVerdictItem,
  managedDeviceLabelItem,
  managedEnrollmentTokenItem,
  managedIntervalItem,
  managedRelayUrlItem,
  pendingChangeItem,
  reportQueueItem,
} from '../../utils/storage';
import { collectReport } from './collect';
import { devicePublicKey, signReport } from '../../utils/device-key';
import { updateIfBehind } from './self-update';

export const REPORT_ALARM = 'guardmail-report';
/** A report refused with 429 is sent again by this alarm: the relay admits one report every 2 minutes after a burst of 10. */
export const RETRY_ALARM = 'guardmail-report-retry';
const DEFAULT_INTERVAL_MINUTES = 60;

export interface Enrollment {
  relayUrl: string;
  enrollmentToken: string;
  intervalMinutes: number;
  deviceLabel: string;
}

/** What policy set for reporting, or null when the browser is not managed by a Guardmail relay. */
export async function enrollment(): Promise<Enrollment | null> {
  const [relayUrl, enrollmentToken, interval, label] = await Promise.all(
    [managedRelayUrlItem, managedEnrollmentTokenItem, managedIntervalItem, managedDeviceLabelItem].map((item) => item.getValue().catch(() => null)),
  );
  if (typeof relayUrl !== 'string' || typeof enrollmentToken !== 'string' || !relayUrl || !enrollmentToken) return null;
  const minutes = typeof interval === 'number' && interval >= 5 ? interval : DEFAULT_INTERVAL_MINUTES;
  return { relayUrl: normalizeRelayUrl(relayUrl), enrollmentToken, intervalMinutes: minutes, deviceLabel: typeof label === 'string' ? label : '' };
}

export async function deviceId(): Promise<string> {
  const existing = await deviceIdItem.getValue();
  if (existing) return existing;
  const id = crypto.randomUUID();
  await deviceIdItem.setValue(id);
  return id;
}

/** Keeps the report alarm at the interval policy asks for. */
export async function schedule(): Promise<void> {
  const enrolled = await enrollment();
  if (!enrolled) return void (await browser.alarms.clear(REPORT_ALARM));
  const alarm = await browser.alarms.get(REPORT_ALARM);
  if (alarm?.periodInMinutes !== enrolled.intervalMinutes)
    browser.alarms.create(REPORT_ALARM, { periodInMinutes: enrolled.intervalMinutes, delayInMinutes: enrolled.intervalMinutes });
}

let running: Promise<void> | null = null;
let again = false;
let soon: ReturnType<typeof setTimeout> | null = null;

/**
 * Collects a report and sends it with any that waited; one run at a time, and a call during a run makes exactly one more
 * after it (the change it reports may have come too late for the run in flight). Does nothing on an unmanaged browser.
 */
export function report(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await run();
    } while (again);
  })().finally(() => {
    running = null;
  });
  return running;
}

/**
 * Something that may change the verdict happened (an extension installed, enabled, disabled or removed, a privacy
 * setting changed): one report for the burst, COALESCE_MS later. Written down first, so that a service worker stopped
 * before then sends it when it wakes (resumePendingChange).
 */
export async function reportSoon(): Promise<void> {
  await pendingChangeItem.setValue(Date.now());
  soon ??= setTimeout(() => {
    soon = null;
    void report().catch(logFailure('the report of a change'));
  }, COALESCE_MS);
}

/** At the service worker's start: a change noted before it stopped, and never collected, is reported now. */
export async function resumePendingChange(): Promise<void> {
  if (await pendingChangeItem.getValue()) await reportSoon();
}

async function run(): Promise<void> {
  // Collected now (or nothing to report on an unmanaged browser): whatever changed before this line is taken care of.
  await pendingChangeItem.setValue(null);
  const enrolled = await enrollment();
  if (!enrolled) return;
  const fresh = await collectReport(await deviceId(), enrolled.deviceLabel);
  const queue = [...(await reportQueueItem.getValue()), fresh].slice(-QUEUE_LIMIT);
  await reportQueueItem.setValue(queue);
  while (queue.length > 0) {
    try {
      // Signed when sent, not when queued (a queue from an older version included): the relay refuses old signatures.
      const timestamp = Date.now();
      const body = JSON.stringify({ ...queue[0]!, deviceKey: await devicePublicKey() });
      const answer = await relayFetch<ReportAnswer>(enrolled.relayUrl, `${API_PREFIX}/reports`, {
        method: 'POST',
        token: enrolled.enrollmentToken,
        body,
        headers: { [SIGNATURE_HEADER]: await signReport(body, timestamp), [TIMESTAMP_HEADER]: String(timestamp) },
      });
      if (queue[0] === fresh || queue.length === 1) await lastVerdictItem.setValue({ ...answer, at: Date.now() });
      if (answer.extensionVersion) void updateIfBehind(answer.extensionVersion).catch(logFailure('the update check'));
    } catch (err) {
      // Unreachable, busy, out of disk or refusing the token: keep the queue for the next run. Only a report refused
      // as invalid is dropped, or it would block every report behind it.
      if (!(err instanceof ClientError && INVALID_REPORT.has(err.shown.code))) {
        // Over the device's rate limit: the change is kept and goes out when the relay admits it, not at the next hour.
        if (err instanceof ClientError && err.shown.code === 'RATE_LIMITED') browser.alarms.create(RETRY_ALARM, { delayInMinutes: RETRY_AFTER_MINUTES });
        break;
      }
    }
    queue.shift();
    await reportQueueItem.setValue(queue);
  }
}
