import { ExploitIndex, FEED_SOURCES, ReleaseIndex, type ChannelReleases, type ExploitedVulnerability, type FeedSource, type ReleaseFeed } from '../../shared/releases';
import type { Db } from './db';
import type { FeedStatus, ReleaseStorage, StatusSource } from './stores';

const STATUS_SOURCES: readonly StatusSource[] = [...FEED_SOURCES, 'kev'];

export interface ReleaseRow {
  source: StatusSource;
  fetched_at: number | null;
  channels: string | null;
  last_error: string | null;
  last_error_at: number | null;
}

/** The last good copy of each vendor's feed, and the index the checks judge with, rebuilt when a copy changes. */
export class ReleaseStore implements ReleaseStorage {
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
    return feedsOf(this.#rows());
  }

  /** Null until CISA's catalog has been fetched once. */
  exploitIndex(): ExploitIndex | null {
    return this.#exploits;
  }

  exploited(): ExploitedVulnerability[] {
    return exploitedOf(this.#db.prepare('SELECT cve, date_added, ranges FROM exploited ORDER BY cve').all() as ExploitedRow[]);
  }

  /** The catalog's browser entries as of `fetchedAt`, replacing the last copy whole. */
  saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): void {
    this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM exploited').run();
      const insert = this.#db.prepare('INSERT INTO exploited (cve, date_added, ranges) VALUES (?, ?, ?)');
      for (const v of vulnerabilities) insert.run(v.cve, v.dateAdded, storedRanges(v));
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
    return statusOf(this.#rows());
  }

  #rows(): ReleaseRow[] {
    return this.#db.prepare(RELEASE_ROWS).all() as ReleaseRow[];
  }

  /** Reads the store again: another process (import-feeds) may have written to it. */
  reload(): void {
    this.#reindex();
  }

  #reindex(): void {
    ({ index: this.#index, exploits: this.#exploits } = indexesOf(this.#rows(), () => this.exploited()));
  }
}

export const RELEASE_ROWS = 'SELECT source, fetched_at, channels, last_error, last_error_at FROM release_feeds ORDER BY source';

export interface ExploitedRow {
  cve: string;
  date_added: string;
  ranges: string;
}

export function feedsOf(rows: ReleaseRow[]): ReleaseFeed[] {
  return rows
    .filter((r) => r.source !== 'kev' && r.fetched_at !== null && r.channels !== null)
    .map((r) => ({ source: r.source as FeedSource, fetchedAt: r.fetched_at!, channels: JSON.parse(r.channels!) as ChannelReleases[] }));
}

/** Stored as JSON null while NVD has not analysed the CVE. */
export const storedRanges = (v: ExploitedVulnerability): string => JSON.stringify(v.awaitingAnalysis ? null : v.ranges);

export function exploitedOf(rows: ExploitedRow[]): ExploitedVulnerability[] {
  return rows.map((r) => {
    const ranges = JSON.parse(r.ranges) as ExploitedVulnerability['ranges'] | null;
    return ranges ? { cve: r.cve, dateAdded: r.date_added, ranges } : { cve: r.cve, dateAdded: r.date_added, ranges: [], awaitingAnalysis: true };
  });
}

export function statusOf(rows: ReleaseRow[]): FeedStatus[] {
  const bySource = new Map(rows.map((r) => [r.source, r]));
  return STATUS_SOURCES.map((source) => {
    const r = bySource.get(source);
    return { source, fetchedAt: r?.fetched_at ?? null, lastError: r?.last_error ?? null, lastErrorAt: r?.last_error_at ?? null };
  });
}

/** The indexes the checks judge with: null while no vendor's data (or no catalog) has arrived. */
export function indexesOf(rows: ReleaseRow[], exploited: () => ExploitedVulnerability[]): { index: ReleaseIndex | null; exploits: ExploitIndex | null } {
  const feeds = feedsOf(rows);
  const kev = rows.find((r) => r.source === 'kev' && r.fetched_at !== null);
  return { index: feeds.length > 0 ? new ReleaseIndex(feeds) : null, exploits: kev ? new ExploitIndex(exploited()) : null };
}
