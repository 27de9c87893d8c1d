// One workflow per arrested person: intake → identity → (screening) → bilateral approval →
// transfer → handover, with deadlines that escalate and never decide on anyone's behalf.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import {
  FAILURE,
  SA,
  assignTransferUpdate,
  cancelCaseUpdate,
  caseLegOutcomeSignal,
  caseStateQuery,
  confirmDepartureUpdate,
  confirmHandoverUpdate,
  initialCaseSnapshot,
  isTerminal,
  reportTransferFailureUpdate,
  submitDecisionUpdate,
  transferWorkflowId,
  verifyIdentityUpdate,
  type Actor,
  type CaseStatus,
  type CaseUpdateResult,
  type CaseView,
  type CaseWorkflowInput,
  type DecisionRecord,
  type DecisionSide,
  type FailureType,
  type IdentityRecord,
  type OverdueStage,
  type Role,
  type TransferLegOutcome,
} from './definitions.js';

type CaseChange = Parameters<Activities['persistCaseChange']>[0];

const { recordIntake, persistCaseChange } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const refuse = (type: FailureType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function requireRole(actor: Actor, role: Role, what: string): void {
  if (actor?.role !== role) throw refuse(FAILURE.forbidden, `only a ${role} may ${what}`);
}

type Verdict = 'apply' | 'repeat';

export async function repatriationCaseWorkflow(input: CaseWorkflowInput): Promise<CaseView> {
  const { caseId, intake, openedBy, timings } = input;
  const holdingCountry = intake.holdingCountry;
  const state: CaseView = {
    caseId,
    holdingCountry,
    ...initialCaseSnapshot(input),
    identity: null,
    decisions: { holding: null, destination: null },
  };
  /** Numbers the changes; the case store applies each at most once and never an older over a newer. */
  let seq = 0;
  /** Bumped whenever the current stage restarts, so the main loop re-arms its deadline. */
  let epoch = 0;
  let intakeRecorded = false;
  const failedTransfers: string[] = [];

  const now = () => new Date().toISOString();
  const later = (ms: number) => new Date(Date.now() + ms).toISOString();
  const result = (changed: boolean): CaseUpdateResult => ({ caseId, status: state.status, changed });

  function nextDueAt(): string | null {
    switch (state.status) {
      case 'IDENTITY_PENDING':
        return state.identityDueAt;
      case 'APPROVAL_PENDING':
        return state.approvalDueAt;
      case 'IN_TRANSFER':
        return state.handoverDueAt;
      default:
        return null;
    }
  }

  function markOverdue(stage: OverdueStage): void {
    state.overdue = true;
    state.overdueStage = stage;
    state.overdueSince ??= now();
    state.escalations++;
  }

  /**
   * Records one change: call it right after mutating `state`, before any await, so the snapshot it
   * carries is exactly the state the change produced.
   */
  function commit(
    type: string,
    change: {
      to?: CaseStatus;
      actor?: Actor | null;
      reason?: string | null;
      data?: Record<string, unknown>;
    } & Pick<CaseChange, 'identityCheck' | 'decision' | 'transferLeg'> = {},
  ): Promise<void> {
    const from = state.status;
    if (change.to && change.to !== from) {
      state.status = change.to;
      state.overdue = false;
      state.overdueStage = null;
      state.overdueSince = null;
      epoch++;
    }
    state.updatedAt = now();
    const due = nextDueAt();
    upsertSearchAttributes([
      { key: SA.status, value: state.status },
      { key: SA.destinationCountry, value: state.destinationCountry },
      { key: SA.overdue, value: state.overdue },
      { key: SA.nextDueAt, value: due ? new Date(due) : null },
    ]);
    const { identity: _i, decisions: _d, caseId: _c, holdingCountry: _h, ...snapshot } = state;
    return persistCaseChange({
      caseId,
      seq: ++seq,
      snapshot,
      event: {
        type,
        fromStatus: change.to ? from : null,
        toStatus: change.to ?? null,
        actor: change.actor ?? null,
        reason: change.reason ?? null,
        data: change.data ?? null,
        at: state.updatedAt,
      },
      identityCheck: change.identityCheck,
      decision: change.decision,
      transferLeg: change.transferLeg,
    });
  }

  /** Tells the batch about a leg outcome it did not cause itself (deadline, cancellation). */
  async function notifyBatch(transferId: string, outcome: TransferLegOutcome): Promise<void> {
    try {
      await getExternalWorkflowHandle(transferWorkflowId(transferId)).signal(caseLegOutcomeSignal, { caseId, outcome });
    } catch {
      // the batch has completed: nothing waits for this leg any more
    }
  }

  /**
   * An update whose validator and handler apply the same rules, so a validation that went stale
   * while the handler waited cannot slip through. A repeat of something already recorded changes
   * nothing and answers as the first time did.
   */
  function onUpdate<I, R extends CaseUpdateResult>(
    def: UpdateDefinition<R, [I]>,
    check: (input: I) => Verdict,
    apply: (input: I) => Promise<R>,
    repeat: (input: I) => R,
  ): void {
    setHandler(
      def,
      async (input: I) => {
        await condition(() => intakeRecorded);
        return check(input) === 'repeat' ? repeat(input) : apply(input);
      },
      { validator: (input: I) => void check(input) },
    );
  }
  const unchanged = () => result(false);

  // ---- identity verification ----

  onUpdate(
    verifyIdentityUpdate,
    ({ actor, result: outcome, verifiedNationality }) => {
      requireRole(actor, 'officer', 'verify identity');
      const last = state.identity;
      const sameAsLast =
        last !== null &&
        last.by === actor.sub &&
        last.result === outcome &&
        (outcome !== 'mismatch' || last.verifiedNationality === verifiedNationality);
      // A retried confirmation or mismatch, already applied (the mismatch may have moved the case to another verifier).
      if (sameAsLast && outcome !== 'inconclusive' && (state.status !== 'IDENTITY_PENDING' || outcome === 'mismatch')) {
        return 'repeat';
      }
      if (actor.country !== state.claimedNationality) {
        throw refuse(FAILURE.forbidden, `only officers of ${state.claimedNationality} verify this nationality`);
      }
      if (state.status !== 'IDENTITY_PENDING') {
        throw refuse(FAILURE.wrongStage, `identity is not pending (case is ${state.status})`);
      }
      if (outcome === 'mismatch' && (!verifiedNationality || verifiedNationality === state.claimedNationality)) {
        throw refuse(FAILURE.invalid, 'a mismatch must name the nationality established, other than the one claimed');
      }
      if (outcome === 'confirmed' && verifiedNationality && verifiedNationality !== state.claimedNationality) {
        throw refuse(FAILURE.invalid, 'a confirmation must be of the claimed nationality; use mismatch otherwise');
      }
      return 'apply';
    },
    async (i) => {
      const claimed = state.claimedNationality;
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
      state.identity = record;
      const base = { actor: i.actor, identityCheck: record, data: { method: i.method, claimed, verified: record.verifiedNationality } };
      if (i.result === 'confirmed') {
        state.destinationCountry = claimed;
        state.approvalDueAt = later(timings.approvalMs);
        // Safeguards screening (SCREENING_PENDING) takes its place between identity and approval.
        await commit('IDENTITY_CONFIRMED', { ...base, to: 'APPROVAL_PENDING' });
      } else if (i.result === 'inconclusive') {
        await commit('IDENTITY_INCONCLUSIVE', base);
      } else {
        const other = record.verifiedNationality!;
        if (other !== holdingCountry && input.participatingCountries.includes(other)) {
          state.claimedNationality = other;
          state.identityDueAt = later(timings.identityMs);
          state.overdue = false;
          state.overdueStage = null;
          state.overdueSince = null;
          epoch++;
          await commit('IDENTITY_REVERIFICATION_REQUESTED', {
            ...base,
            reason: `nationality established as ${other}; ${other} verifies`,
          });
        } else {
          await commit('REFERRED', {
            ...base,
            to: 'REFERRED',
            reason:
              other === holdingCountry
                ? `a national of the holding country (${other}): not a repatriation case`
                : `a national of ${other}, outside the operation: referred to its embassy`,
          });
        }
      }
      return result(true);
    },
    unchanged,
  );

  // ---- bilateral approval ----

  function sideOf(actor: Actor): DecisionSide {
    if (actor.country === holdingCountry) return 'holding';
    if (state.destinationCountry && actor.country === state.destinationCountry) return 'destination';
    if (!state.destinationCountry && actor.country === state.claimedNationality) {
      throw refuse(FAILURE.wrongStage, 'the destination side decides once nationality is verified');
    }
    throw refuse(FAILURE.forbidden, 'only supervisors of the holding or destination country decide this case');
  }

  onUpdate(
    submitDecisionUpdate,
    ({ actor, decision, reason }) => {
      requireRole(actor, 'supervisor', 'decide');
      const side = sideOf(actor);
      if (actor.sub === openedBy.sub) throw refuse(FAILURE.forbidden, 'the officer who opened the case cannot decide it');
      const existing = state.decisions[side];
      if (existing) {
        if (existing.decision === decision) return 'repeat';
        throw refuse(FAILURE.conflict, `the ${side} side has already decided: ${existing.decision}`);
      }
      const other = state.decisions[side === 'holding' ? 'destination' : 'holding'];
      if (other && other.by === actor.sub) throw refuse(FAILURE.forbidden, 'the two sides are decided by different people');
      if (state.status !== 'APPROVAL_PENDING') {
        throw refuse(FAILURE.wrongStage, `the case is not awaiting approval (it is ${state.status})`);
      }
      if (decision === 'reject' && !reason?.trim()) throw refuse(FAILURE.invalid, 'a rejection needs a reason');
      return 'apply';
    },
    async ({ actor, decision, reason }) => {
      const side = sideOf(actor);
      const record: DecisionRecord = {
        decision,
        reason: reason?.trim() || null,
        by: actor.sub,
        byName: actor.name ?? null,
        country: actor.country,
        at: now(),
      };
      state.decisions[side] = record;
      const change = { actor, reason: record.reason, data: { side, decision }, decision: { ...record, side } };
      if (decision === 'reject') await commit('REJECTED', { ...change, to: 'REJECTED' });
      else if (state.decisions.holding && state.decisions.destination) await commit('APPROVED', { ...change, to: 'APPROVED' });
      else await commit('DECISION_RECORDED', change);
      return { ...result(true), side };
    },
    ({ actor }) => ({ ...result(false), side: sideOf(actor) }),
  );

  // ---- cancellation ----

  onUpdate(
    cancelCaseUpdate,
    ({ actor, reason }) => {
      requireRole(actor, 'supervisor', 'cancel a case');
      if (actor.country !== holdingCountry) throw refuse(FAILURE.forbidden, 'only supervisors of the holding country cancel');
      if (state.status === 'CANCELLED') return 'repeat';
      if (isTerminal(state.status)) throw refuse(FAILURE.wrongStage, `the case is closed (${state.status})`);
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'a cancellation needs a reason');
      return 'apply';
    },
    async ({ actor, reason }) => {
      const transferId = state.transferId;
      const onBatch = transferId && (state.status === 'TRANSFER_SCHEDULED' || state.status === 'IN_TRANSFER');
      state.handoverDueAt = null;
      await commit('CANCELLED', {
        to: 'CANCELLED',
        actor,
        reason: reason.trim(),
        transferLeg: onBatch ? { transferId, outcome: 'dropped' } : undefined,
      });
      if (onBatch) await notifyBatch(transferId, 'dropped');
      return result(true);
    },
    unchanged,
  );

  // ---- transfer legs ----

  function requireHoldingOfficer(actor: Actor, what: string): void {
    requireRole(actor, 'officer', what);
    if (actor.country !== holdingCountry) throw refuse(FAILURE.forbidden, `only officers of ${holdingCountry} ${what}`);
  }
  function requireDestinationOfficer(actor: Actor, what: string): void {
    requireRole(actor, 'officer', what);
    if (!state.destinationCountry || actor.country !== state.destinationCountry) {
      throw refuse(FAILURE.forbidden, `only officers of the destination country ${what}`);
    }
  }
  const onLeg = (transferId: string, status: CaseStatus) => state.status === status && state.transferId === transferId;

  onUpdate(
    assignTransferUpdate,
    ({ actor, transferId, destinationCountry }) => {
      requireHoldingOfficer(actor, 'schedule transfers');
      if (onLeg(transferId, 'TRANSFER_SCHEDULED')) return 'repeat';
      if (state.status !== 'APPROVED') throw refuse(FAILURE.wrongStage, `only approved cases are scheduled (case is ${state.status})`);
      if (destinationCountry !== state.destinationCountry) {
        throw refuse(FAILURE.invalid, `the case goes to ${state.destinationCountry}, not ${destinationCountry}`);
      }
      return 'apply';
    },
    async ({ actor, transferId, scheduledAt }) => {
      state.transferId = transferId;
      await commit('TRANSFER_SCHEDULED', {
        to: 'TRANSFER_SCHEDULED',
        actor,
        data: { transferId, scheduledAt, attempt: state.transferAttempts + 1 },
        transferLeg: { transferId, outcome: 'scheduled' },
      });
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    confirmDepartureUpdate,
    ({ actor, transferId }) => {
      requireHoldingOfficer(actor, 'confirm departures');
      if (onLeg(transferId, 'IN_TRANSFER')) return 'repeat';
      if (!onLeg(transferId, 'TRANSFER_SCHEDULED')) {
        throw refuse(FAILURE.wrongStage, `the case is not scheduled on this transfer (case is ${state.status})`);
      }
      return 'apply';
    },
    async ({ actor, transferId }) => {
      state.handoverDueAt = later(timings.handoverMs);
      await commit('DEPARTED', { to: 'IN_TRANSFER', actor, data: { transferId }, transferLeg: { transferId, outcome: 'departed' } });
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    confirmHandoverUpdate,
    ({ actor, transferId }) => {
      requireDestinationOfficer(actor, 'confirm handovers');
      if (onLeg(transferId, 'HANDED_OVER')) return 'repeat';
      if (!onLeg(transferId, 'IN_TRANSFER')) {
        throw refuse(FAILURE.wrongStage, `the case is not in transfer on this batch (case is ${state.status})`);
      }
      return 'apply';
    },
    async ({ actor, transferId }) => {
      state.handoverDueAt = null;
      await commit('HANDED_OVER', {
        to: 'HANDED_OVER',
        actor,
        data: { transferId },
        transferLeg: { transferId, outcome: 'handed_over' },
      });
      return result(true);
    },
    unchanged,
  );

  async function failTransfer(actor: Actor | null, type: string, reason: string): Promise<void> {
    const transferId = state.transferId!;
    failedTransfers.push(transferId);
    state.transferAttempts++;
    const attempts = state.transferAttempts;
    const pending = [
      commit('TRANSFER_FAILED', {
        to: 'TRANSFER_FAILED',
        actor,
        reason,
        data: { transferId, attempt: attempts, cause: type },
        transferLeg: { transferId, outcome: 'failed' },
      }),
    ];
    state.transferId = null;
    state.handoverDueAt = null;
    pending.push(commit('RETURNED_FOR_RESCHEDULING', { to: 'APPROVED', data: { attempts } }));
    if (attempts >= timings.maxTransferAttempts) {
      markOverdue('transfer_attempts');
      pending.push(
        commit('TRANSFER_ATTEMPTS_ESCALATED', {
          reason: `${attempts} failed transfer attempts`,
          data: { attempts, limit: timings.maxTransferAttempts },
        }),
      );
    }
    await Promise.all(pending);
  }

  onUpdate(
    reportTransferFailureUpdate,
    ({ actor, transferId }) => {
      requireDestinationOfficer(actor, 'report a person missing');
      if (failedTransfers.includes(transferId) && state.transferId !== transferId) return 'repeat';
      if (!onLeg(transferId, 'IN_TRANSFER')) {
        throw refuse(FAILURE.wrongStage, `the case is not in transfer on this batch (case is ${state.status})`);
      }
      return 'apply';
    },
    async ({ actor, reason }) => {
      await failTransfer(actor, 'REPORTED_MISSING', reason?.trim() || 'reported missing at handover');
      return result(true);
    },
    unchanged,
  );

  setHandler(caseStateQuery, () => JSON.parse(JSON.stringify(state)) as CaseView);

  // ---- the process ----

  /** Waits for the stage to end; each breached deadline marks the case overdue and escalates again. */
  async function escalateUntilStageEnds(stage: OverdueStage, dueAt: string, eventType: string): Promise<void> {
    const started = epoch;
    let next = Date.parse(dueAt);
    for (let n = 1; ; n++) {
      if (await condition(() => epoch !== started, Math.max(1, next - Date.now()))) return;
      markOverdue(stage);
      const pendingSides =
        stage === 'approval'
          ? (['holding', 'destination'] as const).filter((side) => !state.decisions[side])
          : undefined;
      await commit(eventType, { reason: `deadline ${dueAt} passed`, data: { escalation: n, dueAt, pendingSides } });
      next += timings.escalationIntervalMs;
    }
  }

  async function awaitHandover(): Promise<void> {
    const started = epoch;
    const dueAt = state.handoverDueAt!;
    if (await condition(() => epoch !== started, Math.max(1, Date.parse(dueAt) - Date.now()))) return;
    const transferId = state.transferId!;
    await failTransfer(null, 'HANDOVER_DEADLINE_PASSED', `handover not confirmed by ${dueAt}`);
    await notifyBatch(transferId, 'failed');
  }

  await recordIntake(input);
  intakeRecorded = true;

  if (!input.participatingCountries.includes(state.claimedNationality)) {
    await commit('REFERRED', {
      to: 'REFERRED',
      reason: `claimed nationality ${state.claimedNationality} takes no part in the operation: referred to its embassy`,
    });
  }

  while (!isTerminal(state.status)) {
    const started = epoch;
    switch (state.status) {
      case 'IDENTITY_PENDING':
        await escalateUntilStageEnds('identity', state.identityDueAt!, 'IDENTITY_OVERDUE');
        break;
      case 'APPROVAL_PENDING':
        await escalateUntilStageEnds('approval', state.approvalDueAt!, 'APPROVAL_OVERDUE');
        break;
      case 'IN_TRANSFER':
        await awaitHandover();
        break;
      default:
        await condition(() => epoch !== started);
    }
  }
  await condition(allHandlersFinished);
  return JSON.parse(JSON.stringify(state)) as CaseView;
}
