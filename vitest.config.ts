import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  test: {
    // Integration tests start real servers; the slowest wait out a deliberate SMTP timeout.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The test authorization server warns that it is one (development interactions, in-memory store).
    onConsoleLog: (log) => !log.startsWith('oidc-provider '),
    projects: [
      {
        extends: true,
        test: {
          name: 'relay',
          include: ['shared/**/*.test.ts', 'relay/**/*.test.ts', 'test/{contract,in-process,processes,hostile,docs,packaging}/*.test.ts'],
          exclude: ['test/packaging/container.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'packaging',
          include: ['test/packaging/container.test.ts'],
          // The image is built before any test runs (podman, npm ci and a compile), not beside them.
          globalSetup: ['test/packaging/image.ts'],
          hookTimeout: 900_000,
        },
      },
      {
        extends: true,
        plugins: [WxtVitest({ root: 'extension' })],
        test: { name: 'extension', include: ['extension/**/*.test.{ts,tsx}'] },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/build-extension.ts'],
          // One Chromium at a time on two cores; each file shares one browser across its tests.
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
