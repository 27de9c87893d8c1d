// Nothing lost under faults: 500 cases driven through every stage by a retrying HTTP
// client while the worker is killed three times, the Temporal dev server once and PostgreSQL once,
// each at a seeded random moment and started again. Under faults every answer is a 2xx or a 503
// with Retry-After, in bounded time; afterwards every case is where its script took it, the store
// and Temporal hold the same cases, nothing answered 2xx is missing, nothing is duplicated, and the
// audit chain verifies.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mapLimit } from '../../lib/concurrency.js';
import { CASE_WORKFLOW_TYPE, type CaseStatus } from '../../workflows/definitions.js';
import { TEST_DOCUMENT_HASH_KEY, TEST_PAYLOAD_KEYS } from '../helpers/api.js';
import { intakeBody, makeUsers, transferBody } from '../helpers/fixtures.js';
import { freePort } from '../helpers/ports.js';
import { ChaosApi, seededRandom } from './client.js';
import { NodeProcess, PostgresCluster, TemporalServer, sleep, waitFor } from './processes.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20251014);
const rand = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

// Where each case's script ends, and how many cases follow it.
const SCRIPTS = {
  identity: { count: 40, expect: 'IDENTITY_PENDING' },
  screening: { count: 40, expect: 'SCREENING_PENDING' },
  approval: { count: 40, expect: 'APPROVAL_PENDING' },
  oneSide: { count: 40, expect: 'APPROVAL_PENDING' },
  approved: { count: 60, expect: 'APPROVED' },
  scheduled: { count: 50, expect: 'TRANSFER_SCHEDULED' },
  inTransfer: { count: 60, expect: 'IN_TRANSFER' },
  handedOver: { count: 120, expect: 'HANDED_OVER' },
  rejected: { count: 25, expect: 'REJECTED' },
  cancelled: { count: 25, expect: 'CANCELLED' },
} satisfies Record<string, { count: number; expect: CaseStatus }>;
type Script = keyof typeof SCRIPTS;
const TOTAL = Object.values(SCRIPTS).reduce((n, s) => n + s.count, 0);

const SECRET = randomBytes(24).toString('hex');
const u = makeUsers(`chaos${SEED}`);
const SUITE_BOUND_MS = 8 * 60_000;

let tmp: string;
let pg: PostgresCluster;
let temporal: TemporalServer;
let worker: NodeProcess;
let apiProcess: NodeProcess;
let api: ChaosApi;
let sql: postgres.Sql;
const hardStop = setTimeout(() => {
  console.error(`fault suite: over ${SUITE_BOUND_MS} ms, stopping`);
  void stopAll().finally(() => process.exit(1));
}, SUITE_BOUND_MS);
hardStop.unref();

async function stopAll(): Promise<void> {
  await apiProcess?.stop().catch(() => undefined);
  await worker?.stop().catch(() => undefined);
  await temporal?.stop().catch(() => undefined);
  await pg?.stop().catch(() => undefined);
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'case-engine-chaos-'));
  const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  pg = new PostgresCluster(path.join(tmp, 'pg'), pgPort);
  temporal = new TemporalServer(path.join(tmp, 'temporal'), temporalPort);
  await Promise.all([pg.init(), temporal.start()]);
  const env = {
    DATABASE_URL: pg.url,
    DATABASE_POOL_SIZE: '10',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `chaos-${randomUUID()}`,
    TEMPORAL_CALL_TIMEOUT: '5s',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DATA_DIR: path.join(tmp, 'data'),
    AUTH_SECRET: SECRET,
    AUDIT_KEY: randomBytes(24).toString('hex'),
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    DOCUMENT_HASH_KEY: TEST_DOCUMENT_HASH_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    BULK_CONCURRENCY: '16',
    LOG_LEVEL: 'warn',
  };
  api = new ChaosApi(`http://127.0.0.1:${apiPort}`, SECRET, { timeoutMs: 45_000, retryForMs: 150_000 });
  worker = new NodeProcess({
    name: 'worker',
    entry: 'worker/main.ts',
    env: { ...env, LOG_LEVEL: 'info' },
    logDir: tmp,
    ready: (p) => p.waitForOutput(/worker running/, 120_000),
  });
  apiProcess = new NodeProcess({
    name: 'api',
    entry: 'api/server.ts',
    env,
    logDir: tmp,
    // Probed with a bare fetch: refused connections while it starts are not answers of the API.
    ready: () => waitFor('the API answers /healthz', 60_000, async () => (await fetch(`${api.baseUrl}/healthz`).catch(() => undefined))?.status === 200),
  });
  // Both apply migrations at start (an advisory lock serialises them).
  await Promise.all([worker.start(), apiProcess.start()]);
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
}, 240_000);

afterAll(async () => {
  clearTimeout(hardStop);
  await sql?.end({ timeout: 5 }).catch(() => undefined);
  await stopAll();
  if (tmp && !process.env.CHAOS_KEEP) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

// ---- faults ----

type Fault = 'worker' | 'temporal' | 'postgres';
const faultLog: string[] = [];
const readiness = { sawDown: 0, sawBack: 0 };

async function readyzIs(status: 200 | 503, timeoutMs: number): Promise<void> {
  await waitFor(`/readyz answers ${status}`, timeoutMs, async () => (await api.once('GET', '/readyz').catch(() => undefined))?.status === status);
}

async function inject(fault: Fault): Promise<void> {
  const t0 = Date.now();
  const downMs = 1000 + Math.floor(rand() * 3000);
  if (fault === 'worker') {
    await worker.kill();
    await sleep(downMs);
    await worker.start();
  } else {
    await (fault === 'temporal' ? temporal.kill() : pg.kill());
    await readyzIs(503, 20_000);
    readiness.sawDown++;
    await sleep(downMs);
    await (fault === 'temporal' ? temporal.start() : pg.start());
    await readyzIs(200, 60_000);
    readiness.sawBack++;
  }
  faultLog.push(`${fault} killed, back after ${Date.now() - t0} ms`);
}

/** Fires the planned faults, one at a time, as the driver completes operations. */
function faultPlan(plannedOps: number) {
  const faults = shuffle<Fault>(['worker', 'worker', 'worker', 'temporal', 'postgres']);
  const span = plannedOps * 0.85;
  const at = faults.map((_, i) => Math.floor(20 + (span / faults.length) * (i + rand() * 0.7))).sort((a, b) => a - b);
  let done = 0;
  let next = 0;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const fire = () => {
    busy = true;
    const fault = faults[next++];
    running = inject(fault).finally(() => {
      busy = false;
    });
  };
  return {
    planned: faults.map((f, i) => `${f}@${at[i]}`),
    opDone() {
      done++;
      if (!busy && next < faults.length && done >= at[next]) fire();
    },
    /** Fires what the driver did not reach, and waits for every fault to be over. */
    async finish() {
      for (;;) {
        await running;
        if (next >= faults.length) return;
        fire();
      }
    },
    get injected() {
      return next;
    },
  };
}

// ---- what the API answered 2xx, to be found in the store afterwards ----

const acknowledged = {
  intake: new Set<string>(),
  identity: new Set<string>(),
  screening: new Set<string>(),
  decisions: new Map<string, { caseId: string; side: 'holding' | 'destination'; decision: 'approve' | 'reject' }>(),
  cancelled: new Set<string>(),
  legs: new Map<string, { transferId: string; caseId: string; outcome: 'scheduled' | 'departed' | 'handed_over' }>(),
  transfers: new Set<string>(),
};
const ack = {
  decision(caseId: string, side: 'holding' | 'destination', decision: 'approve' | 'reject') {
    acknowledged.decisions.set(`${caseId}:${side}`, { caseId, side, decision });
  },
  leg(transferId: string, caseId: string, outcome: 'scheduled' | 'departed' | 'handed_over') {
    acknowledged.legs.set(`${transferId}:${caseId}`, { transferId, caseId, outcome });
  },
};

it(`${TOTAL} cases through every stage survive worker, Temporal and PostgreSQL crashes (seed ${SEED})`, async () => {
  const started = Date.now();
  const scripts = shuffle(Object.entries(SCRIPTS).flatMap(([name, s]) => Array<Script>(s.count).fill(name as Script)));
  const redeliver = () => rand() < 0.05;
  const failures: string[] = [];
  const expectOk = (what: string, status: number, body: unknown) => {
    if (status < 200 || status >= 300) failures.push(`${what}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    return status >= 200 && status < 300;
  };

  const operationId = randomUUID();
  const op = await api.send('POST', '/v1/operations', u.khOfficer, { id: operationId, name: `chaos ${SEED}`, leadCountry: 'CN', participatingCountries: ['CN', 'KH'] }, true);
  expect(op.status).toBe(200); // the repeat of the 201
  expect(op.body.id).toBe(operationId);

  const plannedOps = 10 + (TOTAL - 40) + (TOTAL - 80) + 10 + 25 + 25 + 10;
  const plan = faultPlan(plannedOps);
  const done = () => plan.opDone();

  // Intake: five raids of 100, two requests at a time; items refused for an outage are sent again.
  const bodies = scripts.map(() => intakeBody());
  const caseIds: string[] = new Array(TOTAL);
  const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: TOTAL / 5 }, (_, i) => b * (TOTAL / 5) + i));
  await mapLimit(batches, 2, async (indexes) => {
    let pending = indexes;
    while (pending.length > 0) {
      const res = await api.send('POST', `/v1/operations/${operationId}/intake`, u.khOfficer, { cases: pending.map((i) => bodies[i]) }, redeliver());
      if (!expectOk('bulk intake', res.status, res.body)) return;
      const retry: number[] = [];
      for (const r of res.body.results as { index: number; outcome: string; caseId?: string; error?: { code: string } }[]) {
        const i = pending[r.index];
        if (r.outcome === 'rejected') {
          if (r.error?.code.endsWith('_UNAVAILABLE')) retry.push(i);
          else failures.push(`intake item refused: ${JSON.stringify(r.error)}`);
          continue;
        }
        caseIds[i] = r.caseId!;
        acknowledged.intake.add(r.caseId!);
      }
      pending = retry;
      done();
    }
  });
  expect(failures).toEqual([]);
  const byScript = (...names: Script[]) => caseIds.filter((_, i) => names.includes(scripts[i]));

  // Identity and screening, one case at a time, eight in flight.
  const single = async (ids: string[], what: string, send: (caseId: string) => Promise<{ status: number; body: any }>, onOk: (caseId: string, body: any) => void) =>
    mapLimit(ids, 8, async (caseId) => {
      const res = await send(caseId);
      if (expectOk(`${what} ${caseId}`, res.status, res.body)) onOk(caseId, res.body);
      done();
    });
  const pastIdentity: Script[] = ['screening', 'approval', 'oneSide', 'approved', 'scheduled', 'inTransfer', 'handedOver', 'rejected', 'cancelled'];
  await single(
    byScript(...pastIdentity),
    'identity',
    (id) => api.send('POST', `/v1/cases/${id}/identity`, u.cnOfficer, { result: 'confirmed', method: pick(['biometric', 'document', 'registry']) }, redeliver()),
    (id) => acknowledged.identity.add(id),
  );
  await single(
    byScript(...pastIdentity.filter((s) => s !== 'screening')),
    'screening',
    (id) => api.send('POST', `/v1/cases/${id}/screening`, u.khOfficer, { indicators: [] }, redeliver()),
    (id) => acknowledged.screening.add(id),
  );

  // Decisions: in bulk (100 a request) for the approvals, one by one for rejections; cancellations.
  const bulkDecide = async (ids: string[], by: typeof u.khSupervisor, side: 'holding' | 'destination') => {
    for (let i = 0; i < ids.length; i += 100) {
      let pending = ids.slice(i, i + 100);
      while (pending.length > 0) {
        const res = await api.send('POST', '/v1/decisions', by, { caseIds: pending, decision: 'approve' }, redeliver());
        if (!expectOk('bulk decision', res.status, res.body)) return;
        const retry: string[] = [];
        for (const r of res.body.results as { caseId: string; ok: boolean; error?: { code: string } }[]) {
          if (r.ok) ack.decision(r.caseId, side, 'approve');
          else if (r.error?.code.endsWith('_UNAVAILABLE')) retry.push(r.caseId);
          else failures.push(`decision refused: ${r.caseId} ${JSON.stringify(r.error)}`);
        }
        pending = retry;
        done();
      }
    }
  };
  const approvedBoth: Script[] = ['approved', 'scheduled', 'inTransfer', 'handedOver'];
  await Promise.all([
    bulkDecide(byScript('oneSide', ...approvedBoth), u.khSupervisor, 'holding'),
    single(
      byScript('rejected'),
      'rejection',
      (id) => api.send('POST', `/v1/cases/${id}/decisions`, u.khSupervisor2, { decision: 'reject', reason: 'identity documents forged' }, redeliver()),
      (id) => ack.decision(id, 'holding', 'reject'),
    ),
    single(
      byScript('cancelled'),
      'cancel',
      (id) => api.send('POST', `/v1/cases/${id}/cancel`, u.khSupervisor, { reason: 'transferred to a court process' }, redeliver()),
      (id) => acknowledged.cancelled.add(id),
    ),
  ]);
  await bulkDecide(byScript(...approvedBoth), u.cnSupervisor, 'destination');

  // Transfers: one flight stays scheduled, one departs, two depart and are handed over.
  const flights = [
    { ids: byScript('scheduled'), depart: false, handover: false },
    { ids: byScript('inTransfer'), depart: true, handover: false },
    { ids: byScript('handedOver').slice(0, 60), depart: true, handover: true },
    { ids: byScript('handedOver').slice(60), depart: true, handover: true },
  ];
  await mapLimit(flights, 2, async (flight) => {
    const transferId = randomUUID();
    const res = await api.send('POST', '/v1/transfers', u.khOfficer, transferBody(flight.ids, flight.ids.length, { transferId }), redeliver());
    done();
    if (!expectOk('transfer', res.status, res.body)) return;
    acknowledged.transfers.add(transferId);
    expect(res.body.transferId).toBe(transferId);
    for (const c of res.body.cases as { caseId: string; accepted: boolean; error?: unknown }[]) {
      if (c.accepted) ack.leg(transferId, c.caseId, 'scheduled');
      else failures.push(`not accepted on ${transferId}: ${c.caseId} ${JSON.stringify(c.error)}`);
    }
    if (!flight.depart) return;
    const departed = await api.send('POST', `/v1/transfers/${transferId}/depart`, u.khOfficer, {}, redeliver());
    done();
    if (!expectOk('depart', departed.status, departed.body)) return;
    for (const r of departed.body.results as { caseId: string; ok: boolean }[]) if (r.ok) ack.leg(transferId, r.caseId, 'departed');
    if (!flight.handover) return;
    const handed = await api.send('POST', `/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: flight.ids }, redeliver());
    done();
    if (!expectOk('handover', handed.status, handed.body)) return;
    for (const r of handed.body.results as { caseId: string; ok: boolean; error?: unknown }[]) {
      if (r.ok) ack.leg(transferId, r.caseId, 'handed_over');
      else failures.push(`handover refused: ${r.caseId} ${JSON.stringify(r.error)}`);
    }
  });

  await plan.finish();
  const drivenMs = Date.now() - started;
  expect(failures).toEqual([]);

  // ---- quiescence: every case where its script ends, in the store and in Temporal ----

  const expected = new Map(caseIds.map((id, i) => [id, SCRIPTS[scripts[i]].expect as string]));
  let mismatched: string[] = [];
  const listStore = async () => {
    const found = new Map<string, string>();
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const res: { status: number; body: any } = await api.send('GET', `/v1/cases?operationId=${operationId}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, u.admin);
      expect(res.status).toBe(200);
      for (const c of res.body.items as { caseId: string; status: string }[]) found.set(c.caseId, c.status);
      cursor = res.body.nextCursor;
    }
    return found;
  };
  await waitFor('every case reaches the status its script expects', 120_000, async () => {
    const found = await listStore();
    mismatched = [...expected].filter(([id, status]) => found.get(id) !== status).map(([id, status]) => `${id}: ${found.get(id)} (expected ${status})`);
    return mismatched.length === 0;
  }).catch(() => undefined);
  expect(mismatched).toEqual([]);

  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const query = `WorkflowType = '${CASE_WORKFLOW_TYPE}' AND OperationId = '${operationId}'`;
  const workflows = new Map<string, string | undefined>();
  await waitFor('Temporal lists every case workflow with its status', 60_000, async () => {
    workflows.clear();
    for await (const wf of client.workflow.list({ query })) {
      workflows.set(wf.workflowId.replace(/^case-/, ''), wf.searchAttributes.CaseStatus?.[0] as string | undefined);
    }
    return [...expected].every(([id, status]) => workflows.get(id) === status);
  }).catch(() => undefined);
  const temporalCount = (await client.workflow.count(query)).count;
  await connection.close();
  const saMismatched = [...expected].filter(([id, status]) => workflows.get(id) !== status).map(([id, s]) => `${id}: ${workflows.get(id)} (expected ${s})`);
  expect(saMismatched).toEqual([]);

  // ---- counts: store == Temporal == cases acknowledged at intake ----

  const [{ n: storeCount }] = await sql<{ n: number }[]>`select count(*)::int as n from cases where operation_id = ${operationId}`;
  const [{ n: allCases }] = await sql<{ n: number }[]>`select count(*)::int as n from cases`;
  expect({ storeCount, allCases, temporalCount, workflows: workflows.size }).toEqual({
    storeCount: acknowledged.intake.size,
    allCases: acknowledged.intake.size,
    temporalCount: acknowledged.intake.size,
    workflows: acknowledged.intake.size,
  });
  expect(acknowledged.intake.size).toBe(TOTAL);
  const [{ n: unstarted }] = await sql<{ n: number }[]>`select count(*)::int as n from cases where not workflow_started`;
  expect(unstarted).toBe(0);

  // ---- nothing duplicated ----

  const duplicated = {
    events: await sql`select case_id, event_key, count(*)::int from case_events group by 1, 2 having count(*) > 1`,
    // In these scripts no case goes through the same step twice: the same kind of event twice is a duplicate.
    sameStep: await sql`select case_id, type, data->>'side' as side, count(*)::int from case_events group by 1, 2, 3 having count(*) > 1`,
    decisions: await sql`select case_id, side, count(*)::int from decisions group by 1, 2 having count(*) > 1`,
    identityChecks: await sql`select case_id, count(*)::int from identity_checks group by 1 having count(*) > 1`,
    screenings: await sql`select case_id, count(*)::int from screenings group by 1 having count(*) > 1`,
    legs: await sql`select case_id, count(*)::int from transfer_legs group by 1 having count(*) > 1`,
    transfers: await sql`select id from transfers where id <> all(${[...acknowledged.transfers]}::uuid[])`,
    operations: await sql`select id from operations where id <> ${operationId}`,
  };
  const duplicates = Object.values(duplicated).reduce((n, rows) => n + rows.length, 0);
  expect(duplicated).toEqual({ events: [], sameStep: [], decisions: [], identityChecks: [], screenings: [], legs: [], transfers: [], operations: [] });

  // ---- nothing lost: every 2xx is in the store ----

  const lost: string[] = [];
  const present = async (what: string, keys: string[], rows: Promise<{ k: string }[]>) => {
    const found = new Set((await rows).map((r) => r.k));
    for (const k of keys) if (!found.has(k)) lost.push(`${what} ${k}`);
  };
  await present('intake', [...acknowledged.intake], sql`select id::text as k from cases`);
  await present('identity', [...acknowledged.identity], sql`select case_id::text as k from identity_checks where result = 'confirmed'`);
  await present('screening', [...acknowledged.screening], sql`select case_id::text as k from screenings`);
  await present(
    'decision',
    [...acknowledged.decisions.values()].map((d) => `${d.caseId}:${d.side}:${d.decision}`),
    sql`select case_id::text || ':' || side || ':' || decision as k from decisions`,
  );
  await present('cancel', [...acknowledged.cancelled], sql`select id::text as k from cases where status = 'CANCELLED'`);
  const legOrder = ['scheduled', 'departed', 'handed_over'];
  const legs = new Map((await sql<{ k: string; outcome: string }[]>`select transfer_id::text || ':' || case_id::text as k, outcome from transfer_legs`).map((r) => [r.k, r.outcome]));
  for (const [k, leg] of acknowledged.legs) {
    const outcome = legs.get(k);
    if (outcome === undefined || legOrder.indexOf(outcome) < legOrder.indexOf(leg.outcome)) lost.push(`transfer leg ${k} ${leg.outcome} (store: ${outcome})`);
  }
  expect(lost).toEqual([]);

  // ---- the audit chain ----

  const verified = await api.send('GET', '/v1/audit/verify', u.khAuditor);
  expect(verified.status).toBe(200);
  expect(verified.body).toMatchObject({ ok: true });

  // ---- the contract under faults, and the processes ----

  expect(plan.injected).toBe(5);
  expect(readiness).toEqual({ sawDown: 2, sawBack: 2 });
  expect(api.seen.violations).toEqual([]);
  expect([...worker.unexpectedExits, ...apiProcess.unexpectedExits]).toEqual([]);

  const [{ n: events }] = await sql<{ n: number }[]>`select count(*)::int as n from case_events`;
  console.log(
    [
      `fault suite (seed ${SEED}): faults injected ${plan.injected} (${faultLog.join('; ')}), planned ${plan.planned.join(' ')}`,
      `requests ${api.seen.requests} ${JSON.stringify(api.seen.byStatus)}, repeated after a 2xx ${api.seen.redelivered}, slowest ${api.seen.slowest.ms} ms (${api.seen.slowest.what})`,
      `closed without an answer: ${api.seen.networkErrors.slice(0, 10).join(', ')}`,
      `driven in ${Math.round(drivenMs / 1000)} s, total ${Math.round((Date.now() - started) / 1000)} s`,
      `faults injected ${plan.injected}, cases ${storeCount}, events ${events}, lost ${lost.length}, duplicated ${duplicates}`,
    ].join('\n'),
  );
}, SUITE_BOUND_MS - 30_000);
