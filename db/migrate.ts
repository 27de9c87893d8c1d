// Applies the committed drizzle-kit migrations. Safe to run from several processes at once:
// a session-level advisory lock serialises them on PostgreSQL.
import { fileURLToPath } from 'node:url';
import type { Database } from './client.js';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
const MIGRATION_LOCK = 4_210_731;

export async function migrate(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
  const session = await database.client.reserve();
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await run(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await session`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => undefined);
    session.release();
  }
}
