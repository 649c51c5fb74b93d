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
];
