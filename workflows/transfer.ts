// One workflow per transfer batch (a charter flight, a land-border handover): fills seats with
// approved cases, confirms departure for all of them, and collects each person's handover.
import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  FANOUT_FAILURE,
  addTransferCasesUpdate,
  caseLegOutcomeSignal,
  departTransferUpdate,
  handoverTransferUpdate,
  transferStateQuery,
  type Actor,
  type CaseOperationResult,
  type TransferLegOutcome,
  type TransferStatus,
  type TransferView,
  type TransferWorkflowInput,
} from './definitions.js';
import { asFailure } from './failures.js';
import { checkAddCases, checkDepart, checkHandover, unresolved, type TransferFacts } from './transfer-rules.js';

/** A batch that no case could join closes at once instead of waiting for a departure (see below). */
const EMPTY_BATCH_CLOSES = 'empty-batch-closes';

// Short idempotent writes to the case store: local activities (see case.ts).
const { recordTransfer, persistTransferChange } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// Fan-outs wait on many case workflows; the heartbeat shows they are alive.
const { assignCasesToTransfer, updateTransferLegs } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Runs handler bodies one at a time, so two requests never fill the same seat. */
function serialiser() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export async function transferBatchWorkflow(input: TransferWorkflowInput): Promise<TransferView> {
  const { transferId, holdingCountry, destinationCountry, capacity } = input;
  const legs: Record<string, TransferLegOutcome> = {};
  let status: TransferStatus = 'SCHEDULED';
  let seq = 0;
  let recorded = false;
  let departure: CaseOperationResult[] | null = null;
  const serial = serialiser();
  const view = (): TransferView => ({ transferId, status, legs: { ...legs } });

  function persist(extra: { departedAt?: string; completedAt?: string } = {}): Promise<void> {
    return persistTransferChange({
      transferId,
      countries: [holdingCountry, destinationCountry],
      seq: ++seq,
      status,
      at: new Date().toISOString(),
      ...extra,
    });
  }

  const allResolved = () => departure !== null && !Object.values(legs).some(unresolved);

  /** Completes the batch once every person on board is accounted for; the caller's answer waits for it. */
  async function completeIfResolved(): Promise<void> {
    if (status !== 'DEPARTED' || !allResolved()) return;
    status = 'COMPLETED';
    await persist({ completedAt: new Date().toISOString() });
  }

  const facts = (): TransferFacts => ({ status, holdingCountry, destinationCountry });
  const checkAdd = (req: { actor: Actor }) => asFailure(() => checkAddCases(facts(), req));

  setHandler(
    addTransferCasesUpdate,
    (req) =>
      serial(async () => {
        await condition(() => recorded);
        checkAdd(req);
        const fresh = req.caseIds.filter((id) => legs[id] !== 'scheduled');
        const seats = capacity - Object.values(legs).filter((o) => o === 'scheduled').length;
        const assigned =
          fresh.length === 0
            ? []
            : await assignCasesToTransfer({
                transferId,
                actor: req.actor,
                caseIds: fresh,
                seats,
                holdingCountry,
                destinationCountry,
                scheduledAt: input.scheduledAt,
              });
        for (const r of assigned) if (r.accepted) legs[r.caseId] = 'scheduled';
        // No case ever accepted: nothing can depart, so the batch completes now rather than stay open forever.
        if (Object.keys(legs).length === 0 && status === 'SCHEDULED' && patched(EMPTY_BATCH_CLOSES)) {
          status = 'COMPLETED';
          await persist({ completedAt: new Date().toISOString() });
        }
        const byId = new Map(assigned.map((r) => [r.caseId, r]));
        const cases = [...new Set(req.caseIds)].map((caseId) => byId.get(caseId) ?? { caseId, accepted: true });
        return { transferId, status, cases };
      }),
    { validator: checkAdd },
  );

  const checkDeparture = (req: { actor: Actor }) => asFailure(() => checkDepart(facts(), req));
  setHandler(
    departTransferUpdate,
    ({ actor }) =>
      serial(async () => {
        checkDeparture({ actor });
        if (departure) return { transferId, status, results: departure };
        status = 'DEPARTED';
        const departedAt = new Date().toISOString();
        await persist({ departedAt });
        const boarding = Object.keys(legs).filter((id) => legs[id] === 'scheduled');
        const results = await updateTransferLegs({ transferId, actor, caseIds: boarding, action: { kind: 'depart' } });
        for (const r of results) if (legs[r.caseId] === 'scheduled') legs[r.caseId] = r.ok ? 'departed' : 'dropped';
        departure = results;
        await completeIfResolved();
        return { transferId, status, results };
      }),
    { validator: checkDeparture },
  );

  const checkArrival = (req: { actor: Actor; receivedCaseIds: string[]; missingCaseIds: string[] }) =>
    asFailure(() => checkHandover(facts(), req));
  setHandler(
    handoverTransferUpdate,
    (req) =>
      serial(async () => {
        checkArrival(req);
        const notOnBoard = (caseId: string): CaseOperationResult => ({
          caseId,
          ok: false,
          error: { type: FANOUT_FAILURE.notOnTransfer, message: 'the case did not depart on this transfer' },
        });
        const onBoard = (id: string) => legs[id] !== undefined && legs[id] !== 'scheduled' && legs[id] !== 'dropped';
        const received = [...new Set(req.receivedCaseIds)];
        const missing = [...new Set(req.missingCaseIds)];
        const [handedOver, failed] = await Promise.all([
          updateTransferLegs({ transferId, actor: req.actor, caseIds: received.filter(onBoard), action: { kind: 'handover' } }),
          updateTransferLegs({
            transferId,
            actor: req.actor,
            caseIds: missing.filter(onBoard),
            action: { kind: 'missing', reason: 'reported missing at handover' },
          }),
        ]);
        for (const r of handedOver) if (r.ok) legs[r.caseId] = 'handed_over';
        for (const r of failed) if (r.ok) legs[r.caseId] = 'failed';
        const byId = new Map([...handedOver, ...failed].map((r) => [r.caseId, r]));
        const results = [...received, ...missing].map((id) => byId.get(id) ?? notOnBoard(id));
        await completeIfResolved();
        return { transferId, status, results };
      }),
    { validator: checkArrival },
  );

  setHandler(caseLegOutcomeSignal, ({ caseId, outcome }) => {
    if (legs[caseId] !== undefined && unresolved(legs[caseId])) legs[caseId] = outcome;
  });
  setHandler(transferStateQuery, view);

  await recordTransfer(input);
  recorded = true;
  // Legs also resolve by signal (a handover deadline passed, a case cancelled on board).
  await condition(() => status === 'COMPLETED' || (status === 'DEPARTED' && allResolved()));
  await serial(completeIfResolved);
  await condition(allHandlersFinished);
  return view();
}
