import { HISTORY_MS } from '../domain/fleet-versions';

/**
 * The schema, once for both engines: versioned migrations, each run once and in order. A migration names its column
 * types through `t`, which each engine fills with its own (sqlite/db.ts, postgres/migrate.ts): epoch milliseconds are
 * INTEGER or BIGINT, bytes BLOB or BYTEA. JSON stays TEXT on both, since the stores parse and validate what they read,
 * and byte-identical payloads keep an alert's mail the same whichever relay sends it. Never edit a released migration:
 * add the next one.
 */
export interface ColumnTypes {
  /** Epoch milliseconds, and other integers past 2^31. */
  time: string;
  bytes: string;
  /** An id the database gives each new row, as the primary key. */
  serial: string;
  /** What ends a CREATE TABLE: SQLite's STRICT, nothing on PostgreSQL. */
  strict: string;
  /** A TEXT column read as JSON (PostgreSQL casts it). */
  json: (column: string) => string;
  /** The elements of a TEXT column's JSON array, as a FROM item whose column is `value`. */
  jsonElements: (column: string) => string;
}

export interface Migration {
  version: number;
  name: string;
  sql: (t: ColumnTypes) => string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings, secrets and access tokens',
    sql: (t) => `
      CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,              -- JSON, never a secret
        updated_at TEXT NOT NULL
      )${t.strict};
      CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,             -- which encryption key sealed it, so keys can rotate
        iv ${t.bytes} NOT NULL,
        ciphertext ${t.bytes} NOT NULL,
        tag ${t.bytes} NOT NULL,
        updated_at TEXT NOT NULL
      )${t.strict};
      CREATE TABLE access_tokens (
        role TEXT PRIMARY KEY CHECK (role IN ('admin', 'enrollment')),
        sha256 ${t.bytes} NOT NULL,             -- tokens are 256-bit random, so a plain hash cannot be brute-forced
        created_at TEXT NOT NULL
      )${t.strict};
    `,
  },
  {
    version: 2,
    name: 'OAuth consent in progress and connected account',
    sql: (t) => `
      -- At most one consent is in progress: a new one replaces it. Its PKCE verifier is a sealed secret.
      CREATE TABLE oauth_consent (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at ${t.time} NOT NULL,      -- epoch ms
        redeemed INTEGER NOT NULL DEFAULT 0
      )${t.strict};
      -- The connected account; its refresh and access tokens are sealed secrets.
      CREATE TABLE oauth_account (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        account TEXT NOT NULL,
        scope TEXT NOT NULL,
        connected_at ${t.time} NOT NULL,
        refresh_token_issued_at ${t.time} NOT NULL,
        access_expires_at ${t.time},
        last_refresh_at ${t.time},
        last_refresh_error TEXT,
        reauth_code TEXT,                 -- non-null: re-authorization required, and why
        reauth_reason TEXT
      )${t.strict};
    `,
  },
  {
    version: 3,
    name: 'fleet: devices, report history, newest versions, alert outbox',
    sql: (t) => `
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        browser TEXT NOT NULL,
        version TEXT NOT NULL,
        os TEXT NOT NULL,
        level TEXT NOT NULL,
        compliant INTEGER NOT NULL,
        findings TEXT NOT NULL,           -- JSON Finding[] of the latest report
        first_seen_at ${t.time} NOT NULL,
        last_seen_at ${t.time} NOT NULL,
        last_alerted_at ${t.time}           -- for the cooldown
      )${t.strict};
      CREATE INDEX devices_level ON devices (level, last_seen_at);
      CREATE TABLE reports (
        report_id TEXT PRIMARY KEY,       -- a repeated report id is ignored
        device_id TEXT NOT NULL,
        received_at ${t.time} NOT NULL,
        level TEXT NOT NULL,
        compliant INTEGER NOT NULL
      )${t.strict};
      CREATE INDEX reports_device ON reports (device_id, received_at);
      CREATE TABLE browser_majors (
        browser TEXT PRIMARY KEY,
        newest_major INTEGER NOT NULL
      )${t.strict};
      -- pending -> running -> sent | pending_retry | failed; a running batch whose lease expired is taken again.
      CREATE TABLE outbox (
        id ${t.serial},
        device_id TEXT NOT NULL,
        report_id TEXT NOT NULL,
        payload TEXT NOT NULL,            -- JSON: the device and its findings when it was alerted
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'sent', 'pending_retry', 'failed')),
        created_at ${t.time} NOT NULL,
        due_at ${t.time} NOT NULL,
        batch_id TEXT,                    -- the mail it goes out in; fixes the Message-ID across retries
        lease_until ${t.time},
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        sent_at ${t.time}
      )${t.strict};
      CREATE INDEX outbox_state_due ON outbox (state, due_at);
      CREATE INDEX outbox_batch ON outbox (batch_id);
    `,
  },
  {
    version: 4,
    name: 'audit log of admin changes',
    sql: (t) => `
      CREATE TABLE audit_log (
        id ${t.serial},
        at ${t.time} NOT NULL,
        request_id TEXT NOT NULL,         -- '' for changes made by the relay itself or a relay command
        action TEXT NOT NULL,
        details TEXT NOT NULL             -- JSON; names of changed secrets, never their values
      )${t.strict};
    `,
  },
  {
    version: 5,
    name: "reports deduplicated by each device's last report id, not kept forever",
    // A browser sends its queued reports one at a time and only moves on once one is answered, so a repeat is always
    // of its latest report. The reports table grew by every report of every browser (2.4 million rows a day for
    // 100,000 browsers) and cost two of the four writes each report made.
    sql: () => `
      ALTER TABLE devices ADD COLUMN last_report_id TEXT;
      UPDATE devices SET last_report_id = (SELECT report_id FROM reports WHERE device_id = devices.id ORDER BY received_at DESC LIMIT 1);
      DROP TABLE reports;
    `,
  },
  {
    version: 6,
    name: "the fleet's newest browser versions derived from the devices, not kept as a high-water mark",
    // One report of "Chrome 99999" raised the stored newest major for good and made every real Chrome look outdated;
    // the newest version now needs a quorum of devices (domain/fleet-versions.ts) and follows their latest reports.
    sql: () => `DROP TABLE browser_majors;`,
  },
  {
    version: 7,
    name: 'alerts waiting per device',
    // A device gets no second alert while one waits, and its cooldown runs from delivery: looked up by device.
    sql: () => `CREATE INDEX outbox_device_state ON outbox (device_id, state);`,
  },
  {
    version: 8,
    name: 'each device bound to the key its browser made',
    // The public key (JWK) a device's first signed report registered; its later reports must be signed with it.
    sql: () => `ALTER TABLE devices ADD COLUMN public_key TEXT;`,
  },
  {
    version: 9,
    name: 'when each alert first became due',
    // Retries move due_at; the queue lifetime and "delivery delayed since" count from the first time it was due.
    sql: (t) => `
      ALTER TABLE outbox ADD COLUMN first_due_at ${t.time};
      UPDATE outbox SET first_due_at = due_at;
      CREATE INDEX outbox_waiting ON outbox (state, first_due_at);
    `,
  },
  {
    version: 10,
    name: "the vendors' release data, and why a refresh was refused",
    // The last good copy of each feed (null until one arrives) and the last refusal, which leaves that copy in use.
    sql: (t) => `
      CREATE TABLE release_feeds (
        source TEXT PRIMARY KEY,
        fetched_at ${t.time},
        channels TEXT,
        last_error TEXT,
        last_error_at ${t.time}
      )${t.strict};
    `,
  },
  {
    version: 11,
    name: 'vulnerabilities exploited in the wild that affect browsers',
    // CISA's KEV entries for Chrome, Edge and Firefox with the versions NVD says they affect; replaced at each refresh.
    sql: (t) => `
      CREATE TABLE exploited (
        cve TEXT PRIMARY KEY,
        date_added TEXT NOT NULL,
        ranges TEXT NOT NULL
      )${t.strict};
    `,
  },
  {
    version: 12,
    name: 'what each device was last alerted for',
    // A finding the device was not alerted for raises an alert whatever the cooldown (domain/alert-rule.ts).
    sql: () => `ALTER TABLE devices ADD COLUMN alerted TEXT;`,
  },
  {
    version: 13,
    name: 'one alert per report',
    // A report raises at most one alert: the store already answers a repeated report from the device's state, and the
    // outbox now says so itself. Copies an older relay might have left are dropped, the first one kept.
    sql: () => `
      DELETE FROM outbox WHERE id NOT IN (SELECT min(id) FROM outbox GROUP BY device_id, report_id);
      CREATE UNIQUE INDEX outbox_report ON outbox (device_id, report_id);
    `,
  },
  {
    version: 14,
    name: "reports ordered by their signature time, and each device's latest refused report",
    // A replayed report signed before the last one applied is refused (domain/report-order.ts); an admin sees the last
    // refusal per device and why (routes/fleet.ts).
    sql: (t) => `
      ALTER TABLE devices ADD COLUMN last_signed_at ${t.time};
      ALTER TABLE devices ADD COLUMN last_refusal TEXT;
    `,
  },
  {
    version: 15,
    name: "the fleet's extension inventory",
    // Each version of each extension (keyed by a hash of the id, the number, the permissions and the update URL), and
    // which one each device runs (domain/extension-inventory.ts). A device's digest of its extensions lets an unchanged
    // report skip the inventory; change_alerts is how many extension-change alerts it started today.
    sql: (t) => `
      CREATE TABLE extension_versions (
        version_key TEXT PRIMARY KEY,
        extension_id TEXT NOT NULL,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        permissions TEXT NOT NULL,
        host_permissions TEXT NOT NULL,
        update_url TEXT,
        first_seen_at ${t.time} NOT NULL
      )${t.strict};
      CREATE INDEX extension_versions_extension ON extension_versions (extension_id);
      CREATE TABLE device_extensions (
        device_id TEXT NOT NULL,
        extension_id TEXT NOT NULL,
        version_key TEXT NOT NULL,
        install_type TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        disabled_reason TEXT,
        since ${t.time} NOT NULL,
        installed_at ${t.time},
        PRIMARY KEY (device_id, extension_id)
      )${t.strict};
      CREATE INDEX device_extensions_extension ON device_extensions (extension_id, version_key);
      CREATE INDEX device_extensions_version ON device_extensions (version_key);
      ALTER TABLE devices ADD COLUMN extensions_digest TEXT;
      ALTER TABLE devices ADD COLUMN change_alerts TEXT;
    `,
  },
  {
    version: 16,
    name: 'named API tokens with a role, and who did each audited thing',
    // A token is kept as its SHA-256 only, shown once when made (storage/api-tokens.ts). An audit entry names the admin
    // (a token's name, or "admin token" for the break-glass one), the role it acted with and the client's address;
    // entries from before name nobody.
    sql: (t) => `
      CREATE TABLE api_tokens (
        id ${t.serial},
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        sha256 ${t.bytes} NOT NULL UNIQUE,
        created_at ${t.time} NOT NULL,
        created_by TEXT NOT NULL,
        expires_at ${t.time} NOT NULL,
        last_used_at ${t.time},
        revoked_at ${t.time}
      )${t.strict};
      ALTER TABLE audit_log ADD COLUMN actor TEXT NOT NULL DEFAULT '';
      ALTER TABLE audit_log ADD COLUMN actor_role TEXT NOT NULL DEFAULT '';
      ALTER TABLE audit_log ADD COLUMN source TEXT NOT NULL DEFAULT '';
    `,
  },
  {
    version: 17,
    name: 'admin sessions from the identity provider, and sign-ins in progress',
    // A session is a token like a named one (storage/api-tokens.ts), kept as its hash, named after the admin, with the
    // role the sign-in earned; `subject` is the provider's issuer and subject, so a role change shows at the next sign-in.
    // A sign-in in progress is found by its state and used once; the relay forgets it when it expires.
    sql: (t) => `
      ALTER TABLE api_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api';
      ALTER TABLE api_tokens ADD COLUMN subject TEXT NOT NULL DEFAULT '';
      CREATE INDEX api_tokens_subject ON api_tokens (subject, id);
      CREATE TABLE sign_ins (
        state TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at ${t.time} NOT NULL,
        used INTEGER NOT NULL DEFAULT 0
      )${t.strict};
    `,
  },
  {
    version: 18,
    name: "the fleet's versions, counted as devices move",
    // How many devices with a day of history run each browser version (domain/fleet-versions.ts), kept in step with the
    // devices in each write's transaction, so that no relay counts them again from every device.
    sql: (t) => `
      CREATE TABLE fleet_versions (
        browser TEXT NOT NULL,
        version TEXT NOT NULL,
        devices INTEGER NOT NULL,
        PRIMARY KEY (browser, version)
      )${t.strict};
      INSERT INTO fleet_versions (browser, version, devices)
        SELECT browser, version, count(*) FROM devices WHERE last_seen_at - first_seen_at >= ${HISTORY_MS} GROUP BY browser, version;
    `,
  },
  {
    version: 19,
    name: 'the fleet console: devices found by finding, their level history, and lists in every order',
    // A device's findings as rows, so that the console finds the devices with one among 100,000 through an index, and
    // its level each time it changed (the stores keep DEVICE_HISTORY_KEPT), as of now for the devices already known.
    // The devices' list orders (storage/device-list.ts) each walk an index: risk is by level then last seen.
    sql: (t) => `
      CREATE TABLE device_findings (
        device_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        PRIMARY KEY (device_id, check_id, subject)
      )${t.strict};
      CREATE INDEX device_findings_check ON device_findings (check_id, subject, device_id);
      INSERT INTO device_findings (device_id, check_id, subject)
        SELECT DISTINCT d.id, value ->> 'check', value ->> 'subject' FROM devices d, ${t.jsonElements('d.findings')};
      CREATE TABLE device_levels (
        device_id TEXT NOT NULL,
        at ${t.time} NOT NULL,
        level TEXT NOT NULL,
        findings INTEGER NOT NULL,
        report_id TEXT,
        PRIMARY KEY (device_id, at)
      )${t.strict};
      INSERT INTO device_levels (device_id, at, level, findings, report_id)
        SELECT id, last_seen_at, level, json_array_length(${t.json('findings')}), last_report_id FROM devices;
      DROP INDEX devices_level;
      CREATE INDEX devices_level ON devices (level, last_seen_at, id);
      CREATE INDEX devices_seen ON devices (last_seen_at, id);
      CREATE INDEX devices_name ON devices (lower(label), id);
    `,
  },
];
