import { LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import type { Finding } from '../../shared/checks/index';
import type { Alerted } from '../domain/alert-rule';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';
import { REFUSAL_REASONS, type DeviceSummary, type LevelCounts, type RefusalReason } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { judgeReport } from '../domain/judgement';
import { FleetVersions, versionsEntry } from '../domain/fleet-versions';
import { orderReport, type DeviceBinding, type ReportSignature } from '../domain/report-order';
import type { Db } from './db';
import type { FleetStorage, IngestResult } from './stores';
import { WalSync } from './wal-sync';

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

export interface DeviceRow {
  id: string;
  label: string;
  browser: string;
  version: string;
  os: string;
  level: Level;
  compliant: number;
  findings: string;
  first_seen_at: number;
  last_seen_at: number;
  last_alerted_at: number | null;
  last_report_id: string | null;
  public_key: string | null;
  last_signed_at: number | null;
  /** JSON: when a report was last refused, by reason (ms), or null. */
  last_refusal: string | null;
}

/** Everything a report can fail on before it is judged, on either engine. */
export type Refused = AdmissionRefused | SignatureRefused | ReplayRefused;
export const isRefused = (err: unknown): err is Refused => err instanceof AdmissionRefused || err instanceof SignatureRefused || err instanceof ReplayRefused;

/** A report waiting for its group's commit, on either engine. */
export interface Pending {
  report: ComplianceReport;
  /** The key (canonical JSON) whose signature the route checked and when it was signed; nulls for the demo's reports. */
  signature: ReportSignature;
  policy: AlertPolicy;
  now: number;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Devices and the alert outbox. A report, its device's new state and the alert it raises are written in one
 * transaction: an accepted report is on disk with its alert, or nothing is.
 */
export class FleetStore implements FleetStorage {
  readonly #db: Db;
  readonly #versions = new FleetVersions();
  readonly #ingest: (p: Pending) => IngestResult;
  readonly #commitAll: (batch: Pending[]) => (IngestResult | ReportRejected | Refused)[];
  readonly #keyOf: (deviceId: string) => string | null;
  readonly #wal: WalSync;
  #queue: Pending[] = [];
  #syncing = false;

  /**
   * `admit` answers 0 to let a device the relay has never seen in, else how long it must wait (domain/rate-limit.ts):
   * anyone with the enrollment token can invent device IDs, so the store grows at a bounded rate.
   */
  constructor(db: Db, options: { admit?: (now: number) => number; releases?: () => ReleaseIndex | null; exploited?: () => ExploitIndex | null } = {}) {
    const admit = options.admit ?? (() => 0);
    const releases = options.releases ?? (() => null);
    const exploited = options.exploited ?? (() => null);
    this.#db = db;
    this.#reloadVersions();
    const findDevice = db.prepare(
      'SELECT browser, version, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id, public_key, last_signed_at, alerted FROM devices WHERE id = ?',
    );
    const rememberAlerted = db.prepare('UPDATE devices SET alerted = ? WHERE id = ?');
    const keyOf = db.prepare('SELECT public_key FROM devices WHERE id = ?');
    this.#keyOf = (deviceId) => (keyOf.get(deviceId) as { public_key: string | null } | undefined)?.public_key ?? null;
    // Positional parameters: binding eleven named ones cost more than the statement's own work.
    const upsertDevice = db.prepare(
      `INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id, public_key, last_signed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET label = excluded.label, browser = excluded.browser, version = excluded.version, os = excluded.os,
         level = excluded.level, compliant = excluded.compliant, findings = excluded.findings, last_seen_at = excluded.last_seen_at,
         last_alerted_at = COALESCE(excluded.last_alerted_at, devices.last_alerted_at), last_report_id = excluded.last_report_id,
         public_key = COALESCE(devices.public_key, excluded.public_key), last_signed_at = COALESCE(excluded.last_signed_at, devices.last_signed_at)`,
    );
    const waitingAlert = db.prepare("SELECT 1 FROM outbox WHERE device_id = ? AND state IN ('pending', 'pending_retry', 'running') LIMIT 1");
    const enqueue = db.prepare(
      "INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at) VALUES (?, ?, ?, 'pending', ?, ?, ?) ON CONFLICT (device_id, report_id) DO NOTHING",
    );

    // Runs inside #commitAll's transaction. Not a transaction of its own: a savepoint per report cost a tenth of the
    // ingest time. Instead everything that can fail on what a report says (evaluation, JSON) runs before its first
    // write, so a report that throws leaves nothing behind and fails alone; what fails after that (disk full, I/O)
    // fails the whole group anyway.
    this.#ingest = ({ report, policy, now, signature }: Pending): IngestResult => {
      type Previous = Pick<DeviceRow, 'browser' | 'version' | 'level' | 'compliant' | 'findings' | 'first_seen_at' | 'last_seen_at' | 'last_alerted_at'> &
        DeviceBinding & { alerted: string | null };
      const previous = findDevice.get(report.deviceId) as Previous | undefined;
      // Decided here, in the transaction: two first reports with different keys may both have passed the route, and a
      // replay is judged against the report applied last.
      const order = orderReport(previous, report.reportId, signature);
      if (order === 'wrong-key') throw new SignatureRefused();
      if (order === 'replayed') throw new ReplayRefused();
      // A browser repeats only its latest report (its queue goes one at a time): the stored state is that report's verdict.
      if (order === 'duplicate' && previous) {
        const verdict = { level: previous.level, compliant: previous.compliant === 1, findings: JSON.parse(previous.findings) as Finding[] };
        return { verdict, duplicate: true, alerted: false };
      }
      if (!previous) {
        const wait = admit(now);
        if (wait > 0) throw new AdmissionRefused(wait);
      }
      const judgement = judgeReport({
        report,
        policy,
        newestMajor: this.#versions.newest(report.browser.name),
        releases: releases(),
        exploited: exploited(),
        previous: previous ? { alerted: previous.alerted ? (JSON.parse(previous.alerted) as Alerted) : null, lastDeliveredAt: previous.last_alerted_at } : null,
        waiting: () => Boolean(waitingAlert.get(report.deviceId)),
        now,
      });
      const { verdict, device, alert } = judgement;
      upsertDevice.run(device.id, device.label, device.browser, device.version, device.os, verdict.level, verdict.compliant ? 1 : 0, JSON.stringify(verdict.findings), now, now, null, report.reportId, signature.key, signature.at);
      if (alert) {
        const due = now + policy.groupingWindowSeconds * 1000;
        enqueue.run(report.deviceId, report.reportId, JSON.stringify(alert), now, due, due);
      }
      if (judgement.remember !== undefined) rememberAlerted.run(judgement.remember && JSON.stringify(judgement.remember), report.deviceId);
      this.#versions.move(previous && versionsEntry(previous), versionsEntry({ ...device, first_seen_at: previous?.first_seen_at ?? now, last_seen_at: now }));
      return { verdict, duplicate: false, alerted: alert !== null };
    };
    // One transaction for the whole group, its fsync left to #wal: every other write keeps synchronous = FULL.
    const commitAll = db.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          return this.#ingest(p);
        } catch (err) {
          // Evaluation threw on what this report says, or admission refused it; its writes had not begun. A failed write
          // is not caught here.
          if (isRefused(err)) return err;
          if (err instanceof Error && 'code' in err && String(err.code).startsWith('SQLITE_')) throw err;
          return new ReportRejected(err);
        }
      }),
    );
    const syncLater = db.prepare('PRAGMA synchronous = NORMAL');
    const syncNow = db.prepare('PRAGMA synchronous = FULL');
    this.#commitAll = (batch) => {
      syncLater.run();
      try {
        return commitAll(batch);
      } finally {
        syncNow.run();
      }
    };
    this.#wal = new WalSync(db);
  }

  /**
   * Evaluates and stores a report. A repeat of the device's latest report answers its stored verdict and changes
   * nothing.
   *
   * Group commit: the reports waiting when the disk is free share one transaction, and each promise resolves only
   * once that transaction is synced to disk. While one group syncs, the next one gathers, so a group grows with the
   * load and the disk's latency instead of paying a commit per event-loop turn. If the commit or its sync fails (disk
   * full), every report in that group is refused: none was accepted.
   */
  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signature: ReportSignature = UNSIGNED): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ report, policy, now, signature, resolve, reject }) === 1 && !this.#syncing) setImmediate(() => this.#flush());
    });
  }

  /** The key (canonical JSON) a device registered, or null. */
  deviceKey(deviceId: string): string | null {
    return this.#keyOf(deviceId);
  }

  /** An admin forgets a device (an invented one, a retired browser); the fleet's versions follow. Answers whether it existed. */
  forget(deviceId: string): boolean {
    const forgotten = this.#db.prepare('DELETE FROM devices WHERE id = ?').run(deviceId).changes > 0;
    if (forgotten) this.#reloadVersions();
    return forgotten;
  }

  /** Notes when a report for the device was last refused, and why; answers whether the device exists. */
  recordRefusal(deviceId: string, reason: RefusalReason, at: number): boolean {
    return this.#db.prepare("UPDATE devices SET last_refusal = json_set(COALESCE(last_refusal, '{}'), '$.' || ?, ?) WHERE id = ?").run(reason, at, deviceId).changes > 0;
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    let results: (IngestResult | ReportRejected | Refused)[];
    try {
      results = this.#commitAll(batch);
    } catch (err) {
      // What the failed transaction taught the in-memory counts is gone with it.
      this.#reloadVersions();
      for (const p of batch) p.reject(err);
      return;
    }
    this.#syncing = true;
    this.#wal
      .sync()
      .then(
        () =>
          batch.forEach((p, i) => {
            const result = results[i]!;
            if (result instanceof Error) p.reject(result);
            else p.resolve(result);
          }),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        this.#syncing = false;
        if (this.#queue.length > 0) this.#flush();
      });
  }

  close(): void {
    this.#wal.close();
  }

  #reloadVersions(): void {
    this.#versions.clear();
    for (const row of this.#db.prepare('SELECT browser, version, first_seen_at, last_seen_at FROM devices').iterate() as IterableIterator<Parameters<typeof versionsEntry>[0]>) {
      this.#versions.move(undefined, versionsEntry(row));
    }
  }

  counts(): LevelCounts {
    const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as LevelCounts;
    for (const row of this.#db.prepare('SELECT level, count(*) AS n FROM devices GROUP BY level').all() as { level: Level; n: number }[]) counts[row.level] = row.n;
    return counts;
  }

  /** Devices whose last report is older than `staleBefore`. */
  stoppedReporting(staleBefore: number): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM devices WHERE last_seen_at < ?').get(staleBefore) as { n: number }).n;
  }

  /** Forgets devices silent since before `cutoff`; answers how many. The fleet's versions follow the devices kept. */
  prune(cutoff: number): number {
    const pruned = this.#db.prepare('DELETE FROM devices WHERE last_seen_at < ?').run(cutoff).changes;
    if (pruned > 0) this.#reloadVersions();
    return pruned;
  }

  /** The worst devices first, then the most recently seen; those silent since before `staleBefore` are marked. */
  devices(limit: number, level?: Level, staleBefore = 0): DeviceSummary[] {
    const rows = (level
      ? this.#db.prepare(`SELECT * FROM devices WHERE level = ? ORDER BY ${DEVICE_ORDER} LIMIT ?`).all(level, limit)
      : this.#db.prepare(`SELECT * FROM devices ORDER BY ${DEVICE_ORDER} LIMIT ?`).all(limit)) as DeviceRow[];
    return rows.map((r) => deviceSummary(r, staleBefore));
  }
}

/** A report whose signature nobody checked: the demo's, and the store tests'. */
export const UNSIGNED: ReportSignature = { key: null, at: null };

/** The worst devices first, then the most recently seen: the same SQL on both engines. */
export const DEVICE_ORDER = `CASE level ${LEVELS.map((l, i) => `WHEN '${l}' THEN ${i}`).join(' ')} END, last_seen_at DESC`;

/** A device as admins see it, from its row on either engine; those silent since before `staleBefore` are marked. */
export function deviceSummary(r: DeviceRow, staleBefore: number): DeviceSummary {
  return {
    id: r.id,
    label: r.label,
    browser: r.browser,
    version: r.version,
    os: r.os,
    level: r.level,
    compliant: r.compliant === 1,
    findings: JSON.parse(r.findings) as Finding[],
    firstSeenAt: new Date(r.first_seen_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    stoppedReporting: r.last_seen_at < staleBefore,
    ...(r.last_refusal ? { refusals: refusalTimes(JSON.parse(r.last_refusal) as Record<string, number>) } : {}),
    ...(r.id.includes('~') ? { sameIdAs: r.id.slice(0, r.id.indexOf('~')) } : {}),
  };
}

const refusalTimes = (stored: Record<string, number>): DeviceSummary['refusals'] =>
  Object.fromEntries(REFUSAL_REASONS.filter((reason) => typeof stored[reason] === 'number').map((reason) => [reason, new Date(stored[reason]!).toISOString()]));
