// What a failed call to Temporal means for the caller: a domain refusal with its HTTP status,
// a closed case, an unreachable cluster, or something unexpected.
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { FAILURE } from '../workflows/definitions.js';

export type TemporalFailure =
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'closed'; status: 409; code: 'CASE_CLOSED'; message: string }
  | { kind: 'missing'; status: 404; code: 'NOT_FOUND'; message: string }
  | { kind: 'unavailable'; status: 503; code: 'TEMPORAL_UNAVAILABLE'; message: string }
  | { kind: 'already-started' };

const REFUSALS: Record<string, { status: number; code: string }> = {
  [FAILURE.wrongStage]: { status: 409, code: 'WRONG_STAGE' },
  [FAILURE.forbidden]: { status: 403, code: 'FORBIDDEN' },
  [FAILURE.conflict]: { status: 409, code: 'CONFLICT' },
  [FAILURE.invalid]: { status: 400, code: 'INVALID_INPUT' },
};

// gRPC status codes that mean "the cluster cannot serve this now".
const UNAVAILABLE_CODES = new Set([1, 4, 8, 14]);

function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Classifies a Temporal client error; undefined when it is not one this module understands. */
export function classifyTemporalError(err: unknown): TemporalFailure | undefined {
  if (err instanceof WorkflowExecutionAlreadyStartedError) return { kind: 'already-started' };
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type && REFUSALS[cause.type]) {
      return { kind: 'refused', ...REFUSALS[cause.type], message: cause.message };
    }
    if (cause instanceof ApplicationFailure) {
      return { kind: 'refused', status: 409, code: 'REFUSED', message: cause.message };
    }
    return undefined;
  }
  if (err instanceof WorkflowNotFoundError) {
    // The server forgot an update it had admitted (it restarted while the client waited for the
    // outcome): not a missing case. Sent again, the workflow applies it or answers the repeat.
    if (/update not found/i.test(err.message)) {
      return { kind: 'unavailable', status: 503, code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal lost the update in flight' };
    }
    // "…already completed", "…aborted by closing workflow": the case closed (perhaps while the call was on its way).
    return /completed|closed|closing/i.test(err.message)
      ? { kind: 'closed', status: 409, code: 'CASE_CLOSED', message: 'the case is closed' }
      : { kind: 'missing', status: 404, code: 'NOT_FOUND', message: 'no such workflow' };
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return { kind: 'unavailable', status: 503, code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal did not answer in time' };
  }
  if (err instanceof ServiceError || grpcCode(err) !== undefined) {
    const code = grpcCode(err);
    if (code === undefined || UNAVAILABLE_CODES.has(code)) {
      return { kind: 'unavailable', status: 503, code: 'TEMPORAL_UNAVAILABLE', message: 'Temporal is unreachable' };
    }
    if (code === 5) return { kind: 'closed', status: 409, code: 'CASE_CLOSED', message: 'the case is closed' };
  }
  return undefined;
}
