import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'packaging/systemd/guardmail-relay.service');

/** The unit's [Service] settings, in order, as systemd reads them (one per line; a later one adds to or replaces the first). */
function settings(): [string, string][] {
  return readFileSync(UNIT, 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z]\w*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
}
const all = (key: string) => settings().flatMap(([k, v]) => (k === key ? [v] : []));

describe('the systemd unit', () => {
  it('passes systemd-analyze verify', () => {
    const verify = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('is rated 2.0 or lower by systemd-analyze security ("OK" or better)', () => {
    const rated = spawnSync('systemd-analyze', ['security', '--offline=true', UNIT], { encoding: 'utf8' });
    const exposure = Number(/Overall exposure level for guardmail-relay\.service: ([\d.]+)/.exec(rated.stdout)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2.0);
  });

  it('runs the relay as its own user, state 0700, options from a root-only file, the key as a credential', () => {
    expect(all('DynamicUser')).toEqual(['yes']);
    expect(all('StateDirectory')).toEqual(['guardmail']);
    expect(all('StateDirectoryMode')).toEqual(['0700']);
    expect(all('EnvironmentFile')).toEqual(['/etc/guardmail/relay.env']);
    expect(all('LoadCredential')).toEqual(['secret-key:/etc/guardmail/secret.key']);
    expect(all('Environment')).toContain('GUARDMAIL_SECRET_KEY_FILE=%d/secret-key');
    expect(all('Restart')).toEqual(['on-failure']);
  });
});

/**
 * This machine's PID 1 is not systemd, so the unit cannot be started here (nor with systemd-run). What runs instead:
 * the unit's own ExecStart and ExecStartPost command lines, with its Environment= lines, its umask, a state directory
 * and a credentials directory made as systemd makes them (%S, %d), and /opt/guardmail standing for this checkout.
 */
describe("the unit's commands, run as systemd would run them", () => {
  let dir: string;
  let env: Record<string, string>;
  let relay: ReturnType<typeof spawn> | null = null;

  const command = (line: string) => line.replaceAll('/opt/guardmail', ROOT).split(' ');
  const expand = (value: string) => value.replaceAll('%S', join(dir, 'state')).replaceAll('%d', join(dir, 'credentials'));

  beforeAll(async () => {
    execFileSync('npm', ['run', '--silent', 'build:relay'], { cwd: ROOT, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'guardmail-unit-'));
    mkdirSync(join(dir, 'state'), { mode: 0o755 });
    mkdirSync(join(dir, 'credentials'), { mode: 0o700 });
    writeFileSync(join(dir, 'credentials/secret-key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o400 });
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    env = {
      PATH: process.env.PATH ?? '',
      // What /etc/guardmail/relay.env would say, every other line left commented out as installed.
      GUARDMAIL_PORT: String(port),
      ...Object.fromEntries(all('Environment').map((line) => [line.slice(0, line.indexOf('=')), expand(line.slice(line.indexOf('=') + 1))])),
    };
  }, 60_000);

  afterAll(() => {
    relay?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the relay, and ExecStartPost returns once it answers; the key stays in the credential, the state is its own', async () => {
    const [node, ...args] = command(all('ExecStart')[0]!);
    relay = spawn(node!, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    relay.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    relay.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));

    const [postNode, ...postArgs] = command(all('ExecStartPost')[0]!);
    const ready = spawnSync(postNode!, postArgs, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(ready.status, `${ready.stdout}${ready.stderr}\n${out}`).toBe(0);
    expect(ready.stdout).toMatch(/^ready: http:\/\/127\.0\.0\.1:\d+\/healthz answered 200/);

    const data = env.GUARDMAIL_DATA_DIR!;
    expect(statSync(data).mode & 0o777).toBe(0o700);
    // Sealed with the credential's key: no key file is made beside the store.
    expect(readdirSync(data)).not.toContain('secret.key');
    expect(existsSync(join(data, 'guardmail.sqlite'))).toBe(true);

    const exited = new Promise<number | null>((resolve) => relay!.once('exit', resolve));
    relay.kill('SIGTERM');
    expect(await exited).toBe(0);
    relay = null;
  }, 90_000);
});
