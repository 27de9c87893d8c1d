// `npx tsx bench/not-found.ts [--requests 2000] [--cases 2000]`: the 404 for a case out of the
// caller's scope against the 404 for an id that does not exist, on GET /v1/cases/:id and
// POST /v1/cases/:id/decisions. Both should take the same time (the same queries and one audit
// insert each). Requests alternate between the two kinds (ABBA) so drift on a shared machine affects
// both alike; prints medians and quartiles. Needs only PostgreSQL (TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres): it makes a scratch database and drops it.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApp } from '../api/app.js';
import { createAuditTrail } from '../api/audit.js';
import { createAuthenticator, signToken } from '../api/auth.js';
import type { TemporalGateway } from '../api/temporal.js';
import { insertIntakes } from '../db/intake.js';
import { fieldProtection, parseKeyRing } from '../lib/crypto.js';
import { createScratchDatabase } from '../test/helpers/scratch-db.js';
import { DEFAULT_TIMINGS, type Actor, type CaseWorkflowInput } from '../workflows/definitions.js';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '2000' }, cases: { type: 'string', default: '2000' } },
});
const REQUESTS = Number(args.requests);
const CASES = Number(args.cases);

const secret = randomBytes(32).toString('hex');
const keyRing = parseKeyRing(`bench:${randomBytes(32).toString('base64')}`);
const protect = fieldProtection(keyRing, randomBytes(16).toString('hex'));
const holder: Actor = { sub: 'bench-kh-officer', name: 'KH officer', role: 'officer', country: 'KH' };
const prober: Actor = { sub: 'bench-la-supervisor', name: 'LA supervisor', role: 'supervisor', country: 'LA' };

function input(n: number): CaseWorkflowInput {
  const caseId = randomUUID();
  return {
    caseId,
    openedBy: holder,
    openedAt: new Date().toISOString(),
    participatingCountries: ['CN', 'KH'],
    timings: DEFAULT_TIMINGS,
    intake: {
      externalRef: `KH-BENCH-${n}`,
      holdingCountry: 'KH',
      operationId: null,
      legalBasis: 'deportation',
      person: {
        fullName: `Bench Person ${n}`,
        dateOfBirth: '1994-03-02',
        sex: 'M',
        claimedNationality: 'CN',
        documents: [{ type: 'passport', number: `E${n}`, issuingCountry: 'CN' }],
      },
      arrest: { at: new Date().toISOString(), place: 'Kandal', allegations: ['telecom_fraud'] },
    },
  };
}

const median = (xs: number[]) => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main() {
  const scratch = await createScratchDatabase();
  try {
    const inputs = Array.from({ length: CASES }, (_, n) => input(n));
    for (let i = 0; i < inputs.length; i += 500) await insertIntakes(scratch.database.db, inputs.slice(i, i + 500), protect);
    const app = createApp({
      db: scratch.database.db,
      temporal: { ping: async () => undefined } as unknown as TemporalGateway,
      pingDatabase: scratch.database.ping,
      authenticate: createAuthenticator({ secret }),
      timings: DEFAULT_TIMINGS,
      http: { bodyLimit: '1mb', bulkBodyLimit: '32mb', bulkConcurrency: 32, rateLimitPerMinute: 10_000_000 },
      audit: createAuditTrail(scratch.database.db),
      auditKey: randomBytes(32).toString('hex'),
      protect,
      keyRing,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const token = await signToken(secret, prober);
    const headers = { Authorization: `Bearer ${token}`, 'X-Purpose': 'bench', 'Content-Type': 'application/json' };

    async function timed(method: 'GET' | 'POST', path: string): Promise<number> {
      const started = process.hrtime.bigint();
      const res = await fetch(base + path, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify({ decision: 'approve' }) } : {}),
      });
      await res.arrayBuffer();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (res.status !== 404) throw new Error(`${method} ${path} answered ${res.status}`);
      return ms;
    }

    const rows: string[] = [];
    for (const [method, suffix] of [
      ['GET', ''],
      ['POST', '/decisions'],
    ] as const) {
      const times = { outOfScope: [] as number[], nonexistent: [] as number[] };
      for (let i = 0; i < 200; i++) await timed(method, `/v1/cases/${randomUUID()}${suffix}`); // warm up
      for (let i = 0; i < REQUESTS; i++) {
        const existing = `/v1/cases/${inputs[i % inputs.length].caseId}${suffix}`;
        const missing = `/v1/cases/${randomUUID()}${suffix}`;
        // ABBA order, so neither kind always runs first.
        const [first, second] = i % 2 === 0 ? [existing, missing] : [missing, existing];
        const a = await timed(method, first);
        const b = await timed(method, second);
        times.outOfScope.push(first === existing ? a : b);
        times.nonexistent.push(first === existing ? b : a);
      }
      for (const [kind, xs] of Object.entries(times)) {
        rows.push(
          `${`${method} /v1/cases/:id${suffix}`.padEnd(32)} ${kind.padEnd(12)} median ${median(xs).toFixed(2)} ms  (p25 ${quantile(xs, 0.25).toFixed(2)}, p75 ${quantile(xs, 0.75).toFixed(2)}, n=${xs.length})`,
        );
      }
    }
    console.log(rows.join('\n'));
    await new Promise((resolve) => server.close(resolve));
  } finally {
    await scratch.drop();
  }
}

await main();
