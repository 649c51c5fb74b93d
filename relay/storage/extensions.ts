import type { AlertPolicy } from '../../shared/alert-policy';
import type { ExtensionsAnswer } from '../../shared/inventory';
import * as v from 'valibot';
import {
  ExtensionAlertSchema,
  firstReach,
  FOLLOW_UP_FOR_MS,
  followUp,
  followUpBases,
  type ExtensionAlert,
  type Reach,
  type SentChange,
} from '../domain/extension-alert';
import { extensionAlertSource, KEPT_OLD_VERSIONS, SPREAD, SPREAD_ALERT_ID, spreads, type ExtensionVersion } from '../domain/extension-inventory';
import { HISTORY_MS } from '../domain/fleet-versions';
import { inventoryView, type LinkCount } from '../domain/inventory-view';
import { constant, sql, type Sql } from './sql';

/** Device names a change mail lists. */
const SAMPLE = 5;

/** Devices per extension, version and install type, as the Extensions list counts them. */
const LINK_COUNTS = constant(`de.extension_id, de.version_key, de.install_type, count(*) AS devices, sum(de.enabled) AS enabled,
  sum(CASE WHEN de.disabled_reason = 'permissions_increase' THEN 1 ELSE 0 END) AS disabled_by_browser, max(d.last_seen_at) AS last_seen_at`);
const BY_VERSION = constant('GROUP BY de.extension_id, de.version_key, de.install_type');
/** Devices per install type, and how many of them the browser disabled for asking more. */
const TYPE_COUNTS = constant(`install_type, count(*) AS n, sum(CASE WHEN disabled_reason = 'permissions_increase' THEN 1 ELSE 0 END) AS disabled`);
type TypeCount = { install_type: keyof Reach['installTypes']; n: number; disabled: number };

/**
 * The fleet's extension inventory, read: the Extensions list, who runs an alert's version as its mail is written, and
 * the upkeep (old versions forgotten, spreading extensions alerted). The ingest writes it (fleet.ts), in the report's
 * transaction.
 */
export class ExtensionInventory {
  readonly #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async list(input: {
    policy: Pick<AlertPolicy, 'allowlist' | 'blocklist'>;
    now: number;
    limit: number;
    id?: string;
    detailsUrl: (id: string) => string;
  }): Promise<ExtensionsAnswer> {
    const counts =
      input.id === undefined
        ? await this.#sql.all<LinkCount>(sql`SELECT ${LINK_COUNTS} FROM device_extensions de JOIN devices d ON d.id = de.device_id ${BY_VERSION}`)
        : await this.#sql.all<LinkCount>(
            sql`SELECT ${LINK_COUNTS} FROM device_extensions de JOIN devices d ON d.id = de.device_id WHERE de.extension_id = ${input.id} ${BY_VERSION}`,
          );
    const versions =
      input.id === undefined
        ? await this.#sql.all<ExtensionVersion>(sql`SELECT * FROM extension_versions`)
        : await this.#sql.all<ExtensionVersion>(sql`SELECT * FROM extension_versions WHERE extension_id = ${input.id}`);
    return inventoryView({ counts: counts.map(numbers), versions, policy: input.policy, now: input.now, limit: input.limit, detailsUrl: input.detailsUrl });
  }

  /** Who runs each alert's version now (a change), or has the extension (a spread); the alert's own device when none does. */
  async reach(alerts: readonly ExtensionAlert[]): Promise<Map<ExtensionAlert, Reach>> {
    const reach = new Map<ExtensionAlert, Reach>();
    for (const a of alerts) {
      // A change reaches the devices on its new version (a follow-up, those that took it since the last mail); a spread,
      // those with the extension at all.
      const since = a.followUp?.since ?? -1;
      const types = a.change
        ? await this.#sql.all<TypeCount>(
            sql`SELECT ${TYPE_COUNTS} FROM device_extensions WHERE version_key = ${a.change.to.key} AND since > ${since} GROUP BY install_type`,
          )
        : await this.#sql.all<TypeCount>(sql`SELECT ${TYPE_COUNTS} FROM device_extensions WHERE extension_id = ${a.extension.id} GROUP BY install_type`);
      const devices = types.reduce((n, t) => n + Number(t.n), 0);
      if (devices === 0) {
        reach.set(a, firstReach(a));
        continue;
      }
      const sample = a.change
        ? await this.#sql.all<{ id: string; label: string }>(
            sql`SELECT d.id, d.label FROM device_extensions de JOIN devices d ON d.id = de.device_id
                WHERE de.version_key = ${a.change.to.key} AND de.since > ${since} ORDER BY de.since, d.id LIMIT ${SAMPLE}`,
          )
        : await this.#sql.all<{ id: string; label: string }>(
            sql`SELECT d.id, d.label FROM device_extensions de JOIN devices d ON d.id = de.device_id
                WHERE de.extension_id = ${a.extension.id} ORDER BY de.since, d.id LIMIT ${SAMPLE}`,
          );
      reach.set(a, {
        devices,
        sample,
        installTypes: Object.fromEntries(types.map((t) => [t.install_type, Number(t.n)])),
        disabledByBrowser: types.reduce((n, t) => n + Number(t.disabled), 0),
      });
    }
    return reach;
  }

  /**
   * Forgets versions no device runs beyond each extension's KEPT_OLD_VERSIONS newest, and every version of an
   * extension no device has (so ids a reporter invents leave with its devices); alerts extensions spreading (SPREAD), and
   * the devices that took a mailed change since (extension-alert.ts's follow-up rule). Answers how many versions went,
   * which extensions were alerted as spreading, and how many follow-ups were raised.
   */
  maintain(
    now: number,
    policy: Pick<AlertPolicy, 'groupingWindowSeconds' | 'allowlist' | 'cooldownMinutes'>,
  ): Promise<{ forgotten: number; spreading: string[]; followUps: number }> {
    return this.#sql.transaction(async (tx) => {
      const gone = await tx.run(
        sql`DELETE FROM extension_versions WHERE NOT EXISTS (SELECT 1 FROM device_extensions de WHERE de.extension_id = extension_versions.extension_id)`,
      );
      const old = await tx.run(
        sql`DELETE FROM extension_versions WHERE version_key IN (
              SELECT version_key FROM (
                SELECT ev.version_key, row_number() OVER (PARTITION BY ev.extension_id ORDER BY ev.first_seen_at DESC) AS n FROM extension_versions ev
                WHERE NOT EXISTS (SELECT 1 FROM device_extensions de WHERE de.extension_id = ev.extension_id AND de.version_key = ev.version_key)) AS unused
              WHERE n > ${KEPT_OLD_VERSIONS})`,
      );
      const since = now - SPREAD.windowMs;
      // The devices with a day of history, as the fleet's versions count them (storage/fleet.ts): no scan of the devices.
      const fleet = Number((await tx.get<{ n: number | null }>(sql`SELECT sum(devices) AS n FROM fleet_versions`))!.n ?? 0);
      // Only extensions first seen within the window can spread, and their links are found through their index: at
      // 100,000 devices (2.2 million links) reading every link installed lately took 5 s a minute, all ingest waiting.
      const candidates =
        fleet < SPREAD.minDevices
          ? []
          : await tx.all<{ extension_id: string; installs: number; first_device: string; label: string; name: string; since: number }>(
              sql`SELECT de.extension_id, count(*) AS installs, min(d.id) AS first_device, min(d.label) AS label, min(ev.name) AS name, min(de.installed_at) AS since
                  FROM device_extensions de JOIN devices d ON d.id = de.device_id JOIN extension_versions ev ON ev.version_key = de.version_key
                  WHERE de.extension_id IN (SELECT extension_id FROM extension_versions GROUP BY extension_id HAVING min(first_seen_at) >= ${since})
                    AND de.installed_at >= ${since} AND d.last_seen_at - d.first_seen_at >= ${HISTORY_MS}
                  GROUP BY de.extension_id`,
            );
      const allowed = new Set(policy.allowlist);
      const spreading = candidates.filter((c) => spreads(Number(c.installs), Number(fleet)) && !allowed.has(c.extension_id));
      if (spreading.length > 0) {
        const dueAt = now + policy.groupingWindowSeconds * 1000;
        await tx.insertRows(
          'outbox',
          ['device_id', 'report_id', 'payload', 'state', 'created_at', 'due_at', 'first_due_at'],
          spreading.map((c) => {
            const alert: ExtensionAlert = {
              kind: 'extension-spread',
              level: 'high',
              extension: { id: c.extension_id, name: c.name },
              firstDevice: { id: c.first_device, label: c.label, installType: 'normal', disabledByBrowser: false },
              spread: { devices: Number(c.installs), since: Number(c.since) },
              reportedAt: now,
            };
            return [extensionAlertSource(c.extension_id), SPREAD_ALERT_ID, JSON.stringify(alert), 'pending', now, dueAt, dueAt];
          }),
          'ON CONFLICT (device_id, report_id) DO NOTHING',
        );
      }
      const followUps = await raiseFollowUps(tx, now, policy);
      return { forgotten: gone + old, spreading: spreading.map((c) => c.extension_id), followUps };
    });
  }
}

/** A follow-up for each mailed change that devices took since, once per cooldown (extension-alert.ts). */
async function raiseFollowUps(tx: Sql, now: number, policy: Pick<AlertPolicy, 'groupingWindowSeconds' | 'cooldownMinutes'>): Promise<number> {
  // The fleet-wide alerts' rows, by the range of their source ('extension:' up to the next character), so the outbox's
  // (device_id, report_id) index finds them among the devices' alerts.
  const rows = await tx.all<{ report_id: string; payload: string; state: string; created_at: number; sent_at: number | null }>(
    sql`SELECT report_id, payload, state, created_at, sent_at FROM outbox
        WHERE device_id >= 'extension:' AND device_id < 'extension;' AND report_id LIKE 'change:%' AND created_at > ${now - FOLLOW_UP_FOR_MS}`,
  );
  const changes: SentChange[] = rows.flatMap((r) => {
    // A row that does not read (a bad restore) is the outbox's to fail when it is sent; here it is only not followed up.
    const parsed = v.safeParse(ExtensionAlertSchema, parseOrNull(r.payload));
    return parsed.success
      ? [
          {
            reportId: r.report_id,
            payload: parsed.output,
            state: r.state,
            createdAt: Number(r.created_at),
            sentAt: r.sent_at === null ? null : Number(r.sent_at),
          },
        ]
      : [];
  });
  let raised = 0;
  for (const base of followUpBases(changes, policy.cooldownMinutes * 60_000, now)) {
    const joined = await tx.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM device_extensions WHERE version_key = ${base.payload.change!.to.key} AND since > ${base.sentAt}`,
    );
    if (Number(joined!.n) === 0) continue;
    const { reportId, alert } = followUp(base, now);
    const dueAt = now + policy.groupingWindowSeconds * 1000;
    raised += await tx.run(
      sql`INSERT INTO outbox (device_id, report_id, payload, state, created_at, due_at, first_due_at)
          VALUES (${extensionAlertSource(alert.extension.id)}, ${reportId}, ${JSON.stringify(alert)}, 'pending', ${now}, ${dueAt}, ${dueAt})
          ON CONFLICT (device_id, report_id) DO NOTHING`,
    );
  }
  return raised;
}

function parseOrNull(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

/** PostgreSQL answers sums as numeric text. */
const numbers = (c: LinkCount): LinkCount => ({
  ...c,
  devices: Number(c.devices),
  enabled: Number(c.enabled),
  disabled_by_browser: Number(c.disabled_by_browser),
});
