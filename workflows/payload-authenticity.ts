// Refuses what did not come from a holder of the key ring. The codec (lib/codec.ts) hands a
// workflow an "unauthenticated" marker in place of any payload that is not its own ciphertext
// (plaintext from the CLI or the Web UI, the codec endpoint's ciphertext, an unknown key, a bad
// tag, a payload copied from another workflow's history); these interceptors keep every marker
// away from the workflow code:
// - an update is rejected by its validator, so nothing enters the history; the handler refuses too,
//   for an update whose validator does not run;
// - a signal is dropped (it is in the history, as every signal is, but changes nothing);
// - a query fails; a workflow started with such an input fails at once;
// - an activity result made outside the workers (`temporal activity complete`) fails the activity call.
import { ApplicationFailure, log, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export const UNAUTHENTICATED = '$unauthenticated';
export const UNAUTHENTICATED_FAILURE = 'UnauthenticatedPayload';
export type UnauthenticatedReason = 'plaintext' | 'external' | 'unknown-key' | 'bad-ciphertext' | 'other-workflow';

export const isUnauthenticated = (value: unknown): value is { [UNAUTHENTICATED]: UnauthenticatedReason } =>
  typeof value === 'object' && value !== null && UNAUTHENTICATED in value;

const reasonsIn = (values: readonly unknown[]) => values.filter(isUnauthenticated).map((v) => v[UNAUTHENTICATED]);

const refusal = (what: string, reasons: string[]) =>
  ApplicationFailure.create({
    type: UNAUTHENTICATED_FAILURE,
    message: `${what} refused: its payload was not encrypted by this system (${[...new Set(reasons)].join(', ')})`,
    nonRetryable: true,
  });

function refuseUnauthenticated(what: string, values: readonly unknown[]): void {
  const reasons = reasonsIn(values);
  if (reasons.length > 0) throw refusal(what, reasons);
}

class RefuseUnauthenticatedInbound implements WorkflowInboundCallsInterceptor {
  // async: a refusal must fail the workflow, not the workflow task (which the server would retry forever)
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    refuseUnauthenticated('the workflow input', input.args);
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    refuseUnauthenticated(`update ${input.name}`, input.args);
    next(input);
  }

  async handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    refuseUnauthenticated(`update ${input.name}`, input.args);
    return next(input);
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const reasons = reasonsIn(input.args);
    if (reasons.length > 0) {
      log.warn('dropped a signal with an unauthenticated payload', {
        workflowId: workflowInfo().workflowId,
        signal: input.signalName,
        reasons: [...new Set(reasons)],
      });
      return;
    }
    return next(input);
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    refuseUnauthenticated(`query ${input.queryName}`, input.args);
    return next(input);
  }
}

class RefuseUnauthenticatedOutbound implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const result = await next(input);
    refuseUnauthenticated(`the result of activity ${input.activityType}`, [result]);
    return result;
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    const result = await next(input);
    refuseUnauthenticated(`the result of activity ${input.activityType}`, [result]);
    return result;
  }
}

/** Registered with the worker (worker/index.ts WORKFLOW_INTERCEPTOR_MODULES) for every workflow. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new RefuseUnauthenticatedInbound()],
  outbound: [new RefuseUnauthenticatedOutbound()],
});
