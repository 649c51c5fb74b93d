import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { COALESCE_MS, type ComplianceReport } from '../../../shared/report';
import { deviceIdItem, lastVerdictItem, pendingChangeItem, reportQueueItem } from '../../utils/storage';
import { RETRY_ALARM, report, reportSoon, resumePendingChange } from './reporting';

const sent: ComplianceReport[] = [];
let relayUp = true;
/** An error the relay answers instead of 202, if any. */
let refusal: { status: number; code: string } | null = null;
/** Holds each answer until released, to keep a report in flight. */
let hold: Promise<void> | null = null;

function stubRelay() {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      if (!relayUp) throw new TypeError('Failed to fetch');
      if (hold) await hold;
      const body = JSON.parse(String(init.body)) as ComplianceReport;
      sent.push(body);
      if (refusal) return new Response(JSON.stringify({ error: { code: refusal.code, message: 'refused' } }), { status: refusal.status });
      return new Response(JSON.stringify({ reportId: body.reportId, level: 'secure', compliant: true, findings: [], duplicate: false }), { status: 202 });
    }),
  );
}

describe('reporting', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    sent.length = 0;
    relayUp = true;
    refusal = null;
    hold = null;
    stubRelay();
    fakeBrowser.runtime.getPlatformInfo = async () => ({ os: 'linux', arch: 'x86-64', nacl_arch: 'x86-64' }) as never;
    (fakeBrowser as unknown as { management: unknown }).management = {
      getAll: async () => [
        {
          id: fakeBrowser.runtime.id,
          name: 'Guardmail',
          version: '1',
          enabled: true,
          installType: 'admin',
          type: 'extension',
          permissions: ['management'],
          hostPermissions: [],
        },
        {
          id: 'aaaabbbbccccddddeeeeffffgggghhhh',
          name: 'Other',
          version: '2.0 beta',
          enabled: false,
          installType: 'normal',
          type: 'extension',
          permissions: ['tabs'],
          hostPermissions: [],
          updateUrl: 'https://clients2.google.com/service/update2/crx',
          mayDisable: true,
          disabledReason: 'permissions_increase',
        },
        { id: 'theme-id-aaaaaaaaaaaaaaaaaaaaaaa', name: 'A theme', version: '1', enabled: true, installType: 'normal', type: 'theme' },
      ],
    };
  });
  afterEach(() => vi.unstubAllGlobals());

  const enroll = () => fakeBrowser.storage.managed.set({ relayUrl: 'https://relay.example.com', enrollmentToken: 'gm_enr_x', deviceLabel: 'Desk 4' });

  it('does nothing on a browser that policy did not enroll', async () => {
    await report();
    expect(sent).toEqual([]);
    expect(await reportQueueItem.getValue()).toEqual([]);
  });

  it('reports every other extension with a stable device id, and keeps the verdict', async () => {
    await enroll();
    await report();
    await report();
    expect(sent).toHaveLength(2);
    expect(sent[0]!.deviceId).toBe(await deviceIdItem.getValue());
    expect(sent[1]!.deviceId).toBe(sent[0]!.deviceId);
    expect(sent[0]).toMatchObject({ deviceLabel: 'Desk 4', os: { platform: 'linux' } });
    expect(sent[0]!.extensions).toEqual([
      {
        id: 'aaaabbbbccccddddeeeeffffgggghhhh',
        name: 'Other',
        version: '2.0_beta', // a space would refuse the report: the relay takes letters, digits and . + - _
        enabled: false,
        installType: 'normal',
        permissions: ['tabs'],
        hostPermissions: [],
        updateUrl: 'https://clients2.google.com/service/update2/crx',
        type: 'extension',
        mayDisable: true,
        disabledReason: 'permissions_increase',
      },
    ]);
    expect(await lastVerdictItem.getValue()).toMatchObject({ level: 'secure', compliant: true });
  });

  it('keeps reports while the relay is unreachable and sends them, oldest first, when it is back', async () => {
    await enroll();
    relayUp = false;
    await report();
    await report();
    expect((await reportQueueItem.getValue()).length).toBe(2);
    relayUp = true;
    await report();
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.reportId)).size).toBe(3);
    expect(Date.parse(sent[0]!.collectedAt)).toBeLessThanOrEqual(Date.parse(sent[2]!.collectedAt));
    expect(await reportQueueItem.getValue()).toEqual([]);
  });

  it.each([
    { status: 503, code: 'STORAGE_FULL' },
    { status: 503, code: 'STORAGE_UNAVAILABLE' },
    { status: 503, code: 'DATABASE_UNAVAILABLE' },
    { status: 401, code: 'UNAUTHORIZED' },
    { status: 429, code: 'RATE_LIMITED' },
    { status: 500, code: 'INTERNAL' },
  ])('keeps the report when the relay answers $status $code, and sends it once the relay takes it', async (answer) => {
    await enroll();
    refusal = answer;
    await report();
    const kept = await reportQueueItem.getValue();
    expect(kept).toHaveLength(1);
    refusal = null;
    await report();
    expect(sent.map((r) => r.reportId)).toEqual([kept[0]!.reportId, kept[0]!.reportId, sent[2]!.reportId]);
    expect(await reportQueueItem.getValue()).toEqual([]);
  });

  it('drops a report the relay refuses as invalid, so it does not hold back the ones after it', async () => {
    await enroll();
    refusal = { status: 400, code: 'VALIDATION_FAILED' };
    await report();
    expect(sent).toHaveLength(1);
    expect(await reportQueueItem.getValue()).toEqual([]);
  });

  it('sends one report for a burst of changes, a few seconds after the first', async () => {
    await enroll();
    const started = Date.now();
    for (let i = 0; i < 5; i++) await reportSoon();
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: COALESCE_MS + 2_000, interval: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(COALESCE_MS - 50);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toHaveLength(1);
    expect(await pendingChangeItem.getValue()).toBeNull();
  });

  it('sends exactly one more report when changes come while one is in flight', async () => {
    await enroll();
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const first = report();
    await vi.waitFor(() => expect(vi.mocked(fetch)).toHaveBeenCalled());
    void report();
    void report();
    release();
    await first;
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toHaveLength(2);
  });

  it('reports a change noted before the service worker stopped when it starts again', async () => {
    await enroll();
    await pendingChangeItem.setValue(Date.now() - 60_000);
    await resumePendingChange();
    await vi.waitFor(() => expect(sent).toHaveLength(1), { timeout: COALESCE_MS + 2_000, interval: 50 });
    expect(await pendingChangeItem.getValue()).toBeNull();
  });

  it('keeps a report the relay rate-limits and sends it again when the relay admits one more, not at the next hour', async () => {
    await enroll();
    refusal = { status: 429, code: 'RATE_LIMITED' };
    await report();
    expect(await reportQueueItem.getValue()).toHaveLength(1);
    const retry = await fakeBrowser.alarms.get(RETRY_ALARM);
    expect(retry).toBeDefined();
    expect(retry!.scheduledTime - Date.now()).toBeGreaterThan(100_000);
    expect(retry!.scheduledTime - Date.now()).toBeLessThanOrEqual(120_000);
  });
});
