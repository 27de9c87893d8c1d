// The rules of a case without servers: sides, status sets, each update's check, and the custody
// arithmetic of CaseState (holds pause it, protection claims do not, one extension moves it).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FAILURE,
  Refusal,
  checkAssignTransfer,
  checkCancel,
  checkConfirmDeparture,
  checkDecideProtectionClaim,
  checkDecision,
  checkExtendCustody,
  checkLiftHold,
  checkPlaceHold,
  checkRecordCourtOrder,
  checkRelease,
  checkScreen,
  checkVerifyIdentity,
  decidableSide,
  decisionSide,
  extensionRefusal,
  isDecided,
  isHoldable,
  isReleasable,
  isTerminal,
  nextDueAt,
  repeatOfDecision,
  sideOf,
  statusAfterHolds,
  type CaseFacts,
} from '../workflows/case-rules.js';
import { CaseState } from '../workflows/case-state.js';
import { caseIdsInBoth, checkAddCases, checkDepart, checkHandover } from '../workflows/transfer-rules.js';
import type { CaseView } from '../workflows/definitions.js';
import { makeUsers, workflowInput } from './helpers/fixtures.js';

const DAY = 86_400_000;
const u = makeUsers();

/** A fresh case held by KH, claimed CN, with its facts at `status`. */
function facts(view: Partial<CaseView> = {}, extra: Partial<CaseFacts> = {}): CaseFacts {
  const state = new CaseState(workflowInput(u.khOfficer));
  Object.assign(state.view, view);
  return { ...state.facts(), ...extra };
}
const approval = (view: Partial<CaseView> = {}) => facts({ status: 'APPROVAL_PENDING', destinationCountry: 'CN', ...view });

/** The refusal a rule throws, as type and message. */
function refusal(fn: () => unknown): { type: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof Refusal) return { type: err.type, message: err.message };
    throw err;
  }
  throw new Error('the rule accepted');
}

describe('status sets', () => {
  it('terminal statuses, with the restricted view CLOSED among them', () => {
    expect(['HANDED_OVER', 'REJECTED', 'REFERRED', 'PROTECTION', 'CANCELLED', 'RELEASED', 'CLOSED'].every(isTerminal)).toBe(true);
    expect(['IDENTITY_PENDING', 'ON_HOLD', 'IN_TRANSFER', 'TRANSFER_FAILED'].some(isTerminal)).toBe(false);
  });

  it('a case is held from intake to a scheduled transfer, never in transfer or closed', () => {
    expect(isHoldable('TRANSFER_SCHEDULED')).toBe(true);
    expect(isHoldable('ON_HOLD')).toBe(true);
    expect(isHoldable('IN_TRANSFER')).toBe(false);
    expect(isHoldable('PROTECTION')).toBe(false);
  });

  it('decided: approved onwards, closed, or on hold from a decided status', () => {
    expect(isDecided({ status: 'APPROVAL_PENDING', holdResumeStatus: null })).toBe(false);
    expect(isDecided({ status: 'APPROVED', holdResumeStatus: null })).toBe(true);
    expect(isDecided({ status: 'ON_HOLD', holdResumeStatus: 'TRANSFER_SCHEDULED' })).toBe(true);
    expect(isDecided({ status: 'ON_HOLD', holdResumeStatus: 'SCREENING_PENDING' })).toBe(false);
    expect(isDecided({ status: 'CLOSED', holdResumeStatus: null })).toBe(true);
  });

  it('after its last hold a case goes back where it was, or to APPROVED if its flight left without it', () => {
    expect(statusAfterHolds('SCREENING_PENDING', null)).toBe('SCREENING_PENDING');
    expect(statusAfterHolds('TRANSFER_SCHEDULED', 't1')).toBe('TRANSFER_SCHEDULED');
    expect(statusAfterHolds('TRANSFER_SCHEDULED', null)).toBe('APPROVED');
  });

  it('a person in transfer is released at handover only', () => {
    expect(isReleasable('APPROVED')).toBe(true);
    expect(isReleasable('IN_TRANSFER')).toBe(false);
    expect(isReleasable('RELEASED')).toBe(false);
  });
});

describe('sides', () => {
  const c = { holdingCountry: 'KH', destinationCountry: 'CN' as string | null };

  it('the holding country, the destination once known, nobody else', () => {
    expect(decisionSide('KH', c)).toBe('holding');
    expect(decisionSide('CN', c)).toBe('destination');
    expect(decisionSide('VN', c)).toBeNull();
    expect(decisionSide('CN', { ...c, destinationCountry: null })).toBeNull();
  });

  it('the claimed nationality is told to wait for verification; a third country is forbidden', () => {
    const unverified = facts({ destinationCountry: null }).view;
    expect(refusal(() => sideOf(unverified, u.cnSupervisor))).toEqual({
      type: FAILURE.wrongStage,
      message: 'the destination side decides once nationality is verified',
    });
    expect(refusal(() => sideOf(unverified, u.vnSupervisor)).type).toBe(FAILURE.forbidden);
  });

  it('a side that decided: the same decision repeats, another conflicts', () => {
    expect(repeatOfDecision('holding', undefined, 'approve')).toBeUndefined();
    expect(repeatOfDecision('holding', 'approve', 'approve')).toBe('repeat');
    expect(refusal(() => repeatOfDecision('holding', 'approve', 'reject'))).toEqual({
      type: FAILURE.conflict,
      message: 'the holding side has already decided: approve',
    });
  });

  it('the side one may decide now: not the opener, not both sides by one person, each side once', () => {
    const c = { ...approval().view, openedBy: u.khOfficer.sub };
    expect(decidableSide(u.khSupervisor, c)).toBe('holding');
    expect(decidableSide(u.cnSupervisor, c)).toBe('destination');
    expect(decidableSide(u.khOfficer, c)).toBeNull();
    expect(decidableSide(u.vnSupervisor, c)).toBeNull();
    expect(decidableSide(u.cnSupervisor, { ...c, status: 'SCREENING_PENDING' })).toBeNull();
    const decided = { decision: 'approve' as const, by: u.khSupervisor.sub };
    expect(decidableSide(u.khSupervisor2, { ...c, decisions: { holding: decided, destination: null } })).toBeNull();
    expect(decidableSide({ ...u.khSupervisor, country: 'CN' }, { ...c, decisions: { holding: decided, destination: null } })).toBeNull();
  });
});

describe('update checks', () => {
  it('identity: only officers of the claimed nationality, while pending; a mismatch names another nationality', () => {
    const input = { actor: u.cnOfficer, result: 'confirmed', method: 'document' } as const;
    expect(checkVerifyIdentity(facts(), input)).toBe('apply');
    expect(refusal(() => checkVerifyIdentity(facts(), { ...input, actor: u.vnOfficer })).type).toBe(FAILURE.forbidden);
    expect(refusal(() => checkVerifyIdentity(facts(), { ...input, actor: u.cnSupervisor })).type).toBe(FAILURE.forbidden);
    expect(refusal(() => checkVerifyIdentity(facts(), { ...input, result: 'mismatch', verifiedNationality: 'CN' })).type).toBe(FAILURE.invalid);
    expect(refusal(() => checkVerifyIdentity(facts({ status: 'SCREENING_PENDING' }), { ...input, result: 'inconclusive' })).type).toBe(
      FAILURE.wrongStage,
    );
  });

  it('identity: a retried confirmation is a repeat', () => {
    const confirmed = facts({
      status: 'SCREENING_PENDING',
      identity: {
        result: 'confirmed',
        claimedNationality: 'CN',
        verifiedNationality: 'CN',
        method: 'document',
        evidenceRef: null,
        notes: null,
        by: u.cnOfficer.sub,
        at: new Date().toISOString(),
      },
    });
    expect(checkVerifyIdentity(confirmed, { actor: u.cnOfficer, result: 'confirmed', method: 'document' })).toBe('repeat');
  });

  it('a refusal on hold names the kinds to the holding country only', () => {
    const held = facts({
      status: 'ON_HOLD',
      holdResumeStatus: 'SCREENING_PENDING',
      destinationCountry: 'CN',
      holds: [
        {
          holdId: 'h1',
          kind: 'protection_claim',
          reason: 'r',
          until: null,
          placedBy: u.khOfficer.sub,
          placedAt: new Date().toISOString(),
          resumeStatus: 'SCREENING_PENDING',
          endedAt: null,
          endedBy: null,
          outcome: null,
          outcomeReason: null,
        },
      ],
    });
    expect(refusal(() => checkScreen(held, { actor: u.khOfficer, indicators: [] })).message).toBe(
      'the case is on hold (protection claim); screening is not pending',
    );
    expect(refusal(() => checkAssignTransfer(held, { actor: u.khOfficer, transferId: 't', destinationCountry: 'CN', scheduledAt: '' })).message).toBe(
      'the case is on hold (protection claim); only approved cases are scheduled',
    );
    // Another country asking: its refusal says legal review.
    expect(refusal(() => checkDecision(held, { actor: u.cnSupervisor, decision: 'approve' })).message).toBe(
      'the case is on hold (legal review); the case is not awaiting approval',
    );
  });

  it('holds: holding country, holdable status, a reason; the same id again repeats, with another kind conflicts', () => {
    const input = { actor: u.khOfficer, holdId: 'h1', kind: 'medical', reason: 'hospital' } as const;
    expect(checkPlaceHold(facts(), input)).toBe('apply');
    expect(refusal(() => checkPlaceHold(facts(), { ...input, actor: u.cnOfficer })).type).toBe(FAILURE.forbidden);
    expect(refusal(() => checkPlaceHold(facts({ status: 'IN_TRANSFER' }), input))).toEqual({
      type: FAILURE.wrongStage,
      message: 'a case in transfer cannot be held',
    });
    expect(refusal(() => checkPlaceHold(facts(), { ...input, reason: '  ' })).type).toBe(FAILURE.invalid);
    const state = new CaseState(workflowInput(u.khOfficer));
    state.placeHold(u.khOfficer, 'h1', 'medical', 'hospital', null);
    expect(checkPlaceHold(state.facts(), input)).toBe('repeat');
    expect(refusal(() => checkPlaceHold(state.facts(), { ...input, kind: 'legal' })).type).toBe(FAILURE.conflict);
    expect(checkLiftHold(state.facts(), { actor: u.khSupervisor, holdId: 'h1' })).toBe('apply');
    expect(refusal(() => checkLiftHold(state.facts(), { actor: u.khSupervisor, holdId: 'nope' })).type).toBe(FAILURE.invalid);
  });

  it('a protection claim ends only with its review, whose outcome repeats or conflicts', () => {
    const state = new CaseState(workflowInput(u.khOfficer));
    const claim = state.placeHold(u.khOfficer, 'c1', 'protection_claim', 'asylum', null);
    expect(refusal(() => checkLiftHold(state.facts(), { actor: u.khSupervisor, holdId: 'c1' })).type).toBe(FAILURE.invalid);
    const decide = { actor: u.khSupervisor, claimId: 'c1', outcome: 'dismissed', reason: 'no grounds' } as const;
    expect(refusal(() => checkDecideProtectionClaim(state.facts(), { ...decide, actor: u.khOfficer })).type).toBe(FAILURE.forbidden);
    expect(checkDecideProtectionClaim(state.facts(), decide)).toBe('apply');
    state.endHold(claim, u.khSupervisor, 'dismissed', 'no grounds');
    expect(checkDecideProtectionClaim(state.facts(), decide)).toBe('repeat');
    expect(refusal(() => checkDecideProtectionClaim(state.facts(), { ...decide, outcome: 'upheld' })).type).toBe(FAILURE.conflict);
  });

  it('decisions: supervisors, not the opener, two people, while awaiting approval; a rejection needs a reason', () => {
    const input = { actor: u.khSupervisor, decision: 'approve' } as const;
    expect(checkDecision(approval(), input)).toBe('apply');
    expect(refusal(() => checkDecision(approval(), { ...input, actor: u.khOfficer })).type).toBe(FAILURE.forbidden);
    expect(refusal(() => checkDecision(approval({ status: 'SCREENING_PENDING' }), input)).type).toBe(FAILURE.wrongStage);
    expect(refusal(() => checkDecision(approval(), { ...input, decision: 'reject', reason: ' ' })).type).toBe(FAILURE.invalid);
    const opener = { ...u.khSupervisor, sub: u.khOfficer.sub };
    expect(refusal(() => checkDecision(approval(), { actor: opener, decision: 'approve' })).message).toBe(
      'the officer who opened the case cannot decide it',
    );
    const record = { decision: 'approve' as const, reason: null, by: u.khSupervisor.sub, byName: null, country: 'KH', at: '' };
    const halfDecided = approval({ decisions: { holding: record, destination: null } });
    expect(checkDecision(halfDecided, input)).toBe('repeat');
    expect(refusal(() => checkDecision(halfDecided, { ...input, decision: 'reject', reason: 'no' })).type).toBe(FAILURE.conflict);
    expect(refusal(() => checkDecision(halfDecided, { actor: { ...u.khSupervisor, country: 'CN' }, decision: 'approve' })).message).toBe(
      'the two sides are decided by different people',
    );
  });

  it('cancel and release: supervisors of the holding country, with a reason; a release not in transfer', () => {
    expect(checkCancel(facts(), { actor: u.khSupervisor, reason: 'duplicate' })).toBe('apply');
    expect(checkCancel(facts({ status: 'CANCELLED' }), { actor: u.khSupervisor, reason: 'duplicate' })).toBe('repeat');
    expect(refusal(() => checkCancel(facts({ status: 'HANDED_OVER' }), { actor: u.khSupervisor, reason: 'x' })).type).toBe(FAILURE.wrongStage);
    expect(refusal(() => checkRelease(facts({ status: 'IN_TRANSFER' }), { actor: u.khSupervisor, reason: 'x' })).message).toBe(
      'a person in transfer is released at handover',
    );
  });

  it('court orders for extradition cases only, once', () => {
    const input = { actor: u.khOfficer, reference: 'CO-1', court: 'Phnom Penh', issuedAt: '2026-01-01T00:00:00Z' };
    expect(refusal(() => checkRecordCourtOrder(facts(), input)).type).toBe(FAILURE.invalid);
    expect(checkRecordCourtOrder(facts({}, { legalBasis: 'extradition' }), input)).toBe('apply');
  });

  it('departure: a batch that left without the person repeats as done', () => {
    const input = { actor: u.khOfficer, transferId: 't1' };
    expect(checkConfirmDeparture(facts({ status: 'TRANSFER_SCHEDULED', transferId: 't1' }), input)).toBe('apply');
    expect(checkConfirmDeparture(facts({ status: 'APPROVED' }, { droppedFrom: ['t1'] }), input)).toBe('repeat');
    expect(refusal(() => checkConfirmDeparture(facts({ status: 'APPROVED' }), input)).type).toBe(FAILURE.wrongStage);
  });

  it('custody extension: once, 1 to the maximum in whole days, with a reason, before the decision', () => {
    const input = { actor: u.khSupervisor, days: 10, reason: 'pending review' };
    expect(checkExtendCustody(facts(), input)).toBe('apply');
    expect(extensionRefusal(0, 30 * DAY)).toBe('an extension is 1 to 30 days');
    expect(extensionRefusal(31, 30 * DAY)).toBe('an extension is 1 to 30 days');
    expect(extensionRefusal(1.5, 30 * DAY)).not.toBeNull();
    expect(extensionRefusal(30, 30 * DAY)).toBeNull();
    expect(refusal(() => checkExtendCustody(facts(), { ...input, days: 31 })).type).toBe(FAILURE.invalid);
    expect(refusal(() => checkExtendCustody(facts({ status: 'APPROVED' }), input)).type).toBe(FAILURE.wrongStage);
    const extended = facts({ custodyExtension: { days: 10, reason: 'r', by: u.khSupervisor.sub, at: '' } });
    expect(checkExtendCustody(extended, input)).toBe('repeat');
    expect(refusal(() => checkExtendCustody(extended, { ...input, days: 5 })).type).toBe(FAILURE.conflict);
  });
});

describe('custody arithmetic (CaseState)', () => {
  const start = Date.parse('2026-03-01T00:00:00Z');
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(start);
  });
  afterEach(() => vi.useRealTimers());

  function arrestedNow(custodyDays: number) {
    const input = workflowInput(u.khOfficer);
    input.openedAt = new Date(start).toISOString();
    input.intake.arrest.at = new Date(start).toISOString();
    input.timings = { ...input.timings, custodyMs: custodyDays * DAY };
    return new CaseState(input);
  }
  const due = (s: CaseState) => Date.parse(s.view.custodyDueAt!);

  it('the limit runs from arrest', () => {
    expect(due(arrestedNow(10))).toBe(start + 10 * DAY);
  });

  it('a medical hold stops the clock; lifted, the limit moves by the time held', () => {
    const s = arrestedNow(10);
    const watch = s.custodyWatch();
    const hold = s.placeHold(u.khOfficer, 'h1', 'medical', 'hospital', null);
    expect(s.custodyPaused()).toBe(true);
    expect(watch.changed()).toBe(true);
    vi.advanceTimersByTime(3 * DAY);
    expect(s.endHold(hold, u.khOfficer, 'lifted', null)).toBe('IDENTITY_PENDING');
    expect(s.custodyPaused()).toBe(false);
    expect(due(s)).toBe(start + 13 * DAY);
    // The stage deadline moves by the time held too.
    expect(Date.parse(s.view.identityDueAt!)).toBe(start + 3 * DAY + 7 * DAY);
  });

  it('a protection claim never stops it', () => {
    const s = arrestedNow(10);
    const claim = s.placeHold(u.khOfficer, 'c1', 'protection_claim', 'asylum', null);
    expect(s.custodyPaused()).toBe(false);
    vi.advanceTimersByTime(3 * DAY);
    s.endHold(claim, u.khSupervisor, 'dismissed', 'no grounds');
    expect(due(s)).toBe(start + 10 * DAY);
  });

  it('with a claim and a hold, the clock runs again when the hold ends, though the claim remains', () => {
    const s = arrestedNow(10);
    s.placeHold(u.khOfficer, 'c1', 'protection_claim', 'asylum', null);
    const hold = s.placeHold(u.khOfficer, 'h1', 'legal', 'appeal', null);
    vi.advanceTimersByTime(2 * DAY);
    expect(s.endHold(hold, u.khOfficer, 'lifted', null)).toBeUndefined();
    expect(s.status).toBe('IDENTITY_PENDING');
    expect(s.custodyPaused()).toBe(false);
    expect(due(s)).toBe(start + 12 * DAY);
  });

  it('an extension moves the limit by its days and ends a custody escalation it cures', () => {
    const s = arrestedNow(10);
    vi.advanceTimersByTime(11 * DAY);
    s.markOverdue('custody');
    expect(s.view.overdueReasons).toEqual(['custody']);
    s.extendCustody({ days: 5, reason: 'review', by: u.khSupervisor.sub, at: new Date().toISOString() });
    expect(due(s)).toBe(start + 15 * DAY);
    expect(s.view.overdue).toBe(false);
    expect(s.view.escalations).toBe(1);
  });

  it('the decision stops the clock: no custody due date, and none among the next due dates', () => {
    const s = arrestedNow(10);
    s.enterStage('APPROVED');
    expect(s.view.custodyDueAt).toBeNull();
    expect(nextDueAt(s.view)).toBe(s.view.consularDueAt);
  });
});

describe('transfer rules', () => {
  const batch = { status: 'SCHEDULED', holdingCountry: 'KH', destinationCountry: 'CN' } as const;

  it('the sending country fills and dispatches the batch; the receiving country confirms arrival', () => {
    expect(() => checkAddCases(batch, { actor: u.khOfficer })).not.toThrow();
    expect(refusal(() => checkAddCases(batch, { actor: u.khSupervisor })).message).toBe('only officers of KH put cases on this transfer');
    expect(refusal(() => checkAddCases({ ...batch, status: 'DEPARTED' }, { actor: u.khOfficer })).message).toBe('the transfer has departed');
    expect(() => checkDepart({ ...batch, status: 'DEPARTED' }, { actor: u.khOfficer })).not.toThrow();
    expect(refusal(() => checkDepart({ ...batch, status: 'COMPLETED' }, { actor: u.khOfficer })).type).toBe(FAILURE.wrongStage);
    const arrival = { actor: u.cnOfficer, receivedCaseIds: ['a', 'b'], missingCaseIds: [] };
    expect(refusal(() => checkHandover(batch, arrival)).message).toBe('the transfer has not departed');
    expect(() => checkHandover({ ...batch, status: 'DEPARTED' }, arrival)).not.toThrow();
    expect(refusal(() => checkHandover({ ...batch, status: 'DEPARTED' }, { ...arrival, actor: u.khOfficer })).type).toBe(FAILURE.forbidden);
  });

  it('no case both received and missing', () => {
    expect(caseIdsInBoth(['a', 'b', 'c', 'b'], ['c', 'b'])).toEqual(['b', 'c']);
    const both = { actor: u.cnOfficer, receivedCaseIds: ['a', 'b'], missingCaseIds: ['b'] };
    expect(refusal(() => checkHandover({ ...batch, status: 'DEPARTED' }, both))).toEqual({
      type: FAILURE.invalid,
      message: 'cases both received and missing: b',
    });
  });
});
