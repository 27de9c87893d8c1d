// Reads of the case timeline in id order, for the event stream. `case_events.id` is a bigserial:
// ids are handed out when a row is inserted, not when its transaction commits, so a reader can see
// id 11 before id 10 commits. The stream's feed uses `transactionHorizon` to tell a gap that is
// still being written from one that never will be (a rolled-back insert, a conflicting retry).
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { CaseStatus } from '../workflows/definitions.js';
import type { CaseEventType } from '../workflows/events.js';
import { eventShownSql } from '../lib/need-to-know.js';
import type { Db } from './client.js';
import { iso } from './rows.js';
import { visibleTo } from './visibility.js';
import { caseEvents, cases } from './schema.js';

/** A timeline event with the case's non-personal keys: what the stream may send. */
export interface FeedEvent {
  id: number;
  caseId: string;
  type: CaseEventType;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
  holdingCountry: string;
  claimedNationality: string;
  destinationCountry: string | null;
  operationId: string | null;
  at: string;
}

const feedColumns = {
  id: caseEvents.id,
  caseId: caseEvents.caseId,
  type: caseEvents.type,
  fromStatus: caseEvents.fromStatus,
  toStatus: caseEvents.toStatus,
  holdingCountry: cases.holdingCountry,
  claimedNationality: cases.claimedNationality,
  destinationCountry: cases.destinationCountry,
  operationId: cases.operationId,
  at: caseEvents.at,
};

/**
 * Events with `afterId < id <= upTo`, oldest first, limited to the cases `scopeCountry` may see
 * and the events of those it may see (need-to-know; the caller projects each one for the viewer).
 */
export async function readEvents(
  db: Db,
  options: { afterId: number; upTo?: number; limit: number; scopeCountry?: string | null },
): Promise<FeedEvent[]> {
  const rows = await db
    .select(feedColumns)
    .from(caseEvents)
    .innerJoin(cases, eq(cases.id, caseEvents.caseId))
    .where(
      and(
        gt(caseEvents.id, options.afterId),
        options.upTo === undefined ? undefined : lte(caseEvents.id, options.upTo),
        options.scopeCountry === undefined ? undefined : visibleTo(options.scopeCountry),
        options.scopeCountry === undefined ? undefined : eventShownSql(options.scopeCountry),
      ),
    )
    .orderBy(asc(caseEvents.id))
    .limit(options.limit);
  return rows.map((r) => ({
    ...r,
    type: r.type as CaseEventType,
    fromStatus: r.fromStatus as CaseStatus | null,
    toStatus: r.toStatus as CaseStatus | null,
    at: iso(r.at),
  }));
}

/** The ids present in `(afterId, afterId + span]`, ascending (an index-only scan). */
export async function eventIdsIn(db: Db, afterId: number, span: number): Promise<number[]> {
  const rows = await db
    .select({ id: caseEvents.id })
    .from(caseEvents)
    .where(and(gt(caseEvents.id, afterId), lte(caseEvents.id, afterId + span)))
    .orderBy(asc(caseEvents.id));
  return rows.map((r) => r.id);
}

export async function lastEventId(db: Db): Promise<number> {
  const [row] = await db.select({ max: sql<string | null>`max(${caseEvents.id})` }).from(caseEvents);
  return row?.max === null || row?.max === undefined ? 0 : Number(row.max);
}

/**
 * The transaction horizon right now: `xmin` is the oldest transaction still running, `xmax` the
 * first not yet started. Once a later horizon's xmin reaches an earlier one's xmax, every
 * transaction that was running at the earlier moment has ended.
 */
export async function transactionHorizon(db: Db): Promise<{ xmin: bigint; xmax: bigint }> {
  const result = await db.execute<{ xmin: string; xmax: string }>(
    sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin, pg_snapshot_xmax(pg_current_snapshot())::text as xmax`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { xmin: string; xmax: string }[];
  return { xmin: BigInt(rows[0].xmin), xmax: BigInt(rows[0].xmax) };
}

/**
 * For a reader that keeps no state between reads (a webhook delivery activity): the highest id up
 * to which every row that will ever exist in `(afterId, …]` is visible now, looking at most `limit`
 * ids ahead. Ids present without a gap are settled at once; past a gap it waits until every
 * transaction running now has ended (the missing ids then committed or never will), or for
 * `gapTimeoutMs` at most should some unrelated transaction stay open.
 */
export async function settledUpTo(
  db: Db,
  idsAfter: (afterId: number, limit: number) => Promise<number[]>,
  afterId: number,
  { limit, gapTimeoutMs = 10_000, pollMs = 50 }: { limit: number; gapTimeoutMs?: number; pollMs?: number },
): Promise<number> {
  const ids = await idsAfter(afterId, limit);
  let head = afterId;
  for (const id of ids) {
    if (id !== head + 1) break;
    head = id;
  }
  const last = ids.at(-1);
  if (last === undefined || head === last) return head;
  // A transaction gets its id just after it draws a row id (if it wrote nothing before): the horizon
  // is noted a moment after the gap was seen, so it covers the transaction holding the missing id.
  await new Promise((resolve) => setTimeout(resolve, pollMs));
  const { xmax } = await transactionHorizon(db);
  const deadline = Date.now() + gapTimeoutMs;
  while ((await transactionHorizon(db)).xmin < xmax) {
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return last;
}
