// The intake outbox's queries: cases recorded whose workflow start is not yet confirmed.
import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import type { CaseWorkflowInput } from '../workflows/definitions.js';
import type { FieldProtection } from '../lib/crypto.js';
import type { Db } from './client.js';
import { chunks } from './rows.js';
import { cases } from './schema.js';

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
