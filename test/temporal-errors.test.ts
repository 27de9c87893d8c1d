// What a failed Temporal call means for the API's answer, for the errors a restart of the cluster
// produces (seen in the fault suite) beside the ordinary ones.
import { WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { classifyTemporalError } from '../lib/temporal-errors.js';

describe('classifyTemporalError', () => {
  it('an update the restarted server no longer knows is a 503 to retry, not a missing case', () => {
    expect(classifyTemporalError(new WorkflowNotFoundError('update not found', 'case-1', undefined))).toMatchObject({ kind: 'unavailable', status: 503 });
  });

  it('a completed workflow is a closed case; an unknown one is missing', () => {
    expect(classifyTemporalError(new WorkflowNotFoundError('workflow execution already completed', 'case-1', undefined))).toMatchObject({ kind: 'closed', status: 409 });
    // Seen in the fault suite: a repeated rejection in flight as the first one closed the case.
    expect(classifyTemporalError(new WorkflowNotFoundError('workflow update was aborted by closing workflow', 'case-1', undefined))).toMatchObject({ kind: 'closed', status: 409 });
    expect(classifyTemporalError(new WorkflowNotFoundError('workflow not found for ID: case-1', 'case-1', undefined))).toMatchObject({ kind: 'missing', status: 404 });
  });
});
