import { atLeast, LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import { majorOf } from '../../shared/checks/browser-version';
import { evaluate, withPolicy, type Finding, type Verdict } from '../../shared/checks/index';
import type { DeviceSummary, LevelCounts } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import type { AlertPayload } from '../domain/alert-mail';
import type { Db } from './db';
import { WalSync } from './wal-sync';

export interface IngestResult {
  verdict: Verdict;
  duplicate: boolean;
  alerted: boolean;
}

interface DeviceRow {
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
}

const osOf = (r: ComplianceReport) => [r.os.platform, r.os.version].filter(Boolean).join(' ');

interface Pending {
  report: ComplianceReport;
  policy: AlertPolicy;
  now: number;
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Devices and the alert outbox. A report, its device's new state and the alert it raises are written in one
 * transaction: an accepted report is on disk with its alert, or nothing is.
 */
export class FleetStore {
  readonly #db: Db;
  readonly #newestMajors = new Map<string, number>();
  readonly #ingest: (report: ComplianceReport, policy: AlertPolicy, now: number, selfId?: string) => IngestResult;
  readonly #commitAll: (batch: Pending[]) => IngestResult[];
  readonly #wal: WalSync;
  #queue: Pending[] = [];
  #syncing = false;

  constructor(db: Db) {
    this.#db = db;
    this.#reloadMajors();
    const findDevice = db.prepare('SELECT level, compliant, findings, last_alerted_at, last_report_id FROM devices WHERE id = ?');
    const bumpMajor = db.prepare(
      'INSERT INTO browser_majors (browser, newest_major) VALUES (?, ?) ON CONFLICT (browser) DO UPDATE SET newest_major = max(newest_major, excluded.newest_major)',
    );
    // Positional parameters: binding eleven named ones cost more than the statement's own work.
    const upsertDevice = db.prepare(
      `INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET label = excluded.label, browser = excluded.browser, version = excluded.version, os = excluded.os,
         level = excluded.level, compliant = excluded.compliant, findings = excluded.findings, last_seen_at = excluded.last_seen_at,
         last_alerted_at = COALESCE(excluded.last_alerted_at, devices.last_alerted_at), last_report_id = excluded.last_report_id`,
    );
    const enqueue = db.prepare("INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at) VALUES (?, ?, ?, 'pending', ?, ?)");

    // Runs inside #commitAll's transaction. Not a transaction of its own: a savepoint per report cost a tenth of the
    // ingest time, and the only failures left once a report is valid (disk full, I/O) fail the whole group anyway.
    this.#ingest = (report: ComplianceReport, policy: AlertPolicy, now: number, selfId?: string): IngestResult => {
      const previous = findDevice.get(report.deviceId) as Pick<DeviceRow, 'level' | 'compliant' | 'findings' | 'last_alerted_at' | 'last_report_id'> | undefined;
      // A browser repeats only its latest report (its queue goes one at a time): the stored state is that report's verdict.
      if (previous?.last_report_id === report.reportId) {
        const verdict = { level: previous.level, compliant: previous.compliant === 1, findings: JSON.parse(previous.findings) as Finding[] };
        return { verdict, duplicate: true, alerted: false };
      }
      const major = majorOf(report.browser.version);
      if (major > (this.#newestMajors.get(report.browser.name) ?? -1)) {
        bumpMajor.run(report.browser.name, major);
        this.#newestMajors.set(report.browser.name, major);
      }
      const verdict = evaluate(report, withPolicy(policy, Object.fromEntries(this.#newestMajors), selfId));
      const cooledDown = previous?.last_alerted_at == null || now - previous.last_alerted_at >= policy.cooldownMinutes * 60_000;
      const alerted = atLeast(verdict.level, policy.threshold) && cooledDown;
      const device = { id: report.deviceId, label: report.deviceLabel || report.deviceId, browser: report.browser.name, version: report.browser.version, os: osOf(report) };
      const findings = JSON.stringify(verdict.findings);
      upsertDevice.run(device.id, device.label, device.browser, device.version, device.os, verdict.level, verdict.compliant ? 1 : 0, findings, now, now, alerted ? now : null, report.reportId);
      if (alerted) {
        const payload: AlertPayload = { device, level: verdict.level, findings: verdict.findings, reportedAt: now };
        enqueue.run(report.deviceId, report.reportId, JSON.stringify(payload), now, now + policy.groupingWindowSeconds * 1000);
      }
      return { verdict, duplicate: false, alerted };
    };
    // One transaction for the whole group, its fsync left to #wal: every other write keeps synchronous = FULL.
    const commitAll = db.transaction((batch: Pending[]) => batch.map((p) => this.#ingest(p.report, p.policy, p.now)));
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
  submit(report: ComplianceReport, policy: AlertPolicy, now: number): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ report, policy, now, resolve, reject }) === 1 && !this.#syncing) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    let results: IngestResult[];
    try {
      results = this.#commitAll(batch);
    } catch (err) {
      // What the failed transaction taught the in-memory cache is gone with it.
      this.#reloadMajors();
      for (const p of batch) p.reject(err);
      return;
    }
    this.#syncing = true;
    this.#wal
      .sync()
      .then(
        () => batch.forEach((p, i) => p.resolve(results[i]!)),
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

  #reloadMajors(): void {
    this.#newestMajors.clear();
    for (const row of this.#db.prepare('SELECT browser, newest_major FROM browser_majors').all() as { browser: string; newest_major: number }[]) {
      this.#newestMajors.set(row.browser, row.newest_major);
    }
  }

  counts(): LevelCounts {
    const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as LevelCounts;
    for (const row of this.#db.prepare('SELECT level, count(*) AS n FROM devices GROUP BY level').all() as { level: Level; n: number }[]) counts[row.level] = row.n;
    return counts;
  }

  /** The worst devices first, then the most recently seen. */
  devices(limit: number, level?: Level): DeviceSummary[] {
    const order = `CASE level ${LEVELS.map((l, i) => `WHEN '${l}' THEN ${i}`).join(' ')} END, last_seen_at DESC`;
    const rows = (level
      ? this.#db.prepare(`SELECT * FROM devices WHERE level = ? ORDER BY ${order} LIMIT ?`).all(level, limit)
      : this.#db.prepare(`SELECT * FROM devices ORDER BY ${order} LIMIT ?`).all(limit)) as DeviceRow[];
    return rows.map((r) => ({
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
    }));
  }
}
