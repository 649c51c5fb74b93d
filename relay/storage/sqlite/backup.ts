import Database from 'better-sqlite3';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An online backup of the store with SQLite's backup API: consistent even while the relay runs and writes. The key
 * is not in it; back the key up separately (without it the secrets in the copy cannot be read).
 */
export async function backup(dataDir: string, to: string): Promise<string> {
  const db = new Database(join(dataDir, 'guardmail.sqlite'), { readonly: true, fileMustExist: true });
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
  chmodSync(to, 0o600);
  return `Backed up ${join(dataDir, 'guardmail.sqlite')} to ${to} (${statSync(to).size} bytes). The key is not in it: keep ${join(dataDir, 'secret.key')} (or GUARDMAIL_SECRET_KEY) safe too.\n`;
}
