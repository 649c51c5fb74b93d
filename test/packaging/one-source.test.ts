import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../relay/config';
import { PACKAGED_ENVIRONMENTS } from '../../scripts/packaging';

const ROOT = join(import.meta.dirname, '../..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'packaging'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter(Boolean);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const names = new Set(Object.values(OPTIONS).flatMap((o) => [o.env, `${o.env}_FILE`]));

describe('the unit, the image and the manifests, from one source', () => {
  it("hold the environment files the relay's option table makes (npm run packaging)", () => {
    for (const [file, text] of Object.entries(PACKAGED_ENVIRONMENTS)) expect(read(file), file).toBe(text);
  });

  it('name only variables the relay reads', () => {
    const used = files.flatMap((file) => [...read(file).matchAll(/\bGUARDMAIL_[A-Z0-9_]+/g)].map((m) => `${file}: ${m[0]}`));
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((u) => !names.has(u.slice(u.indexOf(': ') + 2)))).toEqual([]);
  });

  it("agree on the port and the data directory: the relay's default port, one volume, the data directory inside it", () => {
    const image = read('packaging/container/Containerfile');
    const deployment = read('packaging/kubernetes/base/deployment.yaml');
    expect(image).toContain(`EXPOSE ${OPTIONS.port.default}`);
    expect(image).toContain(`GUARDMAIL_PORT=${OPTIONS.port.default}`);
    expect(deployment).toContain(`containerPort: ${OPTIONS.port.default}`);
    expect(image).toContain('VOLUME ["/var/lib/guardmail"]');
    expect(image).toContain('GUARDMAIL_DATA_DIR=/var/lib/guardmail/data');
    expect(deployment).toMatch(/name: GUARDMAIL_DATA_DIR\n\s+value: \/var\/lib\/guardmail\/data/);
    expect(deployment).toContain('mountPath: /var/lib/guardmail\n');
    expect(read('packaging/systemd/guardmail-relay.service')).toContain('StateDirectory=guardmail\n');
  });
});
