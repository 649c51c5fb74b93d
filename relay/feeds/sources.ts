import * as v from 'valibot';
import type { ChannelReleases, FeedSource, Release } from '../../shared/releases';

/**
 * Where each vendor publishes its releases, what is asked of it, and how its answer becomes ChannelReleases. Each
 * parser validates the shape it relies on and nothing more: the vendors add fields.
 */
export interface SourceSpec {
  /** The URLs to fetch, relative to the source's base URL. */
  paths: string[];
  /** The answers to those paths, in order, as channels; throws a valibot error on a wrong shape. */
  parse(bodies: unknown[]): ChannelReleases[];
}

/** An ISO 8601 date-time; Microsoft's has no zone and means UTC, Google's has fractions of a second. */
const isoTime = v.pipe(
  v.string(),
  v.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/, 'not an ISO 8601 time'),
  v.transform((t) => Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(t) ? t : `${t}Z`)),
);
const version = v.pipe(v.string(), v.regex(/^\d{1,4}(\.\d{1,6}){1,3}$/));

/**
 * Google's VersionHistory API (https://developer.chrome.com/docs/web-platform/versionhistory/reference):
 * `GET /v1/chrome/platforms/{platform}/channels/{channel}/versions/all/releases` answers
 * `{ releases: [{ name, serving: { startTime, endTime? }, fraction, version, … }], nextPageToken? }`, one entry per
 * rollout interval of a version; newest first with `order_by=starttime desc`, the first page is the recent history.
 */
const CHROME_PLATFORMS: [string, string][] = [
  ['win64', 'windows'],
  ['mac', 'mac'],
  ['linux', 'linux'],
  ['chromeos', 'chromeos'],
  ['android', 'android'],
  ['ios', 'ios'],
];
const CHROME_CHANNELS: [string, string, string[]][] = [
  ['stable', 'stable', CHROME_PLATFORMS.map(([p]) => p)],
  // Extended stable exists on the desktop platforms only.
  ['extended', 'extended', ['win64', 'mac', 'linux']],
];
const CHROME_ASKED = CHROME_CHANNELS.flatMap(([channel, name, platforms]) => platforms.map((platform) => ({ platform, channel, name })));
const ChromeReleases = v.object({
  releases: v.pipe(v.array(v.object({ version, serving: v.object({ startTime: isoTime }) })), v.minLength(1)),
});

const chrome: SourceSpec = {
  paths: CHROME_ASKED.map(({ platform, channel }) => `/v1/chrome/platforms/${platform}/channels/${channel}/versions/all/releases?order_by=starttime%20desc`),
  parse: (bodies) =>
    CHROME_ASKED.map(({ platform, name }, i) => ({
      browser: 'Chrome',
      platform: CHROME_PLATFORMS.find(([p]) => p === platform)![1],
      channel: name,
      releases: earliest(v.parse(ChromeReleases, bodies[i]).releases.map((r) => ({ version: r.version, at: r.serving.startTime }))),
    })),
};

/**
 * Microsoft's Edge update feed (`GET https://edgeupdates.microsoft.com/api/products`), the one Microsoft's own
 * deployment guidance and the Evergreen project read: `[{ Product: "Stable" | "Beta" | "Dev" | "Canary" | …,
 * Releases: [{ ReleaseId, Platform: "Windows" | "MacOS" | "Linux" | "iOS" | "Android", Architecture, CVEs,
 * ProductVersion, PublishedTime, … }] }]`. One entry per architecture; a version's time is its first.
 */
const EDGE_CHANNELS: Record<string, string> = { Stable: 'stable', 'Extended Stable': 'extended' };
const EDGE_PLATFORMS: Record<string, string> = { Windows: 'windows', MacOS: 'mac', Linux: 'linux', iOS: 'ios', Android: 'android' };
const EdgeProducts = v.pipe(
  v.array(v.object({ Product: v.string(), Releases: v.array(v.object({ Platform: v.string(), ProductVersion: version, PublishedTime: isoTime })) })),
  v.check((products) => products.some((p) => p.Product === 'Stable' && p.Releases.length > 0), 'no Stable releases'),
);

const edge: SourceSpec = {
  paths: ['/api/products'],
  parse([body]) {
    const channels = new Map<string, ChannelReleases>();
    for (const product of v.parse(EdgeProducts, body)) {
      const channel = EDGE_CHANNELS[product.Product];
      if (!channel) continue;
      for (const r of product.Releases) {
        const platform = EDGE_PLATFORMS[r.Platform];
        if (!platform) continue;
        const key = `${platform}|${channel}`;
        const entry = channels.get(key) ?? { browser: 'Edge', platform, channel, releases: [] };
        entry.releases.push({ version: r.ProductVersion, at: r.PublishedTime });
        channels.set(key, entry);
      }
    }
    return [...channels.values()].map((c) => ({ ...c, releases: earliest(c.releases) }));
  },
};

/**
 * Mozilla's product-details (https://product-details.mozilla.org/1.0/firefox.json, mozilla-releng/product-details):
 * `{ releases: { "firefox-133.0": { category: "major" | "stability" | "esr" | "dev", date: "YYYY-MM-DD", version,
 * is_security_driven, … } } }`. ESR versions end in "esr"; dev (beta) releases are left out. One list for every
 * desktop platform.
 */
const FirefoxReleases = v.object({
  releases: v.record(
    v.string(),
    v.object({ category: v.string(), date: v.pipe(v.string(), v.isoDate()), version: v.pipe(v.string(), v.regex(/^\d{1,4}(\.\d{1,6}){1,3}(esr|b\d+)?$/)) }),
  ),
});

const firefox: SourceSpec = {
  paths: ['/1.0/firefox.json'],
  parse([body]) {
    const esr: Release[] = [];
    const release: Release[] = [];
    for (const r of Object.values(v.parse(FirefoxReleases, body).releases)) {
      const at = Date.parse(`${r.date}T00:00:00Z`);
      if (r.category === 'esr') esr.push({ version: r.version.replace(/esr$/, ''), at });
      else if (r.category === 'major' || r.category === 'stability') release.push({ version: r.version, at });
    }
    return [
      { browser: 'Firefox', platform: '*', channel: 'release', releases: release },
      { browser: 'Firefox', platform: '*', channel: 'esr', releases: esr },
    ];
  },
};

export const SOURCES: Record<FeedSource, SourceSpec> = { chrome, edge, firefox };

/** Where the data comes from: the vendors, CISA's catalog and NVD. */
export type DataSource = FeedSource | 'kev' | 'nvd';
export const DATA_SOURCES: readonly DataSource[] = ['chrome', 'edge', 'firefox', 'kev', 'nvd'];

/** Their own hosts; a test or a mirror gives others. */
export const DEFAULT_FEED_URLS: Record<DataSource, string> = {
  chrome: 'https://versionhistory.googleapis.com',
  edge: 'https://edgeupdates.microsoft.com',
  firefox: 'https://product-details.mozilla.org',
  kev: 'https://www.cisa.gov',
  nvd: 'https://services.nvd.nist.gov',
};

/** One entry per version, at the first time it was published or served. */
function earliest(releases: Release[]): Release[] {
  const first = new Map<string, number>();
  for (const r of releases) first.set(r.version, Math.min(first.get(r.version) ?? Infinity, r.at));
  return [...first].map(([version, at]) => ({ version, at }));
}
