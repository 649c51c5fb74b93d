import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db';

export type Role = 'admin' | 'enrollment';

const sha256 = (token: string) => createHash('sha256').update(token).digest();

/** A new token: 256 random bits, prefixed by its role so a leaked one is recognisable in a scan. */
export function generateToken(role: Role): string {
  return `gm_${role === 'admin' ? 'adm' : 'enr'}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Admin and enrollment tokens, stored only as hashes. A token given in the environment takes the role's
 * place in memory; a generated one is returned once, to be printed, and never again.
 */
export class AccessTokens {
  readonly #hashes = new Map<Role, Buffer>();

  /** Loads the stored hashes, generating a token for each role that has neither a hash nor an environment value. */
  static init(db: Db, fromEnv: Partial<Record<Role, string | null>>): { tokens: AccessTokens; generated: Partial<Record<Role, string>> } {
    const tokens = new AccessTokens();
    const generated: Partial<Record<Role, string>> = {};
    for (const role of ['admin', 'enrollment'] as const) {
      const envToken = fromEnv[role];
      if (envToken) {
        tokens.#hashes.set(role, sha256(envToken));
        continue;
      }
      const row = db.prepare('SELECT sha256 FROM access_tokens WHERE role = ?').get(role) as { sha256: Buffer } | undefined;
      if (row) {
        tokens.#hashes.set(role, row.sha256);
        continue;
      }
      const token = generateToken(role);
      const hash = sha256(token);
      db.prepare('INSERT INTO access_tokens (role, sha256, created_at) VALUES (?, ?, ?)').run(role, hash, new Date().toISOString());
      tokens.#hashes.set(role, hash);
      generated[role] = token;
    }
    return { tokens, generated };
  }

  /** The stored hashes only, generating nothing: for commands that read the data directory of a relay. */
  static load(db: Db): AccessTokens {
    const tokens = new AccessTokens();
    for (const row of db.prepare('SELECT role, sha256 FROM access_tokens').all() as { role: Role; sha256: Buffer }[]) tokens.#hashes.set(row.role, row.sha256);
    return tokens;
  }

  /** For tests and the composition root: a set of tokens known in plain text. */
  static of(plain: Record<Role, string>): AccessTokens {
    const tokens = new AccessTokens();
    for (const [role, token] of Object.entries(plain) as [Role, string][]) tokens.#hashes.set(role, sha256(token));
    return tokens;
  }

  verify(role: Role, presented: string): boolean {
    const expected = this.#hashes.get(role);
    return expected !== undefined && timingSafeEqual(expected, sha256(presented));
  }
}
