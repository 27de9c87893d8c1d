// Log lines never carry what a query carried: a failing query's parameters (names, notes) and the
// values PostgreSQL quotes back in its message stay out of every line, whichever way the error is logged.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toHttpError } from '../api/errors.js';
import type { Database } from '../db/client.js';
import { cases, persons } from '../db/schema.js';
import { log } from '../lib/log.js';
import { openTestDatabase } from './helpers/stack.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase(2);
});
afterAll(() => database?.close());

const MARKER = 'Nguyen Thi Marker-7f3a';

/** The error a query fails with when a person's name reaches a uuid column. */
async function failingQuery(): Promise<unknown> {
  try {
    await database.db.select().from(cases).where(eq(cases.id, MARKER));
  } catch (err) {
    return err;
  }
  throw new Error('the query was expected to fail');
}

/** The lines written to stdout and stderr while `fn` runs (the log's own lines are JSON). */
function captured<T>(fn: () => T): { lines: string[]; result: T } {
  const lines: string[] = [];
  const take = (chunk: unknown) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((l) => l.startsWith('{')),
    );
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(take);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(take);
  try {
    return { lines, result: fn() };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('log lines and query parameters', () => {
  it('an unexpected database error answered 500 is logged with its SQLSTATE, never its parameters', async () => {
    const err = await failingQuery();
    // The error as it comes does carry the name (drizzle's message, PostgreSQL's message).
    expect(String((err as Error).message) + String(((err as Error).cause as Error)?.message)).toContain(MARKER);
    const { lines, result } = captured(() => toHttpError(err));
    expect(result.status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(MARKER);
    expect(lines[0]).not.toContain('Marker');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      level: 'error',
      msg: 'unexpected error',
      error: { name: 'DrizzleQueryError', cause: { name: 'PostgresError', code: '22P02' } },
    });
  });

  it('an error logged as text (message, stack, String) loses the parameter list', async () => {
    const err = (await failingQuery()) as Error;
    const { lines } = captured(() => {
      log.warn('as message', { error: err.message });
      log.warn('as stack', { error: err.stack });
      log.error('as string', { error: String(err) });
      log.error(`in the message ${err.message}`);
    });
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain(MARKER);
  });

  it('a parameter list spanning lines (a note with line breaks) is dropped whole', async () => {
    let err: unknown;
    try {
      await database.db
        .insert(persons)
        .values({ caseId: MARKER, fullName: `first line\n${MARKER}\n    at ${MARKER} (made.ts:1:1)`, claimedNationality: 'KH' } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    const { lines } = captured(() => {
      log.error('as stack', { error: (err as Error).stack });
      log.error('as error', { error: err });
    });
    for (const line of lines) expect(line).not.toContain(MARKER);
  });
});
