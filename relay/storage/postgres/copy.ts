import type { Pool } from 'pg';
import { migratePostgres } from './migrate';
import { transaction } from './pool';

/** Tables whose id PostgreSQL generates: copied with their ids, then the sequence moves past the highest. */
const IDENTITY_TABLES = new Set(['outbox', 'audit_log']);

/** PostgreSQL takes at most 65,535 parameters a statement. */
const MAX_PARAMETERS = 65_535;

/** A table of another store, read row by row (sqlite/db.ts: dumpTables). */
export interface TableDump {
  table: string;
  columns: string[];
  rows: Iterable<unknown[]>;
}

/**
 * Copies another store into an empty PostgreSQL database, whole or not at all (one transaction): every table, row for
 * row, ids and sealed secrets included, so the relays started on it need the same secret key. Both engines' tables
 * come from one schema (../schema.ts). Refuses a database that already holds a relay's data. Answers how many rows
 * each table got.
 */
export async function copyIntoPostgres(pool: Pool, tables: TableDump[]): Promise<Record<string, number>> {
  await migratePostgres(pool);
  return transaction(pool, async (client) => {
    for (const { table } of tables) {
      const { rows } = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (rows.length > 0) throw new Error(`the PostgreSQL database already holds a relay's data (table ${table} is not empty): copy into an empty database`);
    }
    const copied: Record<string, number> = {};
    for (const { table, columns, rows } of tables) {
      const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
      let batch: unknown[][] = [];
      let count = 0;
      const insert = async () => {
        if (batch.length === 0) return;
        const values = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        const overriding = IDENTITY_TABLES.has(table) ? ' OVERRIDING SYSTEM VALUE' : '';
        await client.query(`INSERT INTO ${table} (${columns.join(', ')})${overriding} VALUES ${values}`, batch.flat());
        count += batch.length;
        batch = [];
      };
      for (const row of rows) {
        batch.push(row);
        if (batch.length === perStatement) await insert();
      }
      await insert();
      if (IDENTITY_TABLES.has(table)) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1), (SELECT max(id) IS NOT NULL FROM ${table}))`,
        );
      }
      copied[table] = count;
    }
    return copied;
  });
}
