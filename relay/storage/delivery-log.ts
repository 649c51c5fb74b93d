import type { ErrorCode } from '../../shared/errors';
import type { Db } from './db';
import type { DeliveryLogStorage, DeliveryRecord } from './stores';

export const DELIVERY_NAME = 'delivery';

export const NO_DELIVERY: DeliveryRecord = { lastDeliveredAt: null, lastFailure: null };

/** Two relays' records as one: the latest delivery and the latest failure of either. */
export function mergeDeliveries(a: DeliveryRecord, b: DeliveryRecord): DeliveryRecord {
  const delivered = Math.max(a.lastDeliveredAt ?? -Infinity, b.lastDeliveredAt ?? -Infinity);
  const failure = (a.lastFailure?.at ?? -Infinity) >= (b.lastFailure?.at ?? -Infinity) ? a.lastFailure : b.lastFailure;
  return { lastDeliveredAt: Number.isFinite(delivered) ? delivered : null, lastFailure: failure };
}

/** Successes are written at most this often (on either engine): the time of the last delivery is for people, not worth a disk flush per mail. */
export const WRITE_EVERY_MS = 5_000;

/** The outcome of the latest sends, for the admin's status panel. */
export class DeliveryLog implements DeliveryLogStorage {
  readonly #db: Db;
  #current: DeliveryRecord | null = null;
  #writtenAt = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  get(): DeliveryRecord {
    if (this.#current) return this.#current;
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(DELIVERY_NAME) as { value: string } | undefined;
    this.#current = row ? (JSON.parse(row.value) as DeliveryRecord) : NO_DELIVERY;
    return this.#current;
  }

  delivered(at: number): void {
    this.#current = { ...this.get(), lastDeliveredAt: at };
    if (at - this.#writtenAt >= WRITE_EVERY_MS) this.#put(this.#current, at);
  }

  failed(code: ErrorCode, at: number): void {
    this.#current = { ...this.get(), lastFailure: { code, at } };
    this.#put(this.#current, at);
  }

  /** Writes what was held back (at shutdown). */
  flush(): void {
    if (this.#current) this.#put(this.#current, Date.now());
  }

  #put(record: DeliveryRecord, at: number): void {
    this.#writtenAt = at;
    this.#db
      .prepare(
        `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(DELIVERY_NAME, JSON.stringify(record), new Date().toISOString());
  }
}
