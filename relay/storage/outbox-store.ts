import { randomUUID } from 'node:crypto';
import type { AlertItem, AlertState } from '../../shared/fleet';
import type { Db } from './db';
import type { Batch, OutboxStats, OutboxStorage } from './stores';
import * as v from 'valibot';
import { AlertPayloadSchema, type AlertPayload } from '../domain/judgement';

export interface OutboxRow {
  id: number;
  device_id: string;
  payload: string;
  state: AlertState;
  created_at: number;
  sent_at: number | null;
  attempts: number;
  last_error: string | null;
  batch_id: string | null;
}

/**
 * The durable alert outbox. The worker claims a batch under a lease; a worker that dies leaves the lease to expire and
 * the same batch (same id, so the same Message-ID) is taken again. Nothing leaves the table except as sent or failed.
 */
export class OutboxStore implements OutboxStorage {
  readonly #db: Db;
  readonly #claim: (now: number, leaseMs: number, maxBatch: number) => Batch | null;

  constructor(db: Db) {
    this.#db = db;
    const rowsOfBatch = db.prepare('SELECT id, payload, attempts FROM outbox WHERE batch_id = ? ORDER BY id');
    const lease = db.prepare("UPDATE outbox SET state = 'running', lease_until = ? WHERE batch_id = ?");
    const expiredOrRetry = db.prepare(
      "SELECT batch_id FROM outbox WHERE (state = 'running' AND lease_until < @now) OR (state = 'pending_retry' AND due_at <= @now) ORDER BY due_at LIMIT 1",
    );
    // While a batch waits for its retry, delivery is failing: later alerts wait with it, and go out together once
    // mail flows again, in one mail, not in one mail per grouping window of the outage.
    const firstDue = db.prepare(
      "SELECT 1 FROM outbox WHERE state = 'pending' AND due_at <= ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending_retry') LIMIT 1",
    );
    // Once the oldest alert is due, everything pending rides along: one mail per grouping window, of at most @max alerts
    // and MAX_BATCH_BYTES of them (the first always), so that loading a batch stays bounded whatever was stored. The
    // limit comes before the sizes are summed, so a long backlog's payloads are not all read for each batch.
    const takePending = db.prepare(
      `UPDATE outbox SET state = 'running', batch_id = @batch, lease_until = @lease WHERE id IN (
         SELECT id FROM (SELECT id, sum(length(payload)) OVER (ORDER BY id) - length(payload) AS before
                         FROM (SELECT id, payload FROM outbox WHERE state = 'pending' ORDER BY id LIMIT @max))
         WHERE before < ${MAX_BATCH_BYTES})`,
    );

    const unreadable = db.prepare("UPDATE outbox SET state = 'failed', batch_id = NULL, lease_until = NULL, last_error = ? WHERE id = ?");

    this.#claim = db.transaction((now: number, leaseMs: number, maxBatch: number): Batch | null => {
      // A batch whose every alert turns out unreadable is no batch: the next one is looked for.
      for (;;) {
        const again = expiredOrRetry.get({ now }) as { batch_id: string } | undefined;
        let batchId: string;
        if (again) {
          batchId = again.batch_id;
          lease.run(now + leaseMs, batchId);
        } else if (firstDue.get(now)) {
          batchId = randomUUID();
          takePending.run({ batch: batchId, lease: now + leaseMs, max: maxBatch });
        } else {
          return null;
        }
        const { alerts, unreadable: failed } = readBatch(rowsOfBatch.all(batchId) as { id: number; payload: string; attempts: number }[]);
        for (const { id, error } of failed) unreadable.run(error, id);
        if (alerts.length > 0) return { batchId, alerts };
      }
    });
  }

  claim(now: number, leaseMs: number, maxBatch: number): Batch | null {
    return this.#claim(now, leaseMs, maxBatch);
  }

  /** The mail was accepted: its alerts are sent, and their devices' cooldown starts now. */
  sent(batchId: string, now: number): void {
    this.#db.transaction(() => {
      this.#db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, lease_until = NULL, last_error = NULL, attempts = attempts + 1 WHERE batch_id = ?").run(now, batchId);
      this.#db.prepare('UPDATE devices SET last_alerted_at = ? WHERE id IN (SELECT device_id FROM outbox WHERE batch_id = ?)').run(now, batchId);
    })();
  }

  /** Forgets alerts sent before `cutoff` (retention); answers how many. Waiting and failed ones are kept. */
  pruneSent(cutoff: number): number {
    return this.#db.prepare("DELETE FROM outbox WHERE state = 'sent' AND sent_at < ?").run(cutoff).changes;
  }

  /** An admin's retry: failed alerts join the next mail, with their attempts and their wait counted afresh. Answers how many. */
  retryFailed(now: number): number {
    return this.#db
      .prepare("UPDATE outbox SET state = 'pending', batch_id = NULL, due_at = @now, first_due_at = @now, attempts = 0, lease_until = NULL, last_error = NULL WHERE state = 'failed'")
      .run({ now }).changes;
  }

  /** An admin changed what delivery depends on (the settings, the account, the recipients): waiting batches are due now. */
  retryNow(now: number): number {
    return this.#db.prepare("UPDATE outbox SET due_at = ? WHERE state = 'pending_retry' AND due_at > ?").run(now, now).changes;
  }

  /**
   * Alerts due since before `cutoff` and still not delivered fail with `ALERT_EXPIRED` and the error that kept them (the
   * queue lifetime). A batch losing only some of its alerts goes on under a new id: the mail it sends is not the one
   * its old Message-ID named. Answers how many alerts expired.
   */
  expire(cutoff: number, lifetime: string): number {
    return this.#db.transaction(() => {
      const batches = this.#db
        .prepare("SELECT DISTINCT batch_id FROM outbox WHERE state IN ('pending', 'pending_retry') AND first_due_at < ? AND batch_id IS NOT NULL")
        .all(cutoff) as { batch_id: string }[];
      const expired = this.#db
        .prepare(
          `UPDATE outbox SET state = 'failed', lease_until = NULL,
             last_error = 'ALERT_EXPIRED: not delivered within ' || @lifetime || '; last error: ' || coalesce(last_error, 'none, it waited for an admin')
           WHERE state IN ('pending', 'pending_retry') AND first_due_at < @cutoff`,
        )
        .run({ cutoff, lifetime }).changes;
      const renew = this.#db.prepare("UPDATE outbox SET batch_id = ? WHERE batch_id = ? AND state = 'pending_retry'");
      for (const { batch_id } of batches) renew.run(randomUUID(), batch_id);
      return expired;
    })();
  }

  /**
   * The server refused the mail as too large: the first half stays the batch (nothing went out under its Message-ID)
   * and is due now; the second half rejoins the waiting alerts, to go in the next mail.
   */
  split(batchId: string, now: number): void {
    this.#db.transaction(() => {
      const ids = (this.#db.prepare('SELECT id FROM outbox WHERE batch_id = ? ORDER BY id').all(batchId) as { id: number }[]).map((r) => r.id);
      const released = ids.slice(Math.ceil(ids.length / 2));
      const release = this.#db.prepare("UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE id = ?");
      for (const id of released) release.run(id);
      this.#db.prepare("UPDATE outbox SET state = 'pending_retry', due_at = ?, lease_until = NULL WHERE batch_id = ?").run(now, batchId);
    })();
  }

  /** A temporary failure: the same batch is tried again at `retryAt`. */
  retryLater(batchId: string, error: string, retryAt: number): void {
    this.#db
      .prepare("UPDATE outbox SET state = 'pending_retry', due_at = ?, lease_until = NULL, last_error = ?, attempts = attempts + 1 WHERE batch_id = ?")
      .run(retryAt, error, batchId);
  }

  /** A permanent failure: it stops, with its reason, for the admins to see. */
  failed(batchId: string, error: string): void {
    this.#db.prepare("UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = ?, attempts = attempts + 1 WHERE batch_id = ?").run(error, batchId);
  }

  /**
   * At start-up no send can be in flight, since one relay owns its store: batches a killed process left running are
   * due again now, under their batch id and so their Message-ID, instead of after their lease.
   */
  recoverInterrupted(now: number): number {
    return this.#db.prepare("UPDATE outbox SET state = 'pending_retry', due_at = ?, lease_until = NULL WHERE state = 'running'").run(now).changes;
  }

  /**
   * Gives a batch back untouched (re-authorization required): not an attempt, not a failure. Nothing went out under
   * its id, so its alerts rejoin the pending ones and leave together once sending can resume.
   */
  release(batchId: string): void {
    this.#db.transaction(() => {
      this.#db.prepare("UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE batch_id = ? AND attempts = 0").run(batchId);
      this.#db.prepare("UPDATE outbox SET state = 'pending_retry', lease_until = NULL WHERE batch_id = ? AND state = 'running'").run(batchId);
    })();
  }

  /** Counts, and how long the oldest alert has been due without being delivered (retries do not reset it). */
  stats(now: number): OutboxStats {
    const row = this.#db
      .prepare(
        `SELECT sum(state IN ('pending', 'pending_retry', 'running')) AS pending, sum(state = 'failed') AS failed,
           min(CASE WHEN state IN ('pending', 'pending_retry', 'running') AND first_due_at <= @now THEN first_due_at END) AS oldest
         FROM outbox`,
      )
      .get({ now }) as { pending: number | null; failed: number | null; oldest: number | null };
    return { pending: row.pending ?? 0, failed: row.failed ?? 0, oldestDueAgeSeconds: row.oldest === null ? null : Math.floor((now - row.oldest) / 1000) };
  }

  /** Why the oldest waiting alert is still waiting: the error its last attempt met, if it was tried. */
  waitingError(): string | null {
    const row = this.#db
      .prepare("SELECT last_error FROM outbox WHERE state IN ('pending', 'pending_retry', 'running') AND last_error IS NOT NULL ORDER BY first_due_at, id LIMIT 1")
      .get() as { last_error: string } | undefined;
    return row?.last_error ?? null;
  }

  list(limit: number, state?: AlertState): AlertItem[] {
    const rows = (state
      ? this.#db.prepare('SELECT * FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit)
      : this.#db.prepare('SELECT * FROM outbox ORDER BY id DESC LIMIT ?').all(limit)) as OutboxRow[];
    return rows.map(alertItem);
  }
}

/** What a batch of alerts loads at most, as stored (a payload is a few KB: judgement.ts caps what it holds). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * A claimed batch's rows, read as the worker takes them: each payload checked against its schema, and those that fail
 * set apart with why, to be failed alone (ALERT_UNREADABLE) rather than break the mail they would join.
 */
export function readBatch(rows: { id: number; payload: string; attempts: number }[]): { alerts: Batch['alerts']; unreadable: { id: number; error: string }[] } {
  const alerts: Batch['alerts'] = [];
  const unreadable: { id: number; error: string }[] = [];
  for (const row of rows) {
    const payload = readPayload(row.payload);
    if (typeof payload === 'string') unreadable.push({ id: row.id, error: `ALERT_UNREADABLE: ${payload}` });
    else alerts.push({ id: row.id, payload, attempts: row.attempts });
  }
  return { alerts, unreadable };
}

/** An outbox row as the admin API lists it; an unreadable payload still shows its device and its error. */
export function alertItem(r: OutboxRow): AlertItem {
  const payload = readPayload(r.payload);
  const known = typeof payload === 'string' ? null : payload;
  return {
    id: r.id,
    deviceId: r.device_id,
    deviceLabel: known?.device.label ?? r.device_id,
    level: known?.level ?? null,
    state: r.state,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

/** The stored payload, checked against the schema it was written with; a string says why it is not one. */
export function readPayload(json: string): AlertPayload | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'the stored alert is not JSON';
  }
  const result = v.safeParse(AlertPayloadSchema, parsed);
  return result.success ? result.output : `the stored alert does not match its schema (${v.getDotPath(result.issues[0]) ?? 'root'}: ${result.issues[0].message})`;
}
