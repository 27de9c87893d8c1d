import { and, asc, eq, lt } from 'drizzle-orm';
import type { CaseStatus, TransferLegOutcome, TransferStatus, TransferWorkflowInput } from '../workflows/definitions.js';
import type { Db } from './client.js';
import { iso } from './cases.js';
import { cases, transferLegs, transfers } from './schema.js';

const isoOrNull = (v: string | null) => (v === null ? null : iso(v));

export async function insertTransfer(db: Db, input: TransferWorkflowInput): Promise<void> {
  await db
    .insert(transfers)
    .values({
      id: input.transferId,
      holdingCountry: input.holdingCountry,
      destinationCountry: input.destinationCountry,
      mode: input.mode,
      fromPlace: input.from,
      toPlace: input.to,
      scheduledAt: input.scheduledAt,
      capacity: input.capacity,
      status: 'SCHEDULED',
      createdBy: input.createdBy.sub,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      version: 0,
    })
    .onConflictDoNothing();
}

export interface TransferChange {
  transferId: string;
  seq: number;
  status: TransferStatus;
  at: string;
  departedAt?: string;
  completedAt?: string;
}

export async function applyTransferChange(db: Db, change: TransferChange): Promise<void> {
  await db
    .update(transfers)
    .set({
      status: change.status,
      version: change.seq,
      updatedAt: change.at,
      ...(change.departedAt ? { departedAt: change.departedAt } : {}),
      ...(change.completedAt ? { completedAt: change.completedAt } : {}),
    })
    .where(and(eq(transfers.id, change.transferId), lt(transfers.version, change.seq)));
}

export async function getTransfer(db: Db, transferId: string) {
  const [row] = await db.select().from(transfers).where(eq(transfers.id, transferId));
  if (!row) return null;
  const legs = await db
    .select({
      caseId: transferLegs.caseId,
      outcome: transferLegs.outcome,
      updatedAt: transferLegs.updatedAt,
      externalRef: cases.externalRef,
      status: cases.status,
    })
    .from(transferLegs)
    .innerJoin(cases, eq(cases.id, transferLegs.caseId))
    .where(eq(transferLegs.transferId, transferId))
    .orderBy(asc(cases.externalRef));
  return {
    transferId: row.id,
    status: row.status as TransferStatus,
    holdingCountry: row.holdingCountry,
    destinationCountry: row.destinationCountry,
    mode: row.mode,
    from: row.fromPlace,
    to: row.toPlace,
    scheduledAt: iso(row.scheduledAt),
    capacity: row.capacity,
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt),
    departedAt: isoOrNull(row.departedAt),
    completedAt: isoOrNull(row.completedAt),
    cases: legs.map((l) => ({
      caseId: l.caseId,
      externalRef: l.externalRef,
      outcome: l.outcome as TransferLegOutcome,
      status: l.status as CaseStatus,
      updatedAt: iso(l.updatedAt),
    })),
  };
}
export type TransferDetail = NonNullable<Awaited<ReturnType<typeof getTransfer>>>;
