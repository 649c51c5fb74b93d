import type { AlertPolicy } from '../alert-policy';
import type { ComplianceReport } from '../report';
import type { Localized } from '../locales/lang';
import type { ExploitIndex, ReleaseIndex } from '../releases';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export type { Localized } from '../locales/lang';

/** One thing wrong with a browser, and what to do about it. */
export interface Finding {
  check: string;
  severity: Severity;
  /** What is at fault: the extension's name, the setting's name, the browser. */
  subject: string;
  title: Localized;
  remediation: Localized;
}

/** A finding's identity across reports: the same check on the same subject (the extension, the setting, the browser). */
export const findingKey = (f: Pick<Finding, 'check' | 'subject'>): string => `${f.check}|${f.subject}`;

/** What the rules may know beyond the report itself. */
export interface CheckContext {
  policy: AlertPolicy;
  /** The newest major version a quorum of the fleet runs, per browser name; works with no internet. */
  newestMajors: ReadonlyMap<string, number>;
  /** The reporting extension's own ID, which never judges itself. */
  selfId?: string;
  /** The vendors' release data, when the relay has it: it replaces the fleet-relative rule for the browsers it covers. */
  releases?: ReleaseIndex | null;
  /** Vulnerabilities exploited in the wild (CISA KEV) and the browser versions they affect, when the relay has them. */
  exploited?: ExploitIndex | null;
  /** When the report is judged: a superseded version gets the policy's grace period from its successor's release. */
  now?: number;
}

/**
 * A rule of a security benchmark that a check gives evidence for. Where each ID was looked up is in docs/benchmarks.md.
 */
export interface BenchmarkRule {
  /** DISA's STIG for Google Chrome or for Microsoft Edge, or CIS's Google Chrome Benchmark v3.0.0. */
  benchmark: 'stig-chrome' | 'stig-edge' | 'cis-chrome';
  /** The STIG ID (DTBC-0011, EDGE-00-000043) or the CIS recommendation number (2.6.1). */
  id: string;
  /** The STIG's vulnerability ID (V-221567); none for CIS. */
  vuln?: string;
  title: string;
  /** CIS profile level: level 2 recommendations apply only to the cis-l2 baseline. */
  level?: 1 | 2;
  /** The rule asks only that policy fix the setting, either way (CIS 2.6.1 "explicitly configured"). */
  lockOnly?: boolean;
}

export interface Check {
  id: string;
  /** The benchmark rules this check gives evidence for, whichever baselines a policy picks. */
  rules?: readonly BenchmarkRule[];
  /** What browsers with this finding have, for a digest: "2,973 browsers <summary>". */
  summary: Localized;
  run(report: ComplianceReport, context: CheckContext): Finding[];
}

/** The STIG rules that a browser's version gives evidence for: a version its vendor no longer supports is a finding. */
export const SUPPORTED_VERSION_RULES: readonly BenchmarkRule[] = [
  { benchmark: 'stig-chrome', id: 'DTBC-0050', vuln: 'V-221584', title: 'The version of Google Chrome must be a supported version.' },
  // Only the vulnerability ID of this rule could be confirmed from a public copy of the Edge STIG.
  { benchmark: 'stig-edge', id: 'V-235758', vuln: 'V-235758', title: 'The version of Microsoft Edge running on the system must be a supported version.' },
];
