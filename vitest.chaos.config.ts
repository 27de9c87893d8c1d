import { defineConfig } from 'vitest/config';

// The fault suite (test/chaos): its own PostgreSQL cluster, Temporal dev server, worker and API
// processes, killed and restarted while 500 cases are driven through the API. One file, one fork.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 8 * 60_000,
    hookTimeout: 4 * 60_000,
    teardownTimeout: 120_000,
  },
});
