import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS, type ColumnTypes } from '../schema';

/** The schema's column types on SQLite: its tables are STRICT, so a value of the wrong type is refused, not stored. */
export const SQLITE_TYPES: ColumnTypes = {
  time: 'INTEGER',
  bytes: 'BLOB',
  serial: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  strict: ' STRICT',
  json: (column) => column,
  jsonElements: (column) => `json_each(${column})`,
};

export type Db = Database.Database;

/** Opens (creating if needed) the relay's SQLite store in the data directory and brings its schema up to date. */
export function openDatabase(dataDir: string): Db {
  ensureDataDir(dataDir);
  const path = join(dataDir, 'guardmail.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  // FULL: a committed transaction survives power loss, not only a crash (docs/architecture.md: accepted means on disk).
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Creates the data directory, its owner's alone: it holds the store or the keys. */
export function ensureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A directory that already existed keeps its mode otherwise; the store holds every device's state and the secrets.
  chmodSync(dataDir, 0o700);
}

/** Applies every migration newer than the database's version; refuses a database newer than this relay. */
export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`The database is at schema version ${current}, newer than this relay knows (${latest}). Run a newer relay or restore a backup.`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql(SQLITE_TYPES));
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

/** Every table of the store with its columns, its rows read one at a time (for copying it elsewhere). */
export function dumpTables(db: Db): { table: string; columns: string[]; rows: Iterable<unknown[]> }[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  return tables.map((table) => {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[];
    // Read only when copied: while a statement iterates, the connection runs no other.
    const rows = function* () {
      yield* db
        .prepare(`SELECT ${columns.join(', ')} FROM ${table}`)
        .raw()
        .iterate() as Iterable<unknown[]>;
    };
    return { table, columns, rows: rows() };
  });
}
