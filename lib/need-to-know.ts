// Field-level need-to-know (DESIGN.md §5): a case is visible to both sides, its fields are not.
// Everything about a protection claim (that it exists, its grounds, its review) and the
// trafficking screening (indicators, notes, who) belongs to the holding country. Every other
// country that can see the case (destination, claimed nationality) gets the restricted view:
// held cases show only that they are held for a legal review, a case closed by the holding
// country's safeguards shows as CLOSED, and a person not on board is not on its batch.
//
// One rule, two forms: a plain form that projects what is about to leave the system (a case, a
// summary, an event, a batch's legs) and an SQL form for queries (the status a viewer sees, which
// events and legs a viewer sees), so filters and counts reveal no more than the answers.
import { createHash } from 'node:crypto';
import { and, eq, ne, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { caseEvents, cases, transferLegs } from '../db/schema.js';
import { CASE_STATUSES, type CaseStatus, type HoldRecord } from '../workflows/definitions.js';
import type { CaseEventType } from '../workflows/events.js';

/** The statuses an answer can carry: the workflow's, and `CLOSED` for the restricted view. */
export const VIEW_STATUSES = [...CASE_STATUSES, 'CLOSED'] as const;
export type ViewStatus = (typeof VIEW_STATUSES)[number];

/** The closing status of the holding country's safeguards (a trafficking diversion, an upheld claim). */
const SAFEGUARD_OUTCOME: CaseStatus = 'PROTECTION';
/** What the restricted view shows for it: closed by the holding country, no transfer. */
const NEUTRAL_CLOSED = 'CLOSED' as const;
/** The kind every hold shows in the restricted view, whatever it is. */
export const NEUTRAL_HOLD_KIND = 'legal_review' as const;

/**
 * Whether a user whose reads are limited to `viewerCountry` (null: an admin, who sees all) gets
 * the full case held by `holdingCountry`. Only the holding country's users and admins do.
 */
export const seesAll = (viewerCountry: string | null, holdingCountry: string): boolean =>
  viewerCountry === null || viewerCountry === holdingCountry;

/** The countries that see a case at all: its holding, claimed and (once known) destination country. */
export const caseCountries = (row: { holdingCountry: string; claimedNationality: string; destinationCountry: string | null }): string[] => [
  ...new Set([row.holdingCountry, row.claimedNationality, ...(row.destinationCountry ? [row.destinationCountry] : [])]),
];

// ---- plain form ----

/** Whether a status is the outcome of the holding country's safeguards (a list filtered by it says which cases have it). */
export const isSafeguardStatus = (status: string): boolean => status === SAFEGUARD_OUTCOME;

export function viewStatus(status: CaseStatus, full: boolean): ViewStatus;
export function viewStatus(status: CaseStatus | null, full: boolean): ViewStatus | null;
export function viewStatus(status: CaseStatus | null, full: boolean): ViewStatus | null {
  return !full && status === SAFEGUARD_OUTCOME ? NEUTRAL_CLOSED : status;
}

/**
 * Timeline events about holds, claims and screening, and what the restricted view shows instead:
 * another type, or nothing (`null`: the event is left out). Medical and legal holds are shown
 * the same way as claims, so the two cannot be told apart. Every event shown in place of one of
 * these has no actor, reason or data.
 */
export const RESTRICTED_EVENTS: Readonly<Partial<Record<CaseEventType, CaseEventType | null>>> = {
  SCREENED: 'SCREENED',
  PROTECTION_REFERRAL: 'CASE_CLOSED',
  HOLD_PLACED: 'HOLD_PLACED',
  PROTECTION_CLAIM_LODGED: 'HOLD_PLACED',
  HOLD_LIFTED: 'HOLD_LIFTED',
  PROTECTION_CLAIM_DISMISSED: 'HOLD_LIFTED',
  PROTECTION_CLAIM_UPHELD: 'CASE_CLOSED',
  // The person did not board: the destination sees only who did.
  DROPPED_FROM_TRANSFER: null,
  // The custody clock is the holding country's detention, and claims do not stop it while holds
  // do: its escalations, its extension and the due date a release carries would tell them apart.
  CUSTODY_LIMIT_EXCEEDED: null,
  CUSTODY_EXTENDED: null,
  RELEASED: 'RELEASED',
};
/** Events the restricted view shows neutrally whose change is still the other side's to audit. */
const SHARED_EVENTS: readonly CaseEventType[] = ['RELEASED'];
/** The overdue reason of the custody clock, which the restricted view never lists. */
const CUSTODY_OVERDUE = 'custody';
const OMITTED_EVENTS = Object.entries(RESTRICTED_EVENTS)
  .filter(([, shown]) => shown === null)
  .map(([type]) => type);

/** Whether an event belongs to the holding country's safeguards (its audit entry stays with that country). */
export const isSafeguardEvent = (type: string, toStatus: CaseStatus | null = null): boolean =>
  (isRestricted(type) && !SHARED_EVENTS.includes(type)) || toStatus === SAFEGUARD_OUTCOME;

function isRestricted(type: string): type is keyof typeof RESTRICTED_EVENTS {
  return Object.hasOwn(RESTRICTED_EVENTS, type);
}

interface EventLike {
  type: string;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
}
type Viewed<E extends EventLike> = Omit<E, 'fromStatus' | 'toStatus'> & { fromStatus: ViewStatus | null; toStatus: ViewStatus | null };

/** One timeline or stream event as the viewer may see it; null when it is not shown at all. */
export function projectEvent<E extends EventLike>(event: E, full: boolean): Viewed<E> | null {
  if (full) return event;
  const projected = { ...event, fromStatus: viewStatus(event.fromStatus, false), toStatus: viewStatus(event.toStatus, false) };
  if (!isRestricted(event.type)) return projected;
  const shown = RESTRICTED_EVENTS[event.type];
  if (shown === null) return null;
  const neutral = { ...projected, type: shown } as unknown as Record<string, unknown>;
  for (const field of ['actor', 'reason', 'data'] as const) if (field in neutral) neutral[field] = null;
  return neutral as Viewed<E>;
}

/**
 * A hold id the restricted view can show: made from what that view shows anyway (the case, when
 * the hold was placed), never from the real id, whose form may tell a claim from a hold.
 */
const neutralHoldId = (caseId: string, placedAt: string, n: number): string => {
  const h = createHash('sha256').update(`hold:${caseId}:${placedAt}:${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

interface SummaryLike {
  holdingCountry: string;
  status: CaseStatus;
  overdue: boolean;
  overdueReasons: string[];
  overdueSince: string | null;
  escalations: number;
  updatedAt: string;
  /** How many of the escalations were the custody clock's (`restrictedSummarySql`). */
  custodyEscalations: number;
  /** When the last event the restricted view shows happened (`restrictedSummarySql`). */
  shownUpdatedAt: string | null;
  deadlines: { custodyDueAt: string | null };
}

/**
 * A list item (summary) as the viewer may see it. The restricted view has no custody clock: no
 * custody due date, reason or escalations, no overdue-since (the custody clock may have set it),
 * and the case last changed with the last event it shows. `overdue` is then whether any other
 * deadline has passed, as `overdueIs` counts it.
 */
export function projectSummary<S extends SummaryLike>(
  summary: S,
  viewerCountry: string | null,
): Omit<S, 'status' | 'custodyEscalations' | 'shownUpdatedAt'> & { status: ViewStatus } {
  type Shown = Omit<S, 'status' | 'custodyEscalations' | 'shownUpdatedAt'> & { status: ViewStatus };
  const { custodyEscalations, shownUpdatedAt, ...rest } = summary;
  if (seesAll(viewerCountry, summary.holdingCountry)) return rest as unknown as Shown;
  const overdueReasons = summary.overdueReasons.filter((r) => r !== CUSTODY_OVERDUE);
  return {
    ...rest,
    status: viewStatus(summary.status, false),
    overdue: overdueReasons.length > 0,
    overdueReasons,
    overdueSince: null,
    escalations: summary.escalations - custodyEscalations,
    // An escalation of the custody clock changes the case too, and only while no hold stops it.
    updatedAt: shownUpdatedAt ?? summary.updatedAt,
    deadlines: { ...summary.deadlines, custodyDueAt: null },
  } as unknown as Shown;
}

/**
 * The evidence on a queue row as the viewer may see it: identity and documents (type and issuing
 * country, never the number) for both sides; the screening only for the holding country, and
 * only whether indicators were found, how many.
 */
export function projectEvidence<I>(
  evidence: { identity: I | null; screening: { indicators: string[] } | null; documents: { type: string; issuingCountry: string }[] },
  viewerCountry: string | null,
  holdingCountry: string,
) {
  const { screening } = evidence;
  const shown = seesAll(viewerCountry, holdingCountry) && screening ? { indicatorsFound: screening.indicators.length } : null;
  return { identity: evidence.identity ?? null, screening: shown, documents: evidence.documents.map((d) => ({ type: d.type, issuingCountry: d.issuingCountry })) };
}

type HoldLike = HoldRecord & { active: boolean };

interface DetailLike extends SummaryLike {
  caseId: string;
  screening: unknown;
  holds: HoldLike[];
  custodyExtension: unknown;
}

/**
 * The whole case as the viewer may see it. The restricted view: no screening, no custody clock
 * (see `projectSummary`) nor its extension, only active holds, each shown as a legal review with
 * nothing that tells a claim from a medical or legal hold.
 */
export function projectCase<D extends DetailLike>(detail: D, viewerCountry: string | null) {
  const full = seesAll(viewerCountry, detail.holdingCountry);
  const summary = projectSummary(detail, viewerCountry);
  const holds = full
    ? detail.holds.map((h) => ({
        ...h,
        kind: h.kind as HoldLike['kind'] | typeof NEUTRAL_HOLD_KIND,
        reason: h.reason as string | null,
        placedBy: h.placedBy as string | null,
      }))
    : detail.holds
        .filter((h) => h.active)
        .map((h, i, active) => ({
          holdId: neutralHoldId(detail.caseId, h.placedAt, active.slice(0, i).filter((o) => o.placedAt === h.placedAt).length),
          kind: NEUTRAL_HOLD_KIND as HoldLike['kind'] | typeof NEUTRAL_HOLD_KIND,
          reason: null as string | null,
          until: null,
          placedBy: null as string | null,
          placedAt: h.placedAt,
          resumeStatus: h.resumeStatus,
          endedAt: null,
          endedBy: null,
          outcome: null,
          outcomeReason: null,
          active: true,
        }));
  return {
    ...summary,
    screening: full ? detail.screening : null,
    custodyExtension: full ? detail.custodyExtension : null,
    holds,
  };
}

interface LegLike {
  outcome: string;
  status: CaseStatus;
}

/**
 * Whether the viewer sees this person on the batch: the holding side sees everyone; the
 * destination only who boarded, or (before departure) who is on the batch and not held.
 */
export const legShown = (leg: { outcome: string; status: string }, full: boolean): boolean =>
  full || (leg.outcome !== 'dropped' && !(leg.outcome === 'scheduled' && leg.status === 'ON_HOLD'));

/** A batch's people as the viewer may see them. */
export function projectLegs<L extends LegLike>(legs: L[], viewerCountry: string | null, holdingCountry: string) {
  const full = seesAll(viewerCountry, holdingCountry);
  return legs.filter((l) => legShown(l, full)).map((l) => ({ ...l, status: viewStatus(l.status, full) }));
}

// ---- SQL form ----

/** SQL: whether the viewer gets the full case (the row of `cases` in the query). */
export function seesAllSql(viewerCountry: string | null): SQL {
  return viewerCountry === null ? sql`true` : sql`(${cases.holdingCountry} = ${viewerCountry})`;
}

/** SQL: the status of the case (the row of `cases` in the query) as the viewer sees it. */
export function viewStatusSql(viewerCountry: string | null): SQL<ViewStatus> {
  if (viewerCountry === null) return sql<ViewStatus>`${cases.status}`;
  return sql<ViewStatus>`(case when ${cases.status} = ${SAFEGUARD_OUTCOME} and ${cases.holdingCountry} <> ${viewerCountry}
    then ${NEUTRAL_CLOSED} else ${cases.status} end)`;
}

/** SQL: the case's status as the viewer sees it is `status` (kept simple for the status index). */
export function viewStatusIs(viewerCountry: string | null, status: ViewStatus): SQL {
  if (status === NEUTRAL_CLOSED) {
    return viewerCountry === null ? sql`false` : and(eq(cases.status, SAFEGUARD_OUTCOME), ne(cases.holdingCountry, viewerCountry))!;
  }
  if (status === SAFEGUARD_OUTCOME && viewerCountry !== null) {
    return and(eq(cases.status, SAFEGUARD_OUTCOME), eq(cases.holdingCountry, viewerCountry))!;
  }
  return eq(cases.status, status);
}

/** SQL columns (the row of `cases` in the query) that `projectSummary` needs for the restricted view. */
export const restrictedSummarySql = {
  custodyEscalations: sql<number>`(select count(*)::int from ${caseEvents} ce
    where ce.case_id = ${cases.id} and ce.type = 'CUSTODY_LIMIT_EXCEEDED')`,
  shownUpdatedAt: sql<string | null>`(select max(ce.at) from ${caseEvents} ce
    where ce.case_id = ${cases.id} and ${notInArray(sql`ce.type`, OMITTED_EVENTS)})`,
};

/**
 * SQL: whether the case is overdue as the viewer sees it is `overdue` — in the restricted view,
 * whether a deadline other than the custody clock's has passed (`projectSummary`).
 */
export function overdueIs(viewerCountry: string | null, overdue: boolean): SQL {
  const shown = overdueSql(viewerCountry);
  // `overdue` first, for the index on overdue cases.
  return overdue ? and(eq(cases.overdue, true), shown)! : sql`not ${shown}`;
}

/** SQL: the case is overdue as the viewer sees it (the row of `cases` in the query). */
export function overdueSql(viewerCountry: string | null): SQL<boolean> {
  if (viewerCountry === null) return sql<boolean>`${cases.overdue}`;
  return sql<boolean>`(${cases.overdue} and (${cases.holdingCountry} = ${viewerCountry}
    or cardinality(array_remove(${cases.overdueReasons}, ${CUSTODY_OVERDUE}::text)) > 0))`;
}

/** SQL: the viewer sees this timeline event (the rows of `case_events` and `cases` in the query). */
export function eventShownSql(viewerCountry: string | null): SQL | undefined {
  if (viewerCountry === null) return undefined;
  return or(eq(cases.holdingCountry, viewerCountry), notInArray(caseEvents.type, OMITTED_EVENTS));
}

/** SQL: the viewer sees this person on the batch (the rows of `transfer_legs` and `cases` in the query). */
export function legShownSql(viewerCountry: string | null, holdingCountry: SQL | string): SQL | undefined {
  if (viewerCountry === null) return undefined;
  return or(
    sql`${holdingCountry} = ${viewerCountry}`,
    and(ne(transferLegs.outcome, 'dropped'), or(ne(transferLegs.outcome, 'scheduled'), ne(cases.status, 'ON_HOLD'))),
  );
}
