import type { Pool, PoolClient } from 'pg';
import { transaction } from './pool';

/** The channel a relay announces a changed setting on: its payload is the setting's name. */
const CHANNEL = 'guardmail_settings';

/** Writes a named setting and announces it, in the caller's transaction. */
export async function writeSetting(client: PoolClient, name: string, value: unknown): Promise<void> {
  await client.query(
    `INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    [name, JSON.stringify(value), new Date().toISOString()],
  );
  await announce(client, name);
}

/** Tells every listening relay that `name` changed: delivered at commit, and only if the transaction commits. */
export async function announce(client: PoolClient, name: string): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [CHANNEL, name]);
}

/**
 * Named JSON settings (the alert policy, the mail settings, the delivery record) on PostgreSQL. The relays cache them,
 * as one relay does on SQLite; a write announces the name with NOTIFY in its transaction, so every relay listening
 * drops its cached copy once the change is committed, and an admin's change on one relay holds on all of them.
 */
export class PostgresSettings {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async get<T>(name: string): Promise<T | null> {
    const { rows } = await this.#pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    return rows[0] ? (JSON.parse(rows[0].value) as T) : null;
  }

  async put(name: string, value: unknown): Promise<void> {
    await transaction(this.#pool, (client) => writeSetting(client, name, value));
  }

  /**
   * Calls `changed(name)` for every setting any relay writes from now on, this one included. The connection it holds
   * is its own; should it break, `lost` is told, and the caller must treat every cached setting as stale.
   */
  async listen(changed: (name: string) => void, lost: (err: Error) => void): Promise<void> {
    const client = await this.#pool.connect();
    // Given back once, whichever comes first: the server ending it, or close().
    let released = false;
    const release = (err: Error | boolean) => {
      if (released) return false;
      released = true;
      client.release(err);
      return true;
    };
    // Closed rather than given back: it is no use to a query while it listens.
    const stop = () => void release(true);
    // A server restart ends the connection, with an error or without one: either way the relay has stopped hearing.
    const end = (err: Error) => {
      if (!release(err)) return;
      if (this.#stop === stop) this.#stop = null;
      lost(err);
    };
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) changed(message.payload);
    });
    client.on('error', end);
    client.on('end', () => end(new Error('the connection PostgreSQL changes are heard on ended')));
    try {
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      release(err as Error);
      throw err;
    }
    this.#stop = stop;
  }

  #stop: (() => void) | null = null;

  /** Stops listening and closes the connection it held. */
  async close(): Promise<void> {
    const stop = this.#stop;
    this.#stop = null;
    stop?.();
  }
}
