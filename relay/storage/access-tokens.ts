import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Sql } from './sql';

export type Role = 'admin' | 'enrollment';

/** Where the hashes are kept. `insert` answers false when a hash for the role was already there. */
export interface TokenRows {
  find(role: Role): Promise<Buffer | null>;
  insert(role: Role, sha256: Buffer): Promise<boolean>;
}

/** The hashes in the access_tokens table. */
export function tokenRows(db: Sql): TokenRows {
  return {
    find: async (role) => (await db.get<{ sha256: Buffer }>(sql`SELECT sha256 FROM access_tokens WHERE role = ${role}`))?.sha256 ?? null,
    insert: async (role, hash) =>
      (await db.run(
        sql`INSERT INTO access_tokens (role, sha256, created_at) VALUES (${role}, ${hash}, ${new Date().toISOString()}) ON CONFLICT (role) DO NOTHING`,
      )) === 1,
  };
}

/** What is kept of a token: its SHA-256, never the token. */
export const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest();

/** 256 random bits after `prefix`, which says what the token is so that a leaked one is recognisable in a scan. */
export const randomToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

/** A new admin or enrollment token. */
export function generateToken(role: Role): string {
  return randomToken(role === 'admin' ? 'gm_adm_' : 'gm_enr_');
}

/**
 * Admin and enrollment tokens, stored only as hashes. A token given in the environment takes the role's
 * place in memory; a generated one is returned once, to be printed, and never again.
 */
export class AccessTokens {
  readonly #hashes = new Map<Role, Buffer>();

  /**
   * Loads the stored hashes, generating a token for each role that has neither a hash nor an environment value. Relays
   * starting together on one database race to insert: the one whose insert lands prints its token, the others load it.
   */
  static async init(
    rows: TokenRows,
    fromEnv: Partial<Record<Role, string | null>>,
  ): Promise<{ tokens: AccessTokens; generated: Partial<Record<Role, string>> }> {
    const tokens = new AccessTokens();
    const generated: Partial<Record<Role, string>> = {};
    for (const role of ['admin', 'enrollment'] as const) {
      const envToken = fromEnv[role];
      if (envToken) {
        tokens.#hashes.set(role, tokenHash(envToken));
        continue;
      }
      const stored = await rows.find(role);
      if (stored) {
        tokens.#hashes.set(role, stored);
        continue;
      }
      const token = generateToken(role);
      if (await rows.insert(role, tokenHash(token))) generated[role] = token;
      tokens.#hashes.set(role, (await rows.find(role))!);
    }
    return { tokens, generated };
  }

  /** The stored hashes only, generating nothing: for commands that read the data directory of a relay. */
  static async load(rows: TokenRows): Promise<AccessTokens> {
    const tokens = new AccessTokens();
    for (const role of ['admin', 'enrollment'] as const) {
      const stored = await rows.find(role);
      if (stored) tokens.#hashes.set(role, stored);
    }
    return tokens;
  }

  /** For tests and the composition root: a set of tokens known in plain text. */
  static of(plain: Record<Role, string>): AccessTokens {
    const tokens = new AccessTokens();
    for (const [role, token] of Object.entries(plain) as [Role, string][]) tokens.#hashes.set(role, tokenHash(token));
    return tokens;
  }

  verify(role: Role, presented: string): boolean {
    const expected = this.#hashes.get(role);
    return expected !== undefined && timingSafeEqual(expected, tokenHash(presented));
  }
}
