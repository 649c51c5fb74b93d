import type { Level } from './alert-policy';
import type { Finding } from './checks/types';

/** Answer of POST /api/v1/reports (202): the relay's verdict, which the popup's "This browser" panel shows. */
export interface ReportAnswer {
  reportId: string;
  level: Level;
  compliant: boolean;
  findings: Finding[];
  /** The same report id came before: nothing was stored again. */
  duplicate: boolean;
  /** The extension version the relay serves its fleet: a browser running an older one asks for the update. */
  extensionVersion?: string;
}

export interface DeviceSummary {
  id: string;
  label: string;
  browser: string;
  version: string;
  os: string;
  level: Level;
  compliant: boolean;
  findings: Finding[];
  firstSeenAt: string;
  lastSeenAt: string;
  /** No report for longer than the relay's stale time (--device-stale-days): the browser may be gone or blocked. */
  stoppedReporting: boolean;
  /** When a report for this device was last refused, by reason: a flood of one kind hides no other. */
  refusals?: Partial<Record<RefusalReason, string>>;
  /** Reported under the id of another device, with another key: see siblingId in the relay (relay/domain/report-order.ts). */
  sameIdAs?: string;
}

/**
 * Why a report for a device was refused: `unsigned` (no signature, or no key to check it with), `stale` (signed too
 * far from the relay's time), `invalid` (its signature is not the key's it carries), `replayed` (signed no later than a
 * report already applied).
 */
export const REFUSAL_REASONS = ['unsigned', 'stale', 'invalid', 'replayed'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type LevelCounts = Record<Level, number>;

/** Answer of GET /api/v1/devices: the worst devices first, and counts per level for the whole fleet. */
export interface DevicesAnswer {
  counts: LevelCounts;
  devices: DeviceSummary[];
}

export type AlertState = 'pending' | 'running' | 'sent' | 'pending_retry' | 'failed';

export interface AlertItem {
  id: number;
  deviceId: string;
  deviceLabel: string;
  /** Null when the stored alert cannot be read (its last error says ALERT_UNREADABLE). */
  level: Level | null;
  state: AlertState;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
}

/** Answer of GET /api/v1/alerts: newest first. */
export interface AlertsAnswer {
  alerts: AlertItem[];
}

/** Answer of POST /api/v1/alerts/retry: how many failed alerts go out again with the next mail. */
export interface RetryAnswer {
  retried: number;
}

/** The fleet and outbox part of GET /api/v1/status. */
export interface FleetStatus {
  counts: LevelCounts;
  /** Devices with no report for longer than the stale time. */
  stoppedReporting: number;
  outbox: { pending: number; failed: number; oldestDueAgeSeconds: number | null };
}
