// Baselines for the benchmark: workflows that do the same amount of Temporal work as a case but
// nothing else. Not part of the product's workflow bundle.
import { condition, defineUpdate, proxyLocalActivities, setHandler } from '@temporalio/workflow';

// The same kind of activity the case workflow uses for its writes (local), doing nothing.
const { noop } = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '30 seconds' });

export const stepUpdate = defineUpdate<number, []>('step');

/** An empty workflow: what a bare start costs. */
export async function emptyWorkflow(): Promise<void> {}

/** One activity at start, then `steps` updates that each run one activity; all do nothing. */
export async function baselineCaseWorkflow(steps: number): Promise<void> {
  let done = 0;
  setHandler(stepUpdate, async () => {
    await noop();
    return ++done;
  });
  await noop();
  await condition(() => done >= steps);
}
