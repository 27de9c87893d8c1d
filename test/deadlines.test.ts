// Deadlines on the time-skipping test server: days pass in moments. A breached deadline marks the
// case overdue and escalates again and again; it never decides anything on anyone's behalf.
import { describe, expect, it } from 'vitest';
import { makeUsers } from './helpers/fixtures.js';
import { useTimeSkippingStack } from './helpers/time-skipping.js';

const DAY = 24 * 3600_000;
const u = makeUsers();
const t = useTimeSkippingStack(u);

const detail = async (caseId: string) => (await t.stack.api.get(`/v1/cases/${caseId}`, u.admin)).body;
const eventsOf = async (caseId: string, type: string) => (await t.steps.events(caseId)).filter((e) => e.type === type);

describe('approval deadline', () => {
  it('passes: the case is overdue and escalated every 48 hours, and nothing is approved', async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);

    await t.env.sleep(4 * DAY);
    expect(await detail(caseId)).toMatchObject({ status: 'APPROVAL_PENDING', overdue: false });

    await t.env.sleep(1 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).overdue).toBe(true);
    const overdue = await detail(caseId);
    expect(overdue).toMatchObject({ status: 'APPROVAL_PENDING', overdueReasons: ['approval'], escalations: 1 });
    const first = await eventsOf(caseId, 'APPROVAL_OVERDUE');
    expect(first).toHaveLength(1);
    expect(first[0].data).toMatchObject({ escalation: 1, pendingSides: ['destination'] });

    const listed = await t.stack.api.get(`/v1/cases?overdue=true&status=APPROVAL_PENDING&limit=500`, u.khSupervisor);
    expect(listed.body.items.map((c: { caseId: string }) => c.caseId)).toContain(caseId);

    await t.env.sleep(2 * DAY);
    await expect.poll(async () => (await eventsOf(caseId, 'APPROVAL_OVERDUE')).length).toBe(2);
    await t.env.sleep(2 * DAY);
    await expect.poll(async () => (await eventsOf(caseId, 'APPROVAL_OVERDUE')).length).toBe(3);
    expect(await detail(caseId)).toMatchObject({ status: 'APPROVAL_PENDING', escalations: 3, decisions: { destination: null } });

    // A late decision still counts, and clears the overdue mark.
    const approved = await t.steps.decide(caseId, u.cnSupervisor);
    expect(approved).toMatchObject({ status: 'APPROVED', overdue: false, overdueReasons: [] });
  });
});

describe('identity deadline', () => {
  it('escalates the pending verification without failing the case', async () => {
    const caseId = await t.steps.open();
    await t.env.sleep(7 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).overdue).toBe(true);
    expect(await detail(caseId)).toMatchObject({ status: 'IDENTITY_PENDING', overdueReasons: ['identity'] });
    expect(await eventsOf(caseId, 'IDENTITY_OVERDUE')).toHaveLength(1);
    const verified = await t.steps.verify(caseId);
    expect(verified).toMatchObject({ status: 'SCREENING_PENDING', overdue: false });
  });
});

describe('handover deadline', () => {
  it('a case not handed over in 3 days fails its transfer and the person is MISSING, escalated, until located', async () => {
    const caseId = await t.steps.approved();
    const { transferId } = await t.steps.transfer([caseId]);
    await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    await t.env.sleep(3 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).status).toBe('MISSING');
    expect(await detail(caseId)).toMatchObject({ transferAttempts: 1, transferId: null, overdue: true, overdueReasons: ['missing'] });
    const [failed] = await eventsOf(caseId, 'TRANSFER_FAILED');
    expect(failed.data).toMatchObject({ transferId, cause: 'HANDOVER_DEADLINE_PASSED' });
    // The batch learns of it and completes.
    await expect.poll(async () => (await t.stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer)).body.status).toBe('COMPLETED');
    const batch = await t.stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer);
    expect(batch.body.cases).toEqual([expect.objectContaining({ caseId, outcome: 'failed' })]);
  });
});
