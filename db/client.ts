// Opens the case store: PostgreSQL through postgres.js when a URL is given, else an embedded PGlite.
import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Database = {
  db: Db;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
} & ({ kind: 'postgres'; client: Sql } | { kind: 'pglite'; client: PGlite });

export interface DatabaseOptions {
  url?: string;
  poolSize?: number;
  /** Where the embedded database keeps its files when no URL is given. */
  embeddedDir?: string;
}

/** The handle for either kind, with its ping and close. */
function handle(db: Db, close: () => Promise<void>, driver: { kind: 'postgres'; client: Sql } | { kind: 'pglite'; client: PGlite }): Database {
  return {
    db,
    ...driver,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close,
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const client = postgres(options.url, {
      max: options.poolSize ?? 20,
      connect_timeout: 5,
      idle_timeout: 30,
      onnotice: () => {},
    });
    return handle(drizzle(client, { schema }) as unknown as Db, () => client.end({ timeout: 5 }), { kind: 'postgres', client });
  }
  if (!options.embeddedDir) throw new Error('openDatabase needs a url or an embeddedDir');
  mkdirSync(options.embeddedDir, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = await PGlite.create({ dataDir: options.embeddedDir });
  return handle(drizzle(client, { schema }) as unknown as Db, () => client.close(), { kind: 'pglite', client });
}
