import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PostgresSendLimits, sharedSendLimits } from './send-limits';
import type { AuditEntry } from '../../../shared/api';
import type { Logger } from '../../log';
import { auditEntry, type AuditRow } from '../audit-log';
import { foreignKeyMessage, unknownKeyIds } from '../secret-store';
import type { SecretBox } from '../secret-box';
import type { AuditAction, AuditStorage, Stores } from '../stores';
import { PostgresDeliveryLog, PostgresMailSettings, PostgresPolicy, PostgresReleases, RELEASES_NAME, type Cached } from './cached';
import { PostgresFleet } from './fleet';
import { migratePostgres } from './migrate';
import { PostgresOAuthAccount, PostgresSecrets } from './oauth';
import { PostgresOutbox } from './outbox';
import { openPostgres } from './pool';
import { PostgresSettings } from './settings';
import { DELIVERY_NAME } from '../delivery-log';
import { MAIL_SETTINGS_NAME } from '../mail-settings-store';
import { POLICY_NAME } from '../policy-store';

/** A secret that exists only to carry the key id every relay must hold. */
const KEY_CHECK_SECRET = 'key-check';

export interface PostgresStoreOptions {
  url: string;
  /** A PEM bundle the database's certificate is checked against, beside the system's CAs. */
  ca?: string;
  box: SecretBox;
  logger: Logger;
  /** Connections this relay opens at most. */
  maxConnections?: number;
  /** How often the fleet's versions are counted again, to take in other relays' reports. */
  versionsReloadMs?: number;
  /** How long after losing the connection it listens on a relay tries again. */
  relistenMs?: number;
}

/** Opened PostgreSQL stores, with the pool for the commands that need it (rotate-key, the tests). */
export type PostgresStores = Stores & { readonly pool: Pool };

/** The audit log on PostgreSQL. */
export class PostgresAudit implements AuditStorage {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async record(action: AuditAction, details: Record<string, unknown>, requestId = '', at = Date.now()): Promise<void> {
    await this.#pool.query('INSERT INTO audit_log (at, request_id, action, details) VALUES ($1, $2, $3, $4)', [at, requestId, action, JSON.stringify(details)]);
  }

  async prune(cutoff: number): Promise<number> {
    return (await this.#pool.query('DELETE FROM audit_log WHERE at < $1', [cutoff])).rowCount ?? 0;
  }

  async list(limit: number): Promise<AuditEntry[]> {
    return (await this.#pool.query<AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [limit])).rows.map(auditEntry);
  }
}

/**
 * Opens the database several relays share: migrates it (one relay at a time), refuses a key other than the one its
 * secrets are sealed with, loads the settings every relay holds in memory, and listens for other relays' changes to
 * them. Throws with the reason and its fix.
 */
export async function openPostgresStores(o: PostgresStoreOptions): Promise<PostgresStores> {
  const pool = openPostgres(o.url, {
    ca: o.ca,
    max: o.maxConnections,
    idleError: (err) => o.logger.warn({ error: err.message }, 'a PostgreSQL connection closed; the next query opens another'),
  });
  try {
    await migratePostgres(pool);
    // Sealed by the first relay to start, so that a second one with another key is refused before any secret exists
    // that it could not open.
    await new PostgresSecrets(o.box).putIfAbsent(pool, KEY_CHECK_SECRET, 'guardmail');
    const used = (await pool.query<{ key_id: string }>('SELECT DISTINCT key_id FROM secrets')).rows.map((r) => r.key_id);
    const foreign = unknownKeyIds(used, o.box);
    if (foreign.length > 0) throw new Error(foreignKeyMessage(foreign, o.box, 'the same on every relay sharing this database'));
  } catch (err) {
    await pool.end();
    throw err;
  }

  const mailSettings = new PostgresMailSettings(pool, o.box);
  const policy = new PostgresPolicy(pool);
  const deliveryLog = new PostgresDeliveryLog(pool, o.logger);
  const releases = new PostgresReleases(pool);
  const cached = { [MAIL_SETTINGS_NAME]: mailSettings, [POLICY_NAME]: policy, [DELIVERY_NAME]: deliveryLog, [RELEASES_NAME]: releases } as Record<string, Cached>;
  const loadAll = () => Promise.all(Object.values(cached).map((c) => c.load()));

  const settings = new PostgresSettings(pool);
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const reload = (name: string) =>
    cached[name]?.load().catch((err: unknown) => o.logger.error({ err, setting: name }, 'a setting another relay changed could not be read; it is read again at the next change'));
  // Changes made while no one listened are missed: a relay that listens again reads every setting again.
  const listen = async (): Promise<void> => {
    await settings.listen(reload, (err) => {
      if (closed) return;
      o.logger.warn({ error: err.message }, 'lost the connection other relays\' changes are heard on; listening again');
      later(relisten);
    });
  };
  const later = (again: () => void) => {
    if (!closed) retry = setTimeout(again, o.relistenMs ?? 2_000);
  };
  const reloadAll = () => {
    retry = null;
    loadAll().catch(() => later(reloadAll));
  };
  const relisten = () => {
    retry = null;
    listen().then(reloadAll, () => later(relisten));
  };
  try {
    await listen();
    await loadAll();
  } catch (err) {
    await settings.close();
    await pool.end();
    throw err;
  }

  const secrets = new PostgresSecrets(o.box);
  return {
    engine: 'postgres',
    pool,
    mailSettings,
    policy,
    deliveryLog,
    releases,
    oauth: new PostgresOAuthAccount(pool, o.box),
    outbox: new PostgresOutbox(pool),
    audit: new PostgresAudit(pool),
    tokenRows: {
      find: async (role) => (await pool.query<{ sha256: Buffer }>('SELECT sha256 FROM access_tokens WHERE role = $1', [role])).rows[0]?.sha256 ?? null,
      insert: async (role, hash) =>
        ((await pool.query('INSERT INTO access_tokens (role, sha256, created_at) VALUES ($1, $2, $3) ON CONFLICT (role) DO NOTHING', [role, hash, new Date().toISOString()])).rowCount ?? 0) === 1,
    },
    sendLimits: sharedSendLimits(new PostgresSendLimits(pool), randomUUID()),
    openFleet: (options) => new PostgresFleet(pool, { ...options, reloadEveryMs: o.versionsReloadMs ?? 60_000 }),
    secret: (name) => secrets.get(pool, name),
    keepSecret: (name, plaintext) => secrets.put(pool, name, plaintext),
    ping: async () => {
      await pool.query('SELECT 1');
    },
    sizeBytes: async () => Number((await pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]!.n),
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await settings.close().catch(() => undefined);
      await pool.end();
    },
  };
}
