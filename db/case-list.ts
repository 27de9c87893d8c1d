// The case list's read model: one summary per case, as a page in the caller's scope.
import { and, asc, eq, gt, or, sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { CaseSummary as CaseSummarySchema } from '../api/schemas.js';
import type { CaseStatus, OverdueReason } from '../workflows/definitions.js';
import { overdueIs, projectSummary, restrictedSummarySql, viewStatusIs, type ViewStatus } from '../lib/need-to-know.js';
import type { Db } from './client.js';
import { iso, isoOrNull } from './rows.js';
import { queryTokens } from '../lib/name-keys.js';
import { cases, personDocuments, persons } from './schema.js';
import { visibleTo } from './visibility.js';

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

/**
 * A list item as stored: the answer's shape (the API's zod schema is its one definition), plus
 * what `projectSummary` needs to make the restricted view and then drops.
 */
export type StoredSummary = z.output<typeof CaseSummarySchema> & { custodyEscalations: number; shownUpdatedAt: string | null };

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
    overdueReasons: r.overdueReasons as OverdueReason[],
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
  } satisfies StoredSummary;
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

/** A search (`q`): the text, and its keyed hash as a document number (lib/crypto.ts `fingerprint`). */
export interface CaseSearch {
  text: string;
  documentHash: string;
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
  search?: CaseSearch;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SQL: the case matches the search: its reference (exact, any case) or id, one of its person's
 * documents by the number's keyed hash (exact), or the name: every word of the query a prefix of
 * one of the name's keys, or the query without spaces a prefix of one. It runs inside the
 * visibility filter; every country that sees a case sees its person's name and documents
 * (projectSummary and projectCase keep them), so no field is searchable that its viewer may not see.
 */
export function searchMatches(search: CaseSearch): SQL {
  const tokens = queryTokens(search.text);
  const prefixOfKey = (token: string) => sql`exists (select 1 from unnest(${persons.nameKeys}) k where starts_with(k, ${token}))`;
  const name =
    tokens.length === 0 ? undefined : or(and(...tokens.map(prefixOfKey)), tokens.length > 1 ? prefixOfKey(tokens.join('')) : undefined);
  return or(
    sql`lower(${cases.externalRef}) = lower(${search.text})`,
    UUID.test(search.text) ? eq(cases.id, search.text.toLowerCase()) : undefined,
    sql`exists (select 1 from ${personDocuments} where ${personDocuments.caseId} = ${cases.id} and ${personDocuments.numberHash} = ${search.documentHash})`,
    name,
  )!;
}

const listColumns = {
  ...summaryColumns,
  dateOfBirth: persons.dateOfBirth,
  documents: sql<
    { type: string; issuingCountry: string }[]
  >`coalesce((select json_agg(json_build_object('type', d.type, 'issuingCountry', d.issuing_country) order by d.position)
    from person_documents d where d.case_id = ${cases.id}), '[]'::json)`,
};

/** The SELECT behind a page of cases (the benchmark's baseline runs the same one, bare). */
export function listQuery(db: Db, options: ListOptions) {
  const { filters, limit, after, search } = options;
  const where = and(
    visibleTo(options.scopeCountry),
    filters.status ? viewStatusIs(options.scopeCountry, filters.status) : undefined,
    filters.holdingCountry ? eq(cases.holdingCountry, filters.holdingCountry) : undefined,
    filters.destinationCountry ? eq(cases.destinationCountry, filters.destinationCountry) : undefined,
    filters.operationId ? eq(cases.operationId, filters.operationId) : undefined,
    filters.overdue === undefined ? undefined : overdueIs(options.scopeCountry, filters.overdue),
    search ? searchMatches(search) : undefined,
    after ? or(gt(cases.createdAt, after.createdAt), and(eq(cases.createdAt, after.createdAt), gt(cases.id, after.id))) : undefined,
  );
  return db
    .select(listColumns)
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
  const items = rows
    .slice(0, limit)
    .map((r) => ({
      ...projectSummary(toSummary(r as SummaryRow), options.scopeCountry),
      dateOfBirth: r.dateOfBirth ?? null,
      documents: r.documents,
    }));
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, next: last ? { createdAt: iso(last.createdAt as string), id: last.caseId as string } : null };
}
