import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSION_ORIGIN } from '../shared/extension';
import { COMMANDS } from './commands/index';
import { parseConfig } from './config';

describe('parseConfig', () => {
  it('defaults to loopback on 8787 with ./data and the extension origin', () => {
    const result = parseConfig([], {}, COMMANDS);
    expect(result).toMatchObject({ ok: true, config: { host: '127.0.0.1', port: 8787, dataDir: './data', extensionOrigins: [EXTENSION_ORIGIN], tls: null } });
  });

  it('lets a flag win over its environment variable', () => {
    const result = parseConfig(['--port', '9000'], { GUARDMAIL_PORT: '9100', GUARDMAIL_HOST: '::1' }, COMMANDS);
    expect(result).toMatchObject({ ok: true, config: { port: 9000, host: '::1' } });
  });

  it('allows a non-loopback address behind a TLS-terminating proxy', () => {
    expect(parseConfig(['--host', '0.0.0.0', '--behind-tls-proxy', 'true'], {}, COMMANDS).ok).toBe(true);
    expect(parseConfig(['--host', '0.0.0.0'], {}, COMMANDS).ok).toBe(false);
  });

  it('reads a variable from the file its _FILE variable names (a mounted secret, a systemd credential), the variable itself winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guardmail-config-'));
    const key = randomBytes(32).toString('base64');
    writeFileSync(join(dir, 'secret-key'), `${key}\n`);
    const fromFile = parseConfig([], { GUARDMAIL_SECRET_KEY_FILE: join(dir, 'secret-key') }, COMMANDS);
    expect(fromFile.ok === true && fromFile.config.secretKey?.toString('base64')).toBe(key);
    const both = parseConfig([], { GUARDMAIL_SECRET_KEY_FILE: join(dir, 'secret-key'), GUARDMAIL_SECRET_KEY: randomBytes(32).toString('base64') }, COMMANDS);
    expect(both.ok === true && both.config.secretKey?.toString('base64')).not.toBe(key);
    expect(parseConfig([], { GUARDMAIL_SECRET_KEY_FILE: join(dir, 'missing') }, COMMANDS)).toEqual({
      ok: false,
      errors: [`GUARDMAIL_SECRET_KEY_FILE: cannot read ${join(dir, 'missing')} (ENOENT).`],
    });
    rmSync(dir, { recursive: true });
  });

  it('refuses an enrollment token equal to the admin token', () => {
    const token = randomBytes(32).toString('base64');
    const result = parseConfig([], { GUARDMAIL_ADMIN_TOKEN: token, GUARDMAIL_ENROLLMENT_TOKEN: token }, COMMANDS);
    expect(result).toEqual({ ok: false, errors: [expect.stringContaining('must differ from the admin token')] });
  });

  it('refuses a token that does not look random, and takes one that does', () => {
    expect(parseConfig([], { GUARDMAIL_ADMIN_TOKEN: 'a'.repeat(32) }, COMMANDS)).toEqual({
      ok: false,
      errors: [expect.stringContaining('does not look random')],
    });
    expect(parseConfig([], { GUARDMAIL_ADMIN_TOKEN: randomBytes(16).toString('hex') }, COMMANDS).ok).toBe(true);
  });

  it.each([
    ['GUARDMAIL_EXTENSION_ORIGINS', 'chrome-extension://abc/path', 'is not an origin'],
    ['GUARDMAIL_PUBLIC_URL', 'http://relay.example.com', 'must be an https:// URL'],
    ['GUARDMAIL_BEHIND_TLS_PROXY', 'yes', 'must be true or false'],
    ['GUARDMAIL_PORT', '-1', 'is not a port number'],
  ])('refuses %s=%s', (name, value, reason) => {
    const result = parseConfig([], { [name]: value }, COMMANDS);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.errors.join('\n')).toContain(reason);
  });
});

describe('the commands', () => {
  it('are each listed by --help, with how they are called (policy was missing when the list was kept by hand)', () => {
    const help = parseConfig(['--help'], {}, COMMANDS);
    expect(help.ok).toBe('help');
    const text = (help as { text: string }).text;
    for (const command of COMMANDS) expect(text).toContain(`guardmail-relay ${command.usage}`);
    expect(text).toContain('guardmail-relay policy <platform>');
  });

  it('check their arguments and the store they work on, naming the command and the fix', () => {
    expect(parseConfig(['policy', 'plan9'], {}, COMMANDS)).toEqual({ ok: false, errors: [expect.stringMatching(/^policy: give the platform, one of linux/)] });
    expect(parseConfig(['backup'], {}, COMMANDS)).toEqual({ ok: false, errors: ['backup: give the file, e.g. "backup /var/backups/guardmail.sqlite".'] });
    expect(parseConfig(['migrate-to-postgres'], {}, COMMANDS)).toEqual({
      ok: false,
      errors: [expect.stringContaining('migrate-to-postgres: give the database to copy the store into with --database-url')],
    });
    expect(parseConfig(['export-feeds', 'x.json', '--database-url', 'postgres://relay@127.0.0.1/guardmail'], {}, COMMANDS)).toEqual({
      ok: false,
      errors: [expect.stringContaining('export-feeds: works on the SQLite store of a data directory')],
    });
    expect(parseConfig(['restore', 'x'], {}, COMMANDS)).toEqual({
      ok: false,
      errors: [expect.stringContaining('"restore x" is not a command: use serve (the default), backup <file>')],
    });
    expect(parseConfig(['policy', 'linux'], {}, COMMANDS)).toMatchObject({ ok: true, config: { command: { name: 'policy', args: ['linux'] } } });
  });
});
