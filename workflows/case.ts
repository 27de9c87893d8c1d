// One workflow per arrested person: intake → identity → screening → bilateral approval →
// transfer → handover. Safeguards run beside the process: trafficking indicators divert a case to
// protection, protection claims and holds stop it, consular notice and the custody clock escalate.
// Deadlines escalate; they never decide on anyone's behalf.
//
// This file registers the handlers and runs the loop. The rules (who may, from which status) are
// in case-rules.ts, the state and its transitions in case-state.ts, the clocks in case-clocks.ts.
import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { awaitHandover, consularClock, custodyClock, escalateUntilStageEnds, type ClockDeps } from './case-clocks.js';
import {
  checkAssignTransfer,
  checkCancel,
  checkConfirmDeparture,
  checkConfirmHandover,
  checkDecideProtectionClaim,
  checkDecision,
  checkExtendCustody,
  checkLiftHold,
  checkPlaceHold,
  checkRecordConsularNotice,
  checkRecordCourtOrder,
  checkRecordLocated,
  checkRelease,
  checkReportTransferFailure,
  checkScreen,
  checkVerifyIdentity,
  sideOf,
  type CaseFacts,
  type Verdict,
} from './case-rules.js';
import { CaseState, type Attachments, type Change } from './case-state.js';
import { asFailure } from './failures.js';
import {
  SA,
  assignTransferUpdate,
  cancelCaseUpdate,
  caseLegOutcomeSignal,
  caseStateQuery,
  confirmDepartureUpdate,
  confirmHandoverUpdate,
  decideProtectionClaimUpdate,
  extendCustodyUpdate,
  isMinorAtArrest,
  isTerminal,
  liftHoldUpdate,
  placeHoldUpdate,
  recordConsularNoticeUpdate,
  recordCourtOrderUpdate,
  recordPersonLocatedUpdate,
  releaseCaseUpdate,
  reportTransferFailureUpdate,
  screenCaseUpdate,
  submitDecisionUpdate,
  transferWorkflowId,
  verifyIdentityUpdate,
  type Actor,
  type CaseStatus,
  type CaseUpdateResult,
  type CaseView,
  type CaseWorkflowInput,
  type DecisionRecord,
  type HoldRecord,
  type IdentityRecord,
  type TraffickingIndicator,
  type TransferLegOutcome,
} from './definitions.js';
import type { WorkflowEventType } from './events.js';

/** A failed leg leaves the person MISSING instead of APPROVED (README, "Changing a workflow safely"). */
const MISSING_STATE = 'missing-state';

// Writes to the case store are short and idempotent: local activities, run by the worker that runs
// the workflow, without a round trip through the task queue.
const { persistCaseChange } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export async function repatriationCaseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  const { caseId, intake, openedBy, timings } = input;
  const holdingCountry = intake.holdingCountry;
  const state = new CaseState(input);
  const c = state.view;

  const now = () => new Date().toISOString();
  const result = (changed: boolean): CaseUpdateResult => ({ caseId, status: c.status, changed });

  /**
   * Records one change: call it right after changing the state, before any await, so the snapshot
   * it carries is exactly the state the change produced. The status moves, the search attributes
   * follow when a searchable key changed, and the store gets the event with the snapshot.
   */
  function commit<T extends WorkflowEventType>(type: T, change: Change<T>): Promise<void> {
    const from = state.applyStatus(change.to);
    const searchable = state.searchableChange();
    if (searchable) {
      upsertSearchAttributes([
        { key: SA.status, value: searchable.status },
        { key: SA.destinationCountry, value: searchable.destinationCountry },
        { key: SA.overdue, value: searchable.overdue },
        { key: SA.nextDueAt, value: searchable.nextDueAt ? new Date(searchable.nextDueAt) : null },
      ]);
    }
    return persistCaseChange(state.entry(type, from, change));
  }

  /** Tells the batch about a leg outcome it did not cause itself (deadline, cancellation, release). */
  async function notifyBatch(transferId: string, outcome: TransferLegOutcome): Promise<void> {
    try {
      await getExternalWorkflowHandle(transferWorkflowId(transferId)).signal(caseLegOutcomeSignal, { caseId, outcome });
    } catch {
      // the batch has completed: nothing waits for this leg any more
    }
  }

  /**
   * An update whose validator and handler apply the same check (case-rules.ts), so a validation
   * that went stale while the handler waited cannot slip through. A repeat of something already
   * recorded changes nothing and answers as the first time did.
   */
  function onUpdate<I, R extends CaseUpdateResult>(
    def: UpdateDefinition<R, [I]>,
    check: (facts: CaseFacts, input: I) => Verdict,
    apply: (input: I) => Promise<R>,
    repeat: (input: I) => R = () => result(false) as R,
  ): void {
    const verdict = (i: I) => asFailure(() => check(state.facts(), i));
    setHandler(def, async (i: I) => (verdict(i) === 'repeat' ? repeat(i) : apply(i)), { validator: (i: I) => void verdict(i) });
  }

  // ---- identity verification ----

  onUpdate(verifyIdentityUpdate, checkVerifyIdentity, async (i) => {
    const claimed = c.claimedNationality;
    const record: IdentityRecord = {
      result: i.result,
      claimedNationality: claimed,
      verifiedNationality: i.result === 'confirmed' ? claimed : (i.verifiedNationality ?? null),
      method: i.method,
      evidenceRef: i.evidenceRef ?? null,
      notes: i.notes ?? null,
      by: i.actor.sub,
      at: now(),
    };
    c.identity = record;
    const base = { actor: i.actor, identityCheck: record, data: { method: i.method, claimed, verified: record.verifiedNationality } };
    if (i.result === 'confirmed') {
      state.confirmNationality();
      await commit('IDENTITY_CONFIRMED', { ...base, to: 'SCREENING_PENDING' });
    } else if (i.result === 'inconclusive') {
      await commit('IDENTITY_INCONCLUSIVE', base);
    } else {
      const other = record.verifiedNationality!;
      if (other !== holdingCountry && input.participatingCountries.includes(other)) {
        state.reverifyAs(other);
        await commit('IDENTITY_REVERIFICATION_REQUESTED', { ...base, reason: `nationality established as ${other}; ${other} verifies` });
      } else {
        c.referredTo = other;
        await commit('REFERRED', {
          ...base,
          to: 'REFERRED',
          data: { ...base.data, embassyOf: other },
          reason:
            other === holdingCountry
              ? `a national of the holding country (${other}): not a repatriation case`
              : `a national of ${other}, outside the operation: referred to the embassy of ${other}`,
        });
      }
    }
    return result(true);
  });

  // ---- screening (safeguards) ----

  const divertToProtection = (indicators: TraffickingIndicator[], actor: Actor | null, attachments: Attachments = {}) =>
    commit('PROTECTION_REFERRAL', {
      to: 'PROTECTION',
      actor,
      reason: `trafficking indicators (${indicators.join(', ')}): referred to victim services, no criminal transfer`,
      data: { indicators },
      ...attachments,
    });

  onUpdate(screenCaseUpdate, checkScreen, async ({ actor, indicators, notes, protectionClaim, claimId }) => {
    const record = { indicators: [...new Set(indicators)], notes: notes ?? null, by: actor.sub, at: now() };
    c.screening = record;
    if (record.indicators.length > 0) {
      await divertToProtection(record.indicators, actor, { screening: record });
      return result(true);
    }
    state.awaitApproval();
    const screened = commit('SCREENED', { to: 'APPROVAL_PENDING', actor, data: { indicators: [] }, reason: notes ?? null, screening: record });
    if (protectionClaim) {
      const id = claimId ?? `${caseId}-claim-${state.changes}`;
      await Promise.all([screened, placeHold(actor, id, 'protection_claim', protectionClaim.grounds, null)]);
    } else {
      await screened;
    }
    return result(true);
  });

  // ---- holds and protection claims ----

  function placeHold(
    actor: Actor,
    holdId: string,
    kind: HoldRecord['kind'],
    reason: string,
    until: string | null,
    lodgedAt: string | null = null,
  ): Promise<void> {
    const hold = state.placeHold(actor, holdId, kind, reason, until);
    const data = { holdId, kind, until, resumeStatus: hold.resumeStatus, ...(lodgedAt ? { lodgedAt } : {}) };
    const change = { to: 'ON_HOLD', actor, reason, data, hold: { ...hold } } as const;
    return kind === 'protection_claim' ? commit('PROTECTION_CLAIM_LODGED', change) : commit('HOLD_PLACED', change);
  }

  /** Ends one hold; when it was the last, the case goes back where it was, its stage deadline moved by the time held. */
  function endHold(
    hold: HoldRecord,
    actor: Actor,
    outcome: 'lifted' | 'dismissed',
    reason: string | null,
    type: 'HOLD_LIFTED' | 'PROTECTION_CLAIM_DISMISSED',
  ): Promise<void> {
    const to = state.endHold(hold, actor, outcome, reason);
    return commit(type, { to, actor, reason, data: { holdId: hold.holdId, kind: hold.kind, outcome }, hold: { ...hold } });
  }

  onUpdate(placeHoldUpdate, checkPlaceHold, async ({ actor, holdId, kind, reason, until, lodgedAt }) => {
    await placeHold(actor, holdId, kind, reason.trim(), until ?? null, lodgedAt ?? null);
    return result(true);
  });

  onUpdate(liftHoldUpdate, checkLiftHold, async ({ actor, holdId, reason }) => {
    await endHold(state.findHold(holdId)!, actor, 'lifted', reason?.trim() || null, 'HOLD_LIFTED');
    return result(true);
  });

  onUpdate(decideProtectionClaimUpdate, checkDecideProtectionClaim, async ({ actor, claimId, outcome, reason }) => {
    const claim = state.findHold(claimId)!;
    if (outcome === 'dismissed') {
      await endHold(claim, actor, 'dismissed', reason.trim(), 'PROTECTION_CLAIM_DISMISSED');
      return result(true);
    }
    state.closeHold(claim, actor, 'upheld', reason.trim());
    const transferId = c.transferId;
    await commit('PROTECTION_CLAIM_UPHELD', {
      to: 'PROTECTION',
      actor,
      reason: reason.trim(),
      data: { holdId: claimId, kind: 'protection_claim', outcome: 'upheld' },
      hold: { ...claim },
      transferLeg: transferId ? { transferId, outcome: 'dropped' } : undefined,
    });
    if (transferId) await notifyBatch(transferId, 'dropped');
    return result(true);
  });

  // ---- consular notification, custody, court orders ----

  onUpdate(recordConsularNoticeUpdate, checkRecordConsularNotice, async ({ actor, notifiedAt, channel, accessRequested }) => {
    state.recordConsularNotice({ notifiedAt, channel, accessRequested });
    await commit('CONSULAR_NOTICE_RECORDED', {
      actor,
      data: { notifiedAt, channel, accessRequested, consulateOf: c.destinationCountry ?? c.claimedNationality },
      consularNotice: { notifiedAt, channel, accessRequested, recordedBy: actor.sub, at: now() },
    });
    return result(true);
  });

  onUpdate(extendCustodyUpdate, checkExtendCustody, async ({ actor, days, reason }) => {
    const record = { days, reason: reason.trim(), by: actor.sub, at: now() };
    state.extendCustody(record);
    await commit('CUSTODY_EXTENDED', { actor, reason: record.reason, data: { days, custodyDueAt: c.custodyDueAt }, custodyExtension: record });
    return result(true);
  });

  onUpdate(recordCourtOrderUpdate, checkRecordCourtOrder, async ({ actor, reference, court, issuedAt }) => {
    const order = { reference, court, issuedAt, recordedBy: actor.sub, at: now() };
    const completes = state.recordCourtOrder(order);
    await commit('COURT_ORDER_RECORDED', {
      actor,
      to: completes ? 'APPROVED' : undefined,
      data: { reference, court, issuedAt },
      courtOrder: order,
    });
    return result(true);
  });

  // ---- bilateral approval ----

  const decidingSide = (actor: Actor) => asFailure(() => sideOf(c, actor));

  onUpdate(
    submitDecisionUpdate,
    checkDecision,
    async ({ actor, decision, reason }) => {
      const side = decidingSide(actor);
      const record: DecisionRecord = {
        decision,
        reason: reason?.trim() || null,
        by: actor.sub,
        byName: actor.name ?? null,
        country: actor.country,
        at: now(),
      };
      c.decisions[side] = record;
      const change = { actor, reason: record.reason, data: { side, decision }, decision: { ...record, side } };
      const bothApproved = !!c.decisions.holding && !!c.decisions.destination;
      if (decision === 'reject') {
        await commit('REJECTED', { ...change, to: 'REJECTED' });
      } else if (bothApproved && intake.legalBasis === 'extradition' && !c.courtOrder) {
        c.awaitingCourtOrder = true;
        await commit('DECISION_RECORDED', {
          ...change,
          data: { ...change.data, awaitingCourtOrder: true },
          reason: record.reason ?? 'extradition: approval completes when the court order is recorded',
        });
      } else if (bothApproved) {
        await commit('APPROVED', { ...change, to: 'APPROVED' });
      } else {
        await commit('DECISION_RECORDED', change);
      }
      return { ...result(true), side };
    },
    ({ actor }) => ({ ...result(false), side: decidingSide(actor) }),
  );

  // ---- ending a case early ----

  /** A case on a batch leaves it with this change; the batch is told. */
  function leaveBatch(): { transferLeg?: Attachments['transferLeg']; notify: () => Promise<void> } {
    const transferId = c.transferId;
    const onBatch = transferId !== null && (c.status === 'TRANSFER_SCHEDULED' || c.status === 'IN_TRANSFER' || c.status === 'ON_HOLD');
    c.handoverDueAt = null;
    return onBatch
      ? { transferLeg: { transferId, outcome: 'dropped' }, notify: () => notifyBatch(transferId, 'dropped') }
      : { notify: async () => undefined };
  }

  onUpdate(cancelCaseUpdate, checkCancel, async ({ actor, reason }) => {
    const { transferLeg, notify } = leaveBatch();
    await commit('CANCELLED', { to: 'CANCELLED', actor, reason: reason.trim(), transferLeg });
    await notify();
    return result(true);
  });

  onUpdate(releaseCaseUpdate, checkRelease, async ({ actor, reason }) => {
    const { transferLeg, notify } = leaveBatch();
    await commit('RELEASED', { to: 'RELEASED', actor, reason: reason.trim(), transferLeg, data: { custodyDueAt: c.custodyDueAt } });
    await notify();
    return result(true);
  });

  // ---- transfer legs ----

  onUpdate(assignTransferUpdate, checkAssignTransfer, async ({ actor, transferId, scheduledAt }) => {
    c.transferId = transferId;
    await commit('TRANSFER_SCHEDULED', {
      to: 'TRANSFER_SCHEDULED',
      actor,
      data: { transferId, scheduledAt, attempt: c.transferAttempts + 1 },
      transferLeg: { transferId, outcome: 'scheduled' },
    });
    return result(true);
  });

  onUpdate(confirmDepartureUpdate, checkConfirmDeparture, async ({ actor, transferId }) => {
    if (c.status === 'ON_HOLD') {
      const kinds = state.dropFromBatch(transferId);
      await commit('DROPPED_FROM_TRANSFER', {
        actor,
        reason: `on hold (${kinds.join(', ').replace('_', ' ')}): the person does not board`,
        data: { transferId, holds: kinds },
        transferLeg: { transferId, outcome: 'dropped' },
      });
      return result(true);
    }
    state.depart();
    await commit('DEPARTED', { to: 'IN_TRANSFER', actor, data: { transferId }, transferLeg: { transferId, outcome: 'departed' } });
    return result(true);
  });

  onUpdate(confirmHandoverUpdate, checkConfirmHandover, async ({ actor, transferId }) => {
    c.handoverDueAt = null;
    await commit('HANDED_OVER', { to: 'HANDED_OVER', actor, data: { transferId }, transferLeg: { transferId, outcome: 'handed_over' } });
    return result(true);
  });

  /** Too many failed legs: the case is escalated (once more on each return to APPROVED). */
  function escalateAttempts(attempts: number): Promise<void> {
    state.markOverdue('transfer_attempts');
    return commit('TRANSFER_ATTEMPTS_ESCALATED', {
      reason: `${attempts} failed transfer attempts`,
      data: { attempts, limit: timings.maxTransferAttempts },
    });
  }

  /**
   * The leg failed: recorded, and the person MISSING until the holding country has them back (before
   * the 'missing-state' patch, back to APPROVED for the next batch); escalated after too many attempts.
   */
  async function failTransfer(actor: Actor | null, cause: string, reason: string): Promise<void> {
    const { transferId, attempts } = state.failLeg();
    const pending = [
      commit('TRANSFER_FAILED', {
        to: 'TRANSFER_FAILED',
        actor,
        reason,
        data: { transferId, attempt: attempts, cause },
        transferLeg: { transferId, outcome: 'failed' },
      }),
    ];
    state.leaveLeg();
    if (patched(MISSING_STATE)) {
      pending.push(
        commit('PERSON_MISSING', {
          to: 'MISSING',
          reason: 'left the holding country and not handed over: in no one\'s custody until located',
          data: { transferId, cause, attempts },
        }),
      );
      await Promise.all(pending);
      return;
    }
    pending.push(commit('RETURNED_FOR_RESCHEDULING', { to: 'APPROVED', data: { attempts } }));
    if (attempts >= timings.maxTransferAttempts) pending.push(escalateAttempts(attempts));
    await Promise.all(pending);
  }

  onUpdate(reportTransferFailureUpdate, checkReportTransferFailure, async ({ actor, reason }) => {
    await failTransfer(actor, 'REPORTED_MISSING', reason?.trim() || 'reported missing at handover');
    return result(true);
  });

  onUpdate(recordPersonLocatedUpdate, checkRecordLocated, async ({ actor, locatedAt, place, notes }) => {
    state.located(actor.sub, locatedAt);
    const attempts = c.transferAttempts;
    const pending = [
      commit('PERSON_LOCATED', { to: 'APPROVED', actor, reason: notes?.trim() || null, data: { locatedAt, place: place.trim(), attempts } }),
    ];
    if (attempts >= timings.maxTransferAttempts) pending.push(escalateAttempts(attempts));
    await Promise.all(pending);
    return result(true);
  });

  setHandler(caseStateQuery, () => state.copy());

  // ---- the process ----

  const clock: ClockDeps = {
    state,
    timings,
    commit,
    handoverMissed: async (dueAt) => {
      const transferId = c.transferId!;
      await failTransfer(null, 'HANDOVER_DEADLINE_PASSED', `handover not confirmed by ${dueAt}`);
      await notifyBatch(transferId, 'failed');
    },
  };

  // The case is in the store before its workflow starts (api/intake.ts: the intake outbox).
  const atIntake = new Set<TraffickingIndicator>(intake.indicators ?? []);
  if (isMinorAtArrest(intake.person, intake.arrest.at)) atIntake.add('minor');
  if (atIntake.size > 0) {
    const indicators = [...atIntake];
    const screening = { indicators, notes: 'indicators recorded at intake', by: openedBy.sub, at: now() };
    c.screening = screening;
    await divertToProtection(indicators, openedBy, { screening });
  } else if (!input.participatingCountries.includes(c.claimedNationality)) {
    c.referredTo = c.claimedNationality;
    await commit('REFERRED', {
      to: 'REFERRED',
      data: { embassyOf: c.claimedNationality },
      reason: `claimed nationality ${c.claimedNationality} takes no part in the operation: referred to the embassy of ${c.claimedNationality}`,
    });
  }

  const clocks = Promise.all([custodyClock(clock), consularClock(clock)]);
  while (!isTerminal(c.status)) {
    const stage = state.stageWatch();
    const status: CaseStatus = c.status;
    switch (status) {
      case 'IDENTITY_PENDING':
        await escalateUntilStageEnds(clock, 'identity', c.identityDueAt!, 'IDENTITY_OVERDUE');
        break;
      case 'SCREENING_PENDING':
        await escalateUntilStageEnds(clock, 'screening', c.screeningDueAt!, 'SCREENING_OVERDUE');
        break;
      case 'APPROVAL_PENDING':
        await escalateUntilStageEnds(clock, 'approval', c.approvalDueAt!, 'APPROVAL_OVERDUE');
        break;
      case 'IN_TRANSFER':
        await awaitHandover(clock);
        break;
      default:
        await condition(stage.changed);
    }
  }
  await clocks;
  await condition(allHandlersFinished);
  return state.copy();
}
