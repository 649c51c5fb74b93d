import type { Registry } from 'prom-client';

/**
 * The relay's Prometheus metrics, in the text exposition format (version 0.0.4): Guardmail's own dozen series, written
 * here, and the process and Node runtime metrics every Prometheus user expects (`process_*`, `nodejs_*`), from
 * prom-client's default collectors. prom-client takes about 40 ms to load, a third of the relay's cold start, so it
 * is loaded a moment after the relay answers; Guardmail's counters count from the first request.
 */

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
};

interface Metric {
  render(): string;
}

class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labelsOrValue: Labels | number = 1, value = 1): void {
    const [labels, by] = typeof labelsOrValue === 'number' ? [{}, labelsOrValue] : [labelsOrValue, value];
    const key = labelText(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  render(): string {
    const lines = [...this.#values].map(([labels, v]) => `${this.name}${labels} ${v}`);
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n${lines.join('\n') || `${this.name} 0`}\n`;
  }
}

/** Set just before rendering, from what the store answers then. */
class Gauge implements Metric {
  #value = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  set(value: number): void {
    this.#value = value;
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${this.#value}\n`;
  }
}

class Histogram implements Metric {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {
    this.#counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.buckets.forEach((le, i) => {
      if (value <= le) this.#counts[i]!++;
    });
    this.#sum += value;
    this.#count++;
  }

  render(): string {
    const lines = this.buckets.map((le, i) => `${this.name}_bucket{le="${le}"} ${this.#counts[i]}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.#count}`, `${this.name}_sum ${this.#sum}`, `${this.name}_count ${this.#count}`);
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n${lines.join('\n')}\n`;
  }
}

export interface OutboxGauges {
  stats(now: number): { pending: number; oldestDueAgeSeconds: number | null } | Promise<{ pending: number; oldestDueAgeSeconds: number | null }>;
}

/** prom-client's default collectors (CPU, memory, file descriptors, event-loop lag, heap, GC) in a registry of their own. */
class RuntimeMetrics {
  #registry: Promise<Registry> | null = null;

  /** Starts the collectors after `delayMs`, or at the first scrape if that comes sooner. */
  startSoon(delayMs: number): void {
    setTimeout(() => void this.#load(), delayMs).unref();
  }

  async render(): Promise<string> {
    return (await this.#load()).metrics();
  }

  #load(): Promise<Registry> {
    this.#registry ??= import('prom-client').then(({ Registry, collectDefaultMetrics }) => {
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      return registry;
    });
    return this.#registry;
  }
}

/** How long after start the runtime collectors load: the relay has answered its first requests by then. */
const RUNTIME_METRICS_DELAY_MS = 2_000;

export function createMetrics(outbox: OutboxGauges, now: () => number = Date.now) {
  const metrics = {
    reportsReceived: new Counter('guardmail_reports_received_total', 'Reports accepted (202), including repeated report ids.'),
    reportsRefused: new Counter('guardmail_reports_refused_total', 'Reports refused, by HTTP status.'),
    devicesRefused: new Counter('guardmail_devices_refused_total', 'Reports from new devices refused (429) while devices arrive faster than admitted.'),
    deviceRowsWritten: new Counter(
      'guardmail_device_rows_written_total',
      "Device rows written: a report that changes its device's state, or a last-seen time held in memory and now due.",
    ),
    alertsEnqueued: new Counter('guardmail_alerts_enqueued_total', 'Alerts written to the outbox.'),
    alertsSent: new Counter('guardmail_alerts_sent_total', 'Alerts delivered (a device in a sent mail).'),
    alertsFailed: new Counter('guardmail_alerts_failed_total', 'Alerts stopped by a permanent failure.'),
    alertsRetried: new Counter('guardmail_alerts_retried_total', 'Alerts put back for a later attempt after a temporary failure.'),
    deliveryLatency: new Histogram(
      'guardmail_alert_delivery_seconds',
      'From the report that raised an alert to the mail server accepting it.',
      [0.05, 0.1, 0.25, 0.5, 1, 5, 30, 60, 300, 900, 3600],
    ),
    tokenRefreshes: new Counter('guardmail_token_refreshes_total', 'OAuth access-token refreshes, by outcome.'),
    authFailures: new Counter('guardmail_auth_failures_total', 'Requests refused for a missing or wrong bearer token, by the role asked for.'),
    authThrottled: new Counter('guardmail_auth_throttled_total', 'Requests refused (429) from a client that kept sending wrong tokens.'),
    connectionsRefused: new Counter('guardmail_connections_refused_total', 'Connections closed on arrival, by the bound they were over (total, per-client).'),
    requestsRefused: new Counter('guardmail_http_refused_total', 'Requests answered with a 4xx status, by status; their access-log lines are sampled.'),
    storeBytes: new Gauge('guardmail_store_bytes', "Bytes the store takes (SQLite's file and log, or the PostgreSQL database), measured every 30 s."),
    storeBudgetBytes: new Gauge('guardmail_store_budget_bytes', "The store's budget (--store-budget-mb): past it, new devices are refused."),
    outboxDepth: new Gauge('guardmail_outbox_depth', 'Alerts not yet sent nor failed.'),
    oldestDueAge: new Gauge('guardmail_outbox_oldest_due_age_seconds', 'How long the oldest due alert has waited; 0 when none waits.'),
  };
  const runtime = new RuntimeMetrics();
  const own = async (): Promise<string> => {
    const stats = await outbox.stats(now());
    metrics.outboxDepth.set(stats.pending);
    metrics.oldestDueAge.set(stats.oldestDueAgeSeconds ?? 0);
    return Object.values(metrics)
      .map((m: Metric) => m.render())
      .join('');
  };
  return {
    ...metrics,
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    /** Guardmail's own metrics in the text format, gauges read now. */
    renderOwn: own,
    /** Every metric: Guardmail's own, then the process and runtime ones. */
    render: async (): Promise<string> => (await own()) + (await runtime.render()),
    /** Starts the process and runtime collectors once the relay is up. */
    startRuntime: (delayMs = RUNTIME_METRICS_DELAY_MS): void => runtime.startSoon(delayMs),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
