// The contract between the workflows and everything that talks to them (API, activities, tests).
// Importing this file never pulls workflow internals.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { custodyDueFrom } from './case-rules.js';

// The rules and failure types live in a module with no SDK import, so the API and the console share them.
export { FAILURE, STAGE_OVERDUE_REASONS, TERMINAL_STATUSES, isTerminal, type FailureType } from './case-rules.js';
import type { FailureType } from './case-rules.js';

export const TASK_QUEUE = 'repatriation-cases';

/** Workflow type names, as the worker registers them (the exported function names). */
export const CASE_WORKFLOW_TYPE = 'repatriationCaseWorkflow';
export const TRANSFER_WORKFLOW_TYPE = 'transferBatchWorkflow';

export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;
export const transferWorkflowId = (transferId: string): string => `transfer-${transferId}`;

export const PARTICIPATING_COUNTRIES = ['CN', 'KH', 'LA', 'MM', 'TH', 'VN'] as const;
export type ParticipatingCountry = (typeof PARTICIPATING_COUNTRIES)[number];

export const ROLES = ['officer', 'supervisor', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who did something: taken from the verified token, never from a request body. */
export interface Actor {
  sub: string;
  name?: string;
  role: Role;
  country: string;
}

export const CASE_STATUSES = [
  'IDENTITY_PENDING',
  'SCREENING_PENDING',
  'APPROVAL_PENDING',
  'APPROVED',
  'TRANSFER_SCHEDULED',
  'IN_TRANSFER',
  'TRANSFER_FAILED',
  /** Left the holding country and did not arrive: in no one's custody, never on a transfer. */
  'MISSING',
  'ON_HOLD',
  'HANDED_OVER',
  'REJECTED',
  'REFERRED',
  'PROTECTION',
  'CANCELLED',
  'RELEASED',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const LEGAL_BASES = ['deportation', 'extradition', 'voluntary_return'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export interface PersonDocument {
  type: string;
  number: string;
  issuingCountry: string;
}

export const SEXES = ['M', 'F', 'X'] as const;
export type Sex = (typeof SEXES)[number];

export interface Person {
  fullName: string;
  dateOfBirth?: string;
  sex?: Sex;
  claimedNationality: string;
  documents: PersonDocument[];
}

export interface Arrest {
  at: string;
  place: string;
  allegations: string[];
}

/** Signs that a person was trafficked into the compound: any one diverts the case to protection. */
export const TRAFFICKING_INDICATORS = [
  'deceptive_recruitment',
  'confiscated_documents',
  'debt_bondage',
  'restricted_movement',
  'violence_or_threats',
  'minor',
] as const;
export type TraffickingIndicator = (typeof TRAFFICKING_INDICATORS)[number];

export interface ConsularNotice {
  notifiedAt: string;
  channel: string;
  accessRequested: boolean;
}

/** What a case officer records at intake. */
export interface CaseIntake {
  externalRef: string;
  holdingCountry: string;
  operationId: string | null;
  legalBasis: LegalBasis;
  person: Person;
  arrest: Arrest;
  /** Indicators already seen at intake (the screening step adds to them). */
  indicators?: TraffickingIndicator[];
  /** The destination country's consular post, if already notified. */
  consularNotice?: ConsularNotice | null;
}

/** Deadlines and limits of one case; workflow inputs so tests (and operations) can shorten them. */
export interface CaseTimings {
  identityMs: number;
  screeningMs: number;
  approvalMs: number;
  handoverMs: number;
  /** Consular notification of the destination country, from intake. */
  consularMs: number;
  /** From arrest to a decision (the operation's limit, 60 days by default). */
  custodyMs: number;
  /** The one extension a supervisor may grant. */
  custodyExtensionMaxMs: number;
  /** How often an exceeded custody limit escalates again. */
  custodyEscalationIntervalMs: number;
  /** How often a breached deadline escalates again. */
  escalationIntervalMs: number;
  /** Failed transfer attempts after which the case escalates. */
  maxTransferAttempts: number;
}

const DAY_MS = 24 * 3600_000;
export const DEFAULT_TIMINGS: CaseTimings = {
  identityMs: 7 * DAY_MS,
  screeningMs: 3 * DAY_MS,
  approvalMs: 5 * DAY_MS,
  handoverMs: 3 * DAY_MS,
  consularMs: DAY_MS,
  custodyMs: 60 * DAY_MS,
  custodyExtensionMaxMs: 30 * DAY_MS,
  custodyEscalationIntervalMs: DAY_MS,
  escalationIntervalMs: 48 * 3600_000,
  maxTransferAttempts: 3,
};

export interface CaseWorkflowInput {
  caseId: string;
  intake: CaseIntake;
  openedBy: Actor;
  openedAt: string;
  /** Countries whose officers take part (the operation's, or all six): who can re-verify nationality. */
  participatingCountries: string[];
  timings: CaseTimings;
}

export const DECISION_SIDES = ['holding', 'destination'] as const;
export type DecisionSide = (typeof DECISION_SIDES)[number];
export const DECISION_VALUES = ['approve', 'reject'] as const;
export type DecisionValue = (typeof DECISION_VALUES)[number];
export const IDENTITY_RESULTS = ['confirmed', 'mismatch', 'inconclusive'] as const;
export type IdentityResult = (typeof IDENTITY_RESULTS)[number];
export const IDENTITY_METHODS = ['biometric', 'document', 'registry'] as const;
export type IdentityMethod = (typeof IDENTITY_METHODS)[number];
export const OVERDUE_REASONS = ['identity', 'screening', 'approval', 'handover', 'transfer_attempts', 'missing', 'custody', 'consular'] as const;
export type OverdueReason = (typeof OVERDUE_REASONS)[number];

export const HOLD_KINDS = ['medical', 'legal', 'protection_claim'] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];
/** The holds a user places and lifts; a protection claim is lodged and decided. */
export const PLACEABLE_HOLD_KINDS = ['medical', 'legal'] as const satisfies readonly HoldKind[];
export const HOLD_OUTCOMES = ['lifted', 'upheld', 'dismissed'] as const;
export type HoldOutcome = (typeof HOLD_OUTCOMES)[number];
/** The outcomes of a protection claim's legal review. */
export const CLAIM_OUTCOMES = ['upheld', 'dismissed'] as const satisfies readonly HoldOutcome[];
export type ClaimOutcome = (typeof CLAIM_OUTCOMES)[number];

/** A hold keeps the case ON_HOLD until lifted; a protection claim until its legal review decides. */
export interface HoldRecord {
  holdId: string;
  kind: HoldKind;
  reason: string;
  until: string | null;
  placedBy: string;
  placedAt: string;
  /** The status the case returns to when its last hold ends. */
  resumeStatus: CaseStatus;
  endedAt: string | null;
  endedBy: string | null;
  /** lifted (medical, legal); upheld or dismissed (protection claims) */
  outcome: HoldOutcome | null;
  outcomeReason: string | null;
}

export interface ScreeningRecord {
  indicators: TraffickingIndicator[];
  notes: string | null;
  by: string;
  at: string;
}

export interface CourtOrder {
  reference: string;
  court: string;
  issuedAt: string;
  recordedBy: string;
  at: string;
}

export interface CustodyExtension {
  days: number;
  reason: string;
  by: string;
  at: string;
}

export interface DecisionRecord {
  decision: DecisionValue;
  reason: string | null;
  by: string;
  byName: string | null;
  country: string;
  at: string;
}

export interface IdentityRecord {
  result: IdentityResult;
  claimedNationality: string;
  verifiedNationality: string | null;
  method: IdentityMethod;
  evidenceRef: string | null;
  notes: string | null;
  by: string;
  at: string;
}

/** The part of a case's live state that the case store mirrors. */
export interface CaseSnapshot {
  status: CaseStatus;
  claimedNationality: string;
  destinationCountry: string | null;
  transferId: string | null;
  transferAttempts: number;
  overdue: boolean;
  overdueReasons: OverdueReason[];
  overdueSince: string | null;
  escalations: number;
  identityDueAt: string | null;
  screeningDueAt: string | null;
  approvalDueAt: string | null;
  handoverDueAt: string | null;
  consularDueAt: string | null;
  /** Arrest + the custody limit + an extension + time on medical or legal holds; null once decided. */
  custodyDueAt: string | null;
  /** While ON_HOLD: the status the case returns to. */
  holdResumeStatus: CaseStatus | null;
  /** A referred case: the country whose embassy takes it. */
  referredTo: string | null;
  /** An extradition approved by both sides, waiting for the court order to complete. */
  awaitingCourtOrder: boolean;
  updatedAt: string;
}

export interface CaseView extends CaseSnapshot {
  caseId: string;
  holdingCountry: string;
  identity: IdentityRecord | null;
  decisions: Record<DecisionSide, DecisionRecord | null>;
  screening: ScreeningRecord | null;
  holds: HoldRecord[];
  consularNotice: ConsularNotice | null;
  courtOrder: CourtOrder | null;
  custodyExtension: CustodyExtension | null;
}

// ---- updates: each answers the caller at once; validators reject without touching history ----

export interface CaseUpdateResult {
  caseId: string;
  status: CaseStatus;
  /** false when the request repeated something already recorded. */
  changed: boolean;
}

export interface VerifyIdentityInput {
  actor: Actor;
  result: IdentityResult;
  verifiedNationality?: string | null;
  method: IdentityMethod;
  evidenceRef?: string | null;
  notes?: string | null;
}

export interface SubmitDecisionInput {
  actor: Actor;
  decision: DecisionValue;
  reason?: string | null;
}

export interface DecisionResult extends CaseUpdateResult {
  side: DecisionSide;
}

export interface CancelCaseInput {
  actor: Actor;
  reason: string;
}

export interface AssignTransferInput {
  actor: Actor;
  transferId: string;
  destinationCountry: string;
  scheduledAt: string;
}

export interface TransferLegInput {
  actor: Actor;
  transferId: string;
}

export interface ReportTransferFailureInput extends TransferLegInput {
  reason: string;
}

/** The holding country has the person back in custody: who found them, when and where. */
export interface RecordLocatedInput {
  actor: Actor;
  locatedAt: string;
  place: string;
  notes?: string | null;
}

export interface ScreenCaseInput {
  actor: Actor;
  indicators: TraffickingIndicator[];
  protectionClaim?: { grounds: string } | null;
  notes?: string | null;
  /** Id for the protection claim, when one is lodged with the screening. */
  claimId?: string;
}

export interface PlaceHoldInput {
  actor: Actor;
  holdId: string;
  kind: HoldKind;
  reason: string;
  until?: string | null;
  /** When the person lodged a protection claim, if before it was recorded. */
  lodgedAt?: string | null;
}

export interface LiftHoldInput {
  actor: Actor;
  holdId: string;
  reason?: string | null;
}

export interface ProtectionClaimOutcomeInput {
  actor: Actor;
  claimId: string;
  outcome: ClaimOutcome;
  reason: string;
}

export interface RecordConsularNoticeInput extends ConsularNotice {
  actor: Actor;
}

export interface ExtendCustodyInput {
  actor: Actor;
  days: number;
  reason: string;
}

export interface RecordCourtOrderInput {
  actor: Actor;
  reference: string;
  court: string;
  issuedAt: string;
}

export const screenCaseUpdate = defineUpdate<CaseUpdateResult, [ScreenCaseInput]>('screenCase');
export const placeHoldUpdate = defineUpdate<CaseUpdateResult, [PlaceHoldInput]>('placeHold');
export const liftHoldUpdate = defineUpdate<CaseUpdateResult, [LiftHoldInput]>('liftHold');
export const decideProtectionClaimUpdate = defineUpdate<CaseUpdateResult, [ProtectionClaimOutcomeInput]>(
  'decideProtectionClaim',
);
export const recordConsularNoticeUpdate = defineUpdate<CaseUpdateResult, [RecordConsularNoticeInput]>(
  'recordConsularNotice',
);
export const extendCustodyUpdate = defineUpdate<CaseUpdateResult, [ExtendCustodyInput]>('extendCustody');
export const releaseCaseUpdate = defineUpdate<CaseUpdateResult, [CancelCaseInput]>('releaseCase');
export const recordCourtOrderUpdate = defineUpdate<CaseUpdateResult, [RecordCourtOrderInput]>('recordCourtOrder');

export const verifyIdentityUpdate = defineUpdate<CaseUpdateResult, [VerifyIdentityInput]>('verifyIdentity');
export const submitDecisionUpdate = defineUpdate<DecisionResult, [SubmitDecisionInput]>('submitDecision');
export const cancelCaseUpdate = defineUpdate<CaseUpdateResult, [CancelCaseInput]>('cancelCase');
export const assignTransferUpdate = defineUpdate<CaseUpdateResult, [AssignTransferInput]>('assignTransfer');
export const confirmDepartureUpdate = defineUpdate<CaseUpdateResult, [TransferLegInput]>('confirmDeparture');
export const confirmHandoverUpdate = defineUpdate<CaseUpdateResult, [TransferLegInput]>('confirmHandover');
export const reportTransferFailureUpdate = defineUpdate<CaseUpdateResult, [ReportTransferFailureInput]>(
  'reportTransferFailure',
);
export const recordPersonLocatedUpdate = defineUpdate<CaseUpdateResult, [RecordLocatedInput]>('recordPersonLocated');
export const caseStateQuery = defineQuery<CaseView>('caseState');

// ---- transfer batches ----

export const TRANSFER_MODES = ['charter_flight', 'commercial_flight', 'land_border'] as const;
export type TransferMode = (typeof TRANSFER_MODES)[number];
export const TRANSFER_STATUSES = ['SCHEDULED', 'DEPARTED', 'COMPLETED'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];
/** Where one case stands within one batch. */
export const TRANSFER_LEG_OUTCOMES = ['scheduled', 'departed', 'dropped', 'handed_over', 'failed'] as const;
export type TransferLegOutcome = (typeof TRANSFER_LEG_OUTCOMES)[number];

export interface TransferWorkflowInput {
  transferId: string;
  holdingCountry: string;
  destinationCountry: string;
  mode: TransferMode;
  from: string;
  to: string;
  scheduledAt: string;
  capacity: number;
  createdBy: Actor;
  createdAt: string;
}

/** Why one case of a batch was not moved (ITEM_FAILURE); the API answers it with the contract's code. */
export interface ItemFailure {
  type: ItemFailureType;
  message: string;
}

export interface TransferCaseResult {
  caseId: string;
  accepted: boolean;
  error?: ItemFailure;
}

export interface CaseOperationResult {
  caseId: string;
  ok: boolean;
  status?: CaseStatus;
  error?: ItemFailure;
}

export interface AddTransferCasesInput {
  actor: Actor;
  caseIds: string[];
}

export interface AddTransferCasesResult {
  transferId: string;
  status: TransferStatus;
  cases: TransferCaseResult[];
}

export interface TransferHandoverInput {
  actor: Actor;
  receivedCaseIds: string[];
  missingCaseIds: string[];
}

export interface TransferOperationResult {
  transferId: string;
  status: TransferStatus;
  results: CaseOperationResult[];
}

export interface CaseLegOutcomeSignal {
  caseId: string;
  outcome: TransferLegOutcome;
}

export interface TransferView {
  transferId: string;
  status: TransferStatus;
  legs: Record<string, TransferLegOutcome>;
}

export const addTransferCasesUpdate = defineUpdate<AddTransferCasesResult, [AddTransferCasesInput]>(
  'addTransferCases',
);
export const departTransferUpdate = defineUpdate<TransferOperationResult, [{ actor: Actor }]>('departTransfer');
export const handoverTransferUpdate = defineUpdate<TransferOperationResult, [TransferHandoverInput]>(
  'handoverTransfer',
);
export const caseLegOutcomeSignal = defineSignal<[CaseLegOutcomeSignal]>('caseLegOutcome');
export const transferStateQuery = defineQuery<TransferView>('transferState');

// ---- failures: the `type` of every ApplicationFailure a handler or validator throws ----

/** Why one case of a batch's fan-out was not moved, where its workflow did not refuse it (FAILURE). */
export const FANOUT_FAILURE = {
  refused: 'Refused', // a refusal of a type outside FAILURE
  closed: 'CaseClosed',
  notFound: 'NotFound', // or not a case of the batch's holding country
  batchFull: 'BatchFull',
  notBoarding: 'NotBoarding', // at departure: held, or off the batch
  notOnTransfer: 'NotOnTransfer', // at handover: did not depart on this batch
} as const;
export type ItemFailureType = FailureType | (typeof FANOUT_FAILURE)[keyof typeof FANOUT_FAILURE];

// ---- search attributes: non-personal keys only ----

export const SA = {
  status: defineSearchAttributeKey('CaseStatus', SearchAttributeType.KEYWORD),
  holdingCountry: defineSearchAttributeKey('HoldingCountry', SearchAttributeType.KEYWORD),
  destinationCountry: defineSearchAttributeKey('DestinationCountry', SearchAttributeType.KEYWORD),
  operationId: defineSearchAttributeKey('OperationId', SearchAttributeType.KEYWORD),
  overdue: defineSearchAttributeKey('CaseOverdue', SearchAttributeType.BOOL),
  nextDueAt: defineSearchAttributeKey('CaseNextDueAt', SearchAttributeType.DATETIME),
} as const;

/** Name and type of each search attribute, for registration (`temporal operator search-attribute create`). */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword' | 'Bool' | 'Datetime'> = {
  CaseStatus: 'Keyword',
  HoldingCountry: 'Keyword',
  DestinationCountry: 'Keyword',
  OperationId: 'Keyword',
  CaseOverdue: 'Bool',
  CaseNextDueAt: 'Datetime',
};

/** A case's state the moment it is opened; the workflow and the intake writer both start from it. */
export function initialCaseSnapshot(input: CaseWorkflowInput): CaseSnapshot {
  const after = (from: string, ms: number) => new Date(Date.parse(from) + ms).toISOString();
  return {
    status: 'IDENTITY_PENDING',
    claimedNationality: input.intake.person.claimedNationality,
    destinationCountry: null,
    transferId: null,
    transferAttempts: 0,
    overdue: false,
    overdueReasons: [],
    overdueSince: null,
    escalations: 0,
    identityDueAt: after(input.openedAt, input.timings.identityMs),
    screeningDueAt: null,
    approvalDueAt: null,
    handoverDueAt: null,
    consularDueAt: input.intake.consularNotice ? null : after(input.openedAt, input.timings.consularMs),
    custodyDueAt: custodyDueFrom(input.intake.arrest.at, input.timings.custodyMs),
    holdResumeStatus: null,
    referredTo: null,
    awaitingCourtOrder: false,
    updatedAt: input.openedAt,
  };
}

/** Under 18 on the day of arrest, from the recorded date of birth. */
export function isMinorAtArrest(person: Person, arrestedAt: string): boolean {
  if (!person.dateOfBirth) return false;
  const birth = new Date(`${person.dateOfBirth}T00:00:00Z`);
  const arrest = new Date(arrestedAt);
  const eighteenth = Date.UTC(birth.getUTCFullYear() + 18, birth.getUTCMonth(), birth.getUTCDate());
  return arrest.getTime() < eighteenth;
}

// ---- joint investigation teams (workflows/team.ts) ----

export const TEAM_WORKFLOW_TYPE = 'teamWorkflow';
export const teamWorkflowId = (teamId: string): string => `team-${teamId}`;

export interface TeamWorkflowInput {
  teamId: string;
  /** The team's last valid day (YYYY-MM-DD, UTC): it expires when that day is over. */
  validUntil: string;
}

/** The instant a team whose last valid day is `validUntil` expires: the next UTC midnight. */
export const teamExpiresAt = (validUntil: string): number => Date.parse(`${validUntil}T00:00:00Z`) + 86_400_000;

// ---- release requests (workflows/release-request.ts) ----

export const RELEASE_REQUEST_WORKFLOW_TYPE = 'releaseRequestWorkflow';
export const releaseRequestWorkflowId = (requestId: string): string => `release-request-${requestId}`;
/** How long the originator has to decide, unless the request says otherwise. */
export const RELEASE_REQUEST_DEFAULT_DAYS = 14;

export type ReleaseRequestStatus = 'pending' | 'consented' | 'refused' | 'lapsed';

export interface ReleaseRequestWorkflowInput {
  requestId: string;
  teamId: string;
  recordKind: 'entity' | 'link';
  recordId: string;
  originCountry: string;
  requesterCountry: string;
  /** When the request lapses undecided (ISO instant). */
  deadlineAt: string;
}

export interface DecideReleaseRequestInput {
  actor: Actor;
  decision: 'consent' | 'refuse';
}

/** The originator's decision: only a supervisor of the originating country, only while pending. */
export const decideReleaseRequestUpdate = defineUpdate<{ status: ReleaseRequestStatus }, [DecideReleaseRequestInput]>('decideReleaseRequest');

/** What the request's workflow writes to the store when it ends. */
export interface ReleaseRequestOutcome {
  requestId: string;
  status: Exclude<ReleaseRequestStatus, 'pending'>;
  decidedBy: Actor | null;
  at: string;
}

// ---- webhook subscriptions (workflows/webhook.ts) ----

export const WEBHOOK_WORKFLOW_TYPE = 'webhookSubscriptionWorkflow';
export const webhookWorkflowId = (subscriptionId: string): string => `webhook-${subscriptionId}`;

/** How a subscription's deliveries are paced; workflow input, so tests can shorten them. */
export interface WebhookTimings {
  /** Attempts at one delivery (with exponential backoff) before the subscription pauses. */
  maxAttempts: number;
  /** The first retry's wait; each next one doubles, up to maxRetryIntervalMs. */
  initialRetryMs: number;
  maxRetryIntervalMs: number;
  /** The fallback poll when no wake-up signal came. */
  pollIntervalMs: number;
}

export const DEFAULT_WEBHOOK_TIMINGS: WebhookTimings = {
  maxAttempts: 8,
  initialRetryMs: 2_000,
  maxRetryIntervalMs: 10 * 60_000,
  pollIntervalMs: 60_000,
};

export interface WebhookWorkflowInput {
  subscriptionId: string;
  timings: WebhookTimings;
}

/** A team change was written, or the subscription was resumed or deleted: look at the store now. */
export const webhookWakeSignal = defineSignal('webhookWake');

/** What one delivery round found: more to send now, nothing left, or a subscription not to serve. */
export type WebhookRound = { state: 'more' | 'idle' | 'paused' | 'deleted' };
