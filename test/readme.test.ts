import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../relay/config';
import { CHECKS } from '../shared/checks/index';
import { errorCodes } from '../shared/errors';

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
const benchmarks = readFileSync(join(import.meta.dirname, '../docs/benchmarks.md'), 'utf8');

describe('README', () => {
  it('opens with the two commands: install and start, then test', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.trim().split('\n').map((line) => line.replace(/\s+#.*$/, ''));
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
  });

  it('lists every relay option with its flag and environment variable', () => {
    for (const option of Object.values(OPTIONS)) {
      expect(readme, option.env).toContain(`\`${option.env}\``);
      if (option.flag) expect(readme, option.flag).toContain(`\`${option.flag}\``);
    }
  });

  it('explains every error code in the troubleshooting table', () => {
    for (const code of Object.keys(errorCodes)) expect(readme, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
  });

  it('lists every check in the checks table', () => {
    for (const check of CHECKS) expect(readme, check.id).toMatch(new RegExp(`^\\| \`${check.id}\` \\|`, 'm'));
  });
});

describe('docs/benchmarks.md', () => {
  it('has a row for every benchmark rule a check names, with that check', () => {
    const rows = benchmarks.split('\n').filter((line) => line.startsWith('| '));
    for (const check of CHECKS) {
      for (const rule of check.rules ?? []) {
        expect(rows.some((row) => row.includes(`| ${rule.id} `) && row.includes(rule.title) && row.includes(`\`${check.id}\``)), `${rule.id} → ${check.id}`).toBe(true);
      }
    }
  });
});

