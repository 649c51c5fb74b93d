import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReadinessAnswer } from '../../shared/api';
import type { DevicesAnswer } from '../../shared/fleet';
import { generateToken } from '../../relay/storage/access-tokens';
import { unfold } from '../fixtures/mail';
import { startPostgres, testPool, type PostgresCluster } from '../fixtures/postgres';
import { basicSettings, oauthSettings } from '../fixtures/relay';
import { callRelay, runRelayToExit, startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { riskyReport } from '../fixtures/reports';
import { testPki } from '../fixtures/tls';
import { EXTENSION_REDIRECT_URL } from '../../shared/extension';
import type { AuthorizeAnswer } from '../../shared/oauth';
import { REFRESH_AHEAD_MS } from '../../relay/domain/token-policy';
import { startAuthorizationServer } from '../peers/authorization-server';
import { startMicrosoft365 } from '../peers/microsoft-365';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';

/**
 * Three relay processes, as operators run them behind a load balancer, sharing one PostgreSQL: each with its own data
 * directory and the same secret key and tokens.
 */
const ADMIN = generateToken('admin');
const ENROLLMENT = generateToken('enrollment');
const SECRET_KEY = randomBytes(32).toString('base64');
const PASSWORD = 'correct horse battery staple';

let cluster: PostgresCluster;
let smtp: SmtpPeer | undefined;
let relays: RelayProcess[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  testPki();
});
afterEach(async () => {
  for (const r of relays) if (r.child.exitCode !== null) process.stderr.write(`relay exited ${r.child.exitCode}:\n${r.stderr()}\n${r.stdout().slice(-3000)}\n`);
  await Promise.all(relays.map((r) => r.stop()));
  relays = [];
  await smtp?.close();
  smtp = undefined;
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  cluster?.stop();
});

function startRelay(url: string, env: Record<string, string> = {}): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-pg-relay-'));
  return startRelayProcess(['--port', '0', '--data-dir', dataDir, '--database-url', url, '--delivery-lease-seconds', '10'], {
    GUARDMAIL_ADMIN_TOKEN: ADMIN,
    GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT,
    GUARDMAIL_SECRET_KEY: SECRET_KEY,
    GUARDMAIL_LOG_LEVEL: 'debug',
    ...env,
  });
}

const call = (relay: RelayProcess, path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  callRelay(relay.url, path, { ...init, token: init.token ?? ADMIN });

const report = (relay: RelayProcess, deviceId: string) =>
  call(relay, '/api/v1/reports', { method: 'POST', body: riskyReport({ deviceId }), token: ENROLLMENT });

/** Three relays on a fresh database, the mail server configured on one and the alert policy on another. */
async function threeRelays(database: string, smtpOptions: { dataDelayMs?: number } = {}): Promise<{ url: string; pool: pg.Pool }> {
  const url = cluster.createDatabase(database);
  smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': PASSWORD }, ...smtpOptions });
  // Started together: one migrates, the others wait for it.
  relays = await Promise.all([0, 1, 2].map(() => startRelay(url)));
  const put = await call(relays[0]!, '/api/v1/mail-settings', {
    method: 'PUT',
    body: basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: PASSWORD, caCertificate: testPki().caCert }),
  });
  expect(put.status, await put.clone().text()).toBe(200);
  expect((await call(relays[1]!, '/api/v1/alert-policy', { method: 'PUT', body: { recipients: ['it@example.com'], groupingWindowSeconds: 0 } })).status).toBe(
    200,
  );
  // Each relay has heard of the other's change.
  for (const relay of relays) {
    await vi.waitFor(
      async () => expect(((await (await call(relay, '/api/v1/alert-policy')).json()) as { recipients: string[] }).recipients).toEqual(['it@example.com']),
      { timeout: 5_000 },
    );
    await vi.waitFor(async () => expect(((await (await call(relay, '/api/v1/mail-settings')).json()) as { port: number }).port).toBe(smtp!.port), {
      timeout: 5_000,
    });
  }
  const pool = testPool(url, { max: 2 });
  pools.push(pool);
  return { url, pool };
}

const messageIdOf = (raw: string) => /^Message-ID: (\S+)/im.exec(unfold(raw))?.[1];

describe('three relay processes on one PostgreSQL', () => {
  it('migrate once when started together, and take any request on any relay', async () => {
    const { pool } = await threeRelays('any-relay');
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_version');
    expect(rows).toHaveLength(1);
    // A report to one relay is seen by the others; a device forgotten on one is gone on all.
    expect((await report(relays[2]!, 'device-000')).status).toBe(202);
    for (const relay of relays) {
      const { devices } = (await (await call(relay, '/api/v1/devices')).json()) as DevicesAnswer;
      expect(devices.map((d) => d.id)).toEqual(['device-000']);
    }
    expect((await call(relays[0]!, '/api/v1/devices/device-000', { method: 'DELETE' })).status).toBe(204);
    expect(((await (await call(relays[1]!, '/api/v1/devices')).json()) as DevicesAnswer).devices).toEqual([]);
    // A test mail sent from the third relay uses the settings and the password saved through the first.
    const sent = await call(relays[2]!, '/api/v1/mail-settings/test', { method: 'POST' });
    expect(sent.status, await sent.clone().text()).toBe(200);
  });

  it('refuses to start a relay with another secret key, naming both keys', async () => {
    const { url } = await threeRelays('wrong-key');
    await expect(startRelay(url, { GUARDMAIL_SECRET_KEY: randomBytes(32).toString('base64') })).rejects.toThrow(
      /sealed with key [0-9a-f]{16}, and this relay has key [0-9a-f]{16}/,
    );
  });

  it('loses none of 200 alerts when a relay is killed with a mail in flight: another sends its batch after the lease, under the same Message-ID', async () => {
    const { pool } = await threeRelays('kill', { dataDelayMs: 400 });
    const devices = Array.from({ length: 200 }, (_, i) => `device-${String(i).padStart(3, '0')}`);
    const post = async (ids: string[], to: (i: number) => RelayProcess) => {
      const answers = await Promise.all(ids.map((id, i) => report(to(i), id)));
      expect(answers.map((a) => a.status)).toEqual(ids.map(() => 202));
    };
    await post(devices.slice(0, 90), (i) => relays[i % 3]!);
    await vi.waitFor(() => expect(smtp!.received.length).toBeGreaterThan(0), { timeout: 10_000 });

    // Whichever relay is next to send is killed while the slow server holds its mail.
    const logged = relays.map((r) => r.stdout().length);
    await post(devices.slice(90, 110), (i) => relays[i % 3]!);
    const { victim, sending } = await vi.waitFor(
      () => {
        for (const [i, relay] of relays.entries()) {
          const line = relay
            .stdout()
            .slice(logged[i])
            .split('\n')
            .find((l) => l.includes('sending alert mail'));
          if (line) return { victim: relay, sending: JSON.parse(line) as { batch: string } };
        }
        throw new Error('no relay is sending yet');
      },
      { timeout: 10_000, interval: 5 },
    );
    victim.child.kill('SIGKILL');
    const survivors = relays.filter((r) => r !== victim);
    await post(devices.slice(110), (i) => survivors[i % 2]!);

    const states = async () => (await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM outbox GROUP BY state')).rows;
    await vi.waitFor(async () => expect(await states()).toEqual([{ state: 'sent', n: 200 }]), { timeout: 30_000, interval: 250 });
    // Every batch went out under its Message-ID (a mail lists 50 devices and counts the rest). Only the batch in flight
    // at the kill may have gone twice: the server may have taken its data before the relay died unanswered. Another
    // relay recorded it sent, after its lease.
    const { rows: batches } = await pool.query<{ batch_id: string; n: number }>('SELECT batch_id, count(*)::int AS n FROM outbox GROUP BY batch_id');
    const ids = smtp!.received.map((m) => messageIdOf(m.raw)!);
    const mailsOf = (batch: string) => ids.filter((id) => id.includes(batch)).length;
    for (const { batch_id } of batches) {
      if (batch_id === sending.batch) expect([1, 2]).toContain(mailsOf(batch_id));
      else expect(mailsOf(batch_id), batch_id).toBe(1);
    }
    expect(ids).toHaveLength(batches.length + mailsOf(sending.batch) - 1);
    expect(victim.stdout()).not.toMatch(new RegExp(`"batch":"${sending.batch}"[^\\n]*alert mail sent`));
    expect(survivors.some((r) => new RegExp(`"batch":"${sending.batch}"[^\\n]*alert mail sent`).test(r.stdout()))).toBe(true);
  }, 90_000);

  it('answers reports 503 while the database is stopped for 10 s, takes every one resent after it, and recovers without a restart', async () => {
    const { pool } = await threeRelays('outage');
    const devices = Array.from({ length: 60 }, (_, i) => `device-${String(i).padStart(3, '0')}`);
    const refusals: { status: number; code: string }[] = [];
    // Each device's browser queue: the report goes again until the relay accepts it.
    const browser = async (id: string, i: number) => {
      const relay = relays[i % 3]!;
      await new Promise((r) => setTimeout(r, i * 50));
      for (;;) {
        const res = await report(relay, id);
        if (res.status === 202) return;
        refusals.push({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const pids = relays.map((r) => r.child.pid);
    const sending = Promise.all(devices.map(browser));
    await new Promise((r) => setTimeout(r, 1_000));
    cluster.pause();
    let readyWhileDown: number[];
    try {
      readyWhileDown = await Promise.all(relays.map(async (r) => (await call(r, '/readyz')).status));
      await new Promise((r) => setTimeout(r, 10_000));
    } finally {
      cluster.resume(); // whatever failed, the next tests need the server
    }
    await sending;

    expect(readyWhileDown).toEqual([503, 503, 503]);
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals.map((r) => `${r.status} ${r.code}`))).toEqual(new Set(['503 DATABASE_UNAVAILABLE']));
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM devices');
    expect(rows[0]!.n).toBe(60);
    for (const relay of relays) {
      expect(relay.child.exitCode).toBeNull();
      expect(((await (await call(relay, '/readyz')).json()) as ReadinessAnswer).ready).toBe(true);
    }
    expect(relays.map((r) => r.child.pid)).toEqual(pids);
    // Every alert is mailed, and a change on one relay still reaches the others: they listen again.
    const states = async () => (await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM outbox GROUP BY state')).rows;
    await vi.waitFor(async () => expect(await states()).toEqual([{ state: 'sent', n: 60 }]), { timeout: 20_000, interval: 250 });
    expect(smtp!.received.length).toBeGreaterThan(0);
    expect(
      (await call(relays[0]!, '/api/v1/alert-policy', { method: 'PUT', body: { recipients: ['soc@example.com'], groupingWindowSeconds: 0 } })).status,
    ).toBe(200);
    for (const relay of relays.slice(1)) {
      await vi.waitFor(
        async () => expect(((await (await call(relay, '/api/v1/alert-policy')).json()) as { recipients: string[] }).recipients).toEqual(['soc@example.com']),
        { timeout: 10_000 },
      );
    }
  }, 90_000);

  it('make one refresh request per expiry of the access token for 50 test mails spread over them, across a rotation', async () => {
    // Tokens that need refreshing 8 s after they are issued (the relay refreshes ahead of expiry).
    const TTL_S = REFRESH_AHEAD_MS / 1000 + 8;
    const as = await startAuthorizationServer({
      flavour: 'microsoft',
      accessTokenTtlSeconds: TTL_S,
      clients: { relay: { secret: 'client-secret-7f3a9c1e', redirectUris: [EXTENSION_REDIRECT_URL], authMethod: 'client_secret_basic' } },
    });
    // Its minute scaled to a second: 50 test mails in a few seconds are a burst within its 30 a minute.
    const microsoft = await startMicrosoft365({ verifyToken: as.verifyToken, minuteMs: 1_000 });
    try {
      const url = cluster.createDatabase('refresh');
      relays = await Promise.all([0, 1, 2].map(() => startRelay(url)));
      const put = await call(relays[0]!, '/api/v1/mail-settings', {
        method: 'PUT',
        body: oauthSettings(as, { port: microsoft.port, clientId: 'relay', clientSecret: 'client-secret-7f3a9c1e' }),
      });
      expect(put.status, await put.clone().text()).toBe(200);
      for (const relay of relays) {
        await vi.waitFor(async () => expect(((await (await call(relay, '/api/v1/mail-settings')).json()) as { port: number }).port).toBe(microsoft.port), {
          timeout: 5_000,
        });
      }
      // Started on one relay, finished on another.
      const { authorizationUrl } = (await (
        await call(relays[0]!, '/api/v1/oauth/authorize', { method: 'POST', body: { redirectUrl: EXTENSION_REDIRECT_URL } })
      ).json()) as AuthorizeAnswer;
      const callback = await call(relays[1]!, '/api/v1/oauth/callback', {
        method: 'POST',
        body: { callbackUrl: await as.consent(authorizationUrl, 'allow', 'alerts@example.com') },
      });
      expect(callback.status, await callback.clone().text()).toBe(200);
      let issuedAt = Date.now();
      const refreshes = () => as.tokenRequests.filter((r) => r.grantType === 'refresh_token');
      for (const expiry of [1, 2]) {
        await new Promise((r) => setTimeout(r, Math.max(0, issuedAt + 8_500 - Date.now())));
        const started = Date.now();
        // Three at a time, one on each relay: Microsoft takes three connections of a mailbox.
        for (let i = 0; i < 50; i += 3) {
          const answers = await Promise.all(relays.slice(0, Math.min(3, 50 - i)).map((r) => call(r, '/api/v1/mail-settings/test', { method: 'POST' })));
          for (const answer of answers) expect(answer.status, await answer.clone().text()).toBe(200);
        }
        expect(Date.now() - started).toBeLessThan(8_000); // all 50 within one token's life
        expect(refreshes()).toHaveLength(expiry);
        issuedAt = started;
      }
      // The second refresh presented the refresh token the first one rotated.
      const [first, second] = refreshes();
      expect(second!.refreshToken).not.toBe(first!.refreshToken);
      expect(microsoft.received.length).toBe(100);
    } finally {
      await Promise.all([as.close(), microsoft.close()]);
    }
  }, 90_000);

  it("take over a stopped relay's SQLite store with migrate-to-postgres, and re-seal every secret with rotate-key while they run", async () => {
    const url = cluster.createDatabase('migrated');
    smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': PASSWORD } });
    const dataDir = mkdtempSync(join(tmpdir(), 'guardmail-sqlite-'));
    const tokens = { GUARDMAIL_ADMIN_TOKEN: ADMIN, GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT };
    const single = await startRelayProcess(['--port', '0', '--data-dir', dataDir], tokens);
    relays = [single];
    expect(
      (
        await call(single, '/api/v1/mail-settings', {
          method: 'PUT',
          body: basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: PASSWORD, caCertificate: testPki().caCert }),
        })
      ).status,
    ).toBe(200);
    expect((await report(single, 'device-000')).status).toBe(202);
    const running = await runRelayToExit(['migrate-to-postgres', '--data-dir', dataDir, '--database-url', url]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('stop it first');
    await single.stop();

    const migrated = await runRelayToExit(['migrate-to-postgres', '--data-dir', dataDir, '--database-url', url]);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/Copied .*devices 1/);
    // The store's key, now every relay's.
    const oldKey = readFileSync(join(dataDir, 'secret.key'), 'utf8').trim();
    const newKey = randomBytes(32).toString('base64');
    // A relay that reads both keys, as the rotation's first step has every relay do.
    const relay = await startRelay(url, { GUARDMAIL_SECRET_KEY: oldKey, GUARDMAIL_PREVIOUS_SECRET_KEY: newKey });
    relays = [relay];
    expect(((await (await call(relay, '/api/v1/devices')).json()) as DevicesAnswer).devices.map((d) => d.id)).toEqual(['device-000']);
    expect((await call(relay, '/api/v1/mail-settings/test', { method: 'POST' })).status).toBe(200);

    const rotated = await runRelayToExit(['rotate-key', '--data-dir', dataDir, '--database-url', url], {
      GUARDMAIL_SECRET_KEY: newKey,
      GUARDMAIL_PREVIOUS_SECRET_KEY: oldKey,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/Re-sealed \d+ secrets with key [0-9a-f]{16}/);
    // The running relay reads the password re-sealed under the new key; a relay with the new key alone now starts,
    // and one with the old key alone is refused.
    const sent = await call(relay, '/api/v1/mail-settings/test', { method: 'POST' });
    expect(sent.status, await sent.clone().text()).toBe(200);
    relays.push(await startRelay(url, { GUARDMAIL_SECRET_KEY: newKey }));
    expect((await call(relays[1]!, '/api/v1/mail-settings/test', { method: 'POST' })).status).toBe(200);
    await expect(startRelay(url, { GUARDMAIL_SECRET_KEY: oldKey })).rejects.toThrow(/sealed with key [0-9a-f]{16}, and this relay has key/);
  }, 60_000);
});
