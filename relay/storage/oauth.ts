import type { RefreshFailure } from '../domain/oauth-account';
import type { SecretStore } from './secrets';
import { sql, type Sql } from './sql';

export interface PendingConsent {
  state: string;
  redirectUri: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface OAuthAccount {
  account: string;
  scope: string;
  connectedAt: number;
  refreshTokenIssuedAt: number;
  accessExpiresAt: number | null;
  lastRefreshAt: number | null;
  lastRefreshError: string | null;
  reauth: { code: string; reason: string } | null;
}

/** The connected account, held against every other relay while a refresh is decided and made (OAuthStore.withAccountLock). */
export interface LockedAccount {
  account(): Promise<OAuthAccount | null>;
  accessToken(): Promise<string | null>;
  refreshToken(): Promise<string | null>;
  /** Records a successful refresh; a rotated refresh token replaces the stored one, else the old one is kept. */
  refreshed(r: { accessToken: string; accessExpiresAt: number; refreshToken?: string; scope?: string; now: number }): Promise<void>;
  /**
   * Records a failed refresh as the domain judged it (refreshFailure): a lost grant drops both tokens and asks for
   * re-authorization; a passing failure keeps the refresh token and notes the error.
   */
  refreshFailed(failure: RefreshFailure): Promise<void>;
}

const VERIFIER = 'oauth.codeVerifier';
const REFRESH_TOKEN = 'oauth.refreshToken';
const ACCESS_TOKEN = 'oauth.accessToken';

interface AccountRow {
  account: string;
  scope: string;
  connected_at: number;
  refresh_token_issued_at: number;
  access_expires_at: number | null;
  last_refresh_at: number | null;
  last_refresh_error: string | null;
  reauth_code: string | null;
  reauth_reason: string | null;
}

const toAccount = (row: AccountRow): OAuthAccount => ({
  account: row.account,
  scope: row.scope,
  connectedAt: row.connected_at,
  refreshTokenIssuedAt: row.refresh_token_issued_at,
  accessExpiresAt: row.access_expires_at,
  lastRefreshAt: row.last_refresh_at,
  lastRefreshError: row.last_refresh_error,
  reauth: row.reauth_code ? { code: row.reauth_code, reason: row.reauth_reason ?? '' } : null,
});

/**
 * The consent in progress and the connected account, shared by every relay where several share the store. Tokens and
 * the PKCE verifier live sealed among the secrets. The refresh lifecycle itself is the token manager's
 * (delivery/token-manager.ts), run under withAccountLock().
 */
export class OAuthStore {
  readonly #sql: Sql;
  readonly #secrets: SecretStore;

  constructor(sql: Sql, secrets: SecretStore) {
    this.#sql = sql;
    this.#secrets = secrets;
  }

  /** Starts a consent, replacing any other in progress: only the newest state can be redeemed, on whichever relay. */
  async beginConsent(consent: { state: string; redirectUri: string; expiresAt: number; codeVerifier: string }): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(
        sql`INSERT INTO oauth_consent (id, state, redirect_uri, expires_at, redeemed) VALUES (1, ${consent.state}, ${consent.redirectUri}, ${consent.expiresAt}, 0)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, redirect_uri = excluded.redirect_uri, expires_at = excluded.expires_at, redeemed = 0`,
      );
      await this.#secrets.put(tx, VERIFIER, consent.codeVerifier);
    });
  }

  async pendingConsent(): Promise<PendingConsent | null> {
    const row = await this.#sql.get<{ state: string; redirect_uri: string; expires_at: number; redeemed: number }>(
      sql`SELECT state, redirect_uri, expires_at, redeemed FROM oauth_consent WHERE id = 1`,
    );
    return row ? { state: row.state, redirectUri: row.redirect_uri, expiresAt: row.expires_at, redeemed: row.redeemed === 1 } : null;
  }

  /**
   * Marks the consent redeemed: of two callbacks with the same state, on the same relay or two, only one gets the PKCE
   * verifier (the update's condition is checked again once the first commits). Null when it was already redeemed.
   */
  claimConsent(state: string): Promise<{ codeVerifier: string; redirectUri: string } | null> {
    return this.#sql.transaction(async (tx) => {
      const claimed = await tx.get<{ redirect_uri: string }>(
        sql`UPDATE oauth_consent SET redeemed = 1 WHERE id = 1 AND state = ${state} AND redeemed = 0 RETURNING redirect_uri`,
      );
      if (!claimed) return null;
      const codeVerifier = await this.#secrets.get(tx, VERIFIER);
      await this.#secrets.delete(tx, VERIFIER);
      return codeVerifier ? { codeVerifier, redirectUri: claimed.redirect_uri } : null;
    });
  }

  /** Stores a new connection, replacing any previous account and its tokens. */
  async connect(c: { account: string; scope: string; refreshToken: string; accessToken: string; accessExpiresAt: number; now: number }): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM oauth_account`);
      await tx.run(
        sql`INSERT INTO oauth_account (id, account, scope, connected_at, refresh_token_issued_at, access_expires_at)
            VALUES (1, ${c.account}, ${c.scope}, ${c.now}, ${c.now}, ${c.accessExpiresAt})`,
      );
      await this.#secrets.put(tx, REFRESH_TOKEN, c.refreshToken);
      await this.#secrets.put(tx, ACCESS_TOKEN, c.accessToken);
      await tx.run(sql`DELETE FROM oauth_consent`);
    });
  }

  account(): Promise<OAuthAccount | null> {
    return accountIn(this.#sql);
  }

  refreshToken(): Promise<string | null> {
    return this.#secrets.get(this.#sql, REFRESH_TOKEN);
  }

  accessToken(): Promise<string | null> {
    return this.#secrets.get(this.#sql, ACCESS_TOKEN);
  }

  /** A server refused the access token: the next send refreshes. The refresh token and its health are untouched. */
  async dropAccessToken(): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await this.#secrets.delete(tx, ACCESS_TOKEN);
      await tx.run(sql`UPDATE oauth_account SET access_expires_at = NULL WHERE id = 1`);
    });
  }

  /** Forgets the account and every token (settings that changed the client, or an admin's disconnect). */
  async disconnect(): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      for (const name of [ACCESS_TOKEN, REFRESH_TOKEN, VERIFIER]) await this.#secrets.delete(tx, name);
      await tx.run(sql`DELETE FROM oauth_account`);
      await tx.run(sql`DELETE FROM oauth_consent`);
    });
  }

  /**
   * Runs `work` holding the account against every relay sharing the store: several relays whose access token expired
   * at the same moment make one refresh request between them, and a rotated refresh token is stored before any other
   * relay can read the old one. What `work` records is committed when it resolves.
   */
  withAccountLock<T>(work: (account: LockedAccount) => Promise<T>): Promise<T> {
    return this.#sql.exclusive('oauth-account', (db) =>
      work({
        account: () => accountIn(db),
        accessToken: () => this.#secrets.get(db, ACCESS_TOKEN),
        refreshToken: () => this.#secrets.get(db, REFRESH_TOKEN),
        // Each record in one transaction: the one the lock holds where relays share the store, its own on SQLite.
        refreshed: (r) =>
          db.transaction(async (tx) => {
            await this.#secrets.put(tx, ACCESS_TOKEN, r.accessToken);
            if (r.refreshToken) await this.#secrets.put(tx, REFRESH_TOKEN, r.refreshToken);
            await tx.run(
              sql`UPDATE oauth_account SET access_expires_at = ${r.accessExpiresAt}, last_refresh_at = ${r.now}, last_refresh_error = NULL, scope = COALESCE(${r.scope ?? null}, scope),
                    refresh_token_issued_at = COALESCE(${r.refreshToken ? r.now : null}, refresh_token_issued_at) WHERE id = 1`,
            );
          }),
        refreshFailed: (failure) => db.transaction((tx) => recordFailure(tx, this.#secrets, failure)),
      }),
    );
  }
}

const accountIn = async (db: Sql): Promise<OAuthAccount | null> => {
  const row = await db.get<AccountRow>(sql`SELECT * FROM oauth_account WHERE id = 1`);
  return row ? toAccount(row) : null;
};

/** A lost grant drops both tokens and asks for re-authorization; a passing failure keeps the refresh token and notes the error. */
async function recordFailure(db: Sql, secrets: SecretStore, failure: RefreshFailure): Promise<void> {
  await secrets.delete(db, ACCESS_TOKEN);
  if (failure.kind === 'grant-lost') {
    await secrets.delete(db, REFRESH_TOKEN);
    await db.run(sql`UPDATE oauth_account SET access_expires_at = NULL, reauth_code = ${failure.code}, reauth_reason = ${failure.reason} WHERE id = 1`);
  } else {
    await db.run(sql`UPDATE oauth_account SET access_expires_at = NULL, last_refresh_error = ${failure.code} WHERE id = 1`);
  }
}
