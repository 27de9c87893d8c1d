// Joint investigation teams: the team, its named members and its operations, and the team's own
// change history (created, members added and removed, expired) in intel_changes.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { teamVisibleSql, type Team, type TeamMember } from '../api/intel-policy.js';
import type { Actor } from '../workflows/definitions.js';
import { appendAudit } from './audit.js';
import { iso } from './rows.js';
import type { Db } from './client.js';
import { intelChanges, operations, teamMembers, teamOperations, teams } from './schema.js';

export interface NewTeam {
  id: string;
  name: string;
  leadCountry: string;
  memberCountries: string[];
  agreementRef: string;
  validFrom: string;
  validUntil: string;
  operationIds: string[];
}

export type NewMember = Pick<TeamMember, 'sub' | 'name' | 'country' | 'role'>;

/** Appends an entry to the team's history; the team row is locked so versions never collide. */
export async function recordTeamChange(tx: Db, teamId: string, actor: Pick<Actor, 'sub'> & { country: string | null }, at: string, what: Record<string, unknown>) {
  await tx.execute(sql`select 1 from ${teams} where ${teams.id} = ${teamId} for update`);
  const [{ next }] = await tx
    .select({ next: sql<number>`coalesce(max(${intelChanges.version}), 0)::int + 1` })
    .from(intelChanges)
    .where(and(eq(intelChanges.recordKind, 'team'), eq(intelChanges.recordId, teamId)));
  await tx.insert(intelChanges).values({ recordId: teamId, recordKind: 'team', teamId, version: next, actorSub: actor.sub, actorCountry: actor.country, at, what });
}

/** Operation ids among `ids` that do not exist. */
export async function missingOperations(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db.select({ id: operations.id }).from(operations).where(inArray(operations.id, ids));
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}

/**
 * Creates the team with its operations, and its creator as its first member (so the team exists for
 * them); `created: false` with the stored team when the id exists already.
 */
export async function insertTeam(db: Db, team: NewTeam, creator: Actor): Promise<{ created: boolean; team: Team }> {
  const at = new Date().toISOString();
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const { operationIds, ...row } = team;
    const [inserted] = await tx
      .insert(teams)
      .values({ ...row, createdBy: creator.sub, createdAt: at })
      .onConflictDoNothing()
      .returning();
    if (!inserted) {
      const [existing] = await tx.select().from(teams).where(eq(teams.id, team.id));
      return { created: false, team: existing };
    }
    if (operationIds.length > 0) await tx.insert(teamOperations).values(operationIds.map((operationId) => ({ teamId: team.id, operationId })));
    await tx.insert(teamMembers).values({
      teamId: team.id,
      sub: creator.sub,
      country: creator.country,
      name: creator.name ?? creator.sub,
      role: 'liaison',
      addedBy: creator.sub,
      addedAt: at,
    });
    await recordTeamChange(tx, team.id, creator, at, { action: 'team.create', after: { ...row, operationIds } });
    await appendAudit(tx, [
      { at, actor: creator, action: 'team.create', objectType: 'team', objectIds: [team.id], outcome: 'ok', scopeCountries: team.memberCountries },
    ]);
    return { created: true, team: inserted };
  });
}

export async function teamOperationIds(db: Db, teamId: string): Promise<string[]> {
  const rows = await db.select({ id: teamOperations.operationId }).from(teamOperations).where(eq(teamOperations.teamId, teamId)).orderBy(asc(teamOperations.operationId));
  return rows.map((r) => r.id);
}

export async function listMembers(db: Db, teamId: string): Promise<TeamMember[]> {
  return db.select().from(teamMembers).where(eq(teamMembers.teamId, teamId)).orderBy(asc(teamMembers.country), asc(teamMembers.addedAt), asc(teamMembers.sub));
}

/** The teams `actor` may see, oldest first. */
export async function listTeams(db: Db, actor: Actor): Promise<Team[]> {
  return db.select().from(teams).where(teamVisibleSql(actor)).orderBy(asc(teams.createdAt), asc(teams.id));
}

/** Adds the member; false when they were a member already (nothing changes). */
export async function insertMember(db: Db, teamId: string, member: NewMember, actor: Actor): Promise<boolean> {
  const at = new Date().toISOString();
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [row] = await tx
      .insert(teamMembers)
      .values({ ...member, teamId, addedBy: actor.sub, addedAt: at })
      .onConflictDoNothing()
      .returning();
    if (!row) return false;
    await recordTeamChange(tx, teamId, actor, at, { action: 'member.add', after: member });
    await appendAudit(tx, [
      { at, actor, action: 'team.member.add', objectType: 'team', objectIds: [teamId], outcome: 'ok', scopeCountries: [member.country], details: { sub: member.sub } },
    ]);
    return true;
  });
}

/** Removes the member of `country`; false when there was none. */
export async function deleteMember(db: Db, teamId: string, sub: string, country: string, actor: Actor): Promise<boolean> {
  const at = new Date().toISOString();
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const gone = await tx
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.sub, sub), eq(teamMembers.country, country)))
      .returning();
    if (gone.length === 0) return false;
    await recordTeamChange(tx, teamId, actor, at, { action: 'member.remove', before: { sub, country } });
    await appendAudit(tx, [
      { at, actor, action: 'team.member.remove', objectType: 'team', objectIds: [teamId], outcome: 'ok', scopeCountries: [country], details: { sub } },
    ]);
    return true;
  });
}

/** The team's workflow records that its validity ran out; a repeat changes nothing. */
export async function markTeamExpired(db: Db, teamId: string, at: string): Promise<void> {
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [row] = await tx
      .update(teams)
      .set({ expiredAt: at })
      .where(and(eq(teams.id, teamId), isNull(teams.expiredAt)))
      .returning({ validUntil: teams.validUntil });
    if (!row) return;
    await recordTeamChange(tx, teamId, { sub: 'system', country: null }, at, { action: 'team.expire', after: { validUntil: row.validUntil } });
  });
}

/** The team's own history (created, members, expiry), oldest first. */
export async function teamHistory(db: Db, teamId: string) {
  const rows = await db
    .select()
    .from(intelChanges)
    .where(and(eq(intelChanges.recordKind, 'team'), eq(intelChanges.recordId, teamId)))
    .orderBy(asc(intelChanges.version));
  return rows.map((r) => ({ version: r.version, actorSub: r.actorSub, actorCountry: r.actorCountry, at: iso(r.at), what: r.what }));
}
