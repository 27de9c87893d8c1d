import { and, count, isNull, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { visibleTo } from './cases.js';
import { caseHolds, cases } from './schema.js';

type Counts = Record<string, number>;

/** Counts by status, overall and per operation and country, over the cases `scopeCountry` may see. */
export async function getStats(db: Db, scopeCountry: string | null) {
  const rows = await db
    .select({
      status: cases.status,
      operationId: cases.operationId,
      holdingCountry: cases.holdingCountry,
      destinationCountry: sql<string>`coalesce(${cases.destinationCountry}, ${cases.claimedNationality})`,
      overdue: cases.overdue,
      n: count(),
    })
    .from(cases)
    .where(visibleTo(scopeCountry))
    .groupBy(
      cases.status,
      cases.operationId,
      cases.holdingCountry,
      sql`coalesce(${cases.destinationCountry}, ${cases.claimedNationality})`,
      cases.overdue,
    );
  const byStatus: Counts = {};
  const byOperation: Record<string, Counts> = {};
  const byHoldingCountry: Record<string, Counts> = {};
  const byDestinationCountry: Record<string, Counts> = {};
  let overdue = 0;
  let total = 0;
  const add = (target: Counts, key: string, n: number) => {
    target[key] = (target[key] ?? 0) + n;
  };
  for (const r of rows) {
    const n = Number(r.n);
    total += n;
    add(byStatus, r.status, n);
    if (r.operationId) add((byOperation[r.operationId] ??= {}), r.status, n);
    add((byHoldingCountry[r.holdingCountry] ??= {}), r.status, n);
    add((byDestinationCountry[r.destinationCountry] ??= {}), r.status, n);
    if (r.overdue) overdue += n;
  }
  const holds = await db
    .select({ kind: caseHolds.kind, n: count() })
    .from(caseHolds)
    .innerJoin(cases, sql`${cases.id} = ${caseHolds.caseId}`)
    .where(and(isNull(caseHolds.endedAt), visibleTo(scopeCountry)))
    .groupBy(caseHolds.kind);
  const activeHolds = { medical: 0, legal: 0, protection_claim: 0 };
  for (const h of holds) activeHolds[h.kind as keyof typeof activeHolds] = Number(h.n);
  return { total, activeHolds, byStatus, byOperation, byHoldingCountry, byDestinationCountry, overdue };
}
