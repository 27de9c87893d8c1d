// Builds a worker that runs the case and transfer workflows and their activities.
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker, type ActivityInterceptorsFactory, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type Activities } from '../activities/index.js';
import type { WebhookDelivery } from '../activities/webhooks.js';
import type { Db } from '../db/client.js';
import type { Config } from '../lib/config.js';
import type { KeyRing } from '../lib/crypto.js';
import { isUnauthenticated, UNAUTHENTICATED, UNAUTHENTICATED_FAILURE } from '../workflows/payload-authenticity.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows', import.meta.url));
/**
 * Workflow interceptors every bundle must include (pass them to bundleWorkflowCode as
 * `workflowInterceptorModules` when prebuilding one): they refuse forged payloads.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../workflows/payload-authenticity', import.meta.url))];

/** Activities run only on input a workflow encrypted; anything else is refused, never retried. */
const refuseUnauthenticatedActivityInput: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute(input, next) {
      const forged = input.args.filter(isUnauthenticated);
      if (forged.length > 0) {
        throw ApplicationFailure.create({
          type: UNAUTHENTICATED_FAILURE,
          message: `activity ${ctx.info.activityType} refused: its input was not encrypted by this system (${forged.map((f) => f[UNAUTHENTICATED]).join(', ')})`,
          nonRetryable: true,
        });
      }
      return next(input);
    },
  },
});

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  /** Used by the transfer fan-out activities to update case workflows. */
  client: Client;
  /** Encrypts payloads (lib/codec.ts); the same key ring as the clients'. */
  dataConverter: WorkerOptions['dataConverter'];
  /** The payload key ring (it also opens webhook secrets). */
  keyRing: KeyRing;
  /** One webhook request's timeout (WEBHOOK_TIMEOUT) and the hold of new changes (TEAM_STREAM_HOLD). */
  webhookDelivery?: WebhookDelivery;
  /** A prebuilt bundle (tests build one once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Replaces the activities built from `db` and `client` (tests inject faults this way). */
  activities?: Activities;
  /** How long a stopping worker lets in-flight activities finish before cancelling them (WORKER_SHUTDOWN_GRACE). */
  shutdownGraceMs?: number;
  tuning?: Partial<
    Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'maxCachedWorkflows'>
  >;
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
    activities: deps.activities ?? createActivities({ db: deps.db, client: deps.client, keyRing: deps.keyRing, webhookDelivery: deps.webhookDelivery }),
    dataConverter: deps.dataConverter,
    // A prebuilt bundle carries its workflow interceptors (WORKFLOW_INTERCEPTOR_MODULES) already.
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle, interceptors: { activity: [refuseUnauthenticatedActivityInput] } }
      : {
          workflowsPath: WORKFLOWS_PATH,
          interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES, activity: [refuseUnauthenticatedActivityInput] },
        }),
    ...WORKER_TUNING,
    shutdownGraceTime: deps.shutdownGraceMs ?? 30_000,
    ...deps.tuning,
  });
}

/**
 * A worker as the configuration sets it up (npm start and npm run worker): the configured task
 * queue, shutdown grace and tuning (an unset WORKER_MAX_CACHED_WORKFLOWS leaves the SDK's default).
 */
export function createConfiguredWorker(
  config: Config,
  deps: Pick<WorkerDeps, 'connection' | 'namespace' | 'db' | 'client' | 'dataConverter' | 'keyRing'>,
): Promise<Worker> {
  return createWorker({
    ...deps,
    webhookDelivery: { timeoutMs: config.webhooks.timeoutMs, holdMs: config.stream.teamHoldMs },
    taskQueue: config.temporal.taskQueue,
    shutdownGraceMs: config.shutdown.workerGraceMs,
    tuning: config.worker,
  });
}
