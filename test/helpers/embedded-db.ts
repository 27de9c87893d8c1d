// An embedded store (PGlite) of a test file's own, in a temporary directory, migrated before the
// file's tests and removed after them.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';

/** `prefix` names the temporary directory; `store.database` is set once the file's tests start. */
export function useEmbeddedDatabase(prefix: string): { database: Database } {
  const store = {} as { database: Database };
  let dir: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    store.database = await openDatabase({ embeddedDir: dir });
    await migrate(store.database);
  });
  afterAll(async () => {
    await store.database?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return store;
}
