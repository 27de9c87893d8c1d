// `npm start` as a user runs it (`scripts/start.ts --dev`): the zero-setup stack (own Temporal dev
// server, embedded database) comes up, prints where things are and dev tokens that work, stops
// cleanly on Ctrl-C, and the next start finds the case where it was.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { intakeBody } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'case-engine-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  api: string;
  tokens: Record<string, string>;
}

async function start(ports: { api: number; temporal: number; ui: number }): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(ports.api),
    HOST: '127.0.0.1',
    TEMPORAL_DEV_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    LOG_LEVEL: 'warn',
  };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'AUTH_SECRET', 'AUDIT_KEY', 'PAYLOAD_KEYS', 'DOCUMENT_HASH_KEY'])
    delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', '--dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 150_000;
  while (!output.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const tokens: Record<string, string> = {};
  for (const [, role, country, token] of output.matchAll(/^\s+(officer|supervisor|auditor|admin)\s+([A-Z]{2})\s+(\S+)$/gm)) {
    tokens[`${role}-${country}`] = token;
  }
  const api = /API\s+(http:\/\/\S+)/.exec(output)![1];
  return { child, output: () => output, api, tokens };
}

async function stop(started: Started): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  it('brings up the whole system, stops cleanly, and finds the case again on the next start', async () => {
    const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
    const first = await start(ports);
    try {
      expect(first.output()).toContain(`OpenAPI        ${first.api}/openapi.json`);
      expect(first.output()).toContain(`Temporal UI    http://127.0.0.1:${ports.ui}`);
      expect(first.output()).toContain('embedded PostgreSQL');
      expect(Object.keys(first.tokens).sort()).toEqual([
        'admin-CN',
        'auditor-KH',
        'officer-CN',
        'officer-KH',
        'supervisor-CN',
        'supervisor-KH',
      ]);
      expect((await fetch(`${first.api}/readyz`)).status).toBe(200);
      const opened = await fetch(`${first.api}/v1/cases`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${first.tokens['officer-KH']}` },
        body: JSON.stringify(intakeBody()),
      });
      expect(opened.status).toBe(201);
      const { caseId } = (await opened.json()) as { caseId: string };
      const verified = await fetch(`${first.api}/v1/cases/${caseId}/identity`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${first.tokens['officer-CN']}` },
        body: JSON.stringify({ result: 'confirmed', method: 'biometric' }),
      });
      expect(verified.status).toBe(200);
    } finally {
      expect(await stop(first)).toBe(0);
    }
    // Everything it started has stopped: the ports are free again.
    const again = await start(ports);
    try {
      const list = await fetch(`${again.api}/v1/cases`, {
        headers: { Authorization: `Bearer ${again.tokens['officer-KH']}`, 'X-Purpose': 'checking the restart' },
      });
      const body = (await list.json()) as { items: { status: string }[] };
      expect(body.items.map((c) => c.status)).toEqual(['SCREENING_PENDING']);
      // The workflow is still there to take the next step.
      const caseId = (body.items[0] as unknown as { caseId: string }).caseId;
      const screened = await fetch(`${again.api}/v1/cases/${caseId}/screening`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${again.tokens['officer-KH']}` },
        body: JSON.stringify({ indicators: [] }),
      });
      expect(screened.status).toBe(200);
      expect(((await screened.json()) as { status: string }).status).toBe('APPROVAL_PENDING');
    } finally {
      expect(await stop(again)).toBe(0);
    }
  }, 400_000);
});
