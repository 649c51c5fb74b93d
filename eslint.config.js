import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The relay and the extension never import each other (docs/architecture.md). */
const APART = 'the relay and the extension never import each other; what both need lives in shared/.';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'data-demo', 'dist', 'extension/.output', 'extension/.wxt', 'coverage'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      // shared/ must stay importable by the extension: no Node built-ins there.
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
      'no-duplicate-imports': 'error',
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'shared/ runs in the browser too.' },
            { group: ['../relay/*', '../extension/*'], message: 'shared/ imports nothing of ours.' },
          ],
        },
      ],
    },
  },
  {
    files: ['relay/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['pg', 'nodemailer', 'nodemailer/*', 'better-sqlite3', 'node:net', 'node:tls', 'node:http', 'node:https', 'node:fs', 'undici'],
              message: 'relay/domain is pure: no SQL, mail, sockets or files.',
            },
            {
              group: ['hono', 'hono/*', '../storage/*', '../delivery/*', '../routes/*', '../http/*', '../feeds/*'],
              message: 'relay/domain is pure: it decides, others remember and talk.',
            },
            { group: ['../../extension/*'], message: APART },
          ],
        },
      ],
    },
  },
  // The top-level extension/ seen from relay/*/ and relay/*/*/ (relay/extension/ is the relay's own: signing, serving).
  {
    files: ['relay/*/*.ts'],
    ignores: ['relay/domain/**', 'relay/storage/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../extension/*'], message: APART }] }] },
  },
  {
    files: ['relay/*/*/*.ts'],
    ignores: ['relay/storage/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../../../extension/*'], message: APART }] }] },
  },
  {
    files: ['extension/**/*.ts', 'extension/**/*.tsx'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/relay/*'], message: APART }] }] },
  },
  {
    files: ['relay/storage/sqlite/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../postgres/*', 'pg'], message: "each engine keeps to its folder: SQLite code never loads PostgreSQL's." }] },
      ],
    },
  },
  {
    files: ['relay/storage/postgres/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../sqlite/*', 'better-sqlite3'], message: "each engine keeps to its folder: PostgreSQL code never loads SQLite's." }] },
      ],
    },
  },
  {
    files: ['relay/storage/*.ts'],
    ignores: ['relay/storage/errors.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./sqlite/*', './postgres/*', 'pg', 'better-sqlite3'],
              message: 'the stores are written once, against sql.ts: what differs per engine lives in its folder.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', setImmediate: 'readonly' } } },
);
