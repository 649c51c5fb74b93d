import { randomBytes } from 'node:crypto';
import type { RelayConfig } from '../config';
import { AuditLog } from '../storage/audit-log';
import { runningRelay } from '../storage/pid-file';
import { keyIdOf, loadKeyring, promoteNextKeyFile, SecretBox, writeNextKeyFile } from '../storage/secret-box';
import { SecretStore } from '../storage/secrets';
import { MAIL_SETTINGS_NAME } from '../storage/settings';
import type { Sql } from '../storage/sql';
import { openDatabase } from '../storage/sqlite/db';
import { SqliteSql } from '../storage/sqlite/sql';

/**
 * Re-seals every secret with the box's current key and says so in the audit log, in one transaction; relays running on
 * the store read the mail settings' secrets again. Answers how many.
 */
function reseal(sql: Sql, box: SecretBox, from?: string): Promise<number> {
  return sql.transaction(async (tx) => {
    const count = await new SecretStore(box).resealAll(tx);
    await new AuditLog(tx).record('secret-key.rotated', { ...(from ? { from } : {}), to: box.currentKeyId, secrets: count });
    await tx.announce(MAIL_SETTINGS_NAME);
    return count;
  });
}

/**
 * Re-seals every secret with a new key. With the key file: the new key is written first (secret.key.next), the
 * secrets are re-sealed in one transaction, then the new key replaces the old file; a crash at any point leaves
 * every secret readable. With GUARDMAIL_SECRET_KEY: re-seals with GUARDMAIL_NEW_SECRET_KEY, which the operator then
 * puts in GUARDMAIL_SECRET_KEY.
 */
export async function rotateKey(config: RelayConfig): Promise<string> {
  if (config.database) return rotateKeyOnPostgres(config, config.database);
  const pid = runningRelay(config.dataDir);
  if (pid !== null) throw new Error(`a relay (pid ${pid}) is running on ${config.dataDir}: stop it first, since it holds the old key in memory`);
  const sql = new SqliteSql(openDatabase(config.dataDir));
  try {
    const { box: old, fromFile } = loadKeyring(config.dataDir, config);
    const next = config.newSecretKey ?? randomBytes(32);
    if (fromFile) writeNextKeyFile(config.dataDir, next);
    const oldKeys = [...old.keys()];
    const count = await reseal(sql, new SecretBox(next, oldKeys), old.currentKeyId);
    if (fromFile) promoteNextKeyFile(config.dataDir);
    return fromFile
      ? `Re-sealed ${count} secrets with key ${keyIdOf(next)}; the key file now holds it and the old key is gone.\n`
      : `Re-sealed ${count} secrets with key ${keyIdOf(next)}. Now set GUARDMAIL_SECRET_KEY to the value of GUARDMAIL_NEW_SECRET_KEY and restart the relay.\n`;
  } finally {
    sql.close();
  }
}

/**
 * On PostgreSQL the relays keep running: each already reads the key being rotated to (docs/operating.md, "Rotating the secret key
 * with several relays"), and this re-seals every secret with the current key in one transaction that locks them.
 */
async function rotateKeyOnPostgres(config: RelayConfig, database: NonNullable<RelayConfig['database']>): Promise<string> {
  const { openPostgres } = await import('../storage/postgres/pool');
  const { PostgresSql } = await import('../storage/postgres/sql');
  const { box: keyring } = loadKeyring(config.dataDir, config);
  const box = config.newSecretKey ? new SecretBox(config.newSecretKey, [...keyring.keys()]) : keyring;
  const pool = openPostgres(database.url, { ca: database.ca, max: 1, idleError: () => undefined });
  try {
    const count = await reseal(new PostgresSql(pool), box);
    return `Re-sealed ${count} secrets with key ${box.currentKeyId}. Once every relay runs with it as GUARDMAIL_SECRET_KEY, drop GUARDMAIL_PREVIOUS_SECRET_KEY.\n`;
  } finally {
    await pool.end();
  }
}
