import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';

const ROOT = join(import.meta.dirname, '../..');
/** The bases are made once per Node version on a machine, then found again (each takes about a minute). */
const NODE = process.versions.node;
const BUILD_BASE = `localhost/guardmail-build-base:${NODE}`;
const RUNTIME_BASE = `localhost/guardmail-runtime-base:${NODE}`;

let work = '';
/**
 * Podman as this machine runs it (docs/development.md, "Containers"): runc, since crun fails on its rlimits and hybrid
 * cgroup layout, and no default ulimits.
 */
export const podman = (...args: string[]) =>
  execFileSync('podman', ['--runtime', 'runc', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, CONTAINERS_CONF: join(work, 'containers.conf') },
    maxBuffer: 64 << 20,
  });
const exists = (image: string) => {
  try {
    podman('image', 'exists', image);
    return true;
  } catch {
    return false;
  }
};

/**
 * No registry is reachable here, so the Containerfile's two base images are made from Debian 12's own packages with
 * mmdebstrap, and this machine's Node.js (Debian 12 too) is put in them where the usual images have it:
 * - the build base, as docker.io/library/node:20-bookworm: Node.js and npm in /usr, its headers, a compiler, Python;
 * - the runtime base, as gcr.io/distroless/nodejs20-debian12:nonroot: glibc and libstdc++ unpacked, no shell nor
 *   package manager, Node.js as /nodejs/bin/node, user 65532.
 */
function makeBases(): void {
  if (!exists(RUNTIME_BASE)) {
    const dir = join(work, 'runtime');
    mkdirSync(dir);
    execFileSync('mmdebstrap', ['--variant=extract', '--include=libc6,libstdc++6,libgcc-s1,tzdata,base-files,netbase', 'bookworm', join(dir, 'root.tar')], {
      stdio: 'pipe',
    });
    podman('import', join(dir, 'root.tar'), `${RUNTIME_BASE}-rootfs`);
    cpSync(process.execPath, join(dir, 'node'));
    writeFileSync(join(dir, 'Containerfile'), `FROM ${RUNTIME_BASE}-rootfs\nCOPY node /nodejs/bin/node\nUSER 65532:65532\n`);
    podman('build', '-q', '-t', RUNTIME_BASE, dir);
  }
  if (!exists(BUILD_BASE)) {
    const dir = join(work, 'build');
    mkdirSync(dir);
    execFileSync('mmdebstrap', ['--variant=minbase', '--include=python3,make,g++,ca-certificates', 'bookworm', join(dir, 'root.tar')], { stdio: 'pipe' });
    podman('import', join(dir, 'root.tar'), `${BUILD_BASE}-rootfs`);
    const prefix = dirname(dirname(process.execPath));
    cpSync(process.execPath, join(dir, 'node'));
    cpSync(join(prefix, 'include/node'), join(dir, 'include'), { recursive: true });
    cpSync(join(prefix, 'lib/node_modules/npm'), join(dir, 'npm'), { recursive: true });
    writeFileSync(
      join(dir, 'Containerfile'),
      [
        `FROM ${BUILD_BASE}-rootfs`,
        'COPY node /usr/bin/node',
        'COPY include /usr/include/node',
        'COPY npm /usr/lib/node_modules/npm',
        'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm',
        // As node:20-bookworm has them: the headers better-sqlite3 compiles against, found without a download.
        'ENV npm_config_nodedir=/usr',
        '',
      ].join('\n'),
    );
    podman('build', '-q', '-t', BUILD_BASE, dir);
  }
}

/**
 * Builds the relay's image once, before the packaging tests run and not beside other tests: npm ci and a compile take
 * both cores for minutes. The tests get the image's tag and podman's configuration; the image goes when they end.
 */
export default function setup(project: TestProject): () => void {
  work = mkdtempSync(join(tmpdir(), 'guardmail-image-'));
  writeFileSync(join(work, 'containers.conf'), '[containers]\ndefault_ulimits = []\n');
  makeBases();
  const tag = `localhost/guardmail-relay:test-${process.pid}`;
  podman(
    'build',
    '--format',
    'docker',
    '-f',
    join(ROOT, 'packaging/container/Containerfile'),
    '--build-arg',
    `BUILD_IMAGE=${BUILD_BASE}`,
    '--build-arg',
    `RUNTIME_IMAGE=${RUNTIME_BASE}`,
    // This machine's egress inspects TLS: its CA bundle goes in as a build secret, as the Containerfile says.
    '--secret',
    'id=ca,src=/etc/ssl/certs/ca-certificates.crt',
    '-t',
    tag,
    ROOT,
  );
  project.provide('image', tag);
  project.provide('containersConf', join(work, 'containers.conf'));
  return () => {
    try {
      podman('rmi', '-f', tag);
      // The build stage's image, a gigabyte left dangling by every build: the bases stay, the rest goes.
      podman('image', 'prune', '-f');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    image: string;
    containersConf: string;
  }
}
