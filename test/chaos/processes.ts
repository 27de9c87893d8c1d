// The fault suite's own processes: a PostgreSQL cluster, a Temporal dev server, and the worker and
// API as separate OS processes, each of which can be killed with SIGKILL and started again on the
// same port and the same files.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../../lib/dev-server.js';

const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const ROOT = path.resolve(import.meta.dirname, '../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of a process (Linux /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(pid);
        } catch {
          return false;
        }
      })
      .map(Number);
  }
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(100);
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A PostgreSQL cluster of its own, run as the `postgres` OS user (PostgreSQL refuses root). */
export class PostgresCluster {
  private child?: ChildProcess;
  readonly dataDir: string;
  private readonly uid: number;
  private readonly gid: number;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.dataDir = path.join(dir, 'pgdata');
    this.uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    this.gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    chownSync(this.dir, this.uid, this.gid);
    // The postgres user must reach its folder through the (root-owned) temporary ones above it.
    for (let d = path.dirname(this.dir); d !== path.dirname(d) && d.startsWith(os.tmpdir()) && d !== os.tmpdir(); d = path.dirname(d)) chmodSync(d, 0o755);
    execFileSync(path.join(PG_BIN, 'initdb'), ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], {
      uid: this.uid,
      gid: this.gid,
      cwd: this.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await this.start();
  }

  async start(): Promise<void> {
    const logFd = openSync(path.join(this.dir, 'postgres.log'), 'a');
    chownSync(path.join(this.dir, 'postgres.log'), this.uid, this.gid);
    this.child = spawn(
      path.join(PG_BIN, 'postgres'),
      // Only processes die in this suite, never the machine: fsync is not what is tested.
      // A paused worker's open transaction (SIGSTOP) is ended by the server, as production's
      // idle_in_transaction_session_timeout would, so its row locks do not stop the other worker.
      [
        ...['-D', this.dataDir, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
        ...['-c', 'max_connections=300', '-c', 'idle_in_transaction_session_timeout=15s'],
      ],
      { uid: this.uid, gid: this.gid, cwd: this.dir, stdio: ['ignore', logFd, logFd] },
    );
    await waitFor('PostgreSQL accepts connections', 60_000, () => {
      if (this.child?.exitCode !== null) throw new Error(`postgres exited (${this.child?.exitCode}); see ${this.dir}/postgres.log`);
      try {
        execFileSync(path.join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(this.port), '-q']);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** kill -9 of the postmaster; returns once its backends are gone too (so it can start again). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    const backends = childrenOf(child.pid);
    child.kill('SIGKILL');
    await exited(child);
    // Backends notice the postmaster's death and leave; a backend still attached to the shared
    // memory would stop the new postmaster from starting.
    await waitFor('PostgreSQL backends exit', 20_000, () => backends.every((pid) => !alive(pid))).catch(() => {
      for (const pid of backends) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    await waitFor('PostgreSQL backends exit after SIGKILL', 10_000, () => backends.every((pid) => !alive(pid)));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // fast shutdown
    await Promise.race([exited(child), sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) await this.kill();
  }
}

/** A Temporal dev server on a fixed port and SQLite file, so it can come back where it was. */
export class TemporalServer {
  private server?: DevServer;

  constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = await startDevServer({
      port: this.port,
      dbFile: path.join(this.dir, 'temporal.db'),
      headless: true,
      logFile: path.join(this.dir, 'temporal.log'),
    });
  }

  /** kill -9 of the dev server. */
  async kill(): Promise<void> {
    const pid = this.server?.pid;
    if (pid === undefined) throw new Error('the dev server runs without a known pid (no Temporal CLI binary)');
    process.kill(pid, 'SIGKILL');
    await waitFor('the Temporal dev server exits', 10_000, () => !alive(pid) || isZombie(pid));
    await this.server?.stop(); // reaps it
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}

function isZombie(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

export interface NodeProcessOptions {
  name: string;
  entry: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Resolves once the process serves. */
  ready: (proc: NodeProcess) => Promise<void>;
}

/**
 * The worker or the API as its own OS process: node with tsx's loader (not the tsx CLI, which
 * would sit in front as a parent and keep the signal from reaching the real process).
 */
export class NodeProcess {
  private child?: ChildProcess;
  private expectingExit = false;
  private output = '';
  /** Exits nobody asked for (a crash): the suite fails on any. */
  readonly unexpectedExits: string[] = [];
  starts = 0;

  constructor(private readonly options: NodeProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** What the current incarnation printed. */
  get log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    const { name, entry, env, logDir } = this.options;
    mkdirSync(logDir, { recursive: true });
    this.output = '';
    this.expectingExit = false;
    this.starts++;
    const logFd = openSync(path.join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output += text;
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
      writeSync(logFd, text);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.unexpectedExits.push(`${name} exited (code ${code}, signal ${signal}): ${this.output.slice(-2000)}`);
    });
    await this.options.ready(this);
  }

  running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    this.expectingExit = true;
    child.kill('SIGKILL');
    await exited(child);
  }

  /** SIGSTOP: the process is there but does nothing (its connections stay open) until resume(). */
  pause(): void {
    if (this.running()) this.child!.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running()) this.child!.kill('SIGCONT');
  }

  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) return;
    this.expectingExit = true;
    child.kill('SIGCONT'); // a paused process would not act on SIGTERM
    child.kill('SIGTERM');
    await Promise.race([exited(child), sleep(graceMs)]);
    if (this.running()) await this.kill();
  }

  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    await waitFor(`${this.options.name} prints ${pattern}`, timeoutMs, () => {
      if (!this.running()) throw new Error(`${this.options.name} exited while starting: ${this.output.slice(-2000)}`);
      return pattern.test(this.output);
    });
  }
}

const HAPROXY = process.env.CHAOS_HAPROXY ?? '/usr/sbin/haproxy';

/**
 * Debian's haproxy in front of the API processes, as the README's deployment runs them: round
 * robin, /healthz checked every half second, a refused connection tried on the other server.
 * A request in flight on a process that dies is answered 502 by haproxy (not retried: it may
 * have done its work), which a client takes as a lost answer.
 */
export class LoadBalancer {
  private child?: ChildProcess;

  constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly backends: { name: string; port: number }[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const config = path.join(this.dir, 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'global',
        '  maxconn 2000',
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 10m',
        '  timeout server 10m',
        '  retries 3',
        '  option redispatch',
        'frontend api',
        `  bind 127.0.0.1:${this.port}`,
        '  default_backend apis',
        'backend apis',
        '  balance roundrobin',
        '  option httpchk GET /healthz',
        '  default-server inter 500 fall 2 rise 1',
        ...this.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port} check`),
        '',
      ].join('\n'),
    );
    execFileSync(HAPROXY, ['-c', '-q', '-f', config]);
    const logFd = openSync(path.join(this.dir, 'haproxy.log'), 'a');
    this.child = spawn(HAPROXY, ['-db', '-f', config], { stdio: ['ignore', logFd, logFd] });
    await waitFor('haproxy accepts connections', 30_000, async () => {
      if (this.child?.exitCode !== null) throw new Error(`haproxy exited (${this.child?.exitCode}); see ${this.dir}/haproxy.log`);
      return (await fetch(`${this.url}/healthz`).catch(() => undefined))?.status === 200;
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await Promise.race([exited(child), sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export { sleep, waitFor };
