// No import of pg here: the options are checked at start-up, and a relay on SQLite never loads the driver.

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/**
 * How to reach the database the URL names, with TLS verified: `sslmode=verify-full` checks the server's certificate
 * against the system's CAs (or `ca`, a PEM bundle) and its name against the host. Anything weaker is refused with the
 * fix: no TLS only to this machine (loopback or a Unix socket), and require/verify-ca, which would accept a
 * certificate for another host, never. Throws an Error whose message names the setting and the fix.
 */
export function postgresConnection(url: string, ca?: string): { connectionString: string; ssl: false | { rejectUnauthorized: true; ca?: string } } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the database URL is not a URL: give postgres://user:password@host:5432/database?sslmode=verify-full');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw new Error(`the database URL must start with postgres://, not ${parsed.protocol}//`);
  const mode = parsed.searchParams.get('sslmode');
  parsed.searchParams.delete('sslmode');
  const host = parsed.hostname || (parsed.searchParams.get('host') ?? '');
  const local = host === '' || host.startsWith('/') || LOOPBACK.test(host);
  // pg checks the certificate's name against the host (node's checkServerIdentity) once rejectUnauthorized is set.
  if (mode === 'verify-full') return { connectionString: parsed.href, ssl: { rejectUnauthorized: true, ...(ca ? { ca } : {}) } };
  if (mode !== null && mode !== 'disable')
    throw new Error(`sslmode=${mode} does not check that the certificate is the database's: use sslmode=verify-full (with the database's CA if it is private)`);
  if (!local) throw new Error(`the connection to ${host} would cross the network unencrypted: add sslmode=verify-full to the database URL`);
  return { connectionString: parsed.href, ssl: false };
}
