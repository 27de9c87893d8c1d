// The case workflow alone on the time-skipping test server, its store write (persistCaseChange)
// stubbed: the changes it records, in order, without the API or the database.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Activities } from '../activities/index.js';
import { ensureSearchAttributes } from '../lib/temporal.js';
import {
  CASE_WORKFLOW_TYPE,
  assignTransferUpdate,
  caseStateQuery,
  caseWorkflowId,
  confirmDepartureUpdate,
  confirmHandoverUpdate,
  liftHoldUpdate,
  placeHoldUpdate,
  screenCaseUpdate,
  submitDecisionUpdate,
  verifyIdentityUpdate,
  type CaseView,
  type CaseWorkflowInput,
} from '../workflows/definitions.js';
import { TEST_DATA_CONVERTER } from './helpers/api.js';
import { makeUsers, workflowInput } from './helpers/fixtures.js';
import { quietRuntime } from './helpers/stack.js';

type CaseChange = Parameters<Activities['persistCaseChange']>[0];

const DAY = 86_400_000;
const u = makeUsers();
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let taskQueue: string;
/** Every change the workflow recorded, by case. */
let recorded: Map<string, CaseChange[]>;

beforeEach(async () => {
  quietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    client: { dataConverter: TEST_DATA_CONVERTER },
  });
  await ensureSearchAttributes(env.connection, 'default');
  recorded = new Map();
  taskQueue = `case-workflow-${randomUUID()}`;
  const persistCaseChange = async (change: CaseChange) => {
    recorded.set(change.caseId, [...(recorded.get(change.caseId) ?? []), change]);
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    dataConverter: TEST_DATA_CONVERTER,
    activities: { persistCaseChange },
  });
  running = worker.run();
});

afterEach(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** A case held by KH, claimed CN, its consulate notified at intake; arrested now (the server's clock). */
function input(custodyDays = 60): CaseWorkflowInput {
  const i = workflowInput(u.khOfficer);
  i.intake.consularNotice = { notifiedAt: i.openedAt, channel: 'diplomatic note', accessRequested: false };
  i.timings = { ...i.timings, custodyMs: custodyDays * DAY };
  return i;
}

async function start(i: CaseWorkflowInput): Promise<WorkflowHandle> {
  return env.client.workflow.start(CASE_WORKFLOW_TYPE, { taskQueue, workflowId: caseWorkflowId(i.caseId), args: [i] });
}

const types = (caseId: string) => (recorded.get(caseId) ?? []).map((c) => c.event.type);
const view = (h: WorkflowHandle) => h.query(caseStateQuery);

describe('the case workflow with its store stubbed', () => {
  it('goes through its stages, recording one numbered change per step', async () => {
    const i = input();
    const h = await start(i);
    const step = <R, A>(update: UpdateDefinition<R, [A]>, arg: A) => h.executeUpdate(update, { args: [arg] });

    expect(await step(verifyIdentityUpdate, { actor: u.cnOfficer, result: 'confirmed', method: 'document' })).toMatchObject({
      status: 'SCREENING_PENDING',
      changed: true,
    });
    expect((await step(screenCaseUpdate, { actor: u.khOfficer, indicators: [] })).status).toBe('APPROVAL_PENDING');
    await step(submitDecisionUpdate, { actor: u.khSupervisor, decision: 'approve' });
    // The same decision again changes nothing.
    expect(await step(submitDecisionUpdate, { actor: u.khSupervisor, decision: 'approve' })).toMatchObject({ changed: false });
    expect((await step(submitDecisionUpdate, { actor: u.cnSupervisor, decision: 'approve' })).status).toBe('APPROVED');
    const transferId = randomUUID();
    await step(assignTransferUpdate, { actor: u.khOfficer, transferId, destinationCountry: 'CN', scheduledAt: new Date().toISOString() });
    expect((await step(confirmDepartureUpdate, { actor: u.khOfficer, transferId })).status).toBe('IN_TRANSFER');
    expect((await step(confirmHandoverUpdate, { actor: u.cnOfficer, transferId })).status).toBe('HANDED_OVER');

    const final = (await h.result()) as CaseView;
    expect(final.status).toBe('HANDED_OVER');
    expect(types(i.caseId)).toEqual([
      'IDENTITY_CONFIRMED',
      'SCREENED',
      'DECISION_RECORDED',
      'APPROVED',
      'TRANSFER_SCHEDULED',
      'DEPARTED',
      'HANDED_OVER',
    ]);
    const changes = recorded.get(i.caseId)!;
    expect(changes.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(changes.map((c) => c.snapshot.status)).toEqual([
      'SCREENING_PENDING',
      'APPROVAL_PENDING',
      'APPROVAL_PENDING',
      'APPROVED',
      'TRANSFER_SCHEDULED',
      'IN_TRANSFER',
      'HANDED_OVER',
    ]);
    expect(changes[3].event).toMatchObject({ fromStatus: 'APPROVAL_PENDING', toStatus: 'APPROVED', data: { side: 'destination', decision: 'approve' } });
    // Decided: the custody clock has stopped.
    expect(changes[3].snapshot.custodyDueAt).toBeNull();
    expect(changes[6].transferLeg).toEqual({ transferId, outcome: 'handed_over' });
  });

  it('a refused update leaves no trace: never accepted, nothing recorded', async () => {
    const i = input();
    const h = await start(i);
    await expect.poll(async () => (await view(h)).status).toBe('IDENTITY_PENDING');
    /** What an accepted update leaves in history: its acceptance, and the marker of each store write. */
    const traces = async () =>
      ((await h.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.markerRecordedEventAttributes)
        .length;
    const before = await traces();
    const refusals = [
      [submitDecisionUpdate, { actor: u.khSupervisor, decision: 'approve' }, 'WrongStage'],
      [verifyIdentityUpdate, { actor: u.vnOfficer, result: 'confirmed', method: 'document' }, 'Forbidden'],
      [placeHoldUpdate, { actor: u.khOfficer, holdId: 'h1', kind: 'medical', reason: ' ' }, 'InvalidInput'],
    ] as const;
    for (const [update, arg, type] of refusals) {
      const err = await h.executeUpdate(update as never, { args: [arg] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (err as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(type);
    }
    expect(await traces()).toBe(before);
    expect(types(i.caseId)).toEqual([]);
    expect((await view(h)).status).toBe('IDENTITY_PENDING');
    await h.terminate('test done');
  });

  it('the custody clock stops for a medical hold, not for a protection claim', async () => {
    const held = input(10);
    const claimed = input(10);
    const [hh, hc] = await Promise.all([start(held), start(claimed)]);
    await hh.executeUpdate(placeHoldUpdate, { args: [{ actor: u.khOfficer, holdId: 'hold-1', kind: 'medical', reason: 'hospital' }] });
    await hc.executeUpdate(placeHoldUpdate, { args: [{ actor: u.khOfficer, holdId: 'claim-1', kind: 'protection_claim', reason: 'asylum' }] });
    const dueAt = Date.parse((await view(hh)).custodyDueAt!);

    await env.sleep(10.5 * DAY);
    await expect.poll(() => types(claimed.caseId).filter((t) => t === 'CUSTODY_LIMIT_EXCEEDED').length).toBe(1);
    expect(types(held.caseId)).toEqual(['HOLD_PLACED']);
    expect(await view(hc)).toMatchObject({ status: 'ON_HOLD', overdueReasons: ['custody'], escalations: 1 });
    expect(types(claimed.caseId)[0]).toBe('PROTECTION_CLAIM_LODGED');

    // Lifted, the limit moves by the time held; the clock runs again from there.
    await hh.executeUpdate(liftHoldUpdate, { args: [{ actor: u.khOfficer, holdId: 'hold-1' }] });
    const resumed = await view(hh);
    expect(resumed.status).toBe('IDENTITY_PENDING');
    expect(Date.parse(resumed.custodyDueAt!) - dueAt).toBeGreaterThanOrEqual(10.5 * DAY);
    expect(resumed.overdueReasons).toEqual([]);
    await Promise.all([hh.terminate('test done'), hc.terminate('test done')]);
  });
});
