// Field-level need-to-know through the whole stack: protection claims and trafficking screening
// stay with the holding country (KH); the destination (CN) sees a legal review, a closed case, and
// only the people on board — in answers, lists, counts, timelines, manifests and the stream.
import { and, arrayContains, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../api/server.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { connectEventStream, type SseConnection, type SseMessage } from './helpers/sse.js';
import { useStack } from './helpers/stack.js';

let server: RunningServer;
const u = makeUsers();
let operationId: string;
const streams: SseConnection[] = [];

const t = useStack(u, { app: { stream: { pollIntervalMs: 50, heartbeatMs: 1000 } } });
beforeAll(async () => {
  operationId = await t.steps.operation('Need to know');
});
afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close(2000);
});

const GROUNDS = 'fears persecution for political opinion (grounds-7f3a)';
const NOTES = 'recruited by a fake job advert (notes-91bc)';

const open = () => t.steps.open({ operationId });
const detail = async (caseId: string, as: Actor) => {
  const res = await t.stack.api.get(`/v1/cases/${caseId}`, as);
  expect(res.status).toBe(200);
  return res.body;
};
async function lodgeClaim(caseId: string): Promise<string> {
  const res = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khOfficer, { grounds: GROUNDS });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.claimId;
}
async function decideClaim(caseId: string, claimId: string, outcome: 'upheld' | 'dismissed') {
  const res = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims/${claimId}/outcome`, u.khSupervisor, {
    outcome,
    reason: `review ${outcome} (outcome-55d0)`,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
/** Nothing in an answer that tells of a claim or of the screening. */
const expectNothingOfSafeguards = (body: unknown) => {
  const text = JSON.stringify(body);
  for (const secret of [
    'grounds-7f3a',
    'notes-91bc',
    'outcome-55d0',
    'protection_claim',
    'PROTECTION',
    'debt_bondage',
    'minor',
    'indicators',
  ]) {
    expect(text, secret).not.toContain(secret);
  }
};

async function stream(as: Actor, lastEventId?: number): Promise<SseConnection> {
  server ??= await listen(t.stack.api.app, 0, '127.0.0.1');
  const connection = await connectEventStream(server.url, await t.stack.api.token(as), lastEventId);
  streams.push(connection);
  return connection;
}
const ofCase = (caseId: string) => (m: SseMessage) => m.data.caseId === caseId;

describe('need-to-know: protection claims', () => {
  it('a lodged claim: the holding side sees the claim, the destination a legal review with nothing more', async () => {
    const caseId = await open();
    await t.steps.verify(caseId);
    const claimId = await lodgeClaim(caseId);

    const kh = await detail(caseId, u.khOfficer);
    expect(kh.holds).toEqual([
      expect.objectContaining({ holdId: claimId, kind: 'protection_claim', reason: GROUNDS, placedBy: u.khOfficer.sub, active: true }),
    ]);
    const admin = await detail(caseId, u.admin);
    expect(admin.holds[0]).toMatchObject({ kind: 'protection_claim', reason: GROUNDS });

    const cn = await detail(caseId, u.cnOfficer);
    expect(cn.status).toBe('ON_HOLD');
    expect(cn.holds).toEqual([
      expect.objectContaining({
        kind: 'legal_review',
        reason: null,
        placedBy: null,
        until: null,
        outcome: null,
        outcomeReason: null,
        active: true,
      }),
    ]);
    expect(cn.holds[0].holdId).not.toBe(claimId);
    expectNothingOfSafeguards(cn);

    const khTimeline = await t.steps.events(caseId, u.khOfficer);
    expect(khTimeline.find((e) => e.type === 'PROTECTION_CLAIM_LODGED')).toMatchObject({
      reason: GROUNDS,
      data: expect.objectContaining({ kind: 'protection_claim' }),
    });
    const cnTimeline = await t.steps.events(caseId, u.cnOfficer);
    expect(cnTimeline.map((e) => e.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED', 'HOLD_PLACED']);
    expect(cnTimeline[2]).toMatchObject({ fromStatus: 'SCREENING_PENDING', toStatus: 'ON_HOLD', actor: null, reason: null, data: null });
    expectNothingOfSafeguards(cnTimeline);

    // The change's audit entry is the holding country's alone.
    const entries = await t.stack.database.db
      .select({ scope: auditLog.scopeCountries, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'case.change'), arrayContains(auditLog.objectIds, [caseId])));
    const lodged = entries.filter((e) => (e.details as { event?: string }).event === 'PROTECTION_CLAIM_LODGED');
    expect(lodged.map((e) => e.scope)).toEqual([['KH']]);
    const confirmed = entries.filter((e) => (e.details as { event?: string }).event === 'IDENTITY_CONFIRMED');
    expect(confirmed[0].scope).toEqual(expect.arrayContaining(['KH', 'CN']));

    // Dismissed: the destination sees a hold lifted, and no ended hold.
    await decideClaim(caseId, claimId, 'dismissed');
    const after = await detail(caseId, u.cnOfficer);
    expect(after.status).toBe('SCREENING_PENDING');
    expect(after.holds).toEqual([]);
    const lifted = (await t.steps.events(caseId, u.cnOfficer)).at(-1)!;
    expect(lifted).toMatchObject({
      type: 'HOLD_LIFTED',
      fromStatus: 'ON_HOLD',
      toStatus: 'SCREENING_PENDING',
      actor: null,
      reason: null,
      data: null,
    });
  });

  it('a claim and a medical hold look the same to the destination', async () => {
    const claimed = await open();
    await lodgeClaim(claimed);
    const medical = await open();
    const held = await t.stack.api.post(`/v1/cases/${medical}/holds`, u.khOfficer, {
      kind: 'medical',
      reason: 'fever',
      until: '2031-01-01T00:00:00Z',
    });
    expect(held.status).toBe(201);
    const shape = (c: { status: string; holds: Record<string, unknown>[] }) => ({
      status: c.status,
      holds: c.holds.map(({ holdId: _id, placedAt: _at, ...rest }) => rest),
    });
    expect(shape(await detail(claimed, u.cnOfficer))).toEqual(shape(await detail(medical, u.cnOfficer)));
    const timeline = async (caseId: string) =>
      (await t.steps.events(caseId, u.cnOfficer)).map(({ type, fromStatus, toStatus, actor, reason, data }) => ({
        type,
        fromStatus,
        toStatus,
        actor,
        reason,
        data,
      }));
    expect((await timeline(claimed)).at(-1)).toEqual((await timeline(medical)).at(-1));
  });

  it('an upheld claim: the destination sees CLOSED in the case, the list, its filters and the counts', async () => {
    const caseId = await open();
    const claimId = await lodgeClaim(caseId);
    await decideClaim(caseId, claimId, 'upheld');

    expect((await detail(caseId, u.khOfficer)).status).toBe('PROTECTION');
    const cn = await detail(caseId, u.cnOfficer);
    expect(cn.status).toBe('CLOSED');
    expect(cn.holds).toEqual([]);
    expectNothingOfSafeguards(cn);

    const list = async (as: Actor, status: string) =>
      (await t.stack.api.get(`/v1/cases?operationId=${operationId}&status=${status}&limit=500`, as)).body.items.map(
        (c: { caseId: string; status: string }) => [c.caseId, c.status],
      );
    expect(await list(u.cnOfficer, 'PROTECTION')).toEqual([]);
    expect(await list(u.cnOfficer, 'CLOSED')).toContainEqual([caseId, 'CLOSED']);
    expect(await list(u.khOfficer, 'PROTECTION')).toContainEqual([caseId, 'PROTECTION']);
    expect(await list(u.khOfficer, 'CLOSED')).toEqual([]);
    // The holding side's list by that status is in its own auditors' scope only.
    const listed = await t.stack.database.db
      .select({ scope: auditLog.scopeCountries, details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'case.list'), eq(auditLog.actorSub, u.khOfficer.sub), arrayContains(auditLog.objectIds, [caseId])));
    expect(listed.map((e) => e.scope)).toEqual([['KH']]);
    const all = (await t.stack.api.get(`/v1/cases?operationId=${operationId}&limit=500`, u.cnOfficer)).body;
    expectNothingOfSafeguards(all);

    const cnStats = (await t.stack.api.get('/v1/stats', u.cnOfficer)).body;
    expect(cnStats.byOperation[operationId].PROTECTION).toBeUndefined();
    expect(cnStats.byOperation[operationId].CLOSED).toBeGreaterThanOrEqual(1);
    expect(cnStats.funnelByOperation[operationId]).toMatchObject({ protection: 0, closed: cnStats.byOperation[operationId].CLOSED });
    expect(cnStats.activeHolds.protection_claim).toBe(0);
    const khStats = (await t.stack.api.get('/v1/stats', u.khOfficer)).body;
    expect(khStats.byOperation[operationId].CLOSED).toBeUndefined();
    expect(khStats.byOperation[operationId].PROTECTION).toBe(cnStats.byOperation[operationId].CLOSED);
    const cnOperation = (await t.stack.api.get(`/v1/operations/${operationId}`, u.cnOfficer)).body;
    expect(cnOperation.caseCounts.byStatus.PROTECTION).toBeUndefined();
    expect(cnOperation.caseCounts.byStatus.CLOSED).toBe(cnStats.byOperation[operationId].CLOSED);

    const closing = (await t.steps.events(caseId, u.cnOfficer)).at(-1)!;
    expect(closing).toMatchObject({
      type: 'CASE_CLOSED',
      fromStatus: 'ON_HOLD',
      toStatus: 'CLOSED',
      actor: null,
      reason: null,
      data: null,
    });
  });
});

describe('need-to-know: trafficking screening', () => {
  it('indicators at screening or at intake: the destination sees CLOSED and no screening', async () => {
    const caseId = await open();
    await t.steps.verify(caseId);
    await t.steps.screen(caseId, u.khOfficer, { indicators: ['debt_bondage'], notes: NOTES });
    const kh = await detail(caseId, u.khOfficer);
    expect(kh).toMatchObject({ status: 'PROTECTION', screening: { indicators: ['debt_bondage'], notes: NOTES } });
    const cn = await detail(caseId, u.cnOfficer);
    expect(cn).toMatchObject({ status: 'CLOSED', screening: null });
    expectNothingOfSafeguards(cn);
    const timeline = await t.steps.events(caseId, u.cnOfficer);
    expect(timeline.map((e) => [e.type, e.toStatus])).toEqual([
      ['CASE_OPENED', 'IDENTITY_PENDING'],
      ['IDENTITY_CONFIRMED', 'SCREENING_PENDING'],
      ['CASE_CLOSED', 'CLOSED'],
    ]);
    expectNothingOfSafeguards(timeline);

    // A minor at intake is diverted before anyone else acts.
    const young = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({ operationId }, { dateOfBirth: '2015-01-01' }));
    expect(young.status).toBe(201);
    await expect.poll(async () => (await detail(young.body.caseId, u.khOfficer)).status, { timeout: 20_000 }).toBe('PROTECTION');
    const cnYoung = await detail(young.body.caseId, u.cnOfficer);
    expect(cnYoung).toMatchObject({ status: 'CLOSED', screening: null });
    expectNothingOfSafeguards(cnYoung);
    expectNothingOfSafeguards(await t.steps.events(young.body.caseId, u.cnOfficer));
  });
});

describe('need-to-know: transfers', () => {
  it("a person taken off a flight for a claim is not on the destination's batch, manifest or counts", async () => {
    const boarding = await t.steps.approved({ operationId });
    const claiming = await t.steps.approved({ operationId });
    const { transferId } = await t.steps.transfer([boarding, claiming]);
    await lodgeClaim(claiming);
    const claimingRef = (await detail(claiming, u.khOfficer)).externalRef;
    const claimingName = (await detail(claiming, u.khOfficer)).person.fullName;

    const legs = async (as: Actor) =>
      (await t.stack.api.get(`/v1/transfers/${transferId}`, as)).body.cases.map((c: { caseId: string }) => c.caseId).sort();
    // Before departure: the destination sees who is on the batch and not held.
    expect(await legs(u.khOfficer)).toEqual([boarding, claiming].sort());
    expect(await legs(u.cnOfficer)).toEqual([boarding]);

    const departed = await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    expect(departed.status).toBe(200);
    expect(await legs(u.khOfficer)).toEqual([boarding, claiming].sort());
    const cnBatch = (await t.stack.api.get(`/v1/transfers/${transferId}`, u.cnOfficer)).body;
    expect(cnBatch.cases).toEqual([expect.objectContaining({ caseId: boarding, outcome: 'departed', status: 'IN_TRANSFER' })]);

    const manifest = await t.stack.api.get(`/v1/transfers/${transferId}/manifest`, u.cnOfficer);
    expect(manifest.status).toBe(200);
    expect(manifest.body.passengers.map((p: { caseId: string }) => p.caseId)).toEqual([boarding]);
    const csv = await t.stack.api.get(`/v1/transfers/${transferId}/manifest?format=csv`, u.cnOfficer);
    expect(csv.status).toBe(200);
    expect(csv.body).toContain(boarding);
    for (const absent of [claiming, claimingRef, claimingName]) expect(csv.body).not.toContain(absent);
    const khManifest = await t.stack.api.get(`/v1/transfers/${transferId}/manifest`, u.khOfficer);
    expect(khManifest.body.passengers.map((p: { caseId: string }) => p.caseId).sort()).toEqual([boarding, claiming].sort());

    const exported = await t.stack.database.db
      .select({ objectIds: auditLog.objectIds })
      .from(auditLog)
      .where(and(eq(auditLog.action, 'transfer.manifest'), eq(auditLog.actorSub, u.cnOfficer.sub)));
    expect(exported.at(-1)!.objectIds).toEqual([boarding]);
    // The holding side's export names the person taken off: its entry is the holding country's alone.
    const khExport = await t.stack.database.db
      .select({ objectIds: auditLog.objectIds, scope: auditLog.scopeCountries })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.action, 'transfer.manifest'),
          eq(auditLog.actorSub, u.khOfficer.sub),
          arrayContains(auditLog.objectIds, [claiming]),
        ),
      );
    expect(khExport.map((e) => e.scope)).toEqual([['KH']]);

    const listed = async (as: Actor) =>
      (await t.stack.api.get('/v1/transfers?limit=500', as)).body.items.find((t: { transferId: string }) => t.transferId === transferId)
        .cases;
    expect(await listed(u.cnOfficer)).toBe(1);
    expect(await listed(u.khOfficer)).toBe(1);

    const cnTimeline = await t.steps.events(claiming, u.cnOfficer);
    expect(cnTimeline.map((e) => e.type)).not.toContain('DROPPED_FROM_TRANSFER');
    expectNothingOfSafeguards(cnTimeline);
  });
});

describe('need-to-know: the event stream', () => {
  it('sends the destination projected statuses and no claim events, live and on replay', async () => {
    const kh = await stream(u.khOfficer);
    const cn = await stream(u.cnOfficer);
    const caseId = await open();
    const opened = await cn.waitFor((m) => ofCase(caseId)(m) && m.data.type === 'CASE_OPENED', 20_000, 'CASE_OPENED');
    const claimId = await lodgeClaim(caseId);
    await decideClaim(caseId, claimId, 'upheld');
    await kh.waitFor(
      (m) => ofCase(caseId)(m) && m.data.type === 'PROTECTION_CLAIM_UPHELD',
      20_000,
      'the claim upheld, to the holding side',
    );
    await cn.waitFor((m) => ofCase(caseId)(m) && m.data.toStatus === 'CLOSED', 20_000, 'the case closed, to the destination');
    const live = cn.messages.filter(ofCase(caseId)).map((m) => [m.data.type, m.data.fromStatus, m.data.toStatus]);
    expect(live).toEqual([
      ['CASE_OPENED', null, 'IDENTITY_PENDING'],
      ['HOLD_PLACED', 'IDENTITY_PENDING', 'ON_HOLD'],
      ['CASE_CLOSED', 'ON_HOLD', 'CLOSED'],
    ]);
    expect(kh.messages.filter(ofCase(caseId)).map((m) => m.data.type)).toEqual([
      'CASE_OPENED',
      'PROTECTION_CLAIM_LODGED',
      'PROTECTION_CLAIM_UPHELD',
    ]);

    const replay = await stream(u.cnOfficer, Number(opened.id) - 1);
    await replay.waitFor((m) => ofCase(caseId)(m) && m.data.toStatus === 'CLOSED', 20_000, 'the replayed closing');
    expect(replay.messages.filter(ofCase(caseId)).map((m) => [m.data.type, m.data.fromStatus, m.data.toStatus])).toEqual(live);
    for (const m of [...cn.messages, ...replay.messages].filter(ofCase(caseId))) expectNothingOfSafeguards(m.data);
  });

  it('records the disclosure before it sends, and sends nothing when it cannot record it', async () => {
    const watcher = u.user('officer', 'CN', 31);
    const refuse = sql.raw(`alter table audit_log add constraint refuse_disclosure_${watcher.sub.replace(/\W/g, '_')}
      check (action <> 'case.stream.disclose' or actor_sub <> '${watcher.sub}') not valid`);
    const cn = await stream(watcher);
    expect(cn.status).toBe(200);
    await t.stack.database.db.execute(refuse);
    try {
      const caseId = await open();
      // The stream ends (the test's own timeout bounds the wait).
      await cn.ended;
      expect(cn.messages.filter(ofCase(caseId))).toEqual([]);
    } finally {
      await t.stack.database.db.execute(
        sql.raw(`alter table audit_log drop constraint refuse_disclosure_${watcher.sub.replace(/\W/g, '_')}`),
      );
    }
  });
});

describe('need-to-know: the custody clock', () => {
  it('a dismissed claim and a lifted medical hold look the same to the destination: no custody clock anywhere', async () => {
    // Arrested three days ago, custody limited to one day: the custody clock is past its limit at once.
    const custodyOp = await t.steps.operation('Custody need to know', { custodyLimitDays: 1 }, u.khSupervisor);
    const arrest = { at: new Date(Date.now() - 3 * 86_400_000).toISOString(), place: 'Kandal', allegations: [] };
    const claimed = await t.steps.open({ operationId: custodyOp, arrest });
    const medical = await t.steps.open({ operationId: custodyOp, arrest });
    const exceeded = async (caseId: string) =>
      (await t.steps.events(caseId, u.khOfficer)).filter((e) => e.type === 'CUSTODY_LIMIT_EXCEEDED').length;
    for (const caseId of [claimed, medical]) {
      await expect.poll(() => exceeded(caseId), { timeout: 20_000 }).toBe(1);
    }

    await decideClaim(claimed, await lodgeClaim(claimed), 'dismissed');
    const held = await t.stack.api.post(`/v1/cases/${medical}/holds`, u.khOfficer, { kind: 'medical', reason: 'fever' });
    expect(held.status).toBe(201);
    const lifted = await t.stack.api.post(`/v1/cases/${medical}/holds/${held.body.holdId}/lift`, u.khOfficer, {});
    expect(lifted.status).toBe(200);

    // The holding side keeps its clock: the hold moved it, the claim did not.
    const dueAt = Date.parse(arrest.at) + 86_400_000;
    const khClaimed = await detail(claimed, u.khOfficer);
    const khMedical = await detail(medical, u.khOfficer);
    expect(Date.parse(khClaimed.deadlines.custodyDueAt)).toBe(dueAt);
    expect(Date.parse(khMedical.deadlines.custodyDueAt)).toBeGreaterThan(dueAt);
    // Escalated at least once; a hold's end may escalate again, sooner or later than this read.
    for (const c of [khClaimed, khMedical]) {
      expect(c).toMatchObject({ overdue: true, overdueReasons: ['custody'] });
      expect(c.escalations).toBeGreaterThanOrEqual(1);
    }

    // The destination: no custody due date, reason, escalation or extension; not overdue.
    const clock = (c: Record<string, any>) => ({
      status: c.status,
      overdue: c.overdue,
      overdueReasons: c.overdueReasons,
      overdueSince: c.overdueSince,
      escalations: c.escalations,
      custodyDueAt: c.deadlines.custodyDueAt,
      custodyExtension: c.custodyExtension,
      holds: c.holds,
    });
    const restricted = {
      status: 'IDENTITY_PENDING',
      overdue: false,
      overdueReasons: [],
      overdueSince: null,
      escalations: 0,
      custodyDueAt: null,
      custodyExtension: null,
      holds: [],
    };
    expect(clock(await detail(claimed, u.cnOfficer))).toEqual(restricted);
    expect(clock(await detail(medical, u.cnOfficer))).toEqual(restricted);

    const list = async (as: Actor, query = '') =>
      (await t.stack.api.get(`/v1/cases?operationId=${custodyOp}&limit=500${query}`, as)).body.items as Record<string, any>[];
    const listed = await list(u.cnOfficer);
    const { holds: _holds, custodyExtension: _extension, ...listedShape } = restricted;
    for (const caseId of [claimed, medical]) {
      const item = listed.find((c) => c.caseId === caseId)!;
      const { holds: _h, custodyExtension: _e, ...shape } = clock({ ...item, holds: [], custodyExtension: null });
      expect(shape).toEqual(listedShape);
    }
    expect(await list(u.cnOfficer, '&overdue=true')).toEqual([]);
    expect((await list(u.cnOfficer, '&overdue=false')).map((c) => c.caseId).sort()).toEqual([claimed, medical].sort());
    expect((await list(u.khOfficer, '&overdue=true')).map((c) => c.caseId).sort()).toEqual([claimed, medical].sort());

    const cnStats = (await t.stack.api.get('/v1/stats', u.cnOfficer)).body;
    expect(cnStats.funnelByOperation[custodyOp]).toMatchObject({ arrested: 2, overdue: 0 });
    const khStats = (await t.stack.api.get('/v1/stats', u.khOfficer)).body;
    expect(khStats.funnelByOperation[custodyOp]).toMatchObject({ arrested: 2, overdue: 2 });
    const progress = async (as: Actor) =>
      ((await t.stack.api.get('/v1/stats/progress', as)).body.items as { operationId: string; arrested: number; overdue: number }[]).find(
        (r) => r.operationId === custodyOp,
      );
    expect(await progress(u.cnOfficer)).toMatchObject({ arrested: 2, overdue: 0 });
    expect(await progress(u.khOfficer)).toMatchObject({ arrested: 2, overdue: 2 });

    // The timeline and the stream: the same events for both, none of the custody clock's.
    // Ids apart: the opening event carries the case's external reference.
    const shown = (e: Record<string, any>) => {
      const { externalRef: _ref, ...data } = e.data ?? {};
      return [e.type, e.fromStatus, e.toStatus, e.reason ?? null, e.data ? data : null];
    };
    const cnTimelines = await Promise.all([claimed, medical].map(async (id) => (await t.steps.events(id, u.cnOfficer)).map(shown)));
    expect(cnTimelines[0].map((e) => e[0])).toEqual(['CASE_OPENED', 'HOLD_PLACED', 'HOLD_LIFTED']);
    expect(cnTimelines[0]).toEqual(cnTimelines[1]);

    const cn = await stream(u.cnOfficer, 0);
    const last = (caseId: string) => (m: SseMessage) => ofCase(caseId)(m) && m.data.type === 'HOLD_LIFTED';
    await cn.waitFor(last(claimed), 20_000, 'the claim dismissed, to the destination');
    await cn.waitFor(last(medical), 20_000, 'the hold lifted, to the destination');
    const streamed = (caseId: string) => cn.messages.filter(ofCase(caseId)).map((m) => shown(m.data));
    expect(streamed(claimed).map((e) => e[0])).toEqual(['CASE_OPENED', 'HOLD_PLACED', 'HOLD_LIFTED']);
    expect(streamed(claimed)).toEqual(streamed(medical));

    const custodyAudit = async (caseId: string) =>
      (
        await t.stack.database.db
          .select({ scope: auditLog.scopeCountries, details: auditLog.details })
          .from(auditLog)
          .where(and(eq(auditLog.action, 'case.change'), arrayContains(auditLog.objectIds, [caseId])))
      ).filter((e) => ((e.details as { event?: string }).event ?? '').startsWith('CUSTODY_'));
    // An extension of custody is the holding country's too.
    for (const caseId of [claimed, medical]) {
      const extended = await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor, {
        days: 5,
        reason: 'registry reply expected',
      });
      expect(extended.status, JSON.stringify(extended.body)).toBe(200);
      expect((await detail(caseId, u.khOfficer)).custodyExtension).toMatchObject({ days: 5 });
      expect(clock(await detail(caseId, u.cnOfficer))).toEqual(restricted);
      expect((await t.steps.events(caseId, u.cnOfficer)).map(shown)).toEqual(cnTimelines[0]);
      // The case last changed, to the destination, with the last event it sees.
      const lastShown = (await t.steps.events(caseId, u.cnOfficer)).at(-1) as unknown as { at: string };
      expect((await detail(caseId, u.cnOfficer)).updatedAt).toBe(lastShown.at);
      expect((await list(u.cnOfficer)).find((c) => c.caseId === caseId)!.updatedAt).toBe(lastShown.at);
      expect((await detail(caseId, u.khOfficer)).updatedAt).toBe(extended.body.updatedAt);
    }
    // Their audit entries are the holding country's alone.
    for (const caseId of [claimed, medical]) {
      // (The clock may escalate again when a hold ends, so the entries are counted by kind, not listed.)
      const entries = (await custodyAudit(caseId)).map((e) => [(e.details as { event: string }).event, e.scope] as const);
      expect(new Set(entries.map(([event]) => event))).toEqual(new Set(['CUSTODY_LIMIT_EXCEEDED', 'CUSTODY_EXTENDED']));
      for (const [event, scope] of entries) expect(scope, event).toEqual(['KH']);
    }
  });
});
