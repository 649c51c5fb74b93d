import type { AlertPolicy, Level } from '../../shared/alert-policy';
import type { Finding, Verdict } from '../../shared/checks/index';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';
import type { ComplianceReport } from '../../shared/report';
import type { Alerted } from './alert-rule';
import type { ChangeAlertBudget } from './extension-inventory';
import { InventoryGroup, type InventoryBefore, type InventoryWrites, type NewAlert } from './inventory-group';
import { VersionMoves, versionsEntry, type FleetVersions, type VersionCount } from './fleet-versions';
import { judgeReport } from './judgement';
import { orderReport, reportDevice, type DeviceBinding, type ReportSignature } from './report-order';

/** A device's stored state, as its report is judged against it (its row, on either engine). */
export interface DeviceState extends DeviceBinding {
  id: string;
  label: string;
  browser: string;
  version: string;
  os: string;
  level: Level;
  compliant: number;
  /** JSON: the Finding[] of its last report. */
  findings: string;
  first_seen_at: number;
  last_seen_at: number;
  last_alerted_at: number | null;
  /** JSON: what it was last alerted for (alert-rule.ts), or null. */
  alerted: string | null;
  /** Its extensions' digest (extension-inventory.ts) as last stored; null before its first inventory. */
  extensions_digest: string | null;
  /** JSON ChangeAlertBudget: the extension-change alerts it started today. */
  change_alerts: string | null;
}

/** What a report that changed nothing leaves to remember of its device: when it was seen, and its report. */
export type Seen = Pick<DeviceState, 'id' | 'last_seen_at' | 'last_report_id' | 'last_signed_at'>;

/** A report and what the route learnt of it. */
export interface IncomingReport {
  report: ComplianceReport;
  /** The key (canonical JSON) whose signature the route checked and when it was signed; nulls for the demo's reports. */
  signature: ReportSignature;
  policy: AlertPolicy;
  now: number;
}

export interface IngestResult {
  verdict: Verdict;
  duplicate: boolean;
  /** The device's own alert was raised. */
  alerted: boolean;
  /** Fleet-wide alerts (an extension's change) this report raised. */
  fleetAlerts: number;
}

/** A report from a device the relay has never seen, while new devices arrive faster than admitted: kept by the browser. */
export class AdmissionRefused extends Error {
  constructor(readonly retryAfterMs: number) {
    super('new devices are arriving faster than the relay admits them');
    this.name = 'AdmissionRefused';
  }
}

/** A report for a device bound to another key than the one that signed it (or to a key, while it came unsigned). */
export class SignatureRefused extends Error {
  constructor() {
    super('the report is not signed with the key its device registered');
    this.name = 'SignatureRefused';
  }
}

/** A report signed no later than one already applied for its device: a replay, which would roll the device back. */
export class ReplayRefused extends Error {
  /** The device the report went to. */
  constructor(readonly deviceId: string) {
    super('the report is signed no later than one already applied for its device');
    this.name = 'ReplayRefused';
  }
}

/** A report the relay could not evaluate: it fails alone, and nothing of it is stored. */
export class ReportRejected extends Error {
  constructor(cause: unknown) {
    super(`the report could not be evaluated: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ReportRejected';
  }
}

/** Everything a report can fail on before it is judged. */
export type Refused = AdmissionRefused | SignatureRefused | ReplayRefused;
export const isRefused = (err: unknown): err is Refused => err instanceof AdmissionRefused || err instanceof SignatureRefused || err instanceof ReplayRefused;

export type IngestOutcome = IngestResult | ReportRejected | Refused;

/** What the store knows before a group is judged, and what judging needs beside it. */
export interface IngestContext {
  /** The stored state of the group's devices that exist. */
  devices: ReadonlyMap<string, DeviceState>;
  /** Those of them with an alert waiting to be sent. */
  waiting: ReadonlySet<string>;
  /**
   * The fleet's versions: moved as each report is judged, so the next one in the group sees it (the store keeps it
   * in memory, and counts it again from the devices after a group that was not committed).
   */
  versions: FleetVersions;
  /** 0 to let a device the relay has never seen in, else how long it must wait (rate-limit.ts). */
  admit: (now: number) => number;
  releases: ReleaseIndex | null;
  exploited: ExploitIndex | null;
  /** The extension inventory as the group's changed devices had it; absent to leave the inventory alone (a benchmark's baseline). */
  inventory?: InventoryBefore;
}

/** A group's outcome: one per report in its order, and the writes that make it so. */
export interface IngestDecision {
  outcomes: IngestOutcome[];
  /** Each changed device's new state, once, as the last of its reports left it. */
  devices: DeviceState[];
  /** The devices whose reports changed nothing but when they were seen: for the store to keep in memory, not write. */
  seen: Seen[];
  /** How many devices more or fewer each version now counts (fleet-versions.ts). */
  versions: VersionCount[];
  alerts: NewAlert[];
  inventory: InventoryWrites;
  /** The change alerts the group raised (alertKey), for the store to remember once they are committed. */
  raised: string[];
}

/**
 * Judges a group of reports, in arrival order, each against the state the one before it left: what the relay answers
 * each browser, and what the store must write. A report that fails (its key, its order, admission, its evaluation)
 * fails alone and writes nothing.
 */
export function ingestGroup(group: readonly IncomingReport[], context: IngestContext): IngestDecision {
  const state = new Map(context.devices);
  const waiting = new Set(context.waiting);
  const written = new Map<string, DeviceState>();
  const seen = new Map<string, Seen>();
  const moves = new VersionMoves();
  const alerts: NewAlert[] = [];
  const inventory = context.inventory ? new InventoryGroup(context.inventory) : null;

  const judgeOne = ({ report: received, policy, now, signature }: IncomingReport): IngestOutcome => {
    const deviceId = reportDevice(state.get(received.deviceId), received.deviceId, signature);
    const report = deviceId === received.deviceId ? received : { ...received, deviceId };
    const previous = state.get(deviceId);
    const order = orderReport(previous, report.reportId, signature);
    if (order === 'wrong-key') return new SignatureRefused();
    if (order === 'replayed') return new ReplayRefused(deviceId);
    // A browser repeats only its latest report (its queue goes one at a time): the stored state is that report's verdict.
    if (order === 'duplicate' && previous) {
      const verdict = { level: previous.level, compliant: previous.compliant === 1, findings: JSON.parse(previous.findings) as Finding[] };
      return { verdict, duplicate: true, alerted: false, fleetAlerts: 0 };
    }
    if (!previous) {
      const wait = context.admit(now);
      if (wait > 0) return new AdmissionRefused(wait);
    }
    const judgement = judgeReport({
      report,
      policy,
      newestMajor: context.versions.newest(report.browser.name),
      releases: context.releases,
      exploited: context.exploited,
      previous: previous ? { alerted: previous.alerted ? (JSON.parse(previous.alerted) as Alerted) : null, lastDeliveredAt: previous.last_alerted_at } : null,
      waiting: () => waiting.has(report.deviceId),
      now,
    });
    const { verdict, device, alert } = judgement;
    const budget = previous?.change_alerts ? (JSON.parse(previous.change_alerts) as ChangeAlertBudget) : null;
    const extensions = inventory?.take({ report, policy, now }, previous, device.label, budget) ?? {
      digest: previous?.extensions_digest ?? null,
      budget,
      alerts: [],
    };
    alerts.push(...extensions.alerts);
    const next: DeviceState = {
      id: device.id,
      label: device.label,
      browser: device.browser,
      version: device.version,
      os: device.os,
      level: verdict.level,
      compliant: verdict.compliant ? 1 : 0,
      findings: JSON.stringify(verdict.findings),
      first_seen_at: previous?.first_seen_at ?? now,
      last_seen_at: now,
      last_alerted_at: previous?.last_alerted_at ?? null,
      last_report_id: report.reportId,
      public_key: previous?.public_key ?? signature.key,
      last_signed_at: signature.at ?? previous?.last_signed_at ?? null,
      alerted: judgement.remember !== undefined ? judgement.remember && JSON.stringify(judgement.remember) : (previous?.alerted ?? null),
      extensions_digest: extensions.digest,
      change_alerts: extensions.budget && JSON.stringify(extensions.budget),
    };
    state.set(deviceId, next);
    if (previous && !alert && !written.has(deviceId) && unchanged(previous, next)) {
      seen.set(deviceId, { id: deviceId, last_seen_at: now, last_report_id: next.last_report_id, last_signed_at: next.last_signed_at });
    } else {
      written.set(deviceId, next);
      seen.delete(deviceId);
    }
    if (alert) {
      const dueAt = now + policy.groupingWindowSeconds * 1000;
      alerts.push({ deviceId: report.deviceId, reportId: report.reportId, payload: JSON.stringify(alert), createdAt: now, dueAt });
      waiting.add(report.deviceId);
    }
    const [before, after] = [previous && versionsEntry(previous), versionsEntry(next)];
    context.versions.move(before, after);
    moves.move(before, after);
    return { verdict, duplicate: false, alerted: alert !== null, fleetAlerts: extensions.alerts.length };
  };

  const outcomes = group.map((incoming): IngestOutcome => {
    try {
      return judgeOne(incoming);
    } catch (err) {
      // What a report says (or a stored row it meets) can only make its own judging throw; nothing of it was kept.
      return new ReportRejected(err);
    }
  });
  return {
    outcomes,
    devices: [...written.values()],
    seen: [...seen.values()],
    versions: moves.counts(),
    alerts,
    inventory: inventory?.writes() ?? { links: [], removed: [], versions: [] },
    raised: inventory?.raised ?? [],
  };
}

/** The columns a report that changes nothing still moves: kept in memory by the store (domain/last-seen.ts). */
const SEEN_COLUMNS = new Set<keyof DeviceState>(['last_seen_at', 'last_report_id', 'last_signed_at']);

/**
 * Whether a device's new state differs from its stored one only in when it was seen: nothing an alert, a list, an
 * admin or the fleet's versions (which start counting a device after a day of history) would see.
 */
function unchanged(previous: DeviceState, next: DeviceState): boolean {
  for (const column of Object.keys(next) as (keyof DeviceState)[]) {
    if (!SEEN_COLUMNS.has(column) && previous[column] !== next[column]) return false;
  }
  return (versionsEntry(previous) === undefined) === (versionsEntry(next) === undefined);
}
