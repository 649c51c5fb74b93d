import type { Level } from './alert-policy';
import type { BenchmarkRule, Finding } from './checks/types';
import type { Risk } from './extension-risk';

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
  /** Worst first. In a list, only the worst LIST_FINDINGS: the device's detail has them all. */
  findings: Finding[];
  /** How many findings the device has. */
  findingCount: number;
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

/**
 * The orders of a device list: `risk` is the worst level first, then the most recently seen; `lastSeen` the most
 * recently seen first; `name` by label, whatever its case. Ties go by id, so that pages never repeat or skip a device.
 */
export const DEVICE_SORTS = ['risk', 'lastSeen', 'name'] as const;
export type DeviceSort = (typeof DEVICE_SORTS)[number];

/** GET /api/v1/devices's filters, as the console keeps them in its address: each one named narrows the list. */
export const DEVICE_FILTERS = ['level', 'browser', 'version', 'os', 'check', 'subject', 'extension', 'stopped', 'q'] as const;
export type DeviceFilterName = (typeof DEVICE_FILTERS)[number];
/** The `version` filter: a version or its start, so that 131 matches 131.0.6778.85. */
export const VERSION_FILTER = /^\d{1,6}(\.\d{1,6}){0,3}$/;

/** Findings a device carries in a list: a page of devices stays small whatever their reports said. */
export const LIST_FINDINGS = 3;

/**
 * Answer of GET /api/v1/devices: a page of the devices the filters match, in the order asked. A page costs its own
 * rows; how many match is GET /api/v1/devices/counts, which costs the matches.
 */
export interface DevicesAnswer {
  devices: DeviceSummary[];
  /** What to pass as `cursor` for the next page; null on the last one. */
  next: string | null;
}

/** Answer of GET /api/v1/devices/counts: how many devices the filters match. */
export interface DeviceCounts {
  /** Per level, the devices every filter but `level` matches (with no filter, the whole fleet). */
  counts: LevelCounts;
  /** The devices every filter matches. */
  matching: number;
}

/** An extension as one device runs it, scored as the device reports it (shared/extension-risk.ts). */
export interface DeviceExtensionItem {
  id: string;
  name: string;
  version: string;
  installType: string;
  enabled: boolean;
  disabledReason: string | null;
  /** When the device took this version. */
  since: string;
  risk: Risk;
}

/** An alert about a device, with the findings it named: what the admin was told, against what the device has now. */
export interface DeviceAlert {
  id: number;
  reportId: string;
  state: AlertState;
  createdAt: string;
  sentAt: string | null;
  level: Level | null;
  findings: Pick<Finding, 'check' | 'subject' | 'severity' | 'title'>[];
}

/** Answer of GET /api/v1/devices/{id}: everything the console shows of one device. */
export interface DeviceDetail {
  device: DeviceSummary;
  /** The benchmark rules each current finding's check gives evidence for, for this device's browser, by check id. */
  rules: Record<string, BenchmarkRule[]>;
  /** The key its reports are signed with: its SHA-256 thumbprint, and when it last signed one. */
  key: { thumbprint: string | null; lastSignedAt: string | null };
  extensions: DeviceExtensionItem[];
  /** Its level each time it changed, newest first. */
  history: { at: string; level: Level; findings: number }[];
  /** The alerts about it, newest first. */
  alerts: DeviceAlert[];
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
