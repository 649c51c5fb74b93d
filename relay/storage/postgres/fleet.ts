import type { Pool, PoolClient } from 'pg';
import { LEVELS, type AlertPolicy, type Level } from '../../../shared/alert-policy';
import type { Finding } from '../../../shared/checks/index';
import type { ExploitIndex, ReleaseIndex } from '../../../shared/releases';
import type { ComplianceReport } from '../../../shared/report';
import type { Alerted } from '../../domain/alert-rule';
import { FleetVersions, versionsEntry } from '../../domain/fleet-versions';
import { judgeReport } from '../../domain/judgement';
import { orderReport, type DeviceBinding, type ReportSignature } from '../../domain/report-order';
import type { DeviceSummary, LevelCounts, RefusalReason } from '../../../shared/fleet';
import { AdmissionRefused, DEVICE_ORDER, deviceSummary, ReplayRefused, ReportRejected, SignatureRefused, UNSIGNED, type DeviceRow, type Pending, type Refused } from '../fleet-store';
import type { FleetOptions, FleetStorage, IngestResult } from '../stores';
import { transaction } from './pool';

interface PreviousRow extends DeviceBinding {
  browser: string;
  version: string;
  level: Level;
  compliant: number;
  findings: string;
  first_seen_at: number;
  last_seen_at: number;
  last_alerted_at: number | null;
  alerted: string | null;
}

type Outcome = IngestResult | ReportRejected | Refused;

/**
 * Devices and their alerts on PostgreSQL, as FleetStore does it on SQLite: a report, its device's new state and the
 * alert it raises are written in one transaction, and reports that arrive while one group commits share the next
 * (group commit; a report is answered once its group is committed, which PostgreSQL makes durable). The device's row is
 * locked while its report is judged, so two relays taking reports from one browser judge them one after the other.
 *
 * The fleet's newest versions are counted in memory from the devices, as on SQLite; other relays' reports reach them
 * at reloadVersions(), which a relay calls now and then: they are a quorum of the fleet, not one device's fact.
 */
export class PostgresFleet implements FleetStorage {
  readonly #pool: Pool;
  readonly #versions = new FleetVersions();
  readonly #admit: (now: number) => number;
  readonly #releases: () => ReleaseIndex | null;
  readonly #exploited: () => ExploitIndex | null;
  #queue: Pending[] = [];
  #committing = false;
  /** A group failed after counting its devices' versions: they are counted again from the table before the next. */
  #versionsStale = true;
  readonly #reloading: NodeJS.Timeout | null;

  /** `reloadEveryMs`: how often the fleet's versions are counted again, to take in other relays' reports. */
  constructor(pool: Pool, options: FleetOptions & { reloadEveryMs?: number } = {}) {
    this.#pool = pool;
    this.#admit = options.admit ?? (() => 0);
    this.#releases = options.releases ?? (() => null);
    this.#exploited = options.exploited ?? (() => null);
    this.#reloading = options.reloadEveryMs ? setInterval(() => (this.#versionsStale = true), options.reloadEveryMs) : null;
    this.#reloading?.unref();
  }

  /** Counts the fleet's versions again from every device, other relays' reports included. */
  reloadVersions(): Promise<void> {
    return this.#load(this.#pool);
  }

  async #load(db: Pool | PoolClient): Promise<void> {
    const { rows } = await db.query<Parameters<typeof versionsEntry>[0]>('SELECT browser, version, first_seen_at, last_seen_at FROM devices');
    this.#versions.clear();
    for (const row of rows) this.#versions.move(undefined, versionsEntry(row));
  }

  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signature: ReportSignature = UNSIGNED): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ report, policy, now, signature, resolve, reject }) === 1 && !this.#committing) setImmediate(() => void this.#flush());
    });
  }

  async deviceKey(deviceId: string): Promise<string | null> {
    const { rows } = await this.#pool.query<{ public_key: string | null }>('SELECT public_key FROM devices WHERE id = $1', [deviceId]);
    return rows[0]?.public_key ?? null;
  }

  async recordRefusal(deviceId: string, reason: RefusalReason, at: number): Promise<boolean> {
    const noted = await this.#pool.query("UPDATE devices SET last_refusal = (COALESCE(last_refusal, '{}')::jsonb || jsonb_build_object($1::text, $2::bigint))::text WHERE id = $3", [reason, at, deviceId]);
    return (noted.rowCount ?? 0) > 0;
  }

  async forget(deviceId: string): Promise<boolean> {
    const forgotten = ((await this.#pool.query('DELETE FROM devices WHERE id = $1', [deviceId])).rowCount ?? 0) > 0;
    if (forgotten) await this.reloadVersions();
    return forgotten;
  }

  async counts(): Promise<LevelCounts> {
    const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as LevelCounts;
    const { rows } = await this.#pool.query<{ level: Level; n: number }>('SELECT level, count(*) AS n FROM devices GROUP BY level');
    for (const row of rows) counts[row.level] = row.n;
    return counts;
  }

  async stoppedReporting(staleBefore: number): Promise<number> {
    return (await this.#pool.query<{ n: number }>('SELECT count(*) AS n FROM devices WHERE last_seen_at < $1', [staleBefore])).rows[0]!.n;
  }

  async prune(cutoff: number): Promise<number> {
    const pruned = (await this.#pool.query('DELETE FROM devices WHERE last_seen_at < $1', [cutoff])).rowCount ?? 0;
    if (pruned > 0) this.#versionsStale = true;
    return pruned;
  }

  async devices(limit: number, level?: Level, staleBefore = 0): Promise<DeviceSummary[]> {
    const { rows } = level
      ? await this.#pool.query<DeviceRow>(`SELECT * FROM devices WHERE level = $1 ORDER BY ${DEVICE_ORDER} LIMIT $2`, [level, limit])
      : await this.#pool.query<DeviceRow>(`SELECT * FROM devices ORDER BY ${DEVICE_ORDER} LIMIT $1`, [limit]);
    return rows.map((r) => deviceSummary(r, staleBefore));
  }

  close(): void {
    if (this.#reloading) clearInterval(this.#reloading);
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#committing = true;
    try {
      const outcomes = await transaction(this.#pool, async (client) => {
        if (this.#versionsStale) {
          await this.#load(client);
          this.#versionsStale = false;
        }
        return this.#ingestGroup(client, batch);
      });
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) p.reject(outcome);
        else p.resolve(outcome);
      });
    } catch (err) {
      // The group is refused whole: none of it was accepted. What it taught the in-memory counts goes with it.
      this.#versionsStale = true;
      for (const p of batch) p.reject(err);
    } finally {
      this.#committing = false;
      if (this.#queue.length > 0) void this.#flush();
    }
  }

  /**
   * A group in four statements, whatever its size: its devices read and locked (in id order on every relay, so two
   * relays' groups never wait on each other in a cycle), which of them have an alert waiting, then every device's new
   * state and every new alert written at once. The reports are judged in between, in arrival order, each against the
   * state the one before it left, as on SQLite. Everything a report can make fail (its signature, admission, its
   * evaluation) is decided before anything is written, so it fails alone; a failed write fails the group.
   */
  async #ingestGroup(client: PoolClient, batch: Pending[]): Promise<Outcome[]> {
    const ids = [...new Set(batch.map((p) => p.report.deviceId))].sort();
    const { rows } = await client.query<PreviousRow & { id: string }>(
      `SELECT id, browser, version, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id, public_key, last_signed_at, alerted
       FROM devices WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
      [ids],
    );
    const state = new Map<string, PreviousRow>(rows.map((r) => [r.id, r]));
    const { rows: waitingRows } = await client.query<{ device_id: string }>(
      "SELECT DISTINCT device_id FROM outbox WHERE device_id = ANY($1) AND state IN ('pending', 'pending_retry', 'running')",
      [ids],
    );
    const waiting = new Set(waitingRows.map((r) => r.device_id));
    const written = new Map<string, { row: PreviousRow & { id: string; label: string; os: string }; now: number }>();
    const alerts: { deviceId: string; reportId: string; payload: string; now: number; due: number }[] = [];

    const judgeOne = ({ report, policy, now, signature }: Pending): Outcome => {
      const previous = state.get(report.deviceId);
      const order = orderReport(previous, report.reportId, signature);
      if (order === 'wrong-key') return new SignatureRefused();
      if (order === 'replayed') return new ReplayRefused();
      if (order === 'duplicate' && previous) {
        const verdict = { level: previous.level, compliant: previous.compliant === 1, findings: JSON.parse(previous.findings) as Finding[] };
        return { verdict, duplicate: true, alerted: false };
      }
      if (!previous) {
        const wait = this.#admit(now);
        if (wait > 0) return new AdmissionRefused(wait);
      }
      const judgement = judgeReport({
        report,
        policy,
        newestMajor: this.#versions.newest(report.browser.name),
        releases: this.#releases(),
        exploited: this.#exploited(),
        previous: previous ? { alerted: previous.alerted ? (JSON.parse(previous.alerted) as Alerted) : null, lastDeliveredAt: previous.last_alerted_at } : null,
        waiting: () => waiting.has(report.deviceId),
        now,
      });
      const { verdict, device, alert } = judgement;
      const next = {
        id: device.id,
        label: device.label,
        os: device.os,
        browser: device.browser,
        version: device.version,
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
      };
      state.set(report.deviceId, next);
      written.set(report.deviceId, { row: next, now });
      if (alert) {
        alerts.push({ deviceId: report.deviceId, reportId: report.reportId, payload: JSON.stringify(alert), now, due: now + policy.groupingWindowSeconds * 1000 });
        waiting.add(report.deviceId);
      }
      this.#versions.move(previous && versionsEntry(previous), versionsEntry(next));
      return { verdict, duplicate: false, alerted: alert !== null };
    };
    // What a report says (or a stored row it meets) can only make its own judging throw: it fails alone.
    const outcomes = batch.map((p): Outcome => {
      try {
        return judgeOne(p);
      } catch (err) {
        return new ReportRejected(err);
      }
    });

    if (written.size > 0) {
      const devices = [...written.values()];
      const column = <K extends keyof (typeof devices)[number]['row']>(key: K) => devices.map((d) => d.row[key]);
      await client.query(
        `INSERT INTO devices (id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_report_id, public_key, last_signed_at, alerted)
         SELECT id, label, browser, version, os, level, compliant, findings, seen, seen, last_report_id, public_key, last_signed_at, alerted
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::text[])
           AS d (id, label, browser, version, os, level, compliant, findings, seen, last_report_id, public_key, last_signed_at, alerted)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, browser = excluded.browser, version = excluded.version, os = excluded.os,
           level = excluded.level, compliant = excluded.compliant, findings = excluded.findings, last_seen_at = excluded.last_seen_at,
           last_report_id = excluded.last_report_id, public_key = COALESCE(devices.public_key, excluded.public_key),
           last_signed_at = COALESCE(excluded.last_signed_at, devices.last_signed_at), alerted = excluded.alerted`,
        [column('id'), column('label'), column('browser'), column('version'), column('os'), column('level'), column('compliant'), column('findings'),
          devices.map((d) => d.now), column('last_report_id'), column('public_key'), column('last_signed_at'), column('alerted')],
      );
    }
    if (alerts.length > 0) {
      await client.query(
        `INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at)
         SELECT device_id, report_id, payload, 'pending', created, due, due FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
           AS a (device_id, report_id, payload, created, due)
         ON CONFLICT (device_id, report_id) DO NOTHING`,
        [alerts.map((a) => a.deviceId), alerts.map((a) => a.reportId), alerts.map((a) => a.payload), alerts.map((a) => a.now), alerts.map((a) => a.due)],
      );
    }
    return outcomes;
  }
}
