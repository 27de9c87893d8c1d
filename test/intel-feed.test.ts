// The channels' source (db/intel-feed.ts): what each member country of a team is sent of the team's
// changes, decided by changeVisible, and reading in id order without skipping a change whose
// transaction commits after a later one.
import { asc, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intelChanges } from '../db/schema.js';
import { settledUpTo } from '../db/events.js';
import { lastChangeId, readSettledChanges, visibleTeamChanges, type ChannelEvent } from '../db/intel-feed.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, recordLink, setUpTeam, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';
import { waitUntil } from './helpers/wait.js';

const u = makeUsers();
const t = useStack(u, { ownDatabase: true });
const users = teamUsers(u, 1);

let teamId: string;
let startedAfter: number;
const ids: Record<string, string> = {};

const changes = async (country: string | null) =>
  (await visibleTeamChanges(t.stack.database.db, { teamId, country, afterId: startedAfter, limit: 1000 })).events;
const seen = (events: ChannelEvent[]) => events.map((e) => `${e.recordKind}:${e.recordId}:${e.action}`);

beforeAll(async () => {
  const api = t.stack.api;
  startedAfter = await lastChangeId(t.stack.database.db);
  teamId = await setUpTeam(api, users);
  ids.phone = await recordEntity(api, teamId, users.officers.KH, {
    kind: 'phone',
    attributes: { number: '+855 12 345 001' },
    handling: { code: 'H2', releasableTo: ['KH', 'TH'] },
  });
  ids.org = await recordEntity(api, teamId, users.officers.CN, { kind: 'organisation', attributes: { name: 'Golden Fortune', type: 'syndicate' } });
  ids.victim = await recordEntity(api, teamId, users.officers.KH, { kind: 'person', attributes: { name: 'Victim One', role: 'victim' } });
  ids.link = await recordLink(api, teamId, users.officers.KH, { from: ids.phone, to: ids.org, type: 'uses' });
  // Made for the whole team, restricted to its originator right after.
  ids.later = await recordEntity(api, teamId, users.officers.TH, { kind: 'phone', attributes: { number: '+66 81 234 0001' } });
  const narrowed = await api.call('patch', `/v1/teams/${teamId}/entities/${ids.later}/handling`, {
    as: users.officers.TH,
    body: { handling: { code: 'H3', releasableTo: ['TH'], conditions: 'the Bangkok prosecutor only' } },
  });
  expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
});

describe('what each member country is sent', () => {
  it('Thailand: the phone released to it, the organisation and the link between them; not the victim, and never its own phone\'s creation to others', async () => {
    const th = seen(await changes('TH'));
    expect(th).toEqual(
      expect.arrayContaining([`entity:${ids.phone}:create`, `entity:${ids.org}:create`, `link:${ids.link}:create`, `entity:${ids.later}:create`]),
    );
    expect(th.filter((e) => e.includes(ids.victim))).toEqual([]);
  });

  it('China: the organisation only — not the phone released to KH and TH, not the link with that end, not the restricted phone', async () => {
    const cn = seen((await changes('CN')).filter((e) => e.recordKind !== 'team'));
    expect(cn).toEqual([`entity:${ids.org}:create`]);
  });

  it('Cambodia: its own records, the organisation and the link; not the phone Thailand restricted right after making it', async () => {
    const kh = seen((await changes('KH')).filter((e) => e.recordKind !== 'team'));
    expect(kh).toEqual([`entity:${ids.phone}:create`, `entity:${ids.org}:create`, `entity:${ids.victim}:create`, `link:${ids.link}:create`]);
  });

  it('every member gets the team\'s own changes; an event carries the record as it stands now', async () => {
    for (const country of ['CN', 'KH', 'TH']) {
      const events = await changes(country);
      expect(events.filter((e) => e.recordKind === 'team').map((e) => e.action)).toEqual(['team.create', 'member.add', 'member.add', 'member.add']);
    }
    const later = (await changes('TH')).filter((e) => e.recordId === ids.later);
    expect(later.map((e) => e.action)).toEqual(['create', 'handling.change']);
    expect(later[0].record).toMatchObject({ version: 2, handling: { code: 'H3', releasableTo: ['TH'] } });
  });

  it('a notice goes only to the countries it is addressed to, without its audience', async () => {
    const { sql } = t.scratch!;
    await sql`insert into intel_changes (record_id, record_kind, team_id, version, actor_sub, actor_country, at, what)
      values ('notice-1', 'notice', ${teamId}, 1, 'th-officer', 'TH', now(), ${sql.json({ action: 'partner.hit', audience: ['KH'], recordId: ids.phone, askedBy: 'CN' })})`;
    const [notice] = (await changes('KH')).filter((e) => e.recordKind === 'notice');
    expect(notice).toMatchObject({ recordId: 'notice-1', action: 'partner.hit', change: { action: 'partner.hit', recordId: ids.phone, askedBy: 'CN' } });
    expect(notice.change).not.toHaveProperty('audience');
    expect((await changes('CN')).filter((e) => e.recordKind === 'notice')).toEqual([]);
    expect((await changes(null)).filter((e) => e.recordKind === 'notice')).toHaveLength(1);
  });
});

describe('reading in id order', () => {
  let release: (() => void) | undefined;
  afterAll(() => release?.());

  it('waits for a change whose transaction is still open below a committed one, and then reads both', async () => {
    const { sql } = t.scratch!;
    const db = t.stack.database.db;
    let held: number | undefined;
    const open = sql.begin(async (tx) => {
      const [row] = await tx`insert into intel_changes (record_id, record_kind, team_id, version, actor_sub, actor_country, at, what)
        values ('notice-held', 'notice', ${teamId}, 1, 'kh-officer', 'KH', now(), ${sql.json({ action: 'partner.hit', audience: ['KH'] })}) returning id`;
      held = Number(row.id);
      await new Promise<void>((resolve) => (release = resolve));
    });
    await waitUntil('the open transaction holds an id', async () => held);
    const before = held! - 1;
    const afterIt = await recordEntity(t.stack.api, teamId, users.officers.KH, { kind: 'phone', attributes: { number: '+855 12 345 002' } });

    let reads = 0;
    const idsAfter = async (after: number, limit: number) => {
      const rows = await db.select({ id: intelChanges.id }).from(intelChanges).where(gt(intelChanges.id, after)).orderBy(asc(intelChanges.id)).limit(limit);
      reads++;
      return rows.map((r) => r.id);
    };
    let released = false;
    let settledAfterRelease: boolean | undefined;
    const settling = settledUpTo(db, idsAfter, before, { limit: 100, gapTimeoutMs: 60_000 }).then((head) => {
      settledAfterRelease = released;
      return head;
    });
    await waitUntil('the reader has seen the gap', async () => reads, (n) => n > 0);
    released = true;
    release!();
    await open;
    const head = await settling;
    // The reader did not move past the open transaction's id until that transaction had ended.
    expect(settledAfterRelease).toBe(true);
    const { rows } = await readSettledChanges(db, before, { limit: 100 });
    expect(rows[0].id).toBe(held);
    expect(rows.some((r) => r.recordId === afterIt)).toBe(true);
    expect(head).toBeGreaterThanOrEqual(rows.find((r) => r.recordId === afterIt)!.id);
  });
});
