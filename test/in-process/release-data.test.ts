import { mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadinessAnswer, StatusAnswer } from '../../shared/api';
import type { ReportAnswer } from '../../shared/fleet';
import type { ComplianceReport } from '../../shared/report';
import { startProxy, type TestProxy } from '../fixtures/proxy';
import { basicSettings, createTestRelay, keptStore, type KeptStore, type TestRelay } from '../fixtures/relay';
import { runRelayToExit } from '../fixtures/relay-process';
import { report } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import { startReleaseFeeds, type FeedData, type FeedFault, type ReleaseFeedPeer } from '../peers/release-feeds';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-02T12:00:00Z');

const DATA: FeedData = {
  chrome: {
    stable: [
      { version: '143.0.7499.40', day: '2026-11-10' },
      { version: '143.0.7499.110', day: '2026-11-18' },
      { version: '143.0.7499.169', day: '2026-11-25' },
    ],
    extended: [
      { version: '142.0.7444.162', day: '2026-11-10' },
      { version: '142.0.7444.176', day: '2026-11-18' },
    ],
  },
  edge: {
    stable: [
      { version: '143.0.3650.40', day: '2026-11-12' },
      { version: '143.0.3650.66', day: '2026-11-21' },
    ],
  },
  firefox: {
    release: [
      { version: '145.0', day: '2026-11-10' },
      { version: '145.0.1', day: '2026-11-18' },
      { version: '146.0', day: '2026-11-28' },
    ],
    esr: [
      { version: '140.5.0', day: '2026-11-10' },
      { version: '140.6.0', day: '2026-11-28' },
    ],
  },
  kev: [
    {
      cve: 'CVE-2026-13001',
      vendorProject: 'Google',
      product: 'Chromium V8',
      dateAdded: '2026-11-20',
      cpe: [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '143.0.7499.110' }],
    },
    {
      cve: 'CVE-2026-12002',
      vendorProject: 'Google',
      product: 'Chromium Mojo',
      dateAdded: '2026-10-02',
      cpe: [{ criteria: 'cpe:2.3:a:google:chrome:*:*:*:*:*:*:*:*', versionEndExcluding: '141.0.7390.122' }],
    },
    {
      cve: 'CVE-2026-13003',
      vendorProject: 'Mozilla',
      product: 'Firefox',
      dateAdded: '2026-11-01',
      cpe: [
        { criteria: 'cpe:2.3:a:mozilla:firefox:*:*:*:*:*:*:*:*', versionEndExcluding: '145.0.1' },
        { criteria: 'cpe:2.3:a:mozilla:firefox_esr:*:*:*:*:*:*:*:*', versionStartIncluding: '140.0', versionEndExcluding: '140.5.0' },
      ],
    },
    // Not analysed by NVD yet: no versions to judge by, looked up again at the next refresh.
    { cve: 'CVE-2026-13004', vendorProject: 'Google', product: 'Chromium Skia', dateAdded: '2026-11-28', cpe: [] },
    {
      cve: 'CVE-2026-13005',
      vendorProject: 'Microsoft',
      product: 'Edge',
      dateAdded: '2026-11-25',
      cpe: [{ criteria: 'cpe:2.3:a:microsoft:edge_chromium:*:*:*:*:*:*:*:*', versionEndExcluding: '143.0.3650.66' }],
    },
  ],
};
/** NVD's window scaled down from 30 s, and the relay's pace with it: the count of 5 a window is NVD's own. */
const NVD_WINDOW_MS = 300;
const feedOptions = (urls: ReleaseFeedPeer['urls'], nvdLookupsPerRefresh = 50) => ({
  urls,
  refreshMs: 0,
  maxAgeMs: 7 * 24 * HOUR,
  timeoutMs: 1_000,
  nvdPaceMs: NVD_WINDOW_MS / 5 + 10,
  nvdLookupsPerRefresh,
});

let feeds: ReleaseFeedPeer;
let relay: TestRelay | undefined;
let proxy: TestProxy | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await feeds?.close();
  await proxy?.close();
  relay = proxy = undefined;
});

async function setup(store?: KeptStore, nvdLookupsPerRefresh?: number): Promise<TestRelay> {
  feeds = await startReleaseFeeds(structuredClone(DATA), { nvdWindowMs: NVD_WINDOW_MS });
  clock = NOW;
  relay = await createTestRelay({ now: () => clock, feeds: feedOptions(feeds.urls, nvdLookupsPerRefresh) }, store);
  return relay;
}

const json = async <T>(res: Response) => (await res.json()) as T;
let devices = 0;
async function judge(browser: ComplianceReport['browser'], platform = 'Windows'): Promise<string[]> {
  const res = await relay!.call('POST', '/api/v1/reports', report({ deviceId: `device-release-${devices++}`, browser, os: { platform, version: '' } }), {
    token: relay!.enrollmentToken,
  });
  expect(res.status).toBe(202);
  return (await json<ReportAnswer>(res)).findings.filter((f) => f.check === 'browser-version').map((f) => f.title.en);
}
const status = async () => (await json<StatusAnswer>(await relay!.call('GET', '/api/v1/status'))).releaseData;
const readiness = async () => (await json<ReadinessAnswer>(await relay!.call('GET', '/readyz'))).checks.find((c) => c.name === 'release-data');

describe("judging versions against the vendors' releases", () => {
  it('flags a version superseded on its channel for longer than the grace period, and names the version to reach', async () => {
    await setup();
    await relay!.deps.feeds.refresh();

    expect(await judge({ name: 'Chrome', version: '143.0.7499.40' })).toEqual([
      'Chrome 143.0.7499.40 has been superseded on the stable channel for 13 days (143.0.7499.110, released 2026-11-18); it is 2 updates behind 143.0.7499.169',
    ]);
    // Superseded 6 days and 19 hours ago: within the default grace of 7 days.
    expect(await judge({ name: 'Chrome', version: '143.0.7499.110' })).toEqual([]);
    expect(await judge({ name: 'Chrome', version: '143.0.7499.169' }, 'macOS')).toEqual([]);
    // Beta is newer than any stable release: not judged outdated.
    expect(await judge({ name: 'Chrome', version: '144.0.7559.3' })).toEqual([]);
    // Extended stable is judged against its own updates, not against stable's newer major.
    expect(await judge({ name: 'Chrome', version: '142.0.7444.162' }, 'Linux')).toEqual([
      'Chrome 142.0.7444.162 has been superseded on the extended channel for 13 days (142.0.7444.176, released 2026-11-18); it is 1 update behind 142.0.7444.176',
    ]);
    expect(await judge({ name: 'Edge', version: '143.0.3650.40' })).toEqual([
      'Edge 143.0.3650.40 has been superseded on the stable channel for 10 days (143.0.3650.66, released 2026-11-21); it is 1 update behind 143.0.3650.66',
    ]);
    expect(await judge({ name: 'Firefox', version: '145.0' }, 'linux')).toEqual([
      'Firefox 145.0 has been superseded on the release channel for 14 days (145.0.1, released 2026-11-18); it is 2 updates behind 146.0',
    ]);
    expect(await judge({ name: 'Firefox', version: '145.0.1' }, 'win')).toEqual([]);
    expect(await judge({ name: 'Firefox', version: '140.4.0' }, 'mac')).toEqual([
      'Firefox 140.4.0 has been superseded on the esr channel for 22 days (140.5.0, released 2026-11-10); it is 2 updates behind 140.6.0',
    ]);
  });

  it("follows the policy's grace period", async () => {
    await setup();
    await relay!.deps.feeds.refresh();
    await relay!.call('PUT', '/api/v1/alert-policy', { recipients: [], releaseGraceDays: 0 });
    expect(await judge({ name: 'Chrome', version: '143.0.7499.110' })).toHaveLength(1);
    await relay!.call('PUT', '/api/v1/alert-policy', { recipients: [], releaseGraceDays: 30 });
    expect(await judge({ name: 'Chrome', version: '143.0.7499.40' })).toEqual([]);
  });

  it('falls back to the fleet-relative rule while no vendor data has arrived, and says which basis is in use', async () => {
    await setup();
    expect(await status()).toMatchObject({ basis: 'fleet', stale: true });
    expect(await readiness()).toMatchObject({
      ok: false,
      critical: false,
      detail: expect.stringContaining('no vendor release data, versions judged against the fleet'),
    });
    expect(await judge({ name: 'Chrome', version: '143.0.7499.40' })).toEqual([]);

    await relay!.deps.feeds.refresh();
    const after = await status();
    expect(after.basis).toBe('vendor');
    expect(after.stale).toBe(false);
    expect(after.sources.map((s) => [s.source, s.fetchedAt, s.lastError])).toEqual([
      ['chrome', new Date(NOW).toISOString(), null],
      ['edge', new Date(NOW).toISOString(), null],
      ['firefox', new Date(NOW).toISOString(), null],
      ['kev', new Date(NOW).toISOString(), null],
    ]);
    expect(await readiness()).toMatchObject({ ok: true, detail: 'chrome 0 h old; edge 0 h old; firefox 0 h old; kev 0 h old' });
    // A browser no vendor feed covers is still judged against the fleet.
    expect(await judge({ name: 'Brave', version: '1.70.0' })).toEqual([]);

    clock += 8 * 24 * HOUR;
    expect(await status()).toMatchObject({ basis: 'vendor', stale: true });
    expect(await readiness()).toMatchObject({ ok: false, detail: expect.stringMatching(/^stale: chrome 192 h old/) });
  });
});

describe('vulnerabilities exploited in the wild', () => {
  async function verdict(browser: ComplianceReport['browser'], platform = 'Windows'): Promise<ReportAnswer> {
    const res = await relay!.call('POST', '/api/v1/reports', report({ deviceId: `device-release-${devices++}`, browser, os: { platform, version: '' } }), {
      token: relay!.enrollmentToken,
    });
    return json<ReportAnswer>(res);
  }
  const exploited = (answer: ReportAnswer) => answer.findings.filter((f) => f.check === 'known-exploited').map((f) => f.title.en);

  it('makes a browser in an exploited range very highly vulnerable, naming the CVEs, when CISA added them and the fixing version', async () => {
    await setup();
    await relay!.deps.feeds.refresh();
    const chrome = await verdict({ name: 'Chrome', version: '143.0.7499.40' });
    expect(chrome.level).toBe('very_high');
    expect(exploited(chrome)).toEqual([
      'Chrome 143.0.7499.40 has a vulnerability exploited in the wild (CISA KEV): CVE-2026-13001 (added 2026-11-20); fixed in 143.0.7499.110',
    ]);
    expect(exploited(await verdict({ name: 'Chrome', version: '140.0.7339.80' }, 'macOS'))).toEqual([
      'Chrome 140.0.7339.80 has 2 vulnerabilities exploited in the wild (CISA KEV): CVE-2026-13001 (added 2026-11-20), CVE-2026-12002 (added 2026-10-02); fixed in 143.0.7499.110',
    ]);
    expect(exploited(await verdict({ name: 'Chrome', version: '143.0.7499.110' }))).toEqual([]);
    expect(exploited(await verdict({ name: 'Firefox', version: '145.0' }, 'linux'))).toEqual([
      'Firefox 145.0 has a vulnerability exploited in the wild (CISA KEV): CVE-2026-13003 (added 2026-11-01); fixed in 145.0.1',
    ]);
    expect(exploited(await verdict({ name: 'Firefox', version: '140.4.0' }, 'linux'))).toEqual([
      'Firefox 140.4.0 has a vulnerability exploited in the wild (CISA KEV): CVE-2026-13003 (added 2026-11-01); fixed in 140.5.0',
    ]);
    expect(exploited(await verdict({ name: 'Firefox', version: '140.5.0' }, 'linux'))).toEqual([]);
    expect(exploited(await verdict({ name: 'Edge', version: '143.0.3650.40' }))).toEqual([
      'Edge 143.0.3650.40 has a vulnerability exploited in the wild (CISA KEV): CVE-2026-13005 (added 2026-11-25); fixed in 143.0.3650.66',
    ]);
  });

  it("looks each CVE up in NVD once, within NVD's rate limit, spreading the lookups over refreshes", async () => {
    await setup(undefined, 2);
    const nvd = () => feeds.requests.filter((r) => r.startsWith('/rest/json/cves/2.0')).length;
    await relay!.deps.feeds.refresh();
    expect(nvd()).toBe(2);
    await relay!.deps.feeds.refresh();
    await relay!.deps.feeds.refresh();
    // Two a refresh: the five CVEs, and the one NVD had not analysed asked for again.
    expect(nvd()).toBe(6);
    expect(exploited(await verdict({ name: 'Chrome', version: '140.0.7339.80' }))).toHaveLength(1);
    // Only the CVE NVD has not analysed is asked for again.
    await relay!.deps.feeds.refresh();
    expect(feeds.requests.filter((r) => r.startsWith('/rest/json/cves/2.0')).slice(6)).toEqual(['/rest/json/cves/2.0?cveId=CVE-2026-13004']);
    expect(feeds.nvdRefused).toBe(0);
  });
});

describe('a catalog entry NVD has analysed without a browser version', () => {
  it('is looked up once, not at every refresh', async () => {
    // ChromeOS is Google's and its product names Chrome, but NVD's configurations name the OS, not the browser.
    feeds = await startReleaseFeeds(
      {
        ...structuredClone(DATA),
        kev: [
          {
            cve: 'CVE-2026-13006',
            vendorProject: 'Google',
            product: 'ChromeOS',
            dateAdded: '2026-11-29',
            cpe: [{ criteria: 'cpe:2.3:o:google:chrome_os:*:*:*:*:*:*:*:*', versionEndExcluding: '16002.0' }],
          },
        ],
      },
      { nvdWindowMs: NVD_WINDOW_MS },
    );
    clock = NOW;
    relay = await createTestRelay({ now: () => clock, feeds: feedOptions(feeds.urls) });
    await relay.deps.feeds.refresh();
    await relay.deps.feeds.refresh();
    expect(feeds.requests.filter((r) => r.startsWith('/rest/json/cves/2.0'))).toEqual(['/rest/json/cves/2.0?cveId=CVE-2026-13006']);
    expect(relay.deps.releases.exploited()).toEqual([{ cve: 'CVE-2026-13006', dateAdded: '2026-11-29', ranges: [] }]);
  });
});

describe('feeds that cannot be trusted', () => {
  const CASES: [FeedFault, 'chrome' | 'edge' | 'firefox', string][] = [
    [
      'status-503',
      'chrome',
      'RELEASE_FEED_UNREACHABLE: http://127.0.0.1:PORT/v1/chrome/platforms/win64/channels/stable/versions/all/releases?order_by=starttime%20desc: HTTP 503',
    ],
    ['hang', 'edge', 'RELEASE_FEED_UNREACHABLE: http://127.0.0.1:PORT/api/products: timed out'],
    ['truncated', 'firefox', 'RELEASE_FEED_MALFORMED: http://127.0.0.1:PORT/1.0/firefox.json: not JSON (truncated?)'],
    ['wrong-shape', 'chrome', 'RELEASE_FEED_MALFORMED: unexpected shape: releases: Invalid key: Expected "releases" but received undefined'],
    ['absurd-version', 'chrome', 'RELEASE_FEED_ABSURD: Chrome windows stable: version 9999 is far above the last known 143'],
    ['empty', 'firefox', 'RELEASE_FEED_ABSURD: Firefox * release: no releases'],
    ['future-date', 'edge', 'RELEASE_FEED_ABSURD: Edge windows stable: 143.0.3650.67 is dated 2027-06-01T19:30:00.000Z, days ahead'],
  ];

  it.each(CASES)('refuses a feed answering %s whole, logs why, and keeps judging with the last good copy', async (fault, source, reason) => {
    await setup();
    await relay!.deps.feeds.refresh();
    const before = (await status()).sources.find((s) => s.source === source)!;

    feeds.faults[source] = fault;
    clock += 25 * HOUR;
    await relay!.deps.feeds.refresh();
    const after = (await status()).sources.find((s) => s.source === source)!;
    expect(after.fetchedAt).toBe(before.fetchedAt);
    expect(after.lastError).toBe(reason.replace('PORT', new URL(feeds.url).port));
    expect(relay!.logs.some((l) => l.includes('"msg":"release data refused; the last good copy stays in use"') && l.includes(`"source":"${source}"`))).toBe(
      true,
    );
    // The other vendors' feeds were refreshed as usual.
    expect((await status()).sources.filter((s) => s.source !== source).every((s) => s.fetchedAt === new Date(clock).toISOString())).toBe(true);
    expect(await judge({ name: 'Chrome', version: '143.0.7499.40' })).toHaveLength(1);

    feeds.faults[source] = 'none';
    await relay!.deps.feeds.refresh();
    expect((await status()).sources.find((s) => s.source === source)).toMatchObject({ fetchedAt: new Date(clock).toISOString(), lastError: null });
  });

  it('is fetched through the proxy the mail settings name', async () => {
    await setup();
    proxy = await startProxy('feeds-user', 'feeds-password');
    const put = await relay!.call(
      'PUT',
      '/api/v1/mail-settings',
      basicSettings({ proxyUrl: proxy.url, proxyUsername: 'feeds-user', proxyPassword: 'feeds-password' }),
    );
    expect(put.status, await put.clone().text()).toBe(200);
    await relay!.deps.feeds.refresh();
    expect((await status()).basis).toBe('vendor');
    expect(proxy.tunnels).toContain(new URL(feeds.url).host);
  });
});

describe('a relay without internet', () => {
  it('judges with the data another relay exported, and refuses a bundle that cannot be right, importing nothing', async () => {
    const connected = keptStore();
    await setup(connected);
    await relay!.deps.feeds.refresh();
    await relay!.close();
    relay = undefined;

    const bundle = join(mkdtempSync(join(tmpdir(), 'guardmail-feeds-')), 'feeds.json');
    const exported = await runRelayToExit(['export-feeds', bundle, '--data-dir', connected.dataDir]);
    expect(exported, exported.stderr).toMatchObject({ code: 0 });
    expect(exported.stdout).toContain(`chrome (fetched ${new Date(NOW).toISOString()})`);

    const tampered = JSON.parse(await readFile(bundle, 'utf8')) as { feeds: { channels: { releases: { version: string }[] }[] }[] };
    tampered.feeds[0]!.channels[0]!.releases[0]!.version = '9999.0.0.1';
    const bad = join(mkdtempSync(join(tmpdir(), 'guardmail-feeds-')), 'feeds.json');
    await writeFile(bad, JSON.stringify(tampered));
    const airGapped = keptStore();
    const refused = await runRelayToExit(['import-feeds', bad, '--data-dir', airGapped.dataDir]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('chrome: refused, RELEASE_FEED_ABSURD: Chrome windows stable: version 9999 is far above');

    const imported = await runRelayToExit(['import-feeds', bundle, '--data-dir', airGapped.dataDir]);
    expect(imported, imported.stderr).toMatchObject({ code: 0 });
    expect(imported.stdout).toContain('firefox: imported');
    expect(imported.stdout).toContain('kev: imported (5 vulnerabilities)');

    clock = NOW;
    relay = await createTestRelay({ now: () => clock, feeds: feedOptions(feeds.urls) }, airGapped);
    expect((await status()).basis).toBe('vendor');
    expect(await judge({ name: 'Chrome', version: '143.0.7499.40' })).toHaveLength(1);
    const answer = await json<ReportAnswer>(
      await relay.call('POST', '/api/v1/reports', report({ deviceId: 'device-air-gapped', browser: { name: 'Chrome', version: '143.0.7499.40' } }), {
        token: relay.enrollmentToken,
      }),
    );
    expect(answer.findings.map((f) => f.check)).toContain('known-exploited');
    expect(feeds.requests.filter((r) => r.startsWith('/api/products'))).toHaveLength(1); // only the connected relay's fetch
  });
});
