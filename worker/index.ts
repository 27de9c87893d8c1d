// Builds a worker that runs the case and transfer workflows and their activities.
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities/index.js';
import type { Db } from '../db/client.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows', import.meta.url));

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** Used by the transfer fan-out activities to update case workflows. */
  client: Client;
  /** Encrypts payloads (lib/codec.ts); the same key ring as the clients'. */
  dataConverter: WorkerOptions['dataConverter'];
  /** A prebuilt bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Replaces the activities built from `db` and `client` (tests inject faults this way). */
  activities?: Activities;
  /** How long a stopping worker lets in-flight activities finish before cancelling them (WORKER_SHUTDOWN_GRACE). */
  shutdownGraceMs?: number;
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>>;
}

/**
 * A workflow task holds its slot while its local activity writes to the store, and activities wait
 * on the database and on other workflows, not the CPU: more slots and pollers than the defaults
 * keep the task queue drained (measured with npm run bench).
 */
export const WORKER_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxConcurrentWorkflowTaskPolls: 50,
  maxConcurrentLocalActivityExecutions: 200,
  maxConcurrentActivityTaskExecutions: 200,
} satisfies Partial<WorkerOptions>;

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    activities: deps.activities ?? createActivities({ db: deps.db, client: deps.client }),
    dataConverter: deps.dataConverter,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...WORKER_TUNING,
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    ...deps.tuning,
  });
}
