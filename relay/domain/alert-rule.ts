import { createHash } from 'node:crypto';
import { atLeast, LEVELS, type AlertPolicy, type Level } from '../../shared/alert-policy';
import type { Finding } from '../../shared/checks/index';
import { findingKey } from '../../shared/checks/types';

/** What a device was last alerted for: its level, and its findings by memoryKey (older relays kept findingKey). */
export interface Alerted {
  level: Level;
  findings: string[];
}

// Written once in shared/, where the console compares an alert's findings with the device's current ones.
export { findingKey };

/**
 * A finding's identity as a device's alert memory keeps it: 96 bits of its key's SHA-256, 16 characters whatever the
 * subject's length, since a report names its extensions (up to 200 characters each) and the memory is kept per device.
 */
export const memoryKey = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 16);

export interface AlertDecision {
  alert: boolean;
  /** The findings not in the device's last alert: what the mail marks as new. Empty on a first alert. */
  newFindings: string[];
  /** What to remember as alerted: the new memory, null to forget it (the device is compliant again), undefined to keep it. */
  remember: Alerted | null | undefined;
}

/**
 * Alertmanager's model, per device: at or above the threshold, a device is alerted when it was not before (or became
 * compliant since), when it has a finding it was not last alerted for, or when its level got worse; an unchanged one
 * only again after the cooldown, counted from the last delivered alert. A device with an alert still waiting gets no
 * second one (it joins the first's mail when delivery resumes).
 */
export function decideAlert(input: {
  level: Level;
  /** The findings the device is judged by for alerting: the ones stored, worst first (judgement.ts caps them). */
  findings: readonly Finding[];
  policy: Pick<AlertPolicy, 'threshold' | 'cooldownMinutes'>;
  alerted: Alerted | null;
  lastDeliveredAt: number | null;
  /** Asked only when the device would be alerted: it is a query, and most reports raise nothing. */
  waiting: () => boolean;
  now: number;
}): AlertDecision {
  if (!atLeast(input.level, input.policy.threshold)) return { alert: false, newFindings: [], remember: input.alerted ? null : undefined };
  const keys = [...new Set(input.findings.map(findingKey))];
  const before = new Set(input.alerted?.findings ?? []);
  const newFindings = input.alerted ? keys.filter((k) => !before.has(memoryKey(k)) && !before.has(k)) : [];
  const worse = input.alerted !== null && LEVELS.indexOf(input.level) < LEVELS.indexOf(input.alerted.level);
  const cooledDown = input.lastDeliveredAt === null || input.now - input.lastDeliveredAt >= input.policy.cooldownMinutes * 60_000;
  const alert = (input.alerted === null || newFindings.length > 0 || worse || cooledDown) && !input.waiting();
  return alert ? { alert, newFindings, remember: { level: input.level, findings: keys.map(memoryKey) } } : { alert, newFindings: [], remember: undefined };
}
