// Who may see what of a joint investigation team's intelligence (DESIGN §6), in one place: an SQL
// form for queries and a plain form for everything else (answers, history, case detail, the graph).
// A team exists for its members (by the token's sub and country together) and for admins; within
// it a record exists for its originating country and the countries it is releasable to; a link
// exists only with both its ends. Anything else answers 404 and is in no count.
//
// The safeguards' rule (lib/need-to-know.ts) reaches intelligence too: a person recorded as a
// victim is never shared by a "whole team" release; only a release naming the country shows it.
import { and, eq, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { intelEntities, intelLinks, teamMembers, teams } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';

export type Team = typeof teams.$inferSelect;
export type TeamMember = typeof teamMembers.$inferSelect;

/** The fields visibility looks at; entities carry kind and attributes, links do not. */
export interface VisibilityFields {
  originCountry: string;
  releasableTo: readonly string[] | null;
  kind?: string;
  attributes?: Record<string, unknown>;
}

/** The country whose view applies; null for admins, who see every record of every team. */
export const intelViewer = (actor: Pick<Actor, 'role' | 'country'>): string | null => (actor.role === 'admin' ? null : actor.country);

/** A person recorded as a victim: shared only by a release that names the country. */
export const isProtectedPerson = (record: Pick<VisibilityFields, 'kind' | 'attributes'>): boolean =>
  record.kind === 'person' && record.attributes?.role === 'victim';

/** Plain form: may a user of `country` (null: admin) see this record of a team they are in? */
export function recordVisible(record: VisibilityFields, country: string | null): boolean {
  if (country === null || record.originCountry === country) return true;
  if (record.releasableTo === null) return !isProtectedPerson(record);
  return record.releasableTo.includes(country);
}

/** Plain form for a link: the link and both its ends. */
export function linkVisible(link: VisibilityFields, from: VisibilityFields, to: VisibilityFields, country: string | null): boolean {
  return recordVisible(link, country) && recordVisible(from, country) && recordVisible(to, country);
}

/** The kinds of entry in a team's change log (intel_changes.record_kind). */
export const CHANGE_KINDS = ['entity', 'link', 'team', 'notice'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** A change as the channels see it: its kind and what it says (`{action, before?, after?, audience?}`). */
export interface ChangeFields {
  recordKind: string;
  what: Record<string, unknown>;
}

/** The record a change is about, as it stands now (null: not found), and for a link both its ends. */
export interface ChangeSubject {
  record: VisibilityFields | null;
  ends?: readonly [VisibilityFields | null, VisibilityFields | null];
}

/** The handling a change left the record with: a later change may have narrowed it since. */
function handlingAfter(change: ChangeFields, now: VisibilityFields): VisibilityFields {
  const after = change.what.after as { handling?: { releasableTo?: unknown }; releasableTo?: unknown } | undefined;
  const releasableTo = after?.handling?.releasableTo ?? after?.releasableTo;
  if (releasableTo === undefined) return now;
  return { ...now, releasableTo: releasableTo === 'team' ? null : (releasableTo as string[]) };
}

/**
 * Plain form for the channels (the team stream, webhooks): may a member of `country` (null: admin)
 * be sent this change? A record's change only when the record is visible both as the change left it
 * and as it stands now, so a record restricted right after it was made is never sent to those it was
 * restricted from; a link's only with both its ends visible now. The team's own changes go to every
 * member; a notice only to the countries it is addressed to (`what.audience`).
 */
export function changeVisible(change: ChangeFields, subject: ChangeSubject, country: string | null): boolean {
  switch (change.recordKind as ChangeKind) {
    case 'team':
      return true;
    case 'notice':
      return country === null || (Array.isArray(change.what.audience) && change.what.audience.includes(country));
    case 'entity':
    case 'link': {
      const now = subject.record;
      if (!now || !recordVisible(now, country) || !recordVisible(handlingAfter(change, now), country)) return false;
      if (change.recordKind === 'entity') return true;
      const [from, to] = subject.ends ?? [null, null];
      return from !== null && to !== null && recordVisible(from, country) && recordVisible(to, country);
    }
    default:
      return false;
  }
}

type RecordTable = typeof intelEntities | typeof intelLinks;

/**
 * SQL form of recordVisible on `table` (intel_entities or intel_links, or an alias of either).
 * For links this is the link's own handling; linkVisibleSql adds its ends.
 */
export function recordVisibleSql(table: RecordTable, country: string | null): SQL {
  if (country === null) return sql`true`;
  const teamWide =
    'kind' in table
      ? sql`(${table.releasableTo} is null and not (${table.kind} = 'person' and coalesce(${table.attributes}->>'role', '') = 'victim'))`
      : sql`${table.releasableTo} is null`;
  return or(eq(table.originCountry, country), teamWide, sql`${country} = any(${table.releasableTo})`)!;
}

/** SQL form of linkVisible on intel_links (or an alias of it): the link's handling and both its ends visible. */
export function linkVisibleSql(country: string | null, links: typeof intelLinks = intelLinks): SQL {
  if (country === null) return sql`true`;
  const end = (column: AnyColumn) =>
    sql`exists (select 1 from ${intelEntities} where ${intelEntities.id} = ${column} and ${recordVisibleSql(intelEntities, country)})`;
  return and(recordVisibleSql(links, country), end(links.fromId), end(links.toId))!;
}

/** SQL: the teams `actor` may see (admins: all; others: those with a member row for their sub and country). */
export function teamVisibleSql(actor: Pick<Actor, 'sub' | 'role' | 'country'>): SQL {
  if (actor.role === 'admin') return sql`true`;
  return sql`exists (select 1 from ${teamMembers} where ${teamMembers.teamId} = ${teams.id} and ${teamMembers.sub} = ${actor.sub} and ${teamMembers.country} = ${actor.country})`;
}

/**
 * The team and the caller's member row, or null when the team does not exist for the caller
 * (answer 404). Admins get the team with `member: null`.
 */
export async function teamAccess(
  db: Db,
  teamId: string,
  actor: Pick<Actor, 'sub' | 'role' | 'country'>,
): Promise<{ team: Team; member: TeamMember | null } | null> {
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId));
  if (!team) return null;
  const [member] = await db
    .select()
    .from(teamMembers)
    .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.sub, actor.sub), eq(teamMembers.country, actor.country)));
  if (member) return { team, member };
  return actor.role === 'admin' ? { team, member: null } : null;
}

/** The day (UTC, YYYY-MM-DD) of `at`. */
/** A release request's countries: the record's originator, the asking country, the one it is for. */
export interface ReleaseRequestCountries {
  originCountry: string;
  requesterCountry: string;
  releaseTo: string;
}

/**
 * Which record a request is for: the originating country's (and admins') to know, and the
 * requester's when it asked for a record it sees to be released to a third country. A request from
 * a hit never tells the requester which hidden record it matched.
 */
export const releaseRequestRecordShown = (row: ReleaseRequestCountries, actor: Pick<Actor, 'role' | 'country'>): boolean =>
  actor.role === 'admin' || actor.country === row.originCountry || (actor.country === row.requesterCountry && row.releaseTo !== row.requesterCountry);

/** Who knows a release request exists: those shown its record, and the country that asked. */
export const releaseRequestVisible = (row: ReleaseRequestCountries, actor: Pick<Actor, 'role' | 'country'>): boolean =>
  releaseRequestRecordShown(row, actor) || actor.country === row.requesterCountry;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** A team is read-only once its last valid day (UTC) is over. */
export const teamExpired = (team: Pick<Team, 'validUntil'>, now: Date): boolean => utcDay(now) > team.validUntil;
