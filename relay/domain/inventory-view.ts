import type { AlertPolicy } from '../../shared/alert-policy';
import { allowedBy, extensionRisk, INSTALL_POINTS, RISK_TABLE_VERSION, type FleetObservation } from '../../shared/extension-risk';
import type { ExtensionsAnswer, InventoryChange, InventoryExtension } from '../../shared/inventory';
import type { ExtensionFacts } from '../../shared/report';
import { versionChange, type ExtensionVersion } from './extension-inventory';

/** How far back a version replacing another is listed as a recent change. */
export const RECENT_CHANGE_MS = 30 * 24 * 3_600_000;

/** Devices per extension, version and install type, as the store counts them. */
export interface LinkCount {
  extension_id: string;
  version_key: string;
  install_type: ExtensionFacts['installType'];
  devices: number;
  enabled: number;
  disabled_by_browser: number;
  last_seen_at: number;
}

const powers = (v: ExtensionVersion) => ({ permissions: JSON.parse(v.permissions) as string[], hostPermissions: JSON.parse(v.host_permissions) as string[] });
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A version counts for its extension's score once this share of the extension's devices runs it (any version does while
 * the extension is on fewer than 1 / SCORED_SHARE devices): one device claiming a riskier version of a popular
 * extension shows in its versions, with its own score, without changing the extension's.
 */
export const SCORED_SHARE = 0.1;

/** Appends to the list under `key`: linear however many rows share a key. */
function group<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(key(row));
    if (list) list.push(row);
    else groups.set(key(row), [row]);
  }
  return groups;
}

/**
 * The fleet's extensions as admins see them, riskiest first: each scored on the riskiest version a real share of its
 * devices runs (SCORED_SHARE), with the fleet's signs (shared/extension-risk.ts), its versions each with its own
 * score, and the changes of the last RECENT_CHANGE_MS.
 */
export function inventoryView(input: {
  counts: readonly LinkCount[];
  versions: readonly ExtensionVersion[];
  policy: Pick<AlertPolicy, 'allowlist' | 'blocklist'>;
  now: number;
  limit: number;
  detailsUrl: (id: string) => string;
}): ExtensionsAnswer {
  const allowed = allowedBy(input.policy);
  const blocked = new Set(input.policy.blocklist);
  const versionsOf = group(input.versions, (v) => v.extension_id);
  const extensions: InventoryExtension[] = [];
  for (const [id, counts] of group(input.counts, (c) => c.extension_id)) {
    const versions = (versionsOf.get(id) ?? []).sort((a, b) => a.first_seen_at - b.first_seen_at);
    if (versions.length === 0) continue;
    const onVersion = new Map<string, number>();
    const installTypes: Record<string, number> = {};
    let devices = 0;
    let enabledOn = 0;
    let lastSeen = 0;
    for (const c of counts) {
      onVersion.set(c.version_key, (onVersion.get(c.version_key) ?? 0) + c.devices);
      installTypes[c.install_type] = (installTypes[c.install_type] ?? 0) + c.devices;
      devices += c.devices;
      enabledOn += c.enabled;
      lastSeen = Math.max(lastSeen, c.last_seen_at);
    }
    const worstInstall = (Object.keys(installTypes) as ExtensionFacts['installType'][]).sort((a, b) => INSTALL_POINTS[b] - INSTALL_POINTS[a])[0]!;
    const changeBetween = (from: ExtensionVersion, to: ExtensionVersion) => versionChange(from, to, { install_type: worstInstall, disabled_reason: null });

    const changes: InventoryChange[] = [];
    for (let i = 1; i < versions.length; i++) {
      const to = versions[i]!;
      if (input.now - to.first_seen_at > RECENT_CHANGE_MS) continue;
      const change = changeBetween(versions[i - 1]!, to);
      if (!change) continue;
      changes.push({
        from: change.from.version,
        to: change.to.version,
        added: change.added,
        removed: change.removed,
        ...(change.updateUrl ? { updateUrl: change.updateUrl } : {}),
        at: iso(to.first_seen_at),
        devices: onVersion.get(to.version_key) ?? 0,
      });
    }

    const live = versions.filter((v) => (onVersion.get(v.version_key) ?? 0) > 0);
    const position = new Map(versions.map((v, i) => [v.version_key, i]));
    const scoreOf = (v: ExtensionVersion) => {
      const before = versions[position.get(v.version_key)! - 1];
      const grew = before ? changeBetween(before, v) : null;
      const fleet: FleetObservation = { devices, now: input.now, ...(grew ? { changedAt: v.first_seen_at, added: grew.added } : {}) };
      return extensionRisk({ ...powers(v), installType: worstInstall, updateUrl: v.update_url ?? undefined }, allowed.permissions, fleet);
    };
    // The versions a real share of its devices runs; when none does, the one most run.
    const mostRun = live.reduce(
      (most, v) => ((onVersion.get(v.version_key) ?? 0) >= (onVersion.get(most.version_key) ?? 0) ? v : most),
      live[0] ?? versions.at(-1)!,
    );
    const counted = live.filter((v) => (onVersion.get(v.version_key) ?? 0) >= devices * SCORED_SHARE);
    const [scored, risk] = (counted.length > 0 ? counted : [mostRun])
      .map((v) => [v, scoreOf(v)] as const)
      .reduce((worst, next) => (next[1].score > worst[1].score ? next : worst));
    const level = `RISK_LEVEL_${risk.level}` as const;
    extensions.push({
      id,
      name: versions[0]!.name,
      devices,
      enabledOn,
      installTypes,
      updateUrls: [...new Set(live.flatMap((v) => (v.update_url ? [v.update_url] : [])))],
      firstSeenAt: iso(versions[0]!.first_seen_at),
      lastSeenAt: iso(lastSeen),
      versions: versions
        .map((v) => ({
          version: v.version,
          ...powers(v),
          updateUrl: v.update_url,
          devices: onVersion.get(v.version_key) ?? 0,
          firstSeenAt: iso(v.first_seen_at),
          score: scoreOf(v).score,
        }))
        .reverse(),
      risk,
      recentChanges: changes.reverse(),
      allowed: allowed.extension(id, scored.version),
      blocked: blocked.has(id),
      riskAssessment: {
        overallRiskLevel: level,
        entries: [
          {
            provider: 'GUARDMAIL',
            riskLevel: level,
            riskAssessment: { assessment: String(risk.score), detailsUrl: input.detailsUrl(id), version: scored.version },
          },
        ],
      },
    });
  }
  extensions.sort((a, b) => b.risk.score - a.risk.score || b.devices - a.devices || a.id.localeCompare(b.id));
  return { extensions: extensions.slice(0, input.limit), total: extensions.length, riskTable: RISK_TABLE_VERSION };
}
