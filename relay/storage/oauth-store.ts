import type { RefreshFailure } from '../domain/oauth-account';
import type { Db } from './db';
import type { SecretStore } from './secret-store';
import type { OAuthAccount, OAuthStorage, PendingConsent, RefreshOutcome, RefreshedTokens } from './stores';

const VERIFIER = 'oauth.codeVerifier';
const REFRESH_TOKEN = 'oauth.refreshToken';
const ACCESS_TOKEN = 'oauth.accessToken';

export interface AccountRow {
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

/** The account as the stores answer it, from its row on either engine. */
export const toAccount = (row: AccountRow): OAuthAccount => ({
  account: row.account,
  scope: row.scope,
  connectedAt: row.connected_at,
  refreshTokenIssuedAt: row.refresh_token_issued_at,
  accessExpiresAt: row.access_expires_at,
  lastRefreshAt: row.last_refresh_at,
  lastRefreshError: row.last_refresh_error,
  reauth: row.reauth_code ? { code: row.reauth_code, reason: row.reauth_reason ?? '' } : null,
});

/** The consent in progress and the connected account. Tokens and the PKCE verifier live sealed in the secret store. */
export class OAuthStore implements OAuthStorage {
  readonly #db: Db;
  readonly #secrets: SecretStore;

  constructor(db: Db, secrets: SecretStore) {
    this.#db = db;
    this.#secrets = secrets;
  }

  /** Starts a consent, replacing any other in progress: only the newest state can be redeemed. */
  beginConsent(consent: { state: string; redirectUri: string; expiresAt: number; codeVerifier: string }): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT OR REPLACE INTO oauth_consent (id, state, redirect_uri, expires_at, redeemed) VALUES (1, ?, ?, ?, 0)')
        .run(consent.state, consent.redirectUri, consent.expiresAt);
      this.#secrets.put(VERIFIER, consent.codeVerifier);
    })();
  }

  pendingConsent(): PendingConsent | null {
    const row = this.#db.prepare('SELECT state, redirect_uri, expires_at, redeemed FROM oauth_consent WHERE id = 1').get() as
      | { state: string; redirect_uri: string; expires_at: number; redeemed: number }
      | undefined;
    return row ? { state: row.state, redirectUri: row.redirect_uri, expiresAt: row.expires_at, redeemed: row.redeemed === 1 } : null;
  }

  /**
   * Marks the consent redeemed, atomically: of two callbacks with the same state only one gets the verifier.
   * Answers null when the state was already redeemed.
   */
  claimConsent(state: string): { codeVerifier: string; redirectUri: string } | null {
    return this.#db.transaction(() => {
      const claimed = this.#db.prepare('UPDATE oauth_consent SET redeemed = 1 WHERE id = 1 AND state = ? AND redeemed = 0').run(state);
      if (claimed.changes !== 1) return null;
      const codeVerifier = this.#secrets.get(VERIFIER);
      this.#secrets.delete(VERIFIER);
      const { redirect_uri } = this.#db.prepare('SELECT redirect_uri FROM oauth_consent WHERE id = 1').get() as { redirect_uri: string };
      return codeVerifier ? { codeVerifier, redirectUri: redirect_uri } : null;
    })();
  }

  /** Stores a new connection, replacing any previous account and its tokens. */
  connect(c: { account: string; scope: string; refreshToken: string; accessToken: string; accessExpiresAt: number; now: number }): void {
    this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO oauth_account (id, account, scope, connected_at, refresh_token_issued_at, access_expires_at, last_refresh_at,
             last_refresh_error, reauth_code, reauth_reason) VALUES (1, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)`,
        )
        .run(c.account, c.scope, c.now, c.now, c.accessExpiresAt);
      this.#secrets.put(REFRESH_TOKEN, c.refreshToken);
      this.#secrets.put(ACCESS_TOKEN, c.accessToken);
      this.#db.prepare('DELETE FROM oauth_consent').run();
    })();
  }

  account(): OAuthAccount | null {
    const row = this.#db.prepare('SELECT * FROM oauth_account WHERE id = 1').get() as AccountRow | undefined;
    return row ? toAccount(row) : null;
  }

  refreshToken(): string | null {
    return this.#secrets.get(REFRESH_TOKEN);
  }

  accessToken(): string | null {
    return this.#secrets.get(ACCESS_TOKEN);
  }

  /** Records a successful refresh; a rotated refresh token replaces the stored one, else the old one is kept. */
  refreshed(r: { accessToken: string; accessExpiresAt: number; refreshToken?: string; scope?: string; now: number }): void {
    this.#db.transaction(() => {
      this.#secrets.put(ACCESS_TOKEN, r.accessToken);
      if (r.refreshToken) this.#secrets.put(REFRESH_TOKEN, r.refreshToken);
      this.#db
        .prepare(
          `UPDATE oauth_account SET access_expires_at = ?, last_refresh_at = ?, last_refresh_error = NULL, scope = COALESCE(?, scope),
             refresh_token_issued_at = CASE WHEN ? THEN ? ELSE refresh_token_issued_at END WHERE id = 1`,
        )
        .run(r.accessExpiresAt, r.now, r.scope ?? null, r.refreshToken ? 1 : 0, r.now);
    })();
  }

  /**
   * One relay owns this store, and the token manager runs one refresh at a time: no lock is needed to make a refresh
   * the only one.
   */
  async refreshOnce(
    now: () => number,
    fresh: (expiresAt: number) => boolean,
    refresh: (refreshToken: string) => Promise<RefreshedTokens>,
    judge: (err: unknown) => RefreshFailure,
  ): Promise<RefreshOutcome> {
    const account = this.account();
    if (!account) return { kind: 'not-connected' };
    if (account.reauth) return { kind: 'reauth', reason: account.reauth.reason };
    const current = this.accessToken();
    if (current && account.accessExpiresAt !== null && fresh(account.accessExpiresAt)) {
      return { kind: 'token', account: account.account, accessToken: current, expiresAt: account.accessExpiresAt, refreshed: false };
    }
    const refreshToken = this.refreshToken();
    if (!refreshToken) return { kind: 'not-connected' };
    try {
      const tokens = await refresh(refreshToken);
      const at = now();
      const expiresAt = at + tokens.expiresInSeconds * 1000;
      this.refreshed({ accessToken: tokens.accessToken, accessExpiresAt: expiresAt, refreshToken: tokens.refreshToken, scope: tokens.scope, now: at });
      return { kind: 'token', account: account.account, accessToken: tokens.accessToken, expiresAt, refreshed: true };
    } catch (err) {
      this.refreshFailed(judge(err));
      throw err;
    }
  }

  /** A server refused the access token: the next send refreshes. The refresh token and its health are untouched. */
  dropAccessToken(): void {
    this.#db.transaction(() => {
      this.#secrets.delete(ACCESS_TOKEN);
      this.#db.prepare('UPDATE oauth_account SET access_expires_at = NULL WHERE id = 1').run();
    })();
  }

  /**
   * Records a failed refresh as the domain judged it (refreshFailure): a lost grant drops both tokens and asks for
   * re-authorization; a passing failure keeps the refresh token and notes the error.
   */
  refreshFailed(failure: RefreshFailure): void {
    this.#db.transaction(() => {
      this.#secrets.delete(ACCESS_TOKEN);
      if (failure.kind === 'grant-lost') {
        this.#secrets.delete(REFRESH_TOKEN);
        this.#db.prepare('UPDATE oauth_account SET access_expires_at = NULL, reauth_code = ?, reauth_reason = ? WHERE id = 1').run(failure.code, failure.reason);
      } else {
        this.#db.prepare('UPDATE oauth_account SET access_expires_at = NULL, last_refresh_error = ? WHERE id = 1').run(failure.code);
      }
    })();
  }

  /** Forgets the account and every token (settings that changed the client, or an admin's disconnect). */
  disconnect(): void {
    this.#db.transaction(() => {
      for (const name of [ACCESS_TOKEN, REFRESH_TOKEN, VERIFIER]) this.#secrets.delete(name);
      this.#db.prepare('DELETE FROM oauth_account').run();
      this.#db.prepare('DELETE FROM oauth_consent').run();
    })();
  }
}
