import type { Pool } from 'pg';
import { PG_MIGRATIONS } from './migrations';
import { transaction } from './pool';

/** The advisory lock every relay takes to migrate: any constant the relays agree on ("GM" and a version of the scheme). */
const MIGRATION_LOCK = 0x474d_0001;

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
    const current = rows[0]?.version ?? 0;
    const latest = PG_MIGRATIONS.at(-1)?.version ?? 0;
    if (current > latest) {
      throw new Error(`The database is at schema version ${current}, newer than this relay knows (${latest}). Run a newer relay or restore a backup.`);
    }
    const missing = PG_MIGRATIONS.filter((m) => m.version > current);
    for (const m of missing) await client.query(m.sql);
    await client.query('INSERT INTO schema_version (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version', [Math.max(current, latest)]);
    return missing.length;
  });
}
