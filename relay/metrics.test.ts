import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics';

describe('metrics', () => {
  const metrics = () => createMetrics({ stats: () => ({ pending: 2, oldestDueAgeSeconds: 75 }) });

  it('renders counters with escaped labels, and zero before the first event', async () => {
    const m = metrics();
    m.reportsRefused.inc({ status: '4"29\\' });
    m.reportsRefused.inc({ status: '4"29\\' });
    m.alertsSent.inc(3);
    const text = await m.renderOwn();
    expect(text).toContain('# TYPE guardmail_reports_refused_total counter\nguardmail_reports_refused_total{status="4\\"29\\\\"} 2\n');
    expect(text).toContain('guardmail_alerts_sent_total 3\n');
    expect(text).toContain('guardmail_alerts_failed_total 0\n');
  });

  it("adds the process and Node runtime metrics from prom-client's default collectors", async () => {
    const text = await metrics().render();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_open_fds',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text.indexOf('guardmail_reports_received_total')).toBeLessThan(text.indexOf('process_cpu_seconds_total'));
  });

  it('renders a cumulative histogram and reads gauges when rendered', async () => {
    const m = metrics();
    m.deliveryLatency.observe(0.07);
    m.deliveryLatency.observe(2);
    const text = await m.renderOwn();
    expect(text).toContain('guardmail_alert_delivery_seconds_bucket{le="0.05"} 0\n');
    expect(text).toContain('guardmail_alert_delivery_seconds_bucket{le="0.1"} 1\n');
    expect(text).toContain('guardmail_alert_delivery_seconds_bucket{le="5"} 2\n');
    expect(text).toContain(
      'guardmail_alert_delivery_seconds_bucket{le="+Inf"} 2\nguardmail_alert_delivery_seconds_sum 2.07\nguardmail_alert_delivery_seconds_count 2\n',
    );
    expect(text).toContain('guardmail_outbox_depth 2\n');
    expect(text).toContain('guardmail_outbox_oldest_due_age_seconds 75\n');
  });
});
