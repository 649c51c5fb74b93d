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
 * The fleet's extensions as admins see them, riskiest first: each scored on its riskiest version that devices run,
 * with the fleet's signs (shared/extension-risk.ts), its versions, and the changes of the last RECENT_CHANGE_MS.
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
  const versionsOf = new Map<string, ExtensionVersion[]>();
  for (const v of input.versions) versionsOf.set(v.extension_id, [...(versionsOf.get(v.extension_id) ?? []), v]);
  const countsOf = new Map<string, LinkCount[]>();
  for (const c of input.counts) countsOf.set(c.extension_id, [...(countsOf.get(c.extension_id) ?? []), c]);

  const extensions: InventoryExtension[] = [];
  for (const [id, counts] of countsOf) {
    const versions = (versionsOf.get(id) ?? []).sort((a, b) => a.first_seen_at - b.first_seen_at);
    if (versions.length === 0) continue;
    const onVersion = (key: string) => counts.filter((c) => c.version_key === key).reduce((n, c) => n + c.devices, 0);
    const devices = counts.reduce((n, c) => n + c.devices, 0);
    const installTypes: Record<string, number> = {};
    for (const c of counts) installTypes[c.install_type] = (installTypes[c.install_type] ?? 0) + c.devices;
    const worstInstall = (Object.keys(installTypes) as ExtensionFacts['installType'][]).sort((a, b) => INSTALL_POINTS[b] - INSTALL_POINTS[a])[0]!;

    const changes: InventoryChange[] = [];
    for (let i = 1; i < versions.length; i++) {
      const to = versions[i]!;
      const change = versionChange(versions[i - 1]!, to, { install_type: worstInstall, disabled_reason: null });
      if (!change || input.now - to.first_seen_at > RECENT_CHANGE_MS) continue;
      changes.push({
        from: change.from.version,
        to: change.to.version,
        added: change.added,
        removed: change.removed,
        ...(change.updateUrl ? { updateUrl: change.updateUrl } : {}),
        at: iso(to.first_seen_at),
        devices: onVersion(to.version_key),
      });
    }
    const live = versions.filter((v) => onVersion(v.version_key) > 0);
    const newest = live.at(-1) ?? versions.at(-1)!;
    const previous = versions[versions.indexOf(newest) - 1];
    const lastChange = previous ? versionChange(previous, newest, { install_type: worstInstall, disabled_reason: null }) : null;
    const fleet: FleetObservation = {
      devices,
      now: input.now,
      ...(lastChange ? { changedAt: newest.first_seen_at, added: lastChange.added } : {}),
    };
    // The riskiest version a device runs is the extension's risk.
    const risk =
      live
        .map((v) =>
          extensionRisk(
            { ...powers(v), installType: worstInstall, updateUrl: v.update_url ?? undefined },
            allowed.permissions,
            v === newest ? fleet : { devices, now: input.now },
          ),
        )
        .sort((a, b) => b.score - a.score)[0] ?? extensionRisk({ ...powers(newest), installType: worstInstall }, allowed.permissions, fleet);
    const level = `RISK_LEVEL_${risk.level}` as const;
    extensions.push({
      id,
      name: versions[0]!.name,
      devices,
      enabledOn: counts.reduce((n, c) => n + c.enabled, 0),
      installTypes,
      updateUrls: [...new Set(live.flatMap((v) => (v.update_url ? [v.update_url] : [])))],
      firstSeenAt: iso(versions[0]!.first_seen_at),
      lastSeenAt: iso(Math.max(...counts.map((c) => c.last_seen_at))),
      versions: versions
        .map((v) => ({ version: v.version, ...powers(v), updateUrl: v.update_url, devices: onVersion(v.version_key), firstSeenAt: iso(v.first_seen_at) }))
        .reverse(),
      risk,
      recentChanges: changes.reverse(),
      allowed: allowed.extension(id, newest.version),
      blocked: blocked.has(id),
      riskAssessment: {
        overallRiskLevel: level,
        entries: [
          {
            provider: 'GUARDMAIL',
            riskLevel: level,
            riskAssessment: { assessment: String(risk.score), detailsUrl: input.detailsUrl(id), version: newest.version },
          },
        ],
      },
    });
  }
  extensions.sort((a, b) => b.risk.score - a.risk.score || b.devices - a.devices || a.id.localeCompare(b.id));
  return { extensions: extensions.slice(0, input.limit), total: extensions.length, riskTable: RISK_TABLE_VERSION };
}
