import * as v from 'valibot';
import { AlertPolicy, DEFAULT_POLICY } from '../../shared/alert-policy';
import type { Db } from './db';
import type { PolicyStorage } from './stores';

export const POLICY_NAME = 'alert-policy';

/** A stored policy, re-validated when read: one saved by an older relay gets the defaults of fields added since. */
export const readPolicy = (json: string): AlertPolicy => v.parse(AlertPolicy, JSON.parse(json));

/** The alert policy, as JSON in the settings table; the default until an admin saves one. */
export class PolicyStore implements PolicyStorage {
  readonly #db: Db;
  #cached: AlertPolicy | null = null;

  constructor(db: Db) {
    this.#db = db;
  }

  get(): AlertPolicy {
    if (this.#cached) return this.#cached;
    const row = this.#db.prepare('SELECT value FROM settings WHERE name = ?').get(POLICY_NAME) as { value: string } | undefined;
    this.#cached = row ? readPolicy(row.value) : DEFAULT_POLICY;
    return this.#cached;
  }

  save(policy: AlertPolicy): void {
    this.#db
      .prepare(
        `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(POLICY_NAME, JSON.stringify(policy), new Date().toISOString());
    this.#cached = policy;
  }
}
