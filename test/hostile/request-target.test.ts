import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayWithTokens } from '../fixtures/relay-process';

/** A build as wxt writes one: enough for Chromium's packer rules and for the relay to serve. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'guardmail-build-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'Guardmail', version: '1.2.3' }), { mode: 0o644 });
  mkdirSync(join(dir, 'chunks'), { mode: 0o755 });
  writeFileSync(join(dir, 'chunks', 'popup.js'), 'console.log("popup")', { mode: 0o644 });
  return dir;
}

/** A GET whose request target is in absolute form (RFC 9112 §3.2.2), with a Host header of the relay's own. */
function absoluteGet(relayUrl: string, target: string, token?: string): Promise<{ status: number; body: string }> {
  const { hostname, port, host } = new URL(relayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: target, headers: { Host: host, ...(token ? { Authorization: `Bearer ${token}` } : {}) } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Attack 10: `GET http://evil.example/extension/updates.xml` with a valid Host wrote the attacker's host into the
 * update manifest and into downloaded policies: every managed browser would fetch its next update from there. And the
 * unpacked copy of the extension was 0644 where the README says every file in the data directory is 0600.
 */
describe('the URLs the relay writes and the files it keeps, against the relay as a process', () => {
  let relay: Awaited<ReturnType<typeof startRelayWithTokens>>;
  beforeAll(async () => {
    relay = await startRelayWithTokens(['--extension-build-dir', fakeBuild()]);
  });
  afterAll(() => relay?.stop());

  it('builds the update manifest and the policies from the Host header, never from an absolute request target', async () => {
    const { host } = new URL(relay.url);
    const manifest = await absoluteGet(relay.url, 'http://evil.example/extension/updates.xml');
    expect(manifest.status).toBe(200);
    expect(manifest.body).toContain(`codebase='http://${host}/extension/guardmail-1.2.3.crx'`);
    expect(manifest.body).not.toContain('evil.example');
    const policy = await absoluteGet(relay.url, 'http://evil.example/api/v1/deployment/policy?platform=linux', relay.admin);
    expect(policy.status).toBe(200);
    expect(policy.body).toContain(`http://${host}/extension/updates.xml`);
    expect(policy.body).not.toContain('evil.example');
  });

  it("keeps the signed extension and its unpacked copy readable by the relay's user only", () => {
    const modes: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        modes.push(`${(statSync(path).mode & 0o777).toString(8)} ${entry.isDirectory() ? 'dir' : 'file'}`);
        if (entry.isDirectory()) walk(path);
      }
    };
    walk(relay.dataDir);
    expect(modes.length).toBeGreaterThan(4);
    expect(new Set(modes)).toEqual(new Set(['600 file', '700 dir']));
  });
});
