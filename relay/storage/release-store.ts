import { ExploitIndex, FEED_SOURCES, ReleaseIndex, type ChannelReleases, type ExploitedVulnerability, type FeedSource, type ReleaseFeed } from '../../shared/releases';
import type { Db } from './db';

/** The release feeds, and CISA's catalog of exploited vulnerabilities. */
export type StatusSource = FeedSource | 'kev';
const STATUS_SOURCES: readonly StatusSource[] = [...FEED_SOURCES, 'kev'];

export interface FeedStatus {
  source: StatusSource;
  /** When the copy in use was fetched; null while there is none. */
  fetchedAt: number | null;
  /** The last refusal (code: reason), kept until a good copy replaces it. */
  lastError: string | null;
  lastErrorAt: number | null;
}

interface Row {
  source: StatusSource;
  fetched_at: number | null;
  channels: string | null;
  last_error: string | null;
  last_error_at: number | null;
}

/** The last good copy of each vendor's feed, and the index the checks judge with, rebuilt when a copy changes. */
export class ReleaseStore {
  readonly #db: Db;
  #index: ReleaseIndex | null = null;
  #exploits: ExploitIndex | null = null;

  constructor(db: Db) {
    this.#db = db;
    this.#reindex();
  }

  /** Null while no vendor's data has arrived: the checks fall back to the fleet-relative rule. */
  index(): ReleaseIndex | null {
    return this.#index;
  }

  feeds(): ReleaseFeed[] {
    return this.#rows()
      .filter((r) => r.source !== 'kev' && r.fetched_at !== null && r.channels !== null)
      .map((r) => ({ source: r.source as FeedSource, fetchedAt: r.fetched_at!, channels: JSON.parse(r.channels!) as ChannelReleases[] }));
  }

  /** Null until CISA's catalog has been fetched once. */
  exploitIndex(): ExploitIndex | null {
    return this.#exploits;
  }

  exploited(): ExploitedVulnerability[] {
    const rows = this.#db.prepare('SELECT cve, date_added, ranges FROM exploited ORDER BY cve').all() as { cve: string; date_added: string; ranges: string }[];
    // Stored as JSON null while NVD has not analysed the CVE.
    return rows.map((r) => {
      const ranges = JSON.parse(r.ranges) as ExploitedVulnerability['ranges'] | null;
      return ranges ? { cve: r.cve, dateAdded: r.date_added, ranges } : { cve: r.cve, dateAdded: r.date_added, ranges: [], awaitingAnalysis: true };
    });
  }

  /** The catalog's browser entries as of `fetchedAt`, replacing the last copy whole. */
  saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM exploited').run();
      const insert = this.#db.prepare('INSERT INTO exploited (cve, date_added, ranges) VALUES (?, ?, ?)');
      for (const v of vulnerabilities) insert.run(v.cve, v.dateAdded, JSON.stringify(v.awaitingAnalysis ? null : v.ranges));
      this.#db
        .prepare(
          `INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES ('kev', ?, NULL, NULL, NULL)
           ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, last_error = NULL, last_error_at = NULL`,
        )
        .run(fetchedAt);
    })();
    this.#reindex();
  }

  feed(source: FeedSource): ReleaseFeed | null {
    return this.feeds().find((f) => f.source === source) ?? null;
  }

  save(feed: ReleaseFeed): void {
    this.#db
      .prepare(
        `INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES (?, ?, ?, NULL, NULL)
         ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, channels = excluded.channels, last_error = NULL, last_error_at = NULL`,
      )
      .run(feed.source, feed.fetchedAt, JSON.stringify(feed.channels));
    this.#reindex();
  }

  refused(source: StatusSource, error: string, at: number): void {
    this.#db
      .prepare(
        `INSERT INTO release_feeds (source, last_error, last_error_at) VALUES (?, ?, ?)
         ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
      )
      .run(source, error, at);
  }

  status(): FeedStatus[] {
    const rows = new Map(this.#rows().map((r) => [r.source, r]));
    return STATUS_SOURCES.map((source) => {
      const r = rows.get(source);
      return { source, fetchedAt: r?.fetched_at ?? null, lastError: r?.last_error ?? null, lastErrorAt: r?.last_error_at ?? null };
    });
  }

  #rows(): Row[] {
    return this.#db.prepare('SELECT source, fetched_at, channels, last_error, last_error_at FROM release_feeds ORDER BY source').all() as Row[];
  }

  /** Reads the store again: another process (import-feeds) may have written to it. */
  reload(): void {
    this.#reindex();
  }

  #reindex(): void {
    const feeds = this.feeds();
    this.#index = feeds.length > 0 ? new ReleaseIndex(feeds) : null;
    const kev = this.#rows().find((r) => r.source === 'kev' && r.fetched_at !== null);
    this.#exploits = kev ? new ExploitIndex(this.exploited()) : null;
  }
}
