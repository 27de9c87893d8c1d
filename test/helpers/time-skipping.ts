// A fresh time-skipping test server per test, with a worker and the API on it. Its clock starts at
// the wall clock, as the API's does, so deadlines computed at intake and timers in the workflows
// agree. Time moves only in env.sleep().
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, inject } from 'vitest';
import { ensureSearchAttributes } from '../../lib/temporal.js';
import { TEST_DATA_CONVERTER } from './api.js';
import { caseSteps, type Users } from './fixtures.js';
import { quietRuntime, startStack, type Stack } from './stack.js';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  stack: Stack;
  steps: ReturnType<typeof caseSteps>;
}

export function useTimeSkippingStack(u: Users): TimeSkipping {
  const t = {} as TimeSkipping;
  beforeEach(async () => {
    quietRuntime();
    t.env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
      client: { dataConverter: TEST_DATA_CONVERTER },
    });
    await ensureSearchAttributes(t.env.connection, 'default');
    t.stack = await startStack({
      temporal: { client: t.env.client, connection: t.env.connection, nativeConnection: t.env.nativeConnection },
    });
    t.steps = caseSteps(t.stack.api, u);
  });
  afterEach(async () => {
    await t.stack?.stop();
    await t.env?.teardown();
  });
  return t;
}
