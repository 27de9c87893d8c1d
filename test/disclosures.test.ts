// Every answer that carries personal data is a logged read, recorded before it is sent; a case out
// of the caller's scope is refused exactly like one that does not exist, in the answer and in the
// caller's audit view, while the case's own countries see the refusal; refusals inside bulk requests
// are logged like the single routes'; an auditor's chain verification stays in their scope.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, sealAudit, verifyAudit, type AuditEntry } from '../db/audit.js';
import { auditLog } from '../db/schema.js';
import { TEST_AUDIT_KEY } from './helpers/api.js';
import { intakeBody, makeUsers, transferBody } from './helpers/fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-db.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);

/** The entries a user's actions left, oldest first. */
async function entriesBy(sub: string, action?: string) {
  return t.stack.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.actorSub, sub), action ? eq(auditLog.action, action) : undefined))
    .orderBy(asc(auditLog.id));
}

/** Makes the audit log refuse one user's answers: their next answer cannot be recorded. */
async function refuseAnswersOf(sub: string) {
  const name = `refuse_${sub.replace(/\W/g, '_')}`;
  await t.stack.database.db.execute(
    sql.raw(`alter table audit_log add constraint ${name} check (action <> 'case.answer' or actor_sub <> '${sub}') not valid`),
  );
  return () => t.stack.database.db.execute(sql.raw(`alter table audit_log drop constraint ${name}`));
}

describe('answers that carry a case are logged reads', () => {
  it('the same externalRef again answers the existing case, and that answer is logged with its implied purpose', async () => {
    const body = intakeBody();
    const first = await t.stack.api.post('/v1/cases', u.khOfficer, body);
    expect(first.status).toBe(201);
    const officer = u.user('officer', 'KH', 3);
    const again = await t.stack.api.call('post', '/v1/cases', { as: officer, body, purpose: null });
    expect(again.status).toBe(200);
    expect(again.body.person.fullName).toBe(body.person.fullName);
    const [entry] = await entriesBy(officer.sub, 'case.answer');
    expect(entry).toMatchObject({
      objectIds: [first.body.caseId],
      outcome: 'ok',
      purpose: 'answer to opening a case',
      recipientCountry: null,
      details: { route: 'POST /v1/cases', purposeImplied: true },
    });
  });

  it("a repeated decision is logged — and a CN supervisor's repeat on a KH case is a disclosure to CN", async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    const before = (await entriesBy(u.khSupervisor.sub, 'case.answer')).length;
    await t.steps.decide(caseId, u.khSupervisor);
    const kh = (await entriesBy(u.khSupervisor.sub, 'case.answer')).slice(before);
    expect(kh.map((e) => [e.objectIds, e.purpose, e.recipientCountry])).toEqual([[[caseId], 'case work (test)', null]]);

    const cnSupervisor = u.user('supervisor', 'CN', 3);
    await t.steps.decide(caseId, cnSupervisor);
    await t.steps.decide(caseId, cnSupervisor);
    const cn = await entriesBy(cnSupervisor.sub, 'case.answer');
    expect(cn.map((e) => [e.objectIds, e.recipientCountry, (e.details as { route: string }).route])).toEqual([
      [[caseId], 'CN', 'POST /v1/cases/:id/decisions'],
      [[caseId], 'CN', 'POST /v1/cases/:id/decisions'],
    ]);
    expect(cn[1].scopeCountries).toEqual(['CN', 'KH']);
  });

  it('repeated identity confirmations, lifts and cancels are logged', async () => {
    const caseId = await t.steps.open();
    const cnOfficer = u.user('officer', 'CN', 4);
    await t.steps.verify(caseId, cnOfficer);
    await t.steps.verify(caseId, cnOfficer);
    expect((await entriesBy(cnOfficer.sub, 'case.answer')).map((e) => [e.objectIds, e.recipientCountry])).toEqual([
      [[caseId], 'CN'],
      [[caseId], 'CN'],
    ]);

    const officer = u.user('officer', 'KH', 4);
    const hold = await t.stack.api.post(`/v1/cases/${caseId}/holds`, officer, { kind: 'medical', reason: 'hospital' });
    expect(hold.status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const lifted = await t.stack.api.post(`/v1/cases/${caseId}/holds/${hold.body.holdId}/lift`, officer, {});
      expect(lifted.status).toBe(200);
    }
    expect((await entriesBy(officer.sub, 'case.answer')).map((e) => (e.details as { route: string }).route)).toEqual([
      'POST /v1/cases/:id/holds',
      'POST /v1/cases/:id/holds/:holdId/lift',
      'POST /v1/cases/:id/holds/:holdId/lift',
    ]);

    const supervisor = u.user('supervisor', 'KH', 4);
    for (let i = 0; i < 2; i++) {
      const cancelled = await t.stack.api.post(`/v1/cases/${caseId}/cancel`, supervisor, { reason: 'withdrawn' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('CANCELLED');
    }
    expect((await entriesBy(supervisor.sub, 'case.answer')).map((e) => e.objectIds)).toEqual([[caseId], [caseId]]);
  });

  it('a transfer batch is a logged read of everyone on it, with a purpose', async () => {
    const caseId = await t.steps.approved();
    const { transferId } = await t.steps.transfer([caseId]);
    const cnOfficer = u.user('officer', 'CN', 5);
    const refused = await t.stack.api.call('get', `/v1/transfers/${transferId}`, { as: cnOfficer, purpose: null });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('PURPOSE_REQUIRED');
    const read = await t.stack.api.call('get', `/v1/transfers/${transferId}`, { as: cnOfficer, purpose: 'preparing the reception' });
    expect(read.status).toBe(200);
    const entries = await entriesBy(cnOfficer.sub, 'transfer.read');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      objectType: 'case',
      objectIds: [caseId],
      purpose: 'preparing the reception',
      recipientCountry: 'CN',
      scopeCountries: ['CN', 'KH'],
      details: { transferId, cases: 1 },
    });
  });

  it('an answer whose read cannot be logged is not sent: 503, and no case data', async () => {
    const body = intakeBody();
    const caseId = (await t.stack.api.post('/v1/cases', u.khOfficer, body)).body.caseId;
    const supervisor = u.user('supervisor', 'KH', 6);
    const officer = u.user('officer', 'KH', 6);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/cancel`, supervisor, { reason: 'withdrawn' })).status).toBe(200);
    const allow = [await refuseAnswersOf(supervisor.sub), await refuseAnswersOf(officer.sub)];
    try {
      for (const res of [
        await t.stack.api.post(`/v1/cases/${caseId}/cancel`, supervisor, { reason: 'withdrawn' }),
        await t.stack.api.post('/v1/cases', officer, body),
      ]) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('AUDIT_UNAVAILABLE');
        expect(JSON.stringify(res.body)).not.toContain(body.person.fullName);
        expect(JSON.stringify(res.body)).not.toContain(body.externalRef);
      }
    } finally {
      for (const drop of allow) await drop();
    }
    expect(await entriesBy(officer.sub, 'case.answer')).toEqual([]);
  });
});

/** What an auditor sees of an entry, without what tells two entries apart anyway (id, time, chain). */
const shape = (e: { objectIds: string[]; [k: string]: unknown }) => {
  const { id: _id, seq: _seq, at: _at, hash: _hash, objectIds: _objectIds, ...rest } = e;
  return rest;
};

async function auditView(auditor: ReturnType<typeof u.user>, query: string) {
  const res = await t.stack.api.get(`/v1/audit?${query}`, auditor);
  expect(res.status).toBe(200);
  return res.body.items as { objectIds: string[]; action: string; [k: string]: unknown }[];
}

describe('a case out of scope looks like one that does not exist', () => {
  it("the caller's answer and audit view differ only in the id; the case's auditors see the refusal", async () => {
    const caseId = await t.steps.open();
    const missing = randomUUID();
    const laOfficer = u.user('officer', 'LA', 7);
    const outOfScope = await t.stack.api.get(`/v1/cases/${caseId}`, laOfficer);
    const nonexistent = await t.stack.api.get(`/v1/cases/${missing}`, laOfficer);
    expect([outOfScope.status, nonexistent.status]).toEqual([404, 404]);
    expect(outOfScope.body).toEqual(nonexistent.body);

    const laAuditor = u.user('auditor', 'LA', 7);
    const seen = (await auditView(laAuditor, `actor=${laOfficer.sub}`)).reverse();
    expect(seen.map((e) => e.objectIds)).toEqual([[caseId], [missing]]);
    expect(shape(seen[0])).toEqual(shape(seen[1]));
    expect(seen[0]).toMatchObject({ action: 'request.denied', outcome: 'denied', details: { status: 404, code: 'NOT_FOUND' } });

    const khAuditor = u.user('auditor', 'KH', 7);
    const atHolding = await auditView(khAuditor, `objectId=${caseId}&actor=${laOfficer.sub}`);
    expect(atHolding.map((e) => [e.action, e.outcome])).toEqual([['request.denied', 'denied']]);
    expect(await auditView(khAuditor, `objectId=${missing}`)).toEqual([]);
  });

  it("an id written in capitals is recorded in lower case, so the case's auditors find it", async () => {
    const caseId = await t.steps.open();
    const vnOfficer = u.user('officer', 'VN', 8);
    expect((await t.stack.api.get(`/v1/cases/${caseId.toUpperCase()}`, vnOfficer)).status).toBe(404);
    const found = await auditView(u.user('auditor', 'KH', 8), `objectId=${caseId}&actor=${vnOfficer.sub}`);
    expect(found.map((e) => [e.action, e.objectIds])).toEqual([['request.denied', [caseId]]]);
    const own = await auditView(u.user('auditor', 'VN', 8), `objectId=${caseId.toUpperCase()}`);
    expect(own.map((e) => e.objectIds)).toEqual([[caseId]]);
  });
});

describe('refusals inside bulk requests are logged', () => {
  it("bulk decisions: an out-of-scope case and a nonexistent id leave the same entry in the caller's view", async () => {
    const caseId = await t.steps.open();
    const missing = randomUUID();
    const vnSupervisor = u.user('supervisor', 'VN', 9);
    const res = await t.stack.api.post('/v1/decisions', vnSupervisor, { caseIds: [caseId, missing], decision: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { error: { code: string } }) => r.error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);

    const seen = (await auditView(u.user('auditor', 'VN', 9), `actor=${vnSupervisor.sub}&action=request.denied`)).reverse();
    expect(seen.map((e) => e.objectIds)).toEqual([[caseId], [missing]]);
    expect(shape(seen[0])).toEqual(shape(seen[1]));
    expect(seen[0]).toMatchObject({ details: { route: 'POST /v1/decisions', status: 404, code: 'NOT_FOUND' } });
    const atHolding = await auditView(u.user('auditor', 'KH', 9), `objectId=${caseId}&actor=${vnSupervisor.sub}`);
    expect(atHolding.map((e) => e.action)).toEqual(['request.denied']);
  });

  it("transfers: cases the officer's country does not hold are refused and logged, each where its countries see it", async () => {
    const thCase = (
      await t.stack.api.post('/v1/cases', u.thOfficer, intakeBody({ holdingCountry: 'TH', externalRef: `TH-${randomUUID()}` }))
    ).body.caseId as string;
    const missing = randomUUID();
    const officer = u.user('officer', 'KH', 10);
    const res = await t.stack.api.post('/v1/transfers', officer, transferBody([thCase, missing]));
    // No case could join: the batch is closed at once and the answer lists each refusal.
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NO_CASE_ACCEPTED');
    expect(res.body.error.details.cases.map((c: { accepted: boolean }) => c.accepted)).toEqual([false, false]);

    const seen = (await auditView(u.user('auditor', 'KH', 10), `actor=${officer.sub}&action=request.denied`)).reverse();
    expect(seen.map((e) => e.objectIds)).toEqual([[thCase], [missing]]);
    expect(shape(seen[0])).toEqual(shape(seen[1]));
    const atHolding = await auditView(u.user('auditor', 'TH', 10), `objectId=${thCase}&actor=${officer.sub}`);
    expect(atHolding.map((e) => [e.action, (e.details as { route: string }).route])).toEqual([['request.denied', 'POST /v1/transfers']]);
  });

  it('bulk intake: an item held by another country is refused and logged', async () => {
    const officer = u.user('officer', 'KH', 11);
    const op = await t.stack.api.post('/v1/operations', officer, {
      name: `op ${randomUUID()}`,
      leadCountry: 'KH',
      participatingCountries: ['KH', 'CN', 'TH'],
    });
    expect(op.status).toBe(201);
    const foreign = intakeBody({ holdingCountry: 'TH', externalRef: `TH-${randomUUID()}` });
    const res = await t.stack.api.post(`/v1/operations/${op.body.id}/intake`, officer, { cases: [intakeBody(), foreign] });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['created', 'rejected']);
    const denied = await entriesBy(officer.sub, 'request.denied');
    expect(denied.map((e) => [e.outcome, e.scopeCountries, e.details])).toEqual([
      [
        'denied',
        ['KH'],
        { route: 'POST /v1/operations/:id/intake', bulk: true, index: 1, externalRef: foreign.externalRef, status: 403, code: 'FORBIDDEN' },
      ],
    ]);
  });
});

describe("verifying the chain stays in the caller's scope", () => {
  it('an auditor learns whether the chain holds and counts of their own scope; admins get the whole chain', async () => {
    await t.steps.open();
    const laOfficer = u.user('officer', 'LA', 12);
    await t.stack.api.get(`/v1/cases/${randomUUID()}`, laOfficer);
    const khAuditor = u.user('auditor', 'KH', 12);
    const scoped = await t.stack.api.get('/v1/audit/verify', khAuditor);
    expect(scoped.status).toBe(200);
    expect(scoped.body).toMatchObject({ ok: true, scope: 'KH' });
    expect(scoped.body).not.toHaveProperty('head');
    const whole = await t.stack.api.get('/v1/audit/verify', u.admin);
    expect(whole.body).toMatchObject({ ok: true, head: { seq: expect.any(Number) } });
    // The LA refusal (and others' entries) are in the whole chain, not in KH's count.
    expect(scoped.body.entries).toBeLessThan(whole.body.entries);
  });

  describe('on a tampered chain', () => {
    let scratch: ScratchDatabase;
    beforeAll(async () => {
      scratch = await createScratchDatabase();
    });
    afterAll(() => scratch?.drop());

    it('the place of a break is told only to auditors whose scope it is in', async () => {
      const entries: AuditEntry[] = Array.from({ length: 10 }, (_, n) => ({
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
        actor: n < 5 ? u.khOfficer : u.vnOfficer,
        action: 'case.read',
        objectIds: [`case-${n}`],
        outcome: 'ok',
        purpose: `entry ${n + 1}`,
        details: { n },
      }));
      for (const entry of entries) await appendAudit(scratch.database.db, [entry]);
      await sealAudit(scratch.database.db, TEST_AUDIT_KEY);
      expect(await verifyAudit(scratch.database.db, TEST_AUDIT_KEY, 'KH')).toEqual({ ok: true, scope: 'KH', entries: 5, unsealed: 0 });
      await scratch.sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`update audit_log set purpose = 'nothing to see' where seq = 8`;
      });
      const kh = await verifyAudit(scratch.database.db, TEST_AUDIT_KEY, 'KH');
      expect(kh).toMatchObject({ ok: false, scope: 'KH', entries: 5, reason: 'altered' });
      expect(kh).not.toHaveProperty('firstInvalidSeq');
      expect(kh.ok === false && kh.message).not.toMatch(/\d/);
      expect(await verifyAudit(scratch.database.db, TEST_AUDIT_KEY, 'VN')).toMatchObject({
        ok: false,
        entries: 5,
        firstInvalidSeq: 8,
        reason: 'altered',
      });
      expect(await verifyAudit(scratch.database.db, TEST_AUDIT_KEY)).toMatchObject({ ok: false, entries: 10, firstInvalidSeq: 8 });
    });
  });
});
