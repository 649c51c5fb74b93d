import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../../relay/config';
import { CHECKS } from '../../shared/checks/index';
import { errorCodes } from '../../shared/errors';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const benchmarks = readFileSync(join(import.meta.dirname, '../../docs/benchmarks.md'), 'utf8');
const guide = readFileSync(join(root, 'docs/guide.md'), 'utf8');

describe('README', () => {
  it('opens with the two commands: install and start, then test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, ''));
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it("lists every relay option with its flag and environment variable, in the operator's guide", () => {
    const operating = readFileSync(join(root, 'docs/operating.md'), 'utf8');
    for (const option of Object.values(OPTIONS)) {
      expect(operating, option.env).toContain(`\`${option.env}\``);
      if (option.flag) expect(operating, option.flag).toContain(`\`${option.flag}\``);
    }
  });

  it("explains every error code in the admin's guide's troubleshooting table", () => {
    for (const code of Object.keys(errorCodes)) expect(guide, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it("lists every check in the admin's guide's checks table", () => {
    for (const check of CHECKS) expect(guide, check.id).toMatch(new RegExp(`^\\| \`${check.id}\` \\|`, 'm'));
  });

  it('stays short: the two commands, what Guardmail is, a first start, and links', () => {
    expect(readme.split('\n').length).toBeLessThan(150);
  });
});

describe('docs/benchmarks.md', () => {
  it('has a row for every benchmark rule a check names, with that check', () => {
    const rows = benchmarks.split('\n').filter((line) => line.startsWith('| '));
    for (const check of CHECKS) {
      for (const rule of check.rules ?? []) {
        expect(
          rows.some((row) => row.includes(`| ${rule.id} `) && row.includes(rule.title) && row.includes(`\`${check.id}\``)),
          `${rule.id} → ${check.id}`,
        ).toBe(true);
      }
    }
  });
});

describe('docs/', () => {
  const tracked = execFileSync('git', ['ls-files', '*.ts', '*.tsx', '*.mjs', '*.md', '*.sh'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

  it('is where every comment and page points: nothing cites a design file outside the repository', () => {
    const outside = tracked.filter((file) => /\b(DESIGN|PROVIDERS|STYLE)\.md\b/.test(readFileSync(join(root, file), 'utf8')));
    expect(outside).toEqual([]);
  });

  it('holds every page the README and the docs link to', () => {
    const links = [...readme.matchAll(/\]\((docs\/[^)#]+)\)/g)].map((m) => m[1]!);
    expect(links).toEqual(expect.arrayContaining(['docs/architecture.md', 'docs/providers.md', 'docs/development.md', 'docs/operating.md', 'docs/guide.md']));
    for (const link of links) expect(existsSync(join(root, link)), link).toBe(true);
  });

  it('links only to headings that exist, across the README and the docs', () => {
    const pages = ['README.md', ...tracked.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replaceAll(' ', '-');
    const anchors = new Map(pages.map((p) => [p, new Set([...readFileSync(join(root, p), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)))]));
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, target, anchor] of readFileSync(join(root, page), 'utf8').matchAll(/\]\(([^)#\s]*)#([\w-]+)\)/g)) {
        const file = target ? join(dirname(page), target).replace(/^\.\//, '') : page;
        if (!anchors.get(file)?.has(anchor!)) broken.push(`${page} → ${target}#${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("names in the providers' failure table only error codes the relay has", () => {
    const providers = readFileSync(join(root, 'docs/providers.md'), 'utf8');
    const named = [...providers.matchAll(/`([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(20);
    for (const code of named) expect(Object.keys(errorCodes), code).toContain(code);
  });
});
