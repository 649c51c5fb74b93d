import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditAnswer } from '../../shared/api';
import type { AlertsAnswer } from '../../shared/fleet';
import { basicSettings } from '../fixtures/relay';
import { callRelay, runRelayToExit, startRelayProcess, type RelayProcess } from '../fixtures/relay-process';
import { riskyReport } from '../fixtures/reports';
import { startMta } from '../peers/mta';
import type { SmtpPeer } from '../peers/smtp-peer';
import { testPki } from '../fixtures/tls';
import { generateToken } from '../../relay/storage/access-tokens';

const ADMIN = generateToken('admin');
const ENROLLMENT = generateToken('enrollment');
const ENV = { GUARDMAIL_ADMIN_TOKEN: ADMIN, GUARDMAIL_ENROLLMENT_TOKEN: ENROLLMENT, GUARDMAIL_LOG_LEVEL: 'info' };
const PASSWORD = 'pw-rotate-123456';

let relay: RelayProcess | undefined;
let smtp: SmtpPeer | undefined;
beforeAll(() => void testPki());
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await smtp?.close();
  smtp = undefined;
});

const dataDir = () => mkdtempSync(join(tmpdir(), 'guardmail-cmd-'));
const api = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  callRelay(relay!.url, path, { ...init, token: init.token ?? ADMIN });

async function configured(dir: string, smtpOptions = {}) {
  smtp = await startMta({ tls: 'implicit', users: { 'alerts@example.com': PASSWORD }, ...smtpOptions });
  relay = await startRelayProcess(['--port', '0', '--data-dir', dir], ENV);
  expect(
    (
      await api('/api/v1/mail-settings', {
        method: 'PUT',
        body: basicSettings({ port: smtp.port, emailType: 'smtps', tls: false, password: PASSWORD, caCertificate: testPki().caCert }),
      })
    ).status,
  ).toBe(200);
}

describe('stopping', () => {
  it('on SIGTERM finishes the send in flight, closes the store cleanly and exits 0', async () => {
    const dir = dataDir();
    await configured(dir, { dataDelayMs: 1_500 });
    await api('/api/v1/alert-policy', { method: 'PUT', body: { recipients: ['it@example.com'], groupingWindowSeconds: 0 } });
    await api('/api/v1/reports', { method: 'POST', body: riskyReport({ deviceId: 'device-a' }), token: ENROLLMENT });
    await vi.waitFor(() => expect(smtp!.dataStarted).toBe(1), { timeout: 10_000 }); // in flight, held by the slow server
    const started = Date.now();
    const code = await relay!.stop();
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(smtp!.received).toHaveLength(1);
    expect(relay!.stdout()).toContain('stopped cleanly');
    // A clean close checkpoints the WAL away and lets the data directory go.
    expect(existsSync(join(dir, 'guardmail.sqlite-wal'))).toBe(false);
    expect(existsSync(join(dir, 'relay.pid'))).toBe(false);
    const db = new Database(join(dir, 'guardmail.sqlite'), { readonly: true });
    expect((db.prepare('SELECT state FROM outbox').all() as { state: string }[]).map((r) => r.state)).toEqual(['sent']);
    db.close();
  });

  it('refuses a second relay on the same data directory', async () => {
    const dir = dataDir();
    relay = await startRelayProcess(['--port', '0', '--data-dir', dir], ENV);
    const second = await runRelayToExit(['--port', '0', '--data-dir', dir], ENV);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another relay \(pid \d+\) is using/);
  });
});

describe('relay commands', () => {
  it('backs the store up online while the relay runs', async () => {
    const dir = dataDir();
    await configured(dir);
    const file = join(dir, 'backup.sqlite');
    const { code, stdout } = await runRelayToExit(['backup', file, '--data-dir', dir]);
    expect(code).toBe(0);
    expect(stdout).toContain('The key is not in it');
    const copy = new Database(file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((copy.prepare("SELECT value FROM settings WHERE name = 'mail'").get() as { value: string }).value).toContain(`"port":${smtp!.port}`);
    copy.close();
  });

  it('rotates the key: every secret re-sealed, nothing dropped, the old key gone, and refuses while the relay runs', async () => {
    const dir = dataDir();
    await configured(dir);
    const oldKey = readFileSync(join(dir, 'secret.key'), 'utf8');
    const running = await runRelayToExit(['rotate-key', '--data-dir', dir]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('stop it first');
    await relay!.stop();

    const { code, stdout } = await runRelayToExit(['rotate-key', '--data-dir', dir]);
    expect(code).toBe(0);
    // The SMTP password, and the enrollment token the relay generated and keeps for the policies it writes.
    expect(stdout).toMatch(/Re-sealed 2 secrets with key [0-9a-f]{16}/);
    expect(readFileSync(join(dir, 'secret.key'), 'utf8')).not.toBe(oldKey);
    expect(existsSync(join(dir, 'secret.key.next'))).toBe(false);

    relay = await startRelayProcess(['--port', '0', '--data-dir', dir], ENV);
    const sent = await api('/api/v1/mail-settings/test', { method: 'POST' });
    expect(sent.status, await sent.clone().text()).toBe(200); // the password still opens, with the new key
    const { entries } = (await (await api('/api/v1/audit')).json()) as AuditAnswer;
    expect(entries[0]).toMatchObject({ action: 'secret-key.rotated', details: { secrets: 2 } });
  });

  it('refuses an unknown command', async () => {
    const { code, stderr } = await runRelayToExit(['restore', 'x']);
    expect(code).toBe(2);
    expect(stderr).toContain('"restore x" is not a command');
  });
});

describe('demo mode', () => {
  it('starts with a built-in mailbox where a sample alert arrives', async () => {
    relay = await startRelayProcess(['--demo', '--port', '0', '--data-dir', dataDir()], ENV);
    expect(relay.stdout()).toContain('/demo/mailbox');
    let page = '';
    for (let i = 0; i < 100 && !page.includes('Demo laptop'); i++) {
      page = await (await fetch(`${relay.url}/demo/mailbox`)).text();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(page).toContain('[Guardmail] 1 browser highly vulnerable');
    expect(page).toContain('Demo laptop (sample)');
    const { alerts } = (await (await api('/api/v1/alerts')).json()) as AlertsAnswer;
    expect(alerts).toMatchObject([{ state: 'sent', deviceLabel: 'Demo laptop (sample)' }]);
  });
});

describe('policy', () => {
  it('writes the Linux policy with the enrollment token the relay generated, and says the URL needs --public-url', async () => {
    const dir = dataDir();
    relay = await startRelayProcess(['--port', '0', '--data-dir', dir], { GUARDMAIL_ADMIN_TOKEN: ADMIN });
    await relay.stop();
    relay = undefined;
    const generated = /enrollment token: (\S+)/.exec(readFileSync(join(dir, 'first-start-tokens.txt'), 'utf8'))![1]!;
    const { code, stdout, stderr } = await runRelayToExit(['policy', 'linux', '--data-dir', dir, '--port', '8787']);
    expect(code).toBe(0);
    const policy = JSON.parse(stdout) as {
      ExtensionSettings: Record<string, { update_url: string }>;
      '3rdparty': { extensions: Record<string, { enrollmentToken: string }> };
    };
    const [id] = Object.keys(policy.ExtensionSettings);
    expect(policy.ExtensionSettings[id!]!.update_url).toBe('http://127.0.0.1:8787/extension/updates.xml');
    expect(policy['3rdparty'].extensions[id!]!.enrollmentToken).toBe(generated);
    expect(stderr).toContain('no --public-url');
  });

  it('refuses to write a token the relay kept from the environment once it no longer accepts it', async () => {
    const dir = dataDir();
    relay = await startRelayProcess(['--port', '0', '--data-dir', dir], ENV);
    await relay.stop();
    relay = undefined;
    // Without GUARDMAIL_ENROLLMENT_TOKEN, the next start would make a new token: the kept one must not enrol browsers.
    const { code, stderr } = await runRelayToExit(['policy', 'linux', '--data-dir', dir], { GUARDMAIL_ADMIN_TOKEN: ADMIN });
    expect(code).toBe(1);
    expect(stderr).toContain('the relay keeps only a hash of its enrollment token');
  });
});
