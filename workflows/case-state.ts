// The live state of one case and every change to it, behind named methods. It calls no SDK
// function: the workflow (case.ts) records what these methods return, and the unit tests drive it
// directly. Time is the workflow's own (deterministic) clock.
import type { Activities } from '../activities/index.js';
import {
  STAGE_OVERDUE_REASONS,
  activeHolds,
  custodyStaysPaused,
  isDecided,
  isTerminal,
  nextDueAt,
  pausesCustody,
  shiftDue,
  statusAfterHolds,
  DAY_MS,
  type CaseFacts,
} from './case-rules.js';
import type { Actor, CaseStatus, CaseView, CaseWorkflowInput, CustodyExtension, HoldRecord, OverdueReason } from './definitions.js';
import { initialCaseSnapshot } from './definitions.js';
import type { CaseEventData, WorkflowEventType } from './events.js';

type CaseChange = Parameters<Activities['persistCaseChange']>[0];
export type Attachments = Pick<
  CaseChange,
  'identityCheck' | 'decision' | 'transferLeg' | 'screening' | 'hold' | 'consularNotice' | 'courtOrder' | 'custodyExtension'
>;

/** One change as `commit` takes it: the event's data typed by the catalogue (workflows/events.ts). */
export type Change<T extends WorkflowEventType> = { to?: CaseStatus; actor?: Actor | null; reason?: string | null } & Attachments &
  (CaseEventData<T> extends null ? { data?: undefined } : { data: CaseEventData<T> });

/** The search attributes a case carries (non-personal keys). */
export interface Searchable {
  status: CaseStatus;
  destinationCountry: string | null;
  overdue: boolean;
  nextDueAt: string | null;
}

const now = () => new Date().toISOString();
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

export class CaseState {
  readonly view: CaseView;
  /** Numbers the changes; the case store applies each at most once and never an older over a newer. */
  private seq = 0;
  /** Moves whenever the current stage restarts, so the main loop re-arms its deadline. */
  private stageEpoch = 0;
  /** Moves when the custody limit moves (extension, pause, resume). */
  private custodyEpoch = 0;
  private holdStartedAt = 0;
  /** Medical and legal holds stop the custody clock; protection claims never do (see README). */
  private custodyPausedSince: number | null = null;
  /** The search attributes last set (the start sets status, country, overdue and the first due date). */
  private lastSearchable = '';
  readonly failedTransfers: string[] = [];
  /** Batches that left without this person (on hold at departure). */
  readonly droppedFrom: string[] = [];
  /** The last report of the person located after going missing. */
  lastLocated: { by: string; locatedAt: string } | null = null;

  constructor(private readonly input: CaseWorkflowInput) {
    const { caseId, intake } = input;
    this.view = {
      caseId,
      holdingCountry: intake.holdingCountry,
      ...initialCaseSnapshot(input),
      identity: null,
      decisions: { holding: null, destination: null },
      screening: null,
      holds: [],
      consularNotice: intake.consularNotice ?? null,
      courtOrder: null,
      custodyExtension: null,
    };
  }

  /** What the update checks (case-rules.ts) read. */
  facts(): CaseFacts {
    return {
      view: this.view,
      openedBy: this.input.openedBy.sub,
      legalBasis: this.input.intake.legalBasis,
      custodyExtensionMaxMs: this.input.timings.custodyExtensionMaxMs,
      failedTransfers: this.failedTransfers,
      droppedFrom: this.droppedFrom,
      lastLocated: this.lastLocated,
    };
  }

  get status(): CaseStatus {
    return this.view.status;
  }
  isDecided(): boolean {
    return isDecided(this.view);
  }
  activeHolds(): HoldRecord[] {
    return activeHolds(this.view);
  }
  findHold(holdId: string): HoldRecord | undefined {
    return this.view.holds.find((h) => h.holdId === holdId);
  }
  /** A copy safe to hand out (the query, the result). */
  copy(): CaseView {
    return JSON.parse(JSON.stringify(this.view)) as CaseView;
  }

  // ---- stages ----

  /** An observer's handle on the current stage: `changed()` once it ended or restarted. */
  stageWatch(): { changed: () => boolean } {
    const started = this.stageEpoch;
    return { changed: () => this.stageEpoch !== started };
  }

  /** The case moves to another status: its stage's overdue reasons end, and with the decision the custody clock. */
  enterStage(to: CaseStatus): void {
    this.view.status = to;
    this.stageEpoch++;
    if (isTerminal(to)) this.setOverdue([]);
    else this.clearOverdue(...STAGE_OVERDUE_REASONS, ...(this.isDecided() ? (['custody'] as const) : []));
    if (this.isDecided()) this.view.custodyDueAt = null;
    // Someone who left and did not arrive is escalated to both sides at once.
    if (to === 'MISSING') this.markOverdue('missing');
  }

  /** The same stage starts again (identity re-verified by another country): its deadline re-arms. */
  restartStage(): void {
    this.stageEpoch++;
  }

  // ---- identity ----

  /** The claimed nationality is confirmed: it is the destination, and screening is due. */
  confirmNationality(): void {
    this.view.destinationCountry = this.view.claimedNationality;
    this.view.screeningDueAt = later(this.input.timings.screeningMs);
  }
  /** Another participating country's nationality was established: that country verifies, from now. */
  reverifyAs(country: string): void {
    this.view.claimedNationality = country;
    this.view.identityDueAt = later(this.input.timings.identityMs);
    this.clearOverdue('identity');
    this.restartStage();
  }

  /** Screened without indicators: the two sides' approval is due. */
  awaitApproval(): void {
    this.view.approvalDueAt = later(this.input.timings.approvalMs);
  }

  // ---- consular notice, court order ----

  recordConsularNotice(notice: CaseView['consularNotice'] & object): void {
    this.view.consularNotice = notice;
    this.view.consularDueAt = null;
    this.clearOverdue('consular');
  }
  /** Records the order; answers whether it completes an extradition both sides approved. */
  recordCourtOrder(order: NonNullable<CaseView['courtOrder']>): boolean {
    const c = this.view;
    c.courtOrder = order;
    const completes = c.awaitingCourtOrder && c.status === 'APPROVAL_PENDING';
    c.awaitingCourtOrder = false;
    return completes;
  }

  // ---- transfer legs ----

  /** On the flight: the handover is due. */
  depart(): void {
    this.view.handoverDueAt = later(this.input.timings.handoverMs);
  }
  /** Held at departure: taken off the batch, which leaves without the person; answers the kinds of holds. */
  dropFromBatch(transferId: string): HoldRecord['kind'][] {
    const kinds = [...new Set(this.activeHolds().map((h) => h.kind))];
    this.view.transferId = null;
    this.droppedFrom.push(transferId);
    return kinds;
  }
  /** The leg failed: one attempt more. Answers the batch and the attempts so far. */
  failLeg(): { transferId: string; attempts: number } {
    const transferId = this.view.transferId!;
    this.failedTransfers.push(transferId);
    this.view.transferAttempts++;
    return { transferId, attempts: this.view.transferAttempts };
  }
  /** Back in the holding country's custody after going missing; the caller records it (with `to: 'APPROVED'`). */
  located(by: string, locatedAt: string): void {
    this.lastLocated = { by, locatedAt };
  }
  /** Off the batch, no handover due (after a failed leg, before it returns to APPROVED or goes MISSING). */
  leaveLeg(): void {
    this.view.transferId = null;
    this.view.handoverDueAt = null;
  }

  // ---- overdue ----

  private setOverdue(reasons: OverdueReason[]): void {
    const c = this.view;
    const was = c.overdueReasons.length > 0;
    c.overdueReasons = reasons;
    c.overdue = reasons.length > 0;
    if (!c.overdue) c.overdueSince = null;
    else if (!was) c.overdueSince = now();
  }
  /** A deadline passed (again): the reason is listed once, every escalation counts. */
  markOverdue(reason: OverdueReason): void {
    if (!this.view.overdueReasons.includes(reason)) this.setOverdue([...this.view.overdueReasons, reason]);
    this.view.escalations++;
  }
  clearOverdue(...reasons: OverdueReason[]): void {
    this.setOverdue(this.view.overdueReasons.filter((r) => !reasons.includes(r)));
  }

  // ---- holds and the custody clock ----

  /** Puts a hold on the case; the caller records it (with `to: 'ON_HOLD'`). */
  placeHold(actor: Actor, holdId: string, kind: HoldRecord['kind'], reason: string, until: string | null): HoldRecord {
    const c = this.view;
    const resumeStatus = c.status === 'ON_HOLD' ? c.holdResumeStatus! : c.status;
    const hold: HoldRecord = {
      holdId,
      kind,
      reason,
      until,
      placedBy: actor.sub,
      placedAt: now(),
      resumeStatus,
      endedAt: null,
      endedBy: null,
      outcome: null,
      outcomeReason: null,
    };
    c.holds.push(hold);
    if (c.status !== 'ON_HOLD') {
      c.holdResumeStatus = resumeStatus;
      this.holdStartedAt = Date.now();
    }
    if (pausesCustody(kind)) this.pauseCustody();
    return hold;
  }

  /**
   * Ends one hold; when it was the last, answers the status the case goes back to, its stage
   * deadline moved by the time held (undefined while other holds remain).
   */
  endHold(hold: HoldRecord, actor: Actor, outcome: HoldRecord['outcome'], reason: string | null): CaseStatus | undefined {
    this.closeHold(hold, actor, outcome, reason);
    const active = this.activeHolds();
    if (!custodyStaysPaused(active)) this.resumeCustody();
    if (active.length > 0) return undefined;
    const c = this.view;
    const heldFor = Date.now() - this.holdStartedAt;
    const resume = c.holdResumeStatus!;
    if (resume === 'IDENTITY_PENDING') c.identityDueAt = shiftDue(c.identityDueAt, heldFor);
    if (resume === 'SCREENING_PENDING') c.screeningDueAt = shiftDue(c.screeningDueAt, heldFor);
    if (resume === 'APPROVAL_PENDING') c.approvalDueAt = shiftDue(c.approvalDueAt, heldFor);
    const to = statusAfterHolds(resume, c.transferId);
    c.holdResumeStatus = null;
    return to;
  }

  /** Marks a hold ended, nothing else (an upheld claim closes the case instead of resuming it). */
  closeHold(hold: HoldRecord, actor: Actor, outcome: HoldRecord['outcome'], reason: string | null): void {
    hold.endedAt = now();
    hold.endedBy = actor.sub;
    hold.outcome = outcome;
    hold.outcomeReason = reason;
  }

  /** A custody observer's handle: `changed()` once the limit moved; `paused()` while a hold stops the clock. */
  custodyWatch(): { changed: () => boolean } {
    const version = this.custodyEpoch;
    return { changed: () => this.custodyEpoch !== version };
  }
  custodyPaused(): boolean {
    return this.custodyPausedSince !== null;
  }
  private pauseCustody(): void {
    if (this.custodyPausedSince !== null) return;
    this.custodyPausedSince = Date.now();
    this.custodyEpoch++;
  }
  /** The clock runs again; the limit moves by the time it stood still. */
  private resumeCustody(): void {
    if (this.custodyPausedSince === null) return;
    this.view.custodyDueAt = shiftDue(this.view.custodyDueAt, Date.now() - this.custodyPausedSince);
    this.custodyPausedSince = null;
    this.custodyEpoch++;
  }
  /** The one extension: the limit moves by its days; an exceeded limit that is no longer exceeded stops escalating. */
  extendCustody(record: CustodyExtension): void {
    const c = this.view;
    c.custodyExtension = record;
    c.custodyDueAt = shiftDue(c.custodyDueAt, record.days * DAY_MS);
    this.custodyEpoch++;
    if (Date.parse(c.custodyDueAt!) > Date.now()) this.clearOverdue('custody');
  }

  // ---- recording ----

  /** Applies the change's status move, if any, and stamps the case; answers the status it left. */
  applyStatus(to: CaseStatus | undefined): CaseStatus {
    const from = this.view.status;
    if (to && to !== from) this.enterStage(to);
    this.view.updatedAt = now();
    return from;
  }

  /** The search attributes, when a searchable key changed since they were last set (most changes touch none). */
  searchableChange(): Searchable | null {
    const c = this.view;
    const due = nextDueAt(c);
    const searchable = JSON.stringify([c.status, c.destinationCountry, c.overdue, due]);
    if (searchable === this.lastSearchable) return null;
    this.lastSearchable = searchable;
    return { status: c.status, destinationCountry: c.destinationCountry, overdue: c.overdue, nextDueAt: due };
  }

  /** The store's entry for one change: the event and the snapshot the change produced. */
  entry<T extends WorkflowEventType>(type: T, from: CaseStatus, change: Change<T>): CaseChange {
    const {
      identity: _i,
      decisions: _d,
      caseId,
      holdingCountry,
      screening: _s,
      holds: _hs,
      consularNotice: _cn,
      courtOrder: _co,
      custodyExtension: _ce,
      ...snapshot
    } = this.view;
    const { to, actor, reason, data, ...attachments } = change;
    return {
      caseId,
      holdingCountry,
      seq: ++this.seq,
      snapshot,
      event: {
        type,
        fromStatus: to ? from : null,
        toStatus: to ?? null,
        actor: actor ?? null,
        reason: reason ?? null,
        data: (data as Record<string, unknown> | undefined) ?? null,
        at: this.view.updatedAt,
      },
      ...attachments,
    };
  }

  /** How many changes have been recorded: the number of the last one. */
  get changes(): number {
    return this.seq;
  }
}
