// The audit log: what is logged (reads with their purpose and recipient, changes, refusals), that it
// is append-only and written with the change it records, and that the verifier names the exact
// entry that was altered, removed, inserted or reordered.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { and, arrayContains, desc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditTrail } from '../api/audit.js';
import { appendAudit, sealAudit, verifyAudit, type AuditEntry } from '../db/audit.js';
import { insertIntakes } from '../db/intake.js';
import { applyCaseChange } from '../db/projection.js';
import { auditLog, caseEvents, cases } from '../db/schema.js';
import { initialCaseSnapshot } from '../workflows/definitions.js';
import { TEST_AUDIT_KEY, TEST_PROTECT, testApp } from './helpers/api.js';
import { makeUsers, workflowInput } from './helpers/fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-db.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();

const t = useStack(u);

async function entriesFor(objectId: string) {
  return t.stack.database.db
    .select()
    .from(auditLog)
    .where(arrayContains(auditLog.objectIds, [objectId]))
    .orderBy(auditLog.id);
}

describe('what is logged', () => {
  it('reads of personal data need a purpose, and are logged with it — as disclosures when another country reads', async () => {
    const caseId = await t.steps.open();
    for (const path of [`/v1/cases/${caseId}`, `/v1/cases/${caseId}/events`, '/v1/cases?limit=5']) {
      const refused = await t.stack.api.call('get', path, { as: u.khOfficer, purpose: null });
      expect(refused.status, path).toBe(400);
      expect(refused.body.error.code).toBe('PURPOSE_REQUIRED');
      expect((await t.stack.api.call('get', path, { as: u.khOfficer, purpose: '   ' })).status).toBe(400);
    }
    await t.stack.api.call('get', `/v1/cases/${caseId}`, { as: u.khOfficer, purpose: 'preparing the hearing' });
    await t.stack.api.call('get', `/v1/cases/${caseId}/events`, { as: u.cnOfficer, purpose: 'verifying nationality' });
    const reads = (await entriesFor(caseId)).filter((e) => e.action.endsWith('read'));
    expect(reads.map((e) => [e.action, e.actorSub, e.purpose, e.recipientCountry, e.outcome])).toEqual([
      ['case.read', u.khOfficer.sub, 'preparing the hearing', null, 'ok'],
      ['case.timeline.read', u.cnOfficer.sub, 'verifying nationality', 'CN', 'ok'],
    ]);
    const list = await t.stack.api.call('get', `/v1/cases?limit=500&holdingCountry=KH`, { as: u.cnOfficer, purpose: 'weekly review' });
    expect(list.status).toBe(200);
    const [listed] = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'case.list'), eq(auditLog.actorSub, u.cnOfficer.sub)))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(listed).toMatchObject({ purpose: 'weekly review', recipientCountry: 'CN' });
    expect(listed.objectIds).toEqual(list.body.items.map((c: { caseId: string }) => c.caseId));
  });

  it('every change is logged with its actor, and no entry carries a name or document number', async () => {
    const caseId = await t.steps.approved();
    const changes = (await entriesFor(caseId)).filter((e) => e.action === 'case.open' || e.action === 'case.change');
    expect(changes.map((e) => [e.action, (e.details as { event?: string } | null)?.event ?? null, e.actorSub])).toEqual([
      ['case.open', null, u.khOfficer.sub],
      ['case.change', 'IDENTITY_CONFIRMED', u.cnOfficer.sub],
      ['case.change', 'SCREENED', u.khOfficer.sub],
      ['case.change', 'DECISION_RECORDED', u.khSupervisor.sub],
      ['case.change', 'APPROVED', u.cnSupervisor.sub],
    ]);
    const detail = (await t.stack.api.get(`/v1/cases/${caseId}`, u.admin)).body;
    const logged = JSON.stringify(await entriesFor(caseId));
    expect(logged).not.toContain(detail.person.fullName);
    expect(logged).not.toContain(detail.person.documents[0].number);
  });

  it('failed authentications and refused requests are logged', async () => {
    const caseId = await t.steps.open();
    await t.stack.api.call('get', `/v1/cases/${caseId}`, { as: u.vnOfficer });
    await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khOfficer, { decision: 'approve' });
    const probes = (await entriesFor(caseId)).filter((e) => e.outcome === 'denied');
    // One entry in the prober's country (as for an id that does not exist), one for the case's countries.
    expect(probes.map((e) => [e.action, e.actorSub, e.scopeCountries])).toEqual([
      ['request.denied', u.vnOfficer.sub, ['VN']],
      ['request.denied', u.vnOfficer.sub, ['CN', 'KH']],
    ]);
    const refused = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'request.denied'), eq(auditLog.actorSub, u.khOfficer.sub)));
    expect(refused.map((e) => (e.details as { status: number }).status)).toContain(403);
    const before = (await t.stack.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.failed'))).length;
    await t.stack.api.call('get', '/v1/cases', { headers: { Authorization: 'Bearer forged.token.here' } });
    await expect
      .poll(async () => (await t.stack.database.db.select().from(auditLog).where(eq(auditLog.action, 'auth.failed'))).length)
      .toBe(before + 1);
  });

  it('auditors read the log of their own country and verify the chain; others may not', async () => {
    const caseId = await t.steps.open();
    const page = await t.stack.api.get(`/v1/audit?objectId=${caseId}`, u.khAuditor);
    expect(page.status).toBe(200);
    expect(page.body.items.map((i: { action: string }) => i.action)).toContain('case.open');
    const vnAuditor = u.user('auditor', 'VN');
    expect((await t.stack.api.get(`/v1/audit?objectId=${caseId}`, vnAuditor)).body.items).toEqual([]);
    expect((await t.stack.api.get('/v1/audit', u.khOfficer)).status).toBe(403);
    expect((await t.stack.api.get('/v1/audit/verify', u.khSupervisor)).status).toBe(403);
    const verified = await t.stack.api.get('/v1/audit/verify', u.khAuditor);
    // Other test files write entries all the while: some may arrive after the seal.
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.entries).toBeGreaterThan(0);
  });
});

describe('append-only, and written with what it records', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(() => scratch?.drop());

  const intake = () => workflowInput(u.khOfficer, { fullName: 'Audit Person', documents: [] });

  it('the database refuses UPDATE, DELETE and TRUNCATE of audit entries, even to its owner', async () => {
    await appendAudit(scratch.database.db, [{ at: new Date().toISOString(), actor: u.admin, action: 'test.entry', outcome: 'ok' }]);
    await expect(scratch.sql`update audit_log set action = 'rewritten'`).rejects.toThrow(/append-only/);
    await expect(scratch.sql`delete from audit_log`).rejects.toThrow(/append-only/);
    await expect(scratch.sql`truncate audit_log`).rejects.toThrow(/append-only/);
    // Sealing an unsealed entry is the one update allowed, and only once.
    await sealAudit(scratch.database.db, TEST_AUDIT_KEY);
    await expect(scratch.sql`update audit_log set seq = seq + 100`).rejects.toThrow(/append-only/);
  });

  it('a change whose audit entry cannot be written is not made', async () => {
    const i = intake();
    await insertIntakes(scratch.database.db, [i], TEST_PROTECT);
    await scratch.sql`alter table audit_log add constraint refuse_changes check (action <> 'case.change') not valid`;
    try {
      const change = {
        caseId: i.caseId,
        holdingCountry: 'KH',
        seq: 1,
        snapshot: { ...initialCaseSnapshot(i), status: 'CANCELLED' as const },
        event: {
          type: 'CANCELLED',
          fromStatus: 'IDENTITY_PENDING' as const,
          toStatus: 'CANCELLED' as const,
          actor: u.khSupervisor,
          reason: 'x',
          data: null,
          at: new Date().toISOString(),
        },
      };
      await expect(applyCaseChange(scratch.database.db, change)).rejects.toThrow();
      const [row] = await scratch.database.db.select({ status: cases.status }).from(cases).where(eq(cases.id, i.caseId));
      expect(row.status).toBe('IDENTITY_PENDING');
      const events = await scratch.database.db.select().from(caseEvents).where(eq(caseEvents.caseId, i.caseId));
      expect(events.map((e) => e.type)).toEqual(['CASE_OPENED']);
    } finally {
      await scratch.sql`alter table audit_log drop constraint refuse_changes`;
    }
  });

  it('a read that cannot be logged is not served', async () => {
    const i = intake();
    await insertIntakes(scratch.database.db, [i], TEST_PROTECT);
    const api = testApp(scratch.database);
    expect((await api.get(`/v1/cases/${i.caseId}`, u.khOfficer)).status).toBe(200);
    await scratch.sql`alter table audit_log add constraint refuse_reads check (action <> 'case.read') not valid`;
    try {
      const res = await api.get(`/v1/cases/${i.caseId}`, u.khOfficer);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('AUDIT_UNAVAILABLE');
      expect(JSON.stringify(res.body)).not.toContain('Audit Person');
    } finally {
      await scratch.sql`alter table audit_log drop constraint refuse_reads`;
    }
  });
});

describe('tamper evidence', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(() => scratch?.drop());

  /** Ten sealed entries, freshly, for each tampering. */
  async function freshChain(): Promise<{ id: number; seq: number }[]> {
    await scratch.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`truncate audit_log`;
      await tx`delete from audit_head`;
    });
    const entries: AuditEntry[] = Array.from({ length: 10 }, (_, n) => ({
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      actor: u.khOfficer,
      action: 'case.read',
      objectIds: [`case-${n}`],
      outcome: 'ok',
      purpose: `entry ${n + 1}`,
      scopeCountries: ['KH'],
      details: { n },
    }));
    for (const entry of entries) await appendAudit(scratch.database.db, [entry]);
    await sealAudit(scratch.database.db, TEST_AUDIT_KEY);
    expect(await verifyAudit(scratch.database.db, TEST_AUDIT_KEY)).toMatchObject({ ok: true, entries: 10 });
    return scratch.sql<{ id: number; seq: number }[]>`select id::int, seq::int from audit_log order by seq`;
  }

  /** Runs SQL as someone who can switch the append-only trigger off. */
  const tamper = (fn: (tx: typeof scratch.sql) => Promise<unknown>) =>
    scratch.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await fn(tx as unknown as typeof scratch.sql);
    });
  const verify = () => verifyAudit(scratch.database.db, TEST_AUDIT_KEY);

  it('names an altered entry', async () => {
    await freshChain();
    await tamper((tx) => tx`update audit_log set purpose = 'nothing to see' where seq = 4`);
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 4, reason: 'altered' });
  });

  it('names a removed entry', async () => {
    await freshChain();
    await tamper((tx) => tx`delete from audit_log where seq = 6`);
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 6, reason: 'removed' });
  });

  it('names a removed entry even when the rest were renumbered to hide the gap', async () => {
    await freshChain();
    await tamper(async (tx) => {
      await tx`delete from audit_log where seq = 3`;
      await tx`update audit_log set seq = seq - 1 where seq > 3`;
    });
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 3, reason: 'removed' });
  });

  it('names an inserted entry', async () => {
    const rows = await freshChain();
    await tamper(async (tx) => {
      await tx`update audit_log set seq = -seq where seq >= 5`;
      await tx`update audit_log set seq = -seq + 1 where seq < 0`;
      const [before] = await tx`select hash from audit_log where seq = 4`;
      await tx`insert into audit_log (at, actor_sub, action, object_ids, outcome, scope_countries, seq, prev_hash, hash)
               values (now(), 'intruder', 'case.read', '{}', 'ok', '{KH}', 5, ${before.hash}, ${'ab'.repeat(32)})`;
    });
    expect(rows).toHaveLength(10);
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 5, reason: 'inserted' });
  });

  it('names a reordered entry', async () => {
    await freshChain();
    await tamper(async (tx) => {
      await tx`update audit_log set seq = 1000 where seq = 7`;
      await tx`update audit_log set seq = 7 where seq = 8`;
      await tx`update audit_log set seq = 8 where seq = 1000`;
    });
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 7, reason: 'reordered' });
  });

  it('notices the newest entries cut off, and a head signed without the key', async () => {
    await freshChain();
    await tamper((tx) => tx`delete from audit_log where seq >= 9`);
    expect(await verify()).toMatchObject({ ok: false, firstInvalidSeq: 9, reason: 'truncated' });
    await freshChain();
    await tamper((tx) => tx`update audit_head set seq = 8, hash = (select hash from audit_log where seq = 8)`);
    expect(await verify()).toMatchObject({ ok: false, reason: 'head-signature' });
  });

  it('holds while other processes append and seal: a verification reads the chain and its head as of one moment', async () => {
    await freshChain();
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await appendAudit(scratch.database.db, [
          { at: new Date().toISOString(), actor: u.khOfficer, action: 'case.read', outcome: 'ok', objectIds: [`w-${n}`], scopeCountries: ['KH'] },
        ]);
        await sealAudit(scratch.database.db, TEST_AUDIT_KEY);
      }
    })();
    try {
      const results = [];
      for (let i = 0; i < 40; i++) results.push(await verify());
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results[results.length - 1].entries).toBeGreaterThan(results[0].entries);
    } finally {
      writing = false;
      await writer;
    }
  });

  it('npm run audit:verify says the same, with its exit code', async () => {
    await freshChain();
    const env = { ...process.env, DATABASE_URL: scratch.url, AUDIT_KEY: TEST_AUDIT_KEY, LOG_LEVEL: 'error' };
    const ok = await promisify(execFile)('npx', ['tsx', 'scripts/audit-verify.ts'], { env });
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, entries: 10 });
    await tamper((tx) => tx`update audit_log set action = 'case.list' where seq = 2`);
    const failed = await promisify(execFile)('npx', ['tsx', 'scripts/audit-verify.ts'], { env }).catch(
      (err: { code: number; stdout: string }) => err,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect(JSON.parse((failed as { stdout: string }).stdout)).toMatchObject({ ok: false, firstInvalidSeq: 2, reason: 'altered' });
  });
});

describe('the audit trail of the API', () => {
  it('refuses only the answer whose entry the store refuses, not the others written in the same insert', async () => {
    const trail = createAuditTrail(t.stack.database.db);
    const refusedSub = `refused-${Date.now().toString(36)}`;
    const constraint = `refuse_${refusedSub.replace(/\W/g, '_')}`;
    await t.stack.database.db.execute(
      sql.raw(`alter table audit_log add constraint ${constraint} check (actor_sub <> '${refusedSub}') not valid`),
    );
    try {
      const entry = (sub: string): AuditEntry => ({
        at: new Date().toISOString(),
        actor: { sub, role: 'officer', country: 'KH' },
        action: 'case.read',
        outcome: 'ok',
      });
      const keptSub = `kept-${Date.now().toString(36)}`;
      // Recorded in the same tick: one insert, which the constraint fails as a whole.
      const [kept, refused] = await Promise.allSettled([trail.record(entry(keptSub)), trail.record(entry(refusedSub))]);
      expect(kept.status).toBe('fulfilled');
      expect(refused).toMatchObject({ status: 'rejected', reason: { status: 503, code: 'AUDIT_UNAVAILABLE' } });
      const stored = await t.stack.database.db.select({ sub: auditLog.actorSub }).from(auditLog).where(eq(auditLog.actorSub, keptSub));
      expect(stored).toEqual([{ sub: keptSub }]);
    } finally {
      await t.stack.database.db.execute(sql.raw(`alter table audit_log drop constraint ${constraint}`));
    }
  });
});
