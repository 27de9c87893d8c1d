// Every type of case timeline event, once, with the shape of its data. The workflow's `commit`, the
// store's intake writes, the API's event schemas and the console's labels are all typed by this
// catalogue, so a new event fails the build wherever it must be handled. The workflow imports it
// as types only (zod stays out of the workflow bundle).
import { z } from 'zod';
import {
  CASE_STATUSES,
  DECISION_SIDES,
  DECISION_VALUES,
  HOLD_KINDS,
  HOLD_OUTCOMES,
  IDENTITY_METHODS,
  LEGAL_BASES,
  TRAFFICKING_INDICATORS,
} from './definitions.js';

// Loose objects: an answer may carry fields a later version adds; the document names those known.
const data = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);
const at = z.string().describe('ISO 8601 date-time (UTC)');
const identity = { method: z.enum(IDENTITY_METHODS), claimed: z.string(), verified: z.string().nullable() };
const decision = { side: z.enum(DECISION_SIDES), decision: z.enum(DECISION_VALUES) };
const holdEnded = { holdId: z.string(), kind: z.enum(HOLD_KINDS), outcome: z.enum(HOLD_OUTCOMES) };
const holdStarted = data({
  holdId: z.string(),
  kind: z.enum(HOLD_KINDS),
  until: at.nullable(),
  resumeStatus: z.enum(CASE_STATUSES),
  lodgedAt: at.optional(),
});
const overdue = data({
  escalation: z.number().int(),
  dueAt: at,
  pendingSides: z.array(z.enum(DECISION_SIDES)).optional().describe('approval: the sides yet to decide'),
  awaitingCourtOrder: z.literal(true).optional(),
});
const leg = data({ transferId: z.string() });
const none = z.null();

/** Type → data shape of every case event. */
export const CASE_EVENTS = {
  // written by the store at intake (db/intake.ts)
  CASE_OPENED: data({ externalRef: z.string(), operationId: z.string().nullable(), legalBasis: z.enum(LEGAL_BASES) }),
  POSSIBLE_DUPLICATE_PERSON: data({ otherCaseId: z.string() }),
  // identity
  IDENTITY_CONFIRMED: data(identity),
  IDENTITY_INCONCLUSIVE: data(identity),
  IDENTITY_REVERIFICATION_REQUESTED: data(identity),
  IDENTITY_OVERDUE: overdue,
  REFERRED: data({ ...identity, method: identity.method.optional(), claimed: z.string().optional(), verified: identity.verified.optional(), embassyOf: z.string() }),
  // safeguards
  SCREENED: data({ indicators: z.array(z.enum(TRAFFICKING_INDICATORS)) }),
  SCREENING_OVERDUE: overdue,
  PROTECTION_REFERRAL: data({ indicators: z.array(z.enum(TRAFFICKING_INDICATORS)) }),
  PROTECTION_CLAIM_LODGED: holdStarted,
  PROTECTION_CLAIM_UPHELD: data(holdEnded),
  PROTECTION_CLAIM_DISMISSED: data(holdEnded),
  HOLD_PLACED: holdStarted,
  HOLD_LIFTED: data(holdEnded),
  /** Only in the restricted view: a case closed by the holding country's safeguards (lib/need-to-know.ts). */
  CASE_CLOSED: none,
  CONSULAR_NOTICE_RECORDED: data({ notifiedAt: at, channel: z.string(), accessRequested: z.boolean(), consulateOf: z.string() }),
  CONSULAR_NOTICE_OVERDUE: data({ escalation: z.number().int(), dueAt: at.nullable() }),
  CUSTODY_EXTENDED: data({ days: z.number().int(), custodyDueAt: at.nullable() }),
  CUSTODY_LIMIT_EXCEEDED: data({ escalation: z.number().int(), custodyDueAt: at, extended: z.boolean() }),
  COURT_ORDER_RECORDED: data({ reference: z.string(), court: z.string(), issuedAt: at }),
  // approval
  DECISION_RECORDED: data({ ...decision, awaitingCourtOrder: z.literal(true).optional() }),
  APPROVED: data(decision),
  APPROVAL_OVERDUE: overdue,
  REJECTED: data(decision),
  // ending early
  CANCELLED: none,
  RELEASED: data({ custodyDueAt: at.nullable() }),
  // transfer
  TRANSFER_SCHEDULED: data({ transferId: z.string(), scheduledAt: at, attempt: z.number().int() }),
  DEPARTED: leg,
  DROPPED_FROM_TRANSFER: data({ transferId: z.string(), holds: z.array(z.enum(HOLD_KINDS)) }),
  HANDED_OVER: leg,
  TRANSFER_FAILED: data({ transferId: z.string(), attempt: z.number().int(), cause: z.string() }),
  RETURNED_FOR_RESCHEDULING: data({ attempts: z.number().int() }),
  PERSON_MISSING: data({ transferId: z.string(), cause: z.string(), attempts: z.number().int() }),
  PERSON_LOCATED: data({ locatedAt: at, place: z.string(), attempts: z.number().int() }),
  TRANSFER_ATTEMPTS_ESCALATED: data({ attempts: z.number().int(), limit: z.number().int() }),
} as const satisfies Record<string, z.ZodType>;

export type CaseEventType = keyof typeof CASE_EVENTS;
export const CASE_EVENT_TYPES = Object.keys(CASE_EVENTS) as CaseEventType[];
export type CaseEventData<T extends CaseEventType> = z.input<(typeof CASE_EVENTS)[T]>;

/** Events the store writes itself, and the one only the restricted view shows: never the workflow's. */
type NotRecordedByTheWorkflow = 'CASE_OPENED' | 'POSSIBLE_DUPLICATE_PERSON' | 'CASE_CLOSED';
/** The events the case workflow records. */
export type WorkflowEventType = Exclude<CaseEventType, NotRecordedByTheWorkflow>;

export const isCaseEventType = (type: string): type is CaseEventType => Object.hasOwn(CASE_EVENTS, type);
