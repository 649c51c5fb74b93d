import { Pool } from 'undici';
import { API_PREFIX } from '../../shared/api';
import { COALESCE_MS, INVALID_REPORT, QUEUE_LIMIT, RETRY_AFTER_MINUTES } from '../../shared/report';
import { decoded } from '../../test/fixtures/mail';
import { DEFAULT_SHAPE, extensionPopulation, makeDevice, poissonWait, seeded, type FleetShape, type SimDevice } from './fleet';

const RETRY_AFTER_MS = RETRY_AFTER_MINUTES * 60_000;

type EventKind = 'report' | 'interval' | 'change' | 'vulnerable';
interface SimEvent {
  at: number;
  device: number;
  kind: EventKind;
}

/** A binary min-heap of events by time: 100,000 browsers' next events, the soonest on top. */
class Events {
  readonly #heap: SimEvent[] = [];

  push(event: SimEvent): void {
    const h = this.#heap;
    h.push(event);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= h[i]!.at) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  /** The soonest event if it is due by `now`. */
  due(now: number): SimEvent | undefined {
    const h = this.#heap;
    if (h.length === 0 || h[0]!.at > now) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** What one measuring window saw from the browsers' side. */
export interface WindowStats {
  seconds: number;
  /** Reports the relays accepted (202). */
  accepted: number;
  /** Every answer that was not a 202, by status and code, and failures to connect. */
  refused: Map<string, number>;
  /** Milliseconds from sending each accepted report to its answer. */
  latencies: number[];
  /** Milliseconds from sending a report that turned its browser highly vulnerable to its alert reaching the SMTP server. */
  alertLatencies: number[];
  /** Alerts still unseen at the window's end (their reports were sent in it or before). */
  alertsWaiting: number;
}

export interface SimulationOptions {
  /** The relays' base URLs: reports go round-robin, as a load balancer sends them. */
  urls: string[];
  enrollmentToken: string;
  shape?: Partial<FleetShape>;
  /** Connections per relay (browsers each open their own; a pool this size stands for them). */
  connections?: number;
  seed?: number;
}

/**
 * Browsers reporting as the extension does: a start-up report, then one each interval (a random phase in it, since
 * browsers start at different times of day), one COALESCE_MS after each change, signed when sent; a 429 RATE_LIMITED
 * retried two minutes later and any other failure kept in the queue for the next run, as reporting.ts does.
 */
export class Simulation {
  readonly devices: SimDevice[] = [];
  readonly shape: FleetShape;
  readonly #options: SimulationOptions;
  readonly #random: () => number;
  readonly #population;
  #events = new Events();
  readonly #pools: Pool[];
  #next = 0;
  #timer: NodeJS.Timeout | null = null;
  #window = this.#emptyWindow();
  #windowStart = performance.now();
  /** Browsers whose alert is awaited, by id: when the report that made them vulnerable was sent. */
  readonly #alertFrom = new Map<string, number>();
  #mailsRead = 0;
  #inFlight = 0;

  constructor(options: SimulationOptions) {
    this.#options = options;
    this.shape = { ...DEFAULT_SHAPE, ...options.shape };
    this.#random = seeded(options.seed ?? 1);
    this.#population = extensionPopulation(600, this.#random);
    this.#pools = options.urls.map((url) => new Pool(url, { connections: options.connections ?? 64, pipelining: 1 }));
  }

  /** Reports sent and not yet answered (a backlog beyond the connections waits in the simulator, as in browsers' queues). */
  get inFlight(): number {
    return this.#inFlight;
  }

  get waitingAlerts(): number {
    return this.#alertFrom.size;
  }

  /** Browsers that have had a report accepted. */
  get enrolled(): number {
    return this.devices.reduce((n, d) => n + (d.enrolled ? 1 : 0), 0);
  }

  /** Adds browsers until there are `total`, starting up over the next `rampMs`. */
  grow(total: number, rampMs: number): void {
    const now = performance.now();
    for (let n = this.devices.length; n < total; n++) {
      this.devices.push(makeDevice(n, this.#population, this.#random));
      const start = now + this.#random() * rampMs;
      this.#events.push({ at: start, device: n, kind: 'report' });
      this.#schedule(n, start);
    }
  }

  /** Runs the clock `speed` times faster from now on: every browser's next interval and change drawn again. */
  setSpeed(speed: number): void {
    this.shape.speed = speed;
    this.#events = new Events();
    const now = performance.now();
    for (let n = 0; n < this.devices.length; n++) this.#schedule(n, now);
  }

  /** A browser's next interval (at a random phase of it), change and turn to vulnerable, from `from`. */
  #schedule(n: number, from: number): void {
    const { speed, intervalMinutes, changesPerHour, vulnerablePerHour } = this.shape;
    this.#events.push({ at: from + (this.#random() * intervalMinutes * 60_000) / speed, device: n, kind: 'interval' });
    this.#events.push({ at: from + poissonWait(this.#random, changesPerHour, speed), device: n, kind: 'change' });
    if (!this.devices[n]!.vulnerable) this.#events.push({ at: from + poissonWait(this.#random, vulnerablePerHour, speed), device: n, kind: 'vulnerable' });
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), 10);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.all(this.#pools.map((p) => p.close()));
  }

  /** Reads the mails the SMTP server took since last asked: each simulated browser named in one has had its alert. */
  readMail(received: readonly { raw: string }[]): void {
    const now = performance.now();
    for (; this.#mailsRead < received.length; this.#mailsRead++) {
      for (const [id] of decoded(received[this.#mailsRead]!.raw).matchAll(/sim-\d{6}/g)) {
        const from = this.#alertFrom.get(id);
        if (from === undefined) continue;
        this.#window.alertLatencies.push(now - from);
        this.#alertFrom.delete(id);
      }
    }
  }

  /** What the browsers saw since the last window, which ends now. */
  takeWindow(): WindowStats {
    const window = { ...this.#window, seconds: (performance.now() - this.#windowStart) / 1000, alertsWaiting: this.#alertFrom.size };
    this.#window = this.#emptyWindow();
    this.#windowStart = performance.now();
    return window;
  }

  #emptyWindow(): WindowStats {
    return { seconds: 0, accepted: 0, refused: new Map(), latencies: [], alertLatencies: [], alertsWaiting: 0 };
  }

  #tick(): void {
    const now = performance.now();
    const { speed, intervalMinutes, jitter, changesPerHour } = this.shape;
    for (let event = this.#events.due(now); event; event = this.#events.due(now)) {
      const device = this.devices[event.device]!;
      switch (event.kind) {
        case 'report':
          void this.#report(event.device);
          break;
        case 'interval': {
          void this.#report(event.device);
          const period = ((intervalMinutes * 60_000) / speed) * (1 + jitter * (2 * this.#random() - 1));
          this.#events.push({ at: event.at + period, device: event.device, kind: 'interval' });
          break;
        }
        case 'change':
          device.change(this.#random);
          this.#events.push({ at: now + COALESCE_MS, device: event.device, kind: 'report' });
          this.#events.push({ at: event.at + poissonWait(this.#random, changesPerHour, speed), device: event.device, kind: 'change' });
          break;
        case 'vulnerable':
          device.turnVulnerable();
          this.#events.push({ at: now + COALESCE_MS, device: event.device, kind: 'report' });
          break;
      }
    }
  }

  /** The extension's report(): one run at a time per browser, and a call during a run makes one more after it. */
  async #report(index: number): Promise<void> {
    const device = this.devices[index]!;
    if (device.running) {
      device.again = true;
      return;
    }
    device.running = true;
    try {
      do {
        device.again = false;
        await this.#run(index);
      } while (device.again);
    } finally {
      device.running = false;
    }
  }

  async #run(index: number): Promise<void> {
    const device = this.devices[index]!;
    device.queue = [...device.queue, device.collect()].slice(-QUEUE_LIMIT);
    while (device.queue.length > 0) {
      const report = device.queue[0]!;
      const { body, headers } = device.signed(report);
      const pool = this.#pools[this.#next++ % this.#pools.length]!;
      const sentAt = performance.now();
      if (device.vulnerable && device.vulnerableAt !== null && !this.#alertFrom.has(device.id)) {
        this.#alertFrom.set(device.id, sentAt);
        device.vulnerableAt = null;
      }
      let status: number;
      let code = '';
      this.#inFlight++;
      try {
        const res = await pool.request({
          method: 'POST',
          path: `${API_PREFIX}/reports`,
          headers: { Authorization: `Bearer ${this.#options.enrollmentToken}`, 'Content-Type': 'application/json', ...headers },
          body,
        });
        status = res.statusCode;
        const text = await res.body.text();
        if (status !== 202) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? '';
      } catch (err) {
        this.#count(`no answer: ${(err as Error).message}`);
        return; // unreachable: the queue waits for the next run
      } finally {
        this.#inFlight--;
      }
      if (status === 202) {
        this.#window.accepted++;
        this.#window.latencies.push(performance.now() - sentAt);
        device.enrolled = true;
      } else {
        this.#count(`${status} ${code}`);
        if (!INVALID_REPORT.has(code)) {
          if (code === 'RATE_LIMITED') this.#events.push({ at: performance.now() + RETRY_AFTER_MS / this.shape.speed, device: index, kind: 'report' });
          return;
        }
      }
      device.queue = device.queue.slice(1);
    }
  }

  #count(what: string): void {
    this.#window.refused.set(what, (this.#window.refused.get(what) ?? 0) + 1);
  }
}
