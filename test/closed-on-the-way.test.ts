// A step that closes its case ends the case's workflow. A client repeating that step (its first
// answer lost: an API process gone, a timeout) can find the workflow closing while its repeat is on
// the way; Temporal then aborts the repeat ("workflow update was aborted by closing workflow").
// The API answers such a repeat from the store, as the step it repeats, not 404 or 409. Here the
// gateway lets the real update through and then reports that abort, as in the fault suite.
import { WorkflowNotFoundError } from '@temporalio/common';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTemporalGateway, type TemporalGateway } from '../api/temporal.js';
import { cancelCaseUpdate, caseWorkflowId, submitDecisionUpdate } from '../workflows/definitions.js';
import { testApp, type Api } from './helpers/api.js';
import { caseSteps, makeUsers } from './helpers/fixtures.js';
import { connectToDevServer, useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);
/** Updates of these kinds are applied, then answered as aborted by the closing workflow. */
const abortAfter = new Set<string>();
let api: ReturnType<typeof caseSteps>;
let front: Api;

async function frontApp(): Promise<Api> {
  const real = createTemporalGateway({ ...(await connectToDevServer()), taskQueue: t.stack.taskQueue, callTimeoutMs: 60_000 });
  const gateway: TemporalGateway = {
    ...real,
    async updateCase(caseId, update, arg) {
      const result = await real.updateCase(caseId, update, arg);
      if (abortAfter.has(update.name)) throw new WorkflowNotFoundError('workflow update was aborted by closing workflow', caseWorkflowId(caseId), undefined);
      return result;
    },
  };
  return testApp(t.stack.database, { temporal: gateway, timings: t.stack.timings });
}

beforeAll(async () => {
  front = await frontApp();
  api = caseSteps(front, u);
});

describe('a repeat that finds its case closing', () => {
  it('a rejection answers the rejected case; a cancellation the cancelled case', async () => {
    abortAfter.add(submitDecisionUpdate.name);
    abortAfter.add(cancelCaseUpdate.name);
    const rejected = await api.open();
    await api.toApproval(rejected);
    const res = await front.post(`/v1/cases/${rejected}/decisions`, u.khSupervisor, { decision: 'reject', reason: 'identity documents forged' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('REJECTED');

    const bulk = await api.open();
    await api.toApproval(bulk);
    const many = await front.post('/v1/decisions', u.khSupervisor, { caseIds: [bulk], decision: 'approve' });
    expect(many.body.results).toEqual([expect.objectContaining({ caseId: bulk, ok: true, status: 'APPROVAL_PENDING' })]);

    const cancelled = await api.open();
    const cancel = await front.post(`/v1/cases/${cancelled}/cancel`, u.khSupervisor, { reason: 'transferred to a court process' });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(cancel.body.status).toBe('CANCELLED');
  });

  it('a step the store does not show stays refused: the case is closed', async () => {
    abortAfter.clear();
    const caseId = await api.open();
    await api.toApproval(caseId);
    await api.decide(caseId, u.khSupervisor, 'reject', 'identity documents forged');
    const other = await front.post(`/v1/cases/${caseId}/decisions`, u.cnSupervisor, { decision: 'approve' });
    expect(other.status).toBe(409);
  });
});
