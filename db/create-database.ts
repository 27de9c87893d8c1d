// A database of its own on a PostgreSQL server, named `<prefix>_<random hex>`: the test run, a
// test that breaks things on purpose, and the benches each create one and drop it afterwards.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface CreatedDatabase {
  name: string;
  /** The server's URL with this database as its path. */
  url: string;
  /** Drops the database (closing whoever is still connected) and ends the admin connection. */
  drop(): Promise<void>;
}

export async function createDatabase(adminUrl: string, prefix: string): Promise<CreatedDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end();
    throw err;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await admin.end();
    },
  };
}
