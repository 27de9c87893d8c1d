// The case workflow's projection: what `persistCaseChange` writes for each change of a case.
// Every part is idempotent on its own keys: keys, not hope, keep a retry from writing twice.
import { and, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type {
  Actor,
  CaseSnapshot,
  CaseStatus,
  ConsularNotice,
  CourtOrder,
  CustodyExtension,
  DecisionRecord,
  DecisionSide,
  HoldRecord,
  IdentityRecord,
  ScreeningRecord,
  TransferLegOutcome,
} from '../workflows/definitions.js';
import { caseCountries, isSafeguardEvent } from '../lib/need-to-know.js';
import { auditInsertIf } from './audit.js';
import type { Db } from './client.js';
import { actorColumns, snapshotColumns } from './rows.js';
import {
  caseEvents,
  caseHolds,
  cases,
  consularNotices,
  courtOrders,
  custodyExtensions,
  decisions,
  identityChecks,
  screenings,
  transferLegs,
} from './schema.js';

export interface CaseEventInput {
  type: string;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
  actor: Actor | null;
  reason: string | null;
  data: Record<string, unknown> | null;
  at: string;
}

/** One workflow transition: the timeline event and whatever it records, applied at most once. */
export interface CaseChange {
  caseId: string;
  holdingCountry: string;
  seq: number;
  snapshot: CaseSnapshot;
  event: CaseEventInput;
  identityCheck?: IdentityRecord;
  decision?: DecisionRecord & { side: DecisionSide };
  transferLeg?: { transferId: string; outcome: TransferLegOutcome };
  screening?: ScreeningRecord;
  hold?: HoldRecord;
  consularNotice?: ConsularNotice & { recordedBy: string; at: string };
  courtOrder?: CourtOrder;
  custodyExtension?: CustodyExtension;
}

/**
 * Applies a change in one statement (one round trip, atomic): the timeline event keyed by the
 * change's number, the case row if this change is newer than what it shows, what the change
 * records, and — only if the event is new — its audit entry. Every part is idempotent on its own
 * keys, so a retried change writes nothing twice.
 */
export async function applyCaseChange(db: Db, change: CaseChange): Promise<void> {
  const { caseId, seq, snapshot, event } = change;
  const parts: SQL[] = [
    db
      .insert(caseEvents)
      .values({
        caseId,
        eventKey: `wf:${seq}`,
        seq,
        type: event.type,
        fromStatus: event.fromStatus,
        toStatus: event.toStatus,
        ...actorColumns(event.actor),
        reason: event.reason,
        data: event.data,
        at: event.at,
      })
      .onConflictDoNothing()
      .returning({ id: caseEvents.id })
      .getSQL(),
    db
      .update(cases)
      .set({ ...snapshotColumns(snapshot), version: seq })
      .where(and(eq(cases.id, caseId), lt(cases.version, seq)))
      .getSQL(),
    auditInsertIf(sql`exists (select 1 from ev)`, {
      at: event.at,
      actor: event.actor,
      action: 'case.change',
      objectType: 'case',
      objectIds: [caseId],
      outcome: 'ok',
      // A change of the holding country's safeguards is told only to its auditors.
      scopeCountries: isSafeguardEvent(event.type, event.toStatus)
        ? [change.holdingCountry]
        : caseCountries({ ...snapshot, holdingCountry: change.holdingCountry }),
      details: { event: event.type, seq, from: event.fromStatus, to: event.toStatus },
    }),
  ];
  // What the change records once: a retry meets the row's key and inserts nothing.
  const once: [PgTable, Record<string, unknown> | undefined][] = [
    [identityChecks, change.identityCheck && { caseId, seq, ...change.identityCheck }],
    [decisions, change.decision && { caseId, ...change.decision }],
    [screenings, change.screening && { caseId, seq, ...change.screening }],
    [consularNotices, change.consularNotice && { caseId, ...change.consularNotice }],
    [courtOrders, change.courtOrder && { caseId, ...change.courtOrder }],
    [custodyExtensions, change.custodyExtension && { caseId, ...change.custodyExtension }],
  ];
  for (const [table, values] of once) if (values) parts.push(db.insert(table).values(values).onConflictDoNothing().getSQL());
  if (change.hold) {
    const { holdId, ...hold } = change.hold;
    parts.push(
      db
        .insert(caseHolds)
        .values({ holdId, caseId, ...hold, seq })
        // A hold id is the caller's choice: one of another case is never written over.
        .onConflictDoUpdate({
          target: caseHolds.holdId,
          set: { ...hold, seq },
          setWhere: and(lt(caseHolds.seq, seq), eq(caseHolds.caseId, caseId)),
        })
        .getSQL(),
    );
  }
  if (change.transferLeg) {
    const { transferId, outcome } = change.transferLeg;
    parts.push(
      db
        .insert(transferLegs)
        .values({ transferId, caseId, outcome, seq, updatedAt: event.at })
        .onConflictDoUpdate({
          target: [transferLegs.transferId, transferLegs.caseId],
          set: { outcome, seq, updatedAt: event.at },
          setWhere: lt(transferLegs.seq, seq),
        })
        .getSQL(),
    );
  }
  const [first, ...rest] = parts;
  const ctes = sql.join([sql`ev as (${first})`, ...rest.map((part, i) => sql`${sql.raw(`w${i}`)} as (${part})`)], sql`, `);
  await db.execute(sql`with ${ctes} select 1`);
}
