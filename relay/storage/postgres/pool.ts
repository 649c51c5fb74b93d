import pg from 'pg';

/**
 * A pool to PostgreSQL. BIGINT columns (epoch milliseconds, row ids) come back as numbers: every one the relay writes
 * is far below 2^53, and the stores compare them with Date.now().
 */
export function openPostgres(connectionString: string, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig,
  });
}

/** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
export async function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    // Not returned to the pool: closing the connection ends the transaction and its locks, whatever state it is in.
    client.release(err as Error);
    throw err;
  }
}
