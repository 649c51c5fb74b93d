import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres, POSTGRES_ONLY_TABLES } from '../../relay/storage/postgres/migrate';
import { MIGRATIONS } from '../../relay/storage/schema';
import { openDatabase } from '../../relay/storage/sqlite/db';
import { startPostgres, type PostgresCluster } from '../fixtures/postgres';

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
const pool = (url: string) => {
  const p = new pg.Pool({ connectionString: url, max: 2 });
  pools.push(p);
  return p;
};

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

/** Table → its columns, sorted, as each engine describes itself. */
async function postgresTables(p: pg.Pool): Promise<Record<string, string[]>> {
  const { rows } = await p.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> ALL($1)",
    [['schema_version', ...POSTGRES_ONLY_TABLES]],
  );
  const tables: Record<string, string[]> = {};
  for (const r of rows) (tables[r.table_name] ??= []).push(r.column_name);
  for (const columns of Object.values(tables)) columns.sort();
  return tables;
}

function sqliteTables(): Record<string, string[]> {
  const db = openDatabase(mkdtempSync(join(tmpdir(), 'guardmail-schema-')));
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const tables = Object.fromEntries(names.map((t) => [t, (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t) as string[]).sort()]));
  db.close();
  return tables;
}

describe('the PostgreSQL schema', () => {
  it('is migrated once when three relays start together: one applies it, the others wait on the lock and find it done', async () => {
    const url = cluster.createDatabase('three_relays');
    const applied = await Promise.all([pool(url), pool(url), pool(url)].map((p) => migratePostgres(p)));
    expect(applied.sort()).toEqual([0, 0, MIGRATIONS.length]);
    const { rows } = await pool(url).query('SELECT version FROM schema_version');
    expect(rows).toEqual([{ version: MIGRATIONS.at(-1)!.version }]);
    expect(await migratePostgres(pool(url))).toBe(0);
  });

  it('has the tables and columns of the SQLite schema, beside what only relays sharing it need', async () => {
    const url = cluster.createDatabase('same_as_sqlite');
    await migratePostgres(pool(url));
    expect(await postgresTables(pool(url))).toEqual(sqliteTables());
  });

  it('refuses a database a newer relay migrated, and changes nothing in it', async () => {
    const url = cluster.createDatabase('newer');
    await migratePostgres(pool(url));
    await pool(url).query('UPDATE schema_version SET version = 999');
    await expect(migratePostgres(pool(url))).rejects.toThrow('schema version 999, newer than this relay knows');
    expect((await pool(url).query('SELECT version FROM schema_version')).rows).toEqual([{ version: 999 }]);
  });
});
