import type { Pool, PoolClient } from 'pg';
import type { RefreshFailure } from '../../domain/oauth-account';
import { toAccount, type AccountRow } from '../oauth-store';
import type { OAuthAccount, OAuthStorage, PendingConsent, RefreshOutcome, RefreshedTokens } from '../stores';
import type { SecretBox } from '../secret-box';
import { transaction } from './pool';
import { announce } from './settings';
import { MAIL_SETTINGS_NAME } from '../mail-settings-store';

const VERIFIER = 'oauth.codeVerifier';
const REFRESH_TOKEN = 'oauth.refreshToken';
const ACCESS_TOKEN = 'oauth.accessToken';

type Queryable = Pool | PoolClient;

/** Sealed secrets on PostgreSQL, as on SQLite (../secret-store.ts): the name is authenticated with the ciphertext. */
export class PostgresSecrets {
  readonly #box: SecretBox;

  constructor(box: SecretBox) {
    this.#box = box;
  }

  async get(db: Queryable, name: string): Promise<string | null> {
    const { rows: [row] } = await db.query<{ key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }>('SELECT key_id, iv, ciphertext, tag FROM secrets WHERE name = $1', [name]);
    return row ? this.#box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, name) : null;
  }

  async put(db: Queryable, name: string, plaintext: string): Promise<void> {
    const s = this.#box.seal(plaintext, name);
    await db.query(
      `INSERT INTO secrets (name, key_id, iv, ciphertext, tag, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext, tag = excluded.tag, updated_at = excluded.updated_at`,
      [name, s.keyId, s.iv, s.ciphertext, s.tag, new Date().toISOString()],
    );
  }

  async putIfAbsent(db: Queryable, name: string, plaintext: string): Promise<void> {
    const s = this.#box.seal(plaintext, name);
    await db.query('INSERT INTO secrets (name, key_id, iv, ciphertext, tag, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING', [
      name, s.keyId, s.iv, s.ciphertext, s.tag, new Date().toISOString(),
    ]);
  }

  async delete(db: Queryable, name: string): Promise<void> {
    await db.query('DELETE FROM secrets WHERE name = $1', [name]);
  }
}

/**
 * Key rotation with relays running: re-seals every secret with the box's current key, in one transaction that locks
 * them, so no relay writes one meanwhile. Every running relay must already read the new key (it is their current or
 * previous key) before this runs, and may drop the old one after. Answers how many secrets it re-sealed.
 */
export async function resealPostgres(pool: Pool, box: SecretBox): Promise<number> {
  return transaction(pool, async (client) => {
    const { rows } = await client.query<{ name: string; key_id: string; iv: Buffer; ciphertext: Buffer; tag: Buffer }>('SELECT name, key_id, iv, ciphertext, tag FROM secrets ORDER BY name FOR UPDATE');
    const secrets = new PostgresSecrets(box);
    for (const row of rows) {
      const plaintext = box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, tag: row.tag }, row.name);
      await secrets.put(client, row.name, plaintext);
    }
    // The relays hold the mail settings' secrets sealed in memory: they read them again.
    await announce(client, MAIL_SETTINGS_NAME);
    return rows.length;
  });
}

/**
 * The connected account on PostgreSQL, shared by every relay. Its point is refreshOnce(): several relays whose access
 * token expired at the same moment make one refresh request between them, and a rotated refresh token is stored before
 * any other relay can read the old one.
 */
export class PostgresOAuthAccount implements OAuthStorage {
  readonly #pool: Pool;
  readonly #secrets: PostgresSecrets;

  constructor(pool: Pool, box: SecretBox) {
    this.#pool = pool;
    this.#secrets = new PostgresSecrets(box);
  }

  /** Starts a consent, replacing any other in progress: only the newest state can be redeemed, on whichever relay. */
  async beginConsent(consent: { state: string; redirectUri: string; expiresAt: number; codeVerifier: string }): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query(
        `INSERT INTO oauth_consent (id, state, redirect_uri, expires_at, redeemed) VALUES (1, $1, $2, $3, 0)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, redirect_uri = excluded.redirect_uri, expires_at = excluded.expires_at, redeemed = 0`,
        [consent.state, consent.redirectUri, consent.expiresAt],
      );
      await this.#secrets.put(client, VERIFIER, consent.codeVerifier);
    });
  }

  async pendingConsent(): Promise<PendingConsent | null> {
    const { rows: [row] } = await this.#pool.query<{ state: string; redirect_uri: string; expires_at: number; redeemed: number }>(
      'SELECT state, redirect_uri, expires_at, redeemed FROM oauth_consent WHERE id = 1',
    );
    return row ? { state: row.state, redirectUri: row.redirect_uri, expiresAt: row.expires_at, redeemed: row.redeemed === 1 } : null;
  }

  /**
   * Marks the consent redeemed: of two callbacks with the same state, on the same relay or two, only one gets the PKCE
   * verifier (the update's condition is checked again once the first commits). Null when it was already redeemed.
   */
  claimConsent(state: string): Promise<{ codeVerifier: string; redirectUri: string } | null> {
    return transaction(this.#pool, async (client) => {
      const { rows: [claimed] } = await client.query<{ redirect_uri: string }>(
        'UPDATE oauth_consent SET redeemed = 1 WHERE id = 1 AND state = $1 AND redeemed = 0 RETURNING redirect_uri',
        [state],
      );
      if (!claimed) return null;
      const codeVerifier = await this.#secrets.get(client, VERIFIER);
      await this.#secrets.delete(client, VERIFIER);
      return codeVerifier ? { codeVerifier, redirectUri: claimed.redirect_uri } : null;
    });
  }

  async account(): Promise<OAuthAccount | null> {
    const { rows: [row] } = await this.#pool.query<AccountRow>('SELECT * FROM oauth_account WHERE id = 1');
    return row ? toAccount(row) : null;
  }

  refreshToken(): Promise<string | null> {
    return this.#secrets.get(this.#pool, REFRESH_TOKEN);
  }

  accessToken(): Promise<string | null> {
    return this.#secrets.get(this.#pool, ACCESS_TOKEN);
  }

  async dropAccessToken(): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await this.#secrets.delete(client, ACCESS_TOKEN);
      await client.query('UPDATE oauth_account SET access_expires_at = NULL WHERE id = 1');
    });
  }

  /** Stores a new connection, replacing any previous account and its tokens. */
  async connect(c: { account: string; scope: string; refreshToken: string; accessToken: string; accessExpiresAt: number; now: number }): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query(
        `INSERT INTO oauth_account (id, account, scope, connected_at, refresh_token_issued_at, access_expires_at)
         VALUES (1, $1, $2, $3, $3, $4)
         ON CONFLICT (id) DO UPDATE SET account = excluded.account, scope = excluded.scope, connected_at = excluded.connected_at,
           refresh_token_issued_at = excluded.refresh_token_issued_at, access_expires_at = excluded.access_expires_at,
           last_refresh_at = NULL, last_refresh_error = NULL, reauth_code = NULL, reauth_reason = NULL`,
        [c.account, c.scope, c.now, c.accessExpiresAt],
      );
      await this.#secrets.put(client, REFRESH_TOKEN, c.refreshToken);
      await this.#secrets.put(client, ACCESS_TOKEN, c.accessToken);
      await client.query('DELETE FROM oauth_consent');
    });
  }

  /** Forgets the account and every token (settings that changed the client, or an admin's disconnect). */
  async disconnect(): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await client.query('DELETE FROM secrets WHERE name = ANY($1)', [[ACCESS_TOKEN, REFRESH_TOKEN, VERIFIER]]);
      await client.query('DELETE FROM oauth_account');
      await client.query('DELETE FROM oauth_consent');
    });
  }

  /**
   * The access token, refreshed first unless `fresh(expiresAt)` says it still serves. The account's row stays locked
   * from the read to the write, so a relay that asks while another refreshes waits for it and takes its token; the
   * refresh request runs under the lock, and a refresh token rotated by it is stored in the same transaction. A failed
   * refresh is recorded as the domain judged it (refreshFailure) and thrown.
   */
  async refreshOnce(
    now: () => number,
    fresh: (expiresAt: number) => boolean,
    refresh: (refreshToken: string) => Promise<RefreshedTokens>,
    judge: (err: unknown) => RefreshFailure,
  ): Promise<RefreshOutcome> {
    // A failed refresh is recorded and committed, then thrown: the transaction must not roll its record back.
    const outcome = await transaction(this.#pool, (client) => this.#refreshLocked(client, now, fresh, refresh, judge));
    if (outcome.kind === 'error') throw outcome.error;
    return outcome;
  }

  async #refreshLocked(
    client: PoolClient,
    now: () => number,
    fresh: (expiresAt: number) => boolean,
    refresh: (refreshToken: string) => Promise<RefreshedTokens>,
    judge: (err: unknown) => RefreshFailure,
  ): Promise<RefreshOutcome | { kind: 'error'; error: unknown }> {
    const { rows: [row] } = await client.query<AccountRow>('SELECT * FROM oauth_account WHERE id = 1 FOR UPDATE');
    if (!row) return { kind: 'not-connected' };
    if (row.reauth_code) return { kind: 'reauth', reason: row.reauth_reason ?? '' };
    const current = await this.#secrets.get(client, ACCESS_TOKEN);
    if (current && row.access_expires_at !== null && fresh(row.access_expires_at)) {
      return { kind: 'token', account: row.account, accessToken: current, expiresAt: row.access_expires_at, refreshed: false };
    }
    const refreshToken = await this.#secrets.get(client, REFRESH_TOKEN);
    if (!refreshToken) return { kind: 'not-connected' };
    try {
      const tokens = await refresh(refreshToken);
      const at = now();
      const expiresAt = at + tokens.expiresInSeconds * 1000;
      await this.#secrets.put(client, ACCESS_TOKEN, tokens.accessToken);
      if (tokens.refreshToken) await this.#secrets.put(client, REFRESH_TOKEN, tokens.refreshToken);
      await client.query(
        `UPDATE oauth_account SET access_expires_at = $1, last_refresh_at = $2, last_refresh_error = NULL, scope = COALESCE($3, scope),
           refresh_token_issued_at = CASE WHEN $4 THEN $2 ELSE refresh_token_issued_at END WHERE id = 1`,
        [expiresAt, at, tokens.scope ?? null, Boolean(tokens.refreshToken)],
      );
      return { kind: 'token', account: row.account, accessToken: tokens.accessToken, expiresAt, refreshed: true };
    } catch (err) {
      await this.#recordFailure(client, judge(err));
      return { kind: 'error', error: err };
    }
  }

  /** A lost grant drops both tokens and asks for re-authorization; a passing failure keeps the refresh token. */
  async #recordFailure(client: PoolClient, failure: RefreshFailure): Promise<void> {
    await this.#secrets.delete(client, ACCESS_TOKEN);
    if (failure.kind === 'grant-lost') {
      await this.#secrets.delete(client, REFRESH_TOKEN);
      await client.query('UPDATE oauth_account SET access_expires_at = NULL, reauth_code = $1, reauth_reason = $2 WHERE id = 1', [failure.code, failure.reason]);
    } else {
      await client.query('UPDATE oauth_account SET access_expires_at = NULL, last_refresh_error = $1 WHERE id = 1', [failure.code]);
    }
  }
}
