// What a failed Temporal call means, and the API's answer to it, for the errors a restart of the
// cluster produces (seen in the fault suite) beside the ordinary ones.
import { WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { temporalHttpError } from '../api/errors.js';
import { classifyTemporalError } from '../lib/temporal-errors.js';

const answer = (message: string) => {
  const failure = classifyTemporalError(new WorkflowNotFoundError(message, 'case-1', undefined));
  const http = failure && temporalHttpError(failure);
  return { kind: failure?.kind, status: http?.status, code: http?.code };
};

describe('classifyTemporalError', () => {
  it('an update the restarted server no longer knows is a 503 to retry, not a missing case', () => {
    expect(answer('update not found')).toEqual({ kind: 'unavailable', status: 503, code: 'TEMPORAL_UNAVAILABLE' });
  });

  it('a completed workflow is a closed case; an unknown one is missing', () => {
    expect(answer('workflow execution already completed')).toEqual({ kind: 'closed', status: 409, code: 'CASE_CLOSED' });
    // Seen in the fault suite: a repeated rejection in flight as the first one closed the case.
    expect(answer('workflow update was aborted by closing workflow')).toEqual({ kind: 'closed', status: 409, code: 'CASE_CLOSED' });
    expect(answer('workflow not found for ID: case-1')).toEqual({ kind: 'missing', status: 404, code: 'NOT_FOUND' });
  });
});
