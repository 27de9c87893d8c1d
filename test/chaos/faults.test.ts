// Nothing lost under faults: 500 cases driven through every stage and every safeguard branch by a
// retrying HTTP client, through haproxy in front of two API processes, with two worker processes.
// Meanwhile a worker is killed three times and paused once (its tasks time out and move to the
// other), an API process is killed in the middle of a bulk intake and of a bulk decision, the
// Temporal dev server and PostgreSQL are each killed once; each fault starts on a condition (a
// stage reached, requests in flight), and each process comes back on a condition. Under faults
// every answer is a 2xx or a 503 with Retry-After; afterwards every case is where its script took
// it, store and Temporal agree, nothing answered 2xx is missing, nothing is duplicated, no one
// with a pending claim boarded, holds and claims are intact, the audit chain (two sealers)
// verifies, and event-stream clients on each API received every event once, in order.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { hostname } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mapLimit } from '../../lib/concurrency.js';
import { CASE_WORKFLOW_TYPE, type CaseStatus } from '../../workflows/definitions.js';
import { TEST_DOCUMENT_HASH_KEY, TEST_PAYLOAD_KEYS } from '../helpers/api.js';
import { intakeBody, makeUsers, transferBody } from '../helpers/fixtures.js';
import { waitForPollers } from '../helpers/pollers.js';
import { freePort } from '../helpers/ports.js';
import { ChaosApi, seededRandom } from './client.js';
import { LoadBalancer, NodeProcess, PostgresCluster, TemporalServer, waitFor } from './processes.js';
import { ResumingStream } from './streams.js';

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
  identity: { count: 30, expect: 'IDENTITY_PENDING' },
  screening: { count: 30, expect: 'SCREENING_PENDING' },
  approval: { count: 30, expect: 'APPROVAL_PENDING' },
  oneSide: { count: 30, expect: 'APPROVAL_PENDING' },
  trafficking: { count: 20, expect: 'PROTECTION' }, // indicators at screening
  medicalLifted: { count: 20, expect: 'APPROVED' }, // medical hold placed and lifted, then approved
  medicalHeld: { count: 15, expect: 'ON_HOLD' }, // medical hold placed, not lifted
  extension: { count: 15, expect: 'APPROVED' }, // custody extended, then approved
  claimUpheld: { count: 15, expect: 'PROTECTION' }, // claim before approval, upheld
  claimPending: { count: 15, expect: 'ON_HOLD' }, // approved, claim pending, put on a flight: refused
  claimDismissed: { count: 15, expect: 'APPROVED' }, // approved, claim dismissed before any flight
  claimAfterDismissed: { count: 15, expect: 'APPROVED' }, // claim after scheduling: dropped at departure, dismissed
  claimAfterUpheld: { count: 10, expect: 'PROTECTION' }, // claim after scheduling: dropped, upheld
  approved: { count: 30, expect: 'APPROVED' },
  scheduled: { count: 35, expect: 'TRANSFER_SCHEDULED' },
  inTransfer: { count: 40, expect: 'IN_TRANSFER' },
  handedOver: { count: 90, expect: 'HANDED_OVER' },
  missing: { count: 15, expect: 'HANDED_OVER' }, // missing at handover, on a later flight, handed over
  rejected: { count: 15, expect: 'REJECTED' },
  cancelled: { count: 15, expect: 'CANCELLED' },
} satisfies Record<string, { count: number; expect: CaseStatus }>;
type Script = keyof typeof SCRIPTS;
const TOTAL = Object.values(SCRIPTS).reduce((n, s) => n + s.count, 0);

const SECRET = randomBytes(24).toString('hex');
const u = makeUsers(`chaos${SEED}`);
/** The whole suite's bound (CHAOS_BOUND_MINUTES): on a slow machine, raise it. */
const SUITE_BOUND_MS = Number(process.env.CHAOS_BOUND_MINUTES ?? 12) * 60_000;

let tmp: string;
let pg: PostgresCluster;
let temporal: TemporalServer;
let lb: LoadBalancer;
const workers: NodeProcess[] = [];
const apis: NodeProcess[] = [];
/** Each API process directly (bypassing haproxy), in the order of `apis`. */
const apiUrls: string[] = [];
let api: ChaosApi;
let sql: postgres.Sql;
let client: Client;
let connection: Connection;
let taskQueue: string;
const streams: ResumingStream[] = [];
const hardStop = setTimeout(() => {
  console.error(`fault suite: over ${SUITE_BOUND_MS} ms, stopping`);
  void stopAll().finally(() => process.exit(1));
}, SUITE_BOUND_MS);
hardStop.unref();

async function stopAll(): Promise<void> {
  await Promise.all(streams.map((s) => s.stop().catch(() => undefined)));
  await lb?.stop().catch(() => undefined);
  await Promise.all([...apis, ...workers].map((p) => p.stop().catch(() => undefined)));
  await temporal?.stop().catch(() => undefined);
  await pg?.stop().catch(() => undefined);
}

/** A worker is ready once Temporal reports it (its pid's identity) polling both sides of the queue. */
async function workerPolls(p: NodeProcess): Promise<void> {
  await p.waitForOutput(/worker running/, 120_000);
  await waitForPollers(client, taskQueue, 1, { identities: [`${p.pid}@${hostname()}`], alive: () => p.running(), timeoutMs: 120_000 });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'case-engine-chaos-'));
  const [pgPort, temporalPort, lbPort, ...apiPorts] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  pg = new PostgresCluster(path.join(tmp, 'pg'), pgPort);
  temporal = new TemporalServer(path.join(tmp, 'temporal'), temporalPort);
  await Promise.all([pg.init(), temporal.start()]);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  taskQueue = `chaos-${randomUUID()}`;
  const env = {
    DATABASE_URL: pg.url,
    DATABASE_POOL_SIZE: '10',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    TEMPORAL_CALL_TIMEOUT: process.env.CHAOS_CALL_TIMEOUT ?? '5s',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(tmp, 'data'),
    AUTH_SECRET: SECRET,
    AUDIT_KEY: randomBytes(24).toString('hex'),
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    DOCUMENT_HASH_KEY: TEST_DOCUMENT_HASH_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    BULK_CONCURRENCY: '16',
    // Several processes on one machine: no metrics ports to contend for.
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    WORKER_SDK_METRICS_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  lb = new LoadBalancer(path.join(tmp, 'haproxy'), lbPort, apiPorts.map((port, i) => ({ name: `api-${'ab'[i]}`, port })));
  api = new ChaosApi(lb.url, SECRET, { timeoutMs: Number(process.env.CHAOS_REQUEST_TIMEOUT_MS ?? 45_000), retryForMs: 180_000 });
  for (const [i, port] of apiPorts.entries()) {
    const url = `http://127.0.0.1:${port}`;
    apiUrls.push(url);
    apis.push(
      new NodeProcess({
        name: `api-${'ab'[i]}`,
        entry: 'api/server.ts',
        env: { ...env, PORT: String(port) },
        logDir: tmp,
        // Probed with a bare fetch: refused connections while it starts are not answers of the API.
        ready: () => waitFor(`api-${'ab'[i]} answers /healthz`, 90_000, async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.status === 200),
      }),
    );
  }
  for (const name of ['worker-a', 'worker-b']) {
    workers.push(new NodeProcess({ name, entry: 'worker/main.ts', env: { ...env, LOG_LEVEL: 'info' }, logDir: tmp, ready: workerPolls }));
  }
  // All apply migrations at start (an advisory lock serialises them).
  await Promise.all([...workers, ...apis].map((p) => p.start()));
  await lb.start();
  sql = postgres(pg.url, { max: 3, onnotice: () => {} });
  // A holding-country officer's stream on each API: it sees every event of the operation's cases.
  for (const [i, url] of apiUrls.entries()) {
    const stream = new ResumingStream(`stream on api-${'ab'[i]}`, `${url}/v1/events/stream`, () => api.token(u.khOfficer));
    await stream.start();
    streams.push(stream);
  }
}, 300_000);

afterAll(async () => {
  clearTimeout(hardStop);
  await sql?.end({ timeout: 5 }).catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await stopAll();
  if (tmp && !process.env.CHAOS_KEEP) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

// ---- faults ----

const faultCount = { 'worker SIGKILL': 0, 'worker SIGSTOP': 0, 'api SIGKILL': 0, 'temporal restart': 0, 'postgres restart': 0 };
const faultLog: string[] = [];
const suiteStart = Date.now();
/** Seconds since the suite started, to set failures beside the faults. */
const clock = () => `[${((Date.now() - suiteStart) / 1000).toFixed(1)} s]`;
const readiness = { sawDown: 0, sawBack: 0 };

/** One fault at a time: each waits for the one before to be over. */
let faultChain: Promise<unknown> = Promise.resolve();
function serially(run: () => Promise<void>): Promise<void> {
  const next = faultChain.then(run);
  faultChain = next.catch(() => undefined);
  return next;
}

/** What the driver has done, for faults that start or end on it. */
const driver = {
  done: 0,
  finished: false,
  /** While an API kill waits for its moment, the planned faults wait. */
  holdFaults: false,
  inFlight: new Set<Promise<unknown>>(),
  waiters: new Set<() => void>(),
  opDone() {
    this.done++;
    for (const wake of this.waiters) wake();
  },
  /** Resolves once `n` more operations have completed (or the driver has nothing left to do). */
  async moreDone(n: number): Promise<void> {
    const target = this.done + n;
    while (this.done < target && !this.finished) await new Promise<void>((r) => this.waiters.add(r)).finally(() => this.waiters.clear());
  },
  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  },
};

/** Bound on waiting for a dependency's outage or return to show in /readyz (CHAOS_READYZ_WAIT_MS). */
const READYZ_WAIT_MS = Number(process.env.CHAOS_READYZ_WAIT_MS ?? 120_000);
const faultErrors: string[] = [];

async function readyzIs(status: 200 | 503): Promise<void> {
  await Promise.all(
    apiUrls.map(async (url) => {
      let last = 'no answer';
      await waitFor(`/readyz of ${url} answers ${status}`, READYZ_WAIT_MS, async () => {
        const res = await api.once('GET', '/readyz', undefined, undefined, url).catch((err: Error) => ({ status: err.message, body: undefined }));
        last = `${res.status} ${JSON.stringify(res.body)}`;
        return res.status === status;
      }).catch((err: Error) => {
        throw new Error(`${err.message} (last: ${last})`);
      });
    }),
  );
}

async function inject(fault: 'worker' | 'temporal' | 'postgres'): Promise<void> {
  const t0 = Date.now();
  if (fault === 'worker') {
    const w = pick(workers);
    await w.kill();
    faultCount['worker SIGKILL']++;
    // Back once the other has carried the driver a few steps further.
    await driver.moreDone(5);
    await w.start();
    faultLog.push(`${clock()} worker SIGKILL, back after ${Date.now() - t0} ms`);
    return;
  }
  await (fault === 'temporal' ? temporal.kill() : pg.kill());
  faultCount[fault === 'temporal' ? 'temporal restart' : 'postgres restart']++;
  try {
    await readyzIs(503);
    readiness.sawDown++;
  } catch (err) {
    faultErrors.push(`${clock()} ${fault} down: ${(err as Error).message}`);
  } finally {
    // Back whatever was seen, so one missed observation fails the suite and not every request after it.
    await (fault === 'temporal' ? temporal.start() : pg.start());
  }
  await readyzIs(200).then(
    () => void readiness.sawBack++,
    (err: Error) => void faultErrors.push(`${clock()} ${fault} back: ${err.message}`),
  );
  faultLog.push(`${clock()} ${fault} killed, back after ${Date.now() - t0} ms`);
}

/**
 * SIGSTOP of a worker while requests are in flight; SIGCONT once every request in flight at the
 * pause has been answered (those waiting on the paused worker's tasks only once the tasks timed
 * out and moved to the other) and the driver has gone on for ten more.
 */
async function pauseWorker(): Promise<void> {
  const w = pick(workers);
  const t0 = Date.now();
  const inFlight = [...driver.inFlight];
  w.pause();
  faultCount['worker SIGSTOP']++;
  await Promise.allSettled(inFlight);
  await driver.moreDone(10);
  w.resume();
  faultLog.push(`${clock()} worker SIGSTOP with ${inFlight.length} requests in flight, SIGCONT after ${Date.now() - t0} ms`);
}

/**
 * SIGKILL of an API process in the middle of a request sent to it directly: once `started` says
 * the request has done part of its work and before its answer. The process comes back once the
 * other API's outbox has started every case it left behind (`settled`).
 */
function killApiMidRequest(target: NodeProcess, what: string, started: () => Promise<boolean>, answered: () => boolean, settled: () => Promise<boolean>): Promise<boolean> {
  let landed = false;
  return serially(async () => {
    const t0 = Date.now();
    await waitFor(`${what} under way on ${target.pid}`, 120_000, async () => answered() || (await started()));
    if (answered()) {
      faultLog.push(`${clock()} ${what}: answered before the kill could land (no API SIGKILL)`);
      return;
    }
    await target.kill();
    landed = true;
    faultCount['api SIGKILL']++;
    await waitFor(`${what}: what the killed API left is finished by the other`, 120_000, settled);
    await target.start();
    faultLog.push(`${clock()} api SIGKILL in the middle of ${what}, back after ${Date.now() - t0} ms`);
  }).then(() => landed);
}

/** Fires the planned faults, one at a time, as the driver completes operations. */
function faultPlan(plannedOps: number) {
  const faults = shuffle<'worker' | 'temporal' | 'postgres'>(['worker', 'worker', 'worker', 'temporal', 'postgres']);
  const span = plannedOps * 0.85;
  const at = faults.map((_, i) => Math.floor(20 + (span / faults.length) * (i + rand() * 0.7))).sort((a, b) => a - b);
  let next = 0;
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const fire = () => {
    busy = true;
    const fault = faults[next++];
    running = serially(() => inject(fault))
      .catch((err: Error) => void faultErrors.push(`${clock()} ${fault}: ${err.message}`))
      .finally(() => {
        busy = false;
      });
  };
  return {
    planned: faults.map((f, i) => `${f}@${at[i]}`),
    opDone() {
      driver.opDone();
      if (!busy && !driver.holdFaults && next < faults.length && driver.done >= at[next]) fire();
    },
    /** Fires what the driver did not reach, and waits for every fault to be over. */
    async finish() {
      driver.finished = true;
      for (const wake of driver.waiters) wake();
      for (;;) {
        await running;
        if (next >= faults.length) break;
        fire();
      }
      await faultChain;
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
  legs: new Map<string, { transferId: string; caseId: string; outcome: 'scheduled' | 'departed' | 'dropped' | 'handed_over' | 'failed' }>(),
  transfers: new Set<string>(),
  /** holdId → what its case's script left it as. */
  holds: new Map<string, { caseId: string; kind: 'medical' | 'protection_claim'; outcome: 'active' | 'lifted' | 'upheld' | 'dismissed' }>(),
  extensions: new Set<string>(),
};
const ack = {
  decision(caseId: string, side: 'holding' | 'destination', decision: 'approve' | 'reject') {
    acknowledged.decisions.set(`${caseId}:${side}`, { caseId, side, decision });
  },
  leg(transferId: string, caseId: string, outcome: 'scheduled' | 'departed' | 'dropped' | 'handed_over' | 'failed') {
    acknowledged.legs.set(`${transferId}:${caseId}`, { transferId, caseId, outcome });
  },
};

it(`${TOTAL} cases through every stage and safeguard branch survive worker, API, Temporal and PostgreSQL crashes behind haproxy (seed ${SEED})`, async () => {
  const started = Date.now();
  const scripts = shuffle(Object.entries(SCRIPTS).flatMap(([name, s]) => Array<Script>(s.count).fill(name as Script)));
  const redeliver = () => rand() < 0.05;
  const failures: string[] = [];
  const expectOk = (what: string, status: number, body: unknown) => {
    if (status < 200 || status >= 300) failures.push(`${clock()} ${what}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
    return status >= 200 && status < 300;
  };

  const operationId = randomUUID();
  const op = await api.send('POST', '/v1/operations', u.khOfficer, { id: operationId, name: `chaos ${SEED}`, leadCountry: 'CN', participatingCountries: ['CN', 'KH'] }, true);
  expect(op.status).toBe(200); // the repeat of the 201
  expect(op.body.id).toBe(operationId);

  const plannedOps = 10 + (TOTAL - 30) + (TOTAL - 60) + 100 + 10 + 60 + 40 + 10;
  const plan = faultPlan(plannedOps);
  const done = () => plan.opDone();
  const apiKills: Promise<boolean>[] = [];

  // Intake: five raids of 100, two requests at a time; items refused for an outage are sent again.
  // The first raid goes to api-a directly, which is killed once part of it is recorded.
  const bodies = scripts.map(() => intakeBody());
  const caseIds: string[] = new Array(TOTAL);
  const batches = Array.from({ length: 5 }, (_, b) => Array.from({ length: TOTAL / 5 }, (_, i) => b * (TOTAL / 5) + i));
  const refsOf = (indexes: number[]) => indexes.map((i) => bodies[i].externalRef as string);
  await mapLimit(batches, 2, async (indexes, b) => {
    let pending = indexes;
    let answered = false;
    if (b === 0) {
      const refs = refsOf(indexes);
      apiKills.push(
        killApiMidRequest(
          apis[0],
          'a bulk intake',
          async () => (await sql`select count(*)::int as n from cases where external_ref = any(${refs})`)[0].n > 0,
          () => answered,
          // Every case of the raid that api-a recorded is started (by whichever outbox).
          async () => (await sql`select count(*)::int as n from cases where external_ref = any(${refs}) and not workflow_started`)[0].n === 0,
        ),
      );
    }
    while (pending.length > 0) {
      const res = await driver.track(api.send('POST', `/v1/operations/${operationId}/intake`, u.khOfficer, { cases: pending.map((i) => bodies[i]) }, redeliver(), b === 0 && !answered ? apiUrls[0] : undefined));
      answered = true;
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

  // One case at a time, eight in flight.
  const single = async (ids: string[], what: string, send: (caseId: string) => Promise<{ status: number; body: any }>, onOk: (caseId: string, body: any) => void | Promise<void>) =>
    mapLimit(ids, 8, async (caseId) => {
      const res = await driver.track(send(caseId));
      if (expectOk(`${what} ${caseId}`, res.status, res.body)) await onOk(caseId, res.body);
      done();
    });
  const post = (path: string, as: typeof u.khOfficer, body: unknown) => api.send('POST', path, as, body, redeliver());

  // Identity. A worker is paused once 60 verifications are answered and eight are in flight.
  const pastIdentity = (Object.keys(SCRIPTS) as Script[]).filter((s) => s !== 'identity');
  let verifiedCount = 0;
  let pause: Promise<void> | undefined;
  await single(
    byScript(...pastIdentity),
    'identity',
    (id) => post(`/v1/cases/${id}/identity`, u.cnOfficer, { result: 'confirmed', method: pick(['biometric', 'document', 'registry']) }),
    (id) => {
      acknowledged.identity.add(id);
      if (++verifiedCount >= 60 && !pause && driver.inFlight.size >= 6) pause = serially(pauseWorker);
    },
  );

  // Screening: indicators divert to PROTECTION; the rest are cleared for approval.
  await single(
    byScript(...pastIdentity.filter((s) => s !== 'screening')),
    'screening',
    (id) => post(`/v1/cases/${id}/screening`, u.khOfficer, { indicators: scripts[caseIds.indexOf(id)] === 'trafficking' ? [pick(['debt_bondage', 'confiscated_documents', 'deceptive_recruitment'])] : [] }),
    (id) => void acknowledged.screening.add(id),
  );

  // Before the decisions: medical holds, a custody extension, claims decided before approval.
  const scriptOf = new Map(caseIds.map((id, i) => [id, scripts[i]]));
  const placeHold = async (id: string, kind: 'medical' | 'protection_claim') => {
    const holdId = randomUUID();
    const res = kind === 'medical'
      ? await driver.track(post(`/v1/cases/${id}/holds`, u.khOfficer, { kind: 'medical', reason: 'hospitalised', id: holdId }))
      : await driver.track(post(`/v1/cases/${id}/protection-claims`, u.khOfficer, { grounds: 'fears persecution on return', id: holdId }));
    done();
    if (!expectOk(`${kind} ${id}`, res.status, res.body)) return undefined;
    acknowledged.holds.set(holdId, { caseId: id, kind, outcome: 'active' });
    return holdId;
  };
  const endHold = async (id: string, holdId: string, outcome: 'lifted' | 'upheld' | 'dismissed') => {
    const res = await driver.track(
      outcome === 'lifted'
        ? post(`/v1/cases/${id}/holds/${holdId}/lift`, u.khOfficer, { reason: 'discharged' })
        : post(`/v1/cases/${id}/protection-claims/${holdId}/outcome`, u.khSupervisor, { outcome, reason: 'legal review completed' }),
    );
    done();
    if (expectOk(`${outcome} ${id}`, res.status, res.body)) acknowledged.holds.get(holdId)!.outcome = outcome;
  };
  await mapLimit(byScript('medicalLifted', 'medicalHeld', 'extension', 'claimUpheld'), 8, async (id) => {
    const script = scriptOf.get(id)!;
    if (script === 'extension') {
      const res = await driver.track(post(`/v1/cases/${id}/custody-extension`, u.khSupervisor, { days: 30, reason: 'awaiting the embassy' }));
      done();
      if (expectOk(`extension ${id}`, res.status, res.body)) acknowledged.extensions.add(id);
      return;
    }
    const holdId = await placeHold(id, script === 'claimUpheld' ? 'protection_claim' : 'medical');
    if (!holdId) return;
    if (script === 'medicalLifted') await endHold(id, holdId, 'lifted');
    if (script === 'claimUpheld') await endHold(id, holdId, 'upheld');
  });

  // Decisions: in bulk (100 a request) for the approvals, one by one for rejections; cancellations.
  // The first bulk request goes to api-b directly, which is killed once part of it is recorded.
  // Tried again on the next bulk request if one answers before the kill lands.
  let decisionKillArmed = true;
  const bulkDecide = async (ids: string[], by: typeof u.khSupervisor, side: 'holding' | 'destination') => {
    for (let i = 0; i < ids.length; i += 100) {
      let pending = ids.slice(i, i + 100);
      let answered = false;
      const pinned = decisionKillArmed;
      let kill: Promise<boolean> | undefined;
      if (pinned) {
        decisionKillArmed = false;
        driver.holdFaults = true;
        await faultChain; // a planned fault under way ends first
        const batch = pending;
        kill = killApiMidRequest(
          apis[1],
          'a bulk decision',
          async () => (await sql`select count(*)::int as n from decisions where case_id = any(${batch}::uuid[]) and side = ${side}`)[0].n > 0,
          () => answered,
          async () => true,
        );
        void kill.then((landed) => {
          driver.holdFaults = false;
          if (!landed) decisionKillArmed = true;
        });
        apiKills.push(kill);
      }
      while (pending.length > 0) {
        const res = await driver.track(api.send('POST', '/v1/decisions', by, { caseIds: pending, decision: 'approve' }, redeliver(), pinned && !answered ? apiUrls[1] : undefined));
        answered = true;
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
  const approvedBoth: Script[] = ['approved', 'scheduled', 'inTransfer', 'handedOver', 'missing', 'medicalLifted', 'extension', 'claimPending', 'claimDismissed', 'claimAfterDismissed', 'claimAfterUpheld'];
  await Promise.all([
    bulkDecide(byScript('oneSide', ...approvedBoth), u.khSupervisor, 'holding'),
    single(
      byScript('rejected'),
      'rejection',
      (id) => post(`/v1/cases/${id}/decisions`, u.khSupervisor2, { decision: 'reject', reason: 'identity documents forged' }),
      (id) => ack.decision(id, 'holding', 'reject'),
    ),
    single(
      byScript('cancelled'),
      'cancel',
      (id) => post(`/v1/cases/${id}/cancel`, u.khSupervisor, { reason: 'transferred to a court process' }),
      (id) => void acknowledged.cancelled.add(id),
    ),
  ]);
  await bulkDecide(byScript(...approvedBoth), u.cnSupervisor, 'destination');
  await Promise.all(apiKills);

  // Claims lodged on approved cases before any flight: one stays pending, one is dismissed.
  const pendingClaims = new Map<string, string>();
  await mapLimit(byScript('claimPending', 'claimDismissed'), 8, async (id) => {
    const holdId = await placeHold(id, 'protection_claim');
    if (!holdId) return;
    if (scriptOf.get(id) === 'claimDismissed') await endHold(id, holdId, 'dismissed');
    else pendingClaims.set(id, holdId);
  });

  // Transfers: one flight stays scheduled (the pending claims are put on it and refused), one
  // departs (claims lodged after scheduling drop their people from it), two are handed over (on
  // one, people reported missing), and a fifth takes the missing once they are back.
  const missing = byScript('missing');
  const flights = [
    { ids: [...byScript('scheduled'), ...byScript('claimPending')], depart: false, handover: false, missing: [] as string[] },
    { ids: byScript('inTransfer', 'claimAfterDismissed', 'claimAfterUpheld'), depart: true, handover: false, missing: [] as string[] },
    { ids: [...byScript('handedOver').slice(0, 45), ...missing], depart: true, handover: true, missing },
    { ids: byScript('handedOver').slice(45), depart: true, handover: true, missing: [] as string[] },
  ];
  const fly = async (flight: (typeof flights)[number]) => {
    const transferId = randomUUID();
    const res = await driver.track(api.send('POST', '/v1/transfers', u.khOfficer, transferBody(flight.ids, flight.ids.length, { transferId }), redeliver()));
    done();
    if (!expectOk('transfer', res.status, res.body)) return;
    acknowledged.transfers.add(transferId);
    expect(res.body.transferId).toBe(transferId);
    for (const c of res.body.cases as { caseId: string; accepted: boolean; error?: { code: string } }[]) {
      if (c.accepted) ack.leg(transferId, c.caseId, 'scheduled');
      else if (!(pendingClaims.has(c.caseId) && c.error?.code === 'WRONG_STAGE')) failures.push(`not accepted on ${transferId}: ${c.caseId} ${JSON.stringify(c.error)}`);
    }
    if (pendingClaims.size > 0) for (const id of flight.ids) if (pendingClaims.has(id) && acknowledged.legs.has(`${transferId}:${id}`)) failures.push(`a case with a pending claim was given a seat: ${id}`);
    if (!flight.depart) return;
    // Claims lodged after scheduling, before departure.
    const lateClaims = new Map<string, string>();
    await mapLimit(flight.ids.filter((id) => scriptOf.get(id)?.startsWith('claimAfter')), 8, async (id) => {
      const holdId = await placeHold(id, 'protection_claim');
      if (holdId) lateClaims.set(id, holdId);
    });
    const departed = await driver.track(api.send('POST', `/v1/transfers/${transferId}/depart`, u.khOfficer, {}, redeliver()));
    done();
    if (!expectOk('depart', departed.status, departed.body)) return;
    for (const r of departed.body.results as { caseId: string; ok: boolean; error?: { code: string } }[]) {
      if (r.ok) ack.leg(transferId, r.caseId, 'departed');
      else if (lateClaims.has(r.caseId) && r.error?.code === 'DROPPED_FROM_TRANSFER') ack.leg(transferId, r.caseId, 'dropped');
      else failures.push(`departure refused: ${r.caseId} ${JSON.stringify(r.error)}`);
    }
    await mapLimit([...lateClaims], 8, ([id, holdId]) => endHold(id, holdId, scriptOf.get(id) === 'claimAfterUpheld' ? 'upheld' : 'dismissed'));
    if (!flight.handover) return;
    const received = flight.ids.filter((id) => !flight.missing.includes(id));
    const handed = await driver.track(api.send('POST', `/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: received, missingCaseIds: flight.missing }, redeliver()));
    done();
    if (!expectOk('handover', handed.status, handed.body)) return;
    for (const r of handed.body.results as { caseId: string; ok: boolean; status: string; error?: unknown }[]) {
      if (r.ok) ack.leg(transferId, r.caseId, flight.missing.includes(r.caseId) ? 'failed' : 'handed_over');
      else failures.push(`handover refused: ${r.caseId} ${JSON.stringify(r.error)}`);
    }
    // The missing (MISSING: in no one's custody) are found by the holding country, back to APPROVED,
    // and fly on a later flight and arrive.
    await mapLimit(flight.missing, 8, async (id) => {
      const res = await driver.track(post(`/v1/cases/${id}/located`, u.khOfficer, { locatedAt: new Date().toISOString(), place: 'Bavet border checkpoint' }));
      done();
      expectOk(`located ${id}`, res.status, res.body);
    });
    if (flight.missing.length > 0) await fly({ ids: flight.missing, depart: true, handover: true, missing: [] });
  };
  await mapLimit(flights, 2, fly);

  await plan.finish();
  const drivenMs = Date.now() - started;
  if (failures.length > 0) console.log(`faults so far: ${faultLog.join('; ')}; ${faultErrors.join('; ')}`);
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

  const missingIds = byScript('missing');
  const duplicated = {
    events: await sql`select case_id, event_key, count(*)::int from case_events group by 1, 2 having count(*) > 1`,
    // The same kind of event twice is a duplicate, but for the missing, scheduled and departed twice,
    // and for a hold's events (one per hold; holds are counted below).
    sameStep: await sql`select case_id, type, data->>'side' as side, count(*)::int from case_events
      where not (case_id = any(${missingIds}::uuid[]) and type in ('TRANSFER_SCHEDULED', 'DEPARTED', 'STATUS_CHANGED'))
      group by 1, 2, 3, data->>'holdId' having count(*) > 1`,
    decisions: await sql`select case_id, side, count(*)::int from decisions group by 1, 2 having count(*) > 1`,
    identityChecks: await sql`select case_id, count(*)::int from identity_checks group by 1 having count(*) > 1`,
    screenings: await sql`select case_id, count(*)::int from screenings group by 1 having count(*) > 1`,
    legs: await sql`select case_id, count(*)::int from transfer_legs where not (case_id = any(${missingIds}::uuid[])) group by 1 having count(*) > 1`,
    missingLegs: await sql`select case_id, count(*)::int from transfer_legs where case_id = any(${missingIds}::uuid[]) group by 1 having count(*) > 2`,
    holds: await sql`select case_id, count(*)::int from case_holds group by 1 having count(*) > 1`,
    transfers: await sql`select id from transfers where id <> all(${[...acknowledged.transfers]}::uuid[])`,
    operations: await sql`select id from operations where id <> ${operationId}`,
  };
  const duplicates = Object.values(duplicated).reduce((n, rows) => n + rows.length, 0);
  expect(duplicated).toEqual({ events: [], sameStep: [], decisions: [], identityChecks: [], screenings: [], legs: [], missingLegs: [], holds: [], transfers: [], operations: [] });

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
  await present('custody extension', [...acknowledged.extensions], sql`select case_id::text as k from custody_extensions where days = 30`);
  // Holds and claims intact: each as its script left it.
  await present(
    'hold',
    [...acknowledged.holds].map(([holdId, h]) => `${holdId}:${h.caseId}:${h.kind}:${h.outcome}`),
    sql`select hold_id || ':' || case_id::text || ':' || kind || ':' ||
          case when ended_at is null then 'active' when kind = 'medical' then 'lifted' else coalesce(outcome, 'ended') end as k from case_holds`,
  );
  const legOrder = ['scheduled', 'departed', 'handed_over'];
  const legs = new Map((await sql<{ k: string; outcome: string }[]>`select transfer_id::text || ':' || case_id::text as k, outcome from transfer_legs`).map((r) => [r.k, r.outcome]));
  for (const [k, leg] of acknowledged.legs) {
    const outcome = legs.get(k);
    const behind = legOrder.includes(leg.outcome) ? outcome === undefined || legOrder.indexOf(outcome) < legOrder.indexOf(leg.outcome) : outcome !== leg.outcome;
    if (behind) lost.push(`transfer leg ${k} ${leg.outcome} (store: ${outcome})`);
  }
  expect(lost).toEqual([]);

  // ---- no one with a pending claim boarded ----

  const boardedWithClaim = await sql`select l.case_id, l.outcome from transfer_legs l join case_holds h on h.case_id = l.case_id
    where h.kind = 'protection_claim' and l.outcome in ('departed', 'handed_over') and (h.ended_at is null or h.ended_at > l.updated_at)`;
  expect(boardedWithClaim).toEqual([]);
  expect(await sql`select case_id from transfer_legs where case_id = any(${[...pendingClaims.keys()]}::uuid[])`).toEqual([]);

  // ---- the audit chain, sealed by both API processes ----

  const verifiedChain = await api.send('GET', '/v1/audit/verify', u.khAuditor);
  expect(verifiedChain.status).toBe(200);
  expect(verifiedChain.body).toMatchObject({ ok: true });

  // ---- each stream: every event of the operation's cases once, in order ----

  const [{ last }] = await sql<{ last: number }[]>`select coalesce(max(id), 0)::int as last from case_events`;
  const timeline = (await sql<{ id: number }[]>`select e.id::int as id from case_events e join cases c on c.id = e.case_id where c.operation_id = ${operationId} order by e.id`).map((r) => r.id);
  const streamed: Record<string, { reconnects: number; events: number }> = {};
  for (const stream of streams) {
    await waitFor(`${stream.name} receives up to event ${last}`, 120_000, () => (stream.received.at(-1)?.id ?? 0) >= Math.max(...timeline));
    const ids = stream.received.map((e) => e.id).filter((id) => id <= last);
    const seenTwice = ids.filter((id, i) => ids.indexOf(id) !== i);
    const outOfOrder = ids.filter((id, i) => i > 0 && id <= ids[i - 1]);
    const got = new Set(ids);
    const notReceived = timeline.filter((id) => !got.has(id));
    expect({ stream: stream.name, seenTwice, outOfOrder, notReceived: notReceived.slice(0, 20), refused: stream.refused }).toEqual({ stream: stream.name, seenTwice: [], outOfOrder: [], notReceived: [], refused: [] });
    streamed[stream.name] = { reconnects: stream.reconnects, events: ids.length };
  }

  // ---- the contract under faults, and the processes ----

  expect(faultCount).toEqual({ 'worker SIGKILL': 3, 'worker SIGSTOP': 1, 'api SIGKILL': 2, 'temporal restart': 1, 'postgres restart': 1 });
  expect(faultErrors).toEqual([]);
  expect(readiness).toEqual({ sawDown: 2, sawBack: 2 });
  expect(api.seen.violations).toEqual([]);
  expect([...workers, ...apis].flatMap((p) => p.unexpectedExits)).toEqual([]);

  const [{ n: events }] = await sql<{ n: number }[]>`select count(*)::int as n from case_events`;
  console.log(
    [
      `fault suite (seed ${SEED}): ${faultLog.join('; ')}; planned ${plan.planned.join(' ')}`,
      `requests ${api.seen.requests} ${JSON.stringify(api.seen.byStatus)}, repeated after a 2xx ${api.seen.redelivered}, slowest ${api.seen.slowest.ms} ms (${api.seen.slowest.what})`,
      `closed without an answer: ${api.seen.networkErrors.slice(0, 10).join(', ')}`,
      `streams ${JSON.stringify(streamed)}`,
      `driven in ${Math.round(drivenMs / 1000)} s, total ${Math.round((Date.now() - started) / 1000)} s`,
      `faults: ${Object.entries(faultCount).map(([kind, n]) => `${kind} ${n}`).join(', ')}; cases ${storeCount}, events ${events}, lost ${lost.length}, duplicated ${duplicates}`,
    ].join('\n'),
  );
}, SUITE_BOUND_MS - 30_000);
