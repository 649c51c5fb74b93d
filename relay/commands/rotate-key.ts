import { randomBytes } from 'node:crypto';
import type { RelayConfig } from '../config';
import { AuditLog } from '../storage/audit-log';
import { openDatabase } from '../storage/db';
import { runningRelay } from '../storage/pid-file';
import { keyIdOf, loadKeyring, promoteNextKeyFile, SecretBox, writeNextKeyFile } from '../storage/secret-box';
import { resealAll } from '../storage/secret-store';

/**
 * Re-seals every secret with a new key. With the key file: the new key is written first (secret.key.next), the
 * secrets are re-sealed in one transaction, then the new key replaces the old file; a crash at any point leaves
 * every secret readable. With GUARDMAIL_SECRET_KEY: re-seals with GUARDMAIL_NEW_SECRET_KEY, which the operator then
 * puts in GUARDMAIL_SECRET_KEY.
 */
export function rotateKey(config: RelayConfig): string {
  const pid = runningRelay(config.dataDir);
  if (pid !== null) throw new Error(`a relay (pid ${pid}) is running on ${config.dataDir}: stop it first, since it holds the old key in memory`);
  const db = openDatabase(config.dataDir);
  try {
    const { box: old, fromFile } = loadKeyring(config.dataDir, config);
    const next = config.newSecretKey ?? randomBytes(32);
    if (fromFile) writeNextKeyFile(config.dataDir, next);
    const oldKeys = [...old.keys()];
    const count = resealAll(db, new SecretBox(next, oldKeys));
    new AuditLog(db).record('secret-key.rotated', { from: old.currentKeyId, to: keyIdOf(next), secrets: count });
    if (fromFile) promoteNextKeyFile(config.dataDir);
    return fromFile
      ? `Re-sealed ${count} secrets with key ${keyIdOf(next)}; the key file now holds it and the old key is gone.\n`
      : `Re-sealed ${count} secrets with key ${keyIdOf(next)}. Now set GUARDMAIL_SECRET_KEY to the value of GUARDMAIL_NEW_SECRET_KEY and restart the relay.\n`;
  } finally {
    db.close();
  }
}
