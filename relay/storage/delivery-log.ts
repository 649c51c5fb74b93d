import type { ErrorCode } from '../../shared/errors';
import type { Db } from './db';

export interface DeliveryRecord {
  lastDeliveredAt: number | null;
  lastFailure: { code: ErrorCode; at: number } | null;
}

const NAME = 'delivery';

/** Successes are written at most this often: the time of the last delivery is for people, not worth a disk flush per mail. */
const WRITE_EVERY_MS = 5_000;

/** The outcome of the latest sends, for the admin's status panel. */
export class DeliveryLog {
  readonly #db: Db;
  #current: DeliveryRecord | null = null;
  #writtenAt = 0;

  constructor(db: Db) {
    this.#db = db;
  }

  get(): DeliveryRecord {
    if (this.#current) return this.#current;
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(NAME) as { value: string } | undefined;
    this.#current = row ? (JSON.parse(row.value) as DeliveryRecord) : { lastDeliveredAt: null, lastFailure: null };
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
      .run(NAME, JSON.stringify(record), new Date().toISOString());
  }
}
