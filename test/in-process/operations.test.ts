import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAnswer, StatusAnswer } from '../../shared/api';
import type { ApiErrorBody } from '../../shared/errors';
import { relayErrors } from '../../shared/locales/en';
import { PROBE_TIMEOUT_MS } from '../../relay/routes/health';
import { basicSettings, createAlertingRelay, SMTP_PASSWORD, type TestRelay } from '../fixtures/relay';
import { report, riskyReport } from '../fixtures/reports';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';

let relay: TestRelay;
let smtp: SmtpPeer | undefined;
let clock: number;

beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.close();
  await smtp?.close();
  smtp = undefined;
});

const postReport = (body: unknown) => relay.call('POST', '/api/v1/reports', body, { token: relay.enrollmentToken });

async function setup(policy: Record<string, unknown> = {}) {
  clock = Date.parse('2026-11-27T10:00:00Z');
  ({ relay, smtp } = await createAlertingRelay({ recipients: ['it@example.com'], groupingWindowSeconds: 0, ...policy }, { now: () => clock }));
}

/** One metric's value from the Prometheus text. */
const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe('metrics', () => {
  it('counts reports, alerts, deliveries and the outbox in Prometheus format', async () => {
    await setup();
    await postReport(riskyReport({ deviceId: 'device-a' }));
    await postReport(report({ deviceId: 'device-b' }));
    await postReport({ nonsense: true });
    await relay.deps.worker.wake();
    const res = await relay.call('GET', '/metrics', undefined, { token: null });
    expect(res.headers.get('Content-Type')).toContain('text/plain');
    const text = await res.text();
    expect(metric(text, 'guardmail_reports_received_total')).toBe(2);
    expect(metric(text, 'guardmail_reports_refused_total{status="400"}')).toBe(1);
    expect(metric(text, 'guardmail_alerts_enqueued_total')).toBe(1);
    expect(metric(text, 'guardmail_alerts_sent_total')).toBe(1);
    expect(metric(text, 'guardmail_alert_delivery_seconds_count')).toBe(1);
    expect(metric(text, 'guardmail_outbox_depth')).toBe(0);
    expect(metric(text, 'guardmail_outbox_oldest_due_age_seconds')).toBe(0);
  });
});

describe('readiness', () => {
  it('says delivery is delayed, since when and why, once an alert has waited 15 minutes', async () => {
    await setup({ recipients: [], groupingWindowSeconds: 0 });
    const due = clock;
    await postReport(riskyReport({ deviceId: 'device-a' }));
    clock += 14 * 60_000;
    const readiness = async () =>
      (await (await relay.call('GET', '/readyz')).json()) as { ready: boolean; checks: { name: string; ok: boolean; detail: string }[] };
    expect((await readiness()).checks).toContainEqual({ name: 'outbox', ok: true, critical: false, detail: '1 waiting, 0 failed' });
    clock += 2 * 60_000;
    const ready = await readiness();
    expect(ready.ready).toBe(true); // not critical: reports are still taken
    const since = new Date(due).toISOString();
    expect(ready.checks).toContainEqual({
      name: 'outbox',
      ok: false,
      critical: false,
      detail: `delivery delayed since ${since}: ALERT_RECIPIENTS_MISSING (1 waiting, 0 failed)`,
    });
    const status = (await (await relay.call('GET', '/api/v1/status')).json()) as StatusAnswer;
    const { message, hint } = relayErrors.ALERT_RECIPIENTS_MISSING;
    expect(status.delivery.delayed).toEqual({ since, code: 'ALERT_RECIPIENTS_MISSING', detail: null, message, hint });
  });

  it("answers within its probes' timeout when the database hangs, not ready, naming the probe that did not answer", async () => {
    await setup();
    relay.deps.stores.ping = () => new Promise<void>(() => undefined);
    // Without the timeout this request would never be answered.
    const res = await relay.call('GET', '/readyz');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown[] }).checks).toContainEqual({
      name: 'database',
      ok: false,
      critical: true,
      detail: `no answer within ${PROBE_TIMEOUT_MS / 1000} s`,
    });
  });
});

describe('audit log', () => {
  it('records every admin change with its time and request id, naming changed secrets without their values', async () => {
    await setup();
    await relay.call('PUT', '/api/v1/mail-settings', basicSettings({ port: 2525, password: 'a-new-password-1' }), {
      headers: { 'X-Request-Id': 'req-mail-1' },
    });
    await relay.call(
      'PUT',
      '/api/v1/alert-policy',
      { recipients: ['soc@example.com'], groupingWindowSeconds: 0 },
      { headers: { 'X-Request-Id': 'req-policy-1' } },
    );
    const { entries } = (await (await relay.call('GET', '/api/v1/audit')).json()) as AuditAnswer;
    expect(entries.map((e) => e.action)).toEqual(['alert-policy.updated', 'mail-settings.updated', 'alert-policy.updated', 'mail-settings.updated']);
    expect(entries[0]).toMatchObject({ requestId: 'req-policy-1', details: { recipients: { from: ['it@example.com'], to: ['soc@example.com'] } } });
    expect(entries[1]).toMatchObject({
      requestId: 'req-mail-1',
      details: { port: { to: 2525 }, emailType: { from: 'smtps', to: 'smtp' }, password: 'replaced' },
    });
    expect(entries[3]!.details).toMatchObject({ password: 'set', caCertificate: 'changed' });
    expect(JSON.stringify(entries)).not.toContain(SMTP_PASSWORD);
    expect(JSON.stringify(entries)).not.toContain('a-new-password-1');
  });
});

describe('a full disk', () => {
  it('answers 503 STORAGE_FULL and never loses a report it accepted', async () => {
    await setup();
    const pages = relay.db.pragma('page_count', { simple: true }) as number;
    relay.db.pragma(`max_page_count = ${pages + 3}`);
    const accepted: string[] = [];
    const refused: string[] = [];
    for (let round = 0; round < 30 && refused.length === 0; round++) {
      const batch = Array.from({ length: 20 }, (_, i) => riskyReport({ deviceId: `device-${round}-${i}`, deviceLabel: 'x'.repeat(90) }));
      const answers = await Promise.all(batch.map((r) => postReport(r)));
      for (const [i, res] of answers.entries()) {
        if (res.status === 202) accepted.push(batch[i]!.reportId);
        else {
          expect(res.status).toBe(503);
          expect(((await res.json()) as ApiErrorBody).error.code).toBe('STORAGE_FULL');
          refused.push(batch[i]!.reportId);
        }
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    const stored = new Set((relay.db.prepare('SELECT last_report_id AS report_id FROM devices').all() as { report_id: string }[]).map((r) => r.report_id));
    for (const id of accepted) expect(stored.has(id)).toBe(true);
    for (const id of refused) expect(stored.has(id)).toBe(false);
  });
});
