import { and, asc, count, eq, gt, or, sql } from 'drizzle-orm';
import { viewStatusSql } from '../lib/need-to-know.js';
import type { Actor } from '../workflows/definitions.js';
import { appendAudit } from './audit.js';
import type { Db } from './client.js';
import { iso } from './rows.js';
import { operationVisibleTo } from './visibility.js';
import { cases, operations } from './schema.js';

export interface NewOperation {
  id: string;
  name: string;
  leadCountry: string;
  participatingCountries: string[];
  startedOn: string | null;
  description: string | null;
  custodyLimitDays: number | null;
  createdBy: string;
  createdAt: string;
}

type OperationRow = typeof operations.$inferSelect;

const toOperation = (row: OperationRow) => ({
  id: row.id,
  name: row.name,
  leadCountry: row.leadCountry,
  participatingCountries: row.participatingCountries,
  startedOn: row.startedOn,
  description: row.description,
  custodyLimitDays: row.custodyLimitDays,
  createdBy: row.createdBy,
  createdAt: iso(row.createdAt),
});
export type Operation = ReturnType<typeof toOperation>;

/** Inserts the operation; `created: false` with the stored one when its id exists already. */
export async function insertOperation(db: Db, operation: NewOperation, actor: Actor): Promise<{ created: boolean; operation: Operation }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(operations).values(operation).onConflictDoNothing().returning();
    if (!row) {
      const [existing] = await tx.select().from(operations).where(eq(operations.id, operation.id));
      return { created: false, operation: toOperation(existing) };
    }
    await appendAudit(tx as unknown as Db, [
      {
        at: operation.createdAt,
        actor,
        action: 'operation.create',
        objectType: 'operation',
        objectIds: [operation.id],
        outcome: 'ok',
        scopeCountries: operation.participatingCountries,
      },
    ]);
    return { created: true, operation: toOperation(row) };
  });
}

/** The operation, if `country` takes part in it (null: any operation). */
export async function getOperation(db: Db, id: string, country: string | null = null): Promise<Operation | null> {
  const [row] = await db
    .select()
    .from(operations)
    .where(and(eq(operations.id, id), operationVisibleTo(country)));
  return row ? toOperation(row) : null;
}

export async function listOperations(
  db: Db,
  options: { country: string | null; limit: number; after?: { createdAt: string; id: string } },
) {
  const { country, limit, after } = options;
  const rows = await db
    .select()
    .from(operations)
    .where(
      and(
        operationVisibleTo(country),
        after
          ? or(gt(operations.createdAt, after.createdAt), and(eq(operations.createdAt, after.createdAt), gt(operations.id, after.id)))
          : undefined,
      ),
    )
    .orderBy(asc(operations.createdAt), asc(operations.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toOperation);
  const last = rows.length > limit ? items[limit - 1] : undefined;
  return { items, next: last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** Counts by status as a user whose reads are limited to `viewerCountry` sees each case's status. */
export async function countCasesByStatus(db: Db, operationId: string, viewerCountry: string | null): Promise<Record<string, number>> {
  const status = viewStatusSql(viewerCountry);
  const rows = await db
    .select({ status, n: count() })
    .from(cases)
    .where(eq(cases.operationId, operationId))
    .groupBy(sql`1`);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}
