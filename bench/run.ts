// `npm run bench`: the system against the raw engine on this machine, side by side in one run.
//   1. Intake of 2,141 and 5,500 cases through the API vs. as many bare workflow starts (of an
//      empty workflow, which a worker runs, as the case workflows are run) plus one multi-row
//      insert of the same rows (goal: at most 1.3x).
//   2. The lifecycle of 5,500 cases (intake, identity, screening, both decisions in bulk, flights of
//      200, departure, handover) vs. workflows doing as many no-op activities and updates (goal: 1.5x).
//   3. GET /v1/cases/:id and GET /v1/cases?status=... under load vs. a bare Express route running the
//      same SELECT (goal: at least 0.5x the throughput).
//   4. Peak RSS of the worker and the API processes during run 2.
//   6. Identity verification (`--only identity`): a registry's answers for a raid through POST
//      /v1/identity against one POST /v1/cases/:id/identity per case (64 at a time), time per 1,000
//      cases, beside the intake of the same cases: at raid scale verification must not take longest.
//   5. The intelligence graph (bench/graph.ts): depth-3 neighbourhoods and shortest paths on 50,000
//      entities and 200,000 links, p95 against one indexed single-row lookup (goal: p95 < 100 ms).
// Prints a table and writes bench/results/latest.json. `--quick` runs small sizes as a smoke test.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { signToken } from '../api/auth.js';
import { openDatabase } from '../db/client.js';
import { createDatabase, type CreatedDatabase } from '../db/create-database.js';
import { migrate } from '../db/migrate.js';
import { mapLimit } from '../lib/concurrency.js';
import { newKeyRingSpec } from '../lib/crypto.js';
import { startDevServer } from '../lib/dev-server.js';
import { PROJECT_ROOT } from '../lib/temporal-binaries.js';
import { TASK_QUEUE, type Actor } from '../workflows/definitions.js';
import { WORKER_TUNING } from '../worker/index.js';
import { freePort } from '../test/helpers/ports.js';
import { runGraphBench } from './graph.js';
import { stepUpdate } from './workflows/index.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Run only some parts: intake, lifecycle, reads, graph, identity (comma-separated). */
    only: { type: 'string' },
    intake: { type: 'string', description: 'intake sizes, comma-separated' },
    cases: { type: 'string', description: 'lifecycle size' },
    verifications: { type: 'string', description: 'cases per side of the identity part' },
    /** CPU-profile a process (worker or api) into bench/results/profiles. */
    profile: { type: 'string' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
  },
});
const QUICK = args.quick;
const INTAKE_SIZES = args.intake ? args.intake.split(',').map(Number) : QUICK ? [200] : [2141, 5500];
const LIFECYCLE = args.cases ? Number(args.cases) : QUICK ? 400 : 5500;
const VERIFICATIONS = args.verifications ? Number(args.verifications) : QUICK ? 200 : 2141;
const PARTS = new Set((args.only ?? 'intake,lifecycle,reads,graph,identity').split(','));
/** A partial or resized run is a measurement for the engineer, not the published result. */
const PUBLISH = !QUICK && !args.only && !args.intake && !args.cases && !args.verifications;
const FLIGHT = 200;
const CONCURRENCY = 64;
const DURATION = QUICK ? 5 : Number(args.duration);
const CONNECTIONS = Number(args.connections);
const UPDATES_PER_CASE = 7; // identity, screening, two decisions, assignment, departure, handover

Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
const seconds = (ms: number) => Math.round(ms / 10) / 100;
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---- the stack under test: its own Temporal dev server (SQLite), database, worker and API processes ----

const tmp = mkdtempSync(path.join(os.tmpdir(), 'case-engine-bench-'));
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let benchDatabase: CreatedDatabase | undefined;
const children: ChildProcess[] = [];
let stopDevServer: () => Promise<void> = async () => undefined;

async function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null
        ? undefined
        : new Promise((resolve) => {
            const force = setTimeout(() => c.kill('SIGKILL'), 20_000);
            c.once('exit', () => resolve(clearTimeout(force)));
          }),
    ),
  );
  await stopDevServer();
}

function spawnNode(script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const profiled = args.profile && script.startsWith(`${args.profile}/`);
  const profile = profiled ? ['--cpu-prof', `--cpu-prof-dir=${path.join(PROJECT_ROOT, 'bench', 'results', 'profiles')}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  child.once('exit', (code) => {
    if (code !== 0 && code !== null && !stopping) failed = `${script} exited with code ${code}`;
  });
  return child;
}

let stopping = false;
let failed: string | undefined;

async function waitFor(url: string, headers: Record<string, string> = {}) {
  for (let i = 0; i < 600; i++) {
    if (failed) throw new Error(failed);
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never became ready`);
}

/** Samples a process's resident memory; `peak()` is the largest value seen since `reset()`. */
function rssSampler(pid: number) {
  let peak = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // process gone
    }
  };
  const timer = setInterval(read, 200);
  timer.unref();
  return {
    reset: () => {
      peak = 0;
      read();
    },
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used so far by each PostgreSQL process on this machine (the server and its backends), by pid. */
function postgresCpuSeconds(): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') byPid.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // gone
    }
  }
  return byPid;
}

const users = {
  khOfficer: { sub: 'bench-kh-officer', role: 'officer', country: 'KH' },
  khSupervisor: { sub: 'bench-kh-supervisor', role: 'supervisor', country: 'KH' },
  cnOfficer: { sub: 'bench-cn-officer', role: 'officer', country: 'CN' },
  cnSupervisor: { sub: 'bench-cn-supervisor', role: 'supervisor', country: 'CN' },
} satisfies Record<string, Actor>;

let counter = 0;
function intakeItem() {
  const n = `${Date.now().toString(36)}-${(counter++).toString(36)}`;
  return {
    externalRef: `BENCH-${n}`,
    holdingCountry: 'KH',
    person: {
      fullName: `Bench Person ${n}`,
      dateOfBirth: '1990-01-01',
      sex: 'M',
      claimedNationality: 'CN',
      documents: [{ type: 'passport', number: `B${n}`, issuingCountry: 'CN' }],
    },
    arrest: { at: new Date(Date.now() - 86_400_000).toISOString(), place: 'Bench', allegations: ['telecom_fraud'] },
    consularNotice: { notifiedAt: new Date().toISOString(), channel: 'note', accessRequested: false },
  };
}

type BenchIntake = ReturnType<typeof intakeItem>;

async function main() {
  log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const devServer = await startDevServer({ port: await freePort(), headless: true, dbFile: path.join(tmp, 'temporal.db') });
  stopDevServer = () => devServer.stop();
  benchDatabase = await createDatabase(adminUrl, 'case_engine_bench');
  const databaseUrl = benchDatabase.url;
  const database = await openDatabase({ url: databaseUrl, poolSize: 4 });
  await migrate(database);
  await database.close();
  const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });

  const authSecret = randomBytes(32).toString('base64url');
  const apiPort = await freePort();
  const env = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: devServer.address,
    AUTH_SECRET: authSecret,
    AUDIT_KEY: randomBytes(32).toString('base64url'),
    PAYLOAD_KEYS: newKeyRingSpec('bench1'),
    DOCUMENT_HASH_KEY: randomBytes(32).toString('base64url'),
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '10000000',
    // Other work on a small machine must not turn a slow answer into a failed run.
    TEMPORAL_CALL_TIMEOUT: '120s',
    // Several processes on one machine: no metrics ports to contend for.
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    WORKER_SDK_METRICS_PORT: '0',
  };
  const worker = spawnNode('worker/main.ts', env);
  const api = spawnNode('api/server.ts', env);
  const API = `http://127.0.0.1:${apiPort}`;
  await waitFor(`${API}/readyz`);
  const tokens = Object.fromEntries(
    await Promise.all(Object.entries(users).map(async ([k, actor]) => [k, await signToken(authSecret, actor)] as const)),
  ) as Record<keyof typeof users, string>;
  /** 503s retried after their Retry-After, as a client would (every call below is safe to repeat). */
  let retried = 0;
  const call = async (method: string, pathname: string, as: keyof typeof users, body?: unknown): Promise<any> => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(`${API}${pathname}`, {
        method,
        headers: { Authorization: `Bearer ${tokens[as]}`, 'Content-Type': 'application/json', 'X-Purpose': 'benchmark' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as any;
      if (res.status === 503 && attempt < 5) {
        retried++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 5) * 1000));
        continue;
      }
      if (res.status >= 300) throw new Error(`${method} ${pathname} → ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    }
  };

  /** Where a measured stretch spent its CPU: the Temporal server, the worker, the API and this process (the baselines' worker). */
  const cpuMeter = () => {
    const read = () => ({
      temporal: cpuSeconds(devServer.pid),
      worker: cpuSeconds(worker.pid),
      api: cpuSeconds(api.pid),
      bench: cpuSeconds(process.pid),
    });
    const start = read();
    const postgresStart = postgresCpuSeconds();
    return () => {
      const end = read();
      // Backends that ended in between are missed: a lower bound.
      let postgresUsed = 0;
      for (const [pid, used] of postgresCpuSeconds()) postgresUsed += used - (postgresStart.get(pid) ?? 0);
      return [...Object.entries(end).map(([k, v]) => [k, v - start[k as keyof typeof start]] as const), ['postgres', postgresUsed] as const]
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ');
    };
  };

  // The baselines' own worker, in this process, on its own task queues.
  const connection = await Connection.connect({ address: devServer.address });
  const client = new Client({ connection });
  const baselineWorker = await Worker.create({
    connection: await NativeConnection.connect({ address: devServer.address }),
    taskQueue: 'bench-baseline',
    workflowsPath: fileURLToPath(new URL('./workflows', import.meta.url)),
    activities: { noop: async () => undefined },
    // The same tuning as the product's worker: the comparison is of the work, not of the settings.
    ...WORKER_TUNING,
  });
  const baselineRunning = baselineWorker.run();

  /**
   * Waits until the workers have caught up with every workflow task queued so far. A start is
   * acknowledged before a worker runs the workflow, so without this a part would pay for the
   * backlog the previous part left behind. The wait is logged, not counted.
   */
  const drain = async (what: string) => {
    const t = performance.now();
    const cpu = cpuMeter();
    let quiet = 0;
    while (quiet < 2) {
      const backlogs = await Promise.all(
        [TASK_QUEUE, 'bench-baseline'].map(async (name) => {
          const res = await client.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name },
            taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            reportStats: true,
          });
          return Number(res.stats?.approximateBacklogCount ?? 0);
        }),
      );
      quiet = backlogs.every((n) => n === 0) ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 1000));
    }
    // The server carries on after the backlog is gone (visibility records of closed workflows and
    // other internal queues): wait, up to two minutes, until it is idle too.
    for (let idle = 0, i = 0; idle < 3 && i < 120; i++) {
      const before = cpuSeconds(devServer.pid);
      await new Promise((r) => setTimeout(r, 1000));
      idle = cpuSeconds(devServer.pid) - before < 0.05 ? idle + 1 : 0;
    }
    log(`  (${what}: the workers caught up in ${seconds(performance.now() - t)} s, not counted; CPU s: ${cpu()})`);
  };

  const results: Record<string, unknown> = {};
  const rows: [string, string, string, number, string][] = [];

  // ---- 1. intake ----
  await sql`create table bench_raw_cases (like cases including defaults)`;
  /** The raw limit: bare starts of an empty workflow, then one multi-row insert of the same rows. */
  const rawIntake = async (items: BenchIntake[]) => {
    const t = performance.now();
    await mapLimit(items, CONCURRENCY, (item) =>
      client.workflow.start('emptyWorkflow', { workflowId: `raw-${item.externalRef}`, taskQueue: 'bench-baseline' }),
    );
    await sql.begin(async (tx) => {
      for (let i = 0; i < items.length; i += 1000) {
        const chunk = items.slice(i, i + 1000).map((item) => ({
          id: randomUUID(),
          external_ref: item.externalRef,
          holding_country: 'KH',
          legal_basis: 'deportation',
          status: 'IDENTITY_PENDING',
          claimed_nationality: 'CN',
          arrested_at: item.arrest.at,
          arrest_place: item.arrest.place,
          allegations: item.arrest.allegations,
          opened_by: users.khOfficer.sub,
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        }));
        await tx`insert into bench_raw_cases ${tx(chunk)}`;
      }
    });
    return performance.now() - t;
  };
  /** The system: bulk intake requests of up to 5,000 cases into one operation. */
  const apiIntake = async (items: BenchIntake[]) => {
    const op = await call('POST', '/v1/operations', 'khOfficer', {
      name: `Bench ${items.length}`,
      leadCountry: 'CN',
      participatingCountries: ['CN', 'KH'],
    });
    const t = performance.now();
    let created = 0;
    for (let i = 0; i < items.length; i += 5000) {
      created += (await call('POST', `/v1/operations/${op.id}/intake`, 'khOfficer', { cases: items.slice(i, i + 5000) })).created;
    }
    if (created !== items.length) throw new Error(`intake created ${created} of ${items.length}`);
    return performance.now() - t;
  };
  const intakeSizes = PARTS.has('intake') ? INTAKE_SIZES : [];
  for (const n of intakeSizes) {
    // Baseline, system, system, baseline: whatever drifts over the run (the server's database grows)
    // weighs on both sides alike. Each figure is the mean of its two runs.
    const times = { raw: [] as number[], api: [] as number[] };
    for (const side of ['raw', 'api', 'api', 'raw'] as const) {
      log(`intake ${n}: ${side === 'raw' ? 'raw baseline' : 'through the API'}`);
      const cpu = cpuMeter();
      const ms = await (side === 'raw' ? rawIntake : apiIntake)(Array.from({ length: n }, intakeItem));
      log(`  ${seconds(ms)} s; CPU s: ${cpu()}`);
      times[side].push(ms);
      await drain(`after ${n} ${side === 'raw' ? 'raw starts' : 'cases through the API'}`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [viaApi, raw] = [mean(times.api), mean(times.raw)];
    results[`intake_${n}`] = { apiMs: viaApi, baselineMs: raw, ratio: viaApi / raw, goal: 1.3, runs: times };
    rows.push([`intake of ${n.toLocaleString('en')} cases`, `${seconds(viaApi)} s`, `${seconds(raw)} s`, viaApi / raw, '≤ 1.3x']);
  }

  /** The registry's answers, up to 5,000 a request. */
  const verifyInBulk = async (caseIds: string[]) => {
    for (let i = 0; i < caseIds.length; i += 5000) {
      const res = await call('POST', '/v1/identity', 'cnOfficer', {
        items: caseIds.slice(i, i + 5000).map((caseId) => ({ caseId, result: 'confirmed', method: 'registry' })),
      });
      if (!res.results.every((r: { ok: boolean }) => r.ok)) throw new Error('a bulk verification failed');
    }
  };
  /** Opens `n` cases in one operation; their ids and the time it took. */
  const openForVerification = async (n: number) => {
    const op = await call('POST', '/v1/operations', 'khOfficer', { name: `Bench identity ${n}`, leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    const t = performance.now();
    const caseIds: string[] = [];
    for (let i = 0; i < n; i += 5000) {
      const res = await call('POST', `/v1/operations/${op.id}/intake`, 'khOfficer', { cases: Array.from({ length: Math.min(5000, n - i) }, intakeItem) });
      caseIds.push(...res.results.map((r: { caseId: string }) => r.caseId));
    }
    return { caseIds, ms: performance.now() - t };
  };

  // ---- 2. lifecycle ----
  const ids: string[] = [];
  let peaks = { workerRssBytes: 0, apiRssBytes: 0 };
  if (PARTS.has('lifecycle') || PARTS.has('reads')) {
    const workerRss = rssSampler(worker.pid!);
    const apiRss = rssSampler(api.pid!);
    workerRss.reset();
    apiRss.reset();
    await drain('before the lifecycle');
    log(`lifecycle of ${LIFECYCLE}: through the API`);
    const op = await call('POST', '/v1/operations', 'khOfficer', {
      name: 'Bench lifecycle',
      leadCountry: 'CN',
      participatingCountries: ['CN', 'KH'],
    });
    const items = Array.from({ length: LIFECYCLE }, intakeItem);
    let cpu = cpuMeter();
    let t = performance.now();
    let mark = performance.now();
    const phase = (name: string) => {
      log(`  ${name}: ${seconds(performance.now() - mark)} s`);
      mark = performance.now();
    };
    for (let i = 0; i < items.length; i += 5000) {
      const res = await call('POST', `/v1/operations/${op.id}/intake`, 'khOfficer', { cases: items.slice(i, i + 5000) });
      ids.push(...res.results.map((r: { caseId: string }) => r.caseId));
    }
    phase('intake');
    await verifyInBulk(ids);
    phase('identity');
    await mapLimit(ids, CONCURRENCY, (id) => call('POST', `/v1/cases/${id}/screening`, 'khOfficer', { indicators: [] }));
    phase('screening');
    for (const side of ['khSupervisor', 'cnSupervisor'] as const) {
      for (let i = 0; i < ids.length; i += 5000) {
        const res = await call('POST', '/v1/decisions', side, { caseIds: ids.slice(i, i + 5000), decision: 'approve' });
        if (!res.results.every((r: { ok: boolean }) => r.ok)) throw new Error('a bulk decision failed');
      }
      phase(`decisions (${side})`);
    }
    const flights: string[][] = [];
    for (let i = 0; i < ids.length; i += FLIGHT) flights.push(ids.slice(i, i + FLIGHT));
    await mapLimit(flights, 4, async (passengers) => {
      const batch = await call('POST', '/v1/transfers', 'khOfficer', {
        transferId: randomUUID(),
        destinationCountry: 'CN',
        mode: 'charter_flight',
        from: 'PNH',
        to: 'CAN',
        scheduledAt: new Date().toISOString(),
        capacity: FLIGHT,
        caseIds: passengers,
      });
      await call('POST', `/v1/transfers/${batch.transferId}/depart`, 'khOfficer', {});
      const handed = await call('POST', `/v1/transfers/${batch.transferId}/handover`, 'cnOfficer', { receivedCaseIds: passengers });
      if (!handed.results.every((r: { ok: boolean }) => r.ok)) throw new Error('a handover failed');
    });
    phase('flights');
    const lifecycle = performance.now() - t;
    log(`  ${seconds(lifecycle)} s; CPU s: ${cpu()}`);
    const [{ n: handedOver }] = await sql<
      { n: number }[]
    >`select count(*)::int as n from cases where operation_id = ${op.id} and status = 'HANDED_OVER'`;
    if (handedOver !== LIFECYCLE) throw new Error(`${handedOver} of ${LIFECYCLE} handed over`);
    peaks = { workerRssBytes: workerRss.peak(), apiRssBytes: apiRss.peak() };

    if (PARTS.has('lifecycle')) {
      await drain('before the baseline lifecycle');
      log(`lifecycle of ${LIFECYCLE}: baseline workflows`);
      cpu = cpuMeter();
      t = performance.now();
      const handles = await mapLimit(
        Array.from({ length: LIFECYCLE }, (_, i) => i),
        CONCURRENCY,
        (i) =>
          client.workflow.start('baselineCaseWorkflow', {
            workflowId: `baseline-${randomUUID()}-${i}`,
            taskQueue: 'bench-baseline',
            args: [UPDATES_PER_CASE],
          }),
      );
      log(`  starts: ${seconds(performance.now() - t)} s`);
      for (let step = 0; step < UPDATES_PER_CASE; step++) {
        const round = performance.now();
        await mapLimit(handles, CONCURRENCY, (h) => h.executeUpdate(stepUpdate));
        log(`  update round ${step + 1}: ${seconds(performance.now() - round)} s`);
      }
      const baselineLifecycle = performance.now() - t;
      log(`  ${seconds(baselineLifecycle)} s; CPU s: ${cpu()}`);
      results[`lifecycle_${LIFECYCLE}`] = {
        apiMs: lifecycle,
        baselineMs: baselineLifecycle,
        ratio: lifecycle / baselineLifecycle,
        goal: 1.5,
      };
      rows.push([
        `lifecycle of ${LIFECYCLE.toLocaleString('en')} cases`,
        `${seconds(lifecycle)} s`,
        `${seconds(baselineLifecycle)} s`,
        lifecycle / baselineLifecycle,
        '≤ 1.5x',
      ]);
    }
    workerRss.stop();
    apiRss.stop();
  }

  // ---- 3. reads under load ----
  if (PARTS.has('reads')) {
    const barePort = await freePort();
    const bare = spawnNode('bench/bare-server.ts', { DATABASE_URL: databaseUrl, PORT: String(barePort) });
    await waitFor(`http://127.0.0.1:${barePort}/bare/cases?status=HANDED_OVER`);
    const sample = ids[Math.floor(ids.length / 2)];
    const autocannon = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'autocannon');
    const load = async (url: string, headers: Record<string, string>) => {
      const flags = ['-j', '-c', String(CONNECTIONS), '-d', String(DURATION)];
      for (const [k, v] of Object.entries(headers)) flags.push('-H', `${k}=${v}`);
      const { stdout } = await promisify(execFile)(autocannon, [...flags, url], { maxBuffer: 64 * 2 ** 20 });
      const r = JSON.parse(stdout) as {
        requests: { average: number };
        latency: { p50: number; p99: number };
        non2xx: number;
        errors: number;
      };
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
    };
    const auth = { Authorization: `Bearer ${tokens.cnOfficer}`, 'X-Purpose': 'benchmark' };
    for (const [label, apiPath, barePath] of [
      ['GET /v1/cases/:id', `/v1/cases/${sample}`, `/bare/cases/${sample}`],
      ['GET /v1/cases?status=', '/v1/cases?status=HANDED_OVER&limit=50', '/bare/cases?status=HANDED_OVER'],
    ] as const) {
      log(`${label}: ${CONNECTIONS} connections for ${DURATION} s, API then bare route`);
      const viaApi = await load(`${API}${apiPath}`, auth);
      const baseline = await load(`http://127.0.0.1:${barePort}${barePath}`, {});
      results[label] = { api: viaApi, baseline, ratio: viaApi.rps / baseline.rps, goal: 0.5 };
      rows.push([
        `${label} (req/s; p50 / p99 ms)`,
        `${Math.round(viaApi.rps)}; ${viaApi.p50} / ${viaApi.p99}`,
        `${Math.round(baseline.rps)}; ${baseline.p50} / ${baseline.p99}`,
        viaApi.rps / baseline.rps,
        '≥ 0.5x',
      ]);
    }
    bare.kill('SIGTERM');
  }

  // ---- 6. identity verification: the bulk route against one call per case ----
  if (PARTS.has('identity')) {
    await drain('before identity verification');
    const perThousand = (ms: number) => (ms * 1000) / VERIFICATIONS;
    const times = { single: [] as number[], bulk: [] as number[], intake: [] as number[] };
    // One call per case, bulk, bulk, one call per case: drift weighs on both sides alike.
    for (const side of ['single', 'bulk', 'bulk', 'single'] as const) {
      const opened = await openForVerification(VERIFICATIONS);
      times.intake.push(opened.ms);
      await drain(`after opening ${VERIFICATIONS} cases`);
      log(`identity of ${VERIFICATIONS}: ${side === 'bulk' ? 'POST /v1/identity' : 'one POST /v1/cases/:id/identity per case'}`);
      const cpu = cpuMeter();
      const t = performance.now();
      if (side === 'bulk') await verifyInBulk(opened.caseIds);
      else
        await mapLimit(opened.caseIds, CONCURRENCY, (id) =>
          call('POST', `/v1/cases/${id}/identity`, 'cnOfficer', { result: 'confirmed', method: 'registry' }),
        );
      const ms = performance.now() - t;
      log(`  ${seconds(ms)} s (${seconds(perThousand(ms))} s per 1,000 cases); CPU s: ${cpu()}`);
      times[side].push(ms);
      await drain(`after ${VERIFICATIONS} verifications`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [bulk, single, intake] = [mean(times.bulk), mean(times.single), mean(times.intake)];
    results[`identity_${VERIFICATIONS}`] = {
      bulkMsPer1000: perThousand(bulk),
      singleMsPer1000: perThousand(single),
      intakeMsPer1000: perThousand(intake),
      ratio: bulk / single,
      runs: times,
    };
    rows.push([`identity of ${VERIFICATIONS.toLocaleString('en')} cases, per 1,000: POST /v1/identity vs one call per case`, `${seconds(perThousand(bulk))} s`, `${seconds(perThousand(single))} s`, bulk / single, '< 1x']);
    rows.push([`  the same cases' intake, per 1,000 (bulk intake)`, `${seconds(perThousand(intake))} s`, '', NaN, 'verification ≤ intake']);
  }

  // ---- 4. memory ----
  results.memory = peaks;
  results.retriedAfter503 = retried;
  rows.push(['peak RSS during run 2: worker', `${Math.round(peaks.workerRssBytes / 2 ** 20)} MiB`, '', NaN, '']);
  rows.push(['peak RSS during run 2: API', `${Math.round(peaks.apiRssBytes / 2 ** 20)} MiB`, '', NaN, '']);

  // ---- 5. the graph, in a database of its own ----
  if (PARTS.has('graph')) {
    log('graph: depth-3 neighbourhoods and shortest paths on a syndicate-sized network');
    const graph = await runGraphBench({ samples: QUICK ? 50 : 300, scale: QUICK ? 0.1 : 1, log: (msg) => log(`  ${msg}`) });
    results.graph = graph.results;
    rows.push(...graph.rows);
  }

  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
  const report = { at: new Date().toISOString(), quick: QUICK, machine, results };
  if (PUBLISH) {
    mkdirSync(path.join(PROJECT_ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  }
  const table = [
    '| measure | system | baseline | ratio | goal |',
    '|---|---|---|---|---|',
    ...rows.map(([m, a, b, r, g]) => `| ${m} | ${a} | ${b} | ${Number.isNaN(r) ? '' : `${r.toFixed(2)}x`} | ${g} |`),
  ].join('\n');
  process.stdout.write(`\n${machine.cpus} × ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}\n\n${table}\n`);
  if (retried > 0) process.stdout.write(`\n${retried} requests answered 503 and were retried after Retry-After (included in the times).\n`);

  stopping = true;
  baselineWorker.shutdown();
  await baselineRunning;
  await connection.close();
  await sql.end();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    stopping = true;
    await cleanup();
    await benchDatabase?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });
