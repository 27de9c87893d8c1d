// A database of a test's own, for tests that break things on purpose (constraints that make writes
// fail, tampering with the audit log) without disturbing the shared test database.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../db/client.js';
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
  const name = `case_engine_scratch_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize });
  await migrate(database);
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  return {
    url: url.toString(),
    database,
    sql,
    async drop() {
      await sql.end();
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
