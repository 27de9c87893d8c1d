// Activities: thin, idempotent wrappers over the case store, plus the fan-out of a transfer
// batch to its cases (through the Temporal client, so each case's own workflow decides), and the
// webhook deliveries (activities/webhooks.ts).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { getCaseScopes } from '../db/case-detail.js';
import { applyCaseChange, type CaseChange } from '../db/projection.js';
import type { Db } from '../db/client.js';
import { markTeamExpired } from '../db/teams.js';
import { settleReleaseRequest } from '../db/release-requests.js';
import { applyTransferChange, insertTransfer, type TransferChange } from '../db/transfers.js';
import { mapLimit } from '../lib/concurrency.js';
import type { KeyRing } from '../lib/crypto.js';
import { classifyTemporalError, type TemporalFailure } from '../lib/temporal-errors.js';
import {
  assignTransferUpdate,
  caseWorkflowId,
  confirmDepartureUpdate,
  confirmHandoverUpdate,
  reportTransferFailureUpdate,
  type Actor,
  type ReleaseRequestOutcome,
  type CaseOperationResult,
  FAILURE,
  FANOUT_FAILURE,
  type ItemFailure,
  type TransferCaseResult,
  type TransferWorkflowInput,
} from '../workflows/definitions.js';
import { createWebhookActivities, type WebhookDelivery } from './webhooks.js';

export interface ActivityDeps {
  db: Db;
  client: Client;
  /** Case updates a fan-out keeps in flight at once. */
  fanOutConcurrency?: number;
  /** The payload key ring: it opens webhook secrets. */
  keyRing: KeyRing;
  /** How webhooks are delivered: one request's timeout (WEBHOOK_TIMEOUT), the hold (TEAM_STREAM_HOLD). */
  webhookDelivery?: WebhookDelivery;
}

export interface AssignCasesInput {
  transferId: string;
  actor: Actor;
  caseIds: string[];
  /** Seats left on the batch. */
  seats: number;
  holdingCountry: string;
  destinationCountry: string;
  scheduledAt: string;
}

export type LegAction =
  | { kind: 'depart' }
  | { kind: 'handover' }
  | { kind: 'missing'; reason: string };

export interface UpdateLegsInput {
  transferId: string;
  actor: Actor;
  caseIds: string[];
  action: LegAction;
}

const notFound: ItemFailure = { type: FANOUT_FAILURE.notFound, message: 'no such case in your scope' };

const REFUSAL_TYPES: readonly string[] = Object.values(FAILURE);

/** A case workflow's answer to one update of the fan-out, as the batch's result for that case. */
function caseFailure(failure: Exclude<TemporalFailure, { kind: 'unavailable' | 'already-started' }>): ItemFailure {
  if (failure.kind === 'closed') return { type: FANOUT_FAILURE.closed, message: failure.message };
  if (failure.kind === 'missing') return { type: FANOUT_FAILURE.notFound, message: failure.message };
  const type = failure.type !== null && REFUSAL_TYPES.includes(failure.type) ? (failure.type as ItemFailure['type']) : FANOUT_FAILURE.refused;
  return { type, message: failure.message };
}

export function createActivities({ db, client, fanOutConcurrency = 64, keyRing, webhookDelivery }: ActivityDeps) {
  /** Sends one update to a case; a refusal is a per-case result, an outage fails the activity. */
  async function updateCase<T>(caseId: string, send: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ItemFailure }> {
    try {
      return { ok: true, value: await send() };
    } catch (err) {
      const failure = classifyTemporalError(err);
      if (failure && failure.kind !== 'unavailable' && failure.kind !== 'already-started') {
        return { ok: false, error: caseFailure(failure) };
      }
      throw err; // retried by Temporal; every case update is idempotent
    }
  }

  const caseHandle = (caseId: string) => client.workflow.getHandle(caseWorkflowId(caseId));

  return {
    ...createWebhookActivities({ db, keyRing, ...webhookDelivery }),

    async persistCaseChange(change: CaseChange): Promise<void> {
      await applyCaseChange(db, change);
    },

    async recordTransfer(input: TransferWorkflowInput): Promise<void> {
      await insertTransfer(db, input);
    },

    async persistTransferChange(change: TransferChange): Promise<void> {
      await applyTransferChange(db, change);
    },

    async recordTeamExpiry(input: { teamId: string; at: string }): Promise<void> {
      await markTeamExpired(db, input.teamId, input.at);
    },

    async settleReleaseRequest(outcome: ReleaseRequestOutcome): Promise<void> {
      await settleReleaseRequest(db, outcome);
    },

    /**
     * Puts cases on a batch in the order given until the seats are filled. Cases are asked in
     * waves no larger than the seats left, so the batch is never overfilled.
     */
    async assignCasesToTransfer(input: AssignCasesInput): Promise<TransferCaseResult[]> {
      const { transferId, actor, seats } = input;
      const ids = [...new Set(input.caseIds)];
      const scopes = await getCaseScopes(db, ids);
      const results = new Map<string, TransferCaseResult>();
      const queue: string[] = [];
      for (const id of ids) {
        const scope = scopes.get(id);
        if (!scope || scope.holdingCountry !== actor.country) results.set(id, { caseId: id, accepted: false, error: notFound });
        else queue.push(id);
      }
      let accepted = 0;
      while (queue.length > 0 && accepted < seats) {
        const wave = queue.splice(0, seats - accepted);
        const outcomes = await mapLimit(wave, fanOutConcurrency, (caseId) =>
          updateCase(caseId, () =>
            caseHandle(caseId).executeUpdate(assignTransferUpdate, {
              args: [
                {
                  actor,
                  transferId,
                  destinationCountry: input.destinationCountry,
                  scheduledAt: input.scheduledAt,
                },
              ],
            }),
          ),
        );
        wave.forEach((caseId, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) accepted++;
          results.set(caseId, outcome.ok ? { caseId, accepted: true } : { caseId, accepted: false, error: outcome.error });
        });
        Context.current().heartbeat(accepted);
      }
      for (const caseId of queue) {
        results.set(caseId, {
          caseId,
          accepted: false,
          error: { type: FANOUT_FAILURE.batchFull, message: 'the batch is full' },
        });
      }
      return ids.map((id) => results.get(id)!);
    },

    /** Moves each case of a batch one step (departure, handover, or reported missing). */
    async updateTransferLegs(input: UpdateLegsInput): Promise<CaseOperationResult[]> {
      const { transferId, actor, action } = input;
      let done = 0;
      return mapLimit(input.caseIds, fanOutConcurrency, async (caseId) => {
        const handle = caseHandle(caseId);
        const outcome = await updateCase(caseId, () => {
          switch (action.kind) {
            case 'depart':
              return handle.executeUpdate(confirmDepartureUpdate, { args: [{ actor, transferId }] });
            case 'handover':
              return handle.executeUpdate(confirmHandoverUpdate, { args: [{ actor, transferId }] });
            case 'missing':
              return handle.executeUpdate(reportTransferFailureUpdate, {
                args: [{ actor, transferId, reason: action.reason }],
              });
          }
        });
        if (++done % 20 === 0) Context.current().heartbeat(done);
        if (!outcome.ok) return { caseId, ok: false, error: outcome.error };
        if (action.kind === 'depart' && outcome.value.status !== 'IN_TRANSFER') {
          return {
            caseId,
            ok: false,
            status: outcome.value.status,
            error: { type: FANOUT_FAILURE.notBoarding, message: `the person does not board: the case is ${outcome.value.status}` },
          };
        }
        return { caseId, ok: true, status: outcome.value.status };
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;

