import type { Pool } from 'pg';
import { SETTINGS_CHANNEL } from './sql';

/**
 * Calls `changed(name)` for every setting any relay announces from now on (Sql.announce), this one included. The
 * connection it holds is its own; should it break, `lost` is told, and the caller must treat every setting it holds as
 * stale. Answers how to stop listening.
 */
export async function listenForChanges(pool: Pool, changed: (name: string) => void, lost: (err: Error) => void): Promise<() => void> {
  const client = await pool.connect();
  // Given back once, whichever comes first: the server ending it, or the stop.
  let released = false;
  const release = (err: Error | boolean) => {
    if (released) return false;
    released = true;
    client.release(err);
    return true;
  };
  // A server restart ends the connection, with an error or without one: either way the relay has stopped hearing.
  const end = (err: Error) => {
    if (release(err)) lost(err);
  };
  client.on('notification', (message) => {
    if (message.channel === SETTINGS_CHANNEL && message.payload) changed(message.payload);
  });
  client.on('error', end);
  client.on('end', () => end(new Error('the connection PostgreSQL changes are heard on ended')));
  try {
    await client.query(`LISTEN ${SETTINGS_CHANNEL}`);
  } catch (err) {
    release(err as Error);
    throw err;
  }
  // Closed rather than given back: it is no use to a query while it listens.
  return () => void release(true);
}
