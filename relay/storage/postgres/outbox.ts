import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { AlertItem, AlertState } from '../../../shared/fleet';
import { alertItem, MAX_BATCH_BYTES, readBatch, type OutboxRow } from '../outbox-store';
import type { Batch, OutboxStats, OutboxStorage } from '../stores';
import { transaction } from './pool';

/** The advisory locks' key space for batches: (BATCH_LOCKS, hash of the batch id). */
const BATCH_LOCKS = 0x474d_0003;
/** Held while a relay forms a new batch from the pending alerts, so that one grouping window is one mail, not one per relay. */
const NEW_BATCH_LOCK = 0x474d_0002;

/**
 * The alert outbox on PostgreSQL, shared by every relay: the same states, leases and batch ids as the SQLite store
 * (../outbox-store.ts), so an alert goes out as on one relay. Claims take row locks and skip what another relay holds
 * (FOR UPDATE SKIP LOCKED); a relay killed mid-send leaves its lease to expire, and another takes the batch under the
 * same id, so the same Message-ID.
 */
export class PostgresOutbox implements OutboxStorage {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  claim(now: number, leaseMs: number, maxBatch: number): Promise<Batch | null> {
    return transaction(this.#pool, async (client) => {
      // A batch whose every alert turns out unreadable is no batch: the next one is looked for.
      for (;;) {
        const batchId = (await this.#takeAgain(client, now, leaseMs)) ?? (await this.#takePending(client, now, leaseMs, maxBatch));
        if (!batchId) return null;
        const { rows } = await client.query<{ id: number; payload: string; attempts: number }>('SELECT id, payload, attempts FROM outbox WHERE batch_id = $1 ORDER BY id', [batchId]);
        const { alerts, unreadable } = readBatch(rows);
        for (const { id, error } of unreadable) {
          await client.query("UPDATE outbox SET state = 'failed', batch_id = NULL, lease_until = NULL, last_error = $1 WHERE id = $2", [error, id]);
        }
        if (alerts.length > 0) return { batchId, alerts };
      }
    });
  }

  /**
   * A batch whose lease expired (its relay died) or whose retry is due, under its own id. A batch is many rows, so it is
   * taken under an advisory lock of its own (row locks taken one row at a time by two relays could deadlock), and the
   * update checks again that it is still to take: another relay may have taken it and committed a moment before.
   */
  async #takeAgain(client: PoolClient, now: number, leaseMs: number): Promise<string | null> {
    const { rows } = await client.query<{ batch_id: string }>(
      `SELECT batch_id FROM outbox WHERE (state = 'running' AND lease_until < $1) OR (state = 'pending_retry' AND due_at <= $1)
       GROUP BY batch_id ORDER BY min(due_at) LIMIT 20`,
      [now],
    );
    for (const { batch_id: batchId } of rows) {
      const { rows: [lock] } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked', [BATCH_LOCKS, batchId]);
      if (!lock?.locked) continue;
      const taken = await client.query(
        `UPDATE outbox SET state = 'running', lease_until = $1
         WHERE batch_id = $2 AND ((state = 'running' AND lease_until < $3) OR (state = 'pending_retry' AND due_at <= $3))`,
        [now + leaseMs, batchId, now],
      );
      if (taken.rowCount) return batchId;
    }
    return null;
  }

  /**
   * Once the oldest pending alert is due (and no batch waits for a retry: later alerts then wait with it), every pending
   * alert rides along, as on SQLite. Only one relay forms a batch at a time: two scanning the pending rows together with
   * SKIP LOCKED could each lock part of them and send one window as two mails.
   */
  async #takePending(client: PoolClient, now: number, leaseMs: number, maxBatch: number): Promise<string | null> {
    // Waited for, not tried: another relay holds it only while it forms a batch (the mail goes out after the commit),
    // and a relay that gave up would leave the next batch to a later poll.
    await client.query('SELECT pg_advisory_xact_lock($1)', [NEW_BATCH_LOCK]);
    const due = await client.query(
      "SELECT 1 FROM outbox WHERE state = 'pending' AND due_at <= $1 AND NOT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending_retry') LIMIT 1",
      [now],
    );
    if (!due.rowCount) return null;
    const batchId = randomUUID();
    // Pending rows locked elsewhere (an admin's retry, a split giving alerts back) are left to the next pass.
    const taken = await client.query(
      `UPDATE outbox SET state = 'running', batch_id = $1, lease_until = $2
       WHERE id IN (SELECT id FROM (SELECT id, sum(length(payload)) OVER (ORDER BY id) - length(payload) AS before
                                    FROM (SELECT id, payload FROM outbox WHERE state = 'pending' ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) AS locked) AS sized
                    WHERE before < $4)`,
      [batchId, now + leaseMs, maxBatch, MAX_BATCH_BYTES],
    );
    return taken.rowCount ? batchId : null;
  }

  /** The mail was accepted: its alerts are sent, and their devices' cooldown starts now. */
  async sent(batchId: string, now: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query("UPDATE outbox SET state = 'sent', sent_at = $1, lease_until = NULL, last_error = NULL, attempts = attempts + 1 WHERE batch_id = $2", [now, batchId]);
      await client.query('UPDATE devices SET last_alerted_at = $1 WHERE id IN (SELECT device_id FROM outbox WHERE batch_id = $2)', [now, batchId]);
    });
  }

  async pruneSent(cutoff: number): Promise<number> {
    return (await this.#pool.query("DELETE FROM outbox WHERE state = 'sent' AND sent_at < $1", [cutoff])).rowCount ?? 0;
  }

  async retryFailed(now: number): Promise<number> {
    const result = await this.#pool.query(
      "UPDATE outbox SET state = 'pending', batch_id = NULL, due_at = $1, first_due_at = $1, attempts = 0, lease_until = NULL, last_error = NULL WHERE state = 'failed'",
      [now],
    );
    return result.rowCount ?? 0;
  }

  async retryNow(now: number): Promise<number> {
    return (await this.#pool.query("UPDATE outbox SET due_at = $1 WHERE state = 'pending_retry' AND due_at > $1", [now])).rowCount ?? 0;
  }

  /** As on SQLite: what waited longer than the queue lifetime fails; a batch that keeps alerts goes on under a new id. */
  expire(cutoff: number, lifetime: string): Promise<number> {
    return transaction(this.#pool, async (client) => {
      const { rows: batches } = await client.query<{ batch_id: string }>(
        "SELECT DISTINCT batch_id FROM outbox WHERE state IN ('pending', 'pending_retry') AND first_due_at < $1 AND batch_id IS NOT NULL",
        [cutoff],
      );
      const expired = await client.query(
        `UPDATE outbox SET state = 'failed', lease_until = NULL,
           last_error = 'ALERT_EXPIRED: not delivered within ' || $2 || '; last error: ' || coalesce(last_error, 'none, it waited for an admin')
         WHERE state IN ('pending', 'pending_retry') AND first_due_at < $1`,
        [cutoff, lifetime],
      );
      for (const { batch_id } of batches) await client.query("UPDATE outbox SET batch_id = $1 WHERE batch_id = $2 AND state = 'pending_retry'", [randomUUID(), batch_id]);
      return expired.rowCount ?? 0;
    });
  }

  /** Too large: the first half stays the batch and is due now; the second half rejoins the pending alerts. */
  async split(batchId: string, now: number): Promise<void> {
    await transaction(this.#pool, async (client) => {
      const { rows } = await client.query<{ id: number }>('SELECT id FROM outbox WHERE batch_id = $1 ORDER BY id', [batchId]);
      const released = rows.slice(Math.ceil(rows.length / 2)).map((r) => r.id);
      await client.query("UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE id = ANY($1)", [released]);
      await client.query("UPDATE outbox SET state = 'pending_retry', due_at = $1, lease_until = NULL WHERE batch_id = $2", [now, batchId]);
    });
  }

  async retryLater(batchId: string, error: string, retryAt: number): Promise<void> {
    await this.#pool.query("UPDATE outbox SET state = 'pending_retry', due_at = $1, lease_until = NULL, last_error = $2, attempts = attempts + 1 WHERE batch_id = $3", [retryAt, error, batchId]);
  }

  async failed(batchId: string, error: string): Promise<void> {
    await this.#pool.query("UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = $1, attempts = attempts + 1 WHERE batch_id = $2", [error, batchId]);
  }

  /**
   * Unlike one relay on its own SQLite store, a relay starting here cannot tell its dead predecessor's batches from
   * those other relays are sending: none is taken back early; each comes back when its lease expires.
   */
  recoverInterrupted(): Promise<number> {
    return Promise.resolve(0);
  }

  async release(batchId: string): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query("UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE batch_id = $1 AND attempts = 0", [batchId]);
      await client.query("UPDATE outbox SET state = 'pending_retry', lease_until = NULL WHERE batch_id = $1 AND state = 'running'", [batchId]);
    });
  }

  async stats(now: number): Promise<OutboxStats> {
    const { rows: [row] } = await this.#pool.query<{ pending: number; failed: number; oldest: number | null }>(
      `SELECT count(*) FILTER (WHERE state IN ('pending', 'pending_retry', 'running'))::int AS pending, count(*) FILTER (WHERE state = 'failed')::int AS failed,
         min(first_due_at) FILTER (WHERE state IN ('pending', 'pending_retry', 'running') AND first_due_at <= $1) AS oldest
       FROM outbox`,
      [now],
    );
    return { pending: row!.pending, failed: row!.failed, oldestDueAgeSeconds: row!.oldest === null ? null : Math.floor((now - row!.oldest) / 1000) };
  }

  async waitingError(): Promise<string | null> {
    const { rows } = await this.#pool.query<{ last_error: string }>(
      "SELECT last_error FROM outbox WHERE state IN ('pending', 'pending_retry', 'running') AND last_error IS NOT NULL ORDER BY first_due_at, id LIMIT 1",
    );
    return rows[0]?.last_error ?? null;
  }

  async list(limit: number, state?: AlertState): Promise<AlertItem[]> {
    const { rows } = state
      ? await this.#pool.query<OutboxRow>('SELECT * FROM outbox WHERE state = $1 ORDER BY id DESC LIMIT $2', [state, limit])
      : await this.#pool.query<OutboxRow>('SELECT * FROM outbox ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(alertItem);
  }
}
