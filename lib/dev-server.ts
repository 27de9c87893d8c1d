// Runs a local Temporal dev server (SQLite file) and waits until it serves, however long the
// machine takes. Without a binary, falls back to the SDK's own download of the same server.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import { resolveTemporalBinary } from './temporal-binaries.js';

export interface DevServerOptions {
  port: number;
  uiPort?: number;
  /** SQLite file; omitted: in memory. */
  dbFile?: string;
  namespace?: string;
  headless?: boolean;
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid?: number;
  stop(): Promise<void>;
}

function args(o: DevServerOptions): string[] {
  const a = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(o.port), '--log-level', 'warn'];
  if (o.dbFile) a.push('--db-filename', o.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  if (o.namespace && o.namespace !== 'default') a.push('--namespace', o.namespace);
  if (o.headless || o.uiPort === undefined) a.push('--headless');
  else a.push('--ui-port', String(o.uiPort));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) a.push('--search-attribute', `${name}=${type}`);
  return a;
}

async function waitUntilServing(cli: string, address: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const { stdout } = await promisify(execFile)(cli, ['operator', 'cluster', 'health', '--address', address], { timeout: 5000 });
      if (/SERVING/.test(stdout)) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the Temporal dev server did not serve on ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = options.headless || options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`;
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const cli = await resolveTemporalBinary('temporal');
  if (!cli) return startWithSdkDownload(options, address, uiUrl);
  let out: 'ignore' | number = 'ignore';
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    out = openSync(options.logFile, 'a');
  }
  const child = spawn(cli, args(options), { stdio: ['ignore', out, out] });
  try {
    await waitUntilServing(cli, address, child, options.readyTimeoutMs ?? 120_000);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return { address, uiUrl, pid: child.pid, stop: () => stopChild(child) };
}

async function startWithSdkDownload(options: DevServerOptions, address: string, uiUrl?: string): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      ui: uiUrl !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace,
      extraArgs: Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    },
  });
  return { address, uiUrl, stop: () => env.teardown() };
}
