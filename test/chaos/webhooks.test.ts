// Webhooks under faults: a team's records are written through the API process while two receivers
// on 127.0.0.1 (of Thailand and China, each seeing a different part of the team's records) are
// delivered to by the subscriptions' workflows, and the worker is SIGKILLed twice in the middle of
// a delivery (and the API process once). Afterwards each receiver holds every change its country
// may see, first received in change-id order, none missing; the only repeats are of deliveries it
// had acknowledged when a worker died (at least once, deduplicated by the event id), and every
// delivery verified under the subscription's secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { hostname } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { visibleTeamChanges } from '../../db/intel-feed.js';
import { subscriptionById } from '../../db/webhooks.js';
import type { Actor } from '../../workflows/definitions.js';
import { TEST_DOCUMENT_HASH_KEY, TEST_PAYLOAD_KEYS } from '../helpers/api.js';
import { makeUsers } from '../helpers/fixtures.js';
import { H0_TEAM, teamBody } from '../helpers/intel.js';
import { waitForPollers } from '../helpers/pollers.js';
import { freePort } from '../helpers/ports.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/scratch-db.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';
import { ChaosApi } from './client.js';
import { NodeProcess, TemporalServer, sleep, waitFor } from './processes.js';

const RECORDS = Number(process.env.CHAOS_WEBHOOK_RECORDS ?? 60);
const SECRET = randomBytes(24).toString('hex');
const u = makeUsers(`chaos-webhooks-${randomUUID().slice(0, 6)}`);
const COUNTRIES = ['KH', 'CN', 'TH'] as const;
type Subscriber = 'CN' | 'TH';
const officers = Object.fromEntries(COUNTRIES.map((c) => [c, u.user('officer', c, 7)])) as Record<(typeof COUNTRIES)[number], Actor>;
const supervisors = Object.fromEntries(COUNTRIES.map((c) => [c, u.user('supervisor', c, 7)])) as Record<(typeof COUNTRIES)[number], Actor>;

let tmp: string;
let scratch: ScratchDatabase;
let temporal: TemporalServer;
let connection: Connection;
let client: Client;
let worker: NodeProcess;
let apiProcess: NodeProcess;
let api: ChaosApi;
let teamId: string;
const receivers = {} as Record<Subscriber, Receiver>;
const subscriptions = {} as Record<Subscriber, { id: string; cursor: number }>;
const faults: string[] = [];
const started = Date.now();
const clock = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'case-engine-chaos-webhooks-'));
  const [temporalPort, apiPort] = await Promise.all([freePort(), freePort()]);
  temporal = new TemporalServer(path.join(tmp, 'temporal'), temporalPort);
  [scratch] = await Promise.all([createScratchDatabase(3), temporal.start()]);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  const taskQueue = `chaos-webhooks-${randomUUID()}`;
  const env = {
    DATABASE_URL: scratch.url,
    DATABASE_POOL_SIZE: '5',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATA_DIR: path.join(tmp, 'data'),
    AUTH_SECRET: SECRET,
    AUDIT_KEY: randomBytes(24).toString('hex'),
    PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    DOCUMENT_HASH_KEY: TEST_DOCUMENT_HASH_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    // Several processes on one machine: no metrics ports to contend for.
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    WORKER_SDK_METRICS_PORT: '0',
    WEBHOOK_TIMEOUT: '3s',
    WEBHOOK_MAX_ATTEMPTS: '100',
    WEBHOOK_RETRY_INITIAL: '200ms',
    WEBHOOK_RETRY_MAX: '2s',
    // While the API is down its wake-ups are lost: the poll delivers.
    WEBHOOK_POLL_INTERVAL: '3s',
  };
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  apiProcess = new NodeProcess({
    name: 'api',
    entry: 'api/server.ts',
    env,
    logDir: tmp,
    ready: () => waitFor('the API answers /healthz', 90_000, async () => (await fetch(`${apiUrl}/healthz`).catch(() => undefined))?.status === 200),
  });
  worker = new NodeProcess({
    name: 'worker',
    entry: 'worker/main.ts',
    env: { ...env, LOG_LEVEL: 'info' },
    logDir: tmp,
    ready: async (p) => {
      await p.waitForOutput(/worker running/, 120_000);
      await waitForPollers(client, taskQueue, 1, { identities: [`${p.pid}@${hostname()}`], alive: () => p.running(), timeoutMs: 120_000 });
    },
  });
  await Promise.all([worker.start(), apiProcess.start()]);
  api = new ChaosApi(apiUrl, SECRET, { timeoutMs: 30_000, retryForMs: 180_000 });

  const created = await api.send('POST', '/v1/teams', supervisors.KH, teamBody());
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  teamId = created.body.id;
  for (const country of COUNTRIES) {
    for (const member of country === 'KH' ? [officers.KH] : [officers[country], supervisors[country]]) {
      const added = await api.send('POST', `/v1/teams/${teamId}/members`, supervisors[country], { sub: member.sub, name: member.name, country, role: 'investigator' });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
    }
  }
  let n = 0;
  for (const country of ['CN', 'TH'] as const) {
    const r = await startReceiver();
    // A receiver that takes a moment over each delivery (so a kill finds one in flight) and refuses one in nine.
    r.respond = async () => {
      await sleep(25);
      return ++n % 9 === 0 ? 500 : 200;
    };
    const res = await api.send('POST', `/v1/teams/${teamId}/subscriptions`, supervisors[country], { url: r.url });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    r.secret = res.body.secret;
    receivers[country] = r;
    subscriptions[country] = { id: res.body.id, cursor: res.body.cursor };
  }
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(receivers).map((r) => r.close()));
  await apiProcess?.stop().catch(() => undefined);
  await worker?.stop().catch(() => undefined);
  await connection?.close().catch(() => undefined);
  await temporal?.stop().catch(() => undefined);
  await scratch?.drop().catch(() => undefined);
  if (tmp && !process.env.CHAOS_KEEP) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

const HANDLINGS = [{ code: 'H2', releasableTo: ['KH'] }, { code: 'H0', releasableTo: 'team' }, { code: 'H2', releasableTo: ['KH', 'TH'] }];

/** Writes the records one after another (retrying through outages of the API). */
async function writeRecords(progress: { written: number }): Promise<void> {
  for (let i = 0; i < RECORDS; i++) {
    const by = officers[COUNTRIES[i % COUNTRIES.length]];
    const res = await api.send('POST', `/v1/teams/${teamId}/entities`, by, {
      ...H0_TEAM,
      handling: by.country === 'KH' ? HANDLINGS[i % HANDLINGS.length] : H0_TEAM.handling,
      kind: 'organisation',
      attributes: { name: `Chaos syndicate ${i}`, type: 'syndicate' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    progress.written++;
  }
}

/** SIGKILLs the worker once a delivery to `r` is in flight after `acked` acknowledgements, then starts it again. */
async function killWorkerMidDelivery(r: Receiver, acked: number): Promise<void> {
  await waitFor(`${acked} acknowledged and one in flight`, 180_000, () => r.acknowledged().length >= acked && r.inFlight > 0);
  await worker.kill();
  faults.push(`[${clock()}] worker SIGKILL with a delivery in flight (${r.acknowledged().length} acknowledged)`);
  await worker.start();
  faults.push(`[${clock()}] worker back`);
}

it('every change a country may see reaches its receiver at least once, in order, none missing, through two worker kills and an API kill', async () => {
  const progress = { written: 0 };
  const writing = writeRecords(progress);
  await killWorkerMidDelivery(receivers.TH, 8);
  await killWorkerMidDelivery(receivers.CN, 8);
  await waitFor('two thirds written', 180_000, () => progress.written >= (2 * RECORDS) / 3);
  await apiProcess.kill();
  faults.push(`[${clock()}] api SIGKILL (${progress.written} records written)`);
  await apiProcess.start();
  faults.push(`[${clock()}] api back`);
  await writing;

  const summary: string[] = [];
  for (const country of ['TH', 'CN'] as const) {
    const r = receivers[country];
    const { events } = await visibleTeamChanges(scratch.database.db, { teamId, country, afterId: subscriptions[country].cursor, limit: 10_000 });
    const want = events.map((e) => e.id);
    expect(want.length).toBeGreaterThan(RECORDS / 3);
    await waitFor(`${country}'s receiver has every change`, 240_000, () => new Set(r.acknowledged().map((x) => x.eventId)).size >= want.length);

    const acked = r.acknowledged().map((x) => x.eventId);
    const firsts = [...new Set(acked)];
    expect(firsts).toEqual(want);
    // A repeat is of a delivery the receiver had acknowledged (the sender died before it learnt so); nothing else comes back.
    let highest = 0;
    const repeats: number[] = [];
    for (const id of acked) {
      if (id > highest) highest = id;
      else repeats.push(id);
    }
    expect(repeats.every((id) => want.includes(id))).toBe(true);
    expect(repeats.length).toBeLessThanOrEqual(2);
    expect(r.requests.every((x) => x.verified)).toBe(true);
    const failed = r.requests.filter((x) => x.status >= 300).length;
    expect(failed).toBeGreaterThan(0);
    // The cursor follows the receiver's last 2xx once the worker has recorded it.
    await waitFor(`${country}'s cursor at its last change`, 60_000, async () => ((await subscriptionById(scratch.database.db, subscriptions[country].id))?.cursor ?? 0) >= want.at(-1)!);
    expect((await subscriptionById(scratch.database.db, subscriptions[country].id))?.state).toBe('active');
    summary.push(`${country}: ${want.length} changes, ${r.requests.length} requests, ${failed} refused and retried, ${repeats.length} repeated after a kill`);
  }
  expect(worker.unexpectedExits).toEqual([]);
  expect(apiProcess.unexpectedExits).toEqual([]);
  expect(api.seen.violations).toEqual([]);
  console.log(`webhooks fault suite: ${RECORDS} records in ${clock()}; ${summary.join('; ')}\n  ${faults.join('\n  ')}`);
});
