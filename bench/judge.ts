import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_FEED_OPTIONS, FeedRefresher } from '../relay/feeds/refresh';
import { createLogger } from '../relay/log';
import { SecretBox } from '../relay/storage/secret-box';
import { openSqliteStores } from '../relay/storage/sqlite/index';
import { evaluate, withPolicy } from '../shared/checks/index';
import { DEFAULT_POLICY } from '../shared/alert-policy';
import { ReleaseIndex, type ChannelReleases, type ReleaseFeed } from '../shared/releases';
import { report as makeReport } from '../test/fixtures/reports';
import { median, report } from './lib';

const RUNS = 5;
const REPORTS = 100_000;
const DAY = 86_400_000;

/** A year of history as the vendors publish it: Chrome a release every few days per platform and channel, Firefox's whole list. */
function fullData(now: number): ReleaseFeed[] {
  const history = (browser: string, platform: string, channel: string, count: number, major: number): ChannelReleases => ({
    browser,
    platform,
    channel,
    releases: Array.from({ length: count }, (_, i) => ({ version: `${major - Math.floor(i / 8)}.0.${7000 - i}.${100 + (i % 8)}`, at: now - i * 3 * DAY })),
  });
  const platforms = ['windows', 'mac', 'linux', 'chromeos', 'android', 'ios'];
  return [
    {
      source: 'chrome',
      fetchedAt: now,
      channels: platforms.flatMap((p) => [history('Chrome', p, 'stable', 400, 143), history('Chrome', p, 'extended', 200, 142)]),
    },
    { source: 'edge', fetchedAt: now, channels: platforms.slice(0, 3).map((p) => history('Edge', p, 'stable', 300, 143)) },
    { source: 'firefox', fetchedAt: now, channels: [history('Firefox', '*', 'release', 1500, 146), history('Firefox', '*', 'esr', 600, 140)] },
  ];
}

/** Reports judged per second by the shared rules, with every vendor's release data loaded against none (the fleet rule). */
export async function benchJudge(): Promise<void> {
  const now = Date.now();
  const index = new ReleaseIndex(fullData(now));
  // A fleet as it usually is: most browsers current, one far behind (outdated by either rule, so both write a finding).
  const browsers = [
    { name: 'Chrome', version: '143.0.7000.100' },
    { name: 'Edge', version: '143.0.7000.100' },
    { name: 'Firefox', version: '146.0.7000.100' },
    { name: 'Chrome', version: '139.0.6968.100' },
  ];
  const reports = browsers.map((browser, i) => makeReport({ deviceId: `bench-judge-${i}`, browser, os: { platform: 'Windows', version: '' } }));
  const context = withPolicy(DEFAULT_POLICY, new Map([['Chrome', 143]]));
  const rate = (releases: ReleaseIndex | null) => {
    const started = performance.now();
    for (let i = 0; i < REPORTS; i++) evaluate(reports[i % reports.length]!, { ...context, releases, now });
    return REPORTS / ((performance.now() - started) / 1000);
  };
  const without: number[] = [];
  const withData: number[] = [];
  rate(index); // warm-up
  for (let run = 0; run < RUNS; run++) {
    without.push(rate(null));
    withData.push(rate(index));
  }
  // A ratio of rates: 1.2× the cost is 0.83 of the rate.
  report('judging with all release data', median(withData), 'reports/s', median(without), 'judging without (fleet rule)', '≥ 0.83 (≤ 1.2× cost)');
}

/**
 * Heap after many refreshes of every feed (full-size answers from the loopback replica) against the heap after the
 * first few: what a relay refreshing daily for months holds.
 */
export async function benchFeedMemory(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { startReleaseFeeds } = await import('../test/peers/release-feeds');
  const days = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      version: `143.0.${7000 - i}.${100 + (i % 8)}`,
      day: new Date(Date.now() - i * 2 * DAY).toISOString().slice(0, 10),
    }));
  const peer = await startReleaseFeeds({
    chrome: { stable: days(300), extended: days(100) },
    edge: { stable: days(200) },
    firefox: { release: days(600), esr: days(300) },
    kev: [],
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-bench-feeds-'));
  const logger = createLogger('error');
  const stores = await openSqliteStores(dataDir, new SecretBox(randomBytes(32)), logger);
  const refresher = new FeedRefresher({
    store: stores.releases,
    mailSettings: stores.mailSettings,
    logger,
    options: { ...DEFAULT_FEED_OPTIONS, urls: { ...peer.urls }, nvdPaceMs: 0 },
  });
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed / 1024 / 1024;
  };
  for (let i = 0; i < 5; i++) await refresher.refresh();
  const early = heap();
  for (let i = 0; i < 45; i++) await refresher.refresh();
  const late = heap();
  await peer.close();
  await stores.close();
  report('heap after 50 feed refreshes', late, 'MB', early, 'heap after 5', 'flat (≈ 1)');
}
