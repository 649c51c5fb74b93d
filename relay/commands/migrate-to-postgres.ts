import type { Pool } from 'pg';
import type { RelayConfig } from '../config';
import { runningRelay } from '../storage/pid-file';
import { copyIntoPostgres } from '../storage/postgres/copy';
import { openPostgres } from '../storage/postgres/pool';
import { dumpTables, openDatabase, type Db } from '../storage/sqlite/db';

/** Copies a relay's SQLite store into an empty PostgreSQL database, whole or not at all; answers the rows per table. */
export const copySqliteToPostgres = (db: Db, pool: Pool): Promise<Record<string, number>> => copyIntoPostgres(pool, dumpTables(db));

/**
 * Copies the data directory's SQLite store into the empty PostgreSQL database --database-url names, whole or not at
 * all. The relay must be stopped, so that nothing it accepts after the copy is left behind in SQLite. The relays
 * started on PostgreSQL afterwards need this relay's secret key, which the copy's secrets are sealed with.
 */
export async function migrateToPostgres(config: RelayConfig): Promise<string> {
  const pid = runningRelay(config.dataDir);
  if (pid !== null) throw new Error(`a relay (pid ${pid}) is running on ${config.dataDir}: stop it first, so that nothing it accepts is left behind`);
  const database = config.database!;
  const db = openDatabase(config.dataDir);
  const pool = openPostgres(database.url, { ca: database.ca, max: 1, idleError: () => undefined });
  try {
    const copied = await copySqliteToPostgres(db, pool);
    const rows = Object.entries(copied)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${table} ${n}`);
    return (
      `Copied ${rows.length > 0 ? rows.join(', ') : 'an empty store'} into PostgreSQL.\n` +
      `Start every relay with --database-url and the secret key of ${config.dataDir} (its secret.key file, or GUARDMAIL_SECRET_KEY), ` +
      `and the same extension signing key. The SQLite store is left as it was.\n`
    );
  } finally {
    db.close();
    await pool.end();
  }
}
