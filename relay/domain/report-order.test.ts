import { describe, expect, it } from 'vitest';
import { orderReport, reportDevice } from './report-order';

const bound = { public_key: 'key-a', last_report_id: 'r1', last_signed_at: 1_000 };

describe('orderReport', () => {
  it("judges a new device's first report, whatever signed it", () => {
    expect(orderReport(undefined, 'r1', { key: 'key-a', at: 5 })).toBe('judge');
  });

  it('refuses another key before anything else, a repeat included', () => {
    expect(orderReport(bound, 'r1', { key: 'key-b', at: 2_000 })).toBe('wrong-key');
    expect(orderReport(bound, 'r2', { key: null, at: null })).toBe('wrong-key');
  });

  it('answers the last report again as a duplicate, however it was re-signed', () => {
    expect(orderReport(bound, 'r1', { key: 'key-a', at: 900 })).toBe('duplicate');
    expect(orderReport(bound, 'r1', { key: 'key-a', at: 3_000 })).toBe('duplicate');
  });

  it('refuses an older or equally old signature: a replay cannot roll the device back', () => {
    expect(orderReport(bound, 'r0', { key: 'key-a', at: 999 })).toBe('replayed');
    expect(orderReport(bound, 'r0', { key: 'key-a', at: 1_000 })).toBe('replayed');
    expect(orderReport(bound, 'r2', { key: 'key-a', at: 1_001 })).toBe('judge');
  });

  it('orders nothing for a device or a caller without signature times', () => {
    expect(orderReport({ ...bound, last_signed_at: null }, 'r2', { key: 'key-a', at: 5 })).toBe('judge');
    expect(orderReport({ public_key: null, last_report_id: 'r1', last_signed_at: 1_000 }, 'r2', { key: null, at: null })).toBe('judge');
  });
});

describe('reportDevice', () => {
  const signedB = { key: 'key-b', at: 2_000, thumbprint: 'thumbprint-of-key-b-0123456789' };

  it("sends a report to its id's device when that is new, unbound or bound to the signing key", () => {
    expect(reportDevice(undefined, 'd1', signedB)).toBe('d1');
    expect(reportDevice({ ...bound, public_key: null }, 'd1', signedB)).toBe('d1');
    expect(reportDevice({ ...bound, public_key: 'key-b' }, 'd1', signedB)).toBe('d1');
  });

  it("sends another key's report to that key's own device beside the bound one", () => {
    expect(reportDevice(bound, 'd1', signedB)).toBe('d1~thumbprint-o');
  });

  it('leaves a report without a key (the demo) to be refused by its order, not moved', () => {
    expect(reportDevice(bound, 'd1', { key: null, at: null })).toBe('d1');
    expect(reportDevice(bound, 'd1', { key: 'key-b', at: 2_000 })).toBe('d1');
  });
});
