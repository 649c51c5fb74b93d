import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EXTENSION_ID } from '../shared/extension';
import type { DevicesAnswer } from '../shared/fleet';
import { generateToken } from '../relay/storage/access-tokens';
import { UNSIGNED } from '../relay/storage/fleet';
import { connectAsAdmin, launchBrowser } from '../test/fixtures/browser';
import { percentile } from '../test/fixtures/load';
import { startPostgres } from '../test/fixtures/postgres';
import { createPostgresTestRelay, createTestRelay, serveTestRelay, type TestRelay } from '../test/fixtures/relay';
import { median, report } from './lib';
import { extensionPopulation, makeDevice, RISKY_EXTENSION, seeded } from './simulator/fleet';

/** The lists an admin asks for, each a first page of 100 (with its counts) and the page after it. */
const LISTS = [
  'sort=risk',
  'level=high',
  'check=risky-permissions&subject=Tab+Debugger',
  'check=safe-browsing',
  'browser=Edge&version=131',
  'os=mac&sort=lastSeen',
  `extension=${RISKY_EXTENSION.id}`,
  'q=simulated+chrome+12',
  'sort=name',
  'stopped=true',
];
const ASKS = 40;
const SIZES = [1_000, 100_000] as const;

type Relay = Pick<TestRelay, 'deps' | 'call'>;

/** The simulator's fleet (bench/simulator/fleet.ts), one browser in a hundred with its risky extension, all reported once. */
async function seed(relay: Relay, devices: number): Promise<void> {
  const random = seeded(32);
  const population = extensionPopulation(2_000, random);
  const policy = relay.deps.policy.get();
  const start = Date.now() - devices * 10;
  for (let from = 0; from < devices; from += 1_000)
    await Promise.all(
      Array.from({ length: Math.min(1_000, devices - from) }, (_, i) => {
        const device = makeDevice(from + i, population, random);
        if ((from + i) % 100 === 0) device.turnVulnerable();
        return relay.deps.fleet.submit(device.collect(), policy, start + (from + i) * 10, UNSIGNED);
      }),
    );
}

/** p95 of each list's first page and the page after it, through the API, in ms. */
async function listTimes(
  relay: Relay,
): Promise<{ first: number; next: number; counts: number; perList: Record<string, number>; small: Record<string, number>; rows: Record<string, number> }> {
  const first: number[] = [];
  const next: number[] = [];
  const counts: number[] = [];
  const perList: Record<string, number> = {};
  // A list matching 1 % of 1,000 devices answers 10 of them, and a page of 100 at 100,000: the same list, a tenth of the
  // work. Pages of 10 compare equal answers too.
  const small: Record<string, number> = {};
  const rows: Record<string, number> = {};
  // Once each, unmeasured: the first list measured would pay the JIT's and the caches' warming for all of them.
  for (const list of LISTS) await relay.call('GET', `/api/v1/devices?${list}&limit=100`);
  for (const list of LISTS) {
    const mine: number[] = [];
    for (let i = 0; i < ASKS; i++) {
      let t = performance.now();
      const page = (await (await relay.call('GET', `/api/v1/devices?${list}&limit=100`)).json()) as DevicesAnswer;
      mine.push(performance.now() - t);
      if (!page.next) continue;
      t = performance.now();
      await relay.call('GET', `/api/v1/devices?${list}&limit=100&cursor=${page.next}`);
      next.push(performance.now() - t);
    }
    for (let i = 0; i < ASKS / 4; i++) {
      const t = performance.now();
      await relay.call('GET', `/api/v1/devices/counts?${list.replace(/&?sort=\w+/, '')}`);
      counts.push(performance.now() - t);
    }
    const tens: number[] = [];
    for (let i = 0; i < ASKS; i++) {
      const t = performance.now();
      await relay.call('GET', `/api/v1/devices?${list}&limit=10`);
      tens.push(performance.now() - t);
    }
    first.push(...mine);
    perList[list] = percentile(mine, 95);
    small[list] = percentile(tens, 95);
    rows[list] = ((await (await relay.call('GET', `/api/v1/devices?${list}&limit=100`)).json()) as DevicesAnswer).devices.length;
  }
  return { first: percentile(first, 95), next: next.length ? percentile(next, 95) : Number.NaN, counts: percentile(counts, 95), perList, small, rows };
}

async function engineFigures(engine: string, open: () => Promise<Relay & { close(): Promise<void> }>): Promise<void> {
  const times: Awaited<ReturnType<typeof listTimes>>[] = [];
  for (const size of SIZES) {
    const relay = await open();
    const t = performance.now();
    await seed(relay, size);
    process.stdout.write(`  (${engine}: ${size.toLocaleString('en')} devices reported in ${((performance.now() - t) / 1000).toFixed(0)} s)\n`);
    times.push(await listTimes(relay));
    await relay.close();
  }
  const [small, large] = times as [Awaited<ReturnType<typeof listTimes>>, Awaited<ReturnType<typeof listTimes>>];
  report(`device list p95, first page, 100k (${engine})`, large.first, 'ms', small.first, 'the same lists at 1k', '≤ 2× (ratio)');
  report(`device list p95, next page, 100k (${engine})`, large.next, 'ms', small.next, 'the same lists at 1k', '≤ 2× (ratio)');
  // Counting costs the matches, not a page: reported, with no target of a page's.
  report(`device counts p95, 100k (${engine})`, large.counts, 'ms', small.counts, 'the same counts at 1k', 'none (O(matches))');
  for (const list of LISTS) {
    report(
      `  ${list} (${engine})`,
      large.perList[list]!,
      'ms p95',
      small.perList[list]!,
      `at 1k (${large.rows[list]} / ${small.rows[list]} rows)`,
      '≤ 2× (ratio)',
    );
    report(`    pages of 10`, large.small[list]!, 'ms p95', small.small[list]!, 'at 1k', '≤ 2× (ratio)');
  }
}

/**
 * From the options page's navigation to its table's first row ready for the keyboard, in ms, as the page's own clock
 * sees it (performance.now() counts from the navigation's start): puppeteer's waiting adds 100 ms or more of its own.
 */
async function consoleOpen(devices: number): Promise<number> {
  const relay = await serveTestRelay({ deviceAdmission: { burst: devices, perHour: devices } });
  await seed(relay, devices);
  const chromium = await launchBrowser();
  try {
    await connectAsAdmin(chromium, relay);
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const page = await chromium.browser.newPage();
      await page.setViewport({ width: 1400, height: 900 });
      await page.evaluateOnNewDocument(() => {
        const table = new MutationObserver(() => {
          if (!document.querySelector('#devices tr[tabindex="0"]')) return;
          (globalThis as { tableAt?: number }).tableAt = performance.now();
          table.disconnect();
        });
        document.addEventListener('DOMContentLoaded', () => table.observe(document.body, { childList: true, subtree: true }));
      });
      await page.goto(`chrome-extension://${EXTENSION_ID}/options.html#fleet`);
      await page.waitForSelector('#devices tr[tabindex="0"]', { timeout: 30_000 });
      runs.push(await page.evaluate(() => (globalThis as { tableAt?: number }).tableAt ?? Number.NaN));
      await page.close();
    }
    // The first two warm the extension's service worker and the relay.
    return median(runs.slice(2));
  } finally {
    await chromium.close();
    await relay.stop();
  }
}

/** The options page opened to an interactive table at 100,000 devices, against the same at 1,000. */
export async function benchConsoleOpen(): Promise<void> {
  process.stdout.write("Fleet console in Debian's Chromium (the extension built first; relay and browser on the same 2 cores)\n");
  const [small, large] = [await consoleOpen(SIZES[0]), await consoleOpen(SIZES[1])];
  report('console open to an interactive table, 100k', large, 'ms', small, 'the same at 1k', '< 300 ms');
}

/**
 * The fleet console's lists at 100,000 devices against the same at 1,000, in the same run: each list's p95 through
 * the API on SQLite and on PostgreSQL, and the counts beside them. The relay and the database share the two cores.
 */
export async function benchConsole(): Promise<void> {
  process.stdout.write('Fleet console lists (relay and database on the same 2 cores)\n');
  await engineFigures('SQLite', () => createTestRelay({ deviceAdmission: { burst: 200_000, perHour: 200_000 } }));
  const cluster = await startPostgres();
  try {
    const shared = { secretKey: randomBytes(32), adminToken: generateToken('admin'), enrollmentToken: generateToken('enrollment') };
    let n = 0;
    await engineFigures('PostgreSQL', () =>
      createPostgresTestRelay(cluster.createDatabase(`console_${++n}`), shared, { deviceAdmission: { burst: 200_000, perHour: 200_000 } }),
    );
  } finally {
    cluster.stop();
  }
}
