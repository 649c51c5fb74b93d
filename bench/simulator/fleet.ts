import { randomUUID, sign } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, type ComplianceReport, type ExtensionFacts, type SettingFacts } from '../../shared/report';
import { newSigner, type DeviceSigner } from '../../test/fixtures/signing';

/**
 * The simulated fleet: browsers as the extension makes them report (extension/entrypoints/background/reporting.ts),
 * with a realistic mix. Seeded, so that two runs simulate the same fleet.
 */

/** How the simulated browsers behave; rates are per browser. */
export interface FleetShape {
  /** The report alarm's period, as policy sets it (the extension's default is 60 minutes). */
  intervalMinutes: number;
  /** Changes the extension reports (an extension enabled or disabled, a setting toggled) per browser and hour. */
  changesPerHour: number;
  /** The share of browsers that turn highly vulnerable (a risky extension installed) per hour. */
  vulnerablePerHour: number;
  /** How far each interval strays from the period, as a share of it (browsers sleep, alarms run late). */
  jitter: number;
  /** Runs the clock this many times faster: the rates of a fleet this many times larger, with as many keys. */
  speed: number;
}

export const DEFAULT_SHAPE: FleetShape = { intervalMinutes: 60, changesPerHour: 1, vulnerablePerHour: 0.01, jitter: 0.05, speed: 1 };

/** A small, fast, seeded generator (mulberry32): the same fleet on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential wait with `perHour` events an hour, in ms of the simulation's clock. */
export const poissonWait = (random: () => number, perHour: number, speed: number): number =>
  perHour > 0 ? (-Math.log(1 - random()) * 3_600_000) / perHour / speed : Number.POSITIVE_INFINITY;

const LETTERS = 'abcdefghijklmnop';
const COMMON_PERMISSIONS = ['storage', 'tabs', 'activeTab', 'contextMenus', 'alarms', 'notifications', 'scripting', 'identity', 'cookies', 'webRequest'];

/** The extensions browsers draw theirs from: a few very common, most rare (Chrome Web Store's long tail). */
export function extensionPopulation(size: number, random: () => number): ExtensionFacts[] {
  return Array.from({ length: size }, (_, i) => ({
    id: Array.from({ length: 32 }, () => LETTERS[Math.floor(random() * 16)]).join(''),
    name: `Extension ${i}`,
    version: `${1 + Math.floor(random() * 9)}.${Math.floor(random() * 20)}.${Math.floor(random() * 100)}`,
    enabled: true,
    installType: random() < 0.3 ? 'admin' : 'normal',
    permissions: COMMON_PERMISSIONS.filter(() => random() < 0.25),
    // One in ten reads every site: a medium finding, as in real fleets.
    hostPermissions: random() < 0.1 ? ['<all_urls>'] : [],
    updateUrl: 'https://clients2.google.com/service/update2/crx',
  }));
}

/** What makes a browser highly vulnerable here: an extension that can debug every tab (shared/checks). */
export const RISKY_EXTENSION: ExtensionFacts = {
  id: 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk',
  name: 'Tab Debugger',
  version: '1.0.0',
  enabled: true,
  installType: 'normal',
  permissions: ['debugger'],
  hostPermissions: ['<all_urls>'],
};

const SETTINGS = [
  'services.safeBrowsingEnabled',
  'services.safeBrowsingExtendedReportingEnabled',
  'services.passwordSavingEnabled',
  'services.autofillCreditCardEnabled',
  'services.autofillAddressEnabled',
  'services.searchSuggestEnabled',
  'services.alternateErrorPagesEnabled',
  'services.spellingServiceEnabled',
  'services.translationServiceEnabled',
  'network.networkPredictionEnabled',
  'network.webRTCIPHandlingPolicy',
  'websites.thirdPartyCookiesAllowed',
  'websites.hyperlinkAuditingEnabled',
  'websites.doNotTrackEnabled',
];

const BROWSERS: { name: string; versions: string[]; share: number }[] = [
  { name: 'Chrome', versions: ['131.0.6778.85', '131.0.6778.69', '130.0.6723.116'], share: 0.65 },
  { name: 'Edge', versions: ['131.0.2903.86', '131.0.2903.70'], share: 0.3 },
  { name: 'Firefox', versions: ['140.5.0', '128.14.0'], share: 0.05 },
];
const PLATFORMS = [
  { platform: 'win', version: '10.0.26100' },
  { platform: 'mac', version: '15.1.0' },
  { platform: 'linux', version: '6.1.0' },
];

export class SimDevice {
  readonly signer: DeviceSigner = newSigner();
  /** Reports waiting to be sent, oldest first, at most 20: the extension's queue. */
  queue: ComplianceReport[] = [];
  running = false;
  again = false;
  vulnerable = false;
  /** When it turned vulnerable (performance.now()), until its alert is seen. */
  vulnerableAt: number | null = null;
  enrolled = false;

  constructor(
    readonly id: string,
    readonly label: string,
    readonly browser: { name: string; version: string },
    readonly os: { platform: string; version: string },
    public extensions: ExtensionFacts[],
    readonly settings: SettingFacts[],
  ) {}

  /** What the extension collects now. */
  collect(): ComplianceReport {
    return {
      reportId: randomUUID(),
      deviceId: this.id,
      deviceLabel: this.label,
      collectedAt: new Date().toISOString(),
      browser: this.browser,
      os: this.os,
      extensions: this.extensions,
      settings: this.settings,
    };
  }

  /** A report as the extension sends it: with its public key, signed when sent over `${timestamp}.${body}`. */
  signed(report: ComplianceReport): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify({ ...report, deviceKey: this.signer.publicKey });
    const timestamp = Math.max(Date.now(), this.signer.lastSignedAt + 1);
    this.signer.lastSignedAt = timestamp;
    const signature = sign('sha256', Buffer.from(`${timestamp}.${body}`), { key: this.signer.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return { body, headers: { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: String(timestamp) } };
  }

  /** A change the browser tells the extension of: one of its extensions enabled or disabled. */
  change(random: () => number): void {
    const i = Math.floor(random() * this.extensions.length);
    this.extensions = this.extensions.map((e, j) => (j === i ? { ...e, enabled: !e.enabled } : e));
  }

  turnVulnerable(): void {
    this.vulnerable = true;
    this.vulnerableAt = performance.now();
    this.extensions = [...this.extensions, RISKY_EXTENSION];
  }
}

/** Browser number `n` of the fleet: its family, version, OS, 5 to 40 extensions and its privacy settings. */
export function makeDevice(n: number, population: ExtensionFacts[], random: () => number): SimDevice {
  let pick = random();
  const family = BROWSERS.find((b) => (pick -= b.share) < 0) ?? BROWSERS[0]!;
  const version = family.versions[Math.floor(random() ** 2 * family.versions.length)]!;
  const os = PLATFORMS[Math.floor(random() * PLATFORMS.length)]!;
  const count = 5 + Math.floor(random() * 36);
  const chosen = new Map<string, ExtensionFacts>();
  // Popularity falls off steeply: the square of a uniform draw favours the first of the population.
  while (chosen.size < count) {
    const e = population[Math.floor(random() ** 3 * population.length)]!;
    chosen.set(e.id, e);
  }
  // The privacy settings the extension reads (background/collect.ts); Safe Browsing off on one browser in fifty.
  const settings: SettingFacts[] = SETTINGS.map((name) => ({
    name,
    value: name === 'network.webRTCIPHandlingPolicy' ? 'default' : name === 'services.safeBrowsingEnabled' ? random() > 0.02 : random() < 0.6,
    locked: random() < 0.3,
  }));
  const id = `sim-${String(n).padStart(6, '0')}`;
  return new SimDevice(id, `Simulated ${family.name} ${n}`, { name: family.name, version }, os, [...chosen.values()], settings);
}
