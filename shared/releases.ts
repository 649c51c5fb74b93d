/**
 * Browser releases as the vendors publish them, normalised: per browser, platform and channel, each version with the
 * time it was first published. The relay fetches them (relay/feeds/); the version check judges against them.
 */
export type FeedSource = 'chrome' | 'edge' | 'firefox';
export const FEED_SOURCES: readonly FeedSource[] = ['chrome', 'edge', 'firefox'];

export interface Release {
  version: string;
  /** When the vendor first published or served it (ms since the epoch). */
  at: number;
}

export interface ChannelReleases {
  /** As reports name it: Chrome, Edge, Firefox. */
  browser: string;
  /** windows, mac, linux, chromeos, android, ios; `*` for every desktop platform (Firefox publishes one list). */
  platform: string;
  /** stable, extended (Chrome, Edge), release, esr (Firefox). */
  channel: string;
  releases: Release[];
}

export interface ReleaseFeed {
  source: FeedSource;
  fetchedAt: number;
  channels: ChannelReleases[];
}

/** The channels that are not the main one: a version found on one of them is judged against that channel's updates. */
const LONG_TERM = new Set(['extended', 'esr']);

/** Report platforms (UA client hints, runtime.getPlatformInfo) as the feeds name them. */
export function platformOf(osPlatform: string): string {
  const p = osPlatform.toLowerCase();
  if (p.startsWith('win')) return 'windows';
  if (p.startsWith('mac')) return 'mac';
  if (p.includes('chrome') || p === 'cros') return 'chromeos';
  if (p === 'android') return 'android';
  if (p === 'ios') return 'ios';
  if (p.startsWith('linux') || p === 'openbsd') return 'linux';
  return '';
}

/** Compares dotted versions numerically on the first `parts` parts: "131.0.10" > "131.0.9". */
function compareAt(a: number[], b: number[], parts: number): number {
  for (let i = 0; i < parts; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const partsOf = (version: string) => version.split('.').map(Number);

export interface Superseded {
  channel: string;
  /** The first newer release on the channel, and when it came out. */
  by: string;
  since: number;
  /** `since` as an ISO day, for the finding. */
  sinceDay: string;
  /** Newer releases on the channel. */
  behind: number;
  /** The newest release on the channel: the version to reach. */
  target: string;
}

const MAX_ANSWERS = 10_000;

/** One channel's releases in version order, with what a lookup needs precomputed: it runs for every report. */
interface IndexedChannel {
  channel: string;
  parts: number[][];
  releases: Release[];
  /** For each position, the position of the earliest release from there to the newest. */
  earliestFrom: number[];
}

function indexChannel(c: ChannelReleases): IndexedChannel {
  const releases = [...c.releases].sort((a, b) => compareAt(partsOf(a.version), partsOf(b.version), 4));
  const earliestFrom = new Array<number>(releases.length);
  for (let i = releases.length - 1; i >= 0; i--) {
    const next = earliestFrom[i + 1];
    earliestFrom[i] = next !== undefined && releases[next]!.at < releases[i]!.at ? next : i;
  }
  return { channel: c.channel, parts: releases.map((r) => partsOf(r.version)), releases, earliestFrom };
}

/** The position of the first release newer than `v` (binary search). */
function firstNewer(c: IndexedChannel, v: number[]): number {
  let lo = 0;
  let hi = c.parts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareAt(c.parts[mid]!, v, 4) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indexed feeds, looked up per report: which channel a version is on, and since when it has been superseded. */
export class ReleaseIndex {
  readonly #channels = new Map<string, IndexedChannel[]>();
  /** Answers by browser, platform and version: a fleet runs few distinct versions, and every report asks. */
  readonly #answers = new Map<string, Superseded | null | undefined>();
  readonly sources: readonly { source: FeedSource; fetchedAt: number }[];

  constructor(feeds: readonly ReleaseFeed[]) {
    this.sources = feeds.map((f) => ({ source: f.source, fetchedAt: f.fetchedAt }));
    for (const feed of feeds) {
      for (const channel of feed.channels) {
        if (channel.releases.length === 0) continue;
        const key = `${channel.browser}|${channel.platform}`;
        this.#channels.set(key, [...(this.#channels.get(key) ?? []), indexChannel(channel)]);
      }
    }
  }

  /**
   * Undefined when no feed covers the browser on this platform (the fleet-relative rule judges it); null when the
   * version is current on its channel (or newer than any: beta, dev); otherwise since when it has been superseded and
   * by what. Missing parts count as zeros (Firefox's 146.0 is 146.0.0); the extension reads Firefox's
   * exact version, since its user agent says 146.0 for every 146.0.x.
   */
  superseded(browser: string, osPlatform: string, version: string): Superseded | null | undefined {
    const key = `${browser}|${platformOf(osPlatform)}|${version}`;
    if (this.#answers.has(key)) return this.#answers.get(key);
    // Bounded: report strings are an attacker's to choose.
    if (this.#answers.size >= MAX_ANSWERS) this.#answers.clear();
    const answer = this.#supersededNow(browser, osPlatform, version);
    this.#answers.set(key, answer);
    return answer;
  }

  #supersededNow(browser: string, osPlatform: string, version: string): Superseded | null | undefined {
    const channels = this.#lookup(browser, osPlatform);
    if (channels.length === 0) return undefined;
    const v = partsOf(version);
    const has = (c: IndexedChannel) => {
      const at = firstNewer(c, v) - 1;
      return at >= 0 && compareAt(c.parts[at]!, v, 4) === 0;
    };
    const hasMajor = (c: IndexedChannel) => {
      const at = firstNewer(c, [v[0]!, Infinity]) - 1;
      return at >= 0 && c.parts[at]![0] === v[0];
    };
    const pick = (test: (c: IndexedChannel) => boolean) =>
      channels.find((c) => LONG_TERM.has(c.channel) && test(c)) ?? channels.find((c) => !LONG_TERM.has(c.channel) && test(c));
    const channel = pick(has) ?? pick(hasMajor) ?? channels.find((c) => !LONG_TERM.has(c.channel));
    if (!channel) return null;
    const from = firstNewer(channel, v);
    if (from === channel.releases.length) return null;
    const first = channel.releases[channel.earliestFrom[from]!]!;
    const sinceDay = new Date(first.at).toISOString().slice(0, 10);
    return {
      channel: channel.channel,
      by: first.version,
      since: first.at,
      sinceDay,
      behind: channel.releases.length - from,
      target: channel.releases.at(-1)!.version,
    };
  }

  #lookup(browser: string, osPlatform: string): IndexedChannel[] {
    return this.#channels.get(`${browser}|${platformOf(osPlatform)}`) ?? this.#channels.get(`${browser}|*`) ?? [];
  }
}

/** A vulnerability CISA lists as exploited in the wild, with the browser versions it affects (from NVD). */
export interface ExploitedVulnerability {
  cve: string;
  /** When CISA added it to the Known Exploited Vulnerabilities catalog (YYYY-MM-DD). */
  dateAdded: string;
  /** Affected versions per browser: from `from` (inclusive, when NVD gives one) up to `fixedIn` (exclusive). */
  ranges: { browser: string; from?: string; fixedIn: string }[];
  /** NVD has not analysed it yet (no configurations): looked up again at the next refresh, unlike an analysed one. */
  awaitingAnalysis?: true;
}

export interface ExploitHit {
  cve: string;
  dateAdded: string;
  fixedIn: string;
}

interface ExploitRange {
  cve: string;
  dateAdded: string;
  from: number[] | null;
  fixedIn: string;
  fixed: number[];
}

/** Which exploited vulnerabilities a browser version is in, answered per version once: every report asks. */
export class ExploitIndex {
  readonly #byBrowser = new Map<string, ExploitRange[]>();
  readonly #answers = new Map<string, ExploitHit[]>();
  readonly size: number;

  constructor(vulnerabilities: readonly ExploitedVulnerability[]) {
    this.size = vulnerabilities.length;
    for (const v of vulnerabilities) {
      for (const r of v.ranges) {
        const list = this.#byBrowser.get(r.browser) ?? [];
        list.push({ cve: v.cve, dateAdded: v.dateAdded, from: r.from ? partsOf(r.from) : null, fixedIn: r.fixedIn, fixed: partsOf(r.fixedIn) });
        this.#byBrowser.set(r.browser, list);
      }
    }
  }

  /** The exploited vulnerabilities `version` of `browser` is affected by, newest addition first. */
  affecting(browser: string, version: string): ExploitHit[] {
    const key = `${browser}|${version}`;
    const known = this.#answers.get(key);
    if (known) return known;
    if (this.#answers.size >= MAX_ANSWERS) this.#answers.clear();
    const v = partsOf(version);
    // A CVE may affect two lines of a browser (Firefox and Firefox ESR): a version is judged by the ranges of its own
    // major line when the CVE has one (ESR 140.5.0 is fixed, though below the release line's 145.0.1), else by all.
    const byCve = new Map<string, ExploitRange[]>();
    for (const r of this.#byBrowser.get(browser) ?? []) byCve.set(r.cve, [...(byCve.get(r.cve) ?? []), r]);
    const hitsByCve = new Map<string, ExploitRange>();
    for (const [cve, ranges] of byCve) {
      const own = ranges.filter((r) => r.fixed[0] === v[0] || r.from?.[0] === v[0]);
      const affected = (own.length > 0 ? own : ranges).filter((r) => compareAt(v, r.fixed, 4) < 0 && (!r.from || compareAt(v, r.from, 4) >= 0));
      if (affected.length > 0)
        hitsByCve.set(
          cve,
          affected.reduce((a, b) => (compareAt(b.fixed, a.fixed, 4) < 0 ? b : a)),
        );
    }
    const hits = [...hitsByCve.values()]
      .map(({ cve, dateAdded, fixedIn }) => ({ cve, dateAdded, fixedIn }))
      .sort((a, b) => b.dateAdded.localeCompare(a.dateAdded) || a.cve.localeCompare(b.cve));
    this.#answers.set(key, hits);
    return hits;
  }
}
