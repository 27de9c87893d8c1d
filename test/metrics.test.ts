// Metrics for Prometheus: the API's counters, timings and case-store gauges move as the system
// works, are labelled by route template (never an id or a name), and a real Prometheus scrapes the
// API's endpoint and a worker process's two (its own and the Temporal SDK's).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listen } from '../api/server.js';
import { createTemporalGateway } from '../api/temporal.js';
import { sealAudit } from '../db/audit.js';
import { loadConfig } from '../lib/config.js';
import { serveMetrics, type MetricsServer } from '../lib/metrics.js';
import { lazyClient } from '../lib/temporal.js';
import { TEST_AUDIT_KEY, TEST_DATA_CONVERTER, testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { entryPointEnv } from './helpers/processes.js';
import { connectSse } from './helpers/sse.js';
import { useStack } from './helpers/stack.js';
import { waitUntil } from './helpers/wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const u = makeUsers();
// The gauges count every case in the store: a database of the file's own.
const t = useStack(u, { ownDatabase: true });

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The value of one sample in Prometheus text: `name` with at least `labels`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const scrape = () => t.stack.api.app.metrics.registry.metrics();
/** Waits until the sample reads `expected` (the store's figures are cached a few seconds). */
const waitForSample = (name: string, labels: Record<string, string>, expected: number) =>
  waitUntil(
    `${name} ${JSON.stringify(labels)} = ${expected}`,
    async () => sample(await scrape(), name, labels),
    (v) => v === expected,
    {
      timeoutMs: 20_000,
      intervalMs: 200,
    },
  );

describe('API metrics', () => {
  it('count requests by route template and status, time Temporal calls, and follow the cases in the store', async () => {
    const before = await scrape();
    const openBefore = sample(before, 'cases_open', { status: 'IDENTITY_PENDING', holding_country: 'KH' }) ?? 0;
    const posted = (l: string) => sample(l, 'http_requests_total', { method: 'POST', route: '/v1/cases', status: '201' }) ?? 0;
    const read = (l: string, status: string) => sample(l, 'http_requests_total', { method: 'GET', route: '/v1/cases/:id', status }) ?? 0;
    const starts = (l: string) => sample(l, 'api_temporal_call_duration_seconds_count', { operation: 'startCase', outcome: 'ok' }) ?? 0;

    const body = intakeBody();
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, body);
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId as string;
    expect((await t.stack.api.get(`/v1/cases/${caseId}`, u.khOfficer)).status).toBe(200);
    const unknown = randomUUID();
    expect((await t.stack.api.get(`/v1/cases/${unknown}`, u.khOfficer)).status).toBe(404);
    expect((await t.stack.api.get(`/nowhere/${unknown}`, u.khOfficer)).status).toBe(404);

    const after = await scrape();
    expect(posted(after)).toBe(posted(before) + 1);
    expect(read(after, '200')).toBe(read(before, '200') + 1);
    expect(read(after, '404')).toBe(read(before, '404') + 1);
    expect(sample(after, 'http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/cases/:id', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(starts(after)).toBe(starts(before) + 1);

    // Labels are templates: no id, reference, name or document number of the case reaches the output.
    for (const secret of [caseId, unknown, body.externalRef, body.person.fullName, body.person.documents[0].number]) {
      expect(after).not.toContain(secret);
    }
    const routes = new Set([...after.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    for (const route of routes)
      expect(
        route === 'unmatched' || route === '/console' || t.stack.api.app.routes.some((r: { path: string }) => r.path === route),
        route,
      ).toBe(true);

    await waitForSample('cases_open', { status: 'IDENTITY_PENDING', holding_country: 'KH' }, openBefore + 1);
    const overdue = sample(await scrape(), 'cases_overdue', { holding_country: 'KH' }) ?? 0;
    expect(overdue).toBe(0);
    await waitForSample('intake_outbox_pending', {}, 0);

    const holdsBefore = sample(await scrape(), 'case_holds_active') ?? 0;
    const hold = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { kind: 'medical', reason: 'hospitalised' });
    expect(hold.status).toBe(201);
    await waitForSample('case_holds_active', {}, holdsBefore + 1);
    await waitForSample('cases_open', { status: 'ON_HOLD', holding_country: 'KH' }, 1);
    await waitForSample('cases_open', { status: 'IDENTITY_PENDING', holding_country: 'KH' }, openBefore);
  });

  it('show the audit entries the sealer has yet to seal, and none once it has', async () => {
    expect((await t.stack.api.get('/v1/cases', u.khOfficer)).status).toBe(200);
    const unsealed = await waitUntil(
      'unsealed audit entries',
      async () => sample(await scrape(), 'audit_unsealed_entries'),
      (v) => (v ?? 0) > 0,
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    expect(unsealed).toBeGreaterThan(0);
    expect(sample(await scrape(), 'audit_oldest_unsealed_age_seconds')).toBeGreaterThanOrEqual(0);
    while ((await sealAudit(t.stack.database.db, TEST_AUDIT_KEY)) > 0);
    await waitForSample('audit_unsealed_entries', {}, 0);
    expect(sample(await scrape(), 'audit_oldest_unsealed_age_seconds')).toBe(0);
  });

  it('count the event streams held open', async () => {
    const running = await listen(t.stack.api.app, 0, '127.0.0.1');
    try {
      expect(sample(await scrape(), 'api_event_streams_open')).toBe(0);
      const token = await t.stack.api.token(u.khOfficer);
      const stream = await connectSse(`${running.url}/v1/events/stream`, { Authorization: `Bearer ${token}` });
      expect(stream.status).toBe(200);
      await waitForSample('api_event_streams_open', {}, 1);
      stream.close();
      await waitForSample('api_event_streams_open', {}, 0);
    } finally {
      await running.close(1000);
    }
  });

  it('count a Temporal call that found the cluster unreachable, and its 503', async () => {
    const { client, connection } = lazyClient({ address: `127.0.0.1:${await freePort()}`, namespace: 'default' }, TEST_DATA_CONVERTER);
    cleanups.push(() => connection.close());
    const api = testApp(t.stack.database, {
      temporal: createTemporalGateway({ client, connection, taskQueue: 'nowhere', callTimeoutMs: 3000 }),
    });
    expect((await api.get('/readyz')).status).toBe(503);
    const text = await api.app.metrics.registry.metrics();
    expect(sample(text, 'api_temporal_call_duration_seconds_count', { operation: 'ping', outcome: 'unavailable' })).toBe(1);
    expect(sample(text, 'api_temporal_call_duration_seconds_count', { operation: 'ping', outcome: 'ok' }) ?? 0).toBe(0);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/readyz', status: '503' })).toBe(1);
  });
});

describe('metrics configuration', () => {
  it('serves on the documented ports by default, takes 0 for none, and names a bad variable', () => {
    expect(loadConfig({}).metrics).toEqual({ host: '0.0.0.0', apiPort: 9466, workerPort: 9464, workerSdkPort: 9465 });
    expect(
      loadConfig({ METRICS_PORT: '0', WORKER_METRICS_PORT: '0', WORKER_SDK_METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' }).metrics,
    ).toEqual({
      host: '127.0.0.1',
      apiPort: 0,
      workerPort: 0,
      workerSdkPort: 0,
    });
    for (const variable of ['METRICS_PORT', 'WORKER_METRICS_PORT', 'WORKER_SDK_METRICS_PORT']) {
      expect(() => loadConfig({ [variable]: '70000' })).toThrow(variable);
    }
  });
});

interface Child {
  child: ChildProcess;
  output: () => string;
}

function runWorker(env: Record<string, string>): Child {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['worker/main.ts'], {
    cwd: ROOT,
    env: { ...entryPointEnv(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

describe('a real Prometheus', () => {
  it('scrapes the API and a worker (its own endpoint and the Temporal SDK exporter) and answers a query of an app metric', async () => {
    const apiMetrics = (await serveMetrics(t.stack.api.app.metrics.registry, {
      port: await freePort(),
      host: '127.0.0.1',
      variable: 'METRICS_PORT',
    })) as MetricsServer;
    expect(apiMetrics).toBeDefined();
    cleanups.push(() => apiMetrics.close());

    const [workerPort, sdkPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
    const workerQueue = `metrics-${randomUUID()}`;
    const worker = runWorker({
      DATABASE_URL: t.scratch!.url,
      TEMPORAL_TASK_QUEUE: workerQueue,
      METRICS_HOST: '127.0.0.1',
      WORKER_METRICS_PORT: String(workerPort),
      WORKER_SDK_METRICS_PORT: String(sdkPort),
    });
    cleanups.push(() => stopChild(worker.child));
    await waitUntil(
      'the worker running',
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`worker exited ${worker.child.exitCode}:\n${worker.output()}`);
        return worker.output().includes('worker running');
      },
      (v) => v,
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(worker.output()).toContain('worker metrics listening');
    expect(worker.output()).toContain('Temporal SDK metrics listening');

    // A request for Prometheus to find, and a case for the worker process to run (its SDK then times a workflow task).
    expect((await t.stack.api.get('/healthz')).status).toBe(200);
    const onWorker = testApp(t.stack.database, {
      temporal: createTemporalGateway({
        client: t.stack.client,
        connection: t.stack.connection,
        taskQueue: workerQueue,
        callTimeoutMs: 30_000,
      }),
    });
    expect((await onWorker.post('/v1/cases', u.khOfficer, intakeBody())).status).toBe(201);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const apiTarget = new URL(apiMetrics.url).host;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        `  - job_name: case-engine-api`,
        `    static_configs: [{ targets: ['${apiTarget}'] }]`,
        `  - job_name: case-engine-worker`,
        `    static_configs: [{ targets: ['127.0.0.1:${workerPort}'] }]`,
        `  - job_name: case-engine-worker-sdk`,
        `    static_configs: [{ targets: ['127.0.0.1:${sdkPort}'] }]`,
        '',
      ].join('\n'),
    );
    const prometheus = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let prometheusLog = '';
    prometheus.stderr!.on('data', (d) => (prometheusLog += d));
    cleanups.push(() => stopChild(prometheus));

    type Series = { metric: Record<string, string>; value: [number, string] }[];
    const ask = async (q: string) => {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited ${prometheus.exitCode}:\n${prometheusLog}`);
      return fetch(`http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
    };
    const query = async (q: string): Promise<Series | undefined> => {
      const res = await ask(q);
      if (!res?.ok) return undefined;
      return ((await res.json()) as { data: { result: Series } }).data.result;
    };
    const JOBS = ['case-engine-api', 'case-engine-worker', 'case-engine-worker-sdk'];

    const up = await waitUntil(
      'all three targets up',
      () => query('up'),
      (r) => r !== undefined && JOBS.every((job) => r.some((s) => s.metric.job === job && s.value[1] === '1')),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(up.map((s) => s.metric.job).sort()).toEqual(JOBS);

    const healthz = await waitUntil(
      'the API request count in Prometheus',
      () => query('http_requests_total{job="case-engine-api",route="/healthz",status="200"}'),
      (r) => r !== undefined && r.length === 1,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(Number(healthz[0].value[1])).toBeGreaterThanOrEqual(1);
    const processes = await query('process_resident_memory_bytes{job="case-engine-worker"}');
    expect(Number(processes?.[0]?.value[1])).toBeGreaterThan(0);
    const sdk = await waitUntil(
      "the SDK's task slots in Prometheus",
      () => query('temporal_worker_task_slots_available{job="case-engine-worker-sdk"}'),
      (r) => r !== undefined && r.length > 0,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(sdk.length).toBeGreaterThan(0);
    const scheduleToStart = await waitUntil(
      "the SDK's workflow task schedule-to-start latency in Prometheus",
      () => query('sum(temporal_workflow_task_schedule_to_start_latency_seconds_count{job="case-engine-worker-sdk"})'),
      (r) => r !== undefined && r.length === 1 && Number(r[0].value[1]) > 0,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(Number(scheduleToStart[0].value[1])).toBeGreaterThan(0);

    // Every query of the Grafana dashboard is valid PromQL over these jobs, and the store's panels have data.
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'ops', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const expand = (expr: string) =>
      expr
        .replaceAll('$api_job', JOBS[0])
        .replaceAll('$worker_job', JOBS[1])
        .replaceAll('$sdk_job', JOBS[2])
        .replaceAll('$__rate_interval', '1m');
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const res = await ask(expand(target.expr));
        expect(res?.status, `${panel.title}: ${target.expr}: ${await res?.clone().text()}`).toBe(200);
      }
    }
    const openCases = dashboard.panels.find((p) => p.title === 'Open cases by status')!.targets[0].expr;
    expect((await query(expand(openCases)))?.some((s) => s.metric.status === 'ON_HOLD' && Number(s.value[1]) >= 1)).toBe(true);
  });
});
