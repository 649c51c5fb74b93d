import type { AccessTokens } from './access-tokens';
import type { Db } from './db';
import { keyIdOf, type SecretBox } from './secret-box';

/** Named secrets, sealed at rest. Plaintext exists only in memory, only while it is used. */
/** The enrollment token's name among the sealed secrets: no secret from browsers, but one from everyone else. */
export const ENROLLMENT_TOKEN_SECRET = 'enrollment-token';

/**
 * The enrollment token kept sealed, for the policies the relay writes: only while it is still the token the relay
 * accepts (one set in the environment once, then dropped, is not).
 */
export function keptEnrollmentToken(kept: string | null, tokens: AccessTokens): string | null {
  return kept && tokens.verify('enrollment', kept) ? kept : null;
}

export class SecretStore {
  readonly #db: Db;
  readonly #box: SecretBox;

  constructor(db: Db, box: SecretBox) {
    this.#db = db;
    this.#box = box;
  }

  get(name: string): string | null {
    const row = this.#db.prepare('SELECT key_id, iv, ciphertext, tag FROM secrets WHERE name = ?').get(name) as
      | { key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }
      | undefined;
    if (!row) return null;
    return this.#box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, name);
  }

  has(name: string): boolean {
    return this.#db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(name) !== undefined;
  }

  put(name: string, plaintext: string): void {
    const s = this.#box.seal(plaintext, name);
    this.#db
      .prepare(
        `INSERT INTO secrets (name, key_id, iv, ciphertext, tag, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext,
           tag = excluded.tag, updated_at = excluded.updated_at`,
      )
      .run(name, s.keyId, s.iv, s.ciphertext, s.tag, new Date().toISOString());
  }

  delete(name: string): void {
    this.#db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
  }
}

/**
 * The keys (by id) that sealed secrets in the store and that the box does not hold: a relay started with another key
 * than the store's (another relay's, a lost key file replaced by a new one) must refuse to start, not fail to decrypt
 * at its first send.
 */
export function foreignKeyIds(db: Db, box: SecretBox): string[] {
  return unknownKeyIds(db.prepare('SELECT DISTINCT key_id FROM secrets').pluck().all() as string[], box);
}

/** Of the key ids secrets are sealed with, those the box does not hold (on either engine). */
export function unknownKeyIds(used: string[], box: SecretBox): string[] {
  const known = new Set([...box.keys()].map(keyIdOf));
  return used.filter((id) => !known.has(id));
}

/** What a relay started with the wrong key is told, naming both keys and the fix. */
export function foreignKeyMessage(foreign: string[], box: SecretBox, where: string): string {
  return (
    `the store's secrets are sealed with key ${foreign.join(', ')}, and this relay has key ${box.currentKeyId}: start it with the key the ` +
    `store was sealed with (GUARDMAIL_SECRET_KEY, ${where}). During a rotation, GUARDMAIL_PREVIOUS_SECRET_KEY holds the old key.`
  );
}

/** Re-seals every secret with the box's current key, in one transaction; answers how many. Nothing is dropped. */
export function resealAll(db: Db, box: SecretBox): number {
  return db.transaction(() => {
    const rows = db.prepare('SELECT name, key_id, iv, ciphertext, tag FROM secrets').all() as { name: string; key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }[];
    const update = db.prepare('UPDATE secrets SET key_id = ?, iv = ?, ciphertext = ?, tag = ?, updated_at = ? WHERE name = ?');
    for (const row of rows) {
      const plaintext = box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, row.name);
      const s = box.seal(plaintext, row.name);
      update.run(s.keyId, s.iv, s.ciphertext, s.tag, new Date().toISOString(), row.name);
    }
    return rows.length;
  })();
}
