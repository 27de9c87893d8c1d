// Release requests: a member country's request that the originator of a record release it to them.
// The API records the request (pending); its workflow writes the outcome, and on consent widens the
// record's handling through changeHandling, so the record's history names the consent.
import { and, asc, eq } from 'drizzle-orm';
import type { Actor, ReleaseRequestOutcome } from '../workflows/definitions.js';
import { appendAudit } from './audit.js';
import { changeHandling } from './intel.js';
import { iso } from './rows.js';
import type { Db } from './client.js';
import { intelEntities, intelLinks, releaseRequests } from './schema.js';

export type ReleaseRequestRow = typeof releaseRequests.$inferSelect;

/** Records the request; `created: false` with the stored row when the id exists already. */
export async function insertReleaseRequest(db: Db, row: typeof releaseRequests.$inferInsert, actor: Actor): Promise<{ created: boolean; row: ReleaseRequestRow }> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [inserted] = await tx.insert(releaseRequests).values(row).onConflictDoNothing().returning();
    if (!inserted) {
      const [existing] = await tx.select().from(releaseRequests).where(eq(releaseRequests.id, row.id));
      return { created: false, row: existing };
    }
    await appendAudit(tx, [
      {
        at: inserted.createdAt,
        actor,
        action: 'intel.release.request',
        objectType: 'release_request',
        objectIds: [inserted.id, inserted.recordId],
        outcome: 'ok',
        // The record's id is the originator's: the entry is for the originating country alone.
        scopeCountries: [inserted.originCountry],
        onlyScopeCountries: true,
        details: { teamId: inserted.teamId, requesterCountry: inserted.requesterCountry, releaseTo: inserted.releaseTo },
      },
    ]);
    return { created: true, row: inserted };
  });
}

export async function getReleaseRequest(db: Db, teamId: string, id: string): Promise<ReleaseRequestRow | undefined> {
  const [row] = await db.select().from(releaseRequests).where(and(eq(releaseRequests.teamId, teamId), eq(releaseRequests.id, id)));
  return row;
}

/** A pending request that an entity of the team be released to `releaseTo`, if any (the oldest). */
export async function pendingReleaseRequestFor(db: Db, teamId: string, entityId: string, releaseTo: string): Promise<ReleaseRequestRow | undefined> {
  const [row] = await db
    .select()
    .from(releaseRequests)
    .where(
      and(
        eq(releaseRequests.teamId, teamId),
        eq(releaseRequests.recordKind, 'entity'),
        eq(releaseRequests.recordId, entityId),
        eq(releaseRequests.releaseTo, releaseTo),
        eq(releaseRequests.status, 'pending'),
      ),
    )
    .orderBy(asc(releaseRequests.createdAt), asc(releaseRequests.id))
    .limit(1);
  return row;
}

/** The requests of the team that concern `country`: those it made, and those on its records. */
export async function listReleaseRequests(db: Db, teamId: string, originCountry: string, pendingOnly: boolean): Promise<ReleaseRequestRow[]> {
  const where = [eq(releaseRequests.teamId, teamId), eq(releaseRequests.originCountry, originCountry)];
  if (pendingOnly) where.push(eq(releaseRequests.status, 'pending'));
  return db
    .select()
    .from(releaseRequests)
    .where(and(...where))
    .orderBy(asc(releaseRequests.createdAt), asc(releaseRequests.id));
}

/**
 * Writes the workflow's outcome; on consent the record's releasableTo gains the requester's country.
 * A repeat (an activity retried) finds the request settled and changes nothing.
 */
export async function settleReleaseRequest(db: Db, outcome: ReleaseRequestOutcome): Promise<void> {
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [request] = await tx.select().from(releaseRequests).where(eq(releaseRequests.id, outcome.requestId)).for('update');
    if (!request || request.status !== 'pending') return;
    if (outcome.status === 'consented' && outcome.decidedBy) {
      const table = request.recordKind === 'entity' ? intelEntities : intelLinks;
      const [record] = await tx.select().from(table).where(eq(table.id, request.recordId));
      // A record released to the whole team (null) is visible to every member already.
      if (record && record.releasableTo !== null && !record.releasableTo.includes(request.releaseTo)) {
        const handling = {
          handlingCode: record.handlingCode,
          releasableTo: [...record.releasableTo, request.releaseTo].sort(),
          handlingConditions: record.handlingConditions,
        };
        await changeHandling(tx, request.recordKind as 'entity' | 'link', record.id, handling, outcome.decidedBy, {
          consent: { releaseRequestId: request.id, requesterCountry: request.requesterCountry, releaseTo: request.releaseTo },
        });
      }
    }
    await tx
      .update(releaseRequests)
      .set({ status: outcome.status, decidedBy: outcome.decidedBy?.sub ?? null, decidedAt: outcome.at })
      .where(eq(releaseRequests.id, request.id));
  });
}

/** The request as an answer shows it; `showRecord`: to the originating country, admins, and a requester who sees the record. */
export function releaseRequestView(row: ReleaseRequestRow, showRecord: boolean) {
  return {
    id: row.id,
    teamId: row.teamId,
    status: row.status as 'pending' | 'consented' | 'refused' | 'lapsed',
    requesterCountry: row.requesterCountry,
    releaseTo: row.releaseTo,
    originCountry: row.originCountry,
    reason: row.reason,
    deadlineAt: iso(row.deadlineAt),
    decidedAt: row.decidedAt === null ? null : iso(row.decidedAt),
    createdAt: iso(row.createdAt),
    ...(showRecord ? { record: { kind: row.recordKind as 'entity' | 'link', id: row.recordId } } : {}),
  };
}
