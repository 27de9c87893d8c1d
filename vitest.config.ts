import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own (npm run test:chaos, vitest.chaos.config.ts).
    exclude: ['test/chaos/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Each file runs its own worker against the shared Temporal dev server and database.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
