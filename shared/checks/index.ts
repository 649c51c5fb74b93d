import { atLeast, type AlertPolicy, type Level } from '../alert-policy';
import type { ComplianceReport } from '../report';
import { browserVersion } from './browser-version';
import { blocklistedExtension } from './blocklisted-extension';
import { knownExploited } from './known-exploited';
import { riskyPermissionsCheck } from './risky-permissions';
import { alternateErrorPages } from './alternate-error-pages';
import { autofillAddresses } from './autofill-addresses';
import { autofillCards } from './autofill-cards';
import { extendedReporting } from './extended-reporting';
import { networkPrediction } from './network-prediction';
import { passwordSaving } from './password-saving';
import { safeBrowsing } from './safe-browsing';
import { searchSuggestions } from './search-suggestions';
import { spellingService } from './spelling-service';
import { thirdPartyCookies } from './third-party-cookies';
import { translationService } from './translation-service';
import type { Check, CheckContext, Finding } from './types';
import { unmanagedInstall } from './unmanaged-install';

export type { BenchmarkRule, Check, CheckContext, Finding, Severity, Localized } from './types';

/** Every check, in the order findings are listed. Checks never import each other. */
export const CHECKS: readonly Check[] = [
  blocklistedExtension,
  knownExploited,
  browserVersion,
  safeBrowsing,
  riskyPermissionsCheck,
  unmanagedInstall,
  // Browser settings that the policy's baselines (DISA STIG, CIS) ask for: silent unless the admin picks a baseline.
  passwordSaving,
  autofillCards,
  autofillAddresses,
  extendedReporting,
  searchSuggestions,
  networkPrediction,
  thirdPartyCookies,
  alternateErrorPages,
  spellingService,
  translationService,
];

export interface Verdict {
  level: Level;
  compliant: boolean;
  findings: Finding[];
}

/**
 * The product page's scale: a critical finding, or three high ones, is very highly vulnerable; any high finding is
 * highly vulnerable; only medium or low ones are low risk; none is secure.
 */
export function levelOf(findings: Finding[]): Level {
  const high = findings.filter((f) => f.severity === 'high').length;
  if (findings.some((f) => f.severity === 'critical') || high >= 3) return 'very_high';
  if (high > 0) return 'high';
  return findings.length > 0 ? 'low' : 'secure';
}

/** Runs every check; the policy's threshold turns the level into the compliant / non-compliant verdict. */
export function evaluate(report: ComplianceReport, context: CheckContext): Verdict {
  const findings = CHECKS.flatMap((check) => check.run(report, context));
  const level = levelOf(findings);
  return { level, compliant: !atLeast(level, context.policy.threshold), findings };
}

export function withPolicy(policy: AlertPolicy, newestMajors: ReadonlyMap<string, number> = new Map(), selfId?: string): CheckContext {
  return { policy, newestMajors, selfId };
}
