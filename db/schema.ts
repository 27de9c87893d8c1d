import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });

export const operations = pgTable(
  'operations',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    leadCountry: text('lead_country').notNull(),
    participatingCountries: text('participating_countries').array().notNull(),
    startedOn: date('started_on', { mode: 'string' }),
    description: text('description'),
    /** Days from arrest to a decision; null: the default (60). */
    custodyLimitDays: integer('custody_limit_days'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('operations_created_idx').on(t.createdAt, t.id)],
);

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    externalRef: text('external_ref').notNull(),
    holdingCountry: text('holding_country').notNull(),
    operationId: uuid('operation_id').references(() => operations.id),
    legalBasis: text('legal_basis').notNull(),
    status: text('status').notNull(),
    claimedNationality: text('claimed_nationality').notNull(),
    destinationCountry: text('destination_country'),
    arrestedAt: ts('arrested_at').notNull(),
    arrestPlace: text('arrest_place').notNull(),
    allegations: text('allegations').array().notNull(),
    openedBy: text('opened_by').notNull(),
    openedByName: text('opened_by_name'),
    transferId: uuid('transfer_id'),
    transferAttempts: integer('transfer_attempts').notNull().default(0),
    overdue: boolean('overdue').notNull().default(false),
    overdueReasons: text('overdue_reasons')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    overdueSince: ts('overdue_since'),
    escalations: integer('escalations').notNull().default(0),
    identityDueAt: ts('identity_due_at'),
    screeningDueAt: ts('screening_due_at'),
    approvalDueAt: ts('approval_due_at'),
    handoverDueAt: ts('handover_due_at'),
    consularDueAt: ts('consular_due_at'),
    custodyDueAt: ts('custody_due_at'),
    holdResumeStatus: text('hold_resume_status'),
    referredTo: text('referred_to'),
    awaitingCourtOrder: boolean('awaiting_court_order').notNull().default(false),
    /** Sequence number of the last workflow change applied; older changes never overwrite newer. */
    version: integer('version').notNull().default(0),
    /**
     * The intake outbox: a case is recorded first, then its workflow is started. Until the start is
     * confirmed this holds the workflow's input (encrypted); a reconciler starts any left behind.
     */
    workflowStarted: boolean('workflow_started').notNull().default(false),
    intakeSealed: text('intake_sealed'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('cases_holding_external_ref_uq').on(t.holdingCountry, t.externalRef),
    index('cases_created_idx').on(t.createdAt, t.id),
    index('cases_status_idx').on(t.status, t.createdAt, t.id),
    index('cases_holding_idx').on(t.holdingCountry, t.createdAt, t.id),
    index('cases_destination_idx').on(t.destinationCountry, t.createdAt, t.id),
    index('cases_claimed_idx').on(t.claimedNationality, t.createdAt, t.id),
    index('cases_operation_idx').on(t.operationId, t.createdAt, t.id),
    index('cases_overdue_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.overdue}`),
    index('cases_transfer_idx').on(t.transferId),
    index('cases_outbox_idx')
      .on(t.createdAt)
      .where(sql`not ${t.workflowStarted}`),
  ],
);

export const persons = pgTable(
  'persons',
  {
    caseId: uuid('case_id')
      .primaryKey()
      .references(() => cases.id),
    fullName: text('full_name').notNull(),
    dateOfBirth: date('date_of_birth', { mode: 'string' }),
    sex: text('sex'),
    claimedNationality: text('claimed_nationality').notNull(),
    /** The name's search keys (lib/name-keys.ts): normalised, in pinyin too; null until computed. */
    nameKeys: text('name_keys').array(),
  },
  (t) => [index('persons_name_keys_idx').using('gin', t.nameKeys)],
);

export const personDocuments = pgTable(
  'person_documents',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    position: integer('position').notNull(),
    type: text('type').notNull(),
    /** Keyed hash of the number: finds the same document in another case without keeping it in clear. */
    numberHash: text('number_hash').notNull(),
    /** The number, encrypted ("<keyId>:<base64>"). */
    numberSealed: text('number_sealed').notNull(),
    issuingCountry: text('issuing_country').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.position] }), index('person_documents_hash_idx').on(t.numberHash, t.type, t.issuingCountry)],
);

/** Another open case holding the same document: a likely duplicate person, flagged on both. */
export const duplicateFlags = pgTable(
  'duplicate_flags',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    otherCaseId: uuid('other_case_id')
      .notNull()
      .references(() => cases.id),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.otherCaseId] })],
);

export const identityChecks = pgTable(
  'identity_checks',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    result: text('result').notNull(),
    claimedNationality: text('claimed_nationality').notNull(),
    verifiedNationality: text('verified_nationality'),
    method: text('method').notNull(),
    evidenceRef: text('evidence_ref'),
    notes: text('notes'),
    by: text('by').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

export const decisions = pgTable(
  'decisions',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    side: text('side').notNull(),
    decision: text('decision').notNull(),
    reason: text('reason'),
    by: text('by').notNull(),
    byName: text('by_name'),
    country: text('country').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.side] })],
);

export const transfers = pgTable(
  'transfers',
  {
    id: uuid('id').primaryKey(),
    holdingCountry: text('holding_country').notNull(),
    destinationCountry: text('destination_country').notNull(),
    mode: text('mode').notNull(),
    fromPlace: text('from_place').notNull(),
    toPlace: text('to_place').notNull(),
    scheduledAt: ts('scheduled_at').notNull(),
    capacity: integer('capacity').notNull(),
    status: text('status').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    departedAt: ts('departed_at'),
    completedAt: ts('completed_at'),
    version: integer('version').notNull().default(0),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('transfers_holding_idx').on(t.holdingCountry, t.createdAt),
    index('transfers_destination_idx').on(t.destinationCountry, t.createdAt),
  ],
);

/** Each case's leg on each batch it was put on; a case re-scheduled after a failure has several. */
export const transferLegs = pgTable(
  'transfer_legs',
  {
    transferId: uuid('transfer_id')
      .notNull()
      .references(() => transfers.id),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    outcome: text('outcome').notNull(),
    /** The case change that last wrote this leg; older changes never overwrite newer. */
    seq: integer('seq').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.transferId, t.caseId] }), index('transfer_legs_case_idx').on(t.caseId)],
);

/**
 * The case timeline. `eventKey` makes every writer idempotent: workflow changes use `wf:<seq>`,
 * intake `intake`, duplicate flags `dup:<otherCaseId>`.
 */
export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    eventKey: text('event_key').notNull(),
    /** The workflow's change number; orders changes made at the same workflow time. */
    seq: integer('seq'),
    type: text('type').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    actorSub: text('actor_sub'),
    actorName: text('actor_name'),
    actorRole: text('actor_role'),
    actorCountry: text('actor_country'),
    reason: text('reason'),
    data: jsonb('data').$type<Record<string, unknown>>(),
    at: ts('at').notNull(),
  },
  (t) => [uniqueIndex('case_events_key_uq').on(t.caseId, t.eventKey), index('case_events_case_idx').on(t.caseId, t.at, t.seq, t.id)],
);

/** Trafficking-indicator screenings; keyed by the workflow change that recorded them. */
export const screenings = pgTable(
  'screenings',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    seq: integer('seq').notNull(),
    indicators: text('indicators').array().notNull(),
    notes: text('notes'),
    by: text('by').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

/** Medical and legal holds and protection claims, with how each ended. */
export const caseHolds = pgTable(
  'case_holds',
  {
    holdId: text('hold_id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    kind: text('kind').notNull(),
    reason: text('reason').notNull(),
    until: ts('until'),
    placedBy: text('placed_by').notNull(),
    placedAt: ts('placed_at').notNull(),
    resumeStatus: text('resume_status').notNull(),
    endedAt: ts('ended_at'),
    endedBy: text('ended_by'),
    outcome: text('outcome'),
    outcomeReason: text('outcome_reason'),
    /** The case change that last wrote this hold; older changes never overwrite newer. */
    seq: integer('seq').notNull(),
  },
  (t) => [
    index('case_holds_case_idx').on(t.caseId),
    index('case_holds_active_idx')
      .on(t.kind)
      .where(sql`${t.endedAt} is null`),
  ],
);

export const consularNotices = pgTable('consular_notices', {
  caseId: uuid('case_id')
    .primaryKey()
    .references(() => cases.id),
  notifiedAt: ts('notified_at').notNull(),
  channel: text('channel').notNull(),
  accessRequested: boolean('access_requested').notNull(),
  recordedBy: text('recorded_by').notNull(),
  at: ts('at').notNull(),
});

export const courtOrders = pgTable('court_orders', {
  caseId: uuid('case_id')
    .primaryKey()
    .references(() => cases.id),
  reference: text('reference').notNull(),
  court: text('court').notNull(),
  issuedAt: ts('issued_at').notNull(),
  recordedBy: text('recorded_by').notNull(),
  at: ts('at').notNull(),
});

export const custodyExtensions = pgTable('custody_extensions', {
  caseId: uuid('case_id')
    .primaryKey()
    .references(() => cases.id),
  days: integer('days').notNull(),
  reason: text('reason').notNull(),
  by: text('by').notNull(),
  at: ts('at').notNull(),
});

/**
 * The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE, except sealing an
 * unsealed row once), and hash-chained when sealed: `hash` is an HMAC, under a key the database does
 * not hold, of the previous entry's hash and this entry's content, in `seq` order.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull(),
    actorSub: text('actor_sub'),
    actorRole: text('actor_role'),
    actorCountry: text('actor_country'),
    action: text('action').notNull(),
    objectType: text('object_type'),
    objectIds: text('object_ids').array().notNull(),
    outcome: text('outcome').notNull(),
    purpose: text('purpose'),
    /** Data shown to a user of another country than the one holding it: that country. */
    recipientCountry: text('recipient_country'),
    /** Countries whose auditors may read this entry. */
    scopeCountries: text('scope_countries').array().notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    uniqueIndex('audit_log_seq_uq').on(t.seq),
    index('audit_log_unsealed_idx')
      .on(t.id)
      .where(sql`${t.seq} is null`),
    index('audit_log_scope_idx').using('gin', t.scopeCountries),
    index('audit_log_objects_idx').using('gin', t.objectIds),
  ],
);

/** The sealed chain's last position and hash, signed with the audit key. One row. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  signature: text('signature').notNull(),
  sealedAt: ts('sealed_at').notNull(),
});

// Joint investigation teams and the intelligence they share (DESIGN §6). Visibility over these
// tables is decided in api/intel-policy.ts.

export const teams = pgTable(
  'teams',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    leadCountry: text('lead_country').notNull(),
    memberCountries: text('member_countries').array().notNull(),
    agreementRef: text('agreement_ref').notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }).notNull(),
    /** Set by the team's workflow when the validity ran out; the API's read-only rule uses validUntil. */
    expiredAt: ts('expired_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('teams_created_idx').on(t.createdAt, t.id), index('teams_members_idx').using('gin', t.memberCountries)],
);

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    sub: text('sub').notNull(),
    country: text('country').notNull(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    addedBy: text('added_by').notNull(),
    addedAt: ts('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.sub, t.country] }), index('team_members_sub_idx').on(t.sub, t.country)],
);

export const teamOperations = pgTable(
  'team_operations',
  {
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    operationId: uuid('operation_id')
      .notNull()
      .references(() => operations.id),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.operationId] }), index('team_operations_operation_idx').on(t.operationId)],
);

/** What every intelligence record carries: its originator, handling, evaluation and version. */
const recordColumns = () => ({
  originCountry: text('origin_country').notNull(),
  createdBy: text('created_by').notNull(),
  handlingCode: text('handling_code').notNull(),
  /** NULL: releasable to the whole team. */
  releasableTo: text('releasable_to').array(),
  handlingConditions: text('handling_conditions'),
  evalSource: text('eval_source').notNull(),
  evalInformation: integer('eval_information').notNull(),
  version: integer('version').notNull().default(1),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const intelEntities = pgTable(
  'intel_entities',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    kind: text('kind').notNull(),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull(),
    caseId: uuid('case_id').references(() => cases.id),
    /**
     * What makes two records one thing (an account, a phone, a wallet, an online identity), in
     * normalised form; unique within the team, so the same account typed twice is one account.
     */
    identityKey: text('identity_key'),
    ...recordColumns(),
  },
  (t) => [
    index('intel_entities_team_kind_idx').on(t.teamId, t.kind),
    uniqueIndex('intel_entities_identity_uq').on(t.teamId, t.identityKey),
    index('intel_entities_case_idx')
      .on(t.caseId)
      .where(sql`${t.caseId} is not null`),
  ],
);

export const intelIdentifiers = pgTable(
  'intel_identifiers',
  {
    entityId: text('entity_id')
      .notNull()
      .references(() => intelEntities.id),
    teamId: text('team_id').notNull(),
    kind: text('kind').notNull(),
    value: text('value').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.entityId, t.kind, t.value] }),
    index('intel_identifiers_value_idx').on(t.kind, t.value),
    index('intel_identifiers_team_value_idx').on(t.teamId, t.value),
  ],
);

export const intelLinks = pgTable(
  'intel_links',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    fromId: text('from_id')
      .notNull()
      .references(() => intelEntities.id),
    toId: text('to_id')
      .notNull()
      .references(() => intelEntities.id),
    type: text('type').notNull(),
    since: date('since', { mode: 'string' }),
    until: date('until', { mode: 'string' }),
    amount: numeric('amount', { mode: 'string' }),
    currency: text('currency'),
    ...recordColumns(),
  },
  (t) => [index('intel_links_team_from_idx').on(t.teamId, t.fromId), index('intel_links_team_to_idx').on(t.teamId, t.toId)],
);

/** Every change to a team's records (and the team's own events, such as its expiry): who, what, when. */
export const intelChanges = pgTable(
  'intel_changes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recordId: text('record_id').notNull(),
    /** entity | link | team */
    recordKind: text('record_kind').notNull(),
    teamId: text('team_id').notNull(),
    version: integer('version').notNull(),
    actorSub: text('actor_sub').notNull(),
    actorCountry: text('actor_country'),
    at: ts('at').notNull(),
    /** The change: `{action, before?, after?}`. */
    what: jsonb('what').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    uniqueIndex('intel_changes_record_version_uq').on(t.recordKind, t.recordId, t.version),
    index('intel_changes_team_idx').on(t.teamId, t.at),
  ],
);

export const caseIntelLinks = pgTable(
  'case_intel_links',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    entityId: text('entity_id')
      .notNull()
      .references(() => intelEntities.id),
    relation: text('relation').notNull(),
    createdBy: text('created_by').notNull(),
    createdCountry: text('created_country').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.entityId, t.relation] }),
    index('case_intel_links_entity_idx').on(t.entityId),
    index('case_intel_links_team_idx').on(t.teamId),
  ],
);

/**
 * A request by a member country that the originator of a record release it to them (DESIGN §6):
 * the record's id stays with the originator; the requester sees only the outcome. Its state is
 * written by its workflow (workflows/release-request.ts).
 */
export const releaseRequests = pgTable(
  'release_requests',
  {
    id: text('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    /** entity | link */
    recordKind: text('record_kind').notNull(),
    recordId: text('record_id').notNull(),
    originCountry: text('origin_country').notNull(),
    requesterCountry: text('requester_country').notNull(),
    /** The country the record is to be released to: the requester's, or a third member country. */
    releaseTo: text('release_to').notNull(),
    requestedBy: text('requested_by').notNull(),
    reason: text('reason').notNull(),
    /** pending | consented | refused | lapsed */
    status: text('status').notNull(),
    deadlineAt: ts('deadline_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('release_requests_origin_idx').on(t.teamId, t.originCountry, t.status)],
);

/**
 * A member country's webhook on a team (DESIGN §6): the team's changes, filtered for that country,
 * are POSTed to `url` in change-id order by the subscription's workflow (workflows/webhook.ts).
 * `cursor` is the last change id delivered (or passed over as not for this country); it moves only
 * after the receiver acknowledged with a 2xx.
 */
export const webhookSubscriptions = pgTable(
  'webhook_subscriptions',
  {
    id: uuid('id').primaryKey(),
    teamId: text('team_id')
      .notNull()
      .references(() => teams.id),
    country: text('country').notNull(),
    url: text('url').notNull(),
    /** Record kinds delivered (entity, link, team, notice); null: all. */
    kinds: text('kinds').array(),
    /** The signing secret, sealed with the payload key ring ("<keyId>:<base64>", AAD: the subscription id). */
    secretSealed: text('secret_sealed').notNull(),
    secretRotatedAt: ts('secret_rotated_at'),
    /** active | paused | deleted */
    state: text('state').notNull(),
    pausedAt: ts('paused_at'),
    pausedReason: text('paused_reason'),
    cursor: bigint('cursor', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [index('webhook_subscriptions_team_idx').on(t.teamId, t.country)],
);

/** Every attempt to deliver a change to a subscription, acknowledged or not. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => webhookSubscriptions.id),
    /** The change delivered (the event id the receiver deduplicates by). */
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    attempt: integer('attempt').notNull(),
    at: ts('at').notNull(),
    ok: boolean('ok').notNull(),
    /** The receiver's status; null when it did not answer (timeout, refused connection). */
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_deliveries_subscription_idx').on(t.subscriptionId, t.id)],
);
