// Activities run at least once. A retried activity — even one whose write committed before the
// worker lost the answer — leaves exactly one row and one event.
import { and, count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { TEST_PROTECT } from './helpers/api.js';
import { insertIntakes } from '../db/intake.js';
import { applyCaseChange, type CaseChange } from '../db/projection.js';
import { caseEvents, cases, decisions, identityChecks, persons, personDocuments } from '../db/schema.js';
import { initialCaseSnapshot } from '../workflows/definitions.js';
import { makeUsers, workflowInput } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
/** Cases whose every persistCaseChange "loses" its first answer after committing. */
const flaky = new Set<string>();
const lostAnswers: string[] = [];

const t = useStack(u, {
    activities: (real) => {
      const seen = new Set<string>();
      return {
        ...real,
        async persistCaseChange(change) {
          await real.persistCaseChange(change);
          const key = `${change.caseId}:${change.seq}`;
          if (flaky.has(change.caseId) && !seen.has(key)) {
            seen.add(key);
            lostAnswers.push(key);
            throw new Error('worker lost the answer after the write committed');
          }
        },
      };
    },
  });

async function countWhere(table: typeof caseEvents | typeof decisions | typeof identityChecks, caseId: string) {
  const [row] = await t.stack.database.db.select({ n: count() }).from(table).where(eq(table.caseId, caseId));
  return Number(row.n);
}

describe('retried activities', () => {
  it('each step retried after a lost answer is recorded exactly once', async () => {
    const body = (await import('./helpers/fixtures.js')).intakeBody();
    const { caseIdFor } = await import('../api/intake.js');
    const caseId = caseIdFor('KH', body.externalRef);
    flaky.add(caseId);
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, body);
    expect(opened.status).toBe(201);
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    await t.steps.decide(caseId, u.cnSupervisor);
    expect(lostAnswers.filter((k) => k.startsWith(caseId))).toEqual([
      `${caseId}:1`,
      `${caseId}:2`,
      `${caseId}:3`,
      `${caseId}:4`,
    ]);
    const events = await t.steps.events(caseId);
    expect(events.map((e) => e.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED', 'SCREENED', 'DECISION_RECORDED', 'APPROVED']);
    expect(await countWhere(caseEvents, caseId)).toBe(5);
    expect(await countWhere(decisions, caseId)).toBe(2);
    expect(await countWhere(identityChecks, caseId)).toBe(1);
    expect(await t.steps.status(caseId)).toBe('APPROVED');
  });
});

describe('the case store writers', () => {
  const input = () => workflowInput(u.khOfficer);

  it('an intake written twice (by the API and by the workflow) is one case, one person, one event', async () => {
    const i = input();
    const first = await insertIntakes(t.stack.database.db, [i], TEST_PROTECT);
    const second = await insertIntakes(t.stack.database.db, [i], TEST_PROTECT);
    expect([...first]).toEqual([i.caseId]);
    expect([...second]).toEqual([]);
    const db = t.stack.database.db;
    const [c] = await db.select({ n: count() }).from(cases).where(eq(cases.id, i.caseId));
    const [p] = await db.select({ n: count() }).from(persons).where(eq(persons.caseId, i.caseId));
    const [d] = await db.select({ n: count() }).from(personDocuments).where(eq(personDocuments.caseId, i.caseId));
    expect([Number(c.n), Number(p.n), Number(d.n), await countWhere(caseEvents, i.caseId)]).toEqual([1, 1, 1, 1]);
  });

  it('a change applied twice, or an older change after a newer one, never duplicates or goes back', async () => {
    const i = input();
    await insertIntakes(t.stack.database.db, [i], TEST_PROTECT);
    const base = initialCaseSnapshot(i);
    const change = (seq: number, status: CaseChange['snapshot']['status']): CaseChange => ({
      caseId: i.caseId,
      holdingCountry: 'KH',
      seq,
      snapshot: { ...base, status, updatedAt: new Date(Date.now() + seq).toISOString() },
      event: { type: `STEP_${seq}`, fromStatus: null, toStatus: status, actor: null, reason: null, data: null, at: new Date().toISOString() },
    });
    await applyCaseChange(t.stack.database.db, change(1, 'APPROVAL_PENDING'));
    await applyCaseChange(t.stack.database.db, change(2, 'APPROVED'));
    await applyCaseChange(t.stack.database.db, change(1, 'APPROVAL_PENDING'));
    await applyCaseChange(t.stack.database.db, change(2, 'APPROVED'));
    const [row] = await t.stack.database.db.select({ status: cases.status, version: cases.version }).from(cases).where(eq(cases.id, i.caseId));
    expect(row).toEqual({ status: 'APPROVED', version: 2 });
    const [events] = await t.stack.database.db
      .select({ n: count() })
      .from(caseEvents)
      .where(and(eq(caseEvents.caseId, i.caseId), eq(caseEvents.type, 'STEP_1')));
    expect(Number(events.n)).toBe(1);
    expect(await countWhere(caseEvents, i.caseId)).toBe(3);
  });
});
