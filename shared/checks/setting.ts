import type { Baseline } from '../alert-policy';
import type { ComplianceReport } from '../report';
import type { BenchmarkRule, Check, Finding, Localized, Severity } from './types';

/** One privacy.* setting that benchmarks want at a given value, and fixed there by policy. */
export interface SettingSpec {
  id: string;
  /** The setting's path in the report: "services.passwordSavingEnabled". */
  setting: string;
  /** The value the benchmarks ask for. */
  wanted: boolean;
  /** What the finding is about, e.g. "Password saving". */
  subject: string;
  summary: Localized;
  /** The setting has the other value. */
  wrong: Localized;
  /** The setting has the wanted value, but nothing stops the user from changing it. */
  unenforced: Localized;
  /** The enterprise policy that enforces it in Chrome and Edge, and the value to give it. */
  policy: string;
  /** A value with words to it ("2 (never predict)") in both languages. */
  policyValue: string | Localized;
  rules: readonly BenchmarkRule[];
  /** Set when the wrong value is a finding whatever the baselines (Safe Browsing off), at this severity. */
  always?: Severity;
}

/** The STIG that audits a browser by name: Chrome's covers Chromium, which reads the same policies. */
function stigFor(browser: string): BenchmarkRule['benchmark'] | null {
  if (browser === 'Chrome' || browser === 'Chromium') return 'stig-chrome';
  return browser === 'Edge' ? 'stig-edge' : null;
}

/** The rules that hold for this browser under the policy's baselines. */
export function applicableRules(rules: readonly BenchmarkRule[], browser: string, baselines: readonly Baseline[]): BenchmarkRule[] {
  const stig = baselines.includes('stig') ? stigFor(browser) : null;
  const cisLevel = baselines.includes('cis-l2') ? 2 : baselines.includes('cis-l1') ? 1 : 0;
  const chromeFamily = browser === 'Chrome' || browser === 'Chromium';
  return rules.filter((r) => r.benchmark === stig || (r.benchmark === 'cis-chrome' && chromeFamily && (r.level ?? 1) <= cisLevel));
}

const NAMES: Record<BenchmarkRule['benchmark'], string> = { 'stig-chrome': 'DISA STIG', 'stig-edge': 'DISA STIG', 'cis-chrome': 'CIS' };

/** "DISA STIG DTBC-0011; CIS 2.6.1": the rule IDs an auditor looks up. */
export function ruleRefs(rules: readonly BenchmarkRule[]): string {
  return rules.map((r) => `${NAMES[r.benchmark]} ${r.id}`).join('; ');
}

const withRefs = (text: Localized, rules: readonly BenchmarkRule[]): Localized =>
  rules.length === 0 ? text : { en: `${text.en} (${ruleRefs(rules)})`, es: `${text.es} (${ruleRefs(rules)})` };

/**
 * A check of one setting: the wrong value under a baseline that has a rule for it is a medium finding (STIG category
 * II); the wanted value left to the user is a low one, since STIG and CIS both audit the policy, not the current value.
 */
export function settingCheck(spec: SettingSpec): Check {
  const finding = (severity: Severity, title: Localized, remediation: Localized): Finding => ({ check: spec.id, severity, subject: spec.subject, title, remediation });
  const value: Localized = typeof spec.policyValue === 'string' ? { en: spec.policyValue, es: spec.policyValue } : spec.policyValue;
  const enforce: Localized = {
    en: `Set the ${spec.policy} policy to ${value.en}.`,
    es: `Establezca la directiva ${spec.policy} en ${value.es}.`,
  };
  return {
    id: spec.id,
    summary: spec.summary,
    rules: spec.rules,
    run(report: ComplianceReport, { policy }) {
      if (!spec.always && policy.baselines.length === 0) return [];
      const setting = report.settings.find((s) => s.name === spec.setting);
      // A setting this browser does not have, or would not read, is no evidence either way.
      if (!setting || typeof setting.value !== 'boolean') return [];
      const rules = applicableRules(spec.rules, report.browser.name, policy.baselines);
      const wrong = setting.value !== spec.wanted;
      // A rule is broken by the wrong value (unless it asks only for a policy), and by any value left to the user.
      const broken = rules.filter((r) => (wrong && !r.lockOnly) || !setting.locked);
      const remediation: Localized = wrong && setting.locked
        ? { en: `A policy sets it this way: change the ${spec.policy} policy to ${value.en}.`, es: `Una directiva lo fija así: cambie la directiva ${spec.policy} a ${value.es}.` }
        : enforce;
      if (wrong && (spec.always || broken.some((r) => !r.lockOnly))) return [finding(spec.always ?? 'medium', withRefs(spec.wrong, broken), remediation)];
      if (broken.length === 0) return [];
      return [finding('low', withRefs(wrong ? spec.wrong : spec.unenforced, broken), remediation)];
    },
  };
}
