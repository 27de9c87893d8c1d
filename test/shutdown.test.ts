// SIGTERM to the real entry points (`tsx api/server.ts`, `tsx worker/main.ts`) as child processes
// against the shared test stack: what was in flight finishes, nothing is lost, the exit code is 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { signToken } from '../api/auth.js';
import { transferWorkflowId } from '../workflows/definitions.js';
import { TEST_SECRET } from './helpers/api.js';
import { caseSteps, intakeBody, makeUsers } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { waitForPollers } from './helpers/pollers.js';
import { entryPointEnv } from './helpers/processes.js';
import { waitUntil } from './helpers/wait.js';
import { startStack, type Stack } from './helpers/stack.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const u = makeUsers();
const children = new Set<ChildProcess>();
const stacks: Stack[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) await cleanup();
  for (const stack of stacks) await stack.stop();
});

interface Child {
  process: ChildProcess;
  output: () => string;
  /** Resolves when a line of output contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; at: number }>;
}

function run(entry: string, env: Record<string, string>): Child {
  const child = spawn(TSX, [entry], {
    cwd: ROOT,
    env: {
      ...entryPointEnv(),
      AUTH_SECRET: TEST_SECRET,
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'shutdown-test-')),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.once('exit', (code) => resolve({ code, at: Date.now() })));
  return {
    process: child,
    output: () => output,
    waitFor: (text, timeoutMs = 90_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(text)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`"${text}" did not appear in ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (!output.includes(text)) reject(new Error(`exited before "${text}"; output:\n${output}`));
        });
        check();
      }),
    exited,
  };
}

/** A plain HTTP request on its own connection; resolves with status and parsed body. */
function send(port: number, method: string, urlPath: string, token: string, body?: unknown) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        agent: false,
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Purpose': 'shutdown test',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}


describe('the API process on SIGTERM', () => {
  it('refuses new connections, finishes the bulk intake in flight with its 200, closes and exits 0', { timeout: 240_000 }, async () => {
    const taskQueue = `shutdown-api-${Date.now()}`;
    const stack = await startStack({ taskQueue }); // a worker for the cases, and in-process reads
    stacks.push(stack);
    const port = await freePort();
    const api = run('api/server.ts', { PORT: String(port), HOST: '127.0.0.1', TEMPORAL_TASK_QUEUE: taskQueue, API_SHUTDOWN_GRACE: '120s' });
    await api.waitFor('API listening');
    const token = await signToken(TEST_SECRET, u.khOfficer);
    const op = await send(port, 'POST', '/v1/operations', token, { name: 'Shutdown sweep', leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    expect(op.status).toBe(201);

    // The operation's row held FOR UPDATE stops the intake's case inserts (their foreign-key check)
    // until the test lets go: the request is surely in flight when the signal comes.
    const sql = postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
    let letGo!: () => void;
    const holding = new Promise<void>((r) => (letGo = r));
    cleanups.push(async () => {
      letGo();
      await sql.end({ timeout: 5 });
    });
    const locked = new Promise<number>((resolve, reject) => {
      sql
        .begin(async (tx) => {
          const [{ pid }] = await tx`select pg_backend_pid() as pid`;
          await tx`select id from operations where id = ${op.body.id} for update`;
          resolve(pid as number);
          await holding;
        })
        .catch(reject);
    });
    const lockPid = await locked;

    const TOTAL = 2000;
    const intake = send(port, 'POST', `/v1/operations/${op.body.id}/intake`, token, { cases: Array.from({ length: TOTAL }, () => intakeBody()) });
    await waitUntil('the intake waiting on the held row', async () => (await sql`select count(*)::int as n from pg_stat_activity where ${lockPid} = any(pg_blocking_pids(pid))`)[0].n as number, (n) => n > 0, { timeoutMs: 60_000 });
    // What came back before the test let go of the row, if anything (named in a failure).
    let answered: string | undefined;
    void intake.then(
      (r) => (answered = `answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`),
      (err) => (answered = `failed: ${String(err)}`),
    );
    api.process.kill('SIGTERM');

    // New connections are refused while the request is still being served.
    await waitUntil('refused connections', () => send(port, 'GET', '/healthz', token).then(() => 'accepted', (err: NodeJS.ErrnoException) => err.code ?? String(err)), (r) => r === 'ECONNREFUSED', { timeoutMs: 10_000 });
    expect(answered, 'the intake must still wait on the held row').toBeUndefined();
    letGo();

    const answer = await intake;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ created: TOTAL, duplicates: 0, rejected: 0 });
    const exit = await api.exited;
    expect(exit.code, api.output()).toBe(0);
    expect(api.output()).toContain('API stopping');
    expect((await stack.api.get(`/v1/operations/${op.body.id}`, u.khOfficer)).body.caseCounts.total).toBe(TOTAL);
  });
});

describe('the worker process on SIGTERM', () => {
  it('lets its in-flight fan-out activity finish within the grace time, exits 0, and a new worker completes the departure', async () => {
    const main = `shutdown-worker-${Date.now()}`;
    const side = `${main}-side`;
    const env = { TEMPORAL_TASK_QUEUE: main, WORKER_SHUTDOWN_GRACE: '45s' };
    // The API for the main task queue, served by the worker process under test.
    const front = await startStack({ taskQueue: main, inProcessWorker: false, callTimeoutMs: 120_000 });
    stacks.push(front);
    const worker = run('worker/main.ts', env);
    await worker.waitFor('worker running');
    await waitForPollers(front.client, main, 1, { alive: () => worker.process.exitCode === null });
    // One passenger's case runs on another task queue whose worker the test controls: while it is
    // away, the departure's fan-out activity (on the worker under test) waits for that case.
    let sideStack = await startStack({ taskQueue: side });
    const onMain = await caseSteps(front.api, u).approved();
    const onSide = await caseSteps(sideStack.api, u).approved();
    const { transferId, cases } = await caseSteps(front.api, u).transfer([onMain, onSide]);
    expect(cases.every((c) => c.accepted)).toBe(true);
    await sideStack.stop();

    const depart = front.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    const transfer = front.client.workflow.getHandle(transferWorkflowId(transferId));
    await waitUntil('the departure fan-out activity running', async () => (await transfer.describe()).raw.pendingActivities ?? [], (acts) => acts.some((a) => a.activityType?.name === 'updateTransferLegs' && Number(a.attempt) >= 1 && a.lastStartedTime != null), { timeoutMs: 60_000 });
    await waitUntil('first passenger departed', () => caseSteps(front.api, u).status(onMain), (s) => s === 'IN_TRANSFER', { timeoutMs: 30_000 });

    worker.process.kill('SIGTERM');
    // It has taken the signal, and waits for the activity instead of dropping it: still there
    // while the side case's worker is away (the activity cannot finish before that comes back).
    await worker.waitFor('worker stopping');
    expect(worker.process.exitCode, worker.output()).toBeNull();
    expect((await transfer.describe()).raw.pendingActivities?.map((a) => a.activityType?.name)).toContain('updateTransferLegs');

    // The side case's worker is back: the activity finishes, and the worker process ends.
    const sideBackAt = Date.now();
    sideStack = await startStack({ taskQueue: side });
    stacks.push(sideStack);
    const exit = await worker.exited;
    expect(exit.code, worker.output()).toBe(0);
    // It left only after the activity could finish, that is after the side case's worker was back.
    expect(exit.at).toBeGreaterThanOrEqual(sideBackAt);
    expect(worker.output()).toContain('worker stopped');
    const history = await transfer.fetchHistory();
    const completed = history.events!.filter((e) => e.activityTaskCompletedEventAttributes);
    expect(completed.length, 'the fan-out activity completed (not cancelled, not timed out)').toBeGreaterThanOrEqual(2);

    // The workflow task that takes the activity's result needs a worker: a new one finishes it.
    const next = run('worker/main.ts', env);
    await next.waitFor('worker running');
    const answer = await depart;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.results).toEqual([
      { caseId: onMain, ok: true, status: 'IN_TRANSFER' },
      { caseId: onSide, ok: true, status: 'IN_TRANSFER' },
    ]);
    next.process.kill('SIGTERM');
    expect((await next.exited).code, next.output()).toBe(0);
  });
});
