// A database of a test's own, for tests that break things on purpose (constraints that make writes
// fail, tampering with the audit log) without disturbing the shared test database.
import postgres from 'postgres';
import { openDatabase, type Database } from '../../db/client.js';
import { createDatabase } from '../../db/create-database.js';
import { migrate } from '../../db/migrate.js';

export interface ScratchDatabase {
  url: string;
  database: Database;
  /** A raw connection for SQL the application would never run. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export async function createScratchDatabase(poolSize = 4): Promise<ScratchDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await createDatabase(adminUrl, 'case_engine_scratch');
  const database = await openDatabase({ url: scratch.url, poolSize });
  await migrate(database);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  return {
    url: scratch.url,
    database,
    sql,
    async drop() {
      await sql.end();
      await database.close();
      await scratch.drop();
    },
  };
}
