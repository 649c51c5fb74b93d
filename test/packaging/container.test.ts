import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/** The image test/packaging/image.ts built, run with podman as this machine runs it (docs/development.md, "Containers"). */
const TAG = inject('image');
const podman = (...args: string[]) =>
  execFileSync('podman', ['--runtime', 'runc', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, CONTAINERS_CONF: inject('containersConf') },
    maxBuffer: 64 << 20,
  });

describe('the container image', () => {
  let work = '';
  let container = '';
  let url = '';
  const volume = `guardmail-test-${process.pid}`;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'guardmail-container-'));
    writeFileSync(join(work, 'secret-key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o444 });
    container = podman(
      'run',
      '-d',
      '--read-only',
      '--cap-drop=ALL',
      '--security-opt',
      'no-new-privileges',
      // No timer: systemd is not PID 1 here, so podman cannot schedule the healthcheck; the test runs it itself.
      '--health-interval',
      'disable',
      '-p',
      '127.0.0.1::8787',
      '-v',
      `${volume}:/var/lib/guardmail`,
      '-v',
      `${join(work, 'secret-key')}:/run/secrets/guardmail/secret-key:ro`,
      '-e',
      'GUARDMAIL_BEHIND_TLS_PROXY=true',
      '-e',
      'GUARDMAIL_SECRET_KEY_FILE=/run/secrets/guardmail/secret-key',
      TAG,
    ).trim();
    url = `http://${podman('port', container, '8787').trim()}`;
  }, 60_000);

  afterAll(() => {
    if (container) podman('rm', '-f', container);
    podman('volume', 'rm', '-f', volume);
    rmSync(work, { recursive: true, force: true });
  });

  it('runs read-only, without capabilities or new privileges, as user 65532, and answers /readyz', async () => {
    let ready: Response | null = null;
    for (let i = 0; i < 60 && ready?.status !== 200; i++) {
      ready = await fetch(`${url}/readyz`).catch(() => null);
      if (ready?.status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(ready?.status).toBe(200);
    expect(((await ready!.json()) as { ready: boolean }).ready).toBe(true);
    const inspected = JSON.parse(podman('inspect', container))[0] as {
      Config: { User: string };
      HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[]; SecurityOpt: string[] };
    };
    expect(inspected.Config.User).toBe('65532:65532');
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(podman('exec', container, '/nodejs/bin/node', '-p', 'process.getuid()').trim()).toBe('65532');
  });

  it("keeps its data in the volume only, sealed with the mounted key, and its healthcheck is the relay's own", () => {
    const files = podman('exec', container, '/nodejs/bin/node', '-p', "require('fs').readdirSync('/var/lib/guardmail/data').join(' ')").trim().split(' ');
    expect(files).toContain('guardmail.sqlite');
    expect(files).not.toContain('secret.key');
    expect(podman('healthcheck', 'run', container).trim()).toBe('');
  });

  it('carries an SBOM, and says how large it is', () => {
    const sbom = JSON.parse(podman('run', '--rm', '--entrypoint', '/nodejs/bin/node', TAG, '-p', "require('fs').readFileSync('sbom.cdx.json','utf8')")) as {
      bomFormat: string;
      components: { name: string }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components.map((c) => c.name)).toContain('better-sqlite3');
    const size = Number(podman('image', 'inspect', '--format', '{{.Size}}', TAG).trim());
    console.log(`guardmail-relay image: ${(size / 1e6).toFixed(1)} MB`);
    expect(size).toBeGreaterThan(0);
  });
});
