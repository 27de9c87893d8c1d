// Hit notices (DESIGN §6 hit/no-hit): when a search or a new record of one member country matches a
// record it may not see, the record's originator is told, in the team's change log (intel_changes,
// record_kind 'notice', addressed by `what.audience`), so the team stream and webhooks carry it
// through db/intel-feed.ts as they carry every change. Nothing of a notice goes to the searcher.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import type { Actor } from '../workflows/definitions.js';
import { iso } from './rows.js';
import type { Db } from './client.js';
import { intelChanges } from './schema.js';

/** A record a caller may not see that holds one of the identifiers it searched or recorded. */
export interface Hit {
  id: string;
  originCountry: string;
  /** The kinds of identifier that matched (phone, account, wallet, document, ...). */
  kinds: string[];
}

export type HitHow = 'search' | 'record';

/** What a notice row says (intel_changes.what); `audience` is the originating country alone. */
interface NoticeWhat {
  action: 'partner.hit';
  audience: string[];
  entityId: string;
  searcherCountry: string;
  how: HitHow;
  identifierKinds: string[];
}

export type NoticeRow = typeof intelChanges.$inferSelect & { what: NoticeWhat & Record<string, unknown> };

/** One notice per hidden record matched, addressed to that record's originating country. */
export async function insertHitNotices(db: Db, teamId: string, actor: Actor, how: HitHow, hits: Hit[]): Promise<void> {
  if (hits.length === 0) return;
  const at = new Date().toISOString();
  await db.insert(intelChanges).values(
    hits.map((hit) => ({
      recordId: randomUUID(),
      recordKind: 'notice',
      teamId,
      version: 1,
      actorSub: actor.sub,
      actorCountry: actor.country,
      at,
      what: {
        action: 'partner.hit',
        audience: [hit.originCountry],
        entityId: hit.id,
        searcherCountry: actor.country,
        how,
        identifierKinds: [...hit.kinds].sort(),
      } satisfies NoticeWhat,
    })),
  );
}

/** SQL: the team's notices addressed to `country` (null: an admin, all of them). */
function noticesFor(teamId: string, country: string | null) {
  return and(
    eq(intelChanges.teamId, teamId),
    eq(intelChanges.recordKind, 'notice'),
    country === null ? undefined : sql`${intelChanges.what}->'audience' @> ${JSON.stringify([country])}::jsonb`,
  );
}

/** A page of the notices addressed to `country`, newest first, after the cursor's key. */
export async function listNotices(
  db: Db,
  options: { teamId: string; country: string | null; limit: number; after?: { createdAt: string; id: string } },
): Promise<{ items: NoticeRow[]; next: { createdAt: string; id: string } | null }> {
  const { teamId, country, limit, after } = options;
  const rows = (await db
    .select()
    .from(intelChanges)
    .where(
      and(
        noticesFor(teamId, country),
        after ? or(lt(intelChanges.at, after.createdAt), and(eq(intelChanges.at, after.createdAt), lt(intelChanges.recordId, after.id))) : undefined,
      ),
    )
    .orderBy(desc(intelChanges.at), desc(intelChanges.recordId))
    .limit(limit + 1)) as NoticeRow[];
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { createdAt: iso(last.at), id: last.recordId } : null };
}

/** The notice of the team addressed to `country` (null: admin), or undefined. */
export async function getNotice(db: Db, teamId: string, noticeId: string, country: string | null): Promise<NoticeRow | undefined> {
  const [row] = await db
    .select()
    .from(intelChanges)
    .where(and(noticesFor(teamId, country), eq(intelChanges.recordId, noticeId)));
  return row as NoticeRow | undefined;
}
