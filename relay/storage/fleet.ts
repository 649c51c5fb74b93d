import { LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import type { Finding } from '../../shared/checks/index';
import { REFUSAL_REASONS, type DeviceSummary, type LevelCounts, type RefusalReason } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { FleetVersions, versionsEntry } from '../domain/fleet-versions';
import { extensionsDigest, type DeviceExtension, type ExtensionVersion } from '../domain/extension-inventory';
import { ingestGroup, type DeviceState, type IncomingReport, type IngestOutcome, type IngestResult } from '../domain/ingest';
import type { InventoryBefore, InventoryWrites } from '../domain/inventory-group';
import { RateLimiter } from '../domain/rate-limit';
import type { ReportSignature } from '../domain/report-order';
import { constant, forUpdate, inList, sql, type Sql } from './sql';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';

export interface FleetOptions {
  /** 0 to let a device the relay has never seen in, else how long it must wait. */
  admit?: (now: number) => number;
  releases?: () => ReleaseIndex | null;
  exploited?: () => ExploitIndex | null;
  /** False leaves the extension inventory alone (the benchmark's baseline); on by default. */
  inventory?: boolean;
}

/**
 * Change alerts started by devices without a day of history, relay-wide: anyone with the enrollment token can invent
 * devices, and each could otherwise start its own daily few (domain/extension-inventory.ts).
 */
export const NEW_DEVICE_CHANGE_ALERTS = { burst: 20, perHour: 20 } as const;
const RAISED_KEPT = 10_000;

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

/** The worst devices first, then the most recently seen. */
const DEVICE_ORDER = constant(`CASE level ${LEVELS.map((l, i) => `WHEN '${l}' THEN ${i}`).join(' ')} END, last_seen_at DESC`);

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
 * The fleet's newest versions are counted in memory from the devices; where several relays share the store, their
 * reports reach this count when it is counted again, every `reloadVersionsMs`: they are a quorum of the fleet, not one
 * device's fact.
 */
export class FleetStore {
  readonly #sql: Sql;
  readonly #versions = new FleetVersions();
  readonly #options: FleetOptions;
  #queue: Pending[] = [];
  #committing = false;
  /**
   * The versions are counted again from the table before the next group: at first, after a group that was not
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

  constructor(sql: Sql, options: FleetOptions & { reloadVersionsMs?: number } = {}) {
    this.#sql = sql;
    this.#options = options;
    this.#reloading = options.reloadVersionsMs ? setInterval(() => (this.#versionsStale = true), options.reloadVersionsMs) : null;
    this.#reloading?.unref();
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

  /** An admin forgets a device (an invented one, a retired browser); the fleet's versions follow. Answers whether it existed. */
  async forget(deviceId: string): Promise<boolean> {
    const forgotten = await this.#sql.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM device_extensions WHERE device_id = ${deviceId}`);
      return (await tx.run(sql`DELETE FROM devices WHERE id = ${deviceId}`)) > 0;
    });
    if (forgotten) this.#versionsStale = true;
    return forgotten;
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

  async counts(): Promise<LevelCounts> {
    const counts = Object.fromEntries(LEVELS.map((l) => [l, 0])) as LevelCounts;
    for (const row of await this.#sql.all<{ level: Level; n: number }>(sql`SELECT level, count(*) AS n FROM devices GROUP BY level`)) counts[row.level] = row.n;
    return counts;
  }

  /** Devices whose last report is older than `staleBefore`. */
  async stoppedReporting(staleBefore: number): Promise<number> {
    return (await this.#sql.get<{ n: number }>(sql`SELECT count(*) AS n FROM devices WHERE last_seen_at < ${staleBefore}`))!.n;
  }

  /** Forgets devices silent since before `cutoff`; answers how many. The fleet's versions follow the devices kept. */
  async prune(cutoff: number): Promise<number> {
    const pruned = await this.#sql.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM device_extensions WHERE device_id IN (SELECT id FROM devices WHERE last_seen_at < ${cutoff})`);
      return tx.run(sql`DELETE FROM devices WHERE last_seen_at < ${cutoff}`);
    });
    if (pruned > 0) this.#versionsStale = true;
    return pruned;
  }

  /** The worst devices first, then the most recently seen; those silent since before `staleBefore` are marked. */
  async devices(limit: number, level?: Level, staleBefore = 0): Promise<DeviceSummary[]> {
    const rows = level
      ? await this.#sql.all<DeviceRow>(sql`SELECT * FROM devices WHERE level = ${level} ORDER BY ${DEVICE_ORDER} LIMIT ${limit}`)
      : await this.#sql.all<DeviceRow>(sql`SELECT * FROM devices ORDER BY ${DEVICE_ORDER} LIMIT ${limit}`);
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
      const { outcomes, raised } = await this.#sql.transaction((tx) => this.#ingest(tx, batch), { group: true });
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
        batch
          .filter((p) => {
            const digest = devices.get(p.report.deviceId)?.extensions_digest;
            return digest != null && digest !== extensionsDigest(p.report.extensions);
          })
          .map((p) => p.report.deviceId),
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

  async #ingest(tx: Sql, batch: Pending[]): Promise<{ outcomes: IngestOutcome[]; raised: string[] }> {
    if (this.#versionsStale) {
      this.#versions.clear();
      for (const row of await tx.all<Parameters<typeof versionsEntry>[0]>(sql`SELECT browser, version, first_seen_at, last_seen_at FROM devices`)) {
        this.#versions.move(undefined, versionsEntry(row));
      }
      this.#versionsStale = false;
    }
    const ids = [...new Set(batch.map((p) => p.report.deviceId))].sort();
    const rows = await tx.all<DeviceState>(
      sql`SELECT id, label, browser, version, os, level, compliant, findings, first_seen_at, last_seen_at, last_alerted_at, last_report_id, public_key, last_signed_at,
                 alerted, extensions_digest, change_alerts
          FROM devices WHERE id ${inList(ids)} ORDER BY id ${forUpdate}`,
    );
    const waiting = await tx.all<{ device_id: string }>(
      sql`SELECT DISTINCT device_id FROM outbox WHERE device_id ${inList(ids)} AND state IN ('pending', 'pending_retry', 'running')`,
    );
    const devicesBefore = new Map(rows.map((r) => [r.id, r]));
    const { outcomes, devices, alerts, inventory, raised } = ingestGroup(batch, {
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

/** A device as admins see it, from its row; those silent since before `staleBefore` are marked. */
function deviceSummary(r: DeviceRow, staleBefore: number): DeviceSummary {
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
