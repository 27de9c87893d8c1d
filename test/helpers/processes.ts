// The environment an entry point (`tsx api/server.ts`, `tsx worker/main.ts`) run as a child process
// needs to work against the test run's Temporal dev server and PostgreSQL, with the test keys.
import os from 'node:os';
import { inject } from 'vitest';
import { TEST_AUDIT_KEY, TEST_DOCUMENT_HASH_KEY, TEST_PAYLOAD_KEYS } from './api.js';

/** No auth configuration: each test says which one it runs with. */
export function entryPointEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? os.tmpdir(),
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    DOCUMENT_HASH_KEY: TEST_DOCUMENT_HASH_KEY,
    AUDIT_KEY: TEST_AUDIT_KEY,
    // Processes of parallel test files would contend for the default metrics ports; a test about metrics names its own.
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    WORKER_SDK_METRICS_PORT: '0',
  };
}
