// Raid-sized intake: 2,141 people (the 2025 China–Cambodia sweep) in one request, with malformed
// and duplicate items among them. Exact counts back; every good case has its row and its workflow.
import { inArray, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseIdFor, RECORD_CHUNK, startIntakeOutbox } from '../api/intake.js';
import type { TemporalGateway } from '../api/temporal.js';
import { TEST_PROTECT } from './helpers/api.js';
import { getCaseScopes } from '../db/case-detail.js';
import { cases } from '../db/schema.js';
import { mapLimit } from '../lib/concurrency.js';
import { caseWorkflowId } from '../workflows/definitions.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

/** The status of each case's workflow, as Temporal describes it. */
const workflowStatuses = (caseIds: string[]) =>
  mapLimit(caseIds, 50, async (id) => (await t.stack.client.workflow.getHandle(caseWorkflowId(id)).describe()).status.name);
const u = makeUsers();
let operationId: string;

// This file runs the intake outbox, which starts every recorded case it finds: on a database of its
// own, so that it never starts another file's case on this file's task queue.
const t = useStack(u, { ownDatabase: { poolSize: 10 } });
beforeAll(async () => {
  const op = await t.stack.api.post('/v1/operations', u.khOfficer, {
    name: 'China–Cambodia sweep',
    leadCountry: 'CN',
    participatingCountries: ['CN', 'KH'],
    startedOn: '2025-10-14',
  });
  expect(op.status).toBe(201);
  operationId = op.body.id;
});

describe('bulk intake of 2,141 cases', () => {
  const TOTAL = 2141;
  const MALFORMED = [5, 700, 2000]; // indexes
  const WRONG_COUNTRY = 1500;
  const DUPLICATE_OF = new Map([
    [10, 9],
    [1999, 3],
  ]);
  let items: Record<string, unknown>[];

  it('creates every good case, reports each duplicate and each rejected item, and blocks nothing', async () => {
    items = Array.from({ length: TOTAL }, () => intakeBody());
    for (const [dup, of] of DUPLICATE_OF) items[dup] = { ...items[of] };
    items[MALFORMED[0]] = { ...items[MALFORMED[0]], person: { fullName: 'No nationality' } };
    items[MALFORMED[1]] = { ...items[MALFORMED[1]], unexpected: true };
    items[MALFORMED[2]] = { ...items[MALFORMED[2]], arrest: { at: 'yesterday', place: 'x' } };
    items[WRONG_COUNTRY] = { ...items[WRONG_COUNTRY], holdingCountry: 'TH' };

    const res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
    expect(res.status).toBe(200);
    const expectedCreated = TOTAL - MALFORMED.length - 1 - DUPLICATE_OF.size;
    expect(res.body).toMatchObject({ created: expectedCreated, duplicates: DUPLICATE_OF.size, rejected: MALFORMED.length + 1 });
    expect(res.body.results).toHaveLength(TOTAL);
    res.body.results.forEach((r: { index: number }, i: number) => expect(r.index).toBe(i));
    for (const i of MALFORMED) expect(res.body.results[i]).toMatchObject({ outcome: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(res.body.results[WRONG_COUNTRY]).toMatchObject({ outcome: 'rejected', error: { code: 'FORBIDDEN' } });
    for (const [dup, of] of DUPLICATE_OF) {
      expect(res.body.results[dup]).toMatchObject({ outcome: 'duplicate', caseId: res.body.results[of].caseId });
    }

    const createdIds: string[] = res.body.results
      .filter((r: { outcome: string }) => r.outcome === 'created')
      .map((r: { caseId: string }) => r.caseId);
    expect(new Set(createdIds).size).toBe(expectedCreated);

    // Every created case has its row, at once (read-your-writes)...
    const rows = await getCaseScopes(t.stack.database.db, createdIds);
    expect(rows.size).toBe(expectedCreated);
    for (const row of rows.values()) expect(row).toMatchObject({ status: 'IDENTITY_PENDING', holdingCountry: 'KH' });
    const op = await t.stack.api.get(`/v1/operations/${operationId}`, u.cnOfficer);
    expect(op.body.caseCounts).toEqual({ total: expectedCreated, byStatus: { IDENTITY_PENDING: expectedCreated } });

    // ...and its running workflow.
    const statuses = await workflowStatuses(createdIds);
    expect(statuses.filter((s) => s === 'RUNNING')).toHaveLength(expectedCreated);
  });

  it('the same intake again creates nothing new', async () => {
    const res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
    expect(res.status).toBe(200);
    const valid = TOTAL - MALFORMED.length - 1;
    expect(res.body).toMatchObject({ created: 0, duplicates: valid, rejected: MALFORMED.length + 1 });
    const op = await t.stack.api.get(`/v1/operations/${operationId}`, u.cnOfficer);
    expect(op.body.caseCounts.total).toBe(valid - DUPLICATE_OF.size);
  });

  it('refuses more than 5,000 items in one request', async () => {
    const res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, {
      cases: Array.from({ length: 5001 }, () => ({})),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('pages through the operation with an opaque cursor, each case exactly once', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/v1/cases?operationId=${operationId}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await t.stack.api.get(query, u.cnOfficer);
      expect(page.status).toBe(200);
      for (const item of page.body.items) {
        expect(seen.has(item.caseId)).toBe(false);
        seen.add(item.caseId);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(TOTAL - MALFORMED.length - 1 - DUPLICATE_OF.size);
    expect(pages).toBe(5);
  });
});

describe('a bulk intake recorded in chunks', () => {
  it('when the store stops part-way: each recorded chunk has its workflows, the answer is 503, the retry opens the rest', async () => {
    const TOTAL = RECORD_CHUNK * 2 + 200;
    const items = Array.from({ length: TOTAL }, () => intakeBody());
    const poison = items[RECORD_CHUNK + 100].externalRef as string;
    // The store "goes down" when it meets one row of the second chunk (as a restart would answer).
    const { db } = t.stack.database;
    await db.execute(
      sql.raw(`create or replace function bulk_intake_test_outage() returns trigger language plpgsql as $$
        begin if new.external_ref = '${poison}' then raise exception 'store going down' using errcode = '57P01'; end if; return new; end $$`),
    );
    await db.execute(
      sql`create trigger bulk_intake_test_outage before insert on cases for each row execute function bulk_intake_test_outage()`,
    );
    let res;
    try {
      res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
    } finally {
      await db.execute(sql`drop trigger bulk_intake_test_outage on cases`);
      await db.execute(sql`drop function bulk_intake_test_outage()`);
    }
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('DATABASE_UNAVAILABLE');

    // The first chunk was recorded and its workflows started and marked; nothing of the chunk that failed.
    const ids = items.map((item) => caseIdFor('KH', item.externalRef as string));
    const recorded = await db.select({ id: cases.id, started: cases.workflowStarted }).from(cases).where(inArray(cases.id, ids));
    expect(recorded.map((r) => r.id).sort()).toEqual(ids.slice(0, RECORD_CHUNK).sort());
    expect(recorded.every((r) => r.started)).toBe(true);
    const statuses = await workflowStatuses(ids.slice(0, RECORD_CHUNK));
    expect(statuses.every((s) => s === 'RUNNING')).toBe(true);

    const retry = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ created: TOTAL - RECORD_CHUNK, duplicates: RECORD_CHUNK, rejected: 0 });
    expect(retry.body.results.map((r: { caseId: string }) => r.caseId)).toEqual(ids);
    const started = await workflowStatuses(ids);
    expect(started.filter((s) => s === 'RUNNING')).toHaveLength(TOTAL);
  });
});

describe('the intake outbox beside a large intake', () => {
  it('leaves the cases an intake in this process is starting to that intake', async () => {
    const items = Array.from({ length: RECORD_CHUNK * 3 }, () => intakeBody());
    const ids = new Set(items.map((item) => caseIdFor('KH', item.externalRef as string)));
    const live = t.stack.gateway;
    let outboxStartsOfThisIntake = 0;
    const counting: TemporalGateway = {
      ...live,
      startCase: (input) => {
        if (ids.has(input.caseId)) outboxStartsOfThisIntake++;
        return live.startCase(input);
      },
    };
    // An outbox with no grace at all, passing every 50 ms: whatever the intake has recorded and not yet
    // started, it sees at once.
    const stopOutbox = startIntakeOutbox(
      { db: t.stack.database.db, temporal: counting, protect: TEST_PROTECT, timings: t.stack.timings, concurrency: 8 },
      { intervalMs: 50, graceMs: 0 },
    );
    try {
      const res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
      expect(res.status).toBe(200);
      expect(res.body.created).toBe(items.length);
    } finally {
      await stopOutbox();
    }
    expect(outboxStartsOfThisIntake).toBe(0);
  });
});

describe('likely duplicate persons', () => {
  it('flags a second open case holding the same passport, on both cases', async () => {
    const first = intakeBody();
    const second = intakeBody({}, { documents: (first.person as { documents: unknown[] }).documents });
    const a = await t.stack.api.post('/v1/cases', u.khOfficer, first);
    const b = await t.stack.api.post('/v1/cases', u.khOfficer, second);
    expect(b.status).toBe(201);
    expect(b.body.flags.possibleDuplicateOf).toEqual([a.body.caseId]);
    const again = await t.stack.api.get(`/v1/cases/${a.body.caseId}`, u.khOfficer);
    expect(again.body.flags.possibleDuplicateOf).toEqual([b.body.caseId]);
    const events = await t.stack.api.get(`/v1/cases/${a.body.caseId}/events`, u.khOfficer);
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('POSSIBLE_DUPLICATE_PERSON');
  });
});
