import { defineConfig } from 'vitest/config';

// TEST_TIMEOUT_SCALE (default 1): multiplies the bounds below on a slow or loaded machine.
const scale = Number(process.env.TEST_TIMEOUT_SCALE ?? 1);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own (npm run test:chaos, vitest.chaos.config.ts).
    exclude: ['test/chaos/**', '**/node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    // Each file runs its own worker against the shared Temporal dev server and database.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000 * scale,
    hookTimeout: 180_000 * scale,
    teardownTimeout: 60_000 * scale,
  },
});
