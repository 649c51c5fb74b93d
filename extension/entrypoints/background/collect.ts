import { browser } from 'wxt/browser';
import { INSTALL_TYPES, MAX_EXTENSIONS, type ComplianceReport, type ExtensionFacts, type SettingFacts } from '../../../shared/report';

/**
 * The privacy.* settings that say something about this browser's security or that a benchmark audits (see
 * docs/benchmarks.md). Hyperlink auditing, Do Not Track and WebRTC IP handling have no benchmark rule; they are
 * reported for the record.
 */
export const PRIVACY_SETTINGS = [
  ['services', 'safeBrowsingEnabled'],
  ['services', 'safeBrowsingExtendedReportingEnabled'],
  ['services', 'passwordSavingEnabled'],
  ['services', 'autofillCreditCardEnabled'],
  ['services', 'autofillAddressEnabled'],
  ['services', 'searchSuggestEnabled'],
  ['services', 'alternateErrorPagesEnabled'],
  ['services', 'spellingServiceEnabled'],
  ['services', 'translationServiceEnabled'],
  ['network', 'networkPredictionEnabled'],
  ['network', 'webRTCIPHandlingPolicy'],
  ['websites', 'thirdPartyCookiesAllowed'],
  ['websites', 'hyperlinkAuditingEnabled'],
  ['websites', 'doNotTrackEnabled'],
] as const;

interface UaData {
  platform?: string;
  getHighEntropyValues(hints: string[]): Promise<{ fullVersionList?: { brand: string; version: string }[]; platform?: string; platformVersion?: string }>;
}

const BRANDS: [RegExp, string][] = [
  [/Microsoft Edge/, 'Edge'],
  [/Google Chrome/, 'Chrome'],
  [/Opera/, 'Opera'],
  [/Brave/, 'Brave'],
  [/^Chromium$/, 'Chromium'],
];

/** Browser and full version from UA client hints (Chromium), or from the user agent (Firefox). */
async function browserAndOs(): Promise<Pick<ComplianceReport, 'browser' | 'os'>> {
  const nav = globalThis.navigator as (Navigator & { userAgentData?: UaData }) | undefined;
  const ua = nav?.userAgentData;
  if (ua) {
    const hints = await ua.getHighEntropyValues(['fullVersionList', 'platformVersion']);
    const list = hints.fullVersionList ?? [];
    for (const [pattern, name] of BRANDS) {
      const brand = list.find((b) => pattern.test(b.brand));
      if (brand)
        return { browser: { name, version: brand.version }, os: { platform: hints.platform ?? ua.platform ?? '', version: hints.platformVersion ?? '' } };
    }
  }
  const firefox = /Firefox\/([\d.]+)/.exec(nav?.userAgent ?? '');
  const info = await browser.runtime.getPlatformInfo();
  // Firefox's user agent says "133.0" for every 133.0.x; getBrowserInfo (Firefox only) has the update the release data needs.
  const runtime = browser.runtime as typeof browser.runtime & { getBrowserInfo?: () => Promise<{ version: string }> };
  const exact = firefox && runtime.getBrowserInfo ? /^\d+(\.\d+){0,3}/.exec((await runtime.getBrowserInfo()).version)?.[0] : undefined;
  return { browser: { name: firefox ? 'Firefox' : 'Unknown', version: exact ?? firefox?.[1] ?? '0' }, os: { platform: info.os, version: '' } };
}

/** Every other extension, with what it may do; the reporting extension leaves itself out. */
async function extensions(): Promise<ExtensionFacts[]> {
  const all = await browser.management.getAll();
  return all
    .filter((e) => e.id !== browser.runtime.id && e.type === 'extension')
    .slice(0, MAX_EXTENSIONS)
    .map((e) => ({
      id: e.id,
      name: e.name.slice(0, 200),
      // The relay takes letters, digits and . + - _ in a version: anything else would refuse the whole report.
      version: e.version.replace(/[^\w.+-]/g, '_').slice(0, 50) || '0',
      enabled: e.enabled,
      installType: (INSTALL_TYPES as readonly string[]).includes(e.installType ?? '') ? (e.installType as ExtensionFacts['installType']) : 'other',
      permissions: (e.permissions ?? []).slice(0, 200),
      hostPermissions: (e.hostPermissions ?? []).slice(0, 200),
      ...(e.updateUrl ? { updateUrl: e.updateUrl.slice(0, 500) } : {}),
      type: 'extension' as const,
      mayDisable: e.mayDisable,
      ...(e.disabledReason === 'permissions_increase' || e.disabledReason === 'unknown' ? { disabledReason: e.disabledReason } : {}),
    }));
}

/** Each privacy setting with whether it can be changed here: "not_controllable" means a policy fixed it. */
async function settings(): Promise<SettingFacts[]> {
  const privacy = browser.privacy as unknown as Record<
    string,
    Record<string, { get(details: object): Promise<{ value: unknown; levelOfControl: string }> } | undefined> | undefined
  >;
  const facts: SettingFacts[] = [];
  for (const [group, name] of PRIVACY_SETTINGS) {
    const setting = privacy?.[group]?.[name];
    if (!setting) continue; // not in this browser
    try {
      const { value, levelOfControl } = await setting.get({});
      const v = typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string' ? value : null;
      facts.push({ name: `${group}.${name}`, value: v, locked: levelOfControl === 'not_controllable' || levelOfControl === 'controlled_by_other_extensions' });
    } catch {
      // A setting the browser lists but refuses to read tells nothing.
    }
  }
  return facts;
}

/** Raw facts about this browser; the relay decides what they mean. */
export async function collectReport(deviceId: string, deviceLabel: string): Promise<ComplianceReport> {
  const [platform, exts, privacy] = await Promise.all([browserAndOs(), extensions(), settings()]);
  return {
    reportId: crypto.randomUUID(),
    deviceId,
    deviceLabel: deviceLabel.slice(0, 100),
    collectedAt: new Date().toISOString(),
    ...platform,
    extensions: exts,
    settings: privacy,
  };
}
