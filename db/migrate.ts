// Applies the committed drizzle-kit migrations. Safe to run from several processes at once:
// a session-level advisory lock serialises them on PostgreSQL.
import { fileURLToPath } from 'node:url';
import { eq, isNull } from 'drizzle-orm';
import { nameKeys } from '../lib/name-keys.js';
import type { Database } from './client.js';
import { persons } from './schema.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
const MIGRATION_LOCK = 4_210_731;

export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    await backfillNameKeys(database);
    return;
  }
  const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
  const session = await database.client.reserve();
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await run(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    await backfillNameKeys(database);
  } finally {
    await session`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
    session.release();
  }
}

/** Persons recorded before names had search keys get them (pinyin is computed here, not in SQL). */
async function backfillNameKeys(database: Database): Promise<void> {
  const db = database.db;
  for (;;) {
    const rows = await db
      .select({ caseId: persons.caseId, fullName: persons.fullName })
      .from(persons)
      .where(isNull(persons.nameKeys))
      .limit(500);
    if (rows.length === 0) return;
    await db.transaction(async (tx) => {
      for (const row of rows)
        await tx
          .update(persons)
          .set({ nameKeys: nameKeys(row.fullName) })
          .where(eq(persons.caseId, row.caseId));
    });
  }
}
