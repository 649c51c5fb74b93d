import type { Baseline } from '../alert-policy';
import type { ComplianceReport } from '../report';
import { LANGS, type Lang, type Localized } from '../locales/lang';
import { checkTexts, localize, type CheckTexts } from './text';
import type { BenchmarkRule, Check, Finding, Severity } from './types';

/** One privacy.* setting that benchmarks want at a given value, and fixed there by policy. */
export interface SettingSpec {
  /** Also the key of its texts (summary, wrong value, value left to the user) in the catalogues' `checks.settings`. */
  id: keyof CheckTexts['settings'];
  /** The setting's path in the report: "services.passwordSavingEnabled". */
  setting: string;
  /** The value the benchmarks ask for. */
  wanted: boolean;
  /** What the finding is about, e.g. "Password saving". */
  subject: string;
  /** The enterprise policy that enforces it in Chrome and Edge, and the value to give it. */
  policy: string;
  /** The value as the policy takes it; a value that needs words ("2 (never predict)") is the catalogue's `value`. */
  policyValue?: string;
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
  rules.length === 0 ? text : (Object.fromEntries(LANGS.map((lang) => [lang, `${text[lang]} (${ruleRefs(rules)})`])) as Localized);

/**
 * A check of one setting: the wrong value under a baseline that has a rule for it is a medium finding (STIG category
 * II); the wanted value left to the user is a low one, since STIG and CIS both audit the policy, not the current value.
 */
export function settingCheck(spec: SettingSpec): Check {
  const finding = (severity: Severity, title: Localized, remediation: Localized): Finding => ({
    check: spec.id,
    severity,
    subject: spec.subject,
    title,
    remediation,
  });
  const words = (lang: Lang) => {
    const texts = checkTexts(lang).settings[spec.id];
    return { policy: spec.policy, value: 'value' in texts ? texts.value : (spec.policyValue ?? '') };
  };
  const enforce = localize((t) => t.setting.enforce, words);
  const lockedWrong = localize((t) => t.setting.lockedWrong, words);
  const wrongValue = localize((t) => t.settings[spec.id].wrong);
  const unenforced = localize((t) => t.settings[spec.id].unenforced);
  return {
    id: spec.id,
    summary: localize((t) => t.settings[spec.id].summary),
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
      const remediation = wrong && setting.locked ? lockedWrong : enforce;
      if (wrong && (spec.always || broken.some((r) => !r.lockOnly))) return [finding(spec.always ?? 'medium', withRefs(wrongValue, broken), remediation)];
      if (broken.length === 0) return [];
      return [finding('low', withRefs(wrong ? wrongValue : unenforced, broken), remediation)];
    },
  };
}
