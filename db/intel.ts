// Intelligence records of a team: entities with their normalised identifiers, links between them,
// their change history, and their ties to cases. Every query that shows records takes the caller's
// country and applies the visibility of api/intel-policy.ts in SQL.
import { and, asc, count, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { linkVisibleSql, recordVisibleSql } from '../api/intel-policy.js';
import type { Actor } from '../workflows/definitions.js';
import { appendAudit } from './audit.js';
import { getCaseScopes } from './case-detail.js';
import { iso } from './rows.js';
import { canSee } from './visibility.js';
import type { Db } from './client.js';
import type { Hit } from './notices.js';
import { caseIntelLinks, intelChanges, intelEntities, intelIdentifiers, intelLinks, teamMembers } from './schema.js';

export type EntityRow = typeof intelEntities.$inferSelect;
export type LinkRow = typeof intelLinks.$inferSelect;
export type NewEntityRow = typeof intelEntities.$inferInsert;
export type NewLinkRow = typeof intelLinks.$inferInsert;
export interface Identifier {
  kind: string;
  value: string;
}

type RecordKind = 'entity' | 'link';

/** Handling and evaluation as an answer shows them. */
function recordView(row: EntityRow | LinkRow) {
  return {
    id: row.id,
    teamId: row.teamId,
    originCountry: row.originCountry,
    createdBy: row.createdBy,
    handling: { code: row.handlingCode, releasableTo: row.releasableTo ?? ('team' as const), conditions: row.handlingConditions },
    evaluation: { source: row.evalSource, information: row.evalInformation },
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export const entityView = (row: EntityRow, identifiers: Identifier[]) => ({
  ...recordView(row),
  kind: row.kind,
  attributes: row.attributes,
  identifiers,
  caseId: row.caseId,
});

export const linkView = (row: LinkRow) => ({
  ...recordView(row),
  from: row.fromId,
  to: row.toId,
  type: row.type,
  since: row.since,
  until: row.until,
  amount: row.amount,
  currency: row.currency,
});

async function recordChange(tx: Db, kind: RecordKind, row: EntityRow | LinkRow, actor: Actor, what: Record<string, unknown>) {
  await tx.insert(intelChanges).values({
    recordId: row.id,
    recordKind: kind,
    teamId: row.teamId,
    version: row.version,
    actorSub: actor.sub,
    actorCountry: actor.country,
    at: row.updatedAt,
    what,
  });
  await appendAudit(tx, [
    {
      at: row.updatedAt,
      actor,
      action: `intel.${kind}.${String(what.action)}`,
      objectType: `intel_${kind}`,
      objectIds: [row.id],
      outcome: 'ok',
      scopeCountries: [row.originCountry],
      details: { teamId: row.teamId, version: row.version },
    },
  ]);
}

export type InsertOutcome<R> = { outcome: 'created'; row: R } | { outcome: 'exists'; row: R } | { outcome: 'duplicate'; row: R };

/**
 * Records the entity and its identifiers. An entity with this id already ('exists'), or one of the
 * team with the same identity key ('duplicate'), is returned instead and nothing is written.
 */
export async function insertEntity(db: Db, row: NewEntityRow, identifiers: Identifier[], actor: Actor): Promise<InsertOutcome<EntityRow>> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [inserted] = await tx.insert(intelEntities).values(row).onConflictDoNothing().returning();
    if (!inserted) {
      const [same] = await tx.select().from(intelEntities).where(eq(intelEntities.id, row.id));
      if (same) return { outcome: 'exists', row: same };
      const [duplicate] = await tx
        .select()
        .from(intelEntities)
        .where(and(eq(intelEntities.teamId, row.teamId), eq(intelEntities.identityKey, row.identityKey!)));
      return { outcome: 'duplicate', row: duplicate };
    }
    if (identifiers.length > 0) {
      await tx
        .insert(intelIdentifiers)
        .values(identifiers.map((i) => ({ ...i, entityId: inserted.id, teamId: inserted.teamId })))
        .onConflictDoNothing();
    }
    await recordChange(tx, 'entity', inserted, actor, { action: 'create', after: entityView(inserted, identifiers) });
    return { outcome: 'created', row: inserted };
  });
}

export async function insertLink(db: Db, row: NewLinkRow, actor: Actor): Promise<InsertOutcome<LinkRow>> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [inserted] = await tx.insert(intelLinks).values(row).onConflictDoNothing().returning();
    if (!inserted) {
      const [same] = await tx.select().from(intelLinks).where(eq(intelLinks.id, row.id));
      return { outcome: 'exists', row: same };
    }
    await recordChange(tx, 'link', inserted, actor, { action: 'create', after: linkView(inserted) });
    return { outcome: 'created', row: inserted };
  });
}

/** The entity of the team, whatever the caller may see (the route checks visibility, plain form). */
export async function getEntityRow(db: Db, teamId: string, id: string): Promise<EntityRow | undefined> {
  const [row] = await db.select().from(intelEntities).where(and(eq(intelEntities.teamId, teamId), eq(intelEntities.id, id)));
  return row;
}

export async function getLinkRow(db: Db, teamId: string, id: string): Promise<LinkRow | undefined> {
  const [row] = await db.select().from(intelLinks).where(and(eq(intelLinks.teamId, teamId), eq(intelLinks.id, id)));
  return row;
}

export async function identifiersOf(db: Db, ids: string[]): Promise<Map<string, Identifier[]>> {
  const byEntity = new Map<string, Identifier[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byEntity;
  const rows = await db
    .select()
    .from(intelIdentifiers)
    .where(inArray(intelIdentifiers.entityId, ids))
    .orderBy(asc(intelIdentifiers.kind), asc(intelIdentifiers.value));
  for (const r of rows) byEntity.get(r.entityId)?.push({ kind: r.kind, value: r.value });
  return byEntity;
}

/** The links of an entity that `country` may see (the link and both its ends). */
export async function visibleLinksOf(db: Db, teamId: string, entityId: string, country: string | null): Promise<LinkRow[]> {
  return db
    .select()
    .from(intelLinks)
    .where(and(eq(intelLinks.teamId, teamId), or(eq(intelLinks.fromId, entityId), eq(intelLinks.toId, entityId)), linkVisibleSql(country)))
    .orderBy(asc(intelLinks.createdAt), asc(intelLinks.id));
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The team's entities `country` may see, of `kind`, matching the search: an identifier equal to one
 * of `forms` (the search text's normalised forms), a name containing the first form, or attribute
 * text containing the search text.
 */
export async function searchEntities(
  db: Db,
  options: { teamId: string; country: string | null; kind?: string; q?: string; forms: string[]; limit: number },
): Promise<{ items: EntityRow[]; total: number }> {
  const { teamId, country, kind, q, forms, limit } = options;
  const conditions: (SQL | undefined)[] = [eq(intelEntities.teamId, teamId), recordVisibleSql(intelEntities, country)];
  if (kind) conditions.push(eq(intelEntities.kind, kind));
  if (q !== undefined && q.trim().length > 0) {
    const contains = `%${likeEscape(forms[0] ?? q)}%`;
    conditions.push(
      or(
        sql`exists (select 1 from ${intelIdentifiers} where ${intelIdentifiers.entityId} = ${intelEntities.id}
          and (${intelIdentifiers.value} in (${sql.join(
            forms.map((f) => sql`${f}`),
            sql`, `,
          )}) or (${intelIdentifiers.kind} = 'name' and ${intelIdentifiers.value} like ${contains})))`,
        sql`lower(${intelEntities.attributes}::text) like ${`%${likeEscape(q.trim().toLowerCase())}%`}`,
      ),
    );
  }
  const where = and(...conditions);
  const [items, [{ total }]] = await Promise.all([
    db.select().from(intelEntities).where(where).orderBy(asc(intelEntities.createdAt), asc(intelEntities.id)).limit(limit),
    db.select({ total: count() }).from(intelEntities).where(where),
  ]);
  return { items, total };
}

/** The identifier kinds a partner's hidden record may be matched on (hit/no-hit), as in Prüm: never names. */
export const HIT_KINDS = ['phone', 'account', 'wallet', 'document'];

/**
 * Records of the team that `country` may not see holding one of these identifiers exactly, with the
 * kinds of identifier that matched: the caller learns only that a partner holds a match; the rest
 * is for the originator's notice (db/notices.ts) and audit view.
 */
export async function hiddenMatches(db: Db, teamId: string, country: string, forms: string[]): Promise<Hit[]> {
  if (forms.length === 0) return [];
  const rows = await db
    .selectDistinct({ id: intelEntities.id, originCountry: intelEntities.originCountry, kind: intelIdentifiers.kind })
    .from(intelIdentifiers)
    .innerJoin(intelEntities, eq(intelEntities.id, intelIdentifiers.entityId))
    .where(
      and(
        eq(intelIdentifiers.teamId, teamId),
        inArray(intelIdentifiers.kind, HIT_KINDS),
        inArray(intelIdentifiers.value, forms),
        sql`not (${recordVisibleSql(intelEntities, country)})`,
      ),
    )
    .orderBy(asc(intelEntities.id), asc(intelIdentifiers.kind));
  const byId = new Map<string, Hit>();
  for (const r of rows) {
    const hit = byId.get(r.id) ?? { id: r.id, originCountry: r.originCountry, kinds: [] };
    hit.kinds.push(r.kind);
    byId.set(r.id, hit);
  }
  return [...byId.values()];
}

/** How many entities and links of the team `country` may see. */
export async function countVisible(db: Db, teamId: string, country: string | null): Promise<{ entities: number; links: number }> {
  const [[e], [l]] = await Promise.all([
    db.select({ n: count() }).from(intelEntities).where(and(eq(intelEntities.teamId, teamId), recordVisibleSql(intelEntities, country))),
    db.select({ n: count() }).from(intelLinks).where(and(eq(intelLinks.teamId, teamId), linkVisibleSql(country))),
  ]);
  return { entities: e.n, links: l.n };
}

export interface HandlingChange {
  handlingCode: string;
  releasableTo: string[] | null;
  handlingConditions: string | null;
}

/** Changes a record's handling: a new version, and the change (before and after) in its history. */
export async function changeHandling<K extends RecordKind>(
  db: Db,
  kind: K,
  id: string,
  handling: HandlingChange,
  actor: Actor,
  /** What the history entry says besides the change, e.g. the release request it answers. */
  note: Record<string, unknown> = {},
): Promise<K extends 'entity' ? EntityRow : LinkRow> {
  const table = kind === 'entity' ? intelEntities : intelLinks;
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [before] = await tx.select().from(table).where(eq(table.id, id)).for('update');
    const [after] = await tx
      .update(table)
      .set({ ...handling, version: sql`${table.version} + 1`, updatedAt: new Date().toISOString() })
      .where(eq(table.id, id))
      .returning();
    const pick = (r: HandlingChange) => ({ code: r.handlingCode, releasableTo: r.releasableTo ?? 'team', conditions: r.handlingConditions });
    await recordChange(tx, kind, after, actor, { action: 'handling.change', before: pick(before), after: pick(after), ...note });
    return after as K extends 'entity' ? EntityRow : LinkRow;
  });
}

export async function recordHistory(db: Db, kind: RecordKind, id: string) {
  const rows = await db
    .select()
    .from(intelChanges)
    .where(and(eq(intelChanges.recordKind, kind), eq(intelChanges.recordId, id)))
    .orderBy(asc(intelChanges.version));
  return rows.map((r) => ({ version: r.version, actorSub: r.actorSub, actorCountry: r.actorCountry, at: iso(r.at), what: r.what }));
}

// ---- cases tied to intelligence ----

export type CaseTieRow = typeof caseIntelLinks.$inferSelect;

/** Ties a case to an entity; false when the same tie exists (nothing changes). */
export async function insertCaseTie(db: Db, tie: CaseTieRow, actor: Actor, holdingCountry: string): Promise<boolean> {
  return db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    const [row] = await tx.insert(caseIntelLinks).values(tie).onConflictDoNothing().returning();
    if (!row) return false;
    await appendAudit(tx, [
      {
        at: tie.createdAt,
        actor,
        action: 'case.intel.link',
        objectType: 'case',
        objectIds: [tie.caseId, tie.entityId],
        outcome: 'ok',
        scopeCountries: [holdingCountry],
        details: { teamId: tie.teamId, relation: tie.relation },
      },
    ]);
    return true;
  });
}

/** The case's ties that `actor` may see: in a team they are in (admins: any), to an entity they may see. */
export async function visibleCaseTies(db: Db, caseId: string, actor: Actor) {
  const country = actor.role === 'admin' ? null : actor.country;
  const member =
    country === null
      ? sql`true`
      : sql`exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${caseIntelLinks.teamId} and ${teamMembers.sub} = ${actor.sub} and ${teamMembers.country} = ${actor.country})`;
  return db
    .select({ tie: caseIntelLinks, entity: intelEntities })
    .from(caseIntelLinks)
    .innerJoin(intelEntities, eq(intelEntities.id, caseIntelLinks.entityId))
    .where(and(eq(caseIntelLinks.caseId, caseId), member, recordVisibleSql(intelEntities, country)))
    .orderBy(asc(caseIntelLinks.createdAt), asc(caseIntelLinks.entityId));
}

/** The cases tied to an entity that a user of `country` may see (null: admin). */
export async function visibleCasesOf(db: Db, entityId: string, country: string | null) {
  const ties = await db.select().from(caseIntelLinks).where(eq(caseIntelLinks.entityId, entityId)).orderBy(asc(caseIntelLinks.createdAt));
  const scopes = await getCaseScopes(
    db,
    ties.map((t) => t.caseId),
  );
  return ties.filter((t) => {
    const scope = scopes.get(t.caseId);
    return scope !== undefined && canSee(country, scope);
  });
}

/** Every entity and link of the team that `country` may see (links: with both ends), oldest first. */
export async function visibleRecords(db: Db, teamId: string, country: string | null): Promise<{ entities: EntityRow[]; links: LinkRow[] }> {
  const [entities, links] = await Promise.all([
    db
      .select()
      .from(intelEntities)
      .where(and(eq(intelEntities.teamId, teamId), recordVisibleSql(intelEntities, country)))
      .orderBy(asc(intelEntities.createdAt), asc(intelEntities.id)),
    db
      .select()
      .from(intelLinks)
      .where(and(eq(intelLinks.teamId, teamId), linkVisibleSql(country)))
      .orderBy(asc(intelLinks.createdAt), asc(intelLinks.id)),
  ]);
  return { entities, links };
}
