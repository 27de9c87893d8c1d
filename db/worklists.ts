// Work lists and progress for the people doing the work: a supervisor's decision queue, the
// transfer batches of a country, and each operation's progress per country pair.
import { and, asc, desc, eq, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { TERMINAL_STATUSES, type TransferStatus } from '../workflows/definitions.js';
import { legShownSql, overdueIs, overdueSql, projectEvidence, projectSummary } from '../lib/need-to-know.js';
import type { Db } from './client.js';
import { summaryColumns, toSummary, type SummaryRow } from './case-list.js';
import { iso } from './rows.js';
import { transferVisibleTo, visibleTo } from './visibility.js';
import { cases, decisions, identityChecks, operations, personDocuments, persons, screenings, transfers } from './schema.js';

export interface Keyset {
  /** The sort value of the last item (an ISO time). */
  createdAt: string;
  id: string;
}

const undecided = (side: 'holding' | 'destination') =>
  sql`not exists (select 1 from ${decisions} d where d.case_id = ${cases.id} and d.side = ${side})`;

/**
 * Cases awaiting the decision of `country`'s side, the earliest approval deadline first. The
 * keyset's `createdAt` carries the deadline.
 */
export async function listPendingDecisions(
  db: Db,
  options: { country: string; operationId?: string; overdue?: boolean; limit: number; after?: Keyset },
) {
  const { country, limit, after } = options;
  const due = sql`coalesce(${cases.approvalDueAt}, 'infinity'::timestamptz)`;
  const rows = await db
    .select({
      ...summaryColumns,
      side: sql<'holding' | 'destination'>`case when ${cases.holdingCountry} = ${country} then 'holding' else 'destination' end`,
      otherSide: sql<string | null>`(select d.decision from ${decisions} d where d.case_id = ${cases.id}
        and d.side = case when ${cases.holdingCountry} = ${country} then 'destination' else 'holding' end)`,
      // The evidence a supervisor decides on: the latest identity check, screening and the documents.
      identity: sql<{ result: string; method: string; verifiedNationality: string | null } | null>`(select json_build_object(
          'result', i.result, 'method', i.method, 'verifiedNationality', i.verified_nationality)
        from ${identityChecks} i where i.case_id = ${cases.id} order by i.seq desc limit 1)`,
      screening: sql<{ indicators: string[] } | null>`(select json_build_object('indicators', s.indicators)
        from ${screenings} s where s.case_id = ${cases.id} order by s.seq desc limit 1)`,
      documents: sql<{ type: string; issuingCountry: string }[]>`coalesce((select json_agg(json_build_object(
          'type', d.type, 'issuingCountry', d.issuing_country) order by d.position)
        from ${personDocuments} d where d.case_id = ${cases.id}), '[]'::json)`,
    })
    .from(cases)
    .leftJoin(persons, eq(persons.caseId, cases.id))
    .where(
      and(
        eq(cases.status, 'APPROVAL_PENDING'),
        or(
          and(eq(cases.holdingCountry, country), undecided('holding')),
          and(eq(cases.destinationCountry, country), undecided('destination')),
        ),
        options.operationId ? eq(cases.operationId, options.operationId) : undefined,
        options.overdue === undefined ? undefined : overdueIs(country, options.overdue),
        after ? sql`(${due}, ${cases.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(due), asc(cases.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((r) => ({
    ...projectSummary(toSummary(r as unknown as SummaryRow), country),
    side: r.side,
    otherSideDecision: (r.otherSide ?? null) as 'approve' | 'reject' | null,
    evidence: projectEvidence({ identity: r.identity, screening: r.screening, documents: r.documents }, country, r.holdingCountry as string),
  }));
  const last = rows.length > limit ? items[limit - 1] : undefined;
  return { items, next: last ? { createdAt: last.deadlines.approvalDueAt ?? 'infinity', id: last.caseId } : null };
}

/** Transfer batches from or to `country` (all for null), newest first. */
export async function listTransfers(db: Db, options: { country: string | null; status?: TransferStatus; limit: number; after?: Keyset }) {
  const { country, limit, after } = options;
  const rows = await db
    .select({
      transferId: transfers.id,
      status: transfers.status,
      holdingCountry: transfers.holdingCountry,
      destinationCountry: transfers.destinationCountry,
      mode: transfers.mode,
      from: transfers.fromPlace,
      to: transfers.toPlace,
      scheduledAt: transfers.scheduledAt,
      capacity: transfers.capacity,
      createdAt: transfers.createdAt,
      departedAt: transfers.departedAt,
      completedAt: transfers.completedAt,
      // On board (not dropped), as far as the caller may see who is (need-to-know).
      cases: sql<number>`(select count(*)::int from transfer_legs inner join cases on cases.id = transfer_legs.case_id
        where transfer_legs.transfer_id = transfers.id and transfer_legs.outcome <> 'dropped'
        and ${legShownSql(country, sql`transfers.holding_country`) ?? sql`true`})`,
    })
    .from(transfers)
    .where(
      and(
        transferVisibleTo(country),
        options.status ? eq(transfers.status, options.status) : undefined,
        after ? sql`(${transfers.createdAt}, ${transfers.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(transfers.createdAt), desc(transfers.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((r) => ({
    ...r,
    status: r.status as TransferStatus,
    scheduledAt: iso(r.scheduledAt),
    createdAt: iso(r.createdAt),
    departedAt: r.departedAt === null ? null : iso(r.departedAt),
    completedAt: r.completedAt === null ? null : iso(r.completedAt),
    cases: Number(r.cases),
  }));
  const last = rows.length > limit ? items[limit - 1] : undefined;
  return { items, next: last ? { createdAt: last.createdAt, id: last.transferId } : null };
}

const PAST_IDENTITY: SQL = sql`exists (select 1 from ${identityChecks} i where i.case_id = ${cases.id} and i.result = 'confirmed')`;
const BOTH_APPROVED: SQL = sql`(select count(*) from ${decisions} d where d.case_id = ${cases.id} and d.decision = 'approve') = 2`;

/**
 * Per operation and country pair (holding → destination, or claimed nationality until verified):
 * cases arrested, identity confirmed, approved by both sides, handed over, still open, overdue.
 */
export async function getProgress(db: Db, scopeCountry: string | null) {
  const destination = sql<string>`coalesce(${cases.destinationCountry}, ${cases.claimedNationality})`;
  const counted = (condition: SQL) => sql<number>`count(*) filter (where ${condition})::int`;
  const rows = await db
    .select({
      operationId: cases.operationId,
      operationName: operations.name,
      holdingCountry: cases.holdingCountry,
      destinationCountry: destination,
      arrested: sql<number>`count(*)::int`,
      verified: counted(PAST_IDENTITY),
      approved: counted(BOTH_APPROVED),
      handedOver: counted(eq(cases.status, 'HANDED_OVER')!),
      pending: counted(notInArray(cases.status, [...TERMINAL_STATUSES])!),
      overdue: counted(overdueSql(scopeCountry)),
    })
    .from(cases)
    .leftJoin(operations, eq(operations.id, cases.operationId))
    .where(visibleTo(scopeCountry))
    .groupBy(cases.operationId, operations.name, cases.holdingCountry, destination)
    .orderBy(asc(operations.name), asc(cases.holdingCountry), asc(destination));
  return rows.map((r) => ({
    ...r,
    operationName: r.operationName ?? null,
    arrested: Number(r.arrested),
    verified: Number(r.verified),
    approved: Number(r.approved),
    handedOver: Number(r.handedOver),
    pending: Number(r.pending),
    overdue: Number(r.overdue),
  }));
}
