// The source of a team's sharing channels (DESIGN §6): the changes of intel_changes in id order,
// settled (no id below the last one read can still appear), each with the record as it stands now,
// and filtered for one recipient by api/intel-policy.ts `changeVisible` before anything leaves. The
// team stream and the webhook deliveries both read through here, so they send the same things.
import { and, asc, gt, inArray, lte, sql } from 'drizzle-orm';
import { changeVisible, type ChangeKind } from '../api/intel-policy.js';
import { settledUpTo } from './events.js';
import { entityView, identifiersOf, linkView, type EntityRow, type LinkRow } from './intel.js';
import { iso } from './rows.js';
import type { Db } from './client.js';
import { intelChanges, intelEntities, intelLinks } from './schema.js';

export type ChangeRow = typeof intelChanges.$inferSelect;

/** One change as a recipient is sent it. */
export interface ChannelEvent {
  /** The change's id: the SSE id to resume from, and the id a webhook receiver deduplicates by. */
  id: number;
  teamId: string;
  recordKind: ChangeKind;
  recordId: string;
  version: number;
  action: string;
  at: string;
  actorCountry: string | null;
  /** An entity or link change: the record as the recipient may see it now. */
  record?: ReturnType<typeof entityView> | ReturnType<typeof linkView>;
  /** A team change or a notice: what it says (a notice without its audience). */
  change?: Record<string, unknown>;
}

/**
 * The settled changes after `afterId` (of every team, at most `limit`), and the id up to which the
 * log is settled: the reader's next `afterId`, even when none of the rows are for it.
 */
export async function readSettledChanges(
  db: Db,
  afterId: number,
  { limit, gapTimeoutMs }: { limit: number; gapTimeoutMs?: number },
): Promise<{ rows: ChangeRow[]; head: number }> {
  let seen: ChangeRow[] = [];
  const idsAfter = async (after: number, n: number) => {
    seen = await db.select().from(intelChanges).where(gt(intelChanges.id, after)).orderBy(asc(intelChanges.id)).limit(n);
    return seen.map((r) => r.id);
  };
  const head = await settledUpTo(db, idsAfter, afterId, { limit, gapTimeoutMs });
  if (head === afterId) return { rows: [], head };
  // Without a gap the rows already read are the settled ones; past a gap, read again what committed meanwhile.
  const gapless = seen.every((r, i) => r.id === afterId + 1 + i);
  const rows = gapless
    ? seen.filter((r) => r.id <= head)
    : await db
        .select()
        .from(intelChanges)
        .where(and(gt(intelChanges.id, afterId), lte(intelChanges.id, head)))
        .orderBy(asc(intelChanges.id));
  return { rows, head };
}

/** The last change id now (a new reader that wants only what follows starts here). */
export async function lastChangeId(db: Db): Promise<number> {
  const [row] = await db.select({ max: sql<string | null>`max(${intelChanges.id})` }).from(intelChanges);
  return row?.max == null ? 0 : Number(row.max);
}

/**
 * `rows` of team `teamId` as a recipient of `country` (null: an admin) may be sent them, in order;
 * the rest are left out. The caller has checked that the recipient is a member of the team.
 */
export async function channelEvents(db: Db, rows: ChangeRow[], teamId: string, country: string | null): Promise<ChannelEvent[]> {
  const mine = rows.filter((r) => r.teamId === teamId);
  const linkIds = [...new Set(mine.filter((r) => r.recordKind === 'link').map((r) => r.recordId))];
  const links = linkIds.length ? await db.select().from(intelLinks).where(inArray(intelLinks.id, linkIds)) : [];
  const linkById = new Map<string, LinkRow>(links.map((l) => [l.id, l]));
  const entityIds = [
    ...new Set([...mine.filter((r) => r.recordKind === 'entity').map((r) => r.recordId), ...links.flatMap((l) => [l.fromId, l.toId])]),
  ];
  const entities = entityIds.length ? await db.select().from(intelEntities).where(inArray(intelEntities.id, entityIds)) : [];
  const entityById = new Map<string, EntityRow>(entities.map((e) => [e.id, e]));

  const shown = mine.filter((row) => {
    if (row.recordKind === 'entity') return changeVisible(row, { record: entityById.get(row.recordId) ?? null }, country);
    if (row.recordKind === 'link') {
      const link = linkById.get(row.recordId);
      const ends = link ? ([entityById.get(link.fromId) ?? null, entityById.get(link.toId) ?? null] as const) : undefined;
      return changeVisible(row, { record: link ?? null, ends }, country);
    }
    return changeVisible(row, { record: null }, country);
  });
  const identifiers = await identifiersOf(
    db,
    shown.filter((r) => r.recordKind === 'entity').map((r) => r.recordId),
  );
  return shown.map((row) => {
    const base = {
      id: row.id,
      teamId: row.teamId,
      recordKind: row.recordKind as ChangeKind,
      recordId: row.recordId,
      version: row.version,
      action: String(row.what.action),
      at: iso(row.at),
      actorCountry: row.actorCountry,
    };
    if (row.recordKind === 'entity') return { ...base, record: entityView(entityById.get(row.recordId)!, identifiers.get(row.recordId) ?? []) };
    if (row.recordKind === 'link') return { ...base, record: linkView(linkById.get(row.recordId)!) };
    const { audience: _audience, ...change } = row.what;
    return { ...base, change };
  });
}

/** The changes of one team after `afterId` that a recipient of `country` may be sent, and the next `afterId`. */
export async function visibleTeamChanges(
  db: Db,
  options: { teamId: string; country: string | null; afterId: number; limit: number; gapTimeoutMs?: number },
): Promise<{ events: ChannelEvent[]; head: number }> {
  const { rows, head } = await readSettledChanges(db, options.afterId, options);
  return { events: await channelEvents(db, rows, options.teamId, options.country), head };
}
