/** Rewrites the troubleshooting table in docs/guide.md from shared/errors.ts and the English texts (a test fails when they drift). */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorCodes } from '../shared/errors';
import { relayErrors } from '../shared/locales/en';

const path = resolve(import.meta.dirname, '../docs/guide.md');
const readme = readFileSync(path, 'utf8');
const header = '| code | status | meaning | what to do |\n|---|---|---|---|\n';
const start = readme.indexOf(header) + header.length;
const end = readme.indexOf('\n\n', start);
const rows = Object.entries(errorCodes)
  .map(
    ([code, e]) =>
      `| \`${code}\` | ${e.status} | ${relayErrors[code as keyof typeof relayErrors].message} | ${relayErrors[code as keyof typeof relayErrors].hint} |`,
  )
  .join('\n');
writeFileSync(path, readme.slice(0, start) + rows + readme.slice(end));
