import * as v from 'valibot';
import type { ExploitedVulnerability } from '../../shared/releases';
import { FeedRefused, fetchJson, type Fetcher } from './fetch-feed';

/**
 * CISA's Known Exploited Vulnerabilities catalog (https://www.cisa.gov/known-exploited-vulnerabilities-catalog, JSON at
 * /sites/default/files/feeds/known_exploited_vulnerabilities.json with its published schema):
 * `{ title, catalogVersion, dateReleased, count, vulnerabilities: [{ cveID, vendorProject, product, vulnerabilityName,
 * dateAdded, shortDescription, requiredAction, dueDate, knownRansomwareCampaignUse, notes, cwes }] }`.
 */
export const KEV_PATH = '/sites/default/files/feeds/known_exploited_vulnerabilities.json';
const Kev = v.object({
  vulnerabilities: v.pipe(
    v.array(
      v.object({
        cveID: v.pipe(v.string(), v.regex(/^CVE-\d{4}-\d{4,7}$/)),
        vendorProject: v.string(),
        product: v.string(),
        dateAdded: v.pipe(v.string(), v.isoDate()),
      }),
    ),
    v.minLength(1, 'the catalog lists no vulnerability'),
  ),
});
/** The catalog's names for the browsers' own code: Chromium's engine parts (V8, Mojo, ANGLE …) are Chrome's and Edge's. */
const BROWSER_ENTRY = (e: { vendorProject: string; product: string }) =>
  (e.vendorProject === 'Google' && /chrom/i.test(e.product)) ||
  (e.vendorProject === 'Microsoft' && /edge/i.test(e.product)) ||
  (e.vendorProject === 'Mozilla' && /firefox/i.test(e.product));

/**
 * NVD's CVE API 2.0 (https://nvd.nist.gov/developers/vulnerabilities): `GET /rest/json/cves/2.0?cveId=…` answers
 * `{ vulnerabilities: [{ cve: { id, configurations: [{ nodes: [{ cpeMatch: [{ vulnerable, criteria,
 * versionStartIncluding?, versionEndExcluding? }] }] }] } }] }`. Without an API key NVD allows 5 requests in a rolling
 * 30-second window: lookups are paced, cached, and spread over refreshes.
 */
export const NVD_PATH = '/rest/json/cves/2.0';
export const NVD_PACE_MS = 6_500;
const Nvd = v.object({
  vulnerabilities: v.array(
    v.object({
      cve: v.object({
        id: v.string(),
        configurations: v.optional(
          v.array(
            v.object({
              nodes: v.array(
                v.object({
                  cpeMatch: v.optional(
                    v.array(
                      v.object({
                        vulnerable: v.boolean(),
                        criteria: v.string(),
                        versionStartIncluding: v.optional(v.string()),
                        versionEndExcluding: v.optional(v.string()),
                      }),
                    ),
                    [],
                  ),
                }),
              ),
            }),
          ),
          [],
        ),
      }),
    }),
  ),
});
const CPE_BROWSERS: [RegExp, string][] = [
  [/^cpe:2\.3:a:google:chrome:/, 'Chrome'],
  [/^cpe:2\.3:a:microsoft:edge(_chromium)?:/, 'Edge'],
  [/^cpe:2\.3:a:mozilla:firefox(_esr)?:/, 'Firefox'],
];
const VERSION = /^\d{1,4}(\.\d{1,6}){0,3}$/;

export interface KevOptions {
  fetch: Fetcher;
  kevUrl: string;
  nvdUrl: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What earlier refreshes learnt from NVD, by CVE: looked up only once. */
  known: ReadonlyMap<string, ExploitedVulnerability>;
  paceMs: number;
  /** When the last NVD request went out (real time, performance.now()), kept across refreshes: the limit is NVD's window, not ours. */
  pace: { lastAt: number };
  /** NVD lookups per refresh at most: the rest wait for the next one. */
  maxLookups: number;
}

/** The browser entries of the catalog with their affected versions; `pending` of them still wait for an NVD lookup. */
export async function fetchExploited(o: KevOptions): Promise<{ vulnerabilities: ExploitedVulnerability[]; pending: number }> {
  let catalog: v.InferOutput<typeof Kev>;
  try {
    catalog = v.parse(Kev, await fetchJson(`${o.kevUrl.replace(/\/+$/, '')}${KEV_PATH}`, o));
  } catch (err) {
    if (err instanceof FeedRefused) throw err;
    throw new FeedRefused(
      'RELEASE_FEED_MALFORMED',
      `the KEV catalog has an unexpected shape: ${(err as v.ValiError<v.GenericSchema>).issues?.[0]?.message ?? String(err)}`,
    );
  }
  const entries = catalog.vulnerabilities.filter(BROWSER_ENTRY);
  const vulnerabilities: ExploitedVulnerability[] = [];
  let lookups = 0;
  let pending = 0;
  for (const entry of entries) {
    const known = o.known.get(entry.cveID);
    // Analysed once is enough: a CVE whose configurations name no browser version stays without ranges.
    if (known && !known.awaitingAnalysis) {
      vulnerabilities.push({ ...known, dateAdded: entry.dateAdded });
      continue;
    }
    if (lookups >= o.maxLookups) {
      pending++;
      continue;
    }
    const wait = o.pace.lastAt + o.paceMs - performance.now();
    if (wait > 0) await pause(wait, o.signal);
    o.pace.lastAt = performance.now();
    lookups++;
    vulnerabilities.push({ cve: entry.cveID, dateAdded: entry.dateAdded, ...(await affectedVersions(entry.cveID, o)) });
  }
  return { vulnerabilities, pending };
}

/** The browser versions NVD says a CVE affects, or that NVD has not analysed it yet (no configurations at all). */
async function affectedVersions(cve: string, o: KevOptions): Promise<Pick<ExploitedVulnerability, 'ranges' | 'awaitingAnalysis'>> {
  const body = await fetchJson(`${o.nvdUrl.replace(/\/+$/, '')}${NVD_PATH}?cveId=${encodeURIComponent(cve)}`, o);
  const parsed = v.safeParse(Nvd, body);
  if (!parsed.success) throw new FeedRefused('RELEASE_FEED_MALFORMED', `NVD's answer for ${cve} has an unexpected shape`);
  const ranges: ExploitedVulnerability['ranges'] = [];
  const configurations = parsed.output.vulnerabilities.flatMap((x) => x.cve.configurations);
  if (configurations.length === 0) return { ranges, awaitingAnalysis: true };
  for (const vulnerability of parsed.output.vulnerabilities) {
    for (const match of vulnerability.cve.configurations.flatMap((c) => c.nodes.flatMap((n) => n.cpeMatch))) {
      const browser = CPE_BROWSERS.find(([cpe]) => cpe.test(match.criteria))?.[1];
      if (!match.vulnerable || !browser || !match.versionEndExcluding || !VERSION.test(match.versionEndExcluding)) continue;
      const from = match.versionStartIncluding && VERSION.test(match.versionStartIncluding) ? match.versionStartIncluding : undefined;
      ranges.push({ browser, ...(from ? { from } : {}), fixedIn: match.versionEndExcluding });
    }
  }
  return { ranges };
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
