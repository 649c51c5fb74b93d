import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface OutboxGauges {
  stats(now: number): { pending: number; oldestDueAgeSeconds: number | null };
}

/** The relay's Prometheus metrics, on a registry of its own so every app (and test) counts alone. */
export function createMetrics(outbox: OutboxGauges, now: () => number = Date.now) {
  const registry = new Registry();
  const stats = () => outbox.stats(now());
  return {
    registry,
    reportsReceived: new Counter({ name: 'guardmail_reports_received_total', help: 'Reports accepted (202), including repeated report ids.', registers: [registry] }),
    reportsRefused: new Counter({ name: 'guardmail_reports_refused_total', help: 'Reports refused, by HTTP status.', labelNames: ['status'] as const, registers: [registry] }),
    alertsEnqueued: new Counter({ name: 'guardmail_alerts_enqueued_total', help: 'Alerts written to the outbox.', registers: [registry] }),
    alertsSent: new Counter({ name: 'guardmail_alerts_sent_total', help: 'Alerts delivered (a device in a sent mail).', registers: [registry] }),
    alertsFailed: new Counter({ name: 'guardmail_alerts_failed_total', help: 'Alerts stopped by a permanent failure.', registers: [registry] }),
    alertsRetried: new Counter({ name: 'guardmail_alerts_retried_total', help: 'Alerts put back for a later attempt after a temporary failure.', registers: [registry] }),
    deliveryLatency: new Histogram({
      name: 'guardmail_alert_delivery_seconds',
      help: 'From the report that raised an alert to the mail server accepting it.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 900, 3600],
      registers: [registry],
    }),
    tokenRefreshes: new Counter({ name: 'guardmail_token_refreshes_total', help: 'OAuth access-token refreshes, by outcome.', labelNames: ['outcome'] as const, registers: [registry] }),
    outboxDepth: new Gauge({
      name: 'guardmail_outbox_depth',
      help: 'Alerts not yet sent nor failed.',
      registers: [registry],
      collect() {
        this.set(stats().pending);
      },
    }),
    oldestDueAge: new Gauge({
      name: 'guardmail_outbox_oldest_due_age_seconds',
      help: 'How long the oldest due alert has waited; 0 when none waits.',
      registers: [registry],
      collect() {
        this.set(stats().oldestDueAgeSeconds ?? 0);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
