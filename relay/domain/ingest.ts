import type { AlertPolicy, Level } from '../../shared/alert-policy';
import type { Finding, Verdict } from '../../shared/checks/index';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';
import type { ComplianceReport } from '../../shared/report';
import type { Alerted } from './alert-rule';
import { changeAlert } from './extension-alert';
import {
  alertsFor,
  changeAlertId,
  extensionAlertSource,
  extensionsDigest,
  inventoryStep,
  spendChangeAlert,
  type ChangeAlertBudget,
  type DeviceExtension,
  type ExtensionVersion,
} from './extension-inventory';
import { HISTORY_MS, versionsEntry, type FleetVersions } from './fleet-versions';
import { judgeReport } from './judgement';
import { orderReport, type DeviceBinding, type ReportSignature } from './report-order';

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
  constructor() {
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

/** An alert to enqueue: its payload as stored, due once the grouping window has passed. */
export interface NewAlert {
  /** The device's id, or a fleet-wide alert's source (extension-inventory.ts's extensionAlertSource). */
  deviceId: string;
  reportId: string;
  payload: string;
  createdAt: number;
  dueAt: number;
}

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
  inventory?: {
    /** Per device whose extensions may have changed: what it ran, by extension id. */
    links: ReadonlyMap<string, ReadonlyMap<string, DeviceExtension>>;
    /** The versions those links name. */
    known: ReadonlyMap<string, ExtensionVersion>;
    /** A device without a day of history may start a change alert: the relay-wide allowance for such devices (rate-limit.ts). */
    spendWithoutHistory: (now: number) => boolean;
    /** Change alerts (source and id, as alertKey makes them) this relay already raised: joining one spends nothing. */
    raised: ReadonlySet<string>;
  };
}

/** What the group changes in the extension inventory: each link and version once, as the group left it. */
export interface InventoryWrites {
  links: DeviceExtension[];
  /** [device id, extension id] pairs the devices no longer have. */
  removed: [string, string][];
  versions: ExtensionVersion[];
}

/** A fleet-wide alert's identity, as the outbox's unique (device_id, report_id) holds it. */
export const alertKey = (source: string, id: string) => `${source} ${id}`;

/** A group's outcome: one per report in its order, and the writes that make it so. */
export interface IngestDecision {
  outcomes: IngestOutcome[];
  /** Each changed device's new state, once, as the last of its reports left it. */
  devices: DeviceState[];
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
  const alerts: NewAlert[] = [];
  const links = new Map(context.inventory?.links);
  const known = new Map(context.inventory?.known);
  // Keyed by device and extension, so that the writes are each link's last state in the group: a link a first report
  // drops and a second brings back is written, not deleted after.
  const linkWrites = new Map<string, DeviceExtension>();
  const linkRemovals = new Map<string, [string, string]>();
  const versionWrites = new Map<string, ExtensionVersion>();
  const raised = new Set(context.inventory?.raised);
  const raisedNow: string[] = [];

  /**
   * The device's extensions against what it ran before: the inventory's writes, and an alert per change that no device
   * of the group raised yet (the outbox keeps one per extension and version whoever raises it again). Answers the
   * device's digest and its change-alert budget.
   */
  const takeInventory = ({ report, policy, now }: IncomingReport, previous: DeviceState | undefined, label: string) => {
    let budget = previous?.change_alerts ? (JSON.parse(previous.change_alerts) as ChangeAlertBudget) : null;
    const unchanged = { digest: previous?.extensions_digest ?? null, budget, raised: 0 };
    if (!context.inventory) return unchanged;
    const digest = extensionsDigest(report.extensions);
    if (digest === previous?.extensions_digest) return unchanged;
    let raisedHere = 0;
    const before = previous?.extensions_digest ? (links.get(report.deviceId) ?? new Map<string, DeviceExtension>()) : null;
    const step = inventoryStep({ deviceId: report.deviceId, extensions: report.extensions, previous: before, known, now });
    const mine = new Map(before);
    for (const link of step.links) mine.set(link.extension_id, link);
    for (const id of step.removed) mine.delete(id);
    links.set(report.deviceId, mine);
    for (const v of step.versions) known.set(v.version_key, v);
    for (const link of step.links) {
      linkWrites.set(`${link.device_id} ${link.extension_id}`, link);
      linkRemovals.delete(`${link.device_id} ${link.extension_id}`);
    }
    for (const id of step.removed) {
      linkWrites.delete(`${report.deviceId} ${id}`);
      linkRemovals.set(`${report.deviceId} ${id}`, [report.deviceId, id]);
    }
    for (const v of step.versions) versionWrites.set(v.version_key, v);
    const history = previous !== undefined && previous.last_seen_at - previous.first_seen_at >= HISTORY_MS;
    for (const change of step.changes) {
      const key = alertKey(extensionAlertSource(change.extensionId), changeAlertId(change));
      if (raised.has(key) || !alertsFor(change, policy)) continue;
      const spent = spendChangeAlert(budget, now);
      if (!spent || (!history && !context.inventory.spendWithoutHistory(now))) continue;
      budget = spent;
      raised.add(key);
      raisedNow.push(key);
      raisedHere++;
      const payload = JSON.stringify(changeAlert(change, { id: report.deviceId, label }, now));
      const dueAt = now + policy.groupingWindowSeconds * 1000;
      alerts.push({ deviceId: extensionAlertSource(change.extensionId), reportId: changeAlertId(change), payload, createdAt: now, dueAt });
    }
    return { digest, budget, raised: raisedHere };
  };

  const judgeOne = ({ report, policy, now, signature }: IncomingReport): IngestOutcome => {
    const previous = state.get(report.deviceId);
    const order = orderReport(previous, report.reportId, signature);
    if (order === 'wrong-key') return new SignatureRefused();
    if (order === 'replayed') return new ReplayRefused();
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
    const extensions = takeInventory({ report, policy, now, signature }, previous, device.label);
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
    state.set(report.deviceId, next);
    written.set(report.deviceId, next);
    if (alert) {
      const dueAt = now + policy.groupingWindowSeconds * 1000;
      alerts.push({ deviceId: report.deviceId, reportId: report.reportId, payload: JSON.stringify(alert), createdAt: now, dueAt });
      waiting.add(report.deviceId);
    }
    context.versions.move(previous && versionsEntry(previous), versionsEntry(next));
    return { verdict, duplicate: false, alerted: alert !== null, fleetAlerts: extensions.raised };
  };

  const outcomes = group.map((incoming): IngestOutcome => {
    try {
      return judgeOne(incoming);
    } catch (err) {
      // What a report says (or a stored row it meets) can only make its own judging throw; nothing of it was kept.
      return new ReportRejected(err);
    }
  });
  const inventory = { links: [...linkWrites.values()], removed: [...linkRemovals.values()], versions: [...versionWrites.values()] };
  return { outcomes, devices: [...written.values()], alerts, inventory, raised: raisedNow };
}
