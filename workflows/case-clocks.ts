// The clocks of a case: the stage deadlines, the handover deadline, the custody clock and the
// consular notice. Each waits for its due time or for the change that makes it moot; a breached
// deadline marks the case overdue and escalates again every interval. They never decide.
import { condition } from '@temporalio/workflow';
import { custodyEscalationAt } from './case-rules.js';
import type { CaseState, Change } from './case-state.js';
import { DECISION_SIDES, isTerminal, type CaseTimings, type OverdueReason } from './definitions.js';
import type { WorkflowEventType } from './events.js';

export interface ClockDeps {
  state: CaseState;
  timings: CaseTimings;
  commit: <T extends WorkflowEventType>(type: T, change: Change<T>) => Promise<void>;
  /** The handover deadline passed: the transfer failed. */
  handoverMissed: (dueAt: string) => Promise<void>;
}

const until = (at: number) => Math.max(1, at - Date.now());

/** Waits for the stage to end; each breached deadline marks the case overdue and escalates again. */
export async function escalateUntilStageEnds(
  { state, timings, commit }: ClockDeps,
  reason: OverdueReason,
  dueAt: string,
  eventType: 'IDENTITY_OVERDUE' | 'SCREENING_OVERDUE' | 'APPROVAL_OVERDUE',
): Promise<void> {
  const stage = state.stageWatch();
  let next = Date.parse(dueAt);
  for (let n = 1; ; n++) {
    if (await condition(stage.changed, until(next))) return;
    state.markOverdue(reason);
    const c = state.view;
    const pendingSides = reason === 'approval' ? DECISION_SIDES.filter((side) => !c.decisions[side]) : undefined;
    await commit(eventType, {
      reason: `deadline ${dueAt} passed`,
      data: { escalation: n, dueAt, pendingSides, awaitingCourtOrder: c.awaitingCourtOrder || undefined },
    });
    next += timings.escalationIntervalMs;
  }
}

/** In transfer: the destination confirms the handover by its deadline, or the transfer has failed. */
export async function awaitHandover(deps: ClockDeps): Promise<void> {
  const stage = deps.state.stageWatch();
  const dueAt = deps.state.view.handoverDueAt!;
  if (await condition(stage.changed, until(Date.parse(dueAt)))) return;
  await deps.handoverMissed(dueAt);
}

/** From arrest to a decision; stopped while a medical or legal hold lasts; escalates every day past the limit. */
export async function custodyClock({ state, timings, commit }: ClockDeps): Promise<void> {
  let escalation = 0;
  for (;;) {
    if (state.isDecided()) return;
    if (state.custodyPaused()) {
      await condition(() => !state.custodyPaused() || state.isDecided());
      continue;
    }
    const custody = state.custodyWatch();
    const dueAt = state.view.custodyDueAt!;
    if (Date.now() < Date.parse(dueAt)) escalation = 0;
    const next = custodyEscalationAt(dueAt, escalation, timings.custodyEscalationIntervalMs);
    if (await condition(() => state.isDecided() || custody.changed(), until(next))) continue;
    escalation++;
    state.markOverdue('custody');
    await commit('CUSTODY_LIMIT_EXCEEDED', {
      reason: 'no decision within the custody limit: a supervisor records release or extends custody once',
      data: { escalation, custodyDueAt: dueAt, extended: state.view.custodyExtension !== null },
    });
  }
}

/** The destination's consulate must be notified within a day of intake; escalates daily until it is. */
export async function consularClock({ state, timings, commit }: ClockDeps): Promise<void> {
  const c = state.view;
  if (c.consularNotice) return;
  let next = Date.parse(c.consularDueAt!);
  for (let n = 1; ; n++) {
    if (await condition(() => c.consularNotice !== null || isTerminal(c.status), until(next))) return;
    state.markOverdue('consular');
    await commit('CONSULAR_NOTICE_OVERDUE', {
      reason: `the consulate of ${c.destinationCountry ?? c.claimedNationality} has not been notified`,
      data: { escalation: n, dueAt: c.consularDueAt },
    });
    next += timings.consularMs;
  }
}
