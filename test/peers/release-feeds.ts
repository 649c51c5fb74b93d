import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FeedSource } from '../../shared/releases';

/**
 * The three vendors' release feeds on one loopback server, answering in each one's documented shape (cited in
 * relay/feeds/sources.ts), extra fields included, since the vendors send them:
 * - Google's VersionHistory API: `/v1/chrome/platforms/{platform}/channels/{channel}/versions/all/releases`, newest
 *   first, one entry per rollout interval (a version rolled out in steps appears several times);
 * - Microsoft's `/api/products`: one product per channel, one release per platform and architecture, with its CVEs;
 * - Mozilla's product-details `/1.0/firefox.json`: every release keyed "firefox-<version>", with its category.
 *
 * Each source can be made to fail as real ones do: an error status, an answer that never comes, a body cut short, a
 * shape that changed, or data that cannot be right.
 */
export type FeedFault = 'none' | 'status-503' | 'hang' | 'truncated' | 'wrong-shape' | 'absurd-version' | 'empty' | 'future-date';

export interface ChromeRelease {
  version: string;
  /** ISO day of the first rollout step. */
  day: string;
}

/** One KEV entry, and what NVD says it affects (none: NVD has not analysed it yet). */
export interface KevEntry {
  cve: string;
  vendorProject: string;
  product: string;
  dateAdded: string;
  cpe: { criteria: string; versionStartIncluding?: string; versionEndExcluding: string }[];
}

export interface FeedData {
  chrome: { stable: ChromeRelease[]; extended: ChromeRelease[] };
  edge: { stable: ChromeRelease[] };
  firefox: { release: ChromeRelease[]; esr: ChromeRelease[] };
  kev: KevEntry[];
}

export interface ReleaseFeedPeer {
  url: string;
  urls: Record<FeedSource | 'kev' | 'nvd', string>;
  data: FeedData;
  faults: Record<FeedSource, FeedFault>;
  /** Paths asked for, in order. */
  requests: string[];
  /** NVD requests refused with 403 for going past 5 in the window. */
  readonly nvdRefused: number;
  close(): Promise<void>;
}

const CHROME_PLATFORMS = new Set(['win64', 'mac', 'linux', 'chromeos', 'android', 'ios']);

/**
 * NVD's public rate limit: 5 requests in a rolling 30-second window without an API key, and a 403 past it
 * (https://nvd.nist.gov/developers/start-here, "Rate Limits"). The window is scaled down in tests, never the count.
 */
const NVD_REQUESTS_PER_WINDOW = 5;

export async function startReleaseFeeds(data: FeedData, options: { nvdWindowMs?: number } = {}): Promise<ReleaseFeedPeer> {
  const nvdWindowMs = options.nvdWindowMs ?? 30_000;
  const nvdTimes: number[] = [];
  let nvdRefused = 0;
  const requests: string[] = [];
  const hanging = new Set<ServerResponse>();
  const faults: Record<FeedSource, FeedFault> = { chrome: 'none', edge: 'none', firefox: 'none' };

  const answer = (res: ServerResponse, source: FeedSource, body: unknown) => {
    const fault = faults[source];
    if (fault === 'status-503') {
      res.writeHead(503, { 'Content-Type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
      return;
    }
    if (fault === 'hang') {
      hanging.add(res);
      return;
    }
    const text = JSON.stringify(fault === 'wrong-shape' ? { error: { code: 404, message: 'Method not found.', status: 'NOT_FOUND' } } : body);
    res.writeHead(200, { 'Content-Type': 'application/json; charset=UTF-8' });
    res.end(fault === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : text);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://feeds');
    requests.push(url.pathname + url.search);
    const chrome = /^\/v1\/chrome\/platforms\/([\w]+)\/channels\/(stable|extended)\/versions\/all\/releases$/.exec(url.pathname);
    if (chrome && CHROME_PLATFORMS.has(chrome[1]!)) {
      const [, platform, channel] = chrome as unknown as [string, string, 'stable' | 'extended'];
      return answer(res, 'chrome', chromeReleases(faulted('chrome', data.chrome[channel]), platform, channel));
    }
    if (url.pathname === '/api/products') return answer(res, 'edge', edgeProducts(faulted('edge', data.edge.stable)));
    if (url.pathname === '/1.0/firefox.json') return answer(res, 'firefox', firefoxJson(faulted('firefox', data.firefox.release), data.firefox.esr));
    if (url.pathname === '/sites/default/files/feeds/known_exploited_vulnerabilities.json')
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(kevCatalog(data.kev)));
    if (url.pathname === '/rest/json/cves/2.0') {
      const now = Date.now();
      while (nvdTimes.length > 0 && nvdTimes[0]! <= now - nvdWindowMs) nvdTimes.shift();
      if (nvdTimes.length >= NVD_REQUESTS_PER_WINDOW) {
        nvdRefused++;
        return void res.writeHead(403, { 'Content-Type': 'text/html' }).end('<html><head><title>403 Forbidden</title></head></html>');
      }
      nvdTimes.push(now);
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(nvdAnswer(data.kev.find((e) => e.cve === url.searchParams.get('cveId')))));
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }));
  });

  /** The data as a fault makes it: a version no vendor has, nothing at all, or a release dated next month. */
  function faulted(source: FeedSource, releases: ChromeRelease[]): ChromeRelease[] {
    if (faults[source] === 'empty') return [];
    if (faults[source] === 'absurd-version') return [{ version: '9999.0.0.1', day: releases[0]?.day ?? '2026-11-01' }, ...releases];
    if (faults[source] === 'future-date') return [{ version: bump(releases.at(-1)?.version ?? '1.0.0.0'), day: '2027-06-01' }, ...releases];
    return releases;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    urls: { chrome: url, edge: url, firefox: url, kev: url, nvd: url },
    data,
    faults,
    requests,
    get nvdRefused() {
      return nvdRefused;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const bump = (version: string) => version.replace(/(\d+)$/, (n) => String(Number(n) + 1));

/** Newest first; each version rolled out in two steps (a quarter, then everyone) a day apart, as Google serves it. */
function chromeReleases(releases: ChromeRelease[], platform: string, channel: string) {
  const sorted = [...releases].sort((a, b) => b.day.localeCompare(a.day));
  return {
    releases: sorted.flatMap((r, i) => {
      const start = Date.parse(`${r.day}T17:00:00Z`);
      const next = sorted[i - 1] ? Date.parse(`${sorted[i - 1]!.day}T17:00:00Z`) : undefined;
      const name = `chrome/platforms/${platform}/channels/${channel}/versions/${r.version}/releases`;
      return [
        {
          name: `${name}/${(start + 86_400_000) / 1000}`,
          serving: { startTime: new Date(start + 86_400_000).toISOString(), ...(next ? { endTime: new Date(next).toISOString() } : {}) },
          fraction: 1,
          version: r.version,
          fractionGroup: '250',
          pinnable: true,
        },
        {
          name: `${name}/${start / 1000}`,
          serving: { startTime: new Date(start).toISOString(), endTime: new Date(start + 86_400_000).toISOString() },
          fraction: 0.25,
          version: r.version,
          fractionGroup: '62',
          pinnable: false,
        },
      ];
    }),
    nextPageToken: 'ChNjaHJvbWUvcGxhdGZvcm1zL3dpbg',
  };
}

/** Stable (with the faults) plus Beta, Dev and the products that are not browsers, as Microsoft lists them. */
function edgeProducts(stable: ChromeRelease[]) {
  let id = 70_000;
  const releases = (list: ChromeRelease[]) =>
    list.flatMap((r) =>
      [
        ['Windows', 'x86'],
        ['Windows', 'x64'],
        ['Windows', 'arm64'],
        ['MacOS', 'universal'],
        ['Linux', 'x64'],
        ['iOS', 'arm64'],
        ['Android', 'arm64'],
      ].map(([platform, architecture]) => ({
        ReleaseId: id++,
        Platform: platform,
        Architecture: architecture,
        CVEs: ['CVE-2026-12345'],
        ProductVersion: r.version,
        Artifacts:
          platform === 'Windows'
            ? [
                {
                  ArtifactName: 'msi',
                  Location: `https://msedge.sf.dl.delivery.mp.microsoft.com/${r.version}.msi`,
                  Hash: 'AB12',
                  HashAlgorithm: 'SHA256',
                  SizeInBytes: 170_000_000,
                },
              ]
            : [],
        PublishedTime: `${r.day}T19:30:00`,
        ExpectedExpiryDate: '2027-06-01T00:00:00',
      })),
    );
  return [
    { Product: 'Stable', Releases: releases(stable) },
    {
      Product: 'Beta',
      Releases: releases(stable.slice(-1).map((r) => ({ version: bump(r.version.replace(/^(\d+)/, (m) => String(Number(m) + 1))), day: r.day }))),
    },
    {
      Product: 'Policy',
      Releases: [
        {
          ReleaseId: 1,
          Platform: 'Any',
          Architecture: 'Any',
          CVEs: [],
          ProductVersion: '143.0.3650.66',
          Artifacts: [],
          PublishedTime: '2026-11-20T00:00:00',
          ExpectedExpiryDate: '2027-06-01T00:00:00',
        },
      ],
    },
  ];
}

function firefoxJson(release: ChromeRelease[], esr: ChromeRelease[]) {
  const entries: [string, Record<string, unknown>][] = [
    ...release.map(
      (r) =>
        [
          `firefox-${r.version}`,
          {
            build_number: 1,
            category: /^\d+\.0$/.test(r.version) ? 'major' : 'stability',
            date: r.day,
            description: null,
            is_security_driven: true,
            product: 'firefox',
            version: r.version,
          },
        ] as [string, Record<string, unknown>],
    ),
    ...esr.map(
      (r) =>
        [
          `firefox-${r.version}esr`,
          { build_number: 1, category: 'esr', date: r.day, description: null, is_security_driven: true, product: 'firefox', version: `${r.version}esr` },
        ] as [string, Record<string, unknown>],
    ),
    [
      'firefox-147.0b3',
      { build_number: 1, category: 'dev', date: '2026-11-25', description: null, is_security_driven: false, product: 'firefox', version: '147.0b3' },
    ],
  ];
  return { releases: Object.fromEntries(entries) };
}

/** CISA's catalog with the test's browser entries among others that are not browsers. */
function kevCatalog(entries: KevEntry[]) {
  const vulnerabilities = [
    ...entries.map((e) => ({
      cveID: e.cve,
      vendorProject: e.vendorProject,
      product: e.product,
      vulnerabilityName: `${e.vendorProject} ${e.product} Type Confusion Vulnerability`,
      dateAdded: e.dateAdded,
      shortDescription: 'allows a remote attacker to exploit heap corruption via a crafted HTML page.',
      requiredAction: 'Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.',
      dueDate: e.dateAdded,
      knownRansomwareCampaignUse: 'Unknown',
      notes: `https://nvd.nist.gov/vuln/detail/${e.cve}`,
      cwes: ['CWE-843'],
    })),
    {
      cveID: 'CVE-2026-20001',
      vendorProject: 'Microsoft',
      product: 'Windows',
      vulnerabilityName: 'Microsoft Windows Privilege Escalation Vulnerability',
      dateAdded: '2026-11-11',
      shortDescription: '…',
      requiredAction: '…',
      dueDate: '2026-12-02',
      knownRansomwareCampaignUse: 'Known',
      notes: '',
      cwes: ['CWE-416'],
    },
  ];
  return {
    title: 'CISA Catalog of Known Exploited Vulnerabilities',
    catalogVersion: '2026.12.01',
    dateReleased: '2026-12-01T17:00:00.0000Z',
    count: vulnerabilities.length,
    vulnerabilities,
  };
}

/** NVD's answer for one CVE: its configurations, or none while it awaits analysis. */
function nvdAnswer(entry: KevEntry | undefined) {
  const cve = entry && {
    id: entry.cve,
    sourceIdentifier: 'chrome-cve-admin@google.com',
    published: `${entry.dateAdded}T18:15:10.000`,
    lastModified: `${entry.dateAdded}T20:00:00.000`,
    vulnStatus: entry.cpe.length > 0 ? 'Analyzed' : 'Awaiting Analysis',
    descriptions: [{ lang: 'en', value: 'Type confusion in V8.' }],
    ...(entry.cpe.length > 0
      ? {
          configurations: [
            {
              nodes: [
                {
                  operator: 'OR',
                  negate: false,
                  cpeMatch: entry.cpe.map((c) => ({ vulnerable: true, ...c, matchCriteriaId: '6A2E4D9B-0000-0000-0000-000000000000' })),
                },
              ],
            },
          ],
        }
      : {}),
    references: [],
  };
  return {
    resultsPerPage: cve ? 1 : 0,
    startIndex: 0,
    totalResults: cve ? 1 : 0,
    format: 'NVD_CVE',
    version: '2.0',
    timestamp: '2026-12-02T12:00:00.000',
    vulnerabilities: cve ? [{ cve }] : [],
  };
}
