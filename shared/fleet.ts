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
}

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
