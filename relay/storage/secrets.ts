import type { AccessTokens } from './access-tokens';
import { keyIdOf, type Sealed, type SecretBox } from './secret-box';
import { constant, forUpdate, inList, sql, type Sql } from './sql';

/** The enrollment token's name among the sealed secrets: no secret from browsers, but one from everyone else. */
export const ENROLLMENT_TOKEN_SECRET = 'enrollment-token';

/**
 * The enrollment token kept sealed, for the policies the relay writes: only while it is still the token the relay
 * accepts (one set in the environment once, then dropped, is not).
 */
export function keptEnrollmentToken(kept: string | null, tokens: AccessTokens): string | null {
  return kept && tokens.verify('enrollment', kept) ? kept : null;
}

interface SealedRow {
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const sealedOf = (row: SealedRow): Sealed => ({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag });

/** Named secrets, sealed at rest: the name is authenticated with the ciphertext. Plaintext exists only in memory, only while it is used. */
export class SecretStore {
  readonly #box: SecretBox;

  constructor(box: SecretBox) {
    this.#box = box;
  }

  async get(db: Sql, name: string): Promise<string | null> {
    const row = await db.get<SealedRow>(sql`SELECT key_id, iv, ciphertext, tag FROM secrets WHERE name = ${name}`);
    return row ? this.#box.open(sealedOf(row), name) : null;
  }

  /** The named secrets still sealed, by name: held in memory by those who open them only when asked (settings.ts). */
  async sealed(db: Sql, names: readonly string[]): Promise<Map<string, Sealed>> {
    const rows = await db.all<SealedRow & { name: string }>(sql`SELECT name, key_id, iv, ciphertext, tag FROM secrets WHERE name ${inList(names)}`);
    return new Map(rows.map((r) => [r.name, sealedOf(r)]));
  }

  open(sealed: Sealed, name: string): string {
    return this.#box.open(sealed, name);
  }

  async put(db: Sql, name: string, plaintext: string, ifAbsent = false): Promise<void> {
    const s = this.#box.seal(plaintext, name);
    await db.run(
      sql`INSERT INTO secrets (name, key_id, iv, ciphertext, tag, updated_at) VALUES (${name}, ${s.keyId}, ${s.iv}, ${s.ciphertext}, ${s.tag}, ${new Date().toISOString()})
          ON CONFLICT (name) DO ${ifAbsent ? NOTHING : REPLACE_SEALED}`,
    );
  }

  async delete(db: Sql, name: string): Promise<void> {
    await db.run(sql`DELETE FROM secrets WHERE name = ${name}`);
  }

  /** The key ids the store's secrets are sealed with and that this box does not hold. */
  async foreignKeyIds(db: Sql): Promise<string[]> {
    return unknownKeyIds(
      (await db.all<{ key_id: string }>(sql`SELECT DISTINCT key_id FROM secrets`)).map((r) => r.key_id),
      this.#box,
    );
  }

  /**
   * Key rotation: re-seals every secret with the box's current key, in one transaction that locks them, so no relay
   * writes one meanwhile. Where relays share the store, every running relay must already read the new key (its
   * current or previous key) before this runs, and may drop the old one after. Answers how many secrets it re-sealed;
   * nothing is dropped.
   */
  resealAll(db: Sql): Promise<number> {
    return db.transaction(async (tx) => {
      const rows = await tx.all<SealedRow & { name: string }>(sql`SELECT name, key_id, iv, ciphertext, tag FROM secrets ORDER BY name ${forUpdate}`);
      for (const row of rows) await this.put(tx, row.name, this.#box.open(sealedOf(row), row.name));
      return rows.length;
    });
  }
}

const NOTHING = constant('NOTHING');
const REPLACE_SEALED = constant(
  'UPDATE SET key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at',
);

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
