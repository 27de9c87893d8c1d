// A dependency down: the API answers 503 with Retry-After (never a 500, never a hang), and
// /readyz says which dependency is missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalGateway } from '../api/temporal.js';
import { openDatabase, type Database } from '../db/client.js';
import { lazyClient } from '../lib/temporal.js';
import { eq } from 'drizzle-orm';
import { caseIdFor, startIntakeOutbox } from '../api/intake.js';
import { cases } from '../db/schema.js';
import { TEST_DATA_CONVERTER, TEST_PROTECT, testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();

function apiWith(database: Database, temporalAddress: string) {
  const { client, connection } = lazyClient({ address: temporalAddress, namespace: 'default' }, TEST_DATA_CONVERTER);
  const api = testApp(database, {
    temporal: createTemporalGateway({ client, connection, taskQueue: 'nowhere', callTimeoutMs: 3000 }),
    http: { bodyLimit: '1mb', bulkBodyLimit: '32mb', bulkConcurrency: 8, rateLimitPerMinute: 100_000 },
  });
  return { api, close: () => connection.close() };
}

describe('Temporal unreachable', () => {
  let database: Database;
  let target: ReturnType<typeof apiWith>;
  let existingCase: string;

  // The outbox below starts every recorded case it finds: on a database of this describe's own, it
  // never starts another file's case on this stack's task queue.
  const t = useStack(u, { ownDatabase: true });

  beforeAll(async () => {
    existingCase = await t.steps.open();
    database = await openDatabase({ url: t.scratch!.url, poolSize: 4 });
    target = apiWith(database, `127.0.0.1:${await freePort()}`);
  });
  afterAll(async () => {
    await target?.close();
    await database?.close();
  });

  it('opening a case answers 503 with Retry-After; the case it recorded gets its workflow once Temporal is back', async () => {
    const body = intakeBody();
    const res = await target.api.post('/v1/cases', u.khOfficer, body);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error.code).toBe('TEMPORAL_UNAVAILABLE');

    // The case is in the store, its start waiting in the outbox.
    const caseId = caseIdFor('KH', body.externalRef);
    const [row] = await database.db.select({ started: cases.workflowStarted }).from(cases).where(eq(cases.id, caseId));
    expect(row).toEqual({ started: false });
    // Temporal "comes back": the outbox of a process that reaches it starts the workflow.
    const stopOutbox = startIntakeOutbox(
      { db: t.stack.database.db, temporal: t.stack.gateway, protect: TEST_PROTECT, timings: t.stack.timings, concurrency: 8 },
      { intervalMs: 200, graceMs: 3000 },
    );
    try {
      await expect
        .poll(
          async () => (await database.db.select({ started: cases.workflowStarted }).from(cases).where(eq(cases.id, caseId)))[0].started,
          { timeout: 30_000 },
        )
        .toBe(true);
    } finally {
      await stopOutbox();
    }
    const verified = await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.cnOfficer, { result: 'confirmed', method: 'document' });
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('SCREENING_PENDING');
    // A retry of the same intake is answered as the case it is.
    expect((await t.stack.api.post('/v1/cases', u.khOfficer, body)).status).toBe(200);
  });

  it('bulk intake with nothing opened answers 503', async () => {
    const op = await t.stack.api.post('/v1/operations', u.khOfficer, {
      name: 'down',
      leadCountry: 'KH',
      participatingCountries: ['KH', 'CN'],
    });
    const res = await target.api.post(`/v1/operations/${op.body.id}/intake`, u.khOfficer, { cases: [intakeBody(), intakeBody()] });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });

  it('a decision answers 503; reads from the case store still work', async () => {
    const decision = await target.api.post(`/v1/cases/${existingCase}/identity`, u.cnOfficer, { result: 'confirmed', method: 'document' });
    expect(decision.status).toBe(503);
    expect((await target.api.get(`/v1/cases/${existingCase}`, u.khOfficer)).status).toBe(200);
  });

  it('/readyz answers 503 naming Temporal', async () => {
    const res = await target.api.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { database: 'ok', temporal: 'down' } });
    expect(res.headers['retry-after']).toBeDefined();
  });
});

describe('database unreachable', () => {
  let database: Database;
  let target: ReturnType<typeof apiWith>;
  // A live stack beside the one whose database is gone.
  useStack(u);

  beforeAll(async () => {
    database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${await freePort()}/none`, poolSize: 2 });
    const { inject } = await import('vitest');
    target = apiWith(database, inject('temporalAddress'));
  });
  afterAll(async () => {
    await target?.close();
    await database?.close();
  });

  it('reads and writes answer 503 with Retry-After', async () => {
    const list = await target.api.get('/v1/cases', u.khOfficer);
    expect(list.status).toBe(503);
    expect(list.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(list.headers['retry-after']).toBe('5');
    const open = await target.api.post('/v1/cases', u.khOfficer, intakeBody());
    expect(open.status).toBe(503);
  });

  it('/readyz answers 503 naming the database', async () => {
    const res = await target.api.get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.checks).toEqual({ database: 'down', temporal: 'ok' });
  });
});
