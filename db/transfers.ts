import { and, asc, count, eq, lt, sql } from 'drizzle-orm';
import type { FieldProtection } from '../lib/crypto.js';
import { legShownSql, viewStatusSql, type ViewStatus } from '../lib/need-to-know.js';
import type { CaseStatus, TransferLegOutcome, TransferStatus, TransferWorkflowInput } from '../workflows/definitions.js';
import { appendAudit } from './audit.js';
import type { Db } from './client.js';
import { iso } from './rows.js';
import { cases, personDocuments, persons, transferLegs, transfers } from './schema.js';

const isoOrNull = (v: string | null) => (v === null ? null : iso(v));

export async function insertTransfer(db: Db, input: TransferWorkflowInput): Promise<void> {
  await db.transaction(async (tx) => {
    const added = await tx
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
      .onConflictDoNothing()
      .returning({ id: transfers.id });
    if (added.length === 0) return;
    await appendAudit(tx as unknown as Db, [
      {
        at: input.createdAt,
        actor: input.createdBy,
        action: 'transfer.create',
        objectType: 'transfer',
        objectIds: [input.transferId],
        outcome: 'ok',
        scopeCountries: [input.holdingCountry, input.destinationCountry],
        details: { mode: input.mode, capacity: input.capacity },
      },
    ]);
  });
}

export interface TransferChange {
  transferId: string;
  /** The countries of the batch, for the audit entry's scope. */
  countries: string[];
  seq: number;
  status: TransferStatus;
  at: string;
  departedAt?: string;
  completedAt?: string;
}

export async function applyTransferChange(db: Db, change: TransferChange): Promise<void> {
  await db.transaction(async (tx) => {
    const updated = await tx
      .update(transfers)
      .set({
        status: change.status,
        version: change.seq,
        updatedAt: change.at,
        ...(change.departedAt ? { departedAt: change.departedAt } : {}),
        ...(change.completedAt ? { completedAt: change.completedAt } : {}),
      })
      .where(and(eq(transfers.id, change.transferId), lt(transfers.version, change.seq)))
      .returning({ id: transfers.id });
    if (updated.length === 0) return; // applied by an earlier attempt
    await appendAudit(tx as unknown as Db, [
      {
        at: change.at,
        actor: null,
        action: 'transfer.change',
        objectType: 'transfer',
        objectIds: [change.transferId],
        outcome: 'ok',
        scopeCountries: change.countries,
        details: { status: change.status, seq: change.seq },
      },
    ]);
  });
}

/** The countries and creator of a batch, or null: what deciding on a client-chosen id needs. */
export async function getTransferOwner(db: Db, transferId: string) {
  const [row] = await db
    .select({ holdingCountry: transfers.holdingCountry, destinationCountry: transfers.destinationCountry, createdBy: transfers.createdBy })
    .from(transfers)
    .where(eq(transfers.id, transferId));
  return row ?? null;
}

/** Batches an officer of `holdingCountry` has scheduled and not yet departed. */
export async function countOpenTransfers(db: Db, holdingCountry: string, createdBy: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(transfers)
    .where(and(eq(transfers.holdingCountry, holdingCountry), eq(transfers.createdBy, createdBy), eq(transfers.status, 'SCHEDULED')));
  return Number(row?.n ?? 0);
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

/**
 * Everyone on a batch with what the receiving officers need to identify them; to a user of
 * another country than the sending one, only the people it may see on board (need-to-know).
 */
export async function getTransferManifest(db: Db, transferId: string, protect: FieldProtection, viewerCountry: string | null) {
  const rows = await db
    .select({
      caseId: transferLegs.caseId,
      outcome: transferLegs.outcome,
      externalRef: cases.externalRef,
      status: viewStatusSql(viewerCountry),
      nationality: cases.destinationCountry,
      fullName: persons.fullName,
      dateOfBirth: persons.dateOfBirth,
      sex: persons.sex,
      documents: sql<{ type: string; numberSealed: string; issuingCountry: string }[]>`coalesce((select json_agg(json_build_object(
          'type', d.type, 'numberSealed', d.number_sealed, 'issuingCountry', d.issuing_country) order by d.position)
        from ${personDocuments} d where d.case_id = ${cases.id}), '[]'::json)`,
    })
    .from(transferLegs)
    .innerJoin(cases, eq(cases.id, transferLegs.caseId))
    .leftJoin(persons, eq(persons.caseId, cases.id))
    .where(and(eq(transferLegs.transferId, transferId), legShownSql(viewerCountry, sql`${cases.holdingCountry}`)))
    .orderBy(asc(persons.fullName), asc(cases.externalRef));
  return rows.map(({ documents, ...r }) => ({
    ...r,
    status: r.status as ViewStatus,
    outcome: r.outcome as TransferLegOutcome,
    documents: documents.map((d) => ({ type: d.type, number: protect.open(d.numberSealed), issuingCountry: d.issuingCountry })),
  }));
}
