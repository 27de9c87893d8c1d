// The same added step behind patched(): recorded cases replay as before, new ones take the step.
import { patched, sleep } from '@temporalio/workflow';
import { repatriationCaseWorkflow as current } from '../../workflows/case.js';
import type { CaseWorkflowInput } from '../../workflows/definitions.js';

export async function repatriationCaseWorkflow(input: CaseWorkflowInput) {
  if (patched('pause-before-intake')) await sleep('1 minute');
  return current(input);
}
