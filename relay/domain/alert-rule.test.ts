import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/checks/index';
import { decideAlert, findingKey, memoryKey, type Alerted } from './alert-rule';

const finding = (check: string, subject: string, severity: Finding['severity'] = 'high'): Finding => ({
  check,
  subject,
  severity,
  title: { en: check, es: check },
  remediation: { en: '', es: '' },
});
const debuggerExt = finding('risky-permissions', 'Tab Debugger');
const unpacked = finding('unmanaged-install', 'Dev Helper');
const policy = { threshold: 'high' as const, cooldownMinutes: 60 };
const HOUR = 3_600_000;
const decide = (o: {
  findings: Finding[];
  level?: 'very_high' | 'high' | 'low' | 'secure';
  alerted?: Alerted | null;
  lastDeliveredAt?: number | null;
  waiting?: boolean;
  now?: number;
}) =>
  decideAlert({
    level: o.level ?? 'high',
    findings: o.findings,
    policy,
    alerted: o.alerted ?? null,
    lastDeliveredAt: o.lastDeliveredAt ?? null,
    waiting: () => o.waiting ?? false,
    now: o.now ?? 10 * HOUR,
  });
const alertedFor = (...findings: Finding[]): Alerted => ({ level: 'high', findings: findings.map((f) => memoryKey(findingKey(f))) });

describe('decideAlert', () => {
  it('alerts a device crossing the threshold, and remembers what for', () => {
    expect(decide({ findings: [debuggerExt] })).toEqual({ alert: true, newFindings: [], remember: alertedFor(debuggerExt) });
  });

  it('repeats an unchanged alert only after the cooldown from its delivery', () => {
    expect(decide({ findings: [debuggerExt], alerted: alertedFor(debuggerExt), lastDeliveredAt: 9.5 * HOUR }).alert).toBe(false);
    expect(decide({ findings: [debuggerExt], alerted: alertedFor(debuggerExt), lastDeliveredAt: 9 * HOUR }).alert).toBe(true);
  });

  it('alerts at once, whatever the cooldown, for a finding the last alert did not have or a worse level', () => {
    expect(decide({ findings: [debuggerExt, unpacked], alerted: alertedFor(debuggerExt), lastDeliveredAt: 9.9 * HOUR })).toEqual({
      alert: true,
      newFindings: [findingKey(unpacked)],
      remember: alertedFor(debuggerExt, unpacked),
    });
    expect(decide({ findings: [debuggerExt], level: 'very_high', alerted: alertedFor(debuggerExt), lastDeliveredAt: 9.9 * HOUR }).alert).toBe(true);
    // A finding that went away is no reason to alert.
    expect(decide({ findings: [], alerted: alertedFor(debuggerExt, unpacked), lastDeliveredAt: 9.9 * HOUR }).alert).toBe(false);
  });

  it('forgets the last alert once the device is compliant, so falling back alerts again', () => {
    expect(decide({ findings: [], level: 'secure', alerted: alertedFor(debuggerExt) })).toEqual({ alert: false, newFindings: [], remember: null });
    expect(decide({ findings: [], level: 'secure' }).remember).toBeUndefined();
  });

  it('queues nothing more while an alert for the device waits', () => {
    expect(decide({ findings: [debuggerExt, unpacked], alerted: alertedFor(debuggerExt), waiting: true })).toEqual({
      alert: false,
      newFindings: [],
      remember: undefined,
    });
  });

  it('remembers each finding in 16 characters, however long the name a report gave its extension', () => {
    const long = finding('risky-permissions', 'x'.repeat(200));
    expect(decide({ findings: [long] }).remember!.findings).toEqual([memoryKey(findingKey(long))]);
    expect(memoryKey(findingKey(long))).toHaveLength(16);
  });

  it('reads the memory an older relay kept as plain keys: an upgrade raises no alert by itself', () => {
    const older: Alerted = { level: 'high', findings: [findingKey(debuggerExt)] };
    expect(decide({ findings: [debuggerExt], alerted: older, lastDeliveredAt: 9.9 * HOUR }).alert).toBe(false);
  });
});
