import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/alert-policy';
import { extension, report, riskyReport } from '../../test/fixtures/reports';
import { findingKey, memoryKey } from './alert-rule';
import { judgeReport, MAX_FINDINGS_PER_DEVICE, MAX_STORED_FINDINGS, MAX_STORED_FINDINGS_BYTES, type PreviousState } from './judgement';

const now = Date.parse('2026-12-03T10:00:00Z');
const policy = { ...DEFAULT_POLICY, cooldownMinutes: 60 };
const judge = (r = riskyReport(), previous: PreviousState | null = null, waiting = false) =>
  judgeReport({ report: r, policy, newestMajor: undefined, releases: null, exploited: null, previous, waiting: () => waiting, now });

describe('judging a report', () => {
  it('alerts a device that crosses the threshold, with what a mail shows of it', () => {
    const { verdict, alert, remember } = judge(riskyReport({ deviceId: 'pc-1', deviceLabel: '', os: { platform: 'linux', version: '' } }));
    expect(verdict.level).toBe('high');
    expect(alert).toMatchObject({ device: { id: 'pc-1', label: 'pc-1', browser: 'Chrome', os: 'linux' }, level: 'high', moreFindings: 0, reportedAt: now });
    expect(alert).not.toHaveProperty('newFindings');
    expect(remember).toEqual({ level: 'high', findings: verdict.findings.map((f) => memoryKey(findingKey(f))) });
  });

  it('raises nothing for a secure device, and forgets what a device that became compliant was alerted for', () => {
    expect(judge(report())).toMatchObject({ alert: null, remember: undefined });
    expect(judge(report(), { alerted: { level: 'high', findings: ['x|y'] }, lastDeliveredAt: now - 1000 })).toMatchObject({ alert: null, remember: null });
  });

  it('waits out the cooldown for the same findings, but alerts a new finding at once and marks it new', () => {
    const first = judge();
    const previous = { alerted: first.remember!, lastDeliveredAt: now - 10 * 60_000 };
    expect(judge(riskyReport(), previous).alert).toBeNull();
    const more = riskyReport({
      extensions: [extension({ name: 'Tab Debugger', permissions: ['debugger'] }), extension({ id: 'b'.repeat(32), name: 'Proxy', permissions: ['proxy'] })],
    });
    const again = judge(more, previous);
    expect(again.alert?.newFindings?.length).toBeGreaterThan(0);
    expect(judge(more, previous, true).alert).toBeNull(); // an alert still waiting: the device joins it
  });

  it('keeps the worst findings only, however many a report makes', () => {
    const padded = riskyReport({
      extensions: Array.from({ length: 80 }, (_, i) => extension({ id: String(i).padStart(32, 'a'), name: `Debugger ${i}`, permissions: ['debugger'] })),
    });
    const { verdict, alert } = judge(padded);
    expect(verdict.findings).toHaveLength(MAX_STORED_FINDINGS);
    expect(alert!.findings).toHaveLength(MAX_FINDINGS_PER_DEVICE);
    expect(alert!.moreFindings).toBe(80 - MAX_FINDINGS_PER_DEVICE);
  });

  it("keeps a device's findings within their byte bound when a report pads every name, and remembers only those", () => {
    const padded = riskyReport({
      extensions: Array.from({ length: 500 }, (_, i) =>
        extension({
          id: String(i).padStart(32, 'a'),
          name: `${i}`.padEnd(200, 'n'),
          permissions: ['debugger', 'proxy', 'nativeMessaging'],
          installType: 'development',
        }),
      ),
    });
    const { verdict, alert, remember } = judge(padded);
    expect(JSON.stringify(verdict.findings).length).toBeLessThanOrEqual(MAX_STORED_FINDINGS_BYTES);
    expect(remember!.findings).toHaveLength(verdict.findings.length);
    expect(JSON.stringify(remember).length).toBeLessThan(1_200);
    expect(alert!.moreFindings).toBe(1_000 - MAX_FINDINGS_PER_DEVICE);
  });
});
