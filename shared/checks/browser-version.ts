import { localize } from './text';
import { SUPPORTED_VERSION_RULES, type Check, type Finding } from './types';

/** Compares dotted versions numerically: "131.0.10" > "131.0.9". */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export const majorOf = (version: string): number => Number(version.split('.')[0]);

const DAY = 86_400_000;

/**
 * An old browser misses security fixes: older than the admin's minimum, or superseded on its channel by a vendor
 * release for longer than the policy's grace period. Where the relay has no release data for the browser, too many
 * majors behind the newest that enough of the fleet runs.
 */
export const browserVersion: Check = {
  id: 'browser-version',
  rules: SUPPORTED_VERSION_RULES,
  summary: localize((t) => t['browser-version'].summary),
  run(report, { policy, newestMajors, releases, now = Date.now() }) {
    const { name, version } = report.browser;
    const findings: Finding[] = [];
    // Own keys only: a report's browser named "constructor" must not reach Object.prototype.
    const minimum = Object.hasOwn(policy.minimumVersions, name) ? policy.minimumVersions[name] : undefined;
    if (minimum && compareVersions(version, minimum) < 0) {
      findings.push({
        check: this.id,
        severity: 'high',
        subject: `${name} ${version}`,
        title: localize((t) => t['browser-version'].belowMinimum, { browser: `${name} ${version}`, minimum }),
        remediation: localize((t) => t['browser-version'].belowMinimumFix, { name, minimum }),
      });
    }
    const old = releases?.superseded(name, report.os.platform, version);
    if (old !== undefined) {
      if (old && now - old.since > policy.releaseGraceDays * DAY) {
        const days = Math.floor((now - old.since) / DAY);
        findings.push({
          check: this.id,
          severity: 'high',
          subject: `${name} ${version}`,
          title: localize(
            (t) => t['browser-version'].superseded,
            { browser: `${name} ${version}`, channel: old.channel, days, by: old.by, since: old.sinceDay, behind: old.behind, target: old.target },
            old.behind,
          ),
          remediation: localize((t) => t['browser-version'].supersededFix, { name, target: old.target }),
        });
      }
      return findings;
    }
    const newest = newestMajors.get(name);
    const behind = newest === undefined ? 0 : newest - majorOf(version);
    if (behind > policy.maxMajorsBehind) {
      findings.push({
        check: this.id,
        severity: 'high',
        subject: `${name} ${version}`,
        title: localize((t) => t['browser-version'].behindFleet, { browser: `${name} ${version}`, behind, newest: String(newest) }),
        remediation: localize((t) => t['browser-version'].behindFleetFix, { name }),
      });
    }
    return findings;
  },
};
