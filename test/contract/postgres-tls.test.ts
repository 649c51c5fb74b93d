import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConnection } from '../../relay/storage/postgres/url';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { testPki } from '../fixtures/tls';

let database: PostgresCluster;
let impostor: PostgresCluster;

beforeAll(async () => {
  const pki = testPki();
  // The database's certificate names 127.0.0.1; the impostor's, signed by the same CA, names another host.
  [database, impostor] = await Promise.all([startPostgres({ tls: pki.server }), startPostgres({ tls: pki.otherHost })]);
});
afterAll(() => {
  database?.stop();
  impostor?.stop();
});

/** Whether the session is encrypted, as the server sees it; or what refused it. */
async function connect(url: string, ca?: string): Promise<boolean | string> {
  const pool = testPool(url, { max: 1, ...(ca ? { ca } : {}) });
  try {
    const { rows } = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await pool.end();
  }
}

describe('TLS to the database', () => {
  it('connects with sslmode=verify-full to a server whose certificate the given CA signed for its address', async () => {
    expect(await connect(`${database.url()}?sslmode=verify-full`, testPki().caCert)).toBe(true);
  });

  it('refuses a certificate no trusted CA signed, and one signed for another host', async () => {
    expect(await connect(`${database.url()}?sslmode=verify-full`)).toMatch(/unable to verify the first certificate/);
    expect(await connect(`${impostor.url()}?sslmode=verify-full`, testPki().caCert)).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list|does not match/);
  });

  it('refuses what would not check the certificate, and no TLS beyond this machine, naming the fix', () => {
    expect(() => postgresConnection('postgres://guardmail@db.example.com/guardmail')).toThrow('would cross the network unencrypted: add sslmode=verify-full');
    expect(() => postgresConnection('postgres://guardmail@db.example.com/guardmail?sslmode=require')).toThrow(
      "sslmode=require does not check that the certificate is the database's",
    );
    expect(() => postgresConnection('postgres://guardmail@db.example.com/guardmail?sslmode=verify-ca')).toThrow('use sslmode=verify-full');
    expect(() => postgresConnection('mysql://db.example.com/guardmail')).toThrow('must start with postgres://');
    expect(postgresConnection('postgres://guardmail@127.0.0.1:5432/guardmail')).toMatchObject({ ssl: false });
    expect(postgresConnection('postgres://guardmail@localhost/guardmail?sslmode=disable')).toMatchObject({ ssl: false });
  });

  it('still takes a database on this machine without TLS, as the tests run it', async () => {
    expect(await connect(database.url())).toBe(false);
  });
});
