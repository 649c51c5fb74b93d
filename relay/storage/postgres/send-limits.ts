import type { Pool } from 'pg';

/**
 * A provider's per-mailbox limits held by all relays together, not by each (3 connections to an Exchange mailbox are
 * 3 in all). A slot is a connection or a request in flight, leased so that a relay that dies gives it back; the pace
 * hands out send times one interval apart.
 */
export class PostgresSendLimits {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** One of `limit` slots for `mailbox`, or null when every one is held; the lease must be renewed while it is used. */
  async acquire(mailbox: string, limit: number, holder: string, now: number, leaseMs: number): Promise<number | null> {
    await this.#pool.query('INSERT INTO send_slots (mailbox, slot) SELECT $1, g FROM generate_series(0, $2 - 1) AS g ON CONFLICT DO NOTHING', [mailbox, limit]);
    const { rows } = await this.#pool.query<{ slot: number }>(
      `UPDATE send_slots SET holder = $3, lease_until = $4
       WHERE mailbox = $1 AND slot = (
         SELECT slot FROM send_slots WHERE mailbox = $1 AND slot < $2 AND (holder IS NULL OR lease_until < $5)
         ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING slot`,
      [mailbox, limit, holder, now + leaseMs, now],
    );
    return rows[0]?.slot ?? null;
  }

  /** Keeps a slot while its connection lives; false when the lease had expired and another relay took it. */
  async renew(mailbox: string, slot: number, holder: string, now: number, leaseMs: number): Promise<boolean> {
    const result = await this.#pool.query('UPDATE send_slots SET lease_until = $4 WHERE mailbox = $1 AND slot = $2 AND holder = $3', [mailbox, slot, holder, now + leaseMs]);
    return result.rowCount === 1;
  }

  async release(mailbox: string, slot: number, holder: string): Promise<void> {
    await this.#pool.query('UPDATE send_slots SET holder = NULL, lease_until = NULL WHERE mailbox = $1 AND slot = $2 AND holder = $3', [mailbox, slot, holder]);
  }

  /**
   * When this send may go: the next free time of the mailbox's pace (never earlier than now), which moves on by
   * `intervalMs` in the same statement, so two relays never get the same time.
   */
  async nextSendAt(mailbox: string, now: number, intervalMs: number): Promise<number> {
    const { rows } = await this.#pool.query<{ at: number }>(
      `INSERT INTO send_pace (mailbox, next_at) VALUES ($1, $2::bigint + $3::bigint)
       ON CONFLICT (mailbox) DO UPDATE SET next_at = GREATEST(send_pace.next_at, $2::bigint) + $3::bigint
       RETURNING next_at - $3::bigint AS at`,
      [mailbox, now, intervalMs],
    );
    return rows[0]!.at;
  }
}
