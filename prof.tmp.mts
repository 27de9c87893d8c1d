import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase } from './db/client.js';
import { migrate } from './db/migrate.js';
import { insertIntakes } from './db/cases.js';
import { createApp } from './api/app.js';
import { createAuditTrail } from './api/audit.js';
import { createAuthenticator, signToken } from './api/auth.js';
import { listen } from './api/server.js';
import { fieldProtection, parseKeyRing, newKeyRingSpec } from './lib/crypto.js';
import { DEFAULT_TIMINGS } from './workflows/definitions.js';

const mode = process.env.MODE ?? 'full';
const name = `prof_${randomBytes(3).toString('hex')}`;
const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1 });
await admin.unsafe(`create database ${name}`);
const database = await openDatabase({ url: `postgres://postgres@127.0.0.1:5432/${name}`, poolSize: 20 });
await migrate(database);
const ring = parseKeyRing(newKeyRingSpec());
const protect = fieldProtection(ring, 'k');
const caseId = randomUUID();
const actor = { sub: 'kh-officer', role: 'officer' as const, country: 'KH' };
await insertIntakes(database.db, [{ caseId, openedBy: actor, openedAt: new Date().toISOString(), participatingCountries: ['CN','KH'], timings: DEFAULT_TIMINGS,
  intake: { externalRef: 'P-1', holdingCountry: 'KH', operationId: null, legalBasis: 'deportation', person: { fullName: 'X Y', claimedNationality: 'CN', documents: [{ type: 'passport', number: 'E1', issuingCountry: 'CN' }] }, arrest: { at: new Date().toISOString(), place: 'p', allegations: [] } } }], protect);
const secret = 's'.repeat(40);
const audit = mode === 'noaudit' ? { record: async () => undefined } : createAuditTrail(database.db);
const app = createApp({ db: database.db, temporal: { ping: async () => undefined } as never, pingDatabase: database.ping, authenticate: createAuthenticator({ secret }), timings: DEFAULT_TIMINGS,
  http: { bodyLimit: '1mb', bulkBodyLimit: '1mb', bulkConcurrency: 8, rateLimitPerMinute: 1_000_000 }, audit, auditKey: 'a', protect, keyRing: ring });
const server = await listen(app, 4555, '127.0.0.1');
const token = await signToken(secret, actor);
console.log(JSON.stringify({ url: `${server.url}/v1/cases/${caseId}`, token }));
process.on('SIGINT', async () => { await server.close(); await database.close(); await admin.unsafe(`drop database ${name} with (force)`); process.exit(0); });
