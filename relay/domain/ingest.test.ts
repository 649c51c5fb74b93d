import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AlertPolicy } from '../../shared/alert-policy';
import { report, riskyReport } from '../../test/fixtures/reports';
import { FleetVersions, HISTORY_MS } from './fleet-versions';
import { ingestGroup, type DeviceState, type IncomingReport, type IngestContext } from './ingest';
import { lastSeenDue, LAST_SEEN_STEP_MS } from './last-seen';

const NOW = Date.parse('2026-12-07T09:00:00Z');
const policy = v.parse(AlertPolicy, { recipients: ['it@example.com'] });
const signed = (at: number) => ({ key: 'key-a', at, thumbprint: 'thumbprint-of-key-a' });

const context = (devices: DeviceState[] = []): IngestContext => ({
  devices: new Map(devices.map((d) => [d.id, d])),
  waiting: new Set(),
  versions: new FleetVersions(),
  admit: () => 0,
  releases: null,
  exploited: null,
});

/** The state a first report leaves, as the store would read it back. */
function stored(incoming: IncomingReport): DeviceState {
  const [device] = ingestGroup([incoming], context()).devices;
  return device!;
}

describe('ingestGroup', () => {
  const first: IncomingReport = { report: report({ deviceId: 'laptop', reportId: 'report-1' }), signature: signed(NOW), policy, now: NOW };

  it('writes a new device, and keeps only when a known one was seen when its report changes nothing', () => {
    expect(ingestGroup([first], context()).devices.map((d) => d.id)).toEqual(['laptop']);
    const again: IncomingReport = { report: report({ deviceId: 'laptop', reportId: 'report-2' }), signature: signed(NOW + 60_000), policy, now: NOW + 60_000 };
    const decision = ingestGroup([again], context([stored(first)]));
    expect(decision.devices).toEqual([]);
    expect(decision.seen).toEqual([{ id: 'laptop', last_seen_at: NOW + 60_000, last_report_id: 'report-2', last_signed_at: NOW + 60_000 }]);
    expect(decision.versions).toEqual([]);
  });

  it('writes a report that changes the verdict, with its alert, and a later unchanged one of the same group with it', () => {
    const risky: IncomingReport = { report: riskyReport({ deviceId: 'laptop', reportId: 'report-2' }), signature: signed(NOW + 1), policy, now: NOW + 1 };
    const same: IncomingReport = { ...risky, report: { ...risky.report, reportId: 'report-3' }, signature: signed(NOW + 2), now: NOW + 2 };
    const decision = ingestGroup([risky, same], context([stored(first)]));
    expect(decision.devices).toMatchObject([{ id: 'laptop', level: 'high', last_report_id: 'report-3' }]);
    expect(decision.seen).toEqual([]);
    expect(decision.alerts).toHaveLength(1);
  });

  it('writes the report that gives a device its day of history: the fleet starts counting its version', () => {
    const dayLater: IncomingReport = {
      report: report({ deviceId: 'laptop', reportId: 'report-2' }),
      signature: signed(NOW + HISTORY_MS),
      policy,
      now: NOW + HISTORY_MS,
    };
    const decision = ingestGroup([dayLater], context([stored(first)]));
    expect(decision.devices.map((d) => d.id)).toEqual(['laptop']);
    expect(decision.versions).toEqual([{ browser: 'Chrome', version: '131.0.6778.85', devices: 1 }]);
  });

  it("sends another key's report to that key's own device, written as new", () => {
    const other: IncomingReport = {
      report: report({ deviceId: 'laptop', reportId: 'report-2' }),
      signature: { key: 'key-b', at: NOW + 1, thumbprint: 'thumbprint-of-key-b' },
      policy,
      now: NOW + 1,
    };
    expect(ingestGroup([other], context([stored(first)])).devices.map((d) => d.id)).toEqual(['laptop~thumbprint-o']);
  });
});

describe('lastSeenDue', () => {
  it('writes a held time once the stored one is LAST_SEEN_STEP_MS behind it', () => {
    expect(lastSeenDue(NOW, NOW + LAST_SEEN_STEP_MS - 1)).toBe(false);
    expect(lastSeenDue(NOW, NOW + LAST_SEEN_STEP_MS)).toBe(true);
  });
});
