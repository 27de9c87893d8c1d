// The HTTP contract as zod schemas: requests are validated with them, responses are built to
// them, and the OpenAPI document is generated from them.
import { z } from 'zod';
import { NEUTRAL_HOLD_KIND, VIEW_STATUSES } from '../lib/need-to-know.js';
import {
  CLAIM_OUTCOMES,
  DECISION_VALUES,
  HOLD_KINDS,
  HOLD_OUTCOMES,
  IDENTITY_METHODS,
  IDENTITY_RESULTS,
  LEGAL_BASES,
  OVERDUE_REASONS,
  PARTICIPATING_COUNTRIES,
  PLACEABLE_HOLD_KINDS,
  ROLES,
  SEXES,
  TRAFFICKING_INDICATORS,
  TRANSFER_LEG_OUTCOMES,
  TRANSFER_MODES,
  TRANSFER_STATUSES,
} from '../workflows/definitions.js';
import { CASE_EVENTS, CASE_EVENT_TYPES, type CaseEventType } from '../workflows/events.js';

export const Country = z.enum(PARTICIPATING_COUNTRIES).describe('ISO 3166-1 alpha-2 code of a participating country');
/** Any ISO 3166-1 alpha-2 code: people in the compounds come from many more countries. */
export const AnyCountry = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code');
/** A case's status as the caller sees it: the workflow's, or CLOSED (need-to-know, lib/need-to-know.ts). */
export const CaseStatus = z.enum(VIEW_STATUSES);
export const Role = z.enum(ROLES);
export const Id = z.uuid();
// Lengths are checked before trimming and blankness as a pattern, so that the OpenAPI document
// (maxLength, minLength, pattern) says exactly what is accepted.
/** A string PostgreSQL can store: text columns cannot hold the NUL character. */
export const storable = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000]*$/, 'must not contain the NUL character')
    // A lone surrogate (a JSON "\ud800" escape) would be stored as U+FFFD: refused, not altered.
    .refine((s) => !/\p{Cs}/u.test(s), 'must be well-formed Unicode (no lone surrogate)');
// One pattern for "not blank" (and no NUL), so that generators of the document need not filter.
export const text = (max: number) =>
  storable(max)
    .trim()
    .min(1)
    .regex(/^\s*[^\s\u0000][^\u0000]*$/, 'must not be blank');
export const optionalText = (max: number) => storable(max).trim().nullable().optional();
/** Years the case store and every client can represent; far past and far future are typing errors. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2199;
const YEAR_RANGE = /^(19|2[01])\d\d-/;
const yearMessage = `a year from ${MIN_YEAR} to ${MAX_YEAR}`;
const DateTime = z.iso.datetime({ offset: true }).regex(YEAR_RANGE, yearMessage);
export const IsoDate = z.iso.date().regex(YEAR_RANGE, yearMessage);
export const Timestamp = z.string().describe('ISO 8601 date-time (UTC)');

// ---- errors ----

export const ErrorBody = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

// ---- operations ----

export const CreateOperationBody = z
  .strictObject({
    id: Id.optional().describe(
      'an id chosen by the client (a UUID): the same request sent again, after an answer was lost, opens no second operation',
    ),
    name: text(200),
    leadCountry: Country,
    participatingCountries: z.array(Country).min(1).max(PARTICIPATING_COUNTRIES.length),
    startedOn: IsoDate.nullable().optional(),
    description: optionalText(4000),
    custodyLimitDays: z.number().int().min(1).max(365).nullable().optional().describe('days from arrest to a decision (default 60)'),
  })
  .refine((b) => b.participatingCountries.includes(b.leadCountry), {
    message: 'the lead country must be one of the participating countries',
    path: ['participatingCountries'],
  })
  // The same rule, for the OpenAPI document: one branch per possible lead country.
  .meta({
    anyOf: PARTICIPATING_COUNTRIES.map((c) => ({
      properties: { leadCountry: { const: c }, participatingCountries: { contains: { const: c } } },
    })),
  });

export const Operation = z.strictObject({
  id: Id,
  name: z.string(),
  leadCountry: z.string(),
  participatingCountries: z.array(z.string()),
  startedOn: z.string().nullable(),
  description: z.string().nullable(),
  custodyLimitDays: z.number().int().nullable(),
  createdBy: z.string(),
  createdAt: Timestamp,
});

const StatusCounts = z.record(z.string(), z.number().int());

export const OperationDetail = Operation.extend({
  caseCounts: z.strictObject({ total: z.number().int(), byStatus: StatusCounts }),
});

export const Page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export const OperationList = z.strictObject({ items: z.array(Operation), nextCursor: z.string().nullable() });

// ---- intake ----

export const PersonDocument = z.strictObject({
  type: text(40),
  number: text(64),
  issuingCountry: AnyCountry,
});

export const Person = z.strictObject({
  fullName: text(300),
  dateOfBirth: IsoDate.nullable().optional(),
  sex: z.enum(SEXES).nullable().optional(),
  claimedNationality: AnyCountry,
  documents: z.array(PersonDocument).max(20).default([]),
});

export const Arrest = z.strictObject({
  at: DateTime,
  place: text(500),
  allegations: z.array(text(100)).max(50).default([]),
});

export const Indicator = z.enum(TRAFFICKING_INDICATORS);
const Indicators = z
  .array(Indicator)
  .max(TRAFFICKING_INDICATORS.length)
  .refine((list) => new Set(list).size === list.length, 'indicators are listed once each')
  .meta({ uniqueItems: true });

export const ConsularNoticeBody = z.strictObject({
  notifiedAt: DateTime,
  channel: text(100).describe('how the consulate was notified, e.g. diplomatic note, email, phone'),
  accessRequested: z.boolean().describe('whether the person asked for consular access'),
});

export const CaseIntake = z.strictObject({
  externalRef: text(100),
  holdingCountry: Country,
  operationId: Id.nullable().optional(),
  legalBasis: z.enum(LEGAL_BASES).default('deportation'),
  person: Person,
  arrest: Arrest,
  indicators: Indicators.optional().describe('trafficking indicators already seen at intake: any one diverts the case to protection'),
  consularNotice: ConsularNoticeBody.nullable().optional().describe('the destination consulate, if already notified'),
});
export type CaseIntakeBody = z.output<typeof CaseIntake>;

export const MAX_BULK = 5000;
export const BulkIntakeBody = z.strictObject({
  cases: z
    .array(z.unknown())
    .min(1)
    .max(MAX_BULK)
    .describe(`up to ${MAX_BULK} items, each shaped like the body of POST /v1/cases (operationId may be omitted)`),
});

const ItemError = z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() });

const RowProblem = z.strictObject({
  row: z.number().int(),
  column: z.string().nullable(),
  field: z.string().nullable(),
  message: z.string(),
});

/** What a raid list (CSV, XLSX) adds to the answer: how its columns were read, and the problems row by row. */
export const RaidListReport = {
  dryRun: z.boolean(),
  rows: z.number().int().describe('data rows read (empty rows are skipped)'),
  headers: z.array(z.string()),
  mapping: z.record(z.string(), z.string()).describe('field → header, as used'),
  proposed: z.boolean().describe('true when the mapping was proposed from the headers (no column.* given)'),
  report: z
    .array(RowProblem)
    .describe('one entry per problem (row number, column, field, the problem in words); rows that fail are not imported, the others are'),
};

export const BulkIntakeResult = z.strictObject({
  created: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  ...Object.fromEntries(Object.entries(RaidListReport).map(([k, v]) => [k, v.optional()])),
  results: z.array(
    z.strictObject({
      index: z.number().int(),
      row: z.number().int().optional().describe("a raid list's row number, as the spreadsheet shows it"),
      outcome: z.enum(['created', 'duplicate', 'rejected']),
      caseId: Id.optional(),
      externalRef: z.string().optional(),
      error: ItemError.optional(),
    }),
  ),
});

// ---- cases ----

const Deadlines = z.strictObject({
  identityDueAt: Timestamp.nullable(),
  screeningDueAt: Timestamp.nullable(),
  approvalDueAt: Timestamp.nullable(),
  handoverDueAt: Timestamp.nullable(),
  consularDueAt: Timestamp.nullable(),
  custodyDueAt: Timestamp.nullable(),
});

export const CaseSummary = z.strictObject({
  caseId: Id,
  externalRef: z.string(),
  status: CaseStatus,
  holdingCountry: z.string(),
  destinationCountry: z.string().nullable(),
  operationId: Id.nullable(),
  overdue: z.boolean(),
  claimedNationality: z.string(),
  legalBasis: z.string(),
  personName: z.string().nullable(),
  overdueReasons: z.array(z.enum(OVERDUE_REASONS)),
  overdueSince: Timestamp.nullable(),
  escalations: z.number().int(),
  transferId: Id.nullable(),
  transferAttempts: z.number().int(),
  holdResumeStatus: CaseStatus.nullable().describe('while ON_HOLD: where the case returns'),
  referredTo: z.string().nullable().describe('a referred case: the country whose embassy takes it'),
  awaitingCourtOrder: z.boolean(),
  deadlines: Deadlines,
  openedBy: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const Decision = z.strictObject({
  decision: z.enum(DECISION_VALUES),
  by: z.string(),
  byName: z.string().nullable(),
  country: z.string(),
  at: Timestamp,
  reason: z.string().nullable(),
});

export const CaseDetail = CaseSummary.extend({
  person: z
    .strictObject({
      fullName: z.string(),
      dateOfBirth: z.string().nullable(),
      sex: z.string().nullable(),
      claimedNationality: z.string(),
      documents: z.array(z.strictObject({ type: z.string(), number: z.string(), issuingCountry: z.string() })),
    })
    .nullable(),
  arrest: z.strictObject({ at: Timestamp, place: z.string(), allegations: z.array(z.string()) }),
  identity: z
    .strictObject({
      result: z.enum(IDENTITY_RESULTS),
      claimedNationality: z.string(),
      verifiedNationality: z.string().nullable(),
      method: z.enum(IDENTITY_METHODS),
      evidenceRef: z.string().nullable(),
      notes: z.string().nullable(),
      by: z.string(),
      at: Timestamp,
    })
    .nullable(),
  identityChecks: z.number().int(),
  decisions: z.strictObject({ holding: Decision.nullable(), destination: Decision.nullable() }),
  flags: z.strictObject({ possibleDuplicateOf: z.array(Id) }),
  screening: z
    .strictObject({ indicators: z.array(Indicator), notes: z.string().nullable(), by: z.string(), at: Timestamp })
    .nullable()
    .describe('null to users of other countries than the holding one'),
  holds: z.array(
    z.strictObject({
      holdId: z.string(),
      kind: z
        .enum([...HOLD_KINDS, NEUTRAL_HOLD_KIND])
        .describe(
          `users of other countries than the holding one see only active holds, each as ${NEUTRAL_HOLD_KIND} with no reason or author`,
        ),
      reason: z.string().nullable(),
      until: Timestamp.nullable(),
      placedBy: z.string().nullable(),
      placedAt: Timestamp,
      resumeStatus: CaseStatus,
      endedAt: Timestamp.nullable(),
      endedBy: z.string().nullable(),
      outcome: z.enum(HOLD_OUTCOMES).nullable(),
      outcomeReason: z.string().nullable(),
      active: z.boolean(),
    }),
  ),
  consularNotice: z
    .strictObject({ notifiedAt: Timestamp, channel: z.string(), accessRequested: z.boolean(), recordedBy: z.string(), at: Timestamp })
    .nullable(),
  courtOrder: z
    .strictObject({ reference: z.string(), court: z.string(), issuedAt: Timestamp, recordedBy: z.string(), at: Timestamp })
    .nullable(),
  custodyExtension: z.strictObject({ days: z.number().int(), reason: z.string(), by: z.string(), at: Timestamp }).nullable(),
});

// ---- safeguards ----

export const ScreeningBody = z.strictObject({
  indicators: Indicators.describe('trafficking indicators found; any one diverts the case to PROTECTION'),
  protectionClaim: z
    .strictObject({ grounds: text(4000) })
    .nullable()
    .optional()
    .describe('an asylum / non-refoulement claim raised at screening'),
  notes: optionalText(4000),
});

/** An id the client chooses for what a request creates, so that a retry answers the same thing. */
const ChosenId = (what: string) =>
  Id.optional().describe(
    `an id chosen by the client (a UUID): the same request sent again, after an answer was lost, answers the same ${what} and places nothing new; the same id with another body is 409`,
  );

export const ProtectionClaimBody = z.strictObject({
  id: ChosenId('claim'),
  grounds: text(4000),
  lodgedAt: DateTime.optional(),
});

export const ProtectionClaimOutcomeBody = z.strictObject({
  outcome: z.enum(CLAIM_OUTCOMES),
  reason: text(4000),
});

export const HoldBody = z.strictObject({
  id: ChosenId('hold'),
  kind: z.enum(PLACEABLE_HOLD_KINDS),
  reason: text(4000),
  until: DateTime.nullable().optional().describe('expected end'),
});

export const LiftHoldBody = z.strictObject({ reason: optionalText(4000) }).optional();

export const CustodyExtensionBody = z.strictObject({
  days: z.number().int().min(1).max(30),
  reason: text(4000),
});

export const ReasonBody = z.strictObject({ reason: text(4000) });

export const LocatedBody = z.strictObject({
  locatedAt: DateTime.describe('when the person was found and taken back into custody'),
  place: text(300).describe('where (a place, a detention centre)'),
  notes: optionalText(4000),
});

export const CourtOrderBody = z.strictObject({
  reference: text(200),
  court: text(300),
  issuedAt: DateTime,
});

export const HoldCreated = z.strictObject({ holdId: z.string(), case: CaseDetail });
export const ClaimCreated = z.strictObject({ claimId: z.string(), case: CaseDetail });

export const HoldParams = z.strictObject({ id: Id, holdId: storable(100).min(1) });
export const ClaimParams = z.strictObject({ id: Id, claimId: storable(100).min(1) });

const BooleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const CaseListQuery = Page.extend({
  status: CaseStatus.optional(),
  holdingCountry: Country.optional(),
  destinationCountry: AnyCountry.optional(),
  operationId: Id.optional(),
  overdue: BooleanQuery.optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe(
      "search: the case's reference (exact, any case) or id, a document number (exact), or the person's name (any script, " +
        'diacritics and case ignored, a name in Han characters also in pinyin; each word a prefix of a word of the name)',
    ),
});

/** A list item: the summary, and what tells people of one name apart. */
export const CaseListItem = CaseSummary.extend({
  dateOfBirth: z.string().nullable(),
  documents: z
    .array(z.strictObject({ type: z.string(), issuingCountry: z.string() }))
    .describe("the person's documents: type and issuing country"),
});

export const CaseList = z.strictObject({ items: z.array(CaseListItem), nextCursor: z.string().nullable() });

export const EventType = z.enum(CASE_EVENT_TYPES);
const eventActor = z
  .strictObject({ sub: z.string(), name: z.string().nullable(), role: z.string().nullable(), country: z.string().nullable() })
  .nullable();
const eventOf = <T extends CaseEventType>(type: T) =>
  z.strictObject({
    id: z.number().int(),
    type: z.literal(type),
    fromStatus: CaseStatus.nullable(),
    toStatus: CaseStatus.nullable(),
    actor: eventActor,
    reason: z.string().nullable(),
    data: z.nullable(CASE_EVENTS[type]),
    at: Timestamp,
  });
type EventBranch = { [T in CaseEventType]: ReturnType<typeof eventOf<T>> }[CaseEventType];
/**
 * One timeline event: one branch per type of the catalogue (workflows/events.ts), each with its
 * data (null in the restricted view of a safeguard event).
 */
export const CaseEvent = z.discriminatedUnion('type', CASE_EVENT_TYPES.map(eventOf) as [EventBranch, ...EventBranch[]]);
export const CaseEventList = z.strictObject({ caseId: Id, items: z.array(CaseEvent) });

// Rules between fields are branches of a union, so the OpenAPI document states them too (oneOf).
const identityFields = {
  method: z.enum(IDENTITY_METHODS),
  evidenceRef: optionalText(200),
  notes: optionalText(4000),
};
const identityBranches = <S extends z.ZodRawShape>(shape: S) =>
  z.discriminatedUnion('result', [
    z.strictObject({
      ...shape,
      result: z.enum(['confirmed', 'inconclusive']),
      verifiedNationality: AnyCountry.nullable().optional(),
      ...identityFields,
    }),
    z.strictObject({
      ...shape,
      result: z.literal('mismatch'),
      verifiedNationality: AnyCountry.describe('a mismatch names the nationality established'),
      ...identityFields,
    }),
  ]);
export const IdentityBody = identityBranches({});

/** Many verifications at once (a registry's answers): each item is the body of POST /v1/cases/:id/identity with its case. */
export const BulkIdentityBody = z.strictObject({
  items: z
    .array(identityBranches({ caseId: Id }))
    .min(1)
    .max(MAX_BULK)
    .describe(`up to ${MAX_BULK} items, each the body of POST /v1/cases/:id/identity with its caseId`),
});

/** A decision; a rejection needs a reason. */
const decisionFields = <S extends z.ZodRawShape>(shape: S) =>
  z.discriminatedUnion('decision', [
    z.strictObject({ ...shape, decision: z.literal('approve'), reason: optionalText(4000) }),
    z.strictObject({ ...shape, decision: z.literal('reject'), reason: text(4000).describe('a rejection needs a reason') }),
  ]);

export const DecisionBody = decisionFields({});

export const BulkDecisionBody = decisionFields({ caseIds: z.array(Id).min(1).max(MAX_BULK) });

export const CaseResults = z.strictObject({
  results: z.array(z.strictObject({ caseId: z.string(), ok: z.boolean(), status: CaseStatus.optional(), error: ItemError.optional() })),
});

// ---- transfers ----

export const TransferStatus = z.enum(TRANSFER_STATUSES);

export const CreateTransferBody = z.strictObject({
  transferId: Id.optional().describe(
    'an id chosen by the client (a UUID): the same request sent again, after an answer was lost, fills the same batch instead of opening another',
  ),
  destinationCountry: Country,
  mode: z.enum(TRANSFER_MODES),
  from: text(200),
  to: text(200),
  scheduledAt: DateTime,
  capacity: z.number().int().min(1).max(1000),
  caseIds: z.array(Id).min(1).max(MAX_BULK),
});

export const TransferCreated = z.strictObject({
  transferId: Id,
  status: TransferStatus,
  cases: z.array(z.strictObject({ caseId: z.string(), accepted: z.boolean(), error: ItemError.optional() })),
});

export const TransferDetail = z.strictObject({
  transferId: Id,
  status: TransferStatus,
  holdingCountry: z.string(),
  destinationCountry: z.string(),
  mode: z.string(),
  from: z.string(),
  to: z.string(),
  scheduledAt: Timestamp,
  capacity: z.number().int(),
  createdBy: z.string(),
  createdAt: Timestamp,
  departedAt: Timestamp.nullable(),
  completedAt: Timestamp.nullable(),
  cases: z.array(
    z.strictObject({
      caseId: Id,
      externalRef: z.string(),
      outcome: z.enum(TRANSFER_LEG_OUTCOMES),
      status: CaseStatus,
      updatedAt: Timestamp,
    }),
  ),
});

export const DepartBody = z.strictObject({}).optional();

export const HandoverBody = z.strictObject({
  receivedCaseIds: z.array(Id).max(MAX_BULK),
  missingCaseIds: z.array(Id).max(MAX_BULK).default([]),
});

export const TransferResults = CaseResults.extend({
  transferId: Id,
  status: TransferStatus,
});

// ---- stats and health ----

const Funnel = z.strictObject({
  arrested: z.number().int(),
  verified: z.number().int().describe('nationality confirmed'),
  approved: z.number().int().describe('approved by both sides (including those since transferred)'),
  transferred: z.number().int().describe('departed: in transfer or handed over'),
  handedOver: z.number().int(),
  pending: z.number().int().describe('not yet in a final status'),
  overdue: z.number().int(),
  onHold: z.number().int(),
  protection: z.number().int(),
  closed: z.number().int().describe('closed by the holding country, no transfer (as users of other countries see PROTECTION)'),
  referred: z.number().int(),
  rejected: z.number().int(),
  cancelled: z.number().int(),
  released: z.number().int(),
});

export const Stats = z.strictObject({
  total: z.number().int(),
  funnel: Funnel,
  funnelByOperation: z.record(z.string(), Funnel),
  funnelByHoldingCountry: z.record(z.string(), Funnel),
  activeHolds: z
    .strictObject({
      medical: z.number().int(),
      legal: z.number().int(),
      protection_claim: z.number().int(),
      [NEUTRAL_HOLD_KIND]: z.number().int(),
    })
    .describe(`holds on cases held by another country count as ${NEUTRAL_HOLD_KIND}, whatever their kind`),
  byStatus: StatusCounts,
  byOperation: z.record(z.string(), StatusCounts),
  byHoldingCountry: z.record(z.string(), StatusCounts),
  byDestinationCountry: z.record(z.string(), StatusCounts),
  overdue: z.number().int(),
});

export const Health = z.strictObject({ status: z.literal('ok') });
export const Readiness = z.strictObject({
  status: z.enum(['ready', 'unavailable']),
  checks: z.strictObject({ database: z.enum(['ok', 'down']), temporal: z.enum(['ok', 'down']) }),
});

export const IdParams = z.strictObject({ id: Id });
