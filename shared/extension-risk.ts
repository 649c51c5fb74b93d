import { EXTENSION_ID_CHARS } from './extension-id';
import type { ExtensionFacts } from './report';

/**
 * An extension's risk as points an admin can check and argue with: each permission, host pattern, install type and
 * update URL a browser reports scores what docs/extension-risk.md lists (that table is this one, versioned); the relay
 * adds what only the fleet shows (how many devices, how recently it changed, whether its permissions grew). The same
 * points decide the risky-permissions finding on one browser and the fleet's Extensions list: one rule.
 */
export const RISK_TABLE_VERSION = '1';

/** API permissions and their points; those not listed score nothing. */
export const PERMISSION_POINTS: Readonly<Record<string, number>> = {
  // Take over the browser whatever the sites.
  debugger: 40,
  nativeMessaging: 40,
  proxy: 40,
  management: 40,
  privacy: 40,
  vpnProvider: 40,
  'enterprise.platformKeys': 40,
  webAuthenticationProxy: 40,
  // Read or change what every site sends and shows, once the extension may act on every site.
  webRequest: 15,
  webRequestBlocking: 15,
  cookies: 15,
  declarativeNetRequestWithHostAccess: 15,
  scripting: 15,
  tabCapture: 15,
  desktopCapture: 15,
  // Read what the user did or copied.
  history: 10,
  clipboardRead: 10,
  pageCapture: 10,
  contentSettings: 10,
  tabs: 5,
  downloads: 5,
  webNavigation: 5,
  bookmarks: 5,
  topSites: 5,
  geolocation: 5,
  identity: 5,
  declarativeNetRequest: 5,
};

/** Every site: `<all_urls>` and the match patterns that mean it. */
export const ALL_SITES = /^(<all_urls>|\*:\/\/\*\/\*|https?:\/\/\*\/\*)$/;
export const HOST_POINTS = { allSites: 25, wildcardDomain: 5, wildcardDomainMax: 15, oneHost: 2, oneHostMax: 10 } as const;
export const INSTALL_POINTS: Readonly<Record<ExtensionFacts['installType'], number>> = { sideload: 15, development: 10, other: 5, normal: 0, admin: 0 };
/** Updates from anywhere but the browser vendors' stores: whoever runs that server ships the next version. */
export const OFF_STORE_POINTS = 30;
/** What only the fleet shows. */
export const FLEET_POINTS = { grew: 10, changedRecently: 10, oneDevice: 5 } as const;
export const CHANGED_RECENTLY_MS = 7 * 24 * 3_600_000;
/** A score at or above HIGH is HIGH, at or above MEDIUM is MEDIUM (Chrome's buckets for vendor scores). */
export const RISK_LEVELS = { HIGH: 40, MEDIUM: 20 } as const;
export const MAX_SCORE = 100;

/** The update URLs of the Chrome Web Store, the Edge Add-ons store and addons.mozilla.org (a query may follow the first three). */
const STORE_UPDATE_URLS = [
  'https://clients2.google.com/service/update2/crx',
  'https://update.googleapis.com/service/update2/crx',
  'https://edge.microsoft.com/extensionwebstorebase/v1/crx',
];
const AMO_UPDATES = 'https://versioncheck.addons.mozilla.org/';
export const isStoreUpdateUrl = (url: string): boolean =>
  url.startsWith(AMO_UPDATES) || STORE_UPDATE_URLS.some((store) => url.startsWith(store) && (url.length === store.length || url[store.length] === '?'));
/** An update URL is reported and is none of the stores'. No URL (unpacked, or a browser that does not say) is not one. */
export const offStore = (updateUrl: string | undefined): boolean => updateUrl !== undefined && updateUrl !== '' && !isStoreUpdateUrl(updateUrl);

export type RiskReason =
  | { kind: 'permission'; permission: string; points: number }
  | { kind: 'all-sites'; pattern: string; points: number }
  | { kind: 'hosts'; count: number; wildcard: boolean; points: number }
  | { kind: 'install'; installType: ExtensionFacts['installType']; points: number }
  | { kind: 'off-store'; updateUrl: string; points: number }
  | { kind: 'grew'; added: string[]; points: number }
  | { kind: 'changed-recently'; at: number; points: number }
  | { kind: 'one-device'; points: number };

export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Risk {
  score: number;
  level: RiskLevel;
  /** Each reason with its points, most first: the score is their sum, capped at MAX_SCORE. */
  reasons: RiskReason[];
}

/** What the fleet shows of an extension beyond one browser's report. */
export interface FleetObservation {
  devices: number;
  /** When its current version was first seen, if it replaced another. */
  changedAt?: number;
  /** Permissions and hosts its newest version added to the one before. */
  added?: string[];
  now: number;
}

type Scored = Pick<ExtensionFacts, 'permissions' | 'hostPermissions' | 'installType'> & { updateUrl?: string };

/**
 * The score of an extension as one browser reports it (and as the fleet shows it, when `fleet` is given). Permissions
 * and host patterns the policy allows score nothing.
 */
export function extensionRisk(e: Scored, allowedPermissions: ReadonlySet<string> = NONE, fleet?: FleetObservation): Risk {
  // Judged for every extension of every report: plain loops, and a Set only where a list has something to count.
  const reasons: RiskReason[] = [];
  for (const permission of e.permissions) {
    const points = PERMISSION_POINTS[permission];
    if (points && !allowedPermissions.has(permission) && !reasons.some((r) => r.kind === 'permission' && r.permission === permission))
      reasons.push({ kind: 'permission', permission, points });
  }
  let allSites: string | undefined;
  const hosts = new Set<string>();
  for (const list of [e.hostPermissions, e.permissions])
    for (const h of list) {
      if (list === e.permissions && h !== '<all_urls>' && !h.includes('://')) continue;
      if (allowedPermissions.has(h)) continue;
      if (ALL_SITES.test(h)) allSites ??= h;
      else hosts.add(h);
    }
  if (allSites) reasons.push({ kind: 'all-sites', pattern: allSites, points: HOST_POINTS.allSites });
  else if (hosts.size > 0) {
    let wildcard = 0;
    for (const h of hosts) if (h.includes('*.')) wildcard++;
    const points =
      Math.min(HOST_POINTS.wildcardDomainMax, wildcard * HOST_POINTS.wildcardDomain) +
      Math.min(HOST_POINTS.oneHostMax, (hosts.size - wildcard) * HOST_POINTS.oneHost);
    reasons.push({ kind: 'hosts', count: hosts.size, wildcard: wildcard > 0, points });
  }
  if (INSTALL_POINTS[e.installType] > 0) reasons.push({ kind: 'install', installType: e.installType, points: INSTALL_POINTS[e.installType] });
  if (offStore(e.updateUrl)) reasons.push({ kind: 'off-store', updateUrl: e.updateUrl!, points: OFF_STORE_POINTS });
  if (fleet) {
    if (fleet.added?.length) reasons.push({ kind: 'grew', added: fleet.added, points: FLEET_POINTS.grew });
    if (fleet.changedAt !== undefined && fleet.now - fleet.changedAt < CHANGED_RECENTLY_MS)
      reasons.push({ kind: 'changed-recently', at: fleet.changedAt, points: FLEET_POINTS.changedRecently });
    if (fleet.devices === 1) reasons.push({ kind: 'one-device', points: FLEET_POINTS.oneDevice });
  }
  let score = 0;
  for (const r of reasons) score += r.points;
  score = Math.min(MAX_SCORE, score);
  if (reasons.length > 1) reasons.sort((a, b) => b.points - a.points);
  return { score, level: riskLevel(score), reasons };
}
const NONE: ReadonlySet<string> = new Set();

export const riskLevel = (score: number): RiskLevel => (score >= RISK_LEVELS.HIGH ? 'HIGH' : score >= RISK_LEVELS.MEDIUM ? 'MEDIUM' : 'LOW');

/** A reason as one short phrase for a list ("cookies", "every site", "updates from https://evil.example/u"). */
export function reasonSubject(r: RiskReason): string {
  switch (r.kind) {
    case 'permission':
      return r.permission;
    case 'all-sites':
      return r.pattern;
    case 'hosts':
      return `${r.count} host${r.count === 1 ? '' : 's'}`;
    case 'install':
      return r.installType;
    case 'off-store':
      return r.updateUrl;
    case 'grew':
      return `+${r.added.join(', +')}`;
    case 'changed-recently':
      return 'changed';
    case 'one-device':
      return 'one device';
  }
}

/**
 * The allowlist's entries: an extension id allows the extension; `id=version` allows that version only;
 * `permission:name` allows a permission or host pattern on every extension (it scores nothing and its arrival alerts no one).
 */
export const ALLOW_ENTRY = new RegExp(String.raw`^(?:${EXTENSION_ID_CHARS}(?:=[\w.+-]{1,50})?|permission:\S{1,500})$`);

export interface Allowed {
  extension(id: string, version: string): boolean;
  permissions: ReadonlySet<string>;
}

export function allowedBy(policy: { readonly allowlist: readonly string[] }): Allowed {
  const ids = new Set<string>();
  const permissions = new Set<string>();
  for (const entry of policy.allowlist) {
    if (entry.startsWith('permission:')) permissions.add(entry.slice('permission:'.length));
    else ids.add(entry);
  }
  return { extension: (id, version) => ids.has(id) || ids.has(`${id}=${version}`), permissions };
}

/** Chrome's and Firefox's ExtensionSettings policy that blocks the extension, or (Chrome) only the given permissions and hosts. */
export function policySnippet(id: string, block: { permissions: string[]; hosts: string[] } | 'extension'): string {
  const settings =
    block === 'extension'
      ? { installation_mode: 'blocked' }
      : {
          ...(block.permissions.length ? { blocked_permissions: block.permissions } : {}),
          ...(block.hosts.length ? { runtime_blocked_hosts: block.hosts.map(runtimeHost) } : {}),
        };
  return JSON.stringify({ ExtensionSettings: { [id]: settings } }, null, 2);
}

/**
 * runtime_blocked_hosts takes `scheme://host` without a path, `*` for every site
 * (https://chromeenterprise.google/policies/#ExtensionSettings).
 */
function runtimeHost(pattern: string): string {
  if (ALL_SITES.test(pattern)) return '*://*';
  const m = /^([*a-z-]+):\/\/([^/]+)/.exec(pattern);
  return m ? `${m[1]}://${m[2]}` : pattern;
}
