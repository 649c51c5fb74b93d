import { BASELINES, LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import { CHECKS, type BenchmarkRule, type Finding } from '../../shared/checks/index';
import { applicableRules } from '../../shared/checks/setting';
import { allowedBy, extensionRisk } from '../../shared/extension-risk';
import type { DeviceExtensionItem, DeviceSort } from '../../shared/fleet';
import type { DeviceExtension, ExtensionVersion } from './extension-inventory';

/** Which devices a list holds: every filter given narrows it (storage/device-list.ts). */
export interface DeviceFilter {
  levels?: readonly Level[];
  /** The browser's name as reported: "Chrome", "Edge", "Firefox". */
  browser?: string;
  /** A version or its start: "131" matches 131.0.6778.85. */
  version?: string;
  /** The OS, or its platform alone: "win" is every "win 15.0.0". */
  os?: string;
  /** A check's id, and optionally the subject of its finding ("Password saving", an extension's name). */
  check?: string;
  subject?: string;
  extension?: string;
  /** Devices with no report since the stale time (true), or with one (false). */
  stopped?: boolean;
  /** Found in the label or the id, whatever the case. */
  text?: string;
}

/**
 * Where a page ends in its order, so that the next one starts just after: a position, not an offset, so that devices
 * reporting meanwhile neither repeat nor skip one. `risk` walks the levels worst first, each by last seen.
 */
export type Position =
  | { sort: 'risk'; level: Level; seen: number; id: string }
  | { sort: 'lastSeen'; seen: number; id: string }
  /** `name` is the label as the database lowers it, which is what it orders by. */
  | { sort: 'name'; name: string; id: string };

/** The last row of a page, as the store reads it. */
export interface PositionRow {
  id: string;
  level: Level;
  last_seen_at: number;
  name_key: string;
}

export const positionOf = (sort: DeviceSort, row: PositionRow): Position =>
  sort === 'risk'
    ? { sort, level: row.level, seen: row.last_seen_at, id: row.id }
    : sort === 'lastSeen'
      ? { sort, seen: row.last_seen_at, id: row.id }
      : { sort, name: row.name_key, id: row.id };

/** Levels' changes a device's history keeps, newest first. */
export const DEVICE_HISTORY_KEPT = 20;
/** A cursor is a position, so it is as long as a label and an id (each capped at 200 characters by the report's schema) allow. */
export const MAX_CURSOR_CHARS = 2_000;

const toBase64Url = (text: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): string | null {
  if (!/^[\w-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** The cursor a page answers as `next`: opaque to clients, a position to the relay. */
export function encodeCursor(p: Position): string {
  const key = p.sort === 'risk' ? [p.level, p.seen, p.id] : p.sort === 'lastSeen' ? [p.seen, p.id] : [p.name, p.id];
  return toBase64Url(JSON.stringify([p.sort, ...key]));
}

/** The position a cursor holds, or null when it is none of ours, or was made for another order. */
export function decodeCursor(cursor: string, sort: DeviceSort): Position | null {
  if (cursor.length > MAX_CURSOR_CHARS) return null;
  const text = fromBase64Url(cursor);
  let parsed: unknown;
  try {
    parsed = text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed[0] !== sort) return null;
  const [, a, b, c] = parsed as unknown[];
  const isId = (x: unknown): x is string => typeof x === 'string' && x.length > 0 && x.length <= 200;
  const isTime = (x: unknown): x is number => Number.isSafeInteger(x);
  if (sort === 'risk') return parsed.length === 4 && LEVELS.includes(a as Level) && isTime(b) && isId(c) ? { sort, level: a as Level, seen: b, id: c } : null;
  if (sort === 'lastSeen') return parsed.length === 3 && isTime(a) && isId(b) ? { sort, seen: a, id: b } : null;
  return parsed.length === 3 && typeof a === 'string' && a.length <= 800 && isId(b) ? { sort, name: a, id: b } : null;
}

const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
/** A LIKE pattern finding `text` anywhere, whatever its case, its own % _ and \ taken literally (with ESCAPE '\'). */
export const containsPattern = (text: string): string => `%${likeLiteral(text.toLowerCase())}%`;
/** A LIKE pattern for what starts with the words `text`: "win" is "win 15.0.0". */
export const wordsPattern = (text: string): string => `${likeLiteral(text)} %`;

/** The levels a risk-ordered page walks, worst first, from where the last page ended. */
export function levelsFrom(levels: readonly Level[] | undefined, after: Position | null): Level[] {
  const wanted = LEVELS.filter((l) => !levels || levels.includes(l));
  return after?.sort === 'risk' ? wanted.filter((l) => LEVELS.indexOf(l) >= LEVELS.indexOf(after.level)) : wanted;
}

/**
 * The benchmark rules the device's findings give evidence for, by check: every baseline's that applies to its browser
 * (DISA's STIG for Chrome or Edge, CIS for Chrome), whichever the policy audits.
 */
export function findingRules(findings: readonly Pick<Finding, 'check'>[], browser: string): Record<string, BenchmarkRule[]> {
  const rules: Record<string, BenchmarkRule[]> = {};
  for (const { check } of findings) {
    const mapped = applicableRules(CHECKS.find((c) => c.id === check)?.rules ?? [], browser, BASELINES);
    if (mapped.length > 0) rules[check] = mapped;
  }
  return rules;
}

/** A device's extension link with the version it names, as the store reads them together. */
export type DeviceExtensionRow = DeviceExtension & Pick<ExtensionVersion, 'name' | 'version' | 'permissions' | 'host_permissions' | 'update_url'>;

/** A device's extensions as the console lists them, riskiest first, each scored as this device reports it. */
export function deviceExtensions(rows: readonly DeviceExtensionRow[], policy: Pick<AlertPolicy, 'allowlist'>): DeviceExtensionItem[] {
  const allowed = allowedBy(policy);
  return rows
    .map((r) => ({
      id: r.extension_id,
      name: r.name,
      version: r.version,
      installType: r.install_type,
      enabled: r.enabled === 1,
      disabledReason: r.disabled_reason,
      since: new Date(r.since).toISOString(),
      risk: extensionRisk(
        {
          permissions: JSON.parse(r.permissions) as string[],
          hostPermissions: JSON.parse(r.host_permissions) as string[],
          installType: r.install_type,
          updateUrl: r.update_url ?? undefined,
        },
        allowed.permissions,
      ),
    }))
    .sort((a, b) => b.risk.score - a.risk.score || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}
