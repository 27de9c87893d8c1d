// The safeguard clocks on the time-skipping test server: screening deadline, consular notification,
// and the custody clock with and without holds and extensions.
import { describe, expect, it } from 'vitest';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useTimeSkippingStack } from './helpers/time-skipping.js';

const DAY = 24 * 3600_000;
const u = makeUsers();
const t = useTimeSkippingStack(u);

const detail = async (caseId: string) => (await t.stack.api.get(`/v1/cases/${caseId}`, u.admin)).body;
const count = async (caseId: string, type: string) => (await t.steps.events(caseId)).filter((e) => e.type === type).length;

/** A case opened in an operation with a short custody limit, arrested just now. */
async function openWithCustodyLimit(days: number, extra: Record<string, unknown> = {}) {
  const op = await t.stack.api.post('/v1/operations', u.khSupervisor, {
    name: 'Custody clock',
    leadCountry: 'KH',
    participatingCountries: ['KH', 'CN'],
    custodyLimitDays: days,
  });
  return t.steps.open({ operationId: op.body.id, arrest: { at: new Date().toISOString(), place: 'Kandal', allegations: [] }, ...extra });
}

describe('screening deadline', () => {
  it('escalates a screening not done in 72 hours', async () => {
    const caseId = await t.steps.open();
    await t.steps.verify(caseId);
    await t.env.sleep(3 * DAY + 60_000);
    await expect.poll(() => count(caseId, 'SCREENING_OVERDUE')).toBe(1);
    expect(await detail(caseId)).toMatchObject({ status: 'SCREENING_PENDING', overdue: true, overdueReasons: ['screening'] });
    expect((await t.steps.screen(caseId)).overdueReasons).toEqual([]);
  });
});

describe('consular notification', () => {
  it('not done within 24 hours escalates, daily, until it is recorded', async () => {
    const body = intakeBody();
    delete (body as Record<string, unknown>).consularNotice;
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, body);
    const caseId = opened.body.caseId;
    await t.env.sleep(DAY - 60_000);
    expect((await detail(caseId)).overdue).toBe(false);
    await t.env.sleep(2 * 60_000);
    await expect.poll(() => count(caseId, 'CONSULAR_NOTICE_OVERDUE')).toBe(1);
    expect(await detail(caseId)).toMatchObject({ overdue: true, overdueReasons: ['consular'] });
    await t.env.sleep(DAY);
    await expect.poll(() => count(caseId, 'CONSULAR_NOTICE_OVERDUE')).toBe(2);
    const recorded = await t.stack.api.post(`/v1/cases/${caseId}/consular-notice`, u.khOfficer, {
      notifiedAt: new Date().toISOString(),
      channel: 'diplomatic note',
      accessRequested: false,
    });
    expect(recorded.body).toMatchObject({ overdue: false, overdueReasons: [] });
    await t.env.sleep(3 * DAY);
    expect(await count(caseId, 'CONSULAR_NOTICE_OVERDUE')).toBe(2);
  });
});

describe('custody clock', () => {
  it('past the limit without a decision, escalates every day until a supervisor records release', async () => {
    const caseId = await openWithCustodyLimit(10);
    await t.env.sleep(10 * DAY - 60_000);
    expect(await count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(0);
    await t.env.sleep(2 * 60_000);
    await expect.poll(() => count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(1);
    expect((await detail(caseId)).overdueReasons).toContain('custody');
    await t.env.sleep(DAY);
    await expect.poll(() => count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(2);
    const released = await t.stack.api.post(`/v1/cases/${caseId}/release`, u.khSupervisor, { reason: 'custody limit exceeded' });
    expect(released.body).toMatchObject({ status: 'RELEASED', overdue: false });
  });

  it('stops once the case has its decision', async () => {
    const caseId = await openWithCustodyLimit(10);
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    await t.steps.decide(caseId, u.cnSupervisor);
    await t.env.sleep(12 * DAY);
    expect(await count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(0);
    expect((await detail(caseId)).deadlines.custodyDueAt).toBeNull();
  });

  it('one extension moves the limit', async () => {
    const caseId = await openWithCustodyLimit(10);
    await t.env.sleep(9 * DAY);
    await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor, { days: 5, reason: 'registry reply expected' });
    await t.env.sleep(5 * DAY);
    expect(await count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(0);
    await t.env.sleep(DAY + 60_000);
    await expect.poll(() => count(caseId, 'CUSTODY_LIMIT_EXCEEDED')).toBe(1);
  });

  it('a medical hold stops the clock for its length; a protection claim never does', async () => {
    const medical = await openWithCustodyLimit(10);
    const claimed = await openWithCustodyLimit(10);
    const dueBefore = Date.parse((await detail(medical)).deadlines.custodyDueAt);
    const hold = await t.stack.api.post(`/v1/cases/${medical}/holds`, u.khOfficer, { kind: 'medical', reason: 'surgery' });
    const claim = await t.stack.api.post(`/v1/cases/${claimed}/protection-claims`, u.khOfficer, { grounds: 'risk of torture' });
    expect(claim.status).toBe(201);
    await t.env.sleep(4 * DAY);
    const lifted = await t.stack.api.post(`/v1/cases/${medical}/holds/${hold.body.holdId}/lift`, u.khOfficer, {});
    const moved = Date.parse(lifted.body.deadlines.custodyDueAt) - dueBefore;
    expect(moved).toBeGreaterThanOrEqual(4 * DAY);
    expect(moved).toBeLessThan(4 * DAY + 60_000);
    await t.env.sleep(6 * DAY + 60_000);
    // The claimant's 10 days are up; the patient has 4 more.
    await expect.poll(() => count(claimed, 'CUSTODY_LIMIT_EXCEEDED')).toBe(1);
    expect(await count(medical, 'CUSTODY_LIMIT_EXCEEDED')).toBe(0);
    expect((await detail(claimed)).status).toBe('ON_HOLD');
    await t.env.sleep(4 * DAY);
    await expect.poll(() => count(medical, 'CUSTODY_LIMIT_EXCEEDED')).toBe(1);
  });
});
