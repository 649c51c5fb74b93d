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
    { source: 'chrome', fetchedAt: now, channels: platforms.flatMap((p) => [history('Chrome', p, 'stable', 400, 143), history('Chrome', p, 'extended', 200, 142)]) },
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
