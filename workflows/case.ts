// One workflow per arrested person: intake → identity → screening → bilateral approval →
// transfer → handover. Safeguards run beside the process: trafficking indicators divert a case to
// protection, protection claims and holds stop it, consular notice and the custody clock escalate.
// Deadlines escalate; they never decide on anyone's behalf.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import {
  FAILURE,
  SA,
  STAGE_OVERDUE_REASONS,
  assignTransferUpdate,
  cancelCaseUpdate,
  caseLegOutcomeSignal,
  caseStateQuery,
  confirmDepartureUpdate,
  confirmHandoverUpdate,
  decideProtectionClaimUpdate,
  extendCustodyUpdate,
  initialCaseSnapshot,
  isMinorAtArrest,
  isTerminal,
  liftHoldUpdate,
  placeHoldUpdate,
  recordConsularNoticeUpdate,
  recordCourtOrderUpdate,
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
  type DecisionSide,
  type FailureType,
  type HoldRecord,
  type IdentityRecord,
  type OverdueReason,
  type Role,
  type TraffickingIndicator,
  type TransferLegOutcome,
} from './definitions.js';

type CaseChange = Parameters<Activities['persistCaseChange']>[0];
type Attachments = Pick<
  CaseChange,
  'identityCheck' | 'decision' | 'transferLeg' | 'screening' | 'hold' | 'consularNotice' | 'courtOrder' | 'custodyExtension'
>;

// Writes to the case store are short and idempotent: local activities, run by the worker that runs
// the workflow, without a round trip through the task queue.
const { persistCaseChange } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const refuse = (type: FailureType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

function requireRole(actor: Actor, roles: Role[], what: string): void {
  if (!actor || !roles.includes(actor.role)) throw refuse(FAILURE.forbidden, `only a ${roles.join(' or ')} may ${what}`);
}

/** Statuses from which a hold or a protection claim may stop the case (never once in transfer). */
const HOLDABLE: readonly CaseStatus[] = [
  'IDENTITY_PENDING',
  'SCREENING_PENDING',
  'APPROVAL_PENDING',
  'APPROVED',
  'TRANSFER_SCHEDULED',
  'ON_HOLD',
];
/** Statuses in which the case has its decision: the custody clock stops. */
const DECIDED: readonly CaseStatus[] = ['APPROVED', 'TRANSFER_SCHEDULED', 'IN_TRANSFER', 'TRANSFER_FAILED'];

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
    screening: null,
    holds: [],
    consularNotice: intake.consularNotice ?? null,
    courtOrder: null,
    custodyExtension: null,
  };
  /** Numbers the changes; the case store applies each at most once and never an older over a newer. */
  let seq = 0;
  /** Bumped whenever the current stage restarts, so the main loop re-arms its deadline. */
  let epoch = 0;
  /** Bumped when the custody limit moves (extension, pause). */
  let custodyVersion = 0;
  let holdStartedAt = 0;
  /** Medical and legal holds stop the custody clock; protection claims never do (see README). */
  let custodyPausedSince: number | null = null;
  /** The search attributes last set (the start sets status, country, overdue and the first due date). */
  let lastSearchable = '';
  const failedTransfers: string[] = [];
  /** Batches that left without this person (on hold at departure). */
  const droppedFrom: string[] = [];

  const now = () => new Date().toISOString();
  const later = (ms: number) => new Date(Date.now() + ms).toISOString();
  const shift = (iso: string | null, ms: number) => (iso === null ? null : new Date(Date.parse(iso) + ms).toISOString());
  const result = (changed: boolean): CaseUpdateResult => ({ caseId, status: state.status, changed });
  const activeHolds = () => state.holds.filter((h) => h.endedAt === null);
  const isDecided = () =>
    isTerminal(state.status) || DECIDED.includes(state.status) || (state.status === 'ON_HOLD' && DECIDED.includes(state.holdResumeStatus!));

  function nextDueAt(): string | null {
    const stage: Partial<Record<CaseStatus, string | null>> = {
      IDENTITY_PENDING: state.identityDueAt,
      SCREENING_PENDING: state.screeningDueAt,
      APPROVAL_PENDING: state.approvalDueAt,
      IN_TRANSFER: state.handoverDueAt,
    };
    const dues = [stage[state.status], state.consularDueAt, isDecided() ? null : state.custodyDueAt].filter((d): d is string => !!d);
    return dues.length === 0 ? null : dues.reduce((a, b) => (a < b ? a : b));
  }

  function setOverdue(reasons: OverdueReason[]): void {
    const was = state.overdueReasons.length > 0;
    state.overdueReasons = reasons;
    state.overdue = reasons.length > 0;
    if (!state.overdue) state.overdueSince = null;
    else if (!was) state.overdueSince = now();
  }
  function markOverdue(reason: OverdueReason): void {
    if (!state.overdueReasons.includes(reason)) setOverdue([...state.overdueReasons, reason]);
    state.escalations++;
  }
  const clearOverdue = (...reasons: OverdueReason[]) => setOverdue(state.overdueReasons.filter((r) => !reasons.includes(r)));

  /**
   * Records one change: call it right after mutating `state`, before any await, so the snapshot it
   * carries is exactly the state the change produced.
   */
  function commit(
    type: string,
    change: { to?: CaseStatus; actor?: Actor | null; reason?: string | null; data?: Record<string, unknown> } & Attachments = {},
  ): Promise<void> {
    const from = state.status;
    if (change.to && change.to !== from) {
      state.status = change.to;
      epoch++;
      if (isTerminal(state.status)) setOverdue([]);
      else clearOverdue(...STAGE_OVERDUE_REASONS, ...(isDecided() ? (['custody'] as const) : []));
      // The custody clock stops with the decision.
      if (isDecided()) state.custodyDueAt = null;
    }
    state.updatedAt = now();
    const due = nextDueAt();
    // Visibility is updated only when a searchable key changed (most changes touch none).
    const searchable = JSON.stringify([state.status, state.destinationCountry, state.overdue, due]);
    if (searchable !== lastSearchable) {
      lastSearchable = searchable;
      upsertSearchAttributes([
        { key: SA.status, value: state.status },
        { key: SA.destinationCountry, value: state.destinationCountry },
        { key: SA.overdue, value: state.overdue },
        { key: SA.nextDueAt, value: due ? new Date(due) : null },
      ]);
    }
    const {
      identity: _i,
      decisions: _d,
      caseId: _c,
      holdingCountry: _h,
      screening: _s,
      holds: _hs,
      consularNotice: _cn,
      courtOrder: _co,
      custodyExtension: _ce,
      ...snapshot
    } = state;
    const { to, actor, reason, data, ...attachments } = change;
    return persistCaseChange({
      caseId,
      holdingCountry,
      seq: ++seq,
      snapshot,
      event: {
        type,
        fromStatus: to ? from : null,
        toStatus: to ?? null,
        actor: actor ?? null,
        reason: reason ?? null,
        data: data ?? null,
        at: state.updatedAt,
      },
      ...attachments,
    });
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
      async (input: I) => (check(input) === 'repeat' ? repeat(input) : apply(input)),
      { validator: (input: I) => void check(input) },
    );
  }
  const unchanged = () => result(false);

  function requireHoldingCountry(actor: Actor, roles: Role[], what: string): void {
    requireRole(actor, roles, what);
    if (actor.country !== holdingCountry) throw refuse(FAILURE.forbidden, `only ${roles.join(' or ')}s of ${holdingCountry} ${what}`);
  }
  function requireOpen(what: string): void {
    if (isTerminal(state.status)) throw refuse(FAILURE.wrongStage, `the case is closed (${state.status}): cannot ${what}`);
  }
  function stageRefusal(expected: string, actor: Actor): ApplicationFailure {
    if (state.status === 'ON_HOLD') {
      // The kinds of holds are the holding country's to know (DESIGN.md §5): others see a legal review.
      const kinds =
        actor.country === holdingCountry ? [...new Set(activeHolds().map((h) => h.kind.replace('_', ' ')))].join(', ') : 'legal review';
      return refuse(FAILURE.wrongStage, `the case is on hold (${kinds}); ${expected}`);
    }
    return refuse(FAILURE.wrongStage, `${expected} (case is ${statusShownTo(actor)})`);
  }
  /** The status as a refusal names it: a case closed by the holding country's safeguards is CLOSED to other countries (DESIGN.md §5). */
  const statusShownTo = (actor: Actor): string =>
    state.status === 'PROTECTION' && actor.country !== holdingCountry ? 'CLOSED' : state.status;

  // ---- identity verification ----

  onUpdate(
    verifyIdentityUpdate,
    ({ actor, result: outcome, verifiedNationality }) => {
      requireRole(actor, ['officer'], 'verify identity');
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
      if (state.status !== 'IDENTITY_PENDING') throw stageRefusal('identity is not pending', actor);
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
        state.screeningDueAt = later(timings.screeningMs);
        await commit('IDENTITY_CONFIRMED', { ...base, to: 'SCREENING_PENDING' });
      } else if (i.result === 'inconclusive') {
        await commit('IDENTITY_INCONCLUSIVE', base);
      } else {
        const other = record.verifiedNationality!;
        if (other !== holdingCountry && input.participatingCountries.includes(other)) {
          state.claimedNationality = other;
          state.identityDueAt = later(timings.identityMs);
          clearOverdue('identity');
          epoch++;
          await commit('IDENTITY_REVERIFICATION_REQUESTED', {
            ...base,
            reason: `nationality established as ${other}; ${other} verifies`,
          });
        } else {
          state.referredTo = other;
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
    },
    unchanged,
  );

  // ---- screening (safeguards) ----

  const divertToProtection = (indicators: TraffickingIndicator[], actor: Actor | null, attachments: Attachments = {}) =>
    commit('PROTECTION_REFERRAL', {
      to: 'PROTECTION',
      actor,
      reason: `trafficking indicators (${indicators.join(', ')}): referred to victim services, no criminal transfer`,
      data: { indicators },
      ...attachments,
    });

  onUpdate(
    screenCaseUpdate,
    ({ actor, indicators }) => {
      requireHoldingCountry(actor, ['officer'], 'screen cases');
      const last = state.screening;
      if (last && last.by === actor.sub && [...last.indicators].sort().join() === [...indicators].sort().join()) return 'repeat';
      if (state.status !== 'SCREENING_PENDING') throw stageRefusal('screening is not pending', actor);
      return 'apply';
    },
    async ({ actor, indicators, notes, protectionClaim, claimId }) => {
      const record = { indicators: [...new Set(indicators)], notes: notes ?? null, by: actor.sub, at: now() };
      state.screening = record;
      if (record.indicators.length > 0) {
        await divertToProtection(record.indicators, actor, { screening: record });
        return result(true);
      }
      state.approvalDueAt = later(timings.approvalMs);
      const screened = commit('SCREENED', { to: 'APPROVAL_PENDING', actor, data: { indicators: [] }, reason: notes ?? null, screening: record });
      if (protectionClaim) {
        await Promise.all([screened, placeHold(actor, claimId ?? `${caseId}-claim-${seq}`, 'protection_claim', protectionClaim.grounds, null)]);
      } else {
        await screened;
      }
      return result(true);
    },
    unchanged,
  );

  // ---- holds and protection claims ----

  function placeHold(
    actor: Actor,
    holdId: string,
    kind: HoldRecord['kind'],
    reason: string,
    until: string | null,
    lodgedAt: string | null = null,
  ): Promise<void> {
    const resumeStatus = state.status === 'ON_HOLD' ? state.holdResumeStatus! : state.status;
    const hold: HoldRecord = {
      holdId,
      kind,
      reason,
      until,
      placedBy: actor.sub,
      placedAt: now(),
      resumeStatus,
      endedAt: null,
      endedBy: null,
      outcome: null,
      outcomeReason: null,
    };
    state.holds.push(hold);
    if (state.status !== 'ON_HOLD') {
      state.holdResumeStatus = resumeStatus;
      holdStartedAt = Date.now();
    }
    if (kind !== 'protection_claim' && custodyPausedSince === null) {
      custodyPausedSince = Date.now();
      custodyVersion++;
    }
    return commit(kind === 'protection_claim' ? 'PROTECTION_CLAIM_LODGED' : 'HOLD_PLACED', {
      to: 'ON_HOLD',
      actor,
      reason,
      data: { holdId, kind, until, resumeStatus, ...(lodgedAt ? { lodgedAt } : {}) },
      hold: { ...hold },
    });
  }

  /** Ends one hold; when it was the last, the case goes back where it was, its stage deadline moved by the time held. */
  function endHold(hold: HoldRecord, actor: Actor, outcome: HoldRecord['outcome'], reason: string | null, type: string): Promise<void> {
    hold.endedAt = now();
    hold.endedBy = actor.sub;
    hold.outcome = outcome;
    hold.outcomeReason = reason;
    const active = activeHolds();
    if (custodyPausedSince !== null && !active.some((h) => h.kind !== 'protection_claim')) {
      const paused = Date.now() - custodyPausedSince;
      state.custodyDueAt = shift(state.custodyDueAt, paused);
      custodyPausedSince = null;
      custodyVersion++;
    }
    let to: CaseStatus | undefined;
    if (active.length === 0) {
      const heldFor = Date.now() - holdStartedAt;
      to = state.holdResumeStatus!;
      if (to === 'IDENTITY_PENDING') state.identityDueAt = shift(state.identityDueAt, heldFor);
      if (to === 'SCREENING_PENDING') state.screeningDueAt = shift(state.screeningDueAt, heldFor);
      if (to === 'APPROVAL_PENDING') state.approvalDueAt = shift(state.approvalDueAt, heldFor);
      // Its flight left without it: it waits for the next one.
      if (to === 'TRANSFER_SCHEDULED' && state.transferId === null) to = 'APPROVED';
      state.holdResumeStatus = null;
    }
    return commit(type, { to, actor, reason, data: { holdId: hold.holdId, kind: hold.kind, outcome }, hold: { ...hold } });
  }

  const findHold = (holdId: string) => state.holds.find((h) => h.holdId === holdId);

  onUpdate(
    placeHoldUpdate,
    ({ actor, holdId, kind, reason }) => {
      requireHoldingCountry(actor, ['officer', 'supervisor'], kind === 'protection_claim' ? 'record protection claims' : 'place holds');
      const existing = findHold(holdId);
      if (existing) {
        if (existing.kind === kind) return 'repeat';
        throw refuse(FAILURE.conflict, `hold ${holdId} exists already`);
      }
      if (!HOLDABLE.includes(state.status)) {
        throw refuse(FAILURE.wrongStage, `a case ${state.status === 'IN_TRANSFER' ? 'in transfer' : `that is ${state.status}`} cannot be held`);
      }
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'a hold needs a reason');
      return 'apply';
    },
    async ({ actor, holdId, kind, reason, until, lodgedAt }) => {
      await placeHold(actor, holdId, kind, reason.trim(), until ?? null, lodgedAt ?? null);
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    liftHoldUpdate,
    ({ actor, holdId }) => {
      requireHoldingCountry(actor, ['officer', 'supervisor'], 'lift holds');
      const hold = findHold(holdId);
      if (!hold) throw refuse(FAILURE.invalid, `no hold ${holdId} on this case`);
      if (hold.kind === 'protection_claim') throw refuse(FAILURE.invalid, 'a protection claim ends only with the outcome of its legal review');
      if (hold.endedAt !== null) return 'repeat';
      requireOpen('lift holds');
      return 'apply';
    },
    async ({ actor, holdId, reason }) => {
      await endHold(findHold(holdId)!, actor, 'lifted', reason?.trim() || null, 'HOLD_LIFTED');
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    decideProtectionClaimUpdate,
    ({ actor, claimId, outcome, reason }) => {
      requireHoldingCountry(actor, ['supervisor'], 'record the outcome of a protection claim');
      const claim = findHold(claimId);
      if (!claim || claim.kind !== 'protection_claim') throw refuse(FAILURE.invalid, `no protection claim ${claimId} on this case`);
      if (claim.endedAt !== null) {
        if (claim.outcome === outcome) return 'repeat';
        throw refuse(FAILURE.conflict, `the claim was already ${claim.outcome}`);
      }
      requireOpen('decide protection claims');
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'the outcome of a legal review needs a reason');
      return 'apply';
    },
    async ({ actor, claimId, outcome, reason }) => {
      const claim = findHold(claimId)!;
      if (outcome === 'dismissed') {
        await endHold(claim, actor, 'dismissed', reason.trim(), 'PROTECTION_CLAIM_DISMISSED');
        return result(true);
      }
      claim.endedAt = now();
      claim.endedBy = actor.sub;
      claim.outcome = 'upheld';
      claim.outcomeReason = reason.trim();
      const transferId = state.transferId;
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
    },
    unchanged,
  );

  // ---- consular notification, custody, court orders ----

  onUpdate(
    recordConsularNoticeUpdate,
    ({ actor, notifiedAt, channel, accessRequested }) => {
      requireHoldingCountry(actor, ['officer', 'supervisor'], 'record consular notification');
      const notice = state.consularNotice;
      if (notice) {
        if (notice.notifiedAt === notifiedAt && notice.channel === channel && notice.accessRequested === accessRequested) return 'repeat';
        throw refuse(FAILURE.conflict, 'consular notification is already recorded');
      }
      requireOpen('record consular notification');
      return 'apply';
    },
    async ({ actor, notifiedAt, channel, accessRequested }) => {
      state.consularNotice = { notifiedAt, channel, accessRequested };
      state.consularDueAt = null;
      clearOverdue('consular');
      await commit('CONSULAR_NOTICE_RECORDED', {
        actor,
        data: { notifiedAt, channel, accessRequested, consulateOf: state.destinationCountry ?? state.claimedNationality },
        consularNotice: { notifiedAt, channel, accessRequested, recordedBy: actor.sub, at: now() },
      });
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    extendCustodyUpdate,
    ({ actor, days, reason }) => {
      requireHoldingCountry(actor, ['supervisor'], 'extend custody');
      const extension = state.custodyExtension;
      if (extension) {
        if (extension.days === days && extension.by === actor.sub) return 'repeat';
        throw refuse(FAILURE.conflict, 'custody has been extended once already; a second extension is not allowed');
      }
      requireOpen('extend custody');
      if (isDecided()) throw refuse(FAILURE.wrongStage, 'the case has its decision; the custody clock has stopped');
      if (!Number.isInteger(days) || days < 1 || days * 86_400_000 > timings.custodyExtensionMaxMs) {
        throw refuse(FAILURE.invalid, `an extension is 1 to ${timings.custodyExtensionMaxMs / 86_400_000} days`);
      }
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'an extension needs a reason');
      return 'apply';
    },
    async ({ actor, days, reason }) => {
      const record = { days, reason: reason.trim(), by: actor.sub, at: now() };
      state.custodyExtension = record;
      state.custodyDueAt = shift(state.custodyDueAt, days * 86_400_000);
      custodyVersion++;
      if (Date.parse(state.custodyDueAt!) > Date.now()) clearOverdue('custody');
      await commit('CUSTODY_EXTENDED', { actor, reason: record.reason, data: { days, custodyDueAt: state.custodyDueAt }, custodyExtension: record });
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    recordCourtOrderUpdate,
    ({ actor, reference }) => {
      requireHoldingCountry(actor, ['officer', 'supervisor'], 'record court orders');
      if (intake.legalBasis !== 'extradition') throw refuse(FAILURE.invalid, 'court orders are recorded for extradition cases');
      if (state.courtOrder) {
        if (state.courtOrder.reference === reference) return 'repeat';
        throw refuse(FAILURE.conflict, 'a court order is already recorded');
      }
      requireOpen('record court orders');
      return 'apply';
    },
    async ({ actor, reference, court, issuedAt }) => {
      const order = { reference, court, issuedAt, recordedBy: actor.sub, at: now() };
      state.courtOrder = order;
      const completes = state.awaitingCourtOrder && state.status === 'APPROVAL_PENDING';
      state.awaitingCourtOrder = false;
      await commit('COURT_ORDER_RECORDED', {
        actor,
        to: completes ? 'APPROVED' : undefined,
        data: { reference, court, issuedAt },
        courtOrder: order,
      });
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
      requireRole(actor, ['supervisor'], 'decide');
      const side = sideOf(actor);
      if (actor.sub === openedBy.sub) throw refuse(FAILURE.forbidden, 'the officer who opened the case cannot decide it');
      const existing = state.decisions[side];
      if (existing) {
        if (existing.decision === decision) return 'repeat';
        throw refuse(FAILURE.conflict, `the ${side} side has already decided: ${existing.decision}`);
      }
      const other = state.decisions[side === 'holding' ? 'destination' : 'holding'];
      if (other && other.by === actor.sub) throw refuse(FAILURE.forbidden, 'the two sides are decided by different people');
      if (state.status !== 'APPROVAL_PENDING') throw stageRefusal('the case is not awaiting approval', actor);
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
      const bothApproved = !!state.decisions.holding && !!state.decisions.destination;
      if (decision === 'reject') {
        await commit('REJECTED', { ...change, to: 'REJECTED' });
      } else if (bothApproved && intake.legalBasis === 'extradition' && !state.courtOrder) {
        state.awaitingCourtOrder = true;
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
    ({ actor }) => ({ ...result(false), side: sideOf(actor) }),
  );

  // ---- ending a case early ----

  /** A case on a batch leaves it with this change; the batch is told. */
  function leaveBatch(): { transferLeg?: CaseChange['transferLeg']; notify: () => Promise<void> } {
    const transferId = state.transferId;
    const onBatch =
      transferId !== null && (state.status === 'TRANSFER_SCHEDULED' || state.status === 'IN_TRANSFER' || state.status === 'ON_HOLD');
    state.handoverDueAt = null;
    return onBatch
      ? { transferLeg: { transferId, outcome: 'dropped' }, notify: () => notifyBatch(transferId, 'dropped') }
      : { notify: async () => undefined };
  }

  onUpdate(
    cancelCaseUpdate,
    ({ actor, reason }) => {
      requireHoldingCountry(actor, ['supervisor'], 'cancel');
      if (state.status === 'CANCELLED') return 'repeat';
      requireOpen('cancel');
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'a cancellation needs a reason');
      return 'apply';
    },
    async ({ actor, reason }) => {
      const { transferLeg, notify } = leaveBatch();
      await commit('CANCELLED', { to: 'CANCELLED', actor, reason: reason.trim(), transferLeg });
      await notify();
      return result(true);
    },
    unchanged,
  );

  onUpdate(
    releaseCaseUpdate,
    ({ actor, reason }) => {
      requireHoldingCountry(actor, ['supervisor'], 'record a release');
      if (state.status === 'RELEASED') return 'repeat';
      requireOpen('release');
      if (state.status === 'IN_TRANSFER') throw refuse(FAILURE.wrongStage, 'a person in transfer is released at handover');
      if (!reason?.trim()) throw refuse(FAILURE.invalid, 'a release needs a reason');
      return 'apply';
    },
    async ({ actor, reason }) => {
      const { transferLeg, notify } = leaveBatch();
      await commit('RELEASED', { to: 'RELEASED', actor, reason: reason.trim(), transferLeg, data: { custodyDueAt: state.custodyDueAt } });
      await notify();
      return result(true);
    },
    unchanged,
  );

  // ---- transfer legs ----

  function requireDestinationOfficer(actor: Actor, what: string): void {
    requireRole(actor, ['officer'], what);
    if (!state.destinationCountry || actor.country !== state.destinationCountry) {
      throw refuse(FAILURE.forbidden, `only officers of the destination country ${what}`);
    }
  }
  const onLeg = (transferId: string, status: CaseStatus) => state.status === status && state.transferId === transferId;

  onUpdate(
    assignTransferUpdate,
    ({ actor, transferId, destinationCountry }) => {
      requireHoldingCountry(actor, ['officer'], 'schedule transfers');
      if (onLeg(transferId, 'TRANSFER_SCHEDULED')) return 'repeat';
      if (state.status !== 'APPROVED') throw stageRefusal('only approved cases are scheduled', actor);
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
      requireHoldingCountry(actor, ['officer'], 'confirm departures');
      if (onLeg(transferId, 'IN_TRANSFER')) return 'repeat';
      // A held case on the flight is taken off it (below); it never departs.
      if (onLeg(transferId, 'TRANSFER_SCHEDULED') || onLeg(transferId, 'ON_HOLD')) return 'apply';
      if (droppedFrom.includes(transferId)) return 'repeat';
      throw refuse(FAILURE.wrongStage, `the case is not scheduled on this transfer (case is ${state.status})`);
    },
    async ({ actor, transferId }) => {
      if (state.status === 'ON_HOLD') {
        const kinds = [...new Set(activeHolds().map((h) => h.kind))];
        state.transferId = null;
        droppedFrom.push(transferId);
        await commit('DROPPED_FROM_TRANSFER', {
          actor,
          reason: `on hold (${kinds.join(', ').replace('_', ' ')}): the person does not board`,
          data: { transferId, holds: kinds },
          transferLeg: { transferId, outcome: 'dropped' },
        });
        return result(true);
      }
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
        throw refuse(FAILURE.wrongStage, `the case is not in transfer on this batch (case is ${statusShownTo(actor)})`);
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
        throw refuse(FAILURE.wrongStage, `the case is not in transfer on this batch (case is ${statusShownTo(actor)})`);
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

  // ---- clocks ----

  /** Waits for the stage to end; each breached deadline marks the case overdue and escalates again. */
  async function escalateUntilStageEnds(reason: OverdueReason, dueAt: string, eventType: string): Promise<void> {
    const started = epoch;
    let next = Date.parse(dueAt);
    for (let n = 1; ; n++) {
      if (await condition(() => epoch !== started, Math.max(1, next - Date.now()))) return;
      markOverdue(reason);
      const pendingSides =
        reason === 'approval' ? (['holding', 'destination'] as const).filter((side) => !state.decisions[side]) : undefined;
      await commit(eventType, {
        reason: `deadline ${dueAt} passed`,
        data: { escalation: n, dueAt, pendingSides, awaitingCourtOrder: state.awaitingCourtOrder || undefined },
      });
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

  /** From arrest to a decision; stopped while a medical or legal hold lasts; escalates every day past the limit. */
  async function custodyClock(): Promise<void> {
    let escalation = 0;
    for (;;) {
      if (isDecided()) return;
      if (custodyPausedSince !== null) {
        await condition(() => custodyPausedSince === null || isDecided());
        continue;
      }
      const version = custodyVersion;
      const dueAt = state.custodyDueAt!;
      if (Date.now() < Date.parse(dueAt)) escalation = 0;
      const next = Date.parse(dueAt) + escalation * timings.custodyEscalationIntervalMs;
      if (await condition(() => isDecided() || custodyVersion !== version, Math.max(1, next - Date.now()))) continue;
      escalation++;
      markOverdue('custody');
      await commit('CUSTODY_LIMIT_EXCEEDED', {
        reason: 'no decision within the custody limit: a supervisor records release or extends custody once',
        data: { escalation, custodyDueAt: dueAt, extended: state.custodyExtension !== null },
      });
    }
  }

  /** The destination's consulate must be notified within a day of intake; escalates daily until it is. */
  async function consularClock(): Promise<void> {
    if (state.consularNotice) return;
    let next = Date.parse(state.consularDueAt!);
    for (let n = 1; ; n++) {
      if (await condition(() => state.consularNotice !== null || isTerminal(state.status), Math.max(1, next - Date.now()))) return;
      markOverdue('consular');
      await commit('CONSULAR_NOTICE_OVERDUE', {
        reason: `the consulate of ${state.destinationCountry ?? state.claimedNationality} has not been notified`,
        data: { escalation: n, dueAt: state.consularDueAt },
      });
      next += timings.consularMs;
    }
  }

  // ---- the process ----

  // The case is in the store before its workflow starts (api/intake.ts: the intake outbox).
  const atIntake = new Set<TraffickingIndicator>(intake.indicators ?? []);
  if (isMinorAtArrest(intake.person, intake.arrest.at)) atIntake.add('minor');
  if (atIntake.size > 0) {
    const indicators = [...atIntake];
    const screening = { indicators, notes: 'indicators recorded at intake', by: openedBy.sub, at: now() };
    state.screening = screening;
    await divertToProtection(indicators, openedBy, { screening });
  } else if (!input.participatingCountries.includes(state.claimedNationality)) {
    state.referredTo = state.claimedNationality;
    await commit('REFERRED', {
      to: 'REFERRED',
      data: { embassyOf: state.claimedNationality },
      reason: `claimed nationality ${state.claimedNationality} takes no part in the operation: referred to the embassy of ${state.claimedNationality}`,
    });
  }

  const clocks = Promise.all([custodyClock(), consularClock()]);
  while (!isTerminal(state.status)) {
    const started = epoch;
    switch (state.status) {
      case 'IDENTITY_PENDING':
        await escalateUntilStageEnds('identity', state.identityDueAt!, 'IDENTITY_OVERDUE');
        break;
      case 'SCREENING_PENDING':
        await escalateUntilStageEnds('screening', state.screeningDueAt!, 'SCREENING_OVERDUE');
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
  await clocks;
  await condition(allHandlersFinished);
  return JSON.parse(JSON.stringify(state)) as CaseView;
}
