import { createHash } from 'node:crypto';
import { atLeast, type AlertPolicy, type Level } from '../../shared/alert-policy';
import { allowedBy, isStoreUpdateUrl, offStore, policySnippet } from '../../shared/extension-risk';
import type { ExtensionFacts } from '../../shared/report';

/**
 * The fleet's extension inventory, as the relay derives it from reports: which version of each extension each device
 * runs, and what each version may do. A version is its permissions, host permissions and update URL as well as its
 * number, so an update that keeps the number but asks for more is a change too. The name is not part of it: a report
 * that names a known extension otherwise joins its version and renames nothing.
 */

/** One version of one extension: its key is a hash of the id and of everything that defines the version. */
export interface ExtensionVersion {
  version_key: string;
  extension_id: string;
  name: string;
  version: string;
  /** JSON string arrays, sorted. */
  permissions: string;
  host_permissions: string;
  update_url: string | null;
  first_seen_at: number;
}

/** What one device runs of one extension. */
export interface DeviceExtension {
  device_id: string;
  extension_id: string;
  version_key: string;
  install_type: ExtensionFacts['installType'];
  enabled: number;
  disabled_reason: string | null;
  /** When the device was first seen on this version. */
  since: number;
  /** When the device installed it, if after its first inventory (what it had then is its starting point): the spread rule's. */
  installed_at: number | null;
}

/** Which alerts a device raised today: a device (any device: the enrollment token is on all of them) starts a bounded few. */
export interface ChangeAlertBudget {
  day: number;
  n: number;
}

/** New change alerts one device may start per day; a change other devices already raised costs nothing to join. */
export const CHANGE_ALERTS_PER_DEVICE_DAY = 10;
const DAY_MS = 24 * 3_600_000;

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort();
const hash = (s: string, chars: number) => createHash('sha256').update(s).digest('base64url').slice(0, chars);

export function versionOf(e: ExtensionFacts, now: number): ExtensionVersion {
  const permissions = JSON.stringify(sorted(e.permissions));
  const hostPermissions = JSON.stringify(sorted(e.hostPermissions));
  const updateUrl = e.updateUrl || null;
  let key = versionKeys.get(e);
  if (key === undefined) versionKeys.set(e, (key = hash(JSON.stringify([e.id, e.version, permissions, hostPermissions, updateUrl]), 22)));
  return {
    version_key: key,
    extension_id: e.id,
    name: e.name,
    version: e.version,
    permissions,
    host_permissions: hostPermissions,
    update_url: updateUrl,
    first_seen_at: now,
  };
}

/**
 * What a report says of its extensions, as one short string: the store compares it with the device's last one and
 * does nothing more for an unchanged report (nearly every report).
 */
export function extensionsDigest(extensions: readonly ExtensionFacts[]): string {
  let digest = digests.get(extensions);
  if (digest === undefined) {
    const parts = extensions.map((e) => [e.id, versionOf(e, 0).version_key, e.installType, e.enabled, e.disabledReason ?? ''].join('|')).sort();
    digest = hash(parts.join('\n'), 22);
    digests.set(extensions, digest);
  }
  return digest;
}
/** The store asks which reports changed before the group is judged, and judging asks again: each report is hashed once. */
const digests = new WeakMap<readonly ExtensionFacts[], string>();
const versionKeys = new WeakMap<ExtensionFacts, string>();

export interface ExtensionChange {
  extensionId: string;
  name: string;
  from: { version: string; key: string };
  to: { version: string; key: string };
  added: string[];
  removed: string[];
  updateUrl?: { from: string | null; to: string | null };
  /** The new update URL is not a store's (and the old one was, or there was none): high severity on its own. */
  leftStore: boolean;
  installType: ExtensionFacts['installType'];
  /** Chromium disabled it for asking more (`permissions_increase`); a force-installed one gets them silently. */
  disabledByBrowser: boolean;
}

/** What changed between two versions of one extension, or null when nothing that defines its power did. */
export function versionChange(
  from: ExtensionVersion,
  to: ExtensionVersion,
  link: Pick<DeviceExtension, 'install_type' | 'disabled_reason'>,
): ExtensionChange | null {
  const powers = (v: ExtensionVersion) => [...(JSON.parse(v.permissions) as string[]), ...(JSON.parse(v.host_permissions) as string[])];
  const before = new Set(powers(from));
  const after = new Set(powers(to));
  const added = [...after].filter((p) => !before.has(p));
  const removed = [...before].filter((p) => !after.has(p));
  const urlChanged = from.update_url !== to.update_url;
  if (added.length === 0 && removed.length === 0 && !urlChanged) return null;
  return {
    extensionId: to.extension_id,
    name: from.name,
    from: { version: from.version, key: from.version_key },
    to: { version: to.version, key: to.version_key },
    added,
    removed,
    ...(urlChanged ? { updateUrl: { from: from.update_url, to: to.update_url } } : {}),
    leftStore: urlChanged && offStore(to.update_url ?? undefined) && (from.update_url === null || isStoreUpdateUrl(from.update_url)),
    installType: link.install_type,
    disabledByBrowser: link.disabled_reason === 'permissions_increase',
  };
}

/** How bad a change is: leaving the store is the worst; asking more is high; only giving up permissions is low. */
export const changeLevel = (c: Pick<ExtensionChange, 'leftStore' | 'added' | 'updateUrl'>): Level =>
  c.leftStore ? 'very_high' : c.added.length > 0 || c.updateUrl ? 'high' : 'low';

/** An admin allowed it: the extension, this version, or every power it gained (permission:… entries). */
export function silenced(c: ExtensionChange, policy: Pick<AlertPolicy, 'allowlist'>): boolean {
  const allowed = allowedBy(policy);
  if (allowed.extension(c.extensionId, c.to.version)) return true;
  return !c.updateUrl && c.added.every((p) => allowed.permissions.has(p));
}

/** The ExtensionSettings snippets that undo a change: block the extension, or only what it gained (Chrome). */
export function remediation(c: Pick<ExtensionChange, 'extensionId' | 'added'>): { blockExtension: string; blockAdded: string | null } {
  const hosts = c.added.filter((p) => p.includes('://') || p === '<all_urls>');
  const permissions = c.added.filter((p) => !hosts.includes(p));
  return {
    blockExtension: policySnippet(c.extensionId, 'extension'),
    blockAdded: c.added.length ? policySnippet(c.extensionId, { permissions, hosts }) : null,
  };
}

/** The outbox row of a fleet-wide alert: not a device's (device ids have no colon), one per extension and event. */
export const extensionAlertSource = (extensionId: string) => `extension:${extensionId}`;
export const changeAlertId = (c: Pick<ExtensionChange, 'to'>) => `change:${c.to.key}`;

/** A device's inventory after its report, and what the store writes for it. */
export interface InventoryStep {
  links: DeviceExtension[];
  /** Extension ids the device no longer has. */
  removed: string[];
  /** Versions to add to the inventory if absent. */
  versions: ExtensionVersion[];
  /** Changes against the device's own previous version of each extension. */
  changes: ExtensionChange[];
}

/**
 * Compares a report's extensions with what the device ran before. A device seen for the first time changes nothing:
 * its extensions are its starting point. `known` has the versions its previous links name.
 */
export function inventoryStep(input: {
  deviceId: string;
  extensions: readonly ExtensionFacts[];
  previous: ReadonlyMap<string, DeviceExtension> | null;
  known: ReadonlyMap<string, ExtensionVersion>;
  now: number;
}): InventoryStep {
  const { deviceId, previous, now } = input;
  const step: InventoryStep = { links: [], removed: [], versions: [], changes: [] };
  const seen = new Set<string>();
  for (const e of input.extensions) {
    if (seen.has(e.id)) continue; // a report listing one id twice keeps its first
    seen.add(e.id);
    const version = versionOf(e, now);
    const before = previous?.get(e.id);
    const link: DeviceExtension = {
      device_id: deviceId,
      extension_id: e.id,
      version_key: version.version_key,
      install_type: e.installType,
      enabled: e.enabled ? 1 : 0,
      disabled_reason: e.disabledReason ?? null,
      since: before && before.version_key === version.version_key ? before.since : now,
      installed_at: before ? before.installed_at : previous ? now : null,
    };
    if (
      before &&
      before.version_key === link.version_key &&
      before.install_type === link.install_type &&
      before.enabled === link.enabled &&
      before.disabled_reason === link.disabled_reason
    )
      continue;
    step.links.push(link);
    step.versions.push(version);
    const old = before && before.version_key !== link.version_key ? input.known.get(before.version_key) : undefined;
    const change = old ? versionChange(old, version, link) : null;
    if (change) step.changes.push(change);
  }
  if (previous) for (const id of previous.keys()) if (!seen.has(id)) step.removed.push(id);
  return step;
}

/** Whether a device may start one more change alert today, and its budget after it. */
export function spendChangeAlert(budget: ChangeAlertBudget | null, now: number): ChangeAlertBudget | null {
  const day = Math.floor(now / DAY_MS);
  const n = budget && budget.day === day ? budget.n : 0;
  return n < CHANGE_ALERTS_PER_DEVICE_DAY ? { day, n: n + 1 } : null;
}

/** Whether the change is worth a mail under the policy: not allowed, and at or above its threshold. */
export const alertsFor = (c: ExtensionChange, policy: Pick<AlertPolicy, 'allowlist' | 'threshold'>): boolean =>
  !silenced(c, policy) && atLeast(changeLevel(c), policy.threshold);

/**
 * The spread rule: an extension the inventory did not have a day ago, installed since on at least SPREAD.minDevices
 * browsers and SPREAD.share of the fleet, counting only browsers with a day of history (fleet-versions.ts's
 * HISTORY_MS), so that devices invented with the enrollment token must be kept reporting for a day, in the admin's
 * device list, before they count.
 */
export const SPREAD = { minDevices: 5, share: 0.01, windowMs: 24 * 3_600_000 } as const;

export const spreads = (installs: number, fleet: number): boolean => installs >= Math.max(SPREAD.minDevices, Math.ceil(fleet * SPREAD.share));

export const SPREAD_ALERT_ID = 'spread';

/**
 * Versions an extension keeps that no device runs any more: its recent history, and what a device flipping its
 * extensions on every report can keep in the store beside its live ones (this many times its report, at most).
 */
export const KEPT_OLD_VERSIONS = 3;
