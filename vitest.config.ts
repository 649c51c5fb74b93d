import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'relay/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real servers; the slowest wait out a deliberate SMTP timeout.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
