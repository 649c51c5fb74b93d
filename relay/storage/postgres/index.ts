import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Logger } from '../../log';
import { createStores, type OpenStores } from '../open';
import type { SecretBox } from '../secret-box';
import { foreignKeyMessage, SecretStore } from '../secrets';
import { listenForChanges } from './listen';
import { migratePostgres } from './migrate';
import { openPostgres } from './pool';
import { PostgresSendLimits, sharedSendLimits } from './send-limits';
import { PostgresSql } from './sql';

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

/** Opened PostgreSQL stores, with the pool for the tests that need it. */
export type PostgresStores = OpenStores & { readonly pool: Pool };

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
  const sql = new PostgresSql(pool);
  const secrets = new SecretStore(o.box);
  try {
    await migratePostgres(pool);
    // Sealed by the first relay to start, so that a second one with another key is refused before any secret exists
    // that it could not open.
    await secrets.put(sql, KEY_CHECK_SECRET, 'guardmail', true);
    const foreign = await secrets.foreignKeyIds(sql);
    if (foreign.length > 0) throw new Error(foreignKeyMessage(foreign, o.box, 'the same on every relay sharing this database'));
  } catch (err) {
    await pool.end();
    throw err;
  }

  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let stopListening: (() => void) | null = null;
  const stores = createStores(
    {
      name: 'postgres',
      sql,
      alone: false,
      reloadVersionsMs: o.versionsReloadMs ?? 60_000,
      sendLimits: sharedSendLimits(new PostgresSendLimits(pool), randomUUID()),
      sizeBytes: async () => Number((await pool.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]!.n),
      close: async () => {
        closed = true;
        if (retry) clearTimeout(retry);
        stopListening?.();
        await pool.end();
      },
    },
    o.box,
    o.logger,
  );

  const reload = (name: string) =>
    void stores
      .reload(name)
      .catch((err: unknown) =>
        o.logger.error({ err, setting: name }, 'a setting another relay changed could not be read; it is read again at the next change'),
      );
  // Changes made while no one listened are missed: a relay that listens again reads every setting again.
  const listen = async (): Promise<void> => {
    stopListening = await listenForChanges(pool, reload, (err) => {
      if (closed) return;
      o.logger.warn({ error: err.message }, "lost the connection other relays' changes are heard on; listening again");
      later(relisten);
    });
  };
  const later = (again: () => void) => {
    if (!closed) retry = setTimeout(again, o.relistenMs ?? 2_000);
  };
  const reloadAll = () => {
    retry = null;
    stores.reloadAll().catch(() => later(reloadAll));
  };
  const relisten = () => {
    retry = null;
    listen().then(reloadAll, () => later(relisten));
  };
  try {
    await listen();
    await stores.reloadAll();
  } catch (err) {
    await stores.close();
    throw err;
  }
  return Object.assign(stores, { pool });
}
