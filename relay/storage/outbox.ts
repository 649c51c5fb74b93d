import { randomUUID } from 'node:crypto';
import type { AlertItem, AlertState, DeviceAlert } from '../../shared/fleet';
import { inList, skipLocked, sql, type Sql } from './sql';
import * as v from 'valibot';
import { isExtensionAlert, outboxPayloadSchema, type OutboxPayload } from '../domain/judgement';

export interface OutboxStats {
  /** Alerts waiting: not yet sent nor failed. */
  pending: number;
  failed: number;
  /** How long the oldest waiting alert has been due, across its retries; null when none is due. */
  oldestDueAgeSeconds: number | null;
}

/** A batch of alerts taken by the worker: they go out in one mail, under one Message-ID. */
export interface Batch {
  batchId: string;
  alerts: { id: number; payload: OutboxPayload; attempts: number }[];
}

export interface OutboxRow {
  id: number;
  device_id: string;
  report_id: string;
  payload: string;
  state: AlertState;
  created_at: number;
  sent_at: number | null;
  attempts: number;
  last_error: string | null;
  batch_id: string | null;
}

/**
 * The durable alert outbox, shared by every relay where several share the store. The worker claims a batch under a
 * lease; a worker that dies leaves the lease to expire and the same batch (same id, so the same Message-ID) is taken
 * again, by whichever relay. Nothing leaves the table except as sent or failed.
 */
export class OutboxStore {
  readonly #sql: Sql;
  readonly #alone: boolean;

  /** `alone`: this relay is the only one using the store (SQLite), so no batch running in it is another relay's. */
  constructor(sql: Sql, options: { alone: boolean }) {
    this.#sql = sql;
    this.#alone = options.alone;
  }

  claim(now: number, leaseMs: number, maxBatch: number): Promise<Batch | null> {
    return this.#sql.transaction(async (tx) => {
      // A batch whose every alert turns out unreadable is no batch: the next one is looked for.
      for (;;) {
        const batchId = (await takeAgain(tx, now, leaseMs)) ?? (await takePending(tx, now, leaseMs, maxBatch));
        if (!batchId) return null;
        const { alerts, unreadable } = readBatch(
          await tx.all<{ id: number; payload: string; attempts: number }>(
            sql`SELECT id, payload, attempts FROM outbox WHERE batch_id = ${batchId} ORDER BY id`,
          ),
        );
        for (const { id, error } of unreadable) {
          await tx.run(sql`UPDATE outbox SET state = 'failed', batch_id = NULL, lease_until = NULL, last_error = ${error} WHERE id = ${id}`);
        }
        if (alerts.length > 0) return { batchId, alerts };
      }
    });
  }

  /** The mail was accepted: its alerts are sent, and their devices' cooldown starts now. */
  async sent(batchId: string, now: number): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(
        sql`UPDATE outbox SET state = 'sent', sent_at = ${now}, lease_until = NULL, last_error = NULL, attempts = attempts + 1 WHERE batch_id = ${batchId}`,
      );
      await tx.run(sql`UPDATE devices SET last_alerted_at = ${now} WHERE id IN (SELECT device_id FROM outbox WHERE batch_id = ${batchId})`);
    });
  }

  /** Forgets alerts sent before `cutoff` (retention); answers how many. Waiting and failed ones are kept. */
  pruneSent(cutoff: number): Promise<number> {
    return this.#sql.run(sql`DELETE FROM outbox WHERE state = 'sent' AND sent_at < ${cutoff}`);
  }

  /** An admin's retry: failed alerts join the next mail, with their attempts and their wait counted afresh. Answers how many. */
  retryFailed(now: number): Promise<number> {
    return this.#sql.run(
      sql`UPDATE outbox SET state = 'pending', batch_id = NULL, due_at = ${now}, first_due_at = ${now}, attempts = 0, lease_until = NULL, last_error = NULL WHERE state = 'failed'`,
    );
  }

  /** An admin changed what delivery depends on (the settings, the account, the recipients): waiting batches are due now. */
  retryNow(now: number): Promise<number> {
    return this.#sql.run(sql`UPDATE outbox SET due_at = ${now} WHERE state = 'pending_retry' AND due_at > ${now}`);
  }

  /**
   * Alerts due since before `cutoff` and still not delivered fail with `ALERT_EXPIRED` and the error that kept them (the
   * queue lifetime). A batch losing only some of its alerts goes on under a new id: the mail it sends is not the one
   * its old Message-ID named. Answers how many alerts expired.
   */
  expire(cutoff: number, lifetime: string): Promise<number> {
    return this.#sql.transaction(async (tx) => {
      const batches = await tx.all<{ batch_id: string }>(
        sql`SELECT DISTINCT batch_id FROM outbox WHERE state IN ('pending', 'pending_retry') AND first_due_at < ${cutoff} AND batch_id IS NOT NULL`,
      );
      const expired = await tx.run(
        sql`UPDATE outbox SET state = 'failed', lease_until = NULL,
              last_error = 'ALERT_EXPIRED: not delivered within ' || ${lifetime} || '; last error: ' || coalesce(last_error, 'none, it waited for an admin')
            WHERE state IN ('pending', 'pending_retry') AND first_due_at < ${cutoff}`,
      );
      for (const { batch_id } of batches)
        await tx.run(sql`UPDATE outbox SET batch_id = ${randomUUID()} WHERE batch_id = ${batch_id} AND state = 'pending_retry'`);
      return expired;
    });
  }

  /**
   * The server refused the mail as too large: the first half stays the batch (nothing went out under its Message-ID)
   * and is due now; the second half rejoins the waiting alerts, to go in the next mail.
   */
  async split(batchId: string, now: number): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      const rows = await tx.all<{ id: number }>(sql`SELECT id FROM outbox WHERE batch_id = ${batchId} ORDER BY id`);
      const released = rows.slice(Math.ceil(rows.length / 2)).map((r) => r.id);
      await tx.run(sql`UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE id ${inList(released)}`);
      await tx.run(sql`UPDATE outbox SET state = 'pending_retry', due_at = ${now}, lease_until = NULL WHERE batch_id = ${batchId}`);
    });
  }

  /** A temporary failure: the same batch is tried again at `retryAt`. */
  async retryLater(batchId: string, error: string, retryAt: number): Promise<void> {
    await this.#sql.run(
      sql`UPDATE outbox SET state = 'pending_retry', due_at = ${retryAt}, lease_until = NULL, last_error = ${error}, attempts = attempts + 1 WHERE batch_id = ${batchId}`,
    );
  }

  /** A permanent failure: it stops, with its reason, for the admins to see. */
  async failed(batchId: string, error: string): Promise<void> {
    await this.#sql.run(
      sql`UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = ${error}, attempts = attempts + 1 WHERE batch_id = ${batchId}`,
    );
  }

  /**
   * At start-up, where one relay owns its store, no send can be in flight: batches a killed process left
   * running are due again now, under their batch id and so their Message-ID, instead of after their lease. Where
   * relays share the store, a relay starting cannot tell its dead predecessor's batches from those other relays are
   * sending: none is taken back early; each comes back when its lease expires.
   */
  recoverInterrupted(now: number): Promise<number> {
    if (!this.#alone) return Promise.resolve(0);
    return this.#sql.run(sql`UPDATE outbox SET state = 'pending_retry', due_at = ${now}, lease_until = NULL WHERE state = 'running'`);
  }

  /**
   * Gives a batch back untouched (re-authorization required): not an attempt, not a failure. Nothing went out under
   * its id, so its alerts rejoin the pending ones and leave together once sending can resume.
   */
  async release(batchId: string): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(sql`UPDATE outbox SET state = 'pending', batch_id = NULL, lease_until = NULL WHERE batch_id = ${batchId} AND attempts = 0`);
      await tx.run(sql`UPDATE outbox SET state = 'pending_retry', lease_until = NULL WHERE batch_id = ${batchId} AND state = 'running'`);
    });
  }

  /** Counts, and how long the oldest alert has been due without being delivered (retries do not reset it). */
  async stats(now: number): Promise<OutboxStats> {
    const row = (await this.#sql.get<{ pending: number; failed: number; oldest: number | null }>(
      sql`SELECT count(*) FILTER (WHERE state IN ('pending', 'pending_retry', 'running')) AS pending, count(*) FILTER (WHERE state = 'failed') AS failed,
            min(first_due_at) FILTER (WHERE state IN ('pending', 'pending_retry', 'running') AND first_due_at <= ${now}) AS oldest
          FROM outbox`,
    ))!;
    return { pending: row.pending, failed: row.failed, oldestDueAgeSeconds: row.oldest === null ? null : Math.floor((now - row.oldest) / 1000) };
  }

  /** Why the oldest waiting alert is still waiting: the error its last attempt met, if it was tried. */
  async waitingError(): Promise<string | null> {
    const row = await this.#sql.get<{ last_error: string }>(
      sql`SELECT last_error FROM outbox WHERE state IN ('pending', 'pending_retry', 'running') AND last_error IS NOT NULL ORDER BY first_due_at, id LIMIT 1`,
    );
    return row?.last_error ?? null;
  }

  async list(limit: number, state?: AlertState): Promise<AlertItem[]> {
    const rows = state
      ? await this.#sql.all<OutboxRow>(sql`SELECT * FROM outbox WHERE state = ${state} ORDER BY id DESC LIMIT ${limit}`)
      : await this.#sql.all<OutboxRow>(sql`SELECT * FROM outbox ORDER BY id DESC LIMIT ${limit}`);
    return rows.map(alertItem);
  }

  /** The alerts about one device, newest first, with the findings each named (a fleet-wide extension alert is not one). */
  async forDevice(deviceId: string, limit: number): Promise<DeviceAlert[]> {
    const rows = await this.#sql.all<OutboxRow>(sql`SELECT * FROM outbox WHERE device_id = ${deviceId} ORDER BY id DESC LIMIT ${limit}`);
    return rows.flatMap((r) => {
      const payload = readPayload(r.payload);
      if (typeof payload !== 'string' && isExtensionAlert(payload)) return [];
      const known = typeof payload === 'string' ? null : payload;
      return [
        {
          id: r.id,
          reportId: r.report_id,
          state: r.state,
          createdAt: new Date(r.created_at).toISOString(),
          sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
          level: known?.level ?? null,
          findings: (known?.findings ?? []).map(({ check, subject, severity, title }) => ({ check, subject, severity, title })),
        },
      ];
    });
  }
}

/**
 * A batch whose lease expired (its relay died) or whose retry is due, under its own id. A batch is many rows, so it is
 * taken under a lock of its own (row locks taken one row at a time by two relays could deadlock), and the update
 * checks again that it is still to take: another relay may have taken it and committed a moment before.
 */
async function takeAgain(tx: Sql, now: number, leaseMs: number): Promise<string | null> {
  const batches = await tx.all<{ batch_id: string }>(
    sql`SELECT batch_id FROM outbox WHERE (state = 'running' AND lease_until < ${now}) OR (state = 'pending_retry' AND due_at <= ${now})
        GROUP BY batch_id ORDER BY min(due_at) LIMIT 20`,
  );
  for (const { batch_id: batchId } of batches) {
    if (!(await tx.tryLock(`batch:${batchId}`))) continue;
    const taken = await tx.run(
      sql`UPDATE outbox SET state = 'running', lease_until = ${now + leaseMs}
          WHERE batch_id = ${batchId} AND ((state = 'running' AND lease_until < ${now}) OR (state = 'pending_retry' AND due_at <= ${now}))`,
    );
    if (taken > 0) return batchId;
  }
  return null;
}

/**
 * Once the oldest pending alert is due, every pending alert rides along: one mail per grouping window, of at most
 * `maxBatch` alerts and MAX_BATCH_BYTES of them (the first always), so that loading a batch stays bounded whatever was
 * stored. The limit comes before the sizes are summed, so a long backlog's payloads are not all read for each batch.
 *
 * While a batch waits for its retry, delivery is failing: later alerts wait with it, and go out together once mail
 * flows again, in one mail, not in one mail per grouping window of the outage. Only one relay forms a batch at a time
 * (the lock is waited for: another relay holds it only while it forms one): two scanning the pending rows together
 * could each take part of them and send one window as two mails. Pending rows another transaction holds (an admin's
 * retry, a split giving alerts back) are left to the next pass.
 */
async function takePending(tx: Sql, now: number, leaseMs: number, maxBatch: number): Promise<string | null> {
  await tx.lock('new-batch');
  const due = await tx.get(
    sql`SELECT 1 FROM outbox WHERE state = 'pending' AND due_at <= ${now} AND NOT EXISTS (SELECT 1 FROM outbox WHERE state = 'pending_retry') LIMIT 1`,
  );
  if (!due) return null;
  const batchId = randomUUID();
  const taken = await tx.run(
    sql`UPDATE outbox SET state = 'running', batch_id = ${batchId}, lease_until = ${now + leaseMs}
        WHERE id IN (SELECT id FROM (SELECT id, sum(length(payload)) OVER (ORDER BY id) - length(payload) AS before
                                     FROM (SELECT id, payload FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ${maxBatch} ${skipLocked}) AS locked) AS sized
                     WHERE before < ${MAX_BATCH_BYTES})`,
  );
  return taken > 0 ? batchId : null;
}

/** What a batch of alerts loads at most, as stored (a payload is a few KB: judgement.ts caps what it holds). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * A claimed batch's rows, read as the worker takes them: each payload checked against its schema, and those that fail
 * set apart with why, to be failed alone (ALERT_UNREADABLE) rather than break the mail they would join.
 */
function readBatch(rows: { id: number; payload: string; attempts: number }[]): { alerts: Batch['alerts']; unreadable: { id: number; error: string }[] } {
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
function alertItem(r: OutboxRow): AlertItem {
  const payload = readPayload(r.payload);
  const known = typeof payload === 'string' ? null : payload;
  return {
    id: r.id,
    deviceId: r.device_id,
    deviceLabel: !known ? r.device_id : isExtensionAlert(known) ? known.extension.name || known.extension.id : known.device.label,
    level: known?.level ?? null,
    state: r.state,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at).toISOString(),
    attempts: r.attempts,
    lastError: r.last_error,
  };
}

/** The stored payload, checked against the schema it was written with; a string says why it is not one. */
function readPayload(json: string): OutboxPayload | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'the stored alert is not JSON';
  }
  const result = v.safeParse(outboxPayloadSchema(parsed), parsed);
  return result.success
    ? result.output
    : `the stored alert does not match its schema (${v.getDotPath(result.issues[0]) ?? 'root'}: ${result.issues[0].message})`;
}
