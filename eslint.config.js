import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'shared/ runs in the browser too.' }, { group: ['../relay/*', '../extension/*'], message: 'shared/ imports nothing of ours.' }] }],
    },
  },
  {
    files: ['relay/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['hono', 'hono/*', 'better-sqlite3', '../storage/*', '../delivery/*', '../routes/*'], message: 'relay/domain is pure: no HTTP, SQL or sockets.' }] }],
    },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } } },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', setImmediate: 'readonly' } } },
);
