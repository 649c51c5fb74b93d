import { FEED_SOURCES } from '../../shared/releases';
import { proxyAgent } from '../delivery/oauth-client';
import type { Logger } from '../log';
import type { ReleaseStore, StatusSource } from '../storage/releases';
import type { MailSettingsStore } from '../storage/settings';
import { FeedRefused, fetchFeed, type Fetcher } from './fetch-feed';
import { fetchExploited, NVD_PACE_MS } from './kev';
import { DEFAULT_FEED_URLS, type DataSource } from './sources';

const HOUR = 3_600_000;

export interface FeedOptions {
  /** Each source's base URL (its own, a mirror, or a test's replica). */
  urls: Record<DataSource, string>;
  /** Between two NVD lookups (its public limit is 5 requests in 30 s), and how many a refresh makes at most. */
  nvdPaceMs: number;
  nvdLookupsPerRefresh: number;
  /** How often the feeds are fetched; 0 never fetches (air-gapped sites import them). */
  refreshMs: number;
  /** Data older than this is reported as stale (never a reason to stop judging with it). */
  maxAgeMs: number;
  timeoutMs: number;
}

export const DEFAULT_FEED_OPTIONS: FeedOptions = {
  urls: DEFAULT_FEED_URLS,
  refreshMs: 24 * HOUR,
  maxAgeMs: 7 * 24 * HOUR,
  timeoutMs: 30_000,
  nvdPaceMs: NVD_PACE_MS,
  // With the pace, about 6 minutes a refresh; the catalog's hundred-odd browser entries are known within a few hours.
  nvdLookupsPerRefresh: 50,
};

/**
 * Fetches the vendors' release data on a schedule, through the proxy the mail settings name (the relay's one way out),
 * keeping the last good copy of each feed when a new one is refused.
 */
export class FeedRefresher {
  readonly #d: { store: ReleaseStore; mailSettings: MailSettingsStore; logger: Logger; now: () => number; options: FeedOptions };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  /** Aborts the fetches in flight when the relay stops: a slow vendor must not hold the shutdown. */
  readonly #stopping = new AbortController();
  /** CVEs of the catalog still waiting for their NVD lookup: the next hourly look fetches the catalog again. */
  #kevPending = 0;
  readonly #nvdPace = { lastAt: Number.NEGATIVE_INFINITY };

  constructor(deps: { store: ReleaseStore; mailSettings: MailSettingsStore; logger: Logger; now?: () => number; options?: FeedOptions }) {
    this.#d = { now: Date.now, options: DEFAULT_FEED_OPTIONS, ...deps };
  }

  /**
   * Fetches what is due now, then looks hourly: a relay restarted often does not fetch more than its interval, and
   * data imported by import-feeds while it runs is read within the hour.
   */
  start(): void {
    const hourly = () => {
      void this.#d.store.reload().catch((err: unknown) => this.#d.logger.error({ err }, 'release data could not be read again'));
      if (this.#d.options.refreshMs > 0) void this.refresh({ onlyDue: true });
    };
    if (this.#d.options.refreshMs > 0) void this.refresh({ onlyDue: true });
    this.#timer = setInterval(hourly, HOUR);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopping.abort();
    await this.#running;
  }

  /** Fetches every feed (or those older than the refresh interval), one after another. */
  refresh(o: { onlyDue?: boolean } = {}): Promise<void> {
    // The store failing (a database outage) ends this refresh; the next one tries again.
    this.#running ??= this.#refresh(o.onlyDue ?? false)
      .catch((err: unknown) => this.#d.logger.error({ err }, 'release data could not be stored'))
      .finally(() => {
        this.#running = null;
      });
    return this.#running;
  }

  async #refresh(onlyDue: boolean): Promise<void> {
    const { store, logger, options } = this.#d;
    const status = new Map(store.status().map((s) => [s.source, s]));
    const fetcher = await this.#fetcher();
    for (const source of FEED_SOURCES) {
      const now = this.#d.now();
      const s = status.get(source);
      const last = Math.max(s?.fetchedAt ?? 0, s?.lastErrorAt ?? 0);
      if (onlyDue && now - last < options.refreshMs) continue;
      if (this.#stopping.signal.aborted) return;
      try {
        const feed = await fetchFeed(source, options.urls[source], {
          fetch: fetcher,
          timeoutMs: options.timeoutMs,
          now,
          previous: store.feed(source),
          signal: this.#stopping.signal,
        });
        await store.save(feed);
        logger.info({ source, channels: feed.channels.length }, 'release data refreshed');
      } catch (err) {
        await this.#refused(source, err, now);
      }
    }
    const kev = status.get('kev');
    const now = this.#d.now();
    if (onlyDue && this.#kevPending === 0 && now - Math.max(kev?.fetchedAt ?? 0, kev?.lastErrorAt ?? 0) < options.refreshMs) return;
    if (this.#stopping.signal.aborted) return;
    try {
      const known = new Map(store.exploited().map((v) => [v.cve, v]));
      const { vulnerabilities, pending } = await fetchExploited({
        fetch: fetcher,
        kevUrl: options.urls.kev,
        nvdUrl: options.urls.nvd,
        timeoutMs: options.timeoutMs,
        signal: this.#stopping.signal,
        known,
        paceMs: options.nvdPaceMs,
        pace: this.#nvdPace,
        maxLookups: options.nvdLookupsPerRefresh,
      });
      await store.saveExploited(vulnerabilities, now);
      this.#kevPending = pending;
      logger.info({ source: 'kev', vulnerabilities: vulnerabilities.length, pending }, 'exploited vulnerabilities refreshed');
    } catch (err) {
      await this.#refused('kev', err, now);
    }
  }

  async #refused(source: StatusSource, err: unknown, now: number): Promise<void> {
    const refused = err instanceof FeedRefused ? err : new FeedRefused('RELEASE_FEED_MALFORMED', String(err));
    this.#d.logger.warn({ source, code: refused.code, reason: refused.message }, 'release data refused; the last good copy stays in use');
    await this.#d.store.refused(source, `${refused.code}: ${refused.message}`, now);
  }

  async #fetcher(): Promise<Fetcher> {
    const settings = this.#d.mailSettings.get();
    if (!settings?.proxyUrl) return (url, init) => fetch(url, init);
    const undici = await import('undici');
    const dispatcher = proxyAgent(undici.ProxyAgent, settings, this.#d.mailSettings.secrets());
    return (url, init) => undici.fetch(url, { ...init, dispatcher }) as unknown as Promise<Response>;
  }
}
