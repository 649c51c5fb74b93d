import type { IdentityConfig, IdentityParsed, IdentityView } from '../../shared/identity';
import type { PendingSignIn } from '../domain/sign-in';
import type { SecretStore } from './secrets';
import { readSetting, writeSetting } from './settings';
import { sql, type Sql } from './sql';

const IDENTITY_NAME = 'identity';
const CLIENT_SECRET = 'identity.clientSecret';
/** Sign-ins begun and not finished, at most: each is a row until it expires, and anyone may begin one. */
export const MAX_PENDING_SIGN_INS = 500;

/**
 * How admins sign in (the identity provider, the client, who gets which role) and the sign-ins in progress. Read from
 * the store at each sign-in, which is rare, so that every relay sharing it signs in with the latest configuration.
 */
export class IdentityStore {
  readonly #sql: Sql;
  readonly #secrets: SecretStore;

  constructor(db: Sql, secrets: SecretStore) {
    this.#sql = db;
    this.#secrets = secrets;
  }

  /** The configuration, or null while sign-in is not set up. */
  async config(): Promise<IdentityConfig | null> {
    const json = await readSetting(this.#sql, IDENTITY_NAME);
    return json === undefined ? null : (JSON.parse(json) as IdentityConfig);
  }

  async view(): Promise<IdentityView | null> {
    const [config, secret] = await Promise.all([this.config(), this.#secrets.sealed(this.#sql, [CLIENT_SECRET])]);
    return config && { ...config, clientSecretSet: secret.has(CLIENT_SECRET) };
  }

  /** The client secret, opened for the moment of the token request. */
  clientSecret(): Promise<string | null> {
    return this.#secrets.get(this.#sql, CLIENT_SECRET);
  }

  /** Replaces the configuration; a client secret that is undefined is kept, null clears it. */
  async save(input: IdentityParsed): Promise<void> {
    const { clientSecret, ...config } = input;
    await this.#sql.transaction(async (tx) => {
      await writeSetting(tx, IDENTITY_NAME, config);
      if (clientSecret === null) await this.#secrets.delete(tx, CLIENT_SECRET);
      else if (clientSecret !== undefined) await this.#secrets.put(tx, CLIENT_SECRET, clientSecret);
    });
  }

  /**
   * Keeps a sign-in begun, after forgetting the expired ones; false, keeping nothing, when MAX_PENDING_SIGN_INS are
   * already waiting.
   */
  async begin(o: { state: string; nonce: string; codeVerifier: string; redirectUri: string; expiresAt: number }, now: number): Promise<boolean> {
    return this.#sql.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM sign_ins WHERE expires_at < ${now}`);
      const waiting = await tx.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM sign_ins`);
      if (Number(waiting?.n ?? 0) >= MAX_PENDING_SIGN_INS) return false;
      await tx.run(
        sql`INSERT INTO sign_ins (state, nonce, code_verifier, redirect_uri, expires_at) VALUES (${o.state}, ${o.nonce}, ${o.codeVerifier}, ${o.redirectUri}, ${o.expiresAt})`,
      );
      return true;
    });
  }

  async pending(state: string): Promise<PendingSignIn | null> {
    const row = await this.#sql.get<{ redirect_uri: string; expires_at: number; used: number }>(
      sql`SELECT redirect_uri, expires_at, used FROM sign_ins WHERE state = ${state}`,
    );
    return row ? { redirectUri: row.redirect_uri, expiresAt: Number(row.expires_at), used: Number(row.used) !== 0 } : null;
  }

  /** Marks the sign-in used and answers what redeeming its code needs; null when another request used it first. */
  async claim(state: string): Promise<{ nonce: string; codeVerifier: string; redirectUri: string } | null> {
    const row = await this.#sql.get<{ nonce: string; code_verifier: string; redirect_uri: string }>(
      sql`UPDATE sign_ins SET used = 1 WHERE state = ${state} AND used = 0 RETURNING nonce, code_verifier, redirect_uri`,
    );
    return row ? { nonce: row.nonce, codeVerifier: row.code_verifier, redirectUri: row.redirect_uri } : null;
  }
}
