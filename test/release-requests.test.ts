// Release requests through the HTTP API on a real stack: a member whose search hit a partner's
// hidden record asks its originator to release it; the originator's supervisor consents (the record
// is released to the requester, its history names the request) or refuses (nothing changes);
// another country cannot decide; a member that sees a record asks for it to be released to a third
// member country; undecided, the request lapses at its deadline (time-skipping).
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { releaseRequests } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import type { Api } from './helpers/api.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, setUpTeam, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';
import { useTimeSkippingStack } from './helpers/time-skipping.js';

const u = makeUsers();

/** A team of CN, KH and TH whose supervisors are members too, and a KH account released to CN alone. */
async function teamWithHiddenAccount(api: Api, n: number, number: string) {
  const users = teamUsers(u, n);
  const teamId = await setUpTeam(api, users);
  for (const country of ['CN', 'TH'] as const) {
    const s = users.supervisors[country];
    expect((await api.post(`/v1/teams/${teamId}/members`, s, { sub: s.sub, name: s.name, country, role: 'liaison' })).status).toBe(201);
  }
  const account = await recordEntity(api, teamId, users.officers.KH, {
    kind: 'account',
    attributes: { type: 'bank', bank: 'ACLEDA', number, country: 'KH' },
    handling: { code: 'H2', releasableTo: ['CN'] },
    evaluation: { source: 'B', information: 2 },
  });
  return { users, teamId, account };
}

const ask = (api: Api, teamId: string, by: Actor, value: string, extra: Record<string, unknown> = {}) =>
  api.post(`/v1/teams/${teamId}/release-requests`, by, { identifier: { kind: 'account', value }, reason: 'the mule account paid our recruiters', ...extra });
const decide = (api: Api, teamId: string, rid: string, by: Actor, decision: string) =>
  api.post(`/v1/teams/${teamId}/release-requests/${rid}/decision`, by, { decision });

describe('release requests', () => {
  const t = useStack(u);

  it("a TH hit on a KH account: KH's supervisor consents and TH sees the record, its history naming the consent", async () => {
    const api = t.stack.api;
    const { users, teamId, account } = await teamWithHiddenAccount(api, 31, 'KH-7001 2345 678');
    const TH = users.officers.TH;
    expect((await api.get(`/v1/teams/${teamId}/entities/${account}`, TH)).status).toBe(404);
    expect((await api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent('kh70012345678')}`, TH)).body.partnerMatch).toBe(true);

    const rid = `rr-${account}`;
    const made = await ask(api, teamId, TH, 'KH 7001-2345-678', { id: rid });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ id: rid, status: 'pending', requesterCountry: 'TH', originCountry: 'KH' });
    // The requester never learns which record.
    expect(made.body.record).toBeUndefined();
    expect((await ask(api, teamId, TH, 'KH 7001-2345-678', { id: rid })).status).toBe(200);

    const awaiting = await api.get(`/v1/teams/${teamId}/release-requests?pending=1`, users.supervisors.KH);
    expect(awaiting.status).toBe(200);
    expect(awaiting.body.items.map((r: any) => [r.id, r.record])).toEqual([[rid, { kind: 'entity', id: account }]]);
    expect((await api.get(`/v1/teams/${teamId}/release-requests?pending=1`, users.supervisors.TH)).body.items).toEqual([]);

    const consented = await decide(api, teamId, rid, users.supervisors.KH, 'consent');
    expect(consented.status, JSON.stringify(consented.body)).toBe(200);
    expect(consented.body).toMatchObject({ status: 'consented', record: { id: account } });

    const seen = await api.get(`/v1/teams/${teamId}/entities/${account}`, TH);
    expect(seen.status).toBe(200);
    expect(seen.body.handling).toEqual({ code: 'H2', releasableTo: ['CN', 'TH'], conditions: null });
    const history = await api.get(`/v1/teams/${teamId}/entities/${account}/history`, TH);
    expect(history.body.items.map((c: any) => [c.version, c.what.action, c.actorSub, c.what.consent ?? null])).toEqual([
      [1, 'create', users.officers.KH.sub, null],
      [2, 'handling.change', users.supervisors.KH.sub, { releaseRequestId: rid, requesterCountry: 'TH', releaseTo: 'TH' }],
    ]);
    const outcome = await api.get(`/v1/teams/${teamId}/release-requests/${rid}`, TH);
    expect(outcome.body).toMatchObject({ status: 'consented', decidedAt: expect.any(String) });
    expect(outcome.body.record).toBeUndefined();
    expect((await api.get(`/v1/teams/${teamId}/release-requests?pending=1`, users.supervisors.KH)).body.items).toEqual([]);
    // Decided once: a second decision is refused.
    expect((await decide(api, teamId, rid, users.supervisors.KH, 'refuse')).body.error.code).toBe('WRONG_STAGE');
  });

  it('only a supervisor of the originating country decides; a refusal leaves the record hidden', async () => {
    const api = t.stack.api;
    const { users, teamId, account } = await teamWithHiddenAccount(api, 32, 'KH-7002 2345 678');
    const made = await ask(api, teamId, users.officers.TH, 'kh70022345678');
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const rid = made.body.id as string;

    // CN (neither originator nor requester): the request does not exist for it.
    const cn = await decide(api, teamId, rid, users.supervisors.CN, 'consent');
    expect([cn.status, cn.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await api.get(`/v1/teams/${teamId}/release-requests/${rid}`, users.supervisors.CN)).status).toBe(404);
    // The requesting country's supervisor: refused by the workflow's validator.
    const th = await decide(api, teamId, rid, users.supervisors.TH, 'consent');
    expect([th.status, th.body.error.code]).toEqual([403, 'FORBIDDEN']);
    // An officer of the originating country: refused by the route's roles.
    expect((await decide(api, teamId, rid, users.officers.KH, 'consent')).status).toBe(403);
    expect((await api.get(`/v1/teams/${teamId}/release-requests/${rid}`, users.officers.TH)).body.status).toBe('pending');
    expect((await api.get(`/v1/teams/${teamId}/entities/${account}`, users.officers.CN)).body.version).toBe(1);

    const refused = await decide(api, teamId, rid, users.supervisors.KH, 'refuse');
    expect(refused.body).toMatchObject({ status: 'refused' });
    expect((await api.get(`/v1/teams/${teamId}/entities/${account}`, users.officers.TH)).status).toBe(404);
    const history = await api.get(`/v1/teams/${teamId}/entities/${account}/history`, users.officers.KH);
    expect(history.body.items.map((c: any) => c.what.action)).toEqual(['create']);
    expect((await api.get(`/v1/teams/${teamId}/release-requests/${rid}`, users.officers.TH)).body.status).toBe('refused');
  });

  it('a member that sees a record asks its originator to release it to a third member country', async () => {
    const api = t.stack.api;
    const { users, teamId, account } = await teamWithHiddenAccount(api, 35, 'KH-7005 2345 678');
    const widen = (by: Actor, body: Record<string, unknown>) =>
      api.post(`/v1/teams/${teamId}/release-requests`, by, { recordId: account, recordKind: 'entity', reason: 'TH holds the recruiters', ...body });
    // Refused: the originator's own record, a country that sees it, a country outside the team, a record the caller does not see.
    expect((await widen(users.officers.KH, { releaseTo: 'TH' })).body.error.code).toBe('OWN_RECORD');
    expect((await widen(users.officers.CN, { releaseTo: 'KH' })).body.error.code).toBe('ALREADY_RELEASED');
    expect((await widen(users.officers.CN, { releaseTo: 'VN' })).body.error.code).toBe('NOT_A_MEMBER_COUNTRY');
    expect((await widen(users.officers.TH, { releaseTo: 'TH' })).status).toBe(404);
    expect((await widen(users.officers.CN, {})).body.error.code).toBe('VALIDATION_FAILED');

    const made = await widen(users.officers.CN, { releaseTo: 'TH' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // The requester knows the record; so does the originator.
    expect(made.body).toMatchObject({ status: 'pending', requesterCountry: 'CN', releaseTo: 'TH', record: { kind: 'entity', id: account } });
    const decided = await decide(api, teamId, made.body.id, users.supervisors.KH, 'consent');
    expect(decided.body.status).toBe('consented');
    expect((await api.get(`/v1/teams/${teamId}/entities/${account}`, users.officers.TH)).body.handling.releasableTo).toEqual(['CN', 'TH']);
    const history = await api.get(`/v1/teams/${teamId}/entities/${account}/history`, users.officers.CN);
    expect(history.body.items.at(-1).what.consent).toEqual({ releaseRequestId: made.body.id, requesterCountry: 'CN', releaseTo: 'TH' });
  });

  it('bad input is a 4xx in the error shape and stores nothing', async () => {
    const api = t.stack.api;
    const { users, teamId } = await teamWithHiddenAccount(api, 33, 'KH-7003 2345 678');
    const TH = users.officers.TH;
    const bad = [
      await api.post(`/v1/teams/${teamId}/release-requests`, TH, { identifier: { kind: 'account', value: 'kh70032345678' } }),
      await api.post(`/v1/teams/${teamId}/release-requests`, TH, { identifier: { kind: 'name', value: 'Boss' }, reason: 'r' }),
      await ask(api, teamId, TH, 'kh70032345678', { deadlineDays: 0 }),
      await ask(api, teamId, TH, 'kh70032345678', { id: 'Not An Id!' }),
      await ask(api, teamId, TH, 'kh70032345678', { extra: true }),
      await ask(api, teamId, TH, 'kh70032345678', { recordId: 'some-record' }),
      await ask(api, teamId, TH, 'kh70032345678', { releaseTo: 'CN' }),
      await api.post(`/v1/teams/${teamId}/release-requests`, TH, { reason: 'neither identifier nor record' }),
    ];
    expect(bad.map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(bad.map(() => '400 VALIDATION_FAILED'));
    // No hidden record holds it, or the caller sees the record already: nothing to ask.
    expect((await ask(api, teamId, TH, 'kh99999999999')).body.error.code).toBe('NO_PARTNER_MATCH');
    expect((await ask(api, teamId, users.officers.CN, 'kh70032345678')).body.error.code).toBe('NO_PARTNER_MATCH');
    expect((await api.post(`/v1/teams/${teamId}/release-requests/no-such/decision`, users.supervisors.KH, { decision: 'maybe' })).status).toBe(400);
    expect((await api.post(`/v1/teams/${teamId}/release-requests/no-such/decision`, users.supervisors.KH, { decision: 'consent' })).status).toBe(404);
    expect(await t.stack.database.db.select().from(releaseRequests).where(eq(releaseRequests.teamId, teamId))).toEqual([]);
  });
});

describe("a release request's workflow", () => {
  const ts = useTimeSkippingStack(u);

  it('lapses undecided at its deadline; nothing changes', async () => {
    const api = ts.stack.api;
    const { users, teamId, account } = await teamWithHiddenAccount(api, 34, 'KH-7004 2345 678');
    const made = await ask(api, teamId, users.officers.TH, 'kh70042345678', { deadlineDays: 2 });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const status = async () => (await api.get(`/v1/teams/${teamId}/release-requests/${made.body.id}`, users.officers.TH)).body.status;
    expect(await status()).toBe('pending');
    await ts.env.sleep('49 hours');
    await expect.poll(status, { timeout: 20_000 }).toBe('lapsed');
    expect((await decide(api, teamId, made.body.id, users.supervisors.KH, 'consent')).body.error.code).toBe('WRONG_STAGE');
    expect((await api.get(`/v1/teams/${teamId}/entities/${account}`, users.officers.TH)).status).toBe(404);
  });
});
