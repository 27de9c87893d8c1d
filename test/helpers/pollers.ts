// A condition a test can wait on before it drives cases to worker processes it started: Temporal
// reports that many pollers (distinct worker identities) on both the workflow and the activity
// side of the task queue.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { TaskQueueType } = temporal.api.enums.v1;

/** The identities polling a task queue, per side (workflow tasks, activity tasks). */
export async function pollerIdentities(client: Client, taskQueue: string): Promise<{ workflow: string[]; activity: string[] }> {
  const side = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) => {
    const res = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: taskQueue }, taskQueueType });
    return [...new Set((res.pollers ?? []).map((p) => p.identity ?? ''))].filter(Boolean).sort();
  };
  return { workflow: await side(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), activity: await side(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY) };
}

/**
 * Resolves once at least `count` workers poll `taskQueue` for both workflow and activity tasks;
 * `identities` (when given) must be among them. Usable in hooks (no `expect.poll` there). Fails,
 * naming what Temporal reported, if `alive` turns false first or the bound passes (a bound for a
 * start that is broken, not a speed goal).
 */
export async function waitForPollers(client: Client, taskQueue: string, count: number, opts: { identities?: string[]; alive?: () => boolean; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last: unknown;
  for (;;) {
    if (opts.alive && !opts.alive()) throw new Error(`a worker process on ${taskQueue} exited before it polled (Temporal reported ${JSON.stringify(last)})`);
    const pollers = await pollerIdentities(client, taskQueue).catch((err: Error) => ({ error: err.message }));
    last = pollers;
    const enough = (ids: string[]) => ids.length >= count && (opts.identities ?? []).every((id) => ids.includes(id));
    if ('workflow' in pollers && enough(pollers.workflow) && enough(pollers.activity)) return;
    if (Date.now() > deadline) throw new Error(`${count} workers polling ${taskQueue}: Temporal reported ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
