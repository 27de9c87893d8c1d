// Every way a decision can be refused — wrong role, wrong country, the opener approving, a
// different second decision, the wrong stage — answered with a clear error, the case unharmed.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { caseWorkflowId, submitDecisionUpdate } from '../workflows/definitions.js';
import { makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();

const t = useStack(u);

async function awaitingApproval(): Promise<string> {
  const caseId = await t.steps.open();
  await t.steps.toApproval(caseId);
  return caseId;
}

/** After a refusal the case still completes normally: the workflow took no harm. */
async function stillWorks(caseId: string) {
  const detail = await t.stack.api.get(`/v1/cases/${caseId}`, u.admin);
  if (!detail.body.decisions.holding) await t.steps.decide(caseId, u.khSupervisor);
  const after = await t.stack.api.get(`/v1/cases/${caseId}`, u.admin);
  if (!after.body.decisions.destination) await t.steps.decide(caseId, u.cnSupervisor);
  expect(await t.steps.status(caseId)).toBe('APPROVED');
}

describe('refused decisions', () => {
  it('an officer may not decide (403)', async () => {
    const caseId = await awaitingApproval();
    const res = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khOfficer, { decision: 'approve' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    await stillWorks(caseId);
  });

  it('a supervisor of an uninvolved country does not even see the case (404)', async () => {
    const caseId = await awaitingApproval();
    const res = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.vnSupervisor, { decision: 'approve' });
    expect(res.status).toBe(404);
    await stillWorks(caseId);
  });

  it('the claimed country decides only once nationality is verified (409)', async () => {
    const caseId = await t.steps.open();
    const res = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.cnSupervisor, { decision: 'approve' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('WRONG_STAGE');
    await t.steps.toApproval(caseId);
    await stillWorks(caseId);
  });

  it('the officer who opened the case may not approve it, even as a supervisor (403)', async () => {
    const opener = { ...u.khOfficer };
    const caseId = await awaitingApproval();
    const res = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, { ...opener, role: 'supervisor' }, { decision: 'approve' });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/opened the case/);
    await stillWorks(caseId);
  });

  it('a repeated decision answers 200 and changes nothing; a different one answers 409', async () => {
    const caseId = await awaitingApproval();
    await t.steps.decide(caseId, u.khSupervisor);
    const repeat = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor2, { decision: 'approve' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.decisions.holding.by).toBe(u.khSupervisor.sub);
    const different = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'reject', reason: 'changed my mind' });
    expect(different.status).toBe(409);
    expect(different.body.error.code).toBe('CONFLICT');
    const decided = (await t.steps.events(caseId)).filter((e) => e.type === 'DECISION_RECORDED');
    expect(decided).toHaveLength(1);
    await stillWorks(caseId);
  });

  it('a decision before identity is verified, or after the case closed, is the wrong stage (409)', async () => {
    const caseId = await t.steps.open();
    const early = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'approve' });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('WRONG_STAGE');
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor, 'reject', 'insufficient evidence');
    const late = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.cnSupervisor, { decision: 'approve' });
    expect(late.status).toBe(409);
    // The rejecting side repeating itself is still a harmless repeat, even on a closed case.
    const repeat = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'reject', reason: 'again' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.status).toBe('REJECTED');
  });

  it('a rejection without a reason is bad input (400)', async () => {
    const caseId = await awaitingApproval();
    const res = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'reject' });
    expect(res.status).toBe(400);
    await stillWorks(caseId);
  });

  it('the workflow itself refuses a bad update through its validator, without touching history', async () => {
    const caseId = await awaitingApproval();
    const handle = t.stack.client.workflow.getHandle(caseWorkflowId(caseId));
    const before = (await handle.fetchHistory()).events?.length ?? 0;
    const attempts = [
      { actor: u.khOfficer, decision: 'approve' as const },
      { actor: { ...u.khOfficer, role: 'supervisor' as const }, decision: 'approve' as const },
      { actor: u.thSupervisor, decision: 'approve' as const },
      { actor: u.khSupervisor, decision: 'reject' as const, reason: '' },
    ];
    for (const attempt of attempts) {
      const err = await handle.executeUpdate(submitDecisionUpdate, { args: [attempt] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((err as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
      expect(['Forbidden', 'InvalidInput']).toContain(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type);
    }
    const after = (await handle.fetchHistory()).events?.length ?? 0;
    expect(after).toBe(before);
    await stillWorks(caseId);
  });
});
