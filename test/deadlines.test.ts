// Deadlines on the time-skipping test server: days pass in moments. A breached deadline marks the
// case overdue and escalates again and again; it never decides anything on anyone's behalf.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterEach, beforeEach, describe, expect, it, inject } from 'vitest';
import { ensureSearchAttributes } from '../lib/temporal.js';
import { TEST_DATA_CONVERTER } from './helpers/api.js';
import { caseSteps, makeUsers } from './helpers/fixtures.js';
import { quietRuntime, startStack, type Stack } from './helpers/stack.js';

const DAY = 24 * 3600_000;
let env: TestWorkflowEnvironment;
let stack: Stack;
const u = makeUsers();
let steps: ReturnType<typeof caseSteps>;

// A fresh time-skipping server per test: its clock starts at the wall clock, as the API's does, so
// deadlines computed at intake and timers in the workflow agree. Time moves only in env.sleep().
beforeEach(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    client: { dataConverter: TEST_DATA_CONVERTER },
  });
  await ensureSearchAttributes(env.connection, 'default');
  stack = await startStack({
    temporal: { client: env.client, connection: env.connection, nativeConnection: env.nativeConnection },
  });
  steps = caseSteps(stack.api, u);
});
afterEach(async () => {
  await stack?.stop();
  await env?.teardown();
});

const detail = async (caseId: string) => (await stack.api.get(`/v1/cases/${caseId}`, u.admin)).body;
const eventsOf = async (caseId: string, type: string) => (await steps.events(caseId)).filter((e) => e.type === type);

describe('approval deadline', () => {
  it('passes: the case is overdue and escalated every 48 hours, and nothing is approved', async () => {
    const caseId = await steps.open();
    await steps.toApproval(caseId);
    await steps.decide(caseId, u.khSupervisor);

    await env.sleep(4 * DAY);
    expect(await detail(caseId)).toMatchObject({ status: 'APPROVAL_PENDING', overdue: false });

    await env.sleep(1 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).overdue).toBe(true);
    const overdue = await detail(caseId);
    expect(overdue).toMatchObject({ status: 'APPROVAL_PENDING', overdueReasons: ['approval'], escalations: 1 });
    const first = await eventsOf(caseId, 'APPROVAL_OVERDUE');
    expect(first).toHaveLength(1);
    expect(first[0].data).toMatchObject({ escalation: 1, pendingSides: ['destination'] });

    const listed = await stack.api.get(`/v1/cases?overdue=true&status=APPROVAL_PENDING&limit=500`, u.khSupervisor);
    expect(listed.body.items.map((c: { caseId: string }) => c.caseId)).toContain(caseId);

    await env.sleep(2 * DAY);
    await expect.poll(async () => (await eventsOf(caseId, 'APPROVAL_OVERDUE')).length).toBe(2);
    await env.sleep(2 * DAY);
    await expect.poll(async () => (await eventsOf(caseId, 'APPROVAL_OVERDUE')).length).toBe(3);
    expect(await detail(caseId)).toMatchObject({ status: 'APPROVAL_PENDING', escalations: 3, decisions: { destination: null } });

    // A late decision still counts, and clears the overdue mark.
    const approved = await steps.decide(caseId, u.cnSupervisor);
    expect(approved).toMatchObject({ status: 'APPROVED', overdue: false, overdueReasons: [] });
  });
});

describe('identity deadline', () => {
  it('escalates the pending verification without failing the case', async () => {
    const caseId = await steps.open();
    await env.sleep(7 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).overdue).toBe(true);
    expect(await detail(caseId)).toMatchObject({ status: 'IDENTITY_PENDING', overdueReasons: ['identity'] });
    expect(await eventsOf(caseId, 'IDENTITY_OVERDUE')).toHaveLength(1);
    const verified = await steps.verify(caseId);
    expect(verified).toMatchObject({ status: 'SCREENING_PENDING', overdue: false });
  });
});

describe('handover deadline', () => {
  it('a case not handed over in 3 days fails its transfer and returns to APPROVED for the next one', async () => {
    const caseId = await steps.approved();
    const { transferId } = await steps.transfer([caseId]);
    await stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    await env.sleep(3 * DAY + 60_000);
    await expect.poll(async () => (await detail(caseId)).status).toBe('APPROVED');
    expect(await detail(caseId)).toMatchObject({ transferAttempts: 1, transferId: null });
    const [failed] = await eventsOf(caseId, 'TRANSFER_FAILED');
    expect(failed.data).toMatchObject({ transferId, cause: 'HANDOVER_DEADLINE_PASSED' });
    // The batch learns of it and completes.
    await expect.poll(async () => (await stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer)).body.status).toBe('COMPLETED');
    const batch = await stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer);
    expect(batch.body.cases).toEqual([expect.objectContaining({ caseId, outcome: 'failed' })]);
  });
});
