import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../relay/config';
import { generateToken } from '../../relay/storage/access-tokens';
import { keyIdOf } from '../../relay/storage/secret-box';
import { runRelayToExit, startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { testPki } from '../fixtures/tls';

const running: RelayProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

const freshDataDir = () => mkdtempSync(join(tmpdir(), 'guardmail-data-'));

async function start(args: string[], env: Record<string, string> = {}) {
  const relay = await startRelayProcess(args, env);
  running.push(relay);
  return relay;
}

describe('starting the relay', () => {
  it('writes both tokens once on first start to a file only its user can read, never to a log stream, and the tokens work', async () => {
    const dataDir = freshDataDir();
    chmodSync(dataDir, 0o755); // an existing directory others can read is closed
    const first = await start(['--port', '0', '--data-dir', dataDir]);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const tokensFile = join(dataDir, 'first-start-tokens.txt');
    expect(first.stdout()).toContain(tokensFile);
    const tokens = readFileSync(tokensFile, 'utf8');
    const admin = /admin token:\s+(\S+)/.exec(tokens)?.[1];
    expect(admin).toMatch(/^gm_adm_[\w-]{43}$/);
    expect(tokens).toMatch(/enrollment token:\s+gm_enr_[\w-]{43}/);
    // stdout is not a terminal here (it could be a log collector's): the tokens are not on it.
    expect(first.stdout()).not.toContain(admin);
    expect(first.stdout()).toMatch(/Extension [a-p]{32} \(signed with /);
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'guardmail.sqlite')).mode & 0o777).toBe(0o600);

    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.url}/api/v1/mail-settings`, { headers: { Authorization: `Bearer ${admin}` } })).status).toBe(200);
    expect(await first.stop()).toBe(0);

    // The key file holds the encryption key: only its owner may read it.
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, 'guardmail.sqlite')).includes(Buffer.from(admin!))).toBe(false);

    const second = await start(['--port', '0', '--data-dir', dataDir]);
    expect(second.stdout()).not.toContain('first-start-tokens');
    expect((await fetch(`${second.url}/api/v1/mail-settings`, { headers: { Authorization: `Bearer ${admin}` } })).status).toBe(200);
  });

  it('refuses tokens from the environment that do not look random', async () => {
    const result = await runRelayToExit(['--port', '0', '--data-dir', freshDataDir()], {
      GUARDMAIL_ADMIN_TOKEN: 'a'.repeat(32),
      GUARDMAIL_ENROLLMENT_TOKEN: generateToken('enrollment'),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GUARDMAIL_ADMIN_TOKEN.*does not look random.*openssl rand/);
  });

  it('takes the tokens and the key from the environment, printing neither', async () => {
    const adminToken = generateToken('admin');
    const relay = await start(['--port', '0'], {
      GUARDMAIL_DATA_DIR: freshDataDir(),
      GUARDMAIL_ADMIN_TOKEN: adminToken,
      GUARDMAIL_ENROLLMENT_TOKEN: generateToken('enrollment'),
      GUARDMAIL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(relay.stdout()).not.toContain(adminToken);
    expect(relay.stdout()).not.toContain('token:');
    expect((await fetch(`${relay.url}/api/v1/mail-settings`, { headers: { Authorization: `Bearer ${adminToken}` } })).status).toBe(200);
  });

  it("refuses to start with another key than the one its store's secrets are sealed with, naming both", async () => {
    const dataDir = freshDataDir();
    const env = { GUARDMAIL_ADMIN_TOKEN: generateToken('admin'), GUARDMAIL_ENROLLMENT_TOKEN: generateToken('enrollment') };
    const first = await start(['--port', '0', '--data-dir', dataDir], { ...env, GUARDMAIL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    const saved = await fetch(`${first.url}/api/v1/mail-settings`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${env.GUARDMAIL_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        host: 'smtp.example.com',
        port: 465,
        emailType: 'smtps',
        authType: 'basic',
        requiresAuth: true,
        username: 'alerts@example.com',
        password: 'the password',
        senderAddress: 'alerts@example.com',
      }),
    });
    expect(saved.status).toBe(200);
    await first.stop();

    const { code, stderr } = await runRelayToExit(['--port', '0', '--data-dir', dataDir], {
      ...env,
      GUARDMAIL_SECRET_KEY: Buffer.alloc(32, 8).toString('base64'),
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`sealed with key ${keyIdOf(Buffer.alloc(32, 7))}, and this relay has key ${keyIdOf(Buffer.alloc(32, 8))}`);
    // The same key starts it again, the secret readable.
    const again = await start(['--port', '0', '--data-dir', dataDir], { ...env, GUARDMAIL_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') });
    const view = (await (await fetch(`${again.url}/api/v1/mail-settings`, { headers: { Authorization: `Bearer ${env.GUARDMAIL_ADMIN_TOKEN}` } })).json()) as {
      secretsSet: Record<string, boolean>;
    };
    expect(view.secretsSet.password).toBe(true);
  });

  it('serves HTTPS with the given certificate and key', async () => {
    const dir = freshDataDir();
    writeFileSync(join(dir, 'cert.pem'), testPki().server.cert);
    writeFileSync(join(dir, 'key.pem'), testPki().server.key);
    const relay = await start(['--port', '0', '--data-dir', dir, '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      httpsRequest(`${relay.url}/healthz`, { ca: testPki().caCert }, (res) => resolve(res.statusCode))
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
  });

  it('names no address a browser cannot use: on every address it asks for --public-url, and with one it uses it', async () => {
    const dir = freshDataDir();
    writeFileSync(join(dir, 'cert.pem'), testPki().server.cert);
    writeFileSync(join(dir, 'key.pem'), testPki().server.key);
    const tls = ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')];
    const everywhere = await start(['--host', '0.0.0.0', '--port', '0', '--data-dir', dir, ...tls]);
    expect(everywhere.stdout()).toContain('listening on every address of this machine');
    expect(everywhere.stdout()).toContain('set --public-url (GUARDMAIL_PUBLIC_URL)');
    expect(everywhere.stdout()).not.toMatch(/https:\/\/0\.0\.0\.0/);
    await everywhere.stop();

    const named = await start(['--host', '0.0.0.0', '--port', '0', '--data-dir', dir, '--public-url', 'https://guardmail.example.com', ...tls]);
    expect(named.url).toBe('https://guardmail.example.com');
    expect(named.stdout()).toContain('managed Firefox: https://guardmail.example.com/extension/guardmail.xpi');
    expect(named.stdout()).toMatch(/listening on https:\/\/0\.0\.0\.0:\d+\n/);
    expect(named.stdout().match(/0\.0\.0\.0/g)).toHaveLength(1);
  });

  it('reports every bad option with its reason and exits non-zero', async () => {
    const { code, stderr } = await runRelayToExit(['--port', '70000', '--host', 'not-an-ip', '--tls-cert', '/nonexistent.pem'], {
      GUARDMAIL_ADMIN_TOKEN: 'short',
      GUARDMAIL_SECRET_KEY: 'not-base64-of-32-bytes',
      GUARDMAIL_LOG_LEVEL: 'chatty',
    });
    expect(code).toBe(2);
    expect(stderr).toContain('--port / GUARDMAIL_PORT: "70000" is not a port number');
    expect(stderr).toContain('--host / GUARDMAIL_HOST: "not-an-ip" is not an IP address');
    expect(stderr).toContain('give both or neither');
    expect(stderr).toContain('GUARDMAIL_ADMIN_TOKEN: must be at least 32 characters');
    expect(stderr).toContain('GUARDMAIL_SECRET_KEY: must be the base64 of exactly 32 bytes');
    expect(stderr).toContain('GUARDMAIL_LOG_LEVEL: "chatty" must be one of');
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses to serve plain HTTP beyond loopback, naming both ways to do it safely', async () => {
    const { code, stderr } = await runRelayToExit(['--host', '0.0.0.0', '--port', '0', '--data-dir', freshDataDir()]);
    expect(code).toBe(2);
    expect(stderr).toContain('the admin token must not cross it in clear');
    expect(stderr).toContain('--tls-cert');
    expect(stderr).toContain('--behind-tls-proxy');
  });

  it('refuses to start without the extension signing key the operator names, rather than make another ID', async () => {
    const { code, stderr } = await runRelayToExit(['--port', '0', '--data-dir', freshDataDir(), '--extension-key-file', '/nonexistent/guardmail.pem']);
    expect(code).toBe(1);
    expect(stderr).toContain('cannot start: the extension signing key /nonexistent/guardmail.pem does not exist');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown flag', async () => {
    const { code, stderr } = await runRelayToExit(['--prot', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--prot'");
  });

  it('refuses a key file that other users can read', async () => {
    const dataDir = freshDataDir();
    writeFileSync(join(dataDir, 'secret.key'), Buffer.alloc(32, 1).toString('base64'));
    chmodSync(join(dataDir, 'secret.key'), 0o644);
    const { code, stderr } = await runRelayToExit(['--port', '0', '--data-dir', dataDir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`chmod 600 ${join(dataDir, 'secret.key')}`);
  });

  it('runs as operators run it: the esbuild bundle under plain node (npm run relay)', async () => {
    execFileSync('npm', ['run', '--silent', 'build:relay'], { cwd: join(import.meta.dirname, '../..'), stdio: 'pipe' });
    const relay = await startRelayProcess(['--port', '0', '--data-dir', freshDataDir()], {}, { bundle: true });
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    expect(await relay.stop()).toBe(0);
  });

  it('documents every option in --help', async () => {
    const { code, stdout } = await runRelayToExit(['--help']);
    expect(code).toBe(0);
    for (const option of Object.values(OPTIONS)) expect(stdout).toContain(option.env);
  });
});
