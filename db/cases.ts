// Case store queries. Every writer is idempotent: keys, not hope, keep a retry from writing twice.
import { and, asc, eq, gt, inArray, lt, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  TERMINAL_STATUSES,
  initialCaseSnapshot,
  type Actor,
  type CaseSnapshot,
  type CaseStatus,
  type CaseWorkflowInput,
  type ConsularNotice,
  type CourtOrder,
  type CustodyExtension,
  type DecisionRecord,
  type HoldRecord,
  type ScreeningRecord,
  type DecisionSide,
  type IdentityRecord,
  type TransferLegOutcome,
} from '../workflows/definitions.js';
import type { FieldProtection } from '../lib/crypto.js';
import {
  caseCountries,
  eventShownSql,
  isSafeguardEvent,
  overdueIs,
  projectEvent,
  projectSummary,
  restrictedSummarySql,
  seesAll,
  viewStatusIs,
  type ViewStatus,
} from '../lib/need-to-know.js';
import { appendAudit, auditInsertIf } from './audit.js';
import type { Db } from './client.js';
import {
  caseEvents,
  caseHolds,
  cases,
  consularNotices,
  courtOrders,
  custodyExtensions,
  decisions,
  duplicateFlags,
  identityChecks,
  personDocuments,
  persons,
  screenings,
  transferLegs,
} from './schema.js';

export const iso = (value: string | Date): string => new Date(value).toISOString();
const isoOrNull = (value: string | Date | null): string | null => (value === null ? null : iso(value));

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function snapshotColumns(s: CaseSnapshot) {
  return {
    status: s.status,
    claimedNationality: s.claimedNationality,
    destinationCountry: s.destinationCountry,
    transferId: s.transferId,
    transferAttempts: s.transferAttempts,
    overdue: s.overdue,
    overdueReasons: s.overdueReasons,
    overdueSince: s.overdueSince,
    escalations: s.escalations,
    identityDueAt: s.identityDueAt,
    screeningDueAt: s.screeningDueAt,
    approvalDueAt: s.approvalDueAt,
    handoverDueAt: s.handoverDueAt,
    consularDueAt: s.consularDueAt,
    custodyDueAt: s.custodyDueAt,
    holdResumeStatus: s.holdResumeStatus,
    referredTo: s.referredTo,
    awaitingCourtOrder: s.awaitingCourtOrder,
    updatedAt: s.updatedAt,
  };
}

const actorColumns = (actor: Actor | null) => ({
  actorSub: actor?.sub ?? null,
  actorName: actor?.name ?? null,
  actorRole: actor?.role ?? null,
  actorCountry: actor?.country ?? null,
});

/**
 * Records opened cases (row, person, documents, the opening event) and flags likely duplicate
 * persons. Rows that already exist are left as they are. Returns the ids it inserted.
 */
export async function insertIntakes(db: Db, inputs: CaseWorkflowInput[], protect: FieldProtection): Promise<Set<string>> {
  const inserted = new Set<string>();
  if (inputs.length === 0) return inserted;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(inputs, 500)) {
      const rows = await tx
        .insert(cases)
        .values(
          chunk.map(({ caseId, intake, openedBy, openedAt, ...rest }) => ({
            id: caseId,
            externalRef: intake.externalRef,
            holdingCountry: intake.holdingCountry,
            operationId: intake.operationId,
            legalBasis: intake.legalBasis,
            arrestedAt: intake.arrest.at,
            arrestPlace: intake.arrest.place,
            allegations: intake.arrest.allegations,
            openedBy: openedBy.sub,
            openedByName: openedBy.name ?? null,
            version: 0,
            workflowStarted: false,
            intakeSealed: protect.seal(JSON.stringify({ caseId, intake, openedBy, openedAt, ...rest })),
            createdAt: openedAt,
            ...snapshotColumns(initialCaseSnapshot({ caseId, intake, openedBy, openedAt, ...rest })),
          })),
        )
        .onConflictDoNothing()
        .returning({ id: cases.id });
      for (const row of rows) inserted.add(row.id);
    }
    const fresh = inputs.filter((i) => inserted.has(i.caseId));
    for (const chunk of chunks(fresh, 1000)) {
      await tx.insert(persons).values(
        chunk.map(({ caseId, intake: { person } }) => ({
          caseId,
          fullName: person.fullName,
          dateOfBirth: person.dateOfBirth ?? null,
          sex: person.sex ?? null,
          claimedNationality: person.claimedNationality,
        })),
      );
      const documents = chunk.flatMap(({ caseId, intake }) =>
        intake.person.documents.map((d, position) => ({
          caseId,
          position,
          type: d.type,
          issuingCountry: d.issuingCountry,
          numberHash: protect.fingerprint(d.number),
          numberSealed: protect.seal(d.number),
        })),
      );
      if (documents.length > 0) await tx.insert(personDocuments).values(documents);
      const notices = chunk.filter((i) => i.intake.consularNotice);
      if (notices.length > 0) {
        await tx.insert(consularNotices).values(
          notices.map(({ caseId, intake, openedBy, openedAt }) => ({
            caseId,
            ...intake.consularNotice!,
            recordedBy: openedBy.sub,
            at: openedAt,
          })),
        );
      }
      await tx.insert(caseEvents).values(
        chunk.map(({ caseId, openedBy, openedAt, intake }) => ({
          caseId,
          eventKey: 'intake',
          type: 'CASE_OPENED',
          fromStatus: null,
          toStatus: 'IDENTITY_PENDING',
          ...actorColumns(openedBy),
          reason: null,
          data: { externalRef: intake.externalRef, operationId: intake.operationId, legalBasis: intake.legalBasis },
          at: openedAt,
        })),
      );
    }
    const flagged = fresh.length > 0 ? await flagDuplicatePersons(tx as unknown as Db, [...inserted], fresh[0].openedAt) : 0;
    if (fresh.length > 0) {
      const { openedBy, openedAt } = fresh[0];
      await appendAudit(tx as unknown as Db, [
        {
          at: openedAt,
          actor: openedBy,
          action: 'case.open',
          objectType: 'case',
          objectIds: fresh.map((i) => i.caseId),
          outcome: 'ok',
          scopeCountries: [...new Set(fresh.flatMap((i) => [i.intake.holdingCountry, i.intake.person.claimedNationality]))],
          details: { cases: fresh.length, possibleDuplicatesFlagged: flagged },
        },
      ]);
    }
  });
  return inserted;
}

/** Another open case holding one of the same documents is flagged, with an event, on both cases. */
async function flagDuplicatePersons(db: Db, caseIds: string[], at: string): Promise<number> {
  const other = alias(personDocuments, 'other');
  const otherCase = alias(cases, 'other_case');
  const pairs: { caseId: string; otherCaseId: string }[] = [];
  for (const chunk of chunks(caseIds, 1000)) {
    const found = await db
      .selectDistinct({ caseId: personDocuments.caseId, otherCaseId: other.caseId })
      .from(personDocuments)
      .innerJoin(
        other,
        and(
          eq(other.numberHash, personDocuments.numberHash),
          eq(other.type, personDocuments.type),
          eq(other.issuingCountry, personDocuments.issuingCountry),
          sql`${other.caseId} <> ${personDocuments.caseId}`,
        ),
      )
      .innerJoin(otherCase, and(eq(otherCase.id, other.caseId), notInArray(otherCase.status, [...TERMINAL_STATUSES])))
      .where(inArray(personDocuments.caseId, chunk));
    pairs.push(...found);
  }
  if (pairs.length === 0) return 0;
  const both = new Map<string, { caseId: string; otherCaseId: string }>();
  for (const p of pairs) {
    both.set(`${p.caseId}:${p.otherCaseId}`, p);
    both.set(`${p.otherCaseId}:${p.caseId}`, { caseId: p.otherCaseId, otherCaseId: p.caseId });
  }
  for (const chunk of chunks([...both.values()], 1000)) {
    const added = await db
      .insert(duplicateFlags)
      .values(chunk.map((p) => ({ ...p, createdAt: at })))
      .onConflictDoNothing()
      .returning();
    if (added.length === 0) continue;
    await db
      .insert(caseEvents)
      .values(
        added.map((p) => ({
          caseId: p.caseId,
          eventKey: `dup:${p.otherCaseId}`,
          type: 'POSSIBLE_DUPLICATE_PERSON',
          reason: 'another open case holds the same identity document',
          data: { otherCaseId: p.otherCaseId },
          at,
        })),
      )
      .onConflictDoNothing();
  }
  return both.size;
}

export interface CaseEventInput {
  type: string;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
  actor: Actor | null;
  reason: string | null;
  data: Record<string, unknown> | null;
  at: string;
}

/** One workflow transition: the timeline event and whatever it records, applied at most once. */
export interface CaseChange {
  caseId: string;
  holdingCountry: string;
  seq: number;
  snapshot: CaseSnapshot;
  event: CaseEventInput;
  identityCheck?: IdentityRecord;
  decision?: DecisionRecord & { side: DecisionSide };
  transferLeg?: { transferId: string; outcome: TransferLegOutcome };
  screening?: ScreeningRecord;
  hold?: HoldRecord;
  consularNotice?: ConsularNotice & { recordedBy: string; at: string };
  courtOrder?: CourtOrder;
  custodyExtension?: CustodyExtension;
}

/**
 * Applies a change in one statement (one round trip, atomic): the timeline event keyed by the
 * change's number, the case row if this change is newer than what it shows, what the change
 * records, and — only if the event is new — its audit entry. Every part is idempotent on its own
 * keys, so a retried change writes nothing twice.
 */
export async function applyCaseChange(db: Db, change: CaseChange): Promise<void> {
  const { caseId, seq, snapshot, event } = change;
  const parts: SQL[] = [
    db
      .insert(caseEvents)
      .values({
        caseId,
        eventKey: `wf:${seq}`,
        seq,
        type: event.type,
        fromStatus: event.fromStatus,
        toStatus: event.toStatus,
        ...actorColumns(event.actor),
        reason: event.reason,
        data: event.data,
        at: event.at,
      })
      .onConflictDoNothing()
      .returning({ id: caseEvents.id })
      .getSQL(),
    db
      .update(cases)
      .set({ ...snapshotColumns(snapshot), version: seq })
      .where(and(eq(cases.id, caseId), lt(cases.version, seq)))
      .getSQL(),
    auditInsertIf(sql`exists (select 1 from ev)`, {
      at: event.at,
      actor: event.actor,
      action: 'case.change',
      objectType: 'case',
      objectIds: [caseId],
      outcome: 'ok',
      // A change of the holding country's safeguards is told only to its auditors.
      scopeCountries: isSafeguardEvent(event.type, event.toStatus)
        ? [change.holdingCountry]
        : caseCountries({ ...snapshot, holdingCountry: change.holdingCountry }),
      details: { event: event.type, seq, from: event.fromStatus, to: event.toStatus },
    }),
  ];
  if (change.identityCheck)
    parts.push(
      db
        .insert(identityChecks)
        .values({ caseId, seq, ...change.identityCheck })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.decision)
    parts.push(
      db
        .insert(decisions)
        .values({ caseId, ...change.decision })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.screening)
    parts.push(
      db
        .insert(screenings)
        .values({ caseId, seq, ...change.screening })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.hold) {
    const { holdId, ...hold } = change.hold;
    parts.push(
      db
        .insert(caseHolds)
        .values({ holdId, caseId, ...hold, seq })
        .onConflictDoUpdate({ target: caseHolds.holdId, set: { ...hold, seq }, setWhere: lt(caseHolds.seq, seq) })
        .getSQL(),
    );
  }
  if (change.consularNotice)
    parts.push(
      db
        .insert(consularNotices)
        .values({ caseId, ...change.consularNotice })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.courtOrder)
    parts.push(
      db
        .insert(courtOrders)
        .values({ caseId, ...change.courtOrder })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.custodyExtension)
    parts.push(
      db
        .insert(custodyExtensions)
        .values({ caseId, ...change.custodyExtension })
        .onConflictDoNothing()
        .getSQL(),
    );
  if (change.transferLeg) {
    const { transferId, outcome } = change.transferLeg;
    parts.push(
      db
        .insert(transferLegs)
        .values({ transferId, caseId, outcome, seq, updatedAt: event.at })
        .onConflictDoUpdate({
          target: [transferLegs.transferId, transferLegs.caseId],
          set: { outcome, seq, updatedAt: event.at },
          setWhere: lt(transferLegs.seq, seq),
        })
        .getSQL(),
    );
  }
  const [first, ...rest] = parts;
  const ctes = sql.join([sql`ev as (${first})`, ...rest.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part})`)], sql`, `);
  await db.execute(sql`with ${ctes} select 1`);
}

// ---- reads ----

/** The columns that decide who may see and act on a case. */
export interface CaseScopeRow {
  id: string;
  externalRef: string;
  status: CaseStatus;
  holdingCountry: string;
  claimedNationality: string;
  destinationCountry: string | null;
  openedBy: string;
  transferId: string | null;
}

const scopeColumns = {
  id: cases.id,
  externalRef: cases.externalRef,
  status: cases.status,
  holdingCountry: cases.holdingCountry,
  claimedNationality: cases.claimedNationality,
  destinationCountry: cases.destinationCountry,
  openedBy: cases.openedBy,
  transferId: cases.transferId,
};

// ---- the intake outbox ----

/** Marks the workflows of these cases started; their sealed inputs are no longer needed. */
export async function markWorkflowsStarted(db: Db, caseIds: string[]): Promise<void> {
  for (const chunk of chunks(caseIds, 1000)) {
    await db.update(cases).set({ workflowStarted: true, intakeSealed: null }).where(inArray(cases.id, chunk));
  }
}

/** Cases recorded whose workflow start is not confirmed: the given ids, or those older than `olderThan`. */
export async function pendingWorkflowStarts(
  db: Db,
  protect: FieldProtection,
  options: { ids?: string[]; olderThan?: string; limit?: number },
): Promise<CaseWorkflowInput[]> {
  const rows = await db
    .select({ intakeSealed: cases.intakeSealed })
    .from(cases)
    .where(
      and(
        eq(cases.workflowStarted, false),
        options.ids ? inArray(cases.id, options.ids) : undefined,
        options.olderThan ? lt(cases.createdAt, options.olderThan) : undefined,
      ),
    )
    .orderBy(asc(cases.createdAt))
    .limit(options.limit ?? 10_000);
  return rows.filter((r) => r.intakeSealed).map((r) => JSON.parse(protect.open(r.intakeSealed!)) as CaseWorkflowInput);
}

export async function getCaseScopes(db: Db, ids: string[]): Promise<Map<string, CaseScopeRow>> {
  const found = new Map<string, CaseScopeRow>();
  for (const chunk of chunks([...new Set(ids)], 1000)) {
    const rows = await db.select(scopeColumns).from(cases).where(inArray(cases.id, chunk));
    for (const row of rows) found.set(row.id, row as CaseScopeRow);
  }
  return found;
}

/** Prepared once per database: the hot path of every request on one case. */
const preparedScope = new WeakMap<Db, { execute(values: { id: string }): Promise<unknown[]> }>();

export async function getCaseScope(db: Db, id: string): Promise<CaseScopeRow | undefined> {
  let query = preparedScope.get(db);
  if (!query) {
    query = db
      .select(scopeColumns)
      .from(cases)
      .where(eq(cases.id, sql.placeholder('id')))
      .prepare('case_scope');
    preparedScope.set(db, query);
  }
  const [row] = await query.execute({ id });
  return row as CaseScopeRow | undefined;
}

/** Cases a user of `country` may see: held there, claimed as or destined to its nationals. */
export function visibleTo(country: string | null): SQL | undefined {
  if (country === null) return undefined;
  return or(eq(cases.holdingCountry, country), eq(cases.claimedNationality, country), eq(cases.destinationCountry, country));
}

export const canSee = (country: string | null, row: Pick<CaseScopeRow, 'holdingCountry' | 'claimedNationality' | 'destinationCountry'>) =>
  country === null || row.holdingCountry === country || row.claimedNationality === country || row.destinationCountry === country;

export const summaryColumns = {
  caseId: cases.id,
  externalRef: cases.externalRef,
  status: cases.status,
  holdingCountry: cases.holdingCountry,
  claimedNationality: cases.claimedNationality,
  destinationCountry: cases.destinationCountry,
  operationId: cases.operationId,
  legalBasis: cases.legalBasis,
  overdue: cases.overdue,
  overdueReasons: cases.overdueReasons,
  overdueSince: cases.overdueSince,
  escalations: cases.escalations,
  transferId: cases.transferId,
  transferAttempts: cases.transferAttempts,
  identityDueAt: cases.identityDueAt,
  screeningDueAt: cases.screeningDueAt,
  approvalDueAt: cases.approvalDueAt,
  handoverDueAt: cases.handoverDueAt,
  consularDueAt: cases.consularDueAt,
  custodyDueAt: cases.custodyDueAt,
  holdResumeStatus: cases.holdResumeStatus,
  referredTo: cases.referredTo,
  awaitingCourtOrder: cases.awaitingCourtOrder,
  openedBy: cases.openedBy,
  createdAt: cases.createdAt,
  updatedAt: cases.updatedAt,
  fullName: persons.fullName,
  ...restrictedSummarySql,
};

export type SummaryRow = {
  [K in keyof typeof summaryColumns]: K extends 'fullName' ? string | null : unknown;
};

export function toSummary(row: SummaryRow) {
  const r = row as Record<string, unknown>;
  return {
    caseId: r.caseId as string,
    externalRef: r.externalRef as string,
    status: r.status as CaseStatus,
    holdingCountry: r.holdingCountry as string,
    destinationCountry: (r.destinationCountry as string | null) ?? null,
    operationId: (r.operationId as string | null) ?? null,
    overdue: r.overdue as boolean,
    claimedNationality: r.claimedNationality as string,
    legalBasis: r.legalBasis as string,
    personName: row.fullName,
    overdueReasons: r.overdueReasons as string[],
    overdueSince: isoOrNull(r.overdueSince as string | null),
    escalations: r.escalations as number,
    custodyEscalations: Number(r.custodyEscalations),
    shownUpdatedAt: isoOrNull(r.shownUpdatedAt as string | null),
    transferId: (r.transferId as string | null) ?? null,
    transferAttempts: r.transferAttempts as number,
    holdResumeStatus: (r.holdResumeStatus as CaseStatus | null) ?? null,
    referredTo: (r.referredTo as string | null) ?? null,
    awaitingCourtOrder: r.awaitingCourtOrder as boolean,
    deadlines: {
      identityDueAt: isoOrNull(r.identityDueAt as string | null),
      screeningDueAt: isoOrNull(r.screeningDueAt as string | null),
      approvalDueAt: isoOrNull(r.approvalDueAt as string | null),
      handoverDueAt: isoOrNull(r.handoverDueAt as string | null),
      consularDueAt: isoOrNull(r.consularDueAt as string | null),
      custodyDueAt: isoOrNull(r.custodyDueAt as string | null),
    },
    openedBy: r.openedBy as string,
    createdAt: iso(r.createdAt as string),
    updatedAt: iso(r.updatedAt as string),
  };
}
export type CaseSummary = ReturnType<typeof toSummary>;

export interface CaseFilters {
  /** The status as the caller sees it (need-to-know). */
  status?: ViewStatus;
  holdingCountry?: string;
  destinationCountry?: string;
  operationId?: string;
  overdue?: boolean;
}

export interface PageCursor {
  createdAt: string;
  id: string;
}

export interface ListOptions {
  filters: CaseFilters;
  scopeCountry: string | null;
  limit: number;
  after?: PageCursor;
}

/** The SELECT behind a page of cases (the benchmark's baseline runs the same one, bare). */
export function listQuery(db: Db, options: ListOptions) {
  const { filters, limit, after } = options;
  const where = and(
    visibleTo(options.scopeCountry),
    filters.status ? viewStatusIs(options.scopeCountry, filters.status) : undefined,
    filters.holdingCountry ? eq(cases.holdingCountry, filters.holdingCountry) : undefined,
    filters.destinationCountry ? eq(cases.destinationCountry, filters.destinationCountry) : undefined,
    filters.operationId ? eq(cases.operationId, filters.operationId) : undefined,
    filters.overdue === undefined ? undefined : overdueIs(options.scopeCountry, filters.overdue),
    after ? or(gt(cases.createdAt, after.createdAt), and(eq(cases.createdAt, after.createdAt), gt(cases.id, after.id))) : undefined,
  );
  return db
    .select(summaryColumns)
    .from(cases)
    .leftJoin(persons, eq(persons.caseId, cases.id))
    .where(where)
    .orderBy(asc(cases.createdAt), asc(cases.id))
    .limit(limit + 1);
}

/** A page of cases, each as the caller may see it. */
export async function listCases(db: Db, options: ListOptions) {
  const { limit } = options;
  const rows = await listQuery(db, options);
  const items = rows.slice(0, limit).map((r) => projectSummary(toSummary(r as SummaryRow), options.scopeCountry));
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, next: last ? { createdAt: iso(last.createdAt as string), id: last.caseId as string } : null };
}

interface DecisionJson {
  side: DecisionSide;
  decision: string;
  reason: string | null;
  by: string;
  byName: string | null;
  country: string;
  at: string;
}

/** The whole case in one round trip: correlated subqueries, not N+1. */
const detailColumns = {
  ...summaryColumns,
  arrestedAt: cases.arrestedAt,
  arrestPlace: cases.arrestPlace,
  allegations: cases.allegations,
  dateOfBirth: persons.dateOfBirth,
  sex: persons.sex,
  personNationality: persons.claimedNationality,
  documents: sql<SealedDocumentJson[]>`coalesce((select json_agg(json_build_object(
      'type', d.type, 'numberSealed', d.number_sealed, 'issuingCountry', d.issuing_country) order by d.position)
    from ${personDocuments} d where d.case_id = ${cases.id}), '[]'::json)`,
  decisions: sql<DecisionJson[]>`coalesce((select json_agg(json_build_object(
      'side', x.side, 'decision', x.decision, 'reason', x.reason, 'by', x.by, 'byName', x.by_name,
      'country', x.country, 'at', x.at))
    from ${decisions} x where x.case_id = ${cases.id}), '[]'::json)`,
  identity: sql<IdentityJson | null>`(select json_build_object(
      'result', i.result, 'claimedNationality', i.claimed_nationality,
      'verifiedNationality', i.verified_nationality, 'method', i.method, 'evidenceRef', i.evidence_ref,
      'notes', i.notes, 'by', i.by, 'at', i.at, 'checks', count(*) over ())
    from ${identityChecks} i where i.case_id = ${cases.id} order by i.seq desc limit 1)`,
  duplicateOf: sql<string[]>`coalesce((select json_agg(f.other_case_id order by f.created_at)
    from ${duplicateFlags} f where f.case_id = ${cases.id}), '[]'::json)`,
  screening: sql<ScreeningRecord | null>`(select json_build_object(
      'indicators', s.indicators, 'notes', s.notes, 'by', s.by, 'at', s.at)
    from ${screenings} s where s.case_id = ${cases.id} order by s.seq desc limit 1)`,
  holds: sql<HoldRecord[]>`coalesce((select json_agg(json_build_object(
      'holdId', h.hold_id, 'kind', h.kind, 'reason', h.reason, 'until', h.until, 'placedBy', h.placed_by,
      'placedAt', h.placed_at, 'resumeStatus', h.resume_status, 'endedAt', h.ended_at, 'endedBy', h.ended_by,
      'outcome', h.outcome, 'outcomeReason', h.outcome_reason) order by h.placed_at, h.hold_id)
    from ${caseHolds} h where h.case_id = ${cases.id}), '[]'::json)`,
  consularNotice: sql<(ConsularNotice & { recordedBy: string; at: string }) | null>`(select json_build_object(
      'notifiedAt', n.notified_at, 'channel', n.channel, 'accessRequested', n.access_requested,
      'recordedBy', n.recorded_by, 'at', n.at)
    from ${consularNotices} n where n.case_id = ${cases.id})`,
  courtOrder: sql<CourtOrder | null>`(select json_build_object(
      'reference', o.reference, 'court', o.court, 'issuedAt', o.issued_at, 'recordedBy', o.recorded_by, 'at', o.at)
    from ${courtOrders} o where o.case_id = ${cases.id})`,
  custodyExtension: sql<CustodyExtension | null>`(select json_build_object(
      'days', e.days, 'reason', e.reason, 'by', e.by, 'at', e.at)
    from ${custodyExtensions} e where e.case_id = ${cases.id})`,
};

interface SealedDocumentJson {
  type: string;
  numberSealed: string;
  issuingCountry: string;
}

interface IdentityJson extends Omit<IdentityRecord, 'claimedNationality'> {
  claimedNationality: string;
  checks: number;
}

/** The whole case; document numbers are decrypted for the answer. */
/** The SELECT behind one case (the benchmark's baseline runs the same one, bare). */
export const detailQuery = (db: Db) =>
  db
    .select(detailColumns)
    .from(cases)
    .leftJoin(persons, eq(persons.caseId, cases.id))
    .where(eq(cases.id, sql.placeholder('id')));
type DetailRow = Awaited<ReturnType<typeof detailQuery>>[number];
const preparedDetail = new WeakMap<Db, { execute(values: { id: string }): Promise<DetailRow[]> }>();

export async function getCaseDetail(db: Db, caseId: string, protect: FieldProtection) {
  let query = preparedDetail.get(db);
  if (!query) {
    query = detailQuery(db).prepare('case_detail');
    preparedDetail.set(db, query);
  }
  const [row] = await query.execute({ id: caseId });
  if (!row) return null;
  const decisionFor = (side: DecisionSide) => {
    const d = row.decisions.find((x) => x.side === side);
    return d ? { decision: d.decision, by: d.by, byName: d.byName, country: d.country, at: iso(d.at), reason: d.reason } : null;
  };
  const { checks, ...identity } = row.identity ?? { checks: 0 };
  return {
    ...toSummary(row as SummaryRow),
    person:
      row.fullName === null
        ? null
        : {
            fullName: row.fullName,
            dateOfBirth: row.dateOfBirth,
            sex: row.sex,
            claimedNationality: row.personNationality,
            documents: row.documents.map((d) => ({ type: d.type, number: protect.open(d.numberSealed), issuingCountry: d.issuingCountry })),
          },
    arrest: { at: iso(row.arrestedAt), place: row.arrestPlace, allegations: row.allegations },
    identity: row.identity ? { ...(identity as Omit<IdentityJson, 'checks'>), at: iso(row.identity.at) } : null,
    identityChecks: checks,
    decisions: { holding: decisionFor('holding'), destination: decisionFor('destination') },
    flags: { possibleDuplicateOf: row.duplicateOf },
    screening: row.screening ? { ...row.screening, at: iso(row.screening.at) } : null,
    holds: row.holds.map((h) => ({
      ...h,
      until: isoOrNull(h.until),
      placedAt: iso(h.placedAt),
      endedAt: isoOrNull(h.endedAt),
      active: h.endedAt === null,
    })),
    consularNotice: row.consularNotice
      ? { ...row.consularNotice, notifiedAt: iso(row.consularNotice.notifiedAt), at: iso(row.consularNotice.at) }
      : null,
    courtOrder: row.courtOrder ? { ...row.courtOrder, issuedAt: iso(row.courtOrder.issuedAt), at: iso(row.courtOrder.at) } : null,
    custodyExtension: row.custodyExtension ? { ...row.custodyExtension, at: iso(row.custodyExtension.at) } : null,
  };
}
export type CaseDetail = NonNullable<Awaited<ReturnType<typeof getCaseDetail>>>;

/** The timeline of a case as a user whose reads are limited to `viewerCountry` may see it. */
export async function listCaseEvents(db: Db, caseId: string, viewerCountry: string | null) {
  const rows = await db
    .select({ event: caseEvents, holdingCountry: cases.holdingCountry })
    .from(caseEvents)
    .innerJoin(cases, eq(cases.id, caseEvents.caseId))
    .where(and(eq(caseEvents.caseId, caseId), eventShownSql(viewerCountry)))
    .orderBy(asc(caseEvents.at), sql`${caseEvents.seq} asc nulls first`, asc(caseEvents.id));
  const full = rows.length === 0 || seesAll(viewerCountry, rows[0].holdingCountry);
  const items = rows.map(({ event: e }) => ({
    id: e.id,
    type: e.type,
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    actor: e.actorSub ? { sub: e.actorSub, name: e.actorName, role: e.actorRole, country: e.actorCountry } : null,
    reason: e.reason,
    data: e.data ?? null,
    at: iso(e.at),
  }));
  return items.flatMap(
    (e) => projectEvent({ ...e, fromStatus: e.fromStatus as CaseStatus | null, toStatus: e.toStatus as CaseStatus | null }, full) ?? [],
  );
}

/** Each side's recorded decision, for answering a repeated decision without asking the workflow. */
export async function getDecisions(db: Db, caseIds: string[]): Promise<Map<string, Partial<Record<DecisionSide, string>>>> {
  const found = new Map<string, Partial<Record<DecisionSide, string>>>();
  for (const chunk of chunks([...new Set(caseIds)], 1000)) {
    const rows = await db
      .select({ caseId: decisions.caseId, side: decisions.side, decision: decisions.decision })
      .from(decisions)
      .where(inArray(decisions.caseId, chunk));
    for (const r of rows) found.set(r.caseId, { ...found.get(r.caseId), [r.side]: r.decision });
  }
  return found;
}
