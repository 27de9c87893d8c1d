// `npm run audit:verify`: recomputes the audit chain and checks its signed head. Exit code 0 when
// the log is intact, 1 when it names the first entry altered, removed, inserted or reordered.
// Reads only: entries not yet sealed are counted, not sealed.
import { verifyAudit } from '../db/audit.js';
import { openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { resolveAuditKey } from '../lib/secrets.js';

const config = loadConfig();
const database = await openDatabase(config.database);
try {
  await migrate(database);
  const result = await verifyAudit(database.db, resolveAuditKey(config).key);
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.ok ? 0 : 1;
} finally {
  await database.close();
}
