// GET /v1/teams/:id/stream on a real HTTP server (DESIGN §6 "Sharing channels"): each member country
// is sent what it may see of the team's changes, decided at the record's current state (a record
// restricted right after its creation never reaches those it was restricted from), notices reach
// only their audience, Last-Event-ID resumes without loss or repeat, a non-member is told the team
// does not exist, a removed member's stream ends, and each batch of another country's changes is a
// disclosure in the audit log. The feed's fallback poll is set far beyond the test: every change
// here arrives because a write through the API woke it.
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../api/server.js';
import { TeamStreamEvent } from '../api/routes/team-stream.js';
import { lastChangeId, visibleTeamChanges } from '../db/intel-feed.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, recordLink, setUpTeam, teamUsers, type TeamCountry } from './helpers/intel.js';
import { connectSse, type SseConnection, type SseMessage } from './helpers/sse.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
/** While set, the team feed's clock stands still: every change written since is held back, however long the test takes. */
let clockStoppedAt: number | null = null;
const t = useStack(u, {
  ownDatabase: true,
  app: {
    stream: { teamPollIntervalMs: 600_000, heartbeatMs: 500, teamClock: () => clockStoppedAt ?? Date.now() },
    limits: { streamsPerUser: 20 },
  },
});
let server: RunningServer;
const open: SseConnection[] = [];
beforeAll(async () => {
  server = await listen(t.stack.api.app, 0, '127.0.0.1');
});
afterAll(async () => {
  for (const c of open) c.close();
  await server?.close(2000);
});

const PURPOSE = 'following the team (test)';

async function teamStream(teamId: string, as: Actor, lastEventId?: string | number): Promise<SseConnection> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await t.stack.api.token(as)}`, 'X-Purpose': PURPOSE };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  const connection = await connectSse(`${server.url}/v1/teams/${teamId}/stream`, headers);
  open.push(connection);
  return connection;
}

const about = (recordId: string) => (m: SseMessage) => m.data.recordId === recordId;
const records = (c: SseConnection) => c.messages.filter((m) => m.data.recordKind !== 'team').map((m) => `${m.data.recordKind}:${m.data.recordId}:${m.data.action}`);
const shownTo = async (teamId: string, country: string, afterId: number) =>
  (await visibleTeamChanges(t.stack.database.db, { teamId, country, afterId, limit: 1000 })).events.map((e) => e.id);

/** A team-wide record: once every stream has it, anything written before it would have arrived too. */
const marker = (teamId: string, by: Actor, n: number) =>
  recordEntity(t.stack.api, teamId, by, { kind: 'organisation', attributes: { name: `Marker ${n}`, type: 'other' } });

describe('what each member country is sent', () => {
  const users = teamUsers(u, 1);
  let teamId: string;
  let after: number;
  const s = {} as Record<TeamCountry, SseConnection>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const api = t.stack.api;
    teamId = await setUpTeam(api, users);
    for (const c of ['KH', 'CN', 'TH'] as const) s[c] = await teamStream(teamId, users.officers[c]);
    after = await lastChangeId(t.stack.database.db);
    ids.phone = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 701' },
      handling: { code: 'H2', releasableTo: ['KH', 'TH'] },
    });
    ids.org = await recordEntity(api, teamId, users.officers.CN, { kind: 'organisation', attributes: { name: 'Golden Fortune', type: 'syndicate' } });
    ids.victim = await recordEntity(api, teamId, users.officers.KH, { kind: 'person', attributes: { name: 'Victim Three', role: 'victim' } });
    ids.link = await recordLink(api, teamId, users.officers.KH, { from: ids.phone, to: ids.org, type: 'uses' });
    ids.marker = await marker(teamId, users.officers.TH, 1);
    for (const c of ['KH', 'CN', 'TH'] as const) await s[c].waitFor(about(ids.marker), 20_000, `the marker on ${c}'s stream`);
  });

  it('opens as text/event-stream for members of every country', () => {
    for (const c of ['KH', 'CN', 'TH'] as const) {
      expect(s[c].status).toBe(200);
      expect(s[c].contentType).toMatch(/^text\/event-stream/);
    }
  });

  it('Cambodia, China and Thailand each get their own share, in change-id order, as the source decides it', async () => {
    expect(records(s.KH)).toEqual([
      `entity:${ids.phone}:create`,
      `entity:${ids.org}:create`,
      `entity:${ids.victim}:create`,
      `link:${ids.link}:create`,
      `entity:${ids.marker}:create`,
    ]);
    // China: not the phone released to KH and TH, not the link with it as an end, not the victim.
    expect(records(s.CN)).toEqual([`entity:${ids.org}:create`, `entity:${ids.marker}:create`]);
    // Thailand: the phone released to it and the link; not the victim.
    expect(records(s.TH)).toEqual([`entity:${ids.phone}:create`, `entity:${ids.org}:create`, `link:${ids.link}:create`, `entity:${ids.marker}:create`]);
    for (const c of ['KH', 'CN', 'TH'] as const) {
      const got = s[c].messages.map((m) => m.data.id as number);
      expect(got).toEqual(await shownTo(teamId, c, after));
      expect(s[c].messages.map((m) => m.id)).toEqual(got.map(String));
      for (const m of s[c].messages) {
        expect(m.event).toBe('intel');
        expect(TeamStreamEvent.safeParse(m.data).success, JSON.stringify(m.data)).toBe(true);
      }
    }
  });

  it('each batch with another country\'s changes is a disclosure to the recipient in the audit log; its own are not', async () => {
    const entries = async (who: Actor) =>
      t.stack.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.actorSub, who.sub), eq(auditLog.action, 'intel.stream.disclose')))
        .orderBy(asc(auditLog.id));
    const cn = await entries(users.officers.CN);
    // China saw the marker (TH's); its own organisation is no disclosure.
    expect(cn.flatMap((e) => e.objectIds)).toEqual([ids.marker]);
    // The record's country and the recipient's (the audit log adds the recipient, for its auditors).
    expect(cn.map((e) => [e.recipientCountry, e.purpose, [...e.scopeCountries].sort()])).toEqual(cn.map(() => ['CN', PURPOSE, ['CN', 'TH']]));
    const th = await entries(users.officers.TH);
    expect(new Set(th.flatMap((e) => e.objectIds))).toEqual(new Set([ids.phone, ids.org, ids.link]));
    expect(th.flatMap((e) => (e.details as { events: number[] }).events)).toEqual(
      s.TH.messages.filter((m) => m.data.recordId !== ids.marker).map((m) => m.data.id),
    );
    const opened = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.KH.sub), eq(auditLog.action, 'intel.stream.open')));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ purpose: PURPOSE, objectIds: [teamId] });
  });
});

describe('decided at the current state', () => {
  const users = teamUsers(u, 2);
  let teamId: string;

  beforeAll(async () => {
    teamId = await setUpTeam(t.stack.api, users);
  });

  it('a record made releasable to China and restricted to Cambodia right after never reaches China', async () => {
    const api = t.stack.api;
    const cn = await teamStream(teamId, users.officers.CN);
    const kh = await teamStream(teamId, users.officers.KH);
    // The restriction follows within the hold, whatever the machine's load: the clock waits for it.
    clockStoppedAt = Date.now();
    const id = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 702' },
      handling: { code: 'H2', releasableTo: ['CN', 'KH'] },
    });
    const narrowed = await api.call('patch', `/v1/teams/${teamId}/entities/${id}/handling`, {
      as: users.officers.KH,
      body: { handling: { code: 'H2', releasableTo: ['KH'] } },
    });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    clockStoppedAt = null;
    const last = await marker(teamId, users.officers.KH, 2);
    await kh.waitFor(about(last), 20_000, "the marker on KH's stream");
    await cn.waitFor(about(last), 20_000, "the marker on CN's stream");
    expect(cn.messages.filter(about(id))).toEqual([]);
    expect(JSON.stringify(cn.messages)).not.toContain('345 702');
    expect(kh.messages.filter(about(id)).map((m) => m.data.action)).toEqual(['create', 'handling.change']);
    // Both events carry the record as it stands now: restricted.
    expect(kh.messages.filter(about(id)).map((m) => m.data.record.handling.releasableTo)).toEqual([['KH'], ['KH']]);
  });

  it("a hit notice reaches only its audience (the record's originator), without the audience itself", async () => {
    const api = t.stack.api;
    const streams = {} as Record<TeamCountry, SseConnection>;
    for (const c of ['KH', 'CN', 'TH'] as const) streams[c] = await teamStream(teamId, users.officers[c]);
    await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 703' },
      handling: { code: 'H2', releasableTo: ['CN'] },
    });
    // Thailand searches for the phone it may not see: a hit, and a notice for Cambodia.
    const search = await api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent('+855 12 345 703')}`, users.officers.TH);
    expect(search.body).toMatchObject({ total: 0, partnerMatch: true });
    const last = await marker(teamId, users.officers.CN, 3);
    for (const c of ['KH', 'CN', 'TH'] as const) await streams[c].waitFor(about(last), 20_000, `the marker on ${c}'s stream`);
    const notices = (c: TeamCountry) => streams[c].messages.filter((m) => m.data.recordKind === 'notice');
    expect(notices('KH')).toHaveLength(1);
    expect(notices('KH')[0].data.change).not.toHaveProperty('audience');
    expect(notices('CN')).toEqual([]);
    expect(notices('TH')).toEqual([]);
  });
});

describe('resuming', () => {
  const users = teamUsers(u, 3);
  let teamId: string;

  beforeAll(async () => {
    teamId = await setUpTeam(t.stack.api, users);
  });

  it('with Last-Event-ID: exactly the changes missed, once each, then live; without: only what comes next', async () => {
    const api = t.stack.api;
    const first = await teamStream(teamId, users.officers.TH);
    const a = await marker(teamId, users.officers.KH, 4);
    const seenA = await first.waitFor(about(a), 20_000, 'the first record');
    first.close();

    const missed = [await marker(teamId, users.officers.KH, 5), await marker(teamId, users.officers.CN, 6)];
    const hidden = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'phone',
      attributes: { number: '+855 12 345 704' },
      handling: { code: 'H2', releasableTo: ['KH'] },
    });
    const fresh = await teamStream(teamId, users.officers.TH);
    const resumed = await teamStream(teamId, users.officers.TH, seenA.id!);
    const live = await marker(teamId, users.officers.TH, 7);
    await resumed.waitFor(about(live), 20_000, 'the live record after the replay');
    await fresh.waitFor(about(live), 20_000, 'the live record on the fresh stream');

    expect(resumed.messages.map((m) => m.data.recordId)).toEqual([...missed, live]);
    const got = resumed.messages.map((m) => Number(m.id));
    expect(got.every((id) => id > Number(seenA.id))).toBe(true);
    expect(new Set(got).size).toBe(got.length);
    expect(resumed.messages.filter(about(hidden))).toEqual([]);
    // Without Last-Event-ID the stream starts at the feed's head: nothing from before it opened.
    expect(fresh.messages.map((m) => m.data.recordId)).toEqual([live]);
  });

  it('replays everything with 0, and refuses a Last-Event-ID it never sent', async () => {
    const all = await teamStream(teamId, users.officers.CN, 0);
    const live = await marker(teamId, users.officers.TH, 8);
    await all.waitFor(about(live), 20_000, 'the live record after the full replay');
    expect(all.messages.map((m) => m.data.id)).toEqual(await shownTo(teamId, 'CN', 0));
    expect(all.messages.filter((m) => m.data.recordKind === 'team').map((m) => m.data.action)[0]).toBe('team.create');

    const bad = await teamStream(teamId, users.officers.CN, 'abc');
    expect(bad.status).toBe(400);
  });
});

describe('who may follow it', () => {
  const users = teamUsers(u, 4);
  let teamId: string;

  beforeAll(async () => {
    teamId = await setUpTeam(t.stack.api, users);
  });

  it('a non-member (another country, or one of a member country not named) is told the team does not exist; an admin follows it', async () => {
    for (const outsider of [u.user('officer', 'VN', 4), u.user('officer', 'KH', 44)]) {
      const res = await teamStream(teamId, outsider);
      expect(res.status).toBe(404);
    }
    const missing = await teamStream('jit-no-such-team', users.officers.KH);
    expect(missing.status).toBe(404);
    const admin = await teamStream(teamId, u.user('admin', 'KH', 4));
    expect(admin.status).toBe(200);
    const hidden = await recordEntity(t.stack.api, teamId, users.officers.CN, {
      kind: 'phone',
      attributes: { number: '+86 138 0000 7050' },
      handling: { code: 'H2', releasableTo: ['CN'] },
    });
    await admin.waitFor(about(hidden), 20_000, 'the admin seeing a restricted record');
  });

  it('needs a purpose', async () => {
    const res = await fetch(`${server.url}/v1/teams/${teamId}/stream`, {
      headers: { Authorization: `Bearer ${await t.stack.api.token(users.officers.KH)}`, 'X-Purpose': '' },
    });
    expect(res.status).toBe(400);
  });

  it("a member removed from the team has their open stream ended, and is sent nothing after the removal", async () => {
    const api = t.stack.api;
    const th = await teamStream(teamId, users.officers.TH);
    const kh = await teamStream(teamId, users.officers.KH);
    const before = await marker(teamId, users.officers.KH, 9);
    await th.waitFor(about(before), 20_000, 'a record before the removal');
    const removed = await api.call('delete', `/v1/teams/${teamId}/members/${users.officers.TH.sub}`, { as: users.supervisors.TH });
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    const after = await marker(teamId, users.officers.KH, 10);
    await th.ended;
    await kh.waitFor(about(after), 20_000, 'the record after the removal on a member\'s stream');
    expect(th.messages.filter(about(after))).toEqual([]);
    expect(th.messages.some((m) => m.data.action === 'member.remove')).toBe(false);
    // Reconnecting: the team no longer exists for them.
    expect((await teamStream(teamId, users.officers.TH)).status).toBe(404);
  });
});
