// The command layer between the routes and the Temporal gateway. Every change a route asks of a
// case or a transfer batch goes through here, and so does the answer to a repeat: a request sent
// again after its answer was lost (the same decision, a hold or claim or batch under the id the
// client chose, a departure or handover of a batch that has completed) is answered from the store,
// the same way for every command, and changes nothing. The workflows stay the authority on state.
import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/common';
import { getCaseScopes, getDecisions, getHold, type CaseScopeRow } from '../db/case-detail.js';
import { classifyTemporalError } from '../lib/temporal-errors.js';
import { Refusal, decisionSide, repeatOfDecision } from '../workflows/case-rules.js';
import { getTransferOwner, type TransferDetail } from '../db/transfers.js';
import {
  cancelCaseUpdate,
  departTransferUpdate,
  handoverTransferUpdate,
  placeHoldUpdate,
  submitDecisionUpdate,
  type Actor,
  type CaseOperationResult,
  type DecisionSide,
  type DecisionValue,
  type HoldKind,
  type ItemFailure,
  type TransferLegOutcome,
  type TransferWorkflowInput,
} from '../workflows/definitions.js';
import type { AppDeps } from './app.js';
import { HttpError, itemError, toTemporalRefusal } from './errors.js';
import { caseDetail } from './scope.js';

/** A hold or a protection claim as a caller asks for it; `id` is the caller's choice, if any. */
export interface HoldRequest {
  id?: string;
  kind: HoldKind;
  reason: string;
  until: string | null;
  lodgedAt: string | null;
}

/**
 * An id the caller chose that is taken: by another case's hold, or by one of this case that asks
 * for something else. The answer says nothing of what holds it; the refusal is logged for the
 * holding country of the case that has it.
 */
function idTaken(code: 'HOLD_ID_TAKEN' | 'CLAIM_ID_TAKEN' | 'TRANSFER_ID_TAKEN', id: string, countries: string[]): HttpError {
  const name = code === 'TRANSFER_ID_TAKEN' ? 'transferId' : 'id';
  const err = new HttpError(409, code, `this ${name} cannot be used; choose another`);
  err.denied = { objectIds: [id], scopeCountries: countries };
  return err;
}

/** A per-case result with its failure in the contract's error shape. */
export type Answered<R extends { error?: ItemFailure }> = Omit<R, 'error'> & { error?: { code: string; message: string } };

const answered = <R extends { error?: ItemFailure }>(result: R): Answered<R> =>
  result.error ? { ...result, error: itemError(result.error) } : (result as Answered<R>);

type StoredCase = Awaited<ReturnType<typeof caseDetail>>;

/** Temporal aborted the update because the workflow closed meanwhile ("…aborted by closing workflow"). */
const closedOnTheWay = (err: unknown): boolean => classifyTemporalError(err)?.kind === 'closed';

/** After a batch has completed its workflow is closed; a repeat is answered from its legs. */
function answerFromLegs(transfer: TransferDetail, caseIds: string[], expected: TransferLegOutcome): Answered<CaseOperationResult>[] {
  const legs = new Map(transfer.cases.map((c) => [c.caseId, c]));
  return caseIds.map((caseId) => {
    const leg = legs.get(caseId);
    return leg?.outcome === expected
      ? { caseId, ok: true, status: leg.status }
      : { caseId, ok: false, error: { code: 'TRANSFER_CLOSED', message: 'the transfer has completed' } };
  });
}

export type Commands = ReturnType<typeof createCommands>;

export function createCommands({ db, temporal, protect }: Pick<AppDeps, 'db' | 'temporal' | 'protect'>) {
  /**
   * One update to a case's workflow (the router has checked the caller's side), then the case as
   * stored. `repeats`: whether the stored case shows this very step done. A step that closes the
   * case (a diversion to PROTECTION, a claim upheld) ends its workflow, so a repeat of it (a client
   * retrying after a lost answer, or arriving while the first attempt closes the case) is answered
   * from the store, as the workflow answers a repeat on an open case; anything else on a closed
   * case stays CASE_CLOSED.
   */
  async function changeCase<I extends { actor: Actor }>(
    caseId: string,
    update: UpdateDefinition<unknown, [I]>,
    input: I,
    repeats?: (stored: StoredCase) => boolean,
  ) {
    try {
      await temporal.updateCase(caseId, update, input);
    } catch (err) {
      if (!repeats || !closedOnTheWay(err)) throw err;
      const stored = await caseDetail(db, caseId, protect, input.actor);
      if (!repeats(stored)) throw err;
      return stored;
    }
    return caseDetail(db, caseId, protect, input.actor);
  }

  return {
    changeCase,

    /**
     * One supervisor decision on one case; its new status. A repeat of a recorded decision is
     * answered from the store (it also works once the case has closed); a different one is 409.
     */
    async decide(
      actor: Actor,
      row: CaseScopeRow,
      decision: DecisionValue,
      reason: string | null,
      recorded: Partial<Record<DecisionSide, string>> | undefined,
    ) {
      const side = decisionSide(actor.country, row);
      let repeat: 'repeat' | undefined;
      try {
        repeat = side ? repeatOfDecision(side, recorded?.[side], decision) : undefined;
      } catch (err) {
        if (err instanceof Refusal) throw new HttpError(409, 'CONFLICT', err.message);
        throw err;
      }
      // The opener is refused by the workflow, whose answer names the reason.
      if (repeat && actor.sub !== row.openedBy) return row.status;
      try {
        return (await temporal.updateCase(row.id, submitDecisionUpdate, { actor, decision, reason })).status;
      } catch (err) {
        // The case closed while this request was on its way (its workflow ended, aborting the
        // update): when the store shows this very decision, it is answered as the repeat it is.
        if (!side || !closedOnTheWay(err)) throw err;
        const [stored, now] = await Promise.all([getDecisions(db, [row.id]), getCaseScopes(db, [row.id])]);
        if (stored.get(row.id)?.[side] !== decision) throw err;
        return now.get(row.id)?.status ?? row.status;
      }
    },

    /** Cancels a case; a cancelled case is answered as it is (also one cancelled by this very request on its way). */
    async cancel(actor: Actor, row: CaseScopeRow, reason: string) {
      if (row.status !== 'CANCELLED') {
        await temporal.updateCase(row.id, cancelCaseUpdate, { actor, reason }).catch(async (err: unknown) => {
          if (!closedOnTheWay(err) || (await getCaseScopes(db, [row.id])).get(row.id)?.status !== 'CANCELLED') throw err;
        });
      }
      return caseDetail(db, row.id, protect, actor);
    },

    /**
     * Places a hold or records a protection claim under the caller's id (or a new one). The same
     * id asking the same again is a repeat: the hold as it is, nothing placed (`created: false`).
     */
    async placeHold(actor: Actor, caseId: string, asked: HoldRequest) {
      const holdId = asked.id?.toLowerCase() ?? randomUUID();
      const code = asked.kind === 'protection_claim' ? 'CLAIM_ID_TAKEN' : 'HOLD_ID_TAKEN';
      const sameAsAsked = async () => {
        const held = await getHold(db, holdId);
        if (!held) return undefined;
        const same =
          held.caseId === caseId &&
          held.kind === asked.kind &&
          held.reason === asked.reason &&
          held.until === asked.until &&
          held.lodgedAt === asked.lodgedAt;
        if (!same) throw idTaken(code, holdId, [held.holdingCountry]);
        return held;
      };
      if (asked.id && (await sameAsAsked())) return { created: false, holdId, case: await caseDetail(db, caseId, protect, actor) };
      const { kind, reason, until, lodgedAt } = asked;
      const held = await changeCase(caseId, placeHoldUpdate, { actor, holdId, kind, reason, until, lodgedAt });
      // Two requests under one id at once: the workflow placed the first, the second must have asked the same.
      if (asked.id) await sameAsAsked();
      return { created: true, holdId, case: held };
    },

    /**
     * Schedules a batch, or fills the caller's own batch again under its client-chosen id. An id of
     * another country's batch is refused without a word about it.
     */
    async scheduleTransfer(
      actor: Actor,
      input: Omit<TransferWorkflowInput, 'transferId'> & { transferId?: string },
      caseIds: string[],
      mayOpen: () => Promise<void>,
    ) {
      const transferId = input.transferId ?? randomUUID();
      const taken = (owner: { holdingCountry: string; destinationCountry: string } | null) =>
        idTaken('TRANSFER_ID_TAKEN', transferId, owner ? [owner.holdingCountry, owner.destinationCountry] : [actor.country]);
      const owner = input.transferId ? await getTransferOwner(db, transferId) : null;
      if (owner && owner.holdingCountry !== actor.country) throw taken(owner);
      // Adding to one's own open batch is no new batch; opening one may be refused.
      if (!owner) await mayOpen();
      const created = await temporal.createTransfer({ ...input, transferId }, { actor, caseIds }).catch(async (err: unknown) => {
        // Another country's batch started a moment ago (not yet in the store): its workflow refuses this officer.
        if (toTemporalRefusal(err)?.code === 'FORBIDDEN') throw taken(await getTransferOwner(db, transferId));
        throw err;
      });
      return { ...created, cases: created.cases.map(answered) };
    },

    /** Departure of a batch; once it has completed, the people who departed. */
    async depart(actor: Actor, transfer: TransferDetail) {
      if (transfer.status === 'COMPLETED') {
        const departed = transfer.cases.filter((c) => c.outcome !== 'scheduled' && c.outcome !== 'dropped');
        return {
          transferId: transfer.transferId,
          status: transfer.status,
          results: departed.map((c) => ({ caseId: c.caseId, ok: true, status: c.status })),
        };
      }
      const result = await temporal.updateTransfer(transfer.transferId, departTransferUpdate, { actor });
      return { ...result, results: result.results.map(answered) };
    },

    /** Handover of a batch; once it has completed, each case as its leg ended. */
    async handover(actor: Actor, transfer: TransferDetail, receivedCaseIds: string[], missingCaseIds: string[]) {
      if (transfer.status === 'COMPLETED') {
        const results = [
          ...answerFromLegs(transfer, receivedCaseIds, 'handed_over'),
          ...answerFromLegs(transfer, missingCaseIds, 'failed'),
        ];
        return { transferId: transfer.transferId, status: transfer.status, results };
      }
      const result = await temporal.updateTransfer(transfer.transferId, handoverTransferUpdate, { actor, receivedCaseIds, missingCaseIds });
      return { ...result, results: result.results.map(answered) };
    },
  };
}
