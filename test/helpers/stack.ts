// A real stack per test file: its own worker and task queue against the shared Temporal dev
// server and PostgreSQL database, and the API app in-process (driven with supertest).
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import { createActivities, type Activities } from '../../activities/index.js';
import type { WebhookDelivery } from '../../activities/webhooks.js';
import type { AppDeps } from '../../api/app.js';
import { createTemporalGateway, type TemporalGateway } from '../../api/temporal.js';
import { openDatabase, type Database } from '../../db/client.js';
import { createWorker } from '../../worker/index.js';
import { DEFAULT_TIMINGS, type CaseTimings } from '../../workflows/definitions.js';
import { TEST_DATA_CONVERTER, TEST_KEY_RING, testApp, type Api } from './api.js';
import { caseSteps, type Users } from './fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-db.js';
import { waitForPollers } from './pollers.js';

let runtimeInstalled = false;
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  runtimeInstalled = true;
}

export interface TemporalHandles {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
}

export interface StackOptions {
  timings?: Partial<CaseTimings>;
  /** Another Temporal (the time-skipping test server); default: the shared dev server. */
  temporal?: TemporalHandles;
  /** Wraps the real activities, e.g. to inject a fault. */
  activities?: (real: Activities) => Activities;
  callTimeoutMs?: number;
  /** One webhook request's timeout, and the clock of the hold, in the stack's worker. */
  webhookDelivery?: WebhookDelivery;
  /** false: no worker in this process (the test runs worker processes of its own). */
  inProcessWorker?: boolean;
  taskQueue?: string;
  /** More app dependencies (the event stream's timing, the console, dev tokens). */
  app?: Partial<AppDeps>;
  /**
   * A database of the test's own (its owner closes it). Needed by a test that runs a background
   * loop over every case, such as the intake outbox: on the shared database it would start other
   * files' cases on this stack's task queue, where no worker polls once this file is done.
   */
  database?: Database;
}

export interface Stack extends TemporalHandles {
  database: Database;
  api: Api;
  taskQueue: string;
  /** The gateway to Temporal on the stack's task queue, as an API process has it. */
  gateway: TemporalGateway;
  worker?: Worker;
  timings: CaseTimings;
  stop(): Promise<void>;
}

export async function connectToDevServer(): Promise<TemporalHandles> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  return {
    connection,
    client: new Client({ connection, dataConverter: TEST_DATA_CONVERTER }),
    nativeConnection: await NativeConnection.connect({ address }),
  };
}

export async function openTestDatabase(poolSize = 10): Promise<Database> {
  return openDatabase({ url: inject('databaseUrl'), poolSize });
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const ownTemporal = !options.temporal;
  const temporal = options.temporal ?? (await connectToDevServer());
  const database = options.database ?? (await openTestDatabase());
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  const timings = { ...DEFAULT_TIMINGS, ...options.timings };
  const real = createActivities({ db: database.db, client: temporal.client, keyRing: TEST_KEY_RING, webhookDelivery: options.webhookDelivery });
  const worker =
    options.inProcessWorker === false
      ? undefined
      : await createWorker({
          connection: temporal.nativeConnection,
          namespace: 'default',
          taskQueue,
          db: database.db,
          client: temporal.client,
          dataConverter: TEST_DATA_CONVERTER,
          keyRing: TEST_KEY_RING,
          workflowBundle: { codePath: inject('workflowBundlePath') },
          activities: options.activities ? options.activities(real) : real,
        });
  const running = worker?.run();
  // The file's first call to a case does not wait on a worker that has not polled yet (checked on
  // the shared dev server, whose task queue Temporal describes).
  if (worker && ownTemporal) await waitForPollers(temporal.client, taskQueue, 1, { identities: [worker.options.identity] });
  const gateway = createTemporalGateway({
    client: temporal.client,
    connection: temporal.connection,
    taskQueue,
    // TEST_CALL_TIMEOUT_MS: how long a test's API waits on Temporal before a 503; raise it on a
    // slow machine rather than let a busy Temporal fail a test that is not about outages.
    callTimeoutMs: options.callTimeoutMs ?? Number(process.env.TEST_CALL_TIMEOUT_MS ?? 30_000),
  });
  const api = testApp(database, { temporal: gateway, timings, ...options.app });
  return {
    ...temporal,
    database,
    api,
    taskQueue,
    gateway,
    worker,
    timings,
    async stop() {
      worker?.shutdown();
      await running;
      if (!options.database) await database.close();
      if (ownTemporal) {
        await temporal.connection.close();
        await temporal.nativeConnection.close();
      }
    },
  };
}

export interface UseStackOptions extends StackOptions {
  /**
   * Run on a database of the file's own (see `StackOptions.database`): created and migrated before
   * the stack starts, dropped after it stops; its pool size, if not the default.
   */
  ownDatabase?: boolean | { poolSize: number };
}

/** A stack on the shared dev server for the file's tests (or a describe's), with its step helpers. */
export function useStack(
  u: Users,
  options: UseStackOptions = {},
): { stack: Stack; steps: ReturnType<typeof caseSteps>; scratch?: ScratchDatabase } {
  const t = {} as { stack: Stack; steps: ReturnType<typeof caseSteps>; scratch?: ScratchDatabase };
  const { ownDatabase, ...stackOptions } = options;
  beforeAll(async () => {
    if (ownDatabase) t.scratch = await createScratchDatabase(ownDatabase === true ? undefined : ownDatabase.poolSize);
    t.stack = await startStack({ ...stackOptions, ...(t.scratch ? { database: t.scratch.database } : {}) });
    t.steps = caseSteps(t.stack.api, u);
  });
  afterAll(async () => {
    await t.stack?.stop();
    await t.scratch?.drop();
  });
  return t;
}
