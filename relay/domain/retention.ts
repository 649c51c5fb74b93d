/** How long the relay keeps what grows: devices (shown as stopped reporting, then pruned), sent alerts, the audit log. */
export interface Retention {
  /** A device with no report for this long is shown as "stopped reporting". */
  deviceStaleMs: number;
  /** A device with no report for this long is forgotten. */
  devicePruneMs: number;
  /** Sent alerts older than this are forgotten; waiting and failed ones never are. */
  sentAlertMs: number;
  /** Audit entries older than this are forgotten. */
  auditMs: number;
}

const DAY = 86_400_000;
export const DEFAULT_RETENTION: Retention = { deviceStaleMs: 7 * DAY, devicePruneMs: 90 * DAY, sentAlertMs: 365 * DAY, auditMs: 365 * DAY };

/** How often the relay prunes: growth is slow, so hourly keeps every bound within an hour of its setting. */
export const PRUNE_EVERY_MS = 60 * 60_000;
