import { readFileSync, writeFileSync } from 'node:fs';
import * as v from 'valibot';
import { FEED_SOURCES, type ReleaseFeed } from '../../shared/releases';
import { checkFeed, FeedRefused } from '../feeds/fetch-feed';
import { ReleaseStore } from '../storage/releases';
import { openDatabase } from '../storage/sqlite/db';
import { SqliteSql } from '../storage/sqlite/sql';

/** The release data of a relay's data directory, read, with what closes it. */
async function openReleases(dataDir: string): Promise<{ store: ReleaseStore; close: () => void }> {
  const sql = new SqliteSql(openDatabase(dataDir));
  const store = new ReleaseStore(sql);
  await store.load();
  return { store, close: () => sql.close() };
}

const FORMAT = 'guardmail-release-feeds/1';

const Bundle = v.object({
  format: v.literal(FORMAT),
  exportedAt: v.string(),
  exploited: v.optional(
    v.object({
      fetchedAt: v.number(),
      vulnerabilities: v.array(
        v.object({
          cve: v.pipe(v.string(), v.regex(/^CVE-\d{4}-\d{4,7}$/)),
          dateAdded: v.pipe(v.string(), v.isoDate()),
          ranges: v.array(
            v.object({
              browser: v.pipe(v.string(), v.maxLength(50)),
              from: v.optional(v.pipe(v.string(), v.regex(/^\d{1,4}(\.\d{1,6}){0,3}$/))),
              fixedIn: v.pipe(v.string(), v.regex(/^\d{1,4}(\.\d{1,6}){0,3}$/)),
            }),
          ),
          awaitingAnalysis: v.optional(v.literal(true)),
        }),
      ),
    }),
  ),
  feeds: v.array(
    v.object({
      source: v.picklist(FEED_SOURCES),
      fetchedAt: v.number(),
      channels: v.array(
        v.object({
          browser: v.pipe(v.string(), v.maxLength(50)),
          platform: v.pipe(v.string(), v.maxLength(20)),
          channel: v.pipe(v.string(), v.maxLength(20)),
          releases: v.array(v.object({ version: v.pipe(v.string(), v.regex(/^\d{1,4}(\.\d{1,6}){1,3}$/)), at: v.number() })),
        }),
      ),
    }),
  ),
});

/** Writes the release data this relay holds to `file`, for a relay without internet to import. */
export async function exportFeeds(dataDir: string, file: string): Promise<string> {
  const { store, close } = await openReleases(dataDir);
  try {
    const feeds = store.feeds();
    if (feeds.length === 0) throw new Error('this relay has no release data yet: let it fetch the feeds first (or check its proxy and /readyz)');
    const kevAt = store.status().find((s) => s.source === 'kev')?.fetchedAt ?? null;
    const exploited = kevAt === null ? undefined : { fetchedAt: kevAt, vulnerabilities: store.exploited() };
    writeFileSync(file, JSON.stringify({ format: FORMAT, exportedAt: new Date().toISOString(), feeds, ...(exploited ? { exploited } : {}) }));
    const what = [
      ...feeds.map((f) => `${f.source} (fetched ${new Date(f.fetchedAt).toISOString()})`),
      ...(exploited ? [`kev (fetched ${new Date(exploited.fetchedAt).toISOString()}, ${exploited.vulnerabilities.length} vulnerabilities)`] : []),
    ];
    return `Exported ${what.join(', ')} to ${file}.\n`;
  } finally {
    close();
  }
}

/**
 * Loads a bundle another relay exported. Each feed is checked as a fetched one is, and one older than the copy already
 * held is skipped: an old bundle must not roll the data back. A running relay uses it within the hour.
 */
export async function importFeeds(dataDir: string, file: string, now = Date.now()): Promise<string> {
  let bundle: v.InferOutput<typeof Bundle>;
  try {
    bundle = v.parse(Bundle, JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(
      `${file} is not a release data bundle from export-feeds (${err instanceof v.ValiError ? (err.issues[0]?.message ?? 'wrong shape') : (err as Error).message})`,
      { cause: err },
    );
  }
  const { store, close } = await openReleases(dataDir);
  try {
    const lines: string[] = [];
    for (const feed of bundle.feeds as ReleaseFeed[]) {
      const held = store.feed(feed.source);
      if (held && held.fetchedAt >= feed.fetchedAt) {
        lines.push(`${feed.source}: kept the copy held (fetched ${new Date(held.fetchedAt).toISOString()}), the bundle's is not newer`);
        continue;
      }
      try {
        checkFeed(feed, held, now);
      } catch (err) {
        if (!(err instanceof FeedRefused)) throw err;
        throw new Error(`${feed.source}: refused, ${err.code}: ${err.message}; nothing was imported`, { cause: err });
      }
      lines.push(`${feed.source}: imported (fetched ${new Date(feed.fetchedAt).toISOString()})`);
    }
    // Checked first, saved after: a bundle is taken whole or not at all.
    for (const feed of bundle.feeds as ReleaseFeed[]) {
      const held = store.feed(feed.source);
      if (!held || held.fetchedAt < feed.fetchedAt) await store.save(feed);
    }
    const kevAt = store.status().find((s) => s.source === 'kev')?.fetchedAt ?? null;
    if (bundle.exploited && (kevAt === null || kevAt < bundle.exploited.fetchedAt)) {
      await store.saveExploited(bundle.exploited.vulnerabilities, bundle.exploited.fetchedAt);
      lines.push(`kev: imported (${bundle.exploited.vulnerabilities.length} vulnerabilities)`);
    }
    return `${lines.join('\n')}\n`;
  } finally {
    close();
  }
}
