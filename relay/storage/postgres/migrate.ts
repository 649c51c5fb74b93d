import type { Pool } from 'pg';
import { MIGRATIONS, type ColumnTypes } from '../schema';
import { transaction } from './pool';

/** The schema's column types on PostgreSQL. */
const POSTGRES_TYPES: ColumnTypes = {
  time: 'BIGINT',
  bytes: 'BYTEA',
  serial: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  strict: '',
  json: (column) => `${column}::json`,
  jsonElements: (column) => `json_array_elements(${column}::json) AS elements(value)`,
};

/** The advisory lock every relay takes to migrate: any constant the relays agree on ("GM" and a version of the scheme). */
const MIGRATION_LOCK = 0x474d_0001;

/**
 * Before the schema was written once for both engines, PostgreSQL numbered its own: its version 1 was SQLite's 13, its
 * 2 added the send limits' tables (now POSTGRES_TABLES), its 3 was SQLite's 14. A database this relay migrated holds
 * a version of 14 or more, so one at 1 to 3 is read in the old numbering.
 */
const BEFORE_ONE_SCHEMA: Record<number, number> = { 1: 13, 2: 13, 3: 14 };

/**
 * Tables only relays sharing PostgreSQL need, created when absent: one relay on SQLite keeps what they hold in memory.
 * A provider's limits are per mailbox, whatever the number of relays sending as it (Exchange Online: 3 connections,
 * 30 messages a minute): send-limits.ts.
 */
export const POSTGRES_ONLY_TABLES = ['send_slots', 'send_pace'] as const;
const POSTGRES_TABLES = `
  CREATE TABLE IF NOT EXISTS send_slots (
    mailbox TEXT NOT NULL,
    slot INTEGER NOT NULL,
    holder TEXT,
    lease_until BIGINT,
    PRIMARY KEY (mailbox, slot)
  );
  CREATE TABLE IF NOT EXISTS send_pace (
    mailbox TEXT PRIMARY KEY,
    next_at BIGINT NOT NULL
  );
`;

/**
 * Brings the database to this relay's schema. Relays starting together all call it: the first takes the advisory
 * lock and applies what is missing in one transaction (PostgreSQL's DDL is transactional, so a relay killed midway
 * leaves the old schema whole); the others wait on the lock, then find nothing to do. A database newer than this
 * relay is refused, as on SQLite. Answers how many migrations this call applied.
 */
export async function migratePostgres(pool: Pool): Promise<number> {
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version WHERE id = 1');
    const stored = rows[0]?.version ?? 0;
    const current = BEFORE_ONE_SCHEMA[stored] ?? stored;
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new Error(`The database is at schema version ${current}, newer than this relay knows (${latest}). Run a newer relay or restore a backup.`);
    }
    const missing = MIGRATIONS.filter((m) => m.version > current);
    for (const m of missing) await client.query(m.sql(POSTGRES_TYPES));
    await client.query(POSTGRES_TABLES);
    if (stored !== latest)
      await client.query('INSERT INTO schema_version (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version', [latest]);
    return missing.length;
  });
}
