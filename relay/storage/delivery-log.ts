import type { ErrorCode } from '../../shared/errors';
import type { Db } from './db';

export interface DeliveryRecord {
  lastDeliveredAt: number | null;
  lastFailure: { code: ErrorCode; at: number } | null;
}

const NAME = 'delivery';

/** The outcome of the latest sends, for the admin's status panel. */
export class DeliveryLog {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  get(): DeliveryRecord {
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(NAME) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as DeliveryRecord) : { lastDeliveredAt: null, lastFailure: null };
  }

  delivered(at: number): void {
    this.#put({ ...this.get(), lastDeliveredAt: at });
  }

  failed(code: ErrorCode, at: number): void {
    this.#put({ ...this.get(), lastFailure: { code, at } });
  }

  #put(record: DeliveryRecord): void {
    this.#db
      .prepare(
        `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(NAME, JSON.stringify(record), new Date().toISOString());
  }
}
