/**
 * Versioned schema migrations. Each runs once, in order, in its own transaction; the applied version is
 * PRAGMA user_version. Never edit a released migration: add the next one.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'settings, secrets and access tokens',
    sql: `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,              -- JSON, never a secret
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,             -- which encryption key sealed it, so keys can rotate
        iv BLOB NOT NULL,
        ciphertext BLOB NOT NULL,
        tag BLOB NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE access_tokens (
        role TEXT PRIMARY KEY CHECK (role IN ('admin', 'enrollment')),
        sha256 BLOB NOT NULL,             -- tokens are 256-bit random, so a plain hash cannot be brute-forced
        created_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'OAuth consent in progress and connected account',
    sql: `
      -- At most one consent is in progress: a new one replaces it. Its PKCE verifier is a sealed secret.
      CREATE TABLE oauth_consent (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at INTEGER NOT NULL,      -- epoch ms
        redeemed INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      -- The connected account; its refresh and access tokens are sealed secrets.
      CREATE TABLE oauth_account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        account TEXT NOT NULL,
        scope TEXT NOT NULL,
        connected_at INTEGER NOT NULL,
        refresh_token_issued_at INTEGER NOT NULL,
        access_expires_at INTEGER,
        last_refresh_at INTEGER,
        last_refresh_error TEXT,
        reauth_code TEXT,                 -- non-null: re-authorization required, and why
        reauth_reason TEXT
      ) STRICT;
    `,
  },
];
