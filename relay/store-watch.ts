import { statfsSync } from 'node:fs';
import { storeBudget, type BudgetState } from './domain/store-budget';
import type { Logger } from './log';
import type { Metrics } from './metrics';
import type { Stores } from './storage/stores';

/** How often the store's size and the volume's free space are measured: at most this much late, a few MB over. */
export const STORE_MEASURE_EVERY_MS = 30_000;

/**
 * Measures the store against its budget now and then (domain/store-budget.ts), so that admitting a new device costs no
 * query: the answer is at most STORE_MEASURE_EVERY_MS old.
 */
export class StoreWatch {
  #state: BudgetState = { admitsNew: true, warns: false, detail: 'not measured yet' };
  #timer: NodeJS.Timeout | null = null;
  #measuredAt = Number.NEGATIVE_INFINITY;
  #measuring: Promise<BudgetState> | null = null;

  constructor(
    private readonly o: {
      stores: Pick<Stores, 'sizeBytes'>;
      budgetBytes: number;
      /** The data directory whose volume holds the store (SQLite); null when the relay cannot see it (PostgreSQL). */
      volume: string | null;
      logger: Logger;
      metrics: Pick<Metrics, 'storeBytes' | 'storeBudgetBytes'>;
    },
  ) {}

  get state(): BudgetState {
    return this.#state;
  }

  /**
   * The state, measured again if older than `maxAgeMs`: what readiness answers, however often it is asked (anyone may
   * ask /readyz; concurrent askers share one measurement).
   */
  async current(maxAgeMs = 5_000): Promise<BudgetState> {
    return Date.now() - this.#measuredAt < maxAgeMs ? this.#state : this.measure();
  }

  /** Measures now, or joins the measurement under way. */
  measure(): Promise<BudgetState> {
    this.#measuring ??= this.#measure().finally(() => (this.#measuring = null));
    return this.#measuring;
  }

  async #measure(): Promise<BudgetState> {
    const storeBytes = await this.o.stores.sizeBytes();
    const stats = this.o.volume ? statfsSync(this.o.volume) : null;
    const before = this.#state;
    this.#measuredAt = Date.now();
    this.#state = storeBudget({ storeBytes, freeBytes: stats ? stats.bavail * stats.bsize : null, budgetBytes: this.o.budgetBytes });
    this.o.metrics.storeBytes.set(storeBytes);
    this.o.metrics.storeBudgetBytes.set(this.o.budgetBytes);
    if (before.admitsNew && !this.#state.admitsNew)
      this.o.logger.error({ detail: this.#state.detail }, 'the store reached its budget: new devices are refused');
    else if (!before.warns && this.#state.warns) this.o.logger.warn({ detail: this.#state.detail }, 'the store is close to its budget');
    return this.#state;
  }

  start(): void {
    const again = () =>
      void this.measure().catch((err: unknown) => this.o.logger.warn({ error: (err as Error).message }, "the store's size could not be measured"));
    again();
    this.#timer = setInterval(again, STORE_MEASURE_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
