import type { Pool } from 'pg';
import type { SharedSendLimits } from '../stores';

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
    const result = await this.#pool.query('UPDATE send_slots SET lease_until = $4 WHERE mailbox = $1 AND slot = $2 AND holder = $3', [
      mailbox,
      slot,
      holder,
      now + leaseMs,
    ]);
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
      // Whole milliseconds, as stored: an interval rounded up keeps the pace under the limit.
      [mailbox, Math.floor(now), Math.ceil(intervalMs)],
    );
    return rows[0]!.at;
  }
}

/** How long a slot is held without a renewal: a relay that died gives it back after this. */
export const SLOT_LEASE_MS = 120_000;
/** How often a send waiting for a slot looks again. */
const SLOT_POLL_MS = 100;

/** The mail sender's view of the shared limits (delivery/mail-sender.ts), for one relay. */
export function sharedSendLimits(limits: PostgresSendLimits, holder: string, now: () => number = Date.now): SharedSendLimits {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    async slot(mailbox, limit) {
      let slot: number | null;
      while ((slot = await limits.acquire(mailbox, limit, holder, now(), SLOT_LEASE_MS)) === null) await sleep(SLOT_POLL_MS);
      return {
        renew: () => limits.renew(mailbox, slot!, holder, now(), SLOT_LEASE_MS),
        release: () => limits.release(mailbox, slot!, holder),
      };
    },
    async turn(mailbox, intervalMs) {
      const at = await limits.nextSendAt(mailbox, now(), intervalMs);
      if (at > now()) await sleep(at - now());
    },
  };
}
