// The production entry points as processes: without an auth configuration they refuse to start,
// naming the variables, unless development mode is asked for; a short AUTH_SECRET is refused too.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/ports.js';
import { entryPointEnv } from './helpers/processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'entry-points-'));
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs an entry point with a bare environment (no AUTH_* unless given). */
function run(entry: string, env: Record<string, string>, args: string[] = []): Run {
  const child = spawn(TSX, [entry, ...args], {
    cwd: ROOT,
    env: {
      ...entryPointEnv(),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The exit code, or 'still running' once `timeoutMs` has passed (the process is then killed). */
async function exitWithin(running: Run, timeoutMs = 60_000): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), timeoutMs)));
  const result = await Promise.race([running.exited, late]);
  clearTimeout(timer);
  if (result === 'still running') running.child.kill('SIGKILL');
  return result;
}

/** Waits (bounded) until the process prints `text`, or fails if it exits first. */
async function waitFor(running: Run, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!running.output().includes(text)) {
    if (running.child.exitCode !== null) throw new Error(`exited (${running.child.exitCode}) before "${text}":\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear in ${timeoutMs} ms:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm run api (api/server.ts)', () => {
  it('refuses to start without AUTH_SECRET or AUTH_JWKS_URL, naming them', async () => {
    const refused = run('api/server.ts', { PORT: String(await freePort()) });
    expect(await exitWithin(refused)).toBe(1);
    expect(refused.output()).toContain('npm run api needs AUTH_SECRET (at least 32 bytes) or AUTH_JWKS_URL');
    expect(refused.output()).toContain('AUTH_DEV_MODE=1');
    expect(refused.output()).not.toContain('API listening');
  });

  it('refuses an AUTH_SECRET shorter than 32 bytes', async () => {
    const refused = run('api/server.ts', { PORT: String(await freePort()), AUTH_SECRET: 'twelve-chars' });
    expect(await exitWithin(refused)).toBe(1);
    expect(refused.output()).toContain('AUTH_SECRET: must be at least 32 bytes');
  });

  it('starts with a development secret and the development sign-in when AUTH_DEV_MODE=1', async () => {
    const port = await freePort();
    const api = run('api/server.ts', { PORT: String(port), AUTH_DEV_MODE: '1' });
    await waitFor(api, 'API listening');
    expect(api.output()).toContain('AUTH_DEV_MODE: using a development secret');
    const users = await fetch(`http://127.0.0.1:${port}/v1/dev/users`);
    expect(users.status).toBe(200);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});

describe('npm start (scripts/start.ts)', () => {
  it('refuses to start without an auth configuration unless asked for development mode (--dev, as npm start does)', async () => {
    const refused = run('scripts/start.ts', { PORT: String(await freePort()) });
    expect(await exitWithin(refused)).toBe(1);
    expect(refused.output()).toContain('npm start needs AUTH_SECRET (at least 32 bytes) or AUTH_JWKS_URL');
    expect(refused.output()).not.toContain('starting a local Temporal dev server');
  });
});
