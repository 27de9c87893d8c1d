// Raid-scale operations: flights sized by capacity with manifests, statistics that answer the
// questions asked after a raid, and two worker processes sharing one task queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { auditLog, caseEvents } from '../db/schema.js';
import { mapLimit } from '../lib/concurrency.js';
import { caseWorkflowId } from '../workflows/definitions.js';
import { TEST_DOCUMENT_HASH_KEY, TEST_PAYLOAD_KEYS } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';
import { waitForPollers } from './helpers/pollers.js';

const u = makeUsers();

describe('flights and manifests', () => {
  const t = useStack(u);

  it('an operation becomes flights of the given capacity, each with its manifest', async () => {
    const approved = await mapLimit(Array.from({ length: 5 }), 5, () => t.steps.approved());
    const flights: string[] = [];
    let waiting = [...approved];
    while (waiting.length > 0) {
      const flight = await t.steps.transfer(waiting, 2);
      const accepted = flight.cases.filter((c) => c.accepted).map((c) => c.caseId);
      expect(accepted.length).toBe(Math.min(2, waiting.length));
      expect(flight.cases.filter((c) => !c.accepted).every((c) => c.error?.code === 'CAPACITY_EXCEEDED')).toBe(true);
      waiting = waiting.filter((id) => !accepted.includes(id));
      flights.push(flight.transferId);
    }
    expect(flights).toHaveLength(3);

    const manifest = await t.stack.api.get(`/v1/transfers/${flights[0]}/manifest`, u.cnOfficer);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ transferId: flights[0], capacity: 2, destinationCountry: 'CN' });
    expect(manifest.body.passengers).toHaveLength(2);
    const passenger = manifest.body.passengers[0];
    const detail = (await t.stack.api.get(`/v1/cases/${passenger.caseId}`, u.cnOfficer)).body;
    expect(passenger).toMatchObject({
      fullName: detail.person.fullName,
      dateOfBirth: detail.person.dateOfBirth,
      nationality: 'CN',
      outcome: 'scheduled',
      documents: detail.person.documents,
    });
    const logged = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'transfer.manifest'), eq(auditLog.actorSub, u.cnOfficer.sub)));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ recipientCountry: 'CN', purpose: 'case work (test)' });
    expect(logged[0].objectIds.sort()).toEqual(manifest.body.passengers.map((p: { caseId: string }) => p.caseId).sort());

    expect((await t.stack.api.call('get', `/v1/transfers/${flights[0]}/manifest`, { as: u.cnOfficer, purpose: null })).status).toBe(400);
    expect((await t.stack.api.get(`/v1/transfers/${flights[0]}/manifest`, u.vnOfficer)).status).toBe(404);
  });

  it('exports the manifest as CSV, one row per document, safe to open in a spreadsheet', async () => {
    const caseId = await t.steps.approved();
    const tricky = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: '=HYPERLINK("http://evil")', documents: [
      { type: 'passport', number: `P${Date.now()}`, issuingCountry: 'CN' },
      { type: 'id_card', number: `ID${Date.now()}`, issuingCountry: 'CN' },
    ] }));
    await t.steps.toApproval(tricky.body.caseId);
    await t.steps.decide(tricky.body.caseId, u.khSupervisor);
    await t.steps.decide(tricky.body.caseId, u.cnSupervisor);
    const { transferId } = await t.steps.transfer([caseId, tricky.body.caseId]);
    const csv = await t.stack.api.call('get', `/v1/transfers/${transferId}/manifest?format=csv`, { as: u.khOfficer });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="manifest-${transferId}.csv"`);
    const lines = (csv.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('caseId,externalRef,fullName,dateOfBirth,sex,nationality,documentType,documentNumber,documentIssuingCountry,outcome,status');
    expect(lines).toHaveLength(4);
    const trickyRows = lines.filter((l) => l.startsWith(`"${tricky.body.caseId}"`));
    expect(trickyRows).toHaveLength(2);
    expect(trickyRows[0]).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const byAccept = await t.stack.api.call('get', `/v1/transfers/${transferId}/manifest`, { as: u.khOfficer, headers: { Accept: 'text/csv' } });
    expect(byAccept.headers['content-type']).toMatch(/^text\/csv/);
  });

  it('statistics answer the questions asked after a raid, per operation and country', async () => {
    const op = await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'Funnel', leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    const inOp = { operationId: op.body.id };
    const [handed, inTransfer, approved, pending, verified, rejected] = [
      await t.steps.approved(inOp),
      await t.steps.approved(inOp),
      await t.steps.approved(inOp),
      await t.steps.open(inOp),
      await t.steps.open(inOp),
      await t.steps.open(inOp),
    ];
    await t.steps.verify(verified);
    await t.steps.toApproval(rejected);
    await t.steps.decide(rejected, u.khSupervisor, 'reject', 'insufficient grounds');
    const a = await t.steps.transfer([handed]);
    await t.stack.api.post(`/v1/transfers/${a.transferId}/depart`, u.khOfficer, {});
    await t.stack.api.post(`/v1/transfers/${a.transferId}/handover`, u.cnOfficer, { receivedCaseIds: [handed] });
    const b = await t.steps.transfer([inTransfer]);
    await t.stack.api.post(`/v1/transfers/${b.transferId}/depart`, u.khOfficer, {});
    await t.stack.api.post(`/v1/cases/${approved}/holds`, u.khOfficer, { kind: 'medical', reason: 'clinic' });
    void pending;
    const stats = (await t.stack.api.get('/v1/stats', u.cnSupervisor)).body;
    expect(stats.funnelByOperation[op.body.id]).toEqual({
      arrested: 6,
      verified: 5,
      approved: 3,
      transferred: 2,
      handedOver: 1,
      pending: 4,
      overdue: 0,
      onHold: 1,
      protection: 0,
      closed: 0,
      referred: 0,
      rejected: 1,
      cancelled: 0,
      released: 0,
    });
    expect(stats.byOperation[op.body.id]).toEqual({ HANDED_OVER: 1, IN_TRANSFER: 1, ON_HOLD: 1, IDENTITY_PENDING: 1, SCREENING_PENDING: 1, REJECTED: 1 });
    expect(stats.funnel.arrested).toBe(stats.total);
  });
});

describe('scale-out: two worker processes on one task queue', () => {
  const workers: ChildProcess[] = [];
  const taskQueue = `scale-${randomUUID()}`;
  // The cases' workers are the two processes below: none in this one.
  const t = useStack(u, { inProcessWorker: false, taskQueue });

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: inject('databaseUrl'),
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_TASK_QUEUE: taskQueue,
          PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
          DOCUMENT_HASH_KEY: TEST_DOCUMENT_HASH_KEY,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      workers.push(child);
    }
    // Cases are driven only once both processes poll: before that, the API's first call to a case
    // waits on a workflow task nobody takes yet.
    await waitForPollers(t.stack.client, taskQueue, 2, { alive: () => workers.every((w) => w.exitCode === null) });
  });
  afterAll(async () => {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.kill('SIGTERM');
          }),
      ),
    );
  });

  it('shares the cases between both, and processes none twice', async () => {
    const ids = await mapLimit(Array.from({ length: 24 }), 8, () => t.steps.approved());
    const flight = await t.steps.transfer(ids, 100);
    expect(flight.cases.every((c) => c.accepted)).toBe(true);
    await t.stack.api.post(`/v1/transfers/${flight.transferId}/depart`, u.khOfficer, {});
    const handover = await t.stack.api.post(`/v1/transfers/${flight.transferId}/handover`, u.cnOfficer, { receivedCaseIds: ids });
    expect(handover.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);

    const identities = new Set<string>();
    for (const id of ids) {
      const history = await t.stack.client.workflow.getHandle(caseWorkflowId(id)).fetchHistory();
      for (const event of history.events ?? []) {
        const identity = event.workflowTaskCompletedEventAttributes?.identity ?? event.activityTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity);
      }
      const events = await t.stack.database.db
        .select({ type: caseEvents.type, n: count() })
        .from(caseEvents)
        .where(eq(caseEvents.caseId, id))
        .groupBy(caseEvents.type);
      expect(Object.fromEntries(events.map((e) => [e.type, Number(e.n)]))).toEqual({
        CASE_OPENED: 1,
        IDENTITY_CONFIRMED: 1,
        SCREENED: 1,
        DECISION_RECORDED: 1,
        APPROVED: 1,
        TRANSFER_SCHEDULED: 1,
        DEPARTED: 1,
        HANDED_OVER: 1,
      });
    }
    expect(identities.size).toBe(2);
  });
});
