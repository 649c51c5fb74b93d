import pg from 'pg';
import { postgresConnection } from './url';

/**
 * A pool to PostgreSQL, TLS as postgresConnection() says. BIGINT columns (epoch milliseconds, row ids) come back as
 * numbers: every one the relay writes is far below 2^53, and the stores compare them with Date.now().
 *
 * `idleError` hears of an idle connection the server closed (a restart, a failover): the pool drops it and opens
 * another when asked. Without a listener, that error would end the process.
 */
export function openPostgres(url: string, options: { idleError: (err: Error) => void; max?: number; ca?: string }): pg.Pool {
  const pool = new pg.Pool({
    ...postgresConnection(url, options.ca),
    max: options.max ?? 10,
    // A database that does not answer is an outage to report (503), not a request to hold open.
    connectionTimeoutMillis: 5_000,
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)),
    } as pg.CustomTypesConfig,
  });
  pool.on('error', options.idleError);
  return pool;
}

/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A server that goes away between two statements (a restart) tells the client with an error event, which would end
  // the process unheard; the next statement fails with it anyway, and the transaction is given up below.
  const heard = () => undefined;
  client.on('error', heard);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.off('error', heard);
    client.release();
    return result;
  } catch (err) {
    // Not returned to the pool: closing the connection ends the transaction and its locks, whatever state it is in.
    client.off('error', heard);
    client.release(err as Error);
    throw err;
  }
}
