import * as v from 'valibot';
import { LEVELS, type AlertPolicy } from '../../shared/alert-policy';
import { evaluate, withPolicy, type Finding, type Verdict } from '../../shared/checks/index';
import { LANGS, type Lang } from '../../shared/locales/lang';
import type { ExploitIndex, ReleaseIndex } from '../../shared/releases';
import type { ComplianceReport } from '../../shared/report';
import { decideAlert, findingKey, type Alerted } from './alert-rule';
import { ExtensionAlertSchema, type ExtensionAlert } from './extension-alert';

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'] as const;
const localized = v.object(Object.fromEntries(LANGS.map((lang) => [lang, v.string()])) as Record<Lang, v.StringSchema<undefined>>);

/**
 * What an alert carries, as the outbox keeps it: the device and its worst findings when it crossed the threshold. The
 * outbox checks every payload it reads back against this: a row that is not one (an older relay's, a restore gone
 * wrong) fails alone instead of breaking every mail it would join.
 */
export const AlertPayloadSchema = v.object({
  device: v.object({ id: v.string(), label: v.string(), browser: v.string(), version: v.string(), os: v.string() }),
  level: v.picklist(LEVELS),
  /** The worst findings, at most MAX_FINDINGS_PER_DEVICE: all a mail shows. */
  findings: v.array(v.object({ check: v.string(), severity: v.picklist(SEVERITY_ORDER), subject: v.string(), title: localized, remediation: localized })),
  /** How many more findings the device had. */
  moreFindings: v.optional(v.number()),
  /** Findings (check|subject) the device's previous alert did not have: marked as new in the mail. */
  newFindings: v.optional(v.array(v.string())),
  reportedAt: v.number(),
});

export type AlertPayload = v.InferOutput<typeof AlertPayloadSchema>;

/**
 * The schema of whatever the outbox holds: a fleet-wide alert about an extension (extension-alert.ts) says its kind;
 * a device's alert has none. Chosen before checking, so that a damaged row's error names its own field.
 */
export const outboxPayloadSchema = (parsed: unknown) =>
  typeof parsed === 'object' && parsed !== null && 'kind' in parsed ? ExtensionAlertSchema : AlertPayloadSchema;
export type OutboxPayload = AlertPayload | ExtensionAlert;
export const isExtensionAlert = (p: OutboxPayload): p is ExtensionAlert => 'kind' in p;

/** Findings kept and answered per report, worst first; the level is judged on all of them. */
export const MAX_STORED_FINDINGS = 50;
/** And at most this much of them as JSON: a report's names are its own, up to 200 characters each. */
export const MAX_STORED_FINDINGS_BYTES = 32 * 1024;
/** Findings an alert keeps: what a mail shows of a device, so that a batch of thousands stays a few megabytes. */
export const MAX_FINDINGS_PER_DEVICE = 10;

/** The worst findings that fit `maxCount` and `maxChars` of JSON (the worst one always: it is what the level says). */
export function capFindings(findings: readonly Finding[], maxCount: number, maxChars: number): Finding[] {
  const kept: Finding[] = [];
  let chars = 2;
  for (const f of worstFirst(findings).slice(0, maxCount)) {
    chars += JSON.stringify(f).length + 1;
    if (kept.length > 0 && chars > maxChars) break;
    kept.push(f);
  }
  return kept;
}

/** The worst findings first, so a cap keeps what matters. */
export const worstFirst = (findings: readonly Finding[]): Finding[] =>
  [...findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));

/** What the relay knows of a device before this report. */
export interface PreviousState {
  /** What it was last alerted for; null when never, or compliant since. */
  alerted: Alerted | null;
  /** When its last alert was delivered. */
  lastDeliveredAt: number | null;
}

export interface Judgement {
  /** The verdict to store and answer, its findings capped at MAX_STORED_FINDINGS. */
  verdict: Verdict;
  device: AlertPayload['device'];
  /** The alert to put in the outbox, or null. */
  alert: AlertPayload | null;
  /** What to remember as alerted: new memory, null to forget, undefined to keep. */
  remember: Alerted | null | undefined;
}

/**
 * Judges a report against the policy and what the relay knows of its device: the verdict, and whether it raises an
 * alert (domain/alert-rule.ts). Throws on a report the checks cannot judge, before anything is written.
 */
export function judgeReport(input: {
  report: ComplianceReport;
  policy: AlertPolicy;
  /** The newest major version the fleet runs of this browser, while no vendor data is loaded. */
  newestMajor: number | undefined;
  releases: ReleaseIndex | null;
  exploited: ExploitIndex | null;
  previous: PreviousState | null;
  /** Whether the device already has an alert waiting; asked only when it would be alerted. */
  waiting: () => boolean;
  now: number;
}): Judgement {
  const { report, policy, now } = input;
  const newest = input.newestMajor === undefined ? undefined : new Map([[report.browser.name, input.newestMajor]]);
  const judged = evaluate(report, { ...withPolicy(policy, newest), releases: input.releases, exploited: input.exploited, now });
  // Judged on every finding; kept and answered with the worst ones: a padded report must not store megabytes.
  const verdict = { ...judged, findings: capFindings(judged.findings, MAX_STORED_FINDINGS, MAX_STORED_FINDINGS_BYTES) };
  // The cooldown runs from the last delivered alert (set by the outbox when the mail is accepted), and a device with an
  // alert still waiting gets no second one: a failed or delayed alert never silences its device. A new finding alerts
  // whatever the cooldown.
  const decision = decideAlert({
    level: verdict.level,
    // The kept findings, not all: the device's alert memory stays as bounded as its row (findings beyond the cap are
    // counted in the mail's "and N more", as before).
    findings: verdict.findings,
    policy,
    alerted: input.previous?.alerted ?? null,
    lastDeliveredAt: input.previous?.lastDeliveredAt ?? null,
    waiting: () => input.previous !== null && input.waiting(),
    now,
  });
  const os = [report.os.platform, report.os.version].filter(Boolean).join(' ');
  const device = { id: report.deviceId, label: report.deviceLabel || report.deviceId, browser: report.browser.name, version: report.browser.version, os };
  const shown = verdict.findings.slice(0, MAX_FINDINGS_PER_DEVICE);
  // What the mail marks as new is among what it shows: the payload holds no more than the mail.
  const shownKeys = new Set(shown.map(findingKey));
  const newFindings = decision.newFindings.filter((k) => shownKeys.has(k));
  const alert: AlertPayload | null = decision.alert
    ? {
        device,
        level: verdict.level,
        findings: shown,
        moreFindings: judged.findings.length - shown.length,
        reportedAt: now,
        ...(newFindings.length > 0 ? { newFindings } : {}),
      }
    : null;
  return { verdict, device, alert, remember: decision.remember };
}
