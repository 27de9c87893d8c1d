import { and, count, isNull, sql } from 'drizzle-orm';
import { DECIDED_STATUSES } from '../workflows/case-rules.js';
import { TERMINAL_STATUSES, type CaseStatus } from '../workflows/definitions.js';
import { NEUTRAL_HOLD_KIND, overdueSql, seesAllSql, viewStatusSql } from '../lib/need-to-know.js';
import type { Db } from './client.js';
import { visibleTo } from './visibility.js';
import { caseHolds, cases } from './schema.js';

type Counts = Record<string, number>;

/** Decided, or handed over since (the workflow's decided statuses and the end of the process). */
const APPROVED_OR_LATER: CaseStatus[] = [...DECIDED_STATUSES, 'HANDED_OVER'];

/** The questions asked after a raid: how many arrested, verified, approved, transferred, handed over, pending, overdue. */
export interface Funnel {
  arrested: number;
  verified: number;
  approved: number;
  transferred: number;
  handedOver: number;
  pending: number;
  overdue: number;
  onHold: number;
  protection: number;
  closed: number;
  referred: number;
  rejected: number;
  cancelled: number;
  released: number;
}

const emptyFunnel = (): Funnel => ({
  arrested: 0,
  verified: 0,
  approved: 0,
  transferred: 0,
  handedOver: 0,
  pending: 0,
  overdue: 0,
  onHold: 0,
  protection: 0,
  closed: 0,
  referred: 0,
  rejected: 0,
  cancelled: 0,
  released: 0,
});

const destination = sql<string>`coalesce(${cases.destinationCountry}, ${cases.claimedNationality})`;
const verified = sql<boolean>`${cases.destinationCountry} is not null`;
/** Where a held case stands underneath its hold. */
const stage = sql<string>`case when ${cases.status} = 'ON_HOLD' then ${cases.holdResumeStatus} else ${cases.status} end`;

/**
 * Counts by status, overall and per operation and country, over the cases `scopeCountry` may see,
 * each case counted by the status that user sees (need-to-know).
 */
export async function getStats(db: Db, scopeCountry: string | null) {
  const status = viewStatusSql(scopeCountry);
  const rows = await db
    .select({
      status,
      stage,
      operationId: cases.operationId,
      holdingCountry: cases.holdingCountry,
      destinationCountry: destination,
      verified,
      overdue: overdueSql(scopeCountry),
      n: count(),
    })
    .from(cases)
    .where(visibleTo(scopeCountry))
    // The projected status and overdue flag by their positions: the same expression written twice has other parameters.
    .groupBy(sql`1`, stage, cases.operationId, cases.holdingCountry, destination, verified, sql`7`);
  const byStatus: Counts = {};
  const byOperation: Record<string, Counts> = {};
  const byHoldingCountry: Record<string, Counts> = {};
  const byDestinationCountry: Record<string, Counts> = {};
  const funnel = emptyFunnel();
  const funnelByOperation: Record<string, Funnel> = {};
  const funnelByHoldingCountry: Record<string, Funnel> = {};
  let overdue = 0;
  let total = 0;
  const add = (target: Counts, key: string, n: number) => {
    target[key] = (target[key] ?? 0) + n;
  };
  for (const r of rows) {
    const n = Number(r.n);
    const status = r.status;
    total += n;
    add(byStatus, status, n);
    if (r.operationId) add((byOperation[r.operationId] ??= {}), status, n);
    add((byHoldingCountry[r.holdingCountry] ??= {}), status, n);
    add((byDestinationCountry[r.destinationCountry] ??= {}), status, n);
    if (r.overdue) overdue += n;
    const funnels = [funnel, (funnelByHoldingCountry[r.holdingCountry] ??= emptyFunnel())];
    if (r.operationId) funnels.push((funnelByOperation[r.operationId] ??= emptyFunnel()));
    for (const f of funnels) {
      f.arrested += n;
      if (r.verified) f.verified += n;
      if (APPROVED_OR_LATER.includes(r.stage as CaseStatus)) f.approved += n;
      if (status === 'IN_TRANSFER' || status === 'HANDED_OVER') f.transferred += n;
      if (status === 'HANDED_OVER') f.handedOver += n;
      if (!TERMINAL_STATUSES.includes(status as CaseStatus) && status !== 'CLOSED') f.pending += n;
      if (r.overdue) f.overdue += n;
      if (status === 'ON_HOLD') f.onHold += n;
      if (status === 'PROTECTION') f.protection += n;
      if (status === 'CLOSED') f.closed += n;
      if (status === 'REFERRED') f.referred += n;
      if (status === 'REJECTED') f.rejected += n;
      if (status === 'CANCELLED') f.cancelled += n;
      if (status === 'RELEASED') f.released += n;
    }
  }
  // Holds on cases another country holds count as a legal review, whatever their kind.
  const kind = sql<string>`case when ${seesAllSql(scopeCountry)} then ${caseHolds.kind} else ${NEUTRAL_HOLD_KIND} end`;
  const holds = await db
    .select({ kind, n: count() })
    .from(caseHolds)
    .innerJoin(cases, sql`${cases.id} = ${caseHolds.caseId}`)
    .where(and(isNull(caseHolds.endedAt), visibleTo(scopeCountry)))
    .groupBy(sql`1`);
  const activeHolds = { medical: 0, legal: 0, protection_claim: 0, [NEUTRAL_HOLD_KIND]: 0 };
  for (const h of holds) activeHolds[h.kind as keyof typeof activeHolds] = Number(h.n);
  return {
    total,
    funnel,
    funnelByOperation,
    funnelByHoldingCountry,
    activeHolds,
    byStatus,
    byOperation,
    byHoldingCountry,
    byDestinationCountry,
    overdue,
  };
}
