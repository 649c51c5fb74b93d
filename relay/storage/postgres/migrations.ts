/**
 * The PostgreSQL schema, versioned like the SQLite one (../migrations.ts) but its own: version 1 is SQLite's schema
 * at its version 13, in PostgreSQL's types. Epoch milliseconds are BIGINT; JSON stays TEXT, since the stores parse and
 * validate what they read (the outbox's payload against its schema) on either engine, and byte-identical payloads
 * keep an alert's mail the same whichever relay sends it. Never edit a released migration: add the next one.
 */
/** Tables only relays sharing PostgreSQL need: one relay on SQLite keeps what they hold in memory. */
export const POSTGRES_ONLY_TABLES = ['send_slots', 'send_pace'] as const;

export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'the SQLite schema at version 13',
    sql: `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        iv BYTEA NOT NULL,
        ciphertext BYTEA NOT NULL,
        tag BYTEA NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE access_tokens (
        role TEXT PRIMARY KEY CHECK (role IN ('admin', 'enrollment')),
        sha256 BYTEA NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE oauth_consent (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        redeemed INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE oauth_account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        account TEXT NOT NULL,
        scope TEXT NOT NULL,
        connected_at BIGINT NOT NULL,
        refresh_token_issued_at BIGINT NOT NULL,
        access_expires_at BIGINT,
        last_refresh_at BIGINT,
        last_refresh_error TEXT,
        reauth_code TEXT,
        reauth_reason TEXT
      );
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        browser TEXT NOT NULL,
        version TEXT NOT NULL,
        os TEXT NOT NULL,
        level TEXT NOT NULL,
        compliant INTEGER NOT NULL,
        findings TEXT NOT NULL,
        first_seen_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        last_alerted_at BIGINT,
        last_report_id TEXT,
        public_key TEXT,
        alerted TEXT
      );
      CREATE INDEX devices_level ON devices (level, last_seen_at);
      CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device_id TEXT NOT NULL,
        report_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'sent', 'pending_retry', 'failed')),
        created_at BIGINT NOT NULL,
        due_at BIGINT NOT NULL,
        batch_id TEXT,
        lease_until BIGINT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at BIGINT,
        first_due_at BIGINT
      );
      CREATE INDEX outbox_batch ON outbox (batch_id);
      CREATE INDEX outbox_device_state ON outbox (device_id, state);
      CREATE UNIQUE INDEX outbox_report ON outbox (device_id, report_id);
      CREATE INDEX outbox_state_due ON outbox (state, due_at);
      CREATE INDEX outbox_waiting ON outbox (state, first_due_at);
      CREATE TABLE release_feeds (
        source TEXT PRIMARY KEY,
        fetched_at BIGINT,
        channels TEXT,
        last_error TEXT,
        last_error_at BIGINT
      );
      CREATE TABLE exploited (
        cve TEXT PRIMARY KEY,
        date_added TEXT NOT NULL,
        ranges TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at BIGINT NOT NULL,
        request_id TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'what relays share about sending: connection slots and the pace per mailbox',
    // PostgreSQL only: one relay on SQLite keeps these in memory. A provider's limits are per mailbox, whatever the
    // number of relays sending as it (Exchange Online: 3 connections, 30 messages a minute).
    sql: `
      CREATE TABLE send_slots (
        mailbox TEXT NOT NULL,
        slot INTEGER NOT NULL,
        holder TEXT,
        lease_until BIGINT,
        PRIMARY KEY (mailbox, slot)
      );
      CREATE TABLE send_pace (
        mailbox TEXT PRIMARY KEY,
        next_at BIGINT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'reports ordered by their signature time, and each device\'s latest refused report',
    // As SQLite's migration 14.
    sql: `
      ALTER TABLE devices ADD COLUMN last_signed_at BIGINT;
      ALTER TABLE devices ADD COLUMN last_refusal TEXT;
    `,
  },
];
