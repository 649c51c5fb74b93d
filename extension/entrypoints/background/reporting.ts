import { browser } from 'wxt/browser';
import { API_PREFIX } from '../../../shared/api';
import type { ErrorCode } from '../../../shared/errors';
import type { ReportAnswer } from '../../../shared/fleet';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../shared/report';
import { ClientError } from '../../utils/client-errors';
import { normalizeRelayUrl, relayFetch } from '../../utils/relay-client';
import {
  deviceIdItem, lastVerdictItem, managedDeviceLabelItem, managedEnrollmentTokenItem, managedIntervalItem, managedRelayUrlItem, reportQueueItem,
} from '../../utils/storage';
import { collectReport } from './collect';
import { devicePublicKey, signReport } from '../../utils/device-key';

export const REPORT_ALARM = 'guardmail-report';
const QUEUE_LIMIT = 20;
const DEFAULT_INTERVAL_MINUTES = 60;
/** The relay refused the report itself: sending it again cannot succeed. */
const INVALID_REPORT: ReadonlySet<string> = new Set<ErrorCode>(['INVALID_JSON', 'VALIDATION_FAILED', 'BODY_TOO_LARGE', 'REPORT_UNPROCESSABLE']);

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
  if (alarm?.periodInMinutes !== enrolled.intervalMinutes) browser.alarms.create(REPORT_ALARM, { periodInMinutes: enrolled.intervalMinutes, delayInMinutes: enrolled.intervalMinutes });
}

let running: Promise<void> | null = null;

/** Collects a report and sends it with any that waited; one run at a time. Does nothing on an unmanaged browser. */
export function report(): Promise<void> {
  running ??= run().finally(() => {
    running = null;
  });
  return running;
}

async function run(): Promise<void> {
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
    } catch (err) {
      // Unreachable, busy, out of disk or refusing the token: keep the queue for the next run. Only a report refused
      // as invalid is dropped, or it would block every report behind it.
      if (!(err instanceof ClientError && INVALID_REPORT.has(err.shown.code))) break;
    }
    queue.shift();
    await reportQueueItem.setValue(queue);
  }
}
