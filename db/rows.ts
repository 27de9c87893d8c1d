// Small pieces every case query module shares: instants as the answers write them, chunking of
// large writes, and the columns a case snapshot and an actor fill.
import type { Actor, CaseSnapshot } from '../workflows/definitions.js';

export const iso = (value: string | Date): string => new Date(value).toISOString();
export const isoOrNull = (value: string | Date | null): string | null => (value === null ? null : iso(value));

export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export function snapshotColumns(s: CaseSnapshot) {
  return {
    status: s.status,
    claimedNationality: s.claimedNationality,
    destinationCountry: s.destinationCountry,
    transferId: s.transferId,
    transferAttempts: s.transferAttempts,
    overdue: s.overdue,
    overdueReasons: s.overdueReasons,
    overdueSince: s.overdueSince,
    escalations: s.escalations,
    identityDueAt: s.identityDueAt,
    screeningDueAt: s.screeningDueAt,
    approvalDueAt: s.approvalDueAt,
    handoverDueAt: s.handoverDueAt,
    consularDueAt: s.consularDueAt,
    custodyDueAt: s.custodyDueAt,
    holdResumeStatus: s.holdResumeStatus,
    referredTo: s.referredTo,
    awaitingCourtOrder: s.awaitingCourtOrder,
    updatedAt: s.updatedAt,
  };
}

export const actorColumns = (actor: Actor | null) => ({
  actorSub: actor?.sub ?? null,
  actorName: actor?.name ?? null,
  actorRole: actor?.role ?? null,
  actorCountry: actor?.country ?? null,
});
