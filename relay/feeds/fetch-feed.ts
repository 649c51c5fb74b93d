import * as v from 'valibot';
import type { ChannelReleases, FeedSource, ReleaseFeed } from '../../shared/releases';
import { SOURCES } from './sources';

export type FeedRefusal = 'RELEASE_FEED_UNREACHABLE' | 'RELEASE_FEED_MALFORMED' | 'RELEASE_FEED_ABSURD';

/** A feed refused as a whole: the last good copy stays in use. */
export class FeedRefused extends Error {
  constructor(
    readonly code: FeedRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'FeedRefused';
  }
}

/** The largest answer read: Chrome's history for one platform and channel is a few hundred KB. */
export const MAX_FEED_BYTES = 20 * 1024 * 1024;
/** A vendor's newest major moves by one a month; more than this above the last good copy is not a release. */
const MAX_MAJOR_JUMP = 3;
/** Publication times a little ahead of our clock happen (time zones, skew); days ahead do not. */
const MAX_FUTURE_MS = 2 * 86_400_000;

export type Fetcher = (url: string, init: { signal: AbortSignal; headers: Record<string, string> }) => Promise<Response>;

/** Fetches one vendor's releases from `baseUrl` and checks them against the last good copy; throws FeedRefused. */
export async function fetchFeed(
  source: FeedSource,
  baseUrl: string,
  o: { fetch: Fetcher; timeoutMs: number; now: number; previous: ReleaseFeed | null; signal?: AbortSignal },
): Promise<ReleaseFeed> {
  const spec = SOURCES[source];
  const bodies: unknown[] = [];
  for (const path of spec.paths) bodies.push(await fetchJson(`${baseUrl.replace(/\/+$/, '')}${path}`, o));
  let channels: ChannelReleases[];
  try {
    channels = spec.parse(bodies);
  } catch (err) {
    throw new FeedRefused('RELEASE_FEED_MALFORMED', err instanceof v.ValiError ? `unexpected shape: ${issueText(err)}` : String(err));
  }
  const feed = { source, fetchedAt: o.now, channels };
  checkFeed(feed, o.previous, o.now);
  return feed;
}

/**
 * Refuses a feed that cannot be right: a channel without releases, times that are not times or lie days ahead, a
 * version far above the last good copy's (one hostile or broken answer must not make every browser outdated).
 */
export function checkFeed(feed: ReleaseFeed, previous: ReleaseFeed | null, now: number): void {
  if (feed.channels.length === 0) throw new FeedRefused('RELEASE_FEED_ABSURD', 'no channel has any release');
  for (const c of feed.channels) {
    const where = `${c.browser} ${c.platform} ${c.channel}`;
    if (c.releases.length === 0) throw new FeedRefused('RELEASE_FEED_ABSURD', `${where}: no releases`);
    for (const r of c.releases) {
      if (!Number.isFinite(r.at)) throw new FeedRefused('RELEASE_FEED_MALFORMED', `${where}: ${r.version} has no valid time`);
      if (r.at > now + MAX_FUTURE_MS)
        throw new FeedRefused('RELEASE_FEED_ABSURD', `${where}: ${r.version} is dated ${new Date(r.at).toISOString()}, days ahead`);
    }
    const before = previous && newestMajor(previous.channels.filter((p) => p.browser === c.browser));
    const major = newestMajor([c]);
    if (major > 999 || (before && major > before + MAX_MAJOR_JUMP)) {
      throw new FeedRefused('RELEASE_FEED_ABSURD', `${where}: version ${major} is far above the last known ${before ?? 'none'}`);
    }
  }
}

const newestMajor = (channels: ChannelReleases[]) => Math.max(0, ...channels.flatMap((c) => c.releases.map((r) => Number(r.version.split('.')[0]))));

export async function fetchJson(url: string, o: { fetch: Fetcher; timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    res = await o.fetch(url, { signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout, headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new FeedRefused('RELEASE_FEED_UNREACHABLE', `${url}: ${errorText(err)}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FeedRefused('RELEASE_FEED_UNREACHABLE', `${url}: HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_FEED_BYTES) {
    await res.body?.cancel();
    throw new FeedRefused('RELEASE_FEED_MALFORMED', `${url}: ${declared} bytes, more than a feed`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new FeedRefused('RELEASE_FEED_UNREACHABLE', `${url}: ${errorText(err)}`);
  }
  if (text.length > MAX_FEED_BYTES) throw new FeedRefused('RELEASE_FEED_MALFORMED', `${url}: more than ${MAX_FEED_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new FeedRefused('RELEASE_FEED_MALFORMED', `${url}: not JSON (truncated?)`);
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timed out';
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function issueText(err: v.ValiError<v.GenericSchema>): string {
  const issue = err.issues[0];
  const path = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
  return `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`;
}
