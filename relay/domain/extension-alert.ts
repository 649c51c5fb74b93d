import * as v from 'valibot';
import { LEVELS } from '../../shared/alert-policy';
import { INSTALL_TYPES } from '../../shared/report';
import { mail as en } from '../../shared/locales/en';
import { mail as es } from '../../shared/locales/es';
import { format, type Lang } from '../../shared/locales/lang';
import { changeLevel, remediation, type ExtensionChange } from './extension-inventory';

/**
 * A fleet-wide alert about one extension, as the outbox keeps it: a change (one per extension and new version, however
 * many devices take it) or a new extension spreading. Which devices and how many are read from the inventory when the
 * mail is written, so those that update while the alert waits join it.
 */
export const ExtensionAlertSchema = v.object({
  kind: v.picklist(['extension-change', 'extension-spread']),
  level: v.picklist(LEVELS),
  extension: v.object({ id: v.string(), name: v.string() }),
  change: v.optional(
    v.object({
      from: v.object({ version: v.string(), key: v.string() }),
      to: v.object({ version: v.string(), key: v.string() }),
      added: v.array(v.string()),
      removed: v.array(v.string()),
      updateUrl: v.optional(v.object({ from: v.nullable(v.string()), to: v.nullable(v.string()) })),
      leftStore: v.boolean(),
    }),
  ),
  /** The device that first reported it, for when the inventory no longer has it. */
  firstDevice: v.object({ id: v.string(), label: v.string(), installType: v.picklist(INSTALL_TYPES), disabledByBrowser: v.boolean() }),
  /** A spreading extension: how many devices with history had it, since when. */
  spread: v.optional(v.object({ devices: v.number(), since: v.number() })),
  /** A change mailed before: this mail names the devices that took it since (followUp.since, when that mail went). */
  followUp: v.optional(v.object({ since: v.number() })),
  reportedAt: v.number(),
});
export type ExtensionAlert = v.InferOutput<typeof ExtensionAlertSchema>;

/** At most this many powers are listed per change, and this many device labels: report text is bounded in a mail. */
const MAX_LISTED = 30;
const MAX_DEVICE_NAMES = 5;

export function changeAlert(c: ExtensionChange, device: { id: string; label: string }, now: number): ExtensionAlert {
  return {
    kind: 'extension-change',
    level: changeLevel(c),
    extension: { id: c.extensionId, name: c.name },
    change: {
      from: c.from,
      to: c.to,
      added: c.added.slice(0, MAX_LISTED),
      removed: c.removed.slice(0, MAX_LISTED),
      ...(c.updateUrl ? { updateUrl: c.updateUrl } : {}),
      leftStore: c.leftStore,
    },
    firstDevice: { ...device, installType: c.installType, disabledByBrowser: c.disabledByBrowser },
    reportedAt: now,
  };
}

/** Who runs the alert's version now, read from the inventory as the mail is written. */
export interface Reach {
  devices: number;
  /** The first few, by label. */
  sample: { id: string; label: string }[];
  installTypes: Partial<Record<(typeof INSTALL_TYPES)[number], number>>;
  disabledByBrowser: number;
}

/** The reach an alert claims when the inventory cannot say (the device left since): the device that reported it. */
export const firstReach = (a: ExtensionAlert): Reach => ({
  devices: 1,
  sample: [{ id: a.firstDevice.id, label: a.firstDevice.label }],
  installTypes: { [a.firstDevice.installType]: 1 },
  disabledByBrowser: a.firstDevice.disabledByBrowser ? 1 : 0,
});

const MAIL = { en, es };

/** The extension part of an alert mail: one block per extension alert, as plain text lines and as HTML. */
export function extensionBlocks(alerts: readonly ExtensionAlert[], reach: ReadonlyMap<ExtensionAlert, Reach>, lang: Lang): { text: string[]; html: string } {
  const t = MAIL[lang].extensions;
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const text: string[] = [];
  let html = '';
  const worstFirst = [...alerts].sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  for (const a of worstFirst) {
    const r = reach.get(a) ?? firstReach(a);
    const names = r.sample.slice(0, MAX_DEVICE_NAMES).map((d) => `“${d.label}” (${d.id})`);
    const listed = r.devices > names.length ? format(t.more, lang, { list: names.join(', '), count: r.devices - names.length }) : names.join(', ');
    const lines: { text: string; pre?: boolean; strong?: boolean }[] = [];
    if (a.kind === 'extension-spread' && a.spread) {
      const since = new Date(a.spread.since).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
      lines.push({ text: format(t.spread, lang, { name: a.extension.name, id: a.extension.id, count: a.spread.devices, since }), strong: true });
    } else if (a.change) {
      const c = a.change;
      lines.push({ text: format(t.change, lang, { name: a.extension.name, id: a.extension.id, from: c.from.version, to: c.to.version }), strong: true });
      if (a.followUp)
        lines.push({ text: format(t.followUp, lang, { since: new Date(a.followUp.since).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' }) });
      if (c.added.length) lines.push({ text: `${t.added}: ${c.added.join(', ')}` });
      if (c.removed.length) lines.push({ text: `${t.removed}: ${c.removed.join(', ')}` });
      if (c.updateUrl) lines.push({ text: format(t.updateUrl, lang, { from: c.updateUrl.from ?? t.none, to: c.updateUrl.to ?? t.none }) });
      if (c.leftStore) lines.push({ text: t.leftStore, strong: true });
    }
    lines.push({ text: format(t.devices, lang, { count: r.devices, list: listed }, r.devices) });
    const types = Object.entries(r.installTypes).map(([type, n]) => `${type} (${n})`);
    if (types.length) lines.push({ text: format(t.installTypes, lang, { list: types.join(', ') }) });
    if (r.installTypes.admin && a.change?.added.length) lines.push({ text: t.silent });
    if (r.disabledByBrowser) lines.push({ text: format(t.disabled, lang, { count: r.disabledByBrowser }, r.disabledByBrowser) });
    const fix = remediation({ extensionId: a.extension.id, added: a.change?.added ?? [] });
    lines.push({ text: t.blockExtension }, { text: fix.blockExtension, pre: true });
    if (fix.blockAdded) lines.push({ text: t.blockAdded }, { text: fix.blockAdded, pre: true });
    const entry = a.change ? `${a.extension.id}=${a.change.to.version}` : a.extension.id;
    lines.push({ text: format(t.allow, lang, { entry }) });

    text.push(`== ${lines[0]!.text}`, ...lines.slice(1).map((l) => (l.pre ? l.text.replace(/^/gm, '    ') : `  ${l.text}`)), '');
    html += `<h3 style="margin-bottom:4px">${escape(lines[0]!.text)}</h3>\n<ul>${lines
      .slice(1)
      .map((l) =>
        l.pre ? `<li style="list-style:none"><pre>${escape(l.text)}</pre></li>` : `<li>${l.strong ? `<b>${escape(l.text)}</b>` : escape(l.text)}</li>`,
      )
      .join('')}</ul>\n`;
  }
  if (alerts.length) {
    text.push(t.seeTab, '');
    html = `<h2>${escape(t.heading)}</h2>\n${html}<p>${escape(t.seeTab)}</p>\n`;
  }
  return { text: alerts.length ? [t.heading, '', ...text] : [], html };
}

export const extensionSubject = (count: number, lang: Lang) => format(MAIL[lang].extensions.subject, lang, { count }, count);

/** A change alert as the outbox holds it, for the follow-up rule. */
export interface SentChange {
  reportId: string;
  payload: ExtensionAlert;
  state: string;
  createdAt: number;
  sentAt: number | null;
}

/** Follow-ups stop once a change is this old: by then the inventory and the Extensions tab say the rest. */
export const FOLLOW_UP_FOR_MS = 30 * 24 * 3_600_000;

/**
 * The follow-up rule: devices that take a change after its mail was sent do not raise it again; once per cooldown,
 * while any did, one follow-up names them ("N more browsers since"). Answers, per change, the alert its last mail was
 * (its newest row, sent a cooldown ago), for the store to count who joined since.
 */
export function followUpBases(rows: readonly SentChange[], cooldownMs: number, now: number): SentChange[] {
  const newest = new Map<string, SentChange>();
  for (const row of rows) {
    const key = row.payload.change?.to.key;
    if (!key || now - row.createdAt > FOLLOW_UP_FOR_MS) continue;
    const seen = newest.get(key);
    if (!seen || row.createdAt > seen.createdAt) newest.set(key, row);
  }
  return [...newest.values()].filter((r) => r.state === 'sent' && r.sentAt !== null && now - r.sentAt >= cooldownMs);
}

/** The follow-up of a sent change alert: the same change, for the devices that took it after `base` was mailed. */
export function followUp(base: SentChange, now: number): { reportId: string; alert: ExtensionAlert } {
  const change = base.payload.change!;
  return {
    reportId: `change:${change.to.key}:${base.sentAt}`,
    alert: { ...base.payload, followUp: { since: base.sentAt! }, reportedAt: now },
  };
}
