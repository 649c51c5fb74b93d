import {
  ExploitIndex,
  FEED_SOURCES,
  ReleaseIndex,
  type ChannelReleases,
  type ExploitedVulnerability,
  type FeedSource,
  type ReleaseFeed,
} from '../../shared/releases';
import type { Cached } from './settings';
import { sql, type Sql } from './sql';

/** The release feeds, and CISA's catalog of exploited vulnerabilities. */
export type StatusSource = FeedSource | 'kev';

export interface FeedStatus {
  source: StatusSource;
  /** When the copy in use was fetched; null while there is none. */
  fetchedAt: number | null;
  /** The last refusal (code: reason), kept until a good copy replaces it. */
  lastError: string | null;
  lastErrorAt: number | null;
}

const STATUS_SOURCES: readonly StatusSource[] = [...FEED_SOURCES, 'kev'];

interface ReleaseRow {
  source: StatusSource;
  fetched_at: number | null;
  channels: string | null;
  last_error: string | null;
  last_error_at: number | null;
}

/** The names a change to the release data is announced under. */
export const RELEASES_NAME = 'releases';

/**
 * The last good copy of each vendor's feed and CISA's catalog of exploited vulnerabilities, held in memory with the
 * indexes the checks judge with, rebuilt when a copy changes (here, in another relay, or in another process: reload).
 */
export class ReleaseStore implements Cached {
  readonly #sql: Sql;
  #rows: ReleaseRow[] = [];
  #exploited: ExploitedVulnerability[] = [];
  #index: ReleaseIndex | null = null;
  #exploits: ExploitIndex | null = null;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async load(): Promise<void> {
    const [rows, exploited] = await Promise.all([
      this.#sql.all<ReleaseRow>(sql`SELECT source, fetched_at, channels, last_error, last_error_at FROM release_feeds ORDER BY source`),
      this.#sql.all<ExploitedRow>(sql`SELECT cve, date_added, ranges FROM exploited ORDER BY cve`),
    ]);
    this.#rows = rows;
    this.#exploited = exploitedOf(exploited);
    const feeds = feedsOf(rows);
    const kev = rows.find((r) => r.source === 'kev' && r.fetched_at !== null);
    this.#index = feeds.length > 0 ? new ReleaseIndex(feeds) : null;
    this.#exploits = kev ? new ExploitIndex(this.#exploited) : null;
  }

  /** Reads the store again: another process (import-feeds) or relay may have written to it. */
  reload(): Promise<void> {
    return this.load();
  }

  /** Null while no vendor's data has arrived: the checks fall back to the fleet-relative rule. */
  index(): ReleaseIndex | null {
    return this.#index;
  }

  /** Null until CISA's catalog has been fetched once. */
  exploitIndex(): ExploitIndex | null {
    return this.#exploits;
  }

  feeds(): ReleaseFeed[] {
    return feedsOf(this.#rows);
  }

  feed(source: FeedSource): ReleaseFeed | null {
    return this.feeds().find((f) => f.source === source) ?? null;
  }

  exploited(): ExploitedVulnerability[] {
    return this.#exploited;
  }

  status(): FeedStatus[] {
    const bySource = new Map(this.#rows.map((r) => [r.source, r]));
    return STATUS_SOURCES.map((source) => {
      const r = bySource.get(source);
      return { source, fetchedAt: r?.fetched_at ?? null, lastError: r?.last_error ?? null, lastErrorAt: r?.last_error_at ?? null };
    });
  }

  save(feed: ReleaseFeed): Promise<void> {
    return this.#change(async (tx) => {
      await tx.run(
        sql`INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES (${feed.source}, ${feed.fetchedAt}, ${JSON.stringify(feed.channels)}, NULL, NULL)
            ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, channels = excluded.channels, last_error = NULL, last_error_at = NULL`,
      );
    });
  }

  /** The catalog's browser entries as of `fetchedAt`, replacing the last copy whole. */
  saveExploited(vulnerabilities: readonly ExploitedVulnerability[], fetchedAt: number): Promise<void> {
    return this.#change(async (tx) => {
      await tx.run(sql`DELETE FROM exploited`);
      await tx.insertRows(
        'exploited',
        ['cve', 'date_added', 'ranges'],
        vulnerabilities.map((v) => [v.cve, v.dateAdded, JSON.stringify(v.awaitingAnalysis ? null : v.ranges)]),
      );
      await tx.run(
        sql`INSERT INTO release_feeds (source, fetched_at, channels, last_error, last_error_at) VALUES ('kev', ${fetchedAt}, NULL, NULL, NULL)
            ON CONFLICT (source) DO UPDATE SET fetched_at = excluded.fetched_at, last_error = NULL, last_error_at = NULL`,
      );
    });
  }

  /** A refresh was refused: the reason is kept beside the last good copy, which stays in use. */
  refused(source: StatusSource, error: string, at: number): Promise<void> {
    return this.#change(async (tx) => {
      await tx.run(
        sql`INSERT INTO release_feeds (source, last_error, last_error_at) VALUES (${source}, ${error}, ${at})
            ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at`,
      );
    });
  }

  async #change(write: (tx: Sql) => Promise<void>): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await write(tx);
      await tx.announce(RELEASES_NAME);
    });
    await this.load();
  }
}

interface ExploitedRow {
  cve: string;
  date_added: string;
  ranges: string;
}

function feedsOf(rows: ReleaseRow[]): ReleaseFeed[] {
  return rows
    .filter((r) => r.source !== 'kev' && r.fetched_at !== null && r.channels !== null)
    .map((r) => ({ source: r.source as FeedSource, fetchedAt: r.fetched_at!, channels: JSON.parse(r.channels!) as ChannelReleases[] }));
}

function exploitedOf(rows: ExploitedRow[]): ExploitedVulnerability[] {
  return rows.map((r) => {
    const ranges = JSON.parse(r.ranges) as ExploitedVulnerability['ranges'] | null;
    return ranges ? { cve: r.cve, dateAdded: r.date_added, ranges } : { cve: r.cve, dateAdded: r.date_added, ranges: [], awaitingAnalysis: true };
  });
}
