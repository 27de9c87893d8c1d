// The API's calls to Temporal, each bounded in time so a dead cluster answers 503 instead of hanging.
import { WithStartWorkflowOperation, type Client, type Connection } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import {
  CASE_WORKFLOW_TYPE,
  SA,
  RELEASE_REQUEST_WORKFLOW_TYPE,
  TEAM_WORKFLOW_TYPE,
  TRANSFER_WORKFLOW_TYPE,
  WEBHOOK_WORKFLOW_TYPE,
  addTransferCasesUpdate,
  caseWorkflowId,
  initialCaseSnapshot,
  releaseRequestWorkflowId,
  teamWorkflowId,
  transferWorkflowId,
  webhookWakeSignal,
  webhookWorkflowId,
  type AddTransferCasesInput,
  type AddTransferCasesResult,
  type CaseWorkflowInput,
  type ReleaseRequestWorkflowInput,
  type TeamWorkflowInput,
  type TransferWorkflowInput,
  type WebhookWorkflowInput,
} from '../workflows/definitions.js';
import { classifyTemporalError } from '../lib/temporal-errors.js';
import { HttpError } from './errors.js';

export interface TemporalGateway {
  /** Starts a case workflow; 'exists' when one with that id was started before. */
  startCase(input: CaseWorkflowInput): Promise<'started' | 'exists'>;
  updateCase<R, I>(caseId: string, update: UpdateDefinition<R, [I]>, arg: I): Promise<R>;
  createTransfer(input: TransferWorkflowInput, add: AddTransferCasesInput): Promise<AddTransferCasesResult>;
  updateTransfer<R, I>(transferId: string, update: UpdateDefinition<R, [I]>, arg: I): Promise<R>;
  /** Starts a team's workflow (its expiry); 'exists' when it was started before. */
  startTeam(input: TeamWorkflowInput): Promise<'started' | 'exists'>;
  /** Starts a release request's workflow; 'exists' when it was started before. */
  startReleaseRequest(input: ReleaseRequestWorkflowInput): Promise<'started' | 'exists'>;
  updateReleaseRequest<R, I>(requestId: string, update: UpdateDefinition<R, [I]>, arg: I): Promise<R>;
  /** Wakes a webhook subscription's workflow, starting it if it is not running (signal-with-start). */
  wakeWebhook(input: WebhookWorkflowInput): Promise<void>;
  /** Resolves when the cluster answers. */
  ping(timeoutMs?: number): Promise<void>;
}

export function createTemporalGateway(deps: {
  client: Client;
  connection: Connection;
  taskQueue: string;
  callTimeoutMs: number;
}): TemporalGateway {
  const { client, connection, taskQueue, callTimeoutMs } = deps;
  const bounded = <T>(fn: () => Promise<T>, ms = callTimeoutMs): Promise<T> => connection.withDeadline(Date.now() + ms, fn);
  /** Starts a workflow whose id says what it is for; 'exists' when it was started before. */
  const startOnce = async (start: () => Promise<unknown>): Promise<'started' | 'exists'> => {
    try {
      await bounded(start);
      return 'started';
    } catch (err) {
      if (classifyTemporalError(err)?.kind === 'already-started') return 'exists';
      throw err;
    }
  };

  return {
    async startCase(input) {
      const snapshot = initialCaseSnapshot(input);
      return startOnce(() =>
        client.workflow.start(CASE_WORKFLOW_TYPE, {
          workflowId: caseWorkflowId(input.caseId),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: SA.status, value: snapshot.status },
            { key: SA.holdingCountry, value: input.intake.holdingCountry },
            { key: SA.overdue, value: false },
            ...(input.intake.operationId ? [{ key: SA.operationId, value: input.intake.operationId }] : []),
            ...(snapshot.identityDueAt ? [{ key: SA.nextDueAt, value: new Date(snapshot.identityDueAt) }] : []),
          ],
        }),
      );
    },

    updateCase(caseId, update, arg) {
      return bounded(() => client.workflow.getHandle(caseWorkflowId(caseId)).executeUpdate(update, { args: [arg] }));
    },

    createTransfer(input, add) {
      // A batch fills its seats one case workflow at a time: give it longer than a single call.
      return bounded(
        () =>
          client.workflow.executeUpdateWithStart(addTransferCasesUpdate, {
            args: [add],
            startWorkflowOperation: new WithStartWorkflowOperation(TRANSFER_WORKFLOW_TYPE, {
              workflowId: transferWorkflowId(input.transferId),
              taskQueue,
              args: [input],
              // A repeat of the same request (the client chose the id) adds to the running batch;
              // a completed batch is never started again.
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            }),
          }),
        callTimeoutMs * 6,
      ).catch((err: unknown) => {
        if (classifyTemporalError(err)?.kind === 'already-started') {
          throw new HttpError(409, 'WRONG_STAGE', 'the transfer has completed');
        }
        throw err;
      });
    },

    updateTransfer(transferId, update, arg) {
      return bounded(
        () => client.workflow.getHandle(transferWorkflowId(transferId)).executeUpdate(update, { args: [arg] }),
        callTimeoutMs * 6,
      );
    },

    startTeam(input) {
      return startOnce(() =>
        client.workflow.start(TEAM_WORKFLOW_TYPE, {
          workflowId: teamWorkflowId(input.teamId),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    },

    startReleaseRequest(input) {
      return startOnce(() =>
        client.workflow.start(RELEASE_REQUEST_WORKFLOW_TYPE, {
          workflowId: releaseRequestWorkflowId(input.requestId),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    },

    updateReleaseRequest(requestId, update, arg) {
      return bounded(() => client.workflow.getHandle(releaseRequestWorkflowId(requestId)).executeUpdate(update, { args: [arg] }));
    },

    async wakeWebhook(input) {
      await bounded(() =>
        client.workflow.signalWithStart(WEBHOOK_WORKFLOW_TYPE, {
          workflowId: webhookWorkflowId(input.subscriptionId),
          taskQueue,
          args: [input],
          signal: webhookWakeSignal,
          signalArgs: [],
        }),
      );
    },

    async ping(timeoutMs = 2000) {
      await bounded(() => connection.workflowService.getSystemInfo({}), timeoutMs);
    },
  };
}
