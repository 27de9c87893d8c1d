// The read models of one case: the row that decides who may act on it, the whole case, its
// timeline, and each side's recorded decision.
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { CaseDetail as CaseDetailSchema } from '../api/schemas.js';
import type {
  CaseStatus,
  ConsularNotice,
  CourtOrder,
  CustodyExtension,
  DecisionSide,
  DecisionRecord,
  HoldRecord,
  IdentityRecord,
  ScreeningRecord,
} from '../workflows/definitions.js';
import type { FieldProtection } from '../lib/crypto.js';
import { eventShownSql, projectEvent, seesAll } from '../lib/need-to-know.js';
import { summaryColumns, toSummary, type StoredSummary, type SummaryRow } from './case-list.js';
import type { Db } from './client.js';
import { chunks, iso, isoOrNull } from './rows.js';
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
} from './schema.js';

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

type DecisionJson = DecisionRecord & { side: DecisionSide };

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

/** The whole case as stored: the answer's shape (the API's zod schema), with the summary's extras. */
type StoredCaseDetail = z.output<typeof CaseDetailSchema> & Omit<StoredSummary, keyof z.output<typeof CaseDetailSchema>>;

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
            // The person's row is there (its name is): its columns are not null.
            claimedNationality: row.personNationality!,
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
  } satisfies StoredCaseDetail;
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

/** The last identity verification recorded on each of the cases that have one: what a repeat must ask again. */
export async function getLastIdentityChecks(db: Db, caseIds: string[]) {
  const found = new Map<string, Pick<IdentityRecord, 'result' | 'verifiedNationality' | 'method' | 'evidenceRef' | 'notes' | 'by'>>();
  for (const chunk of chunks([...new Set(caseIds)], 1000)) {
    const rows = await db
      .selectDistinctOn([identityChecks.caseId], {
        caseId: identityChecks.caseId,
        result: identityChecks.result,
        verifiedNationality: identityChecks.verifiedNationality,
        method: identityChecks.method,
        evidenceRef: identityChecks.evidenceRef,
        notes: identityChecks.notes,
        by: identityChecks.by,
      })
      .from(identityChecks)
      .where(inArray(identityChecks.caseId, chunk))
      .orderBy(identityChecks.caseId, desc(identityChecks.seq));
    for (const { caseId, ...check } of rows) found.set(caseId, check as IdentityRecord);
  }
  return found;
}

/**
 * A hold or protection claim by its id, whichever case it is on: what a repeat of the request that
 * placed it must ask again (its kind, reason, expected end, and a claim's lodging time).
 */
export async function getHold(db: Db, holdId: string) {
  const [row] = await db
    .select({
      caseId: caseHolds.caseId,
      holdingCountry: cases.holdingCountry,
      kind: caseHolds.kind,
      reason: caseHolds.reason,
      until: caseHolds.until,
      lodgedAt: sql<string | null>`(select e.data->>'lodgedAt' from ${caseEvents} e
        where e.case_id = ${caseHolds.caseId} and e.type = 'PROTECTION_CLAIM_LODGED' and e.data->>'holdId' = ${caseHolds.holdId} limit 1)`,
    })
    .from(caseHolds)
    .innerJoin(cases, eq(cases.id, caseHolds.caseId))
    .where(eq(caseHolds.holdId, holdId));
  return row ? { ...row, until: isoOrNull(row.until), lodgedAt: isoOrNull(row.lodgedAt) } : undefined;
}
