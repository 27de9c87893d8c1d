// The case workflow with one step added ahead of the existing ones, without patched(): what a
// careless deploy looks like. test/replay.test.ts expects its replay of a recorded case to fail.
import { sleep } from '@temporalio/workflow';
import { repatriationCaseWorkflow as current } from '../../workflows/case.js';
import type { CaseWorkflowInput } from '../../workflows/definitions.js';

export async function repatriationCaseWorkflow(input: CaseWorkflowInput) {
  await sleep('1 minute');
  return current(input);
}
