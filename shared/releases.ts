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
  /** Newer releases on the channel. */
  behind: number;
  /** The newest release on the channel: the version to reach. */
  target: string;
}

/** Indexed feeds, looked up per report: which channel a version is on, and since when it has been superseded. */
export class ReleaseIndex {
  readonly #channels = new Map<string, ChannelReleases[]>();
  readonly sources: readonly { source: FeedSource; fetchedAt: number }[];

  constructor(feeds: readonly ReleaseFeed[]) {
    this.sources = feeds.map((f) => ({ source: f.source, fetchedAt: f.fetchedAt }));
    for (const feed of feeds) {
      for (const channel of feed.channels) {
        const key = `${channel.browser}|${channel.platform}`;
        const sorted = { ...channel, releases: [...channel.releases].sort((a, b) => compareAt(partsOf(a.version), partsOf(b.version), 4)) };
        this.#channels.set(key, [...(this.#channels.get(key) ?? []), sorted]);
      }
    }
  }

  /** Whether the vendors' data covers this browser at all (otherwise the fleet-relative rule judges it). */
  covers(browser: string, osPlatform: string): boolean {
    return this.#lookup(browser, osPlatform).length > 0;
  }

  /**
   * Null when the version is current on its channel (or newer than any: beta, dev); otherwise since when it has been
   * superseded and by what. Missing parts count as zeros (Firefox's 146.0 is 146.0.0); the extension reads Firefox's
   * exact version, since its user agent says 146.0 for every 146.0.x.
   */
  superseded(browser: string, osPlatform: string, version: string): Superseded | null {
    const channels = this.#lookup(browser, osPlatform);
    const v = partsOf(version);
    const precision = 4;
    const same = (r: Release) => compareAt(partsOf(r.version), v, precision) === 0;
    const sameMajor = (r: Release) => partsOf(r.version)[0] === v[0];
    const pick = (has: (r: Release) => boolean) =>
      channels.find((c) => LONG_TERM.has(c.channel) && c.releases.some(has)) ?? channels.find((c) => !LONG_TERM.has(c.channel) && c.releases.some(has));
    const channel = pick(same) ?? pick(sameMajor) ?? channels.find((c) => !LONG_TERM.has(c.channel));
    if (!channel) return null;
    const newer = channel.releases.filter((r) => compareAt(partsOf(r.version), v, precision) > 0);
    if (newer.length === 0) return null;
    const first = newer.reduce((a, b) => (b.at < a.at ? b : a));
    return { channel: channel.channel, by: first.version, since: first.at, behind: newer.length, target: channel.releases.at(-1)!.version };
  }

  #lookup(browser: string, osPlatform: string): ChannelReleases[] {
    return this.#channels.get(`${browser}|${platformOf(osPlatform)}`) ?? this.#channels.get(`${browser}|*`) ?? [];
  }
}
