// What a failed call to Temporal means, in Temporal's own terms: a refusal by the workflow (with
// its failure type, workflows/definitions.ts FAILURE), a closed or missing workflow, an unreachable
// cluster, or a start of a workflow that exists. The API maps these to HTTP (api/errors.ts); the
// worker's fan-out tells a per-case refusal from an outage with them.
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';

export type TemporalFailure =
  /** The workflow refused the update; `type` is the ApplicationFailure's (null when it has none). */
  | { kind: 'refused'; type: string | null; message: string }
  | { kind: 'closed'; message: string }
  | { kind: 'missing'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'already-started' };

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
    return cause instanceof ApplicationFailure ? { kind: 'refused', type: cause.type ?? null, message: cause.message } : undefined;
  }
  if (err instanceof WorkflowNotFoundError) {
    // The server forgot an update it had admitted (it restarted while the client waited for the
    // outcome): not a missing case. Sent again, the workflow applies it or answers the repeat.
    if (/update not found/i.test(err.message)) return { kind: 'unavailable', message: 'Temporal lost the update in flight' };
    // "…already completed", "…aborted by closing workflow": the case closed (perhaps while the call was on its way).
    return /completed|closed|closing/i.test(err.message)
      ? { kind: 'closed', message: 'the case is closed' }
      : { kind: 'missing', message: 'no such workflow' };
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'unavailable', message: 'Temporal did not answer in time' };
  if (err instanceof ServiceError || grpcCode(err) !== undefined) {
    const code = grpcCode(err);
    if (code === undefined || UNAVAILABLE_CODES.has(code)) return { kind: 'unavailable', message: 'Temporal is unreachable' };
    // The case's workflow task is failing (a worker overloaded or restarting): the server takes no
    // update until a retry of the task succeeds, so the caller retries later.
    if (code === 9 && /workflow task in failed state/i.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) {
      return { kind: 'unavailable', message: 'the case cannot take changes right now; its workflow task is being retried' };
    }
    if (code === 5) return { kind: 'closed', message: 'the case is closed' };
  }
  return undefined;
}
