// The rules of a case with no SDK and no Node import: the workflow applies them, the API and the
// web console import them instead of restating them (which side a caller is on, which statuses
// admit what, each update's check, the custody arithmetic). Only types come from the contract.
import type {
  Actor,
  AssignTransferInput,
  CancelCaseInput,
  CaseStatus,
  CaseView,
  DecisionSide,
  DecisionValue,
  ExtendCustodyInput,
  HoldKind,
  HoldRecord,
  IdentityRecord,
  LegalBasis,
  LiftHoldInput,
  OverdueReason,
  PlaceHoldInput,
  ProtectionClaimOutcomeInput,
  RecordConsularNoticeInput,
  RecordCourtOrderInput,
  RecordLocatedInput,
  Role,
  ScreenCaseInput,
  SubmitDecisionInput,
  TransferLegInput,
  VerifyIdentityInput,
} from './definitions.js';

// ---- refusals ----

/** The `type` of every refusal (the workflow throws it as an ApplicationFailure of that type). */
export const FAILURE = {
  /** The case is not at the stage the request needs. */
  wrongStage: 'WrongStage',
  /** The actor may not do this (role, country, separation of duties). */
  forbidden: 'Forbidden',
  /** Contradicts something already recorded (a different decision by a side that decided). */
  conflict: 'Conflict',
  /** Well-formed but not acceptable for this case. */
  invalid: 'InvalidInput',
} as const;
export type FailureType = (typeof FAILURE)[keyof typeof FAILURE];

/** A rule said no. */
export class Refusal extends Error {
  constructor(
    readonly type: FailureType,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

/** What a check says of a request it accepts: change the case, or answer a repeat as the first time. */
export type Verdict = 'apply' | 'repeat';

// ---- statuses ----

export const TERMINAL_STATUSES: readonly CaseStatus[] = ['HANDED_OVER', 'REJECTED', 'REFERRED', 'PROTECTION', 'CANCELLED', 'RELEASED'];
/** Statuses from which a hold or a protection claim may stop the case (never once in transfer). */
export const HOLDABLE_STATUSES: readonly CaseStatus[] = [
  'IDENTITY_PENDING',
  'SCREENING_PENDING',
  'APPROVAL_PENDING',
  'APPROVED',
  'TRANSFER_SCHEDULED',
  'ON_HOLD',
];
/** Statuses in which the case has its decision: the custody clock stops. */
export const DECIDED_STATUSES: readonly CaseStatus[] = ['APPROVED', 'TRANSFER_SCHEDULED', 'IN_TRANSFER', 'TRANSFER_FAILED', 'MISSING'];

const among = (list: readonly string[], status: string | null) => status !== null && list.includes(status);

/** Closed for good. `CLOSED`, the restricted view of PROTECTION (lib/need-to-know.ts), counts too. */
export const isTerminal = (status: string): boolean => status === 'CLOSED' || among(TERMINAL_STATUSES, status);
export const isHoldable = (status: string): boolean => among(HOLDABLE_STATUSES, status);
/** Whether the case has its decision (or is closed): the custody clock has stopped. */
export const isDecided = (c: { status: string; holdResumeStatus: string | null }): boolean =>
  isTerminal(c.status) || among(DECIDED_STATUSES, c.status) || (c.status === 'ON_HOLD' && among(DECIDED_STATUSES, c.holdResumeStatus));
/** A person in transfer is released at handover, not by a release; a missing person is in no one's custody to release. */
export const isReleasable = (status: string): boolean => !isTerminal(status) && status !== 'IN_TRANSFER' && status !== 'MISSING';

/** Where a case goes when its last hold ends: where it was, or APPROVED if its flight left without it. */
export const statusAfterHolds = <S extends string>(resumeStatus: S, transferId: string | null): S | 'APPROVED' =>
  resumeStatus === 'TRANSFER_SCHEDULED' && transferId === null ? 'APPROVED' : resumeStatus;

// ---- sides ----

export const otherSide = (side: DecisionSide): DecisionSide => (side === 'holding' ? 'destination' : 'holding');

/** The side of a case whose supervisors a user of `country` is among, if any. */
export function decisionSide(country: string, c: { holdingCountry: string; destinationCountry: string | null }): DecisionSide | null {
  if (country === c.holdingCountry) return 'holding';
  if (c.destinationCountry !== null && country === c.destinationCountry) return 'destination';
  return null;
}

/**
 * A side that decided already: the same decision again is a repeat, another one a conflict.
 * `undefined` when the side has not decided.
 */
export function repeatOfDecision(side: DecisionSide, recorded: string | null | undefined, decision: DecisionValue): 'repeat' | undefined {
  if (recorded === null || recorded === undefined) return undefined;
  if (recorded === decision) return 'repeat';
  throw new Refusal(FAILURE.conflict, `the ${side} side has already decided: ${recorded}`);
}

/**
 * The side this user may decide now, or null: a supervisor's call while the case awaits approval,
 * never by the officer who opened it, each side by another person, each side once.
 */
export function decidableSide(
  who: { sub: string; country: string },
  c: {
    status: string;
    holdingCountry: string;
    destinationCountry: string | null;
    openedBy: string;
    decisions: Record<DecisionSide, { by: string } | null>;
  },
): DecisionSide | null {
  if (c.status !== 'APPROVAL_PENDING' || who.sub === c.openedBy) return null;
  const side = decisionSide(who.country, c);
  if (!side || c.decisions[side] || c.decisions[otherSide(side)]?.by === who.sub) return null;
  return side;
}

// ---- custody arithmetic ----

export const DAY_MS = 86_400_000;

/** Medical and legal holds stop the custody clock; protection claims never do (README, Safeguards). */
export const pausesCustody = (kind: HoldKind): boolean => kind !== 'protection_claim';

/** Whether any of these (active) holds keeps the custody clock stopped. */
export const custodyStaysPaused = (active: readonly Pick<HoldRecord, 'kind'>[]): boolean => active.some((h) => pausesCustody(h.kind));

/** A due date moved later by `ms` (null stays null). */
export const shiftDue = (iso: string | null, ms: number): string | null => (iso === null ? null : new Date(Date.parse(iso) + ms).toISOString());

/** The custody limit of a case: arrest + the operation's limit. */
export const custodyDueFrom = (arrestedAt: string, custodyMs: number): string => new Date(Date.parse(arrestedAt) + custodyMs).toISOString();

/** The one extension a supervisor may grant: whole days, at least one, within the operation's maximum. */
export function extensionRefusal(days: number, maxMs: number): string | null {
  if (!Number.isInteger(days) || days < 1 || days * DAY_MS > maxMs) return `an extension is 1 to ${maxMs / DAY_MS} days`;
  return null;
}

/** When the custody clock escalates next: the limit, then every interval past it. */
export const custodyEscalationAt = (dueAt: string, escalations: number, intervalMs: number): number =>
  Date.parse(dueAt) + escalations * intervalMs;

// ---- overdue and due dates ----

/** Reasons that belong to the current stage and end with it. */
export const STAGE_OVERDUE_REASONS: readonly OverdueReason[] = ['identity', 'screening', 'approval', 'handover', 'transfer_attempts', 'missing'];

/** The deadline of the stage a case is in, if it has one. */
export function stageDueAt(
  c: { status: string } & Pick<CaseView, 'identityDueAt' | 'screeningDueAt' | 'approvalDueAt' | 'handoverDueAt'>,
): string | null {
  switch (c.status) {
    case 'IDENTITY_PENDING':
      return c.identityDueAt;
    case 'SCREENING_PENDING':
      return c.screeningDueAt;
    case 'APPROVAL_PENDING':
      return c.approvalDueAt;
    case 'IN_TRANSFER':
      return c.handoverDueAt;
    default:
      return null;
  }
}

/** The earliest of the stage deadline, the consular deadline and (until decided) the custody limit. */
export function nextDueAt(c: CaseView): string | null {
  const dues = [stageDueAt(c), c.consularDueAt, isDecided(c) ? null : c.custodyDueAt].filter((d): d is string => !!d);
  return dues.length === 0 ? null : dues.reduce((a, b) => (a < b ? a : b));
}

// ---- each update's check ----

/** What the checks read: the case, and what the workflow keeps beside it. */
export interface CaseFacts {
  view: CaseView;
  openedBy: string;
  legalBasis: LegalBasis;
  custodyExtensionMaxMs: number;
  /** Transfers this case was reported missing from or failed on. */
  failedTransfers: readonly string[];
  /** Batches that left without this person (on hold at departure). */
  droppedFrom: readonly string[];
  /** The last time the person was recorded located after going missing. */
  lastLocated: { by: string; locatedAt: string } | null;
}

export const activeHolds = (c: Pick<CaseView, 'holds'>): HoldRecord[] => c.holds.filter((h) => h.endedAt === null);

function requireRole(actor: Actor, roles: Role[], what: string): void {
  if (!actor || !roles.includes(actor.role)) throw new Refusal(FAILURE.forbidden, `only a ${roles.join(' or ')} may ${what}`);
}
function requireHoldingCountry(c: CaseView, actor: Actor, roles: Role[], what: string): void {
  requireRole(actor, roles, what);
  if (actor.country !== c.holdingCountry) throw new Refusal(FAILURE.forbidden, `only ${roles.join(' or ')}s of ${c.holdingCountry} ${what}`);
}
function requireDestinationOfficer(c: CaseView, actor: Actor, what: string): void {
  requireRole(actor, ['officer'], what);
  if (!c.destinationCountry || actor.country !== c.destinationCountry) {
    throw new Refusal(FAILURE.forbidden, `only officers of the destination country ${what}`);
  }
}
function requireOpen(c: CaseView, what: string): void {
  if (isTerminal(c.status)) throw new Refusal(FAILURE.wrongStage, `the case is closed (${c.status}): cannot ${what}`);
}
const blank = (s: string | null | undefined) => !s?.trim();

/** The status as a refusal names it: a case closed by the holding country's safeguards is CLOSED to other countries (DESIGN.md §5). */
const statusShownTo = (c: CaseView, actor: Actor): string => (c.status === 'PROTECTION' && actor.country !== c.holdingCountry ? 'CLOSED' : c.status);

function stageRefusal(c: CaseView, expected: string, actor: Actor): Refusal {
  if (c.status === 'ON_HOLD') {
    // The kinds of holds are the holding country's to know (DESIGN.md §5): others see a legal review.
    const kinds =
      actor.country === c.holdingCountry ? [...new Set(activeHolds(c).map((h) => h.kind.replace('_', ' ')))].join(', ') : 'legal review';
    return new Refusal(FAILURE.wrongStage, `the case is on hold (${kinds}); ${expected}`);
  }
  return new Refusal(FAILURE.wrongStage, `${expected} (case is ${statusShownTo(c, actor)})`);
}

const onLeg = (c: CaseView, transferId: string, status: CaseStatus) => c.status === status && c.transferId === transferId;
const findHold = (c: CaseView, holdId: string) => c.holds.find((h) => h.holdId === holdId);

/**
 * A retried confirmation or mismatch, already applied: the same officer's same result (and, for a
 * mismatch, nationality) as the last one recorded (the mismatch may have moved the case to another
 * verifier). The workflow answers it as a repeat; so does the bulk route, from the store.
 */
export function verificationRepeats(
  c: { status: CaseStatus; identity: Pick<IdentityRecord, 'by' | 'result' | 'verifiedNationality'> | null },
  { actor, result, verifiedNationality }: Pick<VerifyIdentityInput, 'actor' | 'result' | 'verifiedNationality'>,
): boolean {
  const last = c.identity;
  const sameAsLast =
    last !== null && last.by === actor.sub && last.result === result && (result !== 'mismatch' || last.verifiedNationality === verifiedNationality);
  return sameAsLast && result !== 'inconclusive' && (c.status !== 'IDENTITY_PENDING' || result === 'mismatch');
}

export function checkVerifyIdentity({ view: c }: CaseFacts, input: VerifyIdentityInput): Verdict {
  const { actor, result, verifiedNationality } = input;
  requireRole(actor, ['officer'], 'verify identity');
  if (verificationRepeats(c, input)) return 'repeat';
  if (actor.country !== c.claimedNationality) {
    throw new Refusal(FAILURE.forbidden, `only officers of ${c.claimedNationality} verify this nationality`);
  }
  if (c.status !== 'IDENTITY_PENDING') throw stageRefusal(c, 'identity is not pending', actor);
  if (result === 'mismatch' && (!verifiedNationality || verifiedNationality === c.claimedNationality)) {
    throw new Refusal(FAILURE.invalid, 'a mismatch must name the nationality established, other than the one claimed');
  }
  if (result === 'confirmed' && verifiedNationality && verifiedNationality !== c.claimedNationality) {
    throw new Refusal(FAILURE.invalid, 'a confirmation must be of the claimed nationality; use mismatch otherwise');
  }
  return 'apply';
}

export function checkScreen({ view: c }: CaseFacts, { actor, indicators }: ScreenCaseInput): Verdict {
  requireHoldingCountry(c, actor, ['officer'], 'screen cases');
  const last = c.screening;
  if (last && last.by === actor.sub && [...last.indicators].sort().join() === [...indicators].sort().join()) return 'repeat';
  if (c.status !== 'SCREENING_PENDING') throw stageRefusal(c, 'screening is not pending', actor);
  return 'apply';
}

export function checkPlaceHold({ view: c }: CaseFacts, { actor, holdId, kind, reason }: PlaceHoldInput): Verdict {
  requireHoldingCountry(c, actor, ['officer', 'supervisor'], kind === 'protection_claim' ? 'record protection claims' : 'place holds');
  const existing = findHold(c, holdId);
  if (existing) {
    if (existing.kind === kind) return 'repeat';
    throw new Refusal(FAILURE.conflict, `hold ${holdId} exists already`);
  }
  if (!isHoldable(c.status)) {
    throw new Refusal(FAILURE.wrongStage, `a case ${c.status === 'IN_TRANSFER' ? 'in transfer' : `that is ${c.status}`} cannot be held`);
  }
  if (blank(reason)) throw new Refusal(FAILURE.invalid, 'a hold needs a reason');
  return 'apply';
}

export function checkLiftHold({ view: c }: CaseFacts, { actor, holdId }: LiftHoldInput): Verdict {
  requireHoldingCountry(c, actor, ['officer', 'supervisor'], 'lift holds');
  const hold = findHold(c, holdId);
  if (!hold) throw new Refusal(FAILURE.invalid, `no hold ${holdId} on this case`);
  if (hold.kind === 'protection_claim') throw new Refusal(FAILURE.invalid, 'a protection claim ends only with the outcome of its legal review');
  if (hold.endedAt !== null) return 'repeat';
  requireOpen(c, 'lift holds');
  return 'apply';
}

export function checkDecideProtectionClaim({ view: c }: CaseFacts, { actor, claimId, outcome, reason }: ProtectionClaimOutcomeInput): Verdict {
  requireHoldingCountry(c, actor, ['supervisor'], 'record the outcome of a protection claim');
  const claim = findHold(c, claimId);
  if (!claim || claim.kind !== 'protection_claim') throw new Refusal(FAILURE.invalid, `no protection claim ${claimId} on this case`);
  if (claim.endedAt !== null) {
    if (claim.outcome === outcome) return 'repeat';
    throw new Refusal(FAILURE.conflict, `the claim was already ${claim.outcome}`);
  }
  requireOpen(c, 'decide protection claims');
  if (blank(reason)) throw new Refusal(FAILURE.invalid, 'the outcome of a legal review needs a reason');
  return 'apply';
}

export function checkRecordConsularNotice({ view: c }: CaseFacts, { actor, notifiedAt, channel, accessRequested }: RecordConsularNoticeInput): Verdict {
  requireHoldingCountry(c, actor, ['officer', 'supervisor'], 'record consular notification');
  const notice = c.consularNotice;
  if (notice) {
    if (notice.notifiedAt === notifiedAt && notice.channel === channel && notice.accessRequested === accessRequested) return 'repeat';
    throw new Refusal(FAILURE.conflict, 'consular notification is already recorded');
  }
  requireOpen(c, 'record consular notification');
  return 'apply';
}

export function checkExtendCustody({ view: c, custodyExtensionMaxMs }: CaseFacts, { actor, days, reason }: ExtendCustodyInput): Verdict {
  requireHoldingCountry(c, actor, ['supervisor'], 'extend custody');
  const extension = c.custodyExtension;
  if (extension) {
    if (extension.days === days && extension.by === actor.sub) return 'repeat';
    throw new Refusal(FAILURE.conflict, 'custody has been extended once already; a second extension is not allowed');
  }
  requireOpen(c, 'extend custody');
  if (isDecided(c)) throw new Refusal(FAILURE.wrongStage, 'the case has its decision; the custody clock has stopped');
  const outOfRange = extensionRefusal(days, custodyExtensionMaxMs);
  if (outOfRange) throw new Refusal(FAILURE.invalid, outOfRange);
  if (blank(reason)) throw new Refusal(FAILURE.invalid, 'an extension needs a reason');
  return 'apply';
}

export function checkRecordCourtOrder({ view: c, legalBasis }: CaseFacts, { actor, reference }: RecordCourtOrderInput): Verdict {
  requireHoldingCountry(c, actor, ['officer', 'supervisor'], 'record court orders');
  if (legalBasis !== 'extradition') throw new Refusal(FAILURE.invalid, 'court orders are recorded for extradition cases');
  if (c.courtOrder) {
    if (c.courtOrder.reference === reference) return 'repeat';
    throw new Refusal(FAILURE.conflict, 'a court order is already recorded');
  }
  requireOpen(c, 'record court orders');
  return 'apply';
}

/** The side a supervisor decides on this case; refused when they are on neither. */
export function sideOf(c: CaseView, actor: Actor): DecisionSide {
  const side = decisionSide(actor.country, c);
  if (side) return side;
  if (!c.destinationCountry && actor.country === c.claimedNationality) {
    throw new Refusal(FAILURE.wrongStage, 'the destination side decides once nationality is verified');
  }
  throw new Refusal(FAILURE.forbidden, 'only supervisors of the holding or destination country decide this case');
}

export function checkDecision({ view: c, openedBy }: CaseFacts, { actor, decision, reason }: SubmitDecisionInput): Verdict {
  requireRole(actor, ['supervisor'], 'decide');
  const side = sideOf(c, actor);
  if (actor.sub === openedBy) throw new Refusal(FAILURE.forbidden, 'the officer who opened the case cannot decide it');
  const repeat = repeatOfDecision(side, c.decisions[side]?.decision, decision);
  if (repeat) return repeat;
  if (c.decisions[otherSide(side)]?.by === actor.sub) throw new Refusal(FAILURE.forbidden, 'the two sides are decided by different people');
  if (c.status !== 'APPROVAL_PENDING') throw stageRefusal(c, 'the case is not awaiting approval', actor);
  if (decision === 'reject' && blank(reason)) throw new Refusal(FAILURE.invalid, 'a rejection needs a reason');
  return 'apply';
}

export function checkCancel({ view: c }: CaseFacts, { actor, reason }: CancelCaseInput): Verdict {
  requireHoldingCountry(c, actor, ['supervisor'], 'cancel');
  if (c.status === 'CANCELLED') return 'repeat';
  requireOpen(c, 'cancel');
  if (blank(reason)) throw new Refusal(FAILURE.invalid, 'a cancellation needs a reason');
  return 'apply';
}

export function checkRelease({ view: c }: CaseFacts, { actor, reason }: CancelCaseInput): Verdict {
  requireHoldingCountry(c, actor, ['supervisor'], 'record a release');
  if (c.status === 'RELEASED') return 'repeat';
  requireOpen(c, 'release');
  if (c.status === 'MISSING') throw new Refusal(FAILURE.wrongStage, 'a missing person is not in custody: record them located, or cancel the case');
  if (!isReleasable(c.status)) throw new Refusal(FAILURE.wrongStage, 'a person in transfer is released at handover');
  if (blank(reason)) throw new Refusal(FAILURE.invalid, 'a release needs a reason');
  return 'apply';
}

export function checkAssignTransfer({ view: c }: CaseFacts, { actor, transferId, destinationCountry }: AssignTransferInput): Verdict {
  requireHoldingCountry(c, actor, ['officer'], 'schedule transfers');
  if (onLeg(c, transferId, 'TRANSFER_SCHEDULED')) return 'repeat';
  if (c.status !== 'APPROVED') throw stageRefusal(c, 'only approved cases are scheduled', actor);
  if (destinationCountry !== c.destinationCountry) {
    throw new Refusal(FAILURE.invalid, `the case goes to ${c.destinationCountry}, not ${destinationCountry}`);
  }
  return 'apply';
}

export function checkConfirmDeparture({ view: c, droppedFrom }: CaseFacts, { actor, transferId }: TransferLegInput): Verdict {
  requireHoldingCountry(c, actor, ['officer'], 'confirm departures');
  if (onLeg(c, transferId, 'IN_TRANSFER')) return 'repeat';
  // A held case on the flight is taken off it; it never departs.
  if (onLeg(c, transferId, 'TRANSFER_SCHEDULED') || onLeg(c, transferId, 'ON_HOLD')) return 'apply';
  if (droppedFrom.includes(transferId)) return 'repeat';
  throw new Refusal(FAILURE.wrongStage, `the case is not scheduled on this transfer (case is ${c.status})`);
}

const notInTransferOn = (c: CaseView, actor: Actor) =>
  new Refusal(FAILURE.wrongStage, `the case is not in transfer on this batch (case is ${statusShownTo(c, actor)})`);

export function checkConfirmHandover({ view: c }: CaseFacts, { actor, transferId }: TransferLegInput): Verdict {
  requireDestinationOfficer(c, actor, 'confirm handovers');
  if (onLeg(c, transferId, 'HANDED_OVER')) return 'repeat';
  if (!onLeg(c, transferId, 'IN_TRANSFER')) throw notInTransferOn(c, actor);
  return 'apply';
}

export function checkReportTransferFailure({ view: c, failedTransfers }: CaseFacts, { actor, transferId }: TransferLegInput): Verdict {
  requireDestinationOfficer(c, actor, 'report a person missing');
  if (failedTransfers.includes(transferId) && c.transferId !== transferId) return 'repeat';
  if (!onLeg(c, transferId, 'IN_TRANSFER')) throw notInTransferOn(c, actor);
  return 'apply';
}

/** A location is recorded by the holding country, once per finding; the same report again is a repeat. */
export function checkRecordLocated(
  { view: c, lastLocated }: CaseFacts,
  { actor, locatedAt, place }: RecordLocatedInput,
): Verdict {
  requireHoldingCountry(c, actor, ['officer', 'supervisor'], 'record a missing person located');
  if (lastLocated && lastLocated.by === actor.sub && lastLocated.locatedAt === locatedAt && c.status !== 'MISSING') return 'repeat';
  if (c.status !== 'MISSING') throw stageRefusal(c, 'the person is not missing', actor);
  if (blank(place)) throw new Refusal(FAILURE.invalid, 'say where the person was found');
  return 'apply';
}
