// `npm run histories:export`: the history export (scripts/export-histories.ts) on the test stack.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scripts/export-histories.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
