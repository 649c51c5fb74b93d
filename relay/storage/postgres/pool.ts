import pg from 'pg';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/**
 * How to reach the database the URL names, with TLS verified: `sslmode=verify-full` checks the server's certificate
 * against the system's CAs (or `ca`, a PEM bundle) and its name against the host. Anything weaker is refused with the
 * fix: no TLS only to this machine (loopback or a Unix socket), and require/verify-ca, which would accept a
 * certificate for another host, never. Throws an Error whose message names the setting and the fix.
 */
export function postgresConnection(url: string, ca?: string): Pick<pg.PoolConfig, 'connectionString' | 'ssl'> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the database URL is not a URL: give postgres://user:password@host:5432/database?sslmode=verify-full');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error(`the database URL must start with postgres://, not ${parsed.protocol}//`);
  const mode = parsed.searchParams.get('sslmode');
  parsed.searchParams.delete('sslmode');
  const host = parsed.hostname || (parsed.searchParams.get('host') ?? '');
  const local = host === '' || host.startsWith('/') || LOOPBACK.test(host);
  // pg checks the certificate's name against the host (node's checkServerIdentity) once rejectUnauthorized is set.
  if (mode === 'verify-full') return { connectionString: parsed.href, ssl: { rejectUnauthorized: true, ...(ca ? { ca } : {}) } };
  if (mode !== null && mode !== 'disable') throw new Error(`sslmode=${mode} does not check that the certificate is the database's: use sslmode=verify-full (with the database's CA if it is private)`);
  if (!local) throw new Error(`the connection to ${host} would cross the network unencrypted: add sslmode=verify-full to the database URL`);
  return { connectionString: parsed.href, ssl: false };
}

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
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig,
  });
  pool.on('error', options.idleError);
  return pool;
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
