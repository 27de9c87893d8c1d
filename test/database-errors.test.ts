// A lost database connection that surfaces as an unhandled rejection must not end the worker or the
// API (the fault suite kills PostgreSQL under both); any other unhandled rejection still does.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDatabaseDown } from '../lib/database-errors.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function runWithGuard(rejection: string) {
  const script = `
    import { surviveDatabaseOutages } from './lib/database-errors.ts';
    surviveDatabaseOutages('probe');
    Promise.reject(${rejection});
    setTimeout(() => console.log('still running'), 200);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('unhandled rejections', () => {
  it('a lost database connection is logged and the process carries on', () => {
    const run = runWithGuard(`Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: 'CONNECTION_CLOSED' })`);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('still running');
    expect(run.stderr).toContain('the database connection was lost');
  });

  it('an admin shutdown of the server, wrapped as a cause, is an outage too', () => {
    expect(isDatabaseDown(new Error('query failed', { cause: Object.assign(new Error('terminating connection'), { code: '57P01' }) }))).toBe(true);
    expect(isDatabaseDown(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });

  it('any other unhandled rejection still ends the process', () => {
    const run = runWithGuard(`new Error('a bug')`);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('still running');
    expect(run.stderr).toContain('a bug');
  });
});
