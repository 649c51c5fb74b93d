import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../relay/config';
import { errorCodes } from '../shared/errors';

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

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
});
