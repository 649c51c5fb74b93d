import { LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import { findingKey, type Finding } from '../../shared/checks/types';
import {
  LIST_FINDINGS,
  REFUSAL_REASONS,
  type DeviceCounts,
  type DevicesAnswer,
  type DeviceSort,
  type DeviceSummary,
  type LevelCounts,
  type RefusalReason,
} from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { FleetVersions, VersionMoves, versionsEntry, type VersionCount } from '../domain/fleet-versions';
import { extensionsDigest, type DeviceExtension, type ExtensionVersion } from '../domain/extension-inventory';
import { ingestGroup, type DeviceState, type IncomingReport, type IngestOutcome, type IngestResult, type Seen } from '../domain/ingest';
import { LAST_SEEN_FLUSH_MS, lastSeenDue } from '../domain/last-seen';
import { DEVICE_HISTORY_KEPT, encodeCursor, type DeviceExtensionRow, type DeviceFilter, type Position, type PositionRow } from '../domain/device-page';
import { devicePage, levelCounts } from './device-list';
import type { InventoryBefore, InventoryWrites } from '../domain/inventory-group';
import { RateLimiter } from '../domain/rate-limit';
import { reportDevice, siblingId, type ReportSignature } from '../domain/report-order';
import { constant, forUpdate, inList, sql, type Sql } from './sql';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';

export interface FleetOptions {
  /** 0 to let a device the relay has never seen in, else how long it must wait. */
  admit?: (now: number) => number;
  releases?: () => ReleaseIndex | null;
  exploited?: () => ExploitIndex | null;
  /** False leaves the extension inventory alone (the benchmark's baseline); on by default. */
  inventory?: boolean;
  /** Told how many device rows each write changed: the metric that shows what a report costs the database. */
  rowsWritten?: (rows: number) => void;
}

/**
 * Change alerts started by devices without a day of history, relay-wide: anyone with the enrollment token can invent
 * devices, and each could otherwise start its own daily few (domain/extension-inventory.ts).
 */
export const NEW_DEVICE_CHANGE_ALERTS = { burst: 20, perHour: 20 } as const;
const RAISED_KEPT = 10_000;
/** Past this many devices' times held in memory, all of them are written at the next flush: memory stays bounded. */
export const SEEN_KEPT = 250_000;

/** A device's time and report held in memory, and the time its row holds. */
interface HeldSeen extends Seen {
  storedAt: number;
}

interface DeviceRow extends DeviceState {
  /** JSON: when a report was last refused, by reason (ms), or null. */
  last_refusal: string | null;
}

/** A report waiting for its group's commit. */
interface Pending extends IncomingReport {
  resolve: (result: IngestResult) => void;
  reject: (err: unknown) => void;
}

/** A report whose signature nobody checked: the demo's, and the store tests'. */
export const UNSIGNED: ReportSignature = { key: null, at: null };

const DEVICE_COLUMNS = [
  'id',
  'label',
  'browser',
  'version',
  'os',
  'level',
  'compliant',
  'findings',
  'first_seen_at',
  'last_seen_at',
  'last_report_id',
  'public_key',
  'last_signed_at',
  'alerted',
  'extensions_digest',
  'change_alerts',
] as const;
const LINK_COLUMNS = ['device_id', 'extension_id', 'version_key', 'install_type', 'enabled', 'disabled_reason', 'since', 'installed_at'] as const;
const VERSION_COLUMNS = ['version_key', 'extension_id', 'name', 'version', 'permissions', 'host_permissions', 'update_url', 'first_seen_at'] as const;
/** A device seen before keeps when it was first seen, its key and its last signature time unless the report brings one. */
const DEVICE_UPSERT = `ON CONFLICT (id) DO UPDATE SET label = excluded.label, browser = excluded.browser, version = excluded.version, os = excluded.os,
  level = excluded.level, compliant = excluded.compliant, findings = excluded.findings, last_seen_at = excluded.last_seen_at,
  last_report_id = excluded.last_report_id, public_key = COALESCE(devices.public_key, excluded.public_key),
  last_signed_at = COALESCE(excluded.last_signed_at, devices.last_signed_at), alerted = excluded.alerted,
  extensions_digest = excluded.extensions_digest, change_alerts = excluded.change_alerts`;

/**
 * Devices and their alerts. A report, its device's new state and the alert it raises are written in one transaction:
 * an accepted report is on disk with its alert, or nothing is.
 *
 * Group commit: the reports waiting when the store is free share one transaction, and each promise resolves only once
 * that transaction is durable. While one group commits, the next one gathers, so a group grows with the load and the
 * disk's latency instead of paying a commit per report. A group is four steps whatever its size: its devices
 * read and locked (in id order on every relay, so two relays' groups never wait on each other in a cycle), which of
 * them have an alert waiting, then every device's new state and every new alert written at once (a multi-row statement on
 * PostgreSQL, one prepared statement run per row on SQLite, where that is fastest). The judging between
 * them is domain/ingest.ts's. If the commit fails (disk full, the database gone), every report in the group is
 * refused: none was accepted.
 *
 * The fleet's newest versions are counted in memory, and in the table fleet_versions, moved in each write's
 * transaction; where several relays share the store, their reports reach this relay's count when it reads that small
 * table again, every `reloadVersionsMs`: they are a quorum of the fleet, not one device's fact.
 *
 * A report that changes nothing but when its device was seen writes nothing: that time is held in memory and written
 * once due (domain/last-seen.ts), in a transaction of its own every LAST_SEEN_FLUSH_MS, and at close.
 */
export class FleetStore {
  readonly #sql: Sql;
  readonly #versions = new FleetVersions();
  readonly #options: FleetOptions;
  #queue: Pending[] = [];
  #committing = false;
  /**
   * The versions are read again from their table before the next group: at first, after a group that was not
   * committed (what it taught the count is gone with it), after devices were forgotten, and every reloadVersionsMs.
   */
  #versionsStale = true;
  readonly #reloading: NodeJS.Timeout | null;
  readonly #newDeviceChanges = new RateLimiter(NEW_DEVICE_CHANGE_ALERTS.burst, NEW_DEVICE_CHANGE_ALERTS.perHour);
  /**
   * Change alerts this relay raised, so that the devices taking the same update later spend no allowance on it (the
   * outbox keeps one row per change whoever raises it again). Forgotten past RAISED_KEPT: it is a saving, not the rule.
   */
  #raised = new Set<string>();
  /** Devices whose last reports changed nothing but when they were seen (domain/last-seen.ts): written when due. */
  readonly #seen = new Map<string, HeldSeen>();
  readonly #flushingSeen: NodeJS.Timeout;

  constructor(sql: Sql, options: FleetOptions & { reloadVersionsMs?: number } = {}) {
    this.#sql = sql;
    this.#options = options;
    this.#reloading = options.reloadVersionsMs ? setInterval(() => (this.#versionsStale = true), options.reloadVersionsMs) : null;
    this.#reloading?.unref();
    this.#flushingSeen = setInterval(() => void this.writeSeen().catch(() => undefined), LAST_SEEN_FLUSH_MS);
    this.#flushingSeen.unref();
  }

  /**
   * Writes the times held in memory that are due (all of them with `all`, or past SEEN_KEPT), in id order like the
   * groups' locks, and only over an older time: another relay may have written a newer one. Answers how many.
   */
  async writeSeen(all = false): Promise<number> {
    const everything = all || this.#seen.size > SEEN_KEPT;
    const due = [...this.#seen.values()].filter((s) => everything || lastSeenDue(s.storedAt, s.last_seen_at)).sort((a, b) => (a.id < b.id ? -1 : 1));
    if (due.length === 0) return 0;
    const written = await this.#sql.transaction(async (tx) => {
      let n = 0;
      for (const s of due)
        n += await tx.run(
          sql`UPDATE devices SET last_seen_at = ${s.last_seen_at}, last_report_id = ${s.last_report_id}, last_signed_at = ${s.last_signed_at}
              WHERE id = ${s.id} AND last_seen_at < ${s.last_seen_at}`,
        );
      return n;
    });
    for (const s of due) {
      const held = this.#seen.get(s.id);
      // A newer time that arrived meanwhile stays held, over the time just written.
      if (held === s) this.#seen.delete(s.id);
      else if (held) held.storedAt = s.last_seen_at;
    }
    this.#options.rowsWritten?.(written);
    return written;
  }

  /** Evaluates and stores a report. A repeat of the device's latest report answers its stored verdict and changes nothing. */
  submit(report: ComplianceReport, policy: AlertPolicy, now: number, signature: ReportSignature = UNSIGNED): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ report, policy, now, signature, resolve, reject }) === 1 && !this.#committing) setImmediate(() => void this.#flush());
    });
  }

  /** The key (canonical JSON) a device registered, or null. */
  async deviceKey(deviceId: string): Promise<string | null> {
    return (await this.#sql.get<{ public_key: string | null }>(sql`SELECT public_key FROM devices WHERE id = ${deviceId}`))?.public_key ?? null;
  }

  /** Whether the device a report signed so would go to exists already (asked only while new devices are refused). */
  async knows(deviceId: string, signature: ReportSignature): Promise<boolean> {
    const bound = await this.#sql.get<DeviceState>(sql`SELECT public_key, last_report_id, last_signed_at FROM devices WHERE id = ${deviceId}`);
    const id = reportDevice(bound, deviceId, signature);
    return id === deviceId ? bound !== undefined : (await this.deviceKey(id)) !== null;
  }

  /** An admin forgets a device (an invented one, a retired browser); the fleet's versions follow. Answers whether it existed. */
  async forget(deviceId: string): Promise<boolean> {
    const forgotten = await this.#sql.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM device_extensions WHERE device_id = ${deviceId}`);
      await tx.run(sql`DELETE FROM device_findings WHERE device_id = ${deviceId}`);
      await tx.run(sql`DELETE FROM device_levels WHERE device_id = ${deviceId}`);
      return uncount(tx, await tx.all<VersionsRow>(sql`DELETE FROM devices WHERE id = ${deviceId} RETURNING ${VERSIONS_COLUMNS}`));
    });
    this.#seen.delete(deviceId);
    if (forgotten) this.#versionsStale = true;
    return forgotten > 0;
  }

  /** Notes when a report for the device was last refused, and why; answers whether the device exists. */
  recordRefusal(deviceId: string, reason: RefusalReason, at: number): Promise<boolean> {
    return this.#sql.transaction(async (tx) => {
      const row = await tx.get<{ last_refusal: string | null }>(sql`SELECT last_refusal FROM devices WHERE id = ${deviceId} ${forUpdate}`);
      if (!row) return false;
      const refusals = { ...(row.last_refusal ? (JSON.parse(row.last_refusal) as Record<string, number>) : {}), [reason]: at };
      await tx.run(sql`UPDATE devices SET last_refusal = ${JSON.stringify(refusals)} WHERE id = ${deviceId}`);
      return true;
    });
  }

  /** Devices per level, the whole fleet. */
  counts(): Promise<LevelCounts> {
    return levelCounts(this.#sql, {}, 0);
  }

  /** Devices whose last report is older than `staleBefore`. */
  async stoppedReporting(staleBefore: number): Promise<number> {
    return (await this.#sql.get<{ n: number }>(sql`SELECT count(*) AS n FROM devices WHERE last_seen_at < ${staleBefore}`))!.n;
  }

  /** Forgets devices silent since before `cutoff`; answers how many. The fleet's versions follow the devices kept. */
  async prune(cutoff: number): Promise<number> {
    const pruned = await this.#sql.transaction(async (tx) => {
      for (const table of [constant('device_extensions'), constant('device_findings'), constant('device_levels')])
        await tx.run(sql`DELETE FROM ${table} WHERE device_id IN (SELECT id FROM devices WHERE last_seen_at < ${cutoff})`);
      return uncount(tx, await tx.all<VersionsRow>(sql`DELETE FROM devices WHERE last_seen_at < ${cutoff} RETURNING ${VERSIONS_COLUMNS}`));
    });
    if (pruned > 0) this.#versionsStale = true;
    return pruned;
  }

  /**
   * A page of the devices the filters match, in the order asked, from where `after` ends (storage/device-list.ts);
   * those silent since before `staleBefore` are marked. Each carries its worst `findings` (LIST_FINDINGS unless told).
   */
  async list(query: {
    filter: DeviceFilter;
    sort: DeviceSort;
    limit: number;
    after: Position | null;
    staleBefore: number;
    findings?: number;
  }): Promise<DevicesAnswer> {
    const { rows, next } = await devicePage<DeviceRow & PositionRow>(this.#sql, query);
    return { devices: rows.map((r) => this.#summary(r, query.staleBefore, query.findings ?? LIST_FINDINGS)), next: next && encodeCursor(next) };
  }

  /** How many devices the filters match, and per level how many every filter but the levels matches. */
  async count(filter: DeviceFilter, staleBefore: number): Promise<DeviceCounts> {
    const { levels, ...others } = filter;
    const counts = await levelCounts(this.#sql, others, staleBefore);
    return { counts, matching: LEVELS.filter((l) => !levels || levels.includes(l)).reduce((n, l) => n + counts[l], 0) };
  }

  /** One device as the console shows it, with its extensions and its levels' history; null when there is none. */
  async device(
    id: string,
    staleBefore: number,
  ): Promise<{
    summary: DeviceSummary;
    key: { publicKey: string | null; lastSignedAt: number | null };
    extensions: DeviceExtensionRow[];
    history: HistoryRow[];
  } | null> {
    const row = await this.#sql.get<DeviceRow>(sql`SELECT * FROM devices WHERE id = ${id}`);
    if (!row) return null;
    const extensions = await this.#sql.all<DeviceExtensionRow>(
      sql`SELECT de.*, ev.name, ev.version, ev.permissions, ev.host_permissions, ev.update_url
          FROM device_extensions de JOIN extension_versions ev ON ev.version_key = de.version_key WHERE de.device_id = ${id}`,
    );
    const history = await this.#sql.all<HistoryRow>(
      sql`SELECT at, level, findings FROM device_levels WHERE device_id = ${id} ORDER BY at DESC LIMIT ${DEVICE_HISTORY_KEPT}`,
    );
    const held = this.#withSeen(row);
    return {
      summary: this.#summary(row, staleBefore),
      key: { publicKey: row.public_key, lastSignedAt: held.last_signed_at },
      extensions,
      history: history.map((h) => ({ ...h, at: Number(h.at), findings: Number(h.findings) })),
    };
  }

  /** A device's row as admins see it, with the newer time held in memory and its worst `findings`. */
  #summary(row: DeviceRow, staleBefore: number, findings = Number.POSITIVE_INFINITY): DeviceSummary {
    return deviceSummary({ ...row, last_seen_at: Math.max(row.last_seen_at, this.#seen.get(row.id)?.last_seen_at ?? 0) }, staleBefore, findings);
  }

  /** Stops the timers and writes every time held in memory. */
  async close(): Promise<void> {
    if (this.#reloading) clearInterval(this.#reloading);
    clearInterval(this.#flushingSeen);
    await this.writeSeen(true);
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    this.#committing = true;
    try {
      const committed: (() => void)[] = [];
      const { outcomes, raised } = await this.#sql.transaction((tx) => this.#ingest(tx, batch, committed), { group: true });
      for (const apply of committed) apply();
      for (const key of raised) this.#raise(key);
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof Error) p.reject(outcome);
        else p.resolve(outcome);
      });
    } catch (err) {
      // What the failed transaction taught the in-memory counts is gone with it.
      this.#versionsStale = true;
      for (const p of batch) p.reject(err);
    } finally {
      this.#committing = false;
      if (this.#queue.length > 0) void this.#flush();
    }
  }

  /**
   * What the inventory knew of the devices whose extensions a report may change: only those whose digest differs from
   * their stored one (nearly every report has none), so an unchanged report costs no query here.
   */
  async #inventoryBefore(tx: Sql, batch: Pending[], devices: ReadonlyMap<string, DeviceState>): Promise<InventoryBefore> {
    const changed = [
      ...new Set(
        batch.flatMap(({ report, signature }) => {
          const digest = extensionsDigest(report.extensions);
          const candidates = signature.thumbprint ? [report.deviceId, siblingId(report.deviceId, signature.thumbprint)] : [report.deviceId];
          return candidates.filter((id) => {
            const stored = devices.get(id)?.extensions_digest;
            return stored != null && stored !== digest;
          });
        }),
      ),
    ];
    const links = new Map<string, Map<string, DeviceExtension>>();
    const known = new Map<string, ExtensionVersion>();
    if (changed.length > 0) {
      // Each link with the version it names, in one statement: a group's changed devices cost one query here.
      const rows = await tx.all<DeviceExtension & Omit<ExtensionVersion, 'extension_id' | 'version_key'>>(
        sql`SELECT de.*, ev.name, ev.version, ev.permissions, ev.host_permissions, ev.update_url, ev.first_seen_at
            FROM device_extensions de LEFT JOIN extension_versions ev ON ev.version_key = de.version_key WHERE de.device_id ${inList(changed)}`,
      );
      for (const r of rows) {
        const { name, version, permissions, host_permissions, update_url, first_seen_at, ...link } = r;
        const mine = links.get(link.device_id) ?? new Map<string, DeviceExtension>();
        links.set(link.device_id, mine.set(link.extension_id, link));
        // A version forgotten by the upkeep while a device still names it cannot be: the upkeep keeps every version a device runs.
        if (permissions !== null)
          known.set(link.version_key, {
            version_key: link.version_key,
            extension_id: link.extension_id,
            name,
            version,
            permissions,
            host_permissions,
            update_url,
            first_seen_at,
          });
      }
    }
    return { links, known, spendWithoutHistory: (now) => this.#newDeviceChanges.take('all', now) === 0, raised: this.#raised };
  }

  #raise(key: string): void {
    if (this.#raised.size >= RAISED_KEPT) this.#raised = new Set();
    this.#raised.add(key);
  }

  /** A device's row with the newer time and report held in memory, if any. */
  #withSeen(row: DeviceState): DeviceState {
    const held = this.#seen.get(row.id);
    if (!held || held.last_seen_at <= row.last_seen_at) return row;
    return { ...row, last_seen_at: held.last_seen_at, last_report_id: held.last_report_id, last_signed_at: held.last_signed_at };
  }

  async #ingest(tx: Sql, batch: Pending[], committed: (() => void)[]): Promise<{ outcomes: IngestOutcome[]; raised: string[] }> {
    if (this.#versionsStale) {
      this.#versions.clear();
      for (const count of await tx.all<VersionCount>(sql`SELECT browser, version, devices FROM fleet_versions`)) this.#versions.count(count);
      this.#versionsStale = false;
    }
    // A report signed by another key than its id's device goes to that key's own device (domain/report-order.ts): both are read.
    const ids = [
      ...new Set(
        batch.flatMap(({ report, signature }) =>
          signature.thumbprint ? [report.deviceId, siblingId(report.deviceId, signature.thumbprint)] : [report.deviceId],
        ),
      ),
    ].sort();
    const rows = await tx.all<DeviceState>(
      sql`SELECT id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id, public_key, last_signed_at,
                 alerted, extensions_digest, change_alerts
          FROM devices WHERE id ${inList(ids)} ORDER BY id ${forUpdate}`,
    );
    const waiting = await tx.all<{ device_id: string }>(
      sql`SELECT DISTINCT device_id FROM outbox WHERE device_id ${inList(ids)} AND state IN ('pending', 'pending_retry', 'running')`,
    );
    const storedAt = new Map(rows.map((r) => [r.id, r.last_seen_at]));
    const devicesBefore = new Map(rows.map((r) => [r.id, this.#withSeen(r)]));
    const { outcomes, devices, seen, versions, alerts, inventory, raised } = ingestGroup(batch, {
      devices: devicesBefore,
      waiting: new Set(waiting.map((r) => r.device_id)),
      versions: this.#versions,
      admit: this.#options.admit ?? (() => 0),
      releases: this.#options.releases?.() ?? null,
      exploited: this.#options.exploited?.() ?? null,
      ...(this.#options.inventory === false ? {} : { inventory: await this.#inventoryBefore(tx, batch, devicesBefore) }),
    });
    if (devices.length > 0)
      await tx.insertRows(
        'devices',
        DEVICE_COLUMNS,
        devices.map((d) => DEVICE_COLUMNS.map((c) => d[c])),
        DEVICE_UPSERT,
      );
    await writeFindingsAndLevels(tx, devices, devicesBefore);
    await countVersions(tx, versions);
    // Held and counted once the group commits; a group rolled back leaves the times it saw to be seen again.
    committed.push(() => {
      this.#options.rowsWritten?.(devices.length);
      for (const d of devices) this.#seen.delete(d.id);
      for (const s of seen) this.#seen.set(s.id, { ...s, storedAt: this.#seen.get(s.id)?.storedAt ?? storedAt.get(s.id) ?? s.last_seen_at });
    });
    await writeInventory(tx, inventory);
    if (alerts.length > 0) {
      await tx.insertRows(
        'outbox',
        ['device_id', 'report_id', 'payload', 'state', 'created_at', 'due_at', 'first_due_at'],
        alerts.map((a) => [a.deviceId, a.reportId, a.payload, 'pending', a.createdAt, a.dueAt, a.dueAt]),
        'ON CONFLICT (device_id, report_id) DO NOTHING',
      );
    }
    return { outcomes, raised };
  }
}

type VersionsRow = Parameters<typeof versionsEntry>[0];

/** A device's level from a time on, and how many findings it had then. */
export interface HistoryRow {
  at: number;
  level: Level;
  findings: number;
}

/**
 * The console's rows of the devices a group writes (migration 19): their findings, when they changed, and their level,
 * when it changed, the newest DEVICE_HISTORY_KEPT kept. A report that changes neither costs nothing more here.
 */
async function writeFindingsAndLevels(tx: Sql, written: readonly DeviceState[], before: ReadonlyMap<string, DeviceState>): Promise<void> {
  const refound = written.filter((d) => before.get(d.id)?.findings !== d.findings);
  const known = refound.filter((d) => before.has(d.id)).map((d) => d.id);
  if (known.length > 0) await tx.run(sql`DELETE FROM device_findings WHERE device_id ${inList(known)}`);
  const findings = new Map<string, [string, string, string]>();
  for (const d of refound) for (const f of JSON.parse(d.findings) as Finding[]) findings.set(`${d.id}|${findingKey(f)}`, [d.id, f.check, f.subject]);
  if (findings.size > 0) await tx.insertRows('device_findings', ['device_id', 'check_id', 'subject'], [...findings.values()]);
  const moved = written.filter((d) => before.get(d.id)?.level !== d.level);
  if (moved.length === 0) return;
  await tx.insertRows(
    'device_levels',
    ['device_id', 'at', 'level', 'findings', 'report_id'],
    moved.map((d) => [d.id, d.last_seen_at, d.level, (JSON.parse(d.findings) as unknown[]).length, d.last_report_id]),
    'ON CONFLICT (device_id, at) DO UPDATE SET level = excluded.level, findings = excluded.findings, report_id = excluded.report_id',
  );
  await tx.run(
    sql`DELETE FROM device_levels WHERE device_id ${inList(moved.map((d) => d.id))}
          AND at < (SELECT at FROM device_levels kept WHERE kept.device_id = device_levels.device_id ORDER BY at DESC LIMIT 1 OFFSET ${DEVICE_HISTORY_KEPT - 1})`,
  );
}
const VERSIONS_COLUMNS = constant('browser, version, first_seen_at, last_seen_at');

/** Adds a write's moves to the fleet's counts of versions, in the order every relay takes them; drops the counts gone to none. */
async function countVersions(tx: Sql, counts: VersionCount[]): Promise<void> {
  if (counts.length === 0) return;
  await tx.insertRows(
    'fleet_versions',
    ['browser', 'version', 'devices'],
    counts.map((c) => [c.browser, c.version, c.devices]),
    'ON CONFLICT (browser, version) DO UPDATE SET devices = fleet_versions.devices + excluded.devices',
  );
  if (counts.some((c) => c.devices < 0)) await tx.run(sql`DELETE FROM fleet_versions WHERE devices <= 0`);
}

/** Takes devices just deleted out of the fleet's counts of versions; answers how many there were. */
async function uncount(tx: Sql, deleted: VersionsRow[]): Promise<number> {
  const moves = new VersionMoves();
  for (const row of deleted) moves.move(versionsEntry(row), undefined);
  await countVersions(tx, moves.counts());
  return deleted.length;
}

/** The group's inventory writes: links replaced, links the devices dropped, and versions added if new. */
async function writeInventory(tx: Sql, w: InventoryWrites): Promise<void> {
  if (w.links.length > 0)
    await tx.insertRows(
      'device_extensions',
      LINK_COLUMNS,
      w.links.map((l) => LINK_COLUMNS.map((c) => l[c])),
      `ON CONFLICT (device_id, extension_id) DO UPDATE SET version_key = excluded.version_key, install_type = excluded.install_type,
         enabled = excluded.enabled, disabled_reason = excluded.disabled_reason, since = excluded.since, installed_at = excluded.installed_at`,
    );
  const byDevice = new Map<string, string[]>();
  for (const [device, extension] of w.removed) byDevice.set(device, [...(byDevice.get(device) ?? []), extension]);
  for (const [device, extensions] of byDevice)
    await tx.run(sql`DELETE FROM device_extensions WHERE device_id = ${device} AND extension_id ${inList(extensions)}`);
  if (w.versions.length > 0)
    await tx.insertRows(
      'extension_versions',
      VERSION_COLUMNS,
      w.versions.map((v) => VERSION_COLUMNS.map((c) => v[c])),
      'ON CONFLICT (version_key) DO NOTHING',
    );
}

/** A device as admins see it, from its row, with its worst `shown` findings; those silent since before `staleBefore` are marked. */
function deviceSummary(r: DeviceRow, staleBefore: number, shown: number): DeviceSummary {
  // Stored worst first (domain/judgement.ts capFindings).
  const findings = JSON.parse(r.findings) as Finding[];
  return {
    id: r.id,
    label: r.label,
    browser: r.browser,
    version: r.version,
    os: r.os,
    level: r.level,
    compliant: r.compliant === 1,
    findings: findings.slice(0, shown),
    findingCount: findings.length,
    firstSeenAt: new Date(r.first_seen_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    stoppedReporting: r.last_seen_at < staleBefore,
    ...(r.last_refusal ? { refusals: refusalTimes(JSON.parse(r.last_refusal) as Record<string, number>) } : {}),
    ...(r.id.includes('~') ? { sameIdAs: r.id.slice(0, r.id.indexOf('~')) } : {}),
  };
}

const refusalTimes = (stored: Record<string, number>): DeviceSummary['refusals'] =>
  Object.fromEntries(REFUSAL_REASONS.filter((reason) => typeof stored[reason] === 'number').map((reason) => [reason, new Date(stored[reason]!).toISOString()]));
