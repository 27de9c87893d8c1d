// Anyone who can reach the Temporal frontend (the CLI, a Web UI user with write access, any SDK
// client) can send updates and signals to a case. Only payloads encrypted by the API or a worker
// are acted on: a forged update is rejected with nothing recorded, a forged signal changes
// nothing, a forged start fails at once, a forged activity result fails the step, and none of them
// wedges the workflow's tasks. Driven with the real Temporal CLI against the test stack.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { temporal } from '@temporalio/proto';
import { arrayContains, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Activities } from '../activities/index.js';
import { listen, type RunningServer } from '../api/server.js';
import { auditLog, caseEvents, cases, decisions } from '../db/schema.js';
import { resolveTemporalBinary } from '../lib/temporal-binaries.js';
import { caseWorkflowId, transferStateQuery, transferWorkflowId } from '../workflows/definitions.js';
import { makeUsers, workflowInput } from './helpers/fixtures.js';
import { waitUntil } from './helpers/wait.js';
import { useStack } from './helpers/stack.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const u = makeUsers();
const forgedKh = { sub: `forged-kh-${randomUUID().slice(0, 8)}`, role: 'supervisor', country: 'KH' };
const forgedCn = { sub: `forged-cn-${randomUUID().slice(0, 8)}`, role: 'supervisor', country: 'CN' };

/** One departure waits here (then gives up) while the test forges its activity's completion. */
let holdDeparture: { release: () => void; released: Promise<void> } | null = null;
const t = useStack(u, {
  activities: (real): Activities => ({
    ...real,
    async updateTransferLegs(input) {
      const hold = input.action.kind === 'depart' ? holdDeparture : null;
      if (hold) {
        holdDeparture = null;
        await hold.released;
        throw new Error('superseded by the test');
      }
      return real.updateTransferLegs(input);
    },
  }),
});

let cli: string;
let server: RunningServer;
beforeAll(async () => {
  cli = (await resolveTemporalBinary('temporal'))!;
  server = await listen(t.stack.api.app, 0, '127.0.0.1');
});
afterAll(() => server?.close());

/** Runs the Temporal CLI against the test server; never throws (a refusal is an exit code). */
async function temporalCli(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cli, [...args, '--address', inject('temporalAddress')]);
    return { ok: true, out: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

/** `temporal workflow update execute ... --name submitDecision` with the given input flags. */
const decisionUpdate = (workflowId: string, inputArgs: string[]) =>
  temporalCli(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'submitDecision', ...inputArgs]);

/** A submitDecision with a JSON input, as anyone with the CLI can send it. */
const forgedUpdate = (workflowId: string, updateId: string, input: unknown, extra: string[] = []) =>
  decisionUpdate(workflowId, ['--update-id', updateId, '--input', JSON.stringify(input), ...extra]);

/** A submitDecision whose one input is the given payload, metadata and base64 data as they are. */
const rawDecisionUpdate = (workflowId: string, metadata: Record<string, string>, data: string) =>
  decisionUpdate(workflowId, [
    ...Object.entries(metadata).flatMap(([k, v]) => ['--input-meta', `${k}=${v}`]),
    '--input-base64',
    '--input',
    data,
  ]);

const history = async (workflowId: string): Promise<HistoryEvent[]> =>
  (await t.stack.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];

const acceptedUpdateIds = (events: HistoryEvent[]) =>
  events.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId ?? []);
const taskFailures = (events: HistoryEvent[]) => events.filter((e) => e.workflowTaskFailedEventAttributes);


/** Nothing in the store or the audit log names the forged people. */
async function expectNoTraceOf(subs: string[], caseId: string) {
  const db = t.stack.database.db;
  expect(await db.select().from(auditLog).where(inArray(auditLog.actorSub, subs))).toEqual([]);
  expect(await db.select().from(decisions).where(inArray(decisions.by, subs))).toEqual([]);
  const events = await t.steps.events(caseId);
  expect(events.filter((e) => subs.includes(e.actor?.sub ?? ''))).toEqual([]);
}

describe('updates forged through the Temporal frontend', () => {
  it("a submitDecision in a KH and in a CN supervisor's name is rejected: nothing recorded, no task failing, the case still moves", async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    const workflowId = caseWorkflowId(caseId);
    const ids = [`forged-${randomUUID()}`, `forged-${randomUUID()}`];

    for (const [i, actor] of [forgedKh, forgedCn].entries()) {
      const result = await forgedUpdate(workflowId, ids[i], { actor, decision: 'approve' });
      expect(result.ok, result.out).toBe(false);
      expect(result.out).toMatch(/not encrypted by this system \(plaintext\)/);
    }

    const shown = await t.stack.api.get(`/v1/cases/${caseId}`, u.admin);
    expect(shown.body.status).toBe('APPROVAL_PENDING');
    expect(shown.body.decisions).toEqual({ holding: null, destination: null });
    await expectNoTraceOf([forgedKh.sub, forgedCn.sub], caseId);
    const events = await history(workflowId);
    expect(acceptedUpdateIds(events).filter((id) => ids.includes(id))).toEqual([]);
    expect(taskFailures(events)).toEqual([]);

    // The real decisions go through, from the state before the attempt.
    expect((await t.steps.decide(caseId, u.khSupervisor)).status).toBe('APPROVAL_PENDING');
    expect((await t.steps.decide(caseId, u.cnSupervisor)).status).toBe('APPROVED');
    expect(taskFailures(await history(workflowId))).toEqual([]);
  });

  it("input encrypted by the codec endpoint (the CLI's --codec-endpoint), relabelled, or copied from another case is rejected too", async () => {
    const [victim, other] = [await t.steps.open(), await t.steps.open()];
    await t.steps.toApproval(victim);
    await t.steps.toApproval(other);
    const token = await t.stack.api.token(u.khAuditor);

    // 1. The CLI encodes the input through /codec/encode with an auditor's token.
    const viaEndpoint = await forgedUpdate(caseWorkflowId(victim), `forged-${randomUUID()}`, { actor: forgedKh, decision: 'approve' }, [
      '--codec-endpoint',
      `${server.url}/codec`,
      '--codec-auth',
      `Bearer ${token}`,
    ]);
    expect(viaEndpoint.ok, viaEndpoint.out).toBe(false);
    expect(viaEndpoint.out).toMatch(/not encrypted by this system \(external\)/);

    // 2. The endpoint's ciphertext relabelled as the workers' own.
    const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    const encoded = await t.stack.api.post('/codec/encode', u.khAuditor, {
      payloads: [
        { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: json({ actor: forgedCn, decision: 'approve' }) },
      ],
    });
    expect(encoded.status).toBe(200);
    const keyId = Buffer.from(encoded.body.payloads[0].metadata['encryption-key-id'], 'base64').toString();
    const relabelled = await rawDecisionUpdate(
      caseWorkflowId(victim),
      { encoding: 'binary/encrypted', 'encryption-key-id': keyId },
      encoded.body.payloads[0].data,
    );
    expect(relabelled.ok, relabelled.out).toBe(false);
    expect(relabelled.out).toMatch(/not encrypted by this system \(bad-ciphertext\)/);

    // 3. A real supervisor's decision, copied from the history of another case.
    await t.steps.decide(other, u.khSupervisor);
    const accepted = (await history(caseWorkflowId(other)))
      .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest)
      .find((r) => r?.input?.name === 'submitDecision');
    const copied = accepted!.input!.args!.payloads![0];
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
    const replayed = await rawDecisionUpdate(
      caseWorkflowId(victim),
      { encoding: text(copied.metadata!.encoding!), 'encryption-key-id': text(copied.metadata!['encryption-key-id']!) },
      Buffer.from(copied.data!).toString('base64'),
    );
    expect(replayed.ok, replayed.out).toBe(false);
    expect(replayed.out).toMatch(/not encrypted by this system \(other-workflow\)/);

    const shown = await t.stack.api.get(`/v1/cases/${victim}`, u.admin);
    expect(shown.body.status).toBe('APPROVAL_PENDING');
    expect(shown.body.decisions).toEqual({ holding: null, destination: null });
    await expectNoTraceOf([forgedKh.sub, forgedCn.sub], victim);
    expect(taskFailures(await history(caseWorkflowId(victim)))).toEqual([]);
    expect((await t.steps.decide(victim, u.khSupervisor)).status).toBe('APPROVAL_PENDING');
  });
});

describe('signals, starts and activity results forged through the Temporal frontend', () => {
  it('a forged caseLegOutcome signal is dropped: the leg is unchanged and the transfer still departs', async () => {
    const caseId = await t.steps.approved();
    const { transferId } = await t.steps.transfer([caseId]);
    const workflowId = transferWorkflowId(transferId);

    const sent = await temporalCli([
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'caseLegOutcome',
      '--input',
      JSON.stringify({ caseId, outcome: 'dropped' }),
    ]);
    expect(sent.ok, sent.out).toBe(true);
    // The signal is in the history (every signal is); wait for a workflow task to have handled it.
    await waitUntil('the signal to be handled', async () => {
      const events = await history(workflowId);
      const signalled = events.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'caseLegOutcome');
      return signalled && events.some((e) => e.workflowTaskCompletedEventAttributes && Number(e.eventId) > Number(signalled.eventId))
        ? true
        : undefined;
    });

    const state = await t.stack.client.workflow.getHandle(workflowId).query(transferStateQuery);
    expect(state.legs).toEqual({ [caseId]: 'scheduled' });
    expect(taskFailures(await history(workflowId))).toEqual([]);
    const departed = await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer);
    expect(departed.status, JSON.stringify(departed.body)).toBe(200);
    expect(await t.steps.status(caseId)).toBe('IN_TRANSFER');
  });

  it('a query with forged arguments fails, and the case answers queries and updates as before', async () => {
    const caseId = await t.steps.open();
    const workflowId = caseWorkflowId(caseId);
    const queried = await temporalCli(['workflow', 'query', '--workflow-id', workflowId, '--name', 'caseState', '--input', '"forged"']);
    expect(queried.ok, queried.out).toBe(false);
    expect(queried.out).toMatch(/not encrypted by this system \(plaintext\)/);
    expect(taskFailures(await history(workflowId))).toEqual([]);
    expect((await t.steps.verify(caseId)).status).toBe('SCREENING_PENDING');
  });

  it('a case workflow started with forged input fails at once and writes nothing', async () => {
    const input = workflowInput(u.khOfficer);
    const workflowId = caseWorkflowId(input.caseId);
    const started = await temporalCli([
      'workflow',
      'start',
      '--type',
      'repatriationCaseWorkflow',
      '--task-queue',
      t.stack.taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(input),
    ]);
    expect(started.ok, started.out).toBe(true);
    const outcome = await t.stack.client.workflow
      .getHandle(workflowId)
      .result()
      .then(
        () => 'completed',
        (err: { cause?: { type?: string } }) => err.cause?.type,
      );
    expect(outcome).toBe('UnauthenticatedPayload');
    const db = t.stack.database.db;
    expect(await db.select().from(cases).where(eq(cases.id, input.caseId))).toEqual([]);
    expect(await db.select().from(caseEvents).where(eq(caseEvents.caseId, input.caseId))).toEqual([]);
    expect(
      await db
        .select()
        .from(auditLog)
        .where(arrayContains(auditLog.objectIds, [input.caseId])),
    ).toEqual([]);
  });

  it('an activity result forged with `temporal activity complete` fails the departure, which then succeeds when repeated', async () => {
    const caseId = await t.steps.approved();
    const { transferId } = await t.steps.transfer([caseId]);
    const workflowId = transferWorkflowId(transferId);
    let release!: () => void;
    holdDeparture = { release: () => release(), released: new Promise<void>((resolve) => (release = resolve)) };

    const departing = t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer);
    const activityId = await waitUntil('the departure activity', async () => {
      const pending = (await t.stack.client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
      return pending.find((a) => a.activityType?.name === 'updateTransferLegs')?.activityId ?? undefined;
    });
    const completed = await temporalCli([
      'activity',
      'complete',
      '--workflow-id',
      workflowId,
      '--activity-id',
      activityId,
      '--result',
      JSON.stringify([{ caseId, ok: true, status: 'IN_TRANSFER' }]),
    ]);
    expect(completed.ok, completed.out).toBe(true);
    const refused = await departing;
    holdDeparture?.release();
    release();
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error.message).toMatch(/not encrypted by this system \(plaintext\)/);
    expect(await t.steps.status(caseId)).toBe('TRANSFER_SCHEDULED');

    const again = await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.results).toEqual([expect.objectContaining({ caseId, ok: true })]);
    expect(await t.steps.status(caseId)).toBe('IN_TRANSFER');
    expect(taskFailures(await history(workflowId))).toEqual([]);
  });
});
