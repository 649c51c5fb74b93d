import type { Pool, PoolClient } from 'pg';
import type { AlertPolicy } from '../../../shared/alert-policy';
import type { Finding } from '../../../shared/checks/index';
import type { ExploitIndex, ReleaseIndex } from '../../../shared/releases';
import type { ComplianceReport } from '../../../shared/report';
import type { Alerted } from '../../domain/alert-rule';
import { FleetVersions } from '../../domain/fleet-versions';
import { judgeReport } from '../../domain/judgement';
import { AdmissionRefused, ReportRejected, SignatureRefused, type IngestResult, type Pending } from '../fleet-store';

interface PreviousRow {
  browser: string;
  version: string;
  level: 'very_high' | 'high' | 'low' | 'secure';
  compliant: number;
  findings: string;
  last_alerted_at: number | null;
  last_report_id: string | null;
  public_key: string | null;
  alerted: string | null;
}

type Outcome = IngestResult | ReportRejected | AdmissionRefused | SignatureRefused;

/**
 * Devices and their alerts on PostgreSQL, as FleetStore does it on SQLite: a report, its device's new state and the
 * alert it raises are written in one transaction, and reports that arrive while one group commits share the next
 * (group commit; a report is answered once its group is committed, which PostgreSQL makes durable). The device's row is
 * locked while its report is judged, so two relays taking reports from one browser judge them one after the other.
 *
 * The fleet's newest versions are counted in memory from the devices, as on SQLite; other relays' reports reach them
 * at reloadVersions(), which a relay calls now and then: they are a quorum of the fleet, not one device's fact.
 */
export class PostgresFleet {
  readonly #pool: Pool;
  readonly #versions = new FleetVersions();
  readonly #admit: (now: number) => number;
  readonly #releases: () => ReleaseIndex | null;
  readonly #exploited: () => ExploitIndex | null;
  #queue: Pending[] = [];
  #committing = false;
  /** A group failed after counting its devices' versions: they are counted again from the table before the next. */
  #versionsStale = true;

  constructor(pool: Pool, options: { admit?: (now: number) => number; releases?: () => ReleaseIndex | null; exploited?: () => ExploitIndex | null } = {}) {
    this.#pool = pool;
    this.#admit = options.admit ?? (() => 0);
    this.#releases = options.releases ?? (() => null);
    this.#exploited = options.exploited ?? (() => null);
  }

  /** Counts the fleet's versions again from every device, other relays' reports included. */
  reloadVersions(): Promise<void> {
    return this.#load(this.#pool);
  }

  async #load(db: Pool | PoolClient): Promise<void> {
    const { rows } = await db.query<{ browser: string; version: string }>('SELECT browser, version FROM devices');
    this.#versions.clear();
    for (const row of rows) this.#versions.move(undefined, row);
  }

  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signedWith: string | null = null): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ report, policy, now, signedWith, resolve, reject }) === 1 && !this.#committing) setImmediate(() => void this.#flush());
    });
  }

  async deviceKey(deviceId: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ public_key: string | null }>('SELECT public_key FROM devices WHERE id = $1', [deviceId]);
    return rows[0]?.public_key ?? null;
  }

  async resetKey(deviceId: string): Promise<boolean> {
    return ((await this.#pool.query('UPDATE devices SET public_key = NULL WHERE id = $1', [deviceId])).rowCount ?? 0) > 0;
  }

  async forget(deviceId: string): Promise<boolean> {
    const forgotten = ((await this.#pool.query('DELETE FROM devices WHERE id = $1', [deviceId])).rowCount ?? 0) > 0;
    if (forgotten) await this.reloadVersions();
    return forgotten;
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#committing = true;
    const client = await this.#pool.connect().catch((err: unknown) => err as Error);
    try {
      if (client instanceof Error) throw client;
      if (this.#versionsStale) {
        await this.#load(client);
        this.#versionsStale = false;
      }
      await client.query('BEGIN');
      // Devices are locked in one order on every relay (by id), so two relays' groups never wait on each other in a cycle.
      const outcomes: Outcome[] = new Array<Outcome>(batch.length);
      const order = batch.map((p, i) => ({ p, i })).sort((x, y) => (x.p.report.deviceId < y.p.report.deviceId ? -1 : x.p.report.deviceId > y.p.report.deviceId ? 1 : x.i - y.i));
      for (const { p, i } of order) outcomes[i] = await this.#ingest(client, p);
      await client.query('COMMIT');
      client.release();
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) p.reject(outcome);
        else p.resolve(outcome);
      });
    } catch (err) {
      // The group is refused whole: none of it was accepted. What it taught the in-memory counts goes with it.
      if (!(client instanceof Error)) client.release(err as Error);
      this.#versionsStale = true;
      for (const p of batch) p.reject(err);
    } finally {
      this.#committing = false;
      if (this.#queue.length > 0) void this.#flush();
    }
  }

  /**
   * One report, inside its group's transaction. Everything a report can make fail (its signature, admission, its
   * evaluation) is decided before its first write, so it fails alone; a failed write fails the group.
   */
  async #ingest(client: PoolClient, { report, policy, now, signedWith }: Pending): Promise<Outcome> {
    const { rows: [previous] } = await client.query<PreviousRow>(
      'SELECT browser, version, level, compliant, findings, last_alerted_at, last_report_id, public_key, alerted FROM devices WHERE id = $1 FOR UPDATE',
      [report.deviceId],
    );
    if (previous?.public_key && previous.public_key !== signedWith) return new SignatureRefused();
    if (previous?.last_report_id === report.reportId) {
      const verdict = { level: previous.level, compliant: previous.compliant === 1, findings: JSON.parse(previous.findings) as Finding[] };
      return { verdict, duplicate: true, alerted: false };
    }
    if (!previous) {
      const wait = this.#admit(now);
      if (wait > 0) return new AdmissionRefused(wait);
    }
    const { rowCount: waiting } = await client.query("SELECT 1 FROM outbox WHERE device_id = $1 AND state IN ('pending', 'pending_retry', 'running') LIMIT 1", [report.deviceId]);
    let judgement;
    try {
      judgement = judgeReport({
        report,
        policy,
        newestMajor: this.#versions.newest(report.browser.name),
        releases: this.#releases(),
        exploited: this.#exploited(),
        previous: previous ? { alerted: previous.alerted ? (JSON.parse(previous.alerted) as Alerted) : null, lastDeliveredAt: previous.last_alerted_at } : null,
        waiting: () => Boolean(waiting),
        now,
      });
    } catch (err) {
      return new ReportRejected(err);
    }
    const { verdict, device, alert } = judgement;
    await client.query(
      `INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_report_id, public_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET label = excluded.label, browser = excluded.browser, version = excluded.version, os = excluded.os,
         level = excluded.level, compliant = excluded.compliant, findings = excluded.findings, last_seen_at = excluded.last_seen_at,
         last_report_id = excluded.last_report_id, public_key = COALESCE(devices.public_key, excluded.public_key)`,
      [device.id, device.label, device.browser, device.version, device.os, verdict.level, verdict.compliant ? 1 : 0, JSON.stringify(verdict.findings), now, report.reportId, signedWith],
    );
    if (alert) {
      const due = now + policy.groupingWindowSeconds * 1000;
      await client.query(
        "INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at) VALUES ($1, $2, $3, 'pending', $4, $5, $5) ON CONFLICT (device_id, report_id) DO NOTHING",
        [report.deviceId, report.reportId, JSON.stringify(alert), now, due],
      );
    }
    if (judgement.remember !== undefined) {
      await client.query('UPDATE devices SET alerted = $1 WHERE id = $2', [judgement.remember && JSON.stringify(judgement.remember), report.deviceId]);
    }
    this.#versions.move(previous, device);
    return { verdict, duplicate: false, alerted: alert !== null };
  }
}
