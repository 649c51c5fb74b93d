import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from '../../log';
import { createStores, type OpenStores } from '../open';
import type { SecretBox } from '../secret-box';
import { foreignKeyMessage, SecretStore } from '../secrets';
import { openDatabase, type Db } from './db';
import { SqliteSql } from './sql';

/** The embedded engine's stores, with its connection for the commands and tests that reach the file itself. */
export type SqliteStores = OpenStores & { readonly db: Db };

/**
 * The embedded engine: one relay, one file in the data directory. Throws what is wrong and how to fix it; a store
 * sealed with another key than this relay's is refused here, not at a send.
 */
export async function openSqliteStores(dataDir: string, box: SecretBox, logger: Logger): Promise<SqliteStores> {
  let db: Db;
  try {
    db = openDatabase(dataDir);
  } catch (err) {
    throw new Error(`cannot open the data directory ${resolve(dataDir)}: ${(err as Error).message}`, { cause: err });
  }
  return sqliteStores(db, box, logger);
}

/** The stores over an opened database (the tests open theirs). */
export async function sqliteStores(db: Db, box: SecretBox, logger: Logger): Promise<SqliteStores> {
  const sql = new SqliteSql(db);
  const foreign = await new SecretStore(box).foreignKeyIds(sql);
  if (foreign.length > 0) {
    db.close();
    throw new Error(
      foreignKeyMessage(foreign, box, 'or the secret.key file of the data directory it came from; a secret.key created just now is a new key, replace it'),
    );
  }
  const stores = createStores(
    {
      name: 'sqlite',
      sql,
      alone: true,
      // The pages in use, and the log not yet folded back into the file: what the store takes of the disk.
      sizeBytes: async () =>
        (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number) + fileSize(`${db.name}-wal`),
      close: async () => sql.close(),
    },
    box,
    logger,
  );
  await stores.reloadAll();
  return Object.assign(stores, { db });
}

const fileSize = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
