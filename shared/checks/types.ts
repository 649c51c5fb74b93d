import type { AlertPolicy } from '../alert-policy';
import type { ComplianceReport } from '../report';
import type { ExploitIndex, ReleaseIndex } from '../releases';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** Text in both languages: the relay writes mails in the policy's, the popup shows the browser's. */
export interface Localized {
  en: string;
  es: string;
}

/** One thing wrong with a browser, and what to do about it. */
export interface Finding {
  check: string;
  severity: Severity;
  /** What is at fault: the extension's name, the setting's name, the browser. */
  subject: string;
  title: Localized;
  remediation: Localized;
}

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

export interface Check {
  id: string;
  /** What browsers with this finding have, for a digest: "2,973 browsers <summary>". */
  summary: Localized;
  run(report: ComplianceReport, context: CheckContext): Finding[];
}
