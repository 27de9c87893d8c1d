// The second matrix: a team of CN, KH and TH holding records of every handling code, released to
// the whole team, to the originator alone, to one partner and to two, by each country; a victim
// shared with the team and one released to CN by name; links with one end hidden. For each member
// of each country, a non-member, an auditor and an admin: exactly which records exist — reads,
// search, list counts, team counts, the links of an entity.
import { and, arrayContains, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { makeUsers } from './helpers/fixtures.js';
import { TEAM_COUNTRIES, recordEntity, recordLink, setUpTeam, teamUsers, type TeamCountry } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);
const users = teamUsers(u, 3);

const NEXT: Record<TeamCountry, TeamCountry> = { CN: 'KH', KH: 'TH', TH: 'CN' };
const AFTER_NEXT: Record<TeamCountry, TeamCountry> = { CN: 'TH', KH: 'CN', TH: 'KH' };
const PHONES: Record<TeamCountry, string> = { CN: '+86 138 0013 8000', KH: '+855 12 345 678', TH: '+66 81 234 5678' };
const WALLETS: Record<TeamCountry, string> = {
  CN: '0x' + 'c'.repeat(40),
  KH: '0x' + 'a'.repeat(40),
  TH: '0x' + 'b'.repeat(40),
};

/** Record name → its id; names are `<origin>-<handling>`. */
const ids: Record<string, string> = {};

/** Which records each country sees, written out by hand from the rules (never computed by the code under test). */
const SEES: Record<TeamCountry, string[]> = {
  CN: ['CN-h0', 'CN-h1', 'CN-h2', 'CN-h3', 'KH-h0', 'KH-h3', 'TH-h0', 'TH-h2', 'TH-h3', 'KH-victim-cn'],
  KH: ['KH-h0', 'KH-h1', 'KH-h2', 'KH-h3', 'KH-victim-team', 'KH-victim-cn', 'CN-h0', 'CN-h2', 'CN-h3', 'TH-h0', 'TH-h3'],
  TH: ['TH-h0', 'TH-h1', 'TH-h2', 'TH-h3', 'CN-h0', 'CN-h3', 'KH-h0', 'KH-h2', 'KH-h3'],
};
const LINK_SEES: Record<TeamCountry, string[]> = {
  CN: ['all-three', 'cn-hidden-end', 'cn-th-only'],
  KH: ['all-three'],
  TH: ['all-three', 'cn-th-only'],
};
const ENTITY_NAMES = [...TEAM_COUNTRIES.flatMap((c) => ['h0', 'h1', 'h2', 'h3'].map((h) => `${c}-${h}`)), 'KH-victim-team', 'KH-victim-cn'];
const LINK_NAMES = ['all-three', 'cn-hidden-end', 'cn-th-only'];

let teamId: string;

beforeAll(async () => {
  const api = t.stack.api;
  teamId = await setUpTeam(api, users);
  for (const origin of TEAM_COUNTRIES) {
    const by = users.officers[origin];
    const evaluation = { source: 'A', information: 1 };
    ids[`${origin}-h0`] = await recordEntity(api, teamId, by, {
      kind: 'phone',
      attributes: { number: PHONES[origin] },
      handling: { code: 'H0', releasableTo: 'team' },
      evaluation,
    });
    ids[`${origin}-h1`] = await recordEntity(api, teamId, by, {
      kind: 'account',
      attributes: { type: 'bank', bank: 'ACLEDA', number: `${origin}-0001 2345 678`, country: origin },
      handling: { code: 'H1', releasableTo: [origin] },
      evaluation,
    });
    ids[`${origin}-h2`] = await recordEntity(api, teamId, by, {
      kind: 'person',
      attributes: { name: `Boss of ${origin}`, role: 'organiser' },
      handling: { code: 'H2', releasableTo: [NEXT[origin]] },
      evaluation,
    });
    ids[`${origin}-h3`] = await recordEntity(api, teamId, by, {
      kind: 'account',
      attributes: { type: 'crypto', chain: 'eth', address: WALLETS[origin] },
      handling: { code: 'H3', releasableTo: [NEXT[origin], AFTER_NEXT[origin]], conditions: 'intelligence only; not for court' },
      evaluation,
    });
  }
  ids['KH-victim-team'] = await recordEntity(api, teamId, users.officers.KH, {
    kind: 'person',
    attributes: { name: 'Victim shared with the team', role: 'victim' },
  });
  ids['KH-victim-cn'] = await recordEntity(api, teamId, users.officers.KH, {
    kind: 'person',
    attributes: { name: 'Victim released to CN', role: 'victim' },
    handling: { code: 'H2', releasableTo: ['CN'] },
  });
  ids['all-three'] = await recordLink(api, teamId, users.officers.KH, { from: ids['KH-h0'], to: ids['CN-h0'], type: 'associated_with' });
  // CN links its own account to KH's phone: KH and TH do not see the account, so not the link either.
  ids['cn-hidden-end'] = await recordLink(api, teamId, users.officers.CN, { from: ids['CN-h1'], to: ids['KH-h0'], type: 'uses' });
  // A link whose own handling releases it to TH alone.
  ids['cn-th-only'] = await recordLink(api, teamId, users.officers.CN, {
    from: ids['CN-h0'],
    to: ids['TH-h0'],
    type: 'associated_with',
    handling: { code: 'H1', releasableTo: ['TH'] },
  });
});

const sorted = (names: string[]) => names.map((n) => ids[n]).sort();

async function listed(user: Actor, query = '') {
  const res = await t.stack.api.get(`/v1/teams/${teamId}/entities?limit=500${query}`, user);
  return res;
}

describe('what each member country sees', () => {
  for (const country of TEAM_COUNTRIES) {
    it(`${country}: reads, search, counts and links exactly as released`, async () => {
      const api = t.stack.api;
      // KH's supervisor set the team up and is its first member; the other supervisors only named members.
      for (const user of [users.officers[country], ...(country === 'KH' ? [users.supervisors.KH] : [])]) {
        const list = await listed(user);
        expect(list.status).toBe(200);
        expect(list.body.items.map((e: { id: string }) => e.id).sort()).toEqual(sorted(SEES[country]));
        expect(list.body.total).toBe(SEES[country].length);

        const team = await api.get(`/v1/teams/${teamId}`, user);
        expect(team.status).toBe(200);
        expect(team.body.counts).toEqual({ entities: SEES[country].length, links: LINK_SEES[country].length });

        for (const name of ENTITY_NAMES) {
          const res = await api.get(`/v1/teams/${teamId}/entities/${ids[name]}`, user);
          expect(`${name}: ${res.status}`).toBe(`${name}: ${SEES[country].includes(name) ? 200 : 404}`);
          const history = await api.get(`/v1/teams/${teamId}/entities/${ids[name]}/history`, user);
          expect(`${name} history: ${history.status}`).toBe(`${name} history: ${SEES[country].includes(name) ? 200 : 404}`);
        }
        for (const name of LINK_NAMES) {
          const res = await api.get(`/v1/teams/${teamId}/links/${ids[name]}`, user);
          expect(`${name}: ${res.status}`).toBe(`${name}: ${LINK_SEES[country].includes(name) ? 200 : 404}`);
        }
        // KH's phone is seen by all; its links only where both ends (and the link) are.
        const phone = await api.get(`/v1/teams/${teamId}/entities/${ids['KH-h0']}`, user);
        const expectedLinks = ['all-three', 'cn-hidden-end'].filter((n) => LINK_SEES[country].includes(n));
        expect(phone.body.links.map((l: { id: string }) => l.id).sort()).toEqual(sorted(expectedLinks));
      }
    });
  }

  it('search by identifier finds only what the caller may see, however the identifier is written', async () => {
    const find = async (user: Actor, q: string) =>
      (await listed(user, `&q=${encodeURIComponent(q)}`)).body.items.map((e: { id: string }) => e.id);
    // CN's H1 account, written with other spacing: CN finds it, KH and TH find nothing.
    expect(await find(users.officers.CN, 'cn00012345678')).toEqual([ids['CN-h1']]);
    expect(await find(users.officers.KH, 'CN 0001-2345-678')).toEqual([]);
    expect(await find(users.officers.TH, 'CN-0001-2345-678')).toEqual([]);
    // …but they learn that a partner holds a match (hit/no-hit), and CN's audit view says who asked.
    const hit = await listed(users.officers.KH, `&q=${encodeURIComponent('CN 0001-2345-678')}`);
    expect(hit.body).toMatchObject({ items: [], total: 0, partnerMatch: true });
    const told = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.KH.sub), eq(auditLog.action, 'intel.partner.hit')));
    // One entry for each of KH's two searches that hit; for CN's eyes alone.
    expect(told.map((e) => [e.objectIds, e.scopeCountries])).toEqual([
      [[ids['CN-h1']], ['CN']],
      [[ids['CN-h1']], ['CN']],
    ]);
    expect((await listed(users.officers.CN, '&q=cn00012345678')).body.partnerMatch).toBe(false);
    // Names are never a hit.
    expect((await listed(users.officers.TH, '&q=victim')).body.partnerMatch).toBe(false);
    // KH's phone, written nationally by a KH officer and internationally by TH.
    expect(await find(users.officers.KH, '012 345 678')).toEqual([ids['KH-h0']]);
    expect(await find(users.officers.TH, '+855-12-345-678')).toEqual([ids['KH-h0']]);
    // A wallet in upper case; TH's H3 wallet is released to CN and KH.
    expect(await find(users.officers.KH, '0x' + 'B'.repeat(40))).toEqual([ids['TH-h3']]);
    // Names, any case; a victim's name finds nothing where the victim is not released.
    expect(await find(users.officers.CN, 'BOSS OF th')).toEqual([ids['TH-h2']]);
    expect(await find(users.officers.TH, 'victim')).toEqual([]);
    expect(await find(users.officers.CN, 'victim')).toEqual([ids['KH-victim-cn']]);
    const kinds = await listed(users.officers.TH, '&kind=account');
    expect(kinds.body.total).toBe(['TH-h1', 'TH-h3', 'CN-h3', 'KH-h3'].length);
  });

  it('a record read by another country is a disclosure to that country', async () => {
    const read = await t.stack.api.get(`/v1/teams/${teamId}/entities/${ids['KH-h0']}`, users.officers.TH);
    expect(read.status).toBe(200);
    const entries = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.TH.sub), eq(auditLog.action, 'intel.entity.read'), arrayContains(auditLog.objectIds, [ids['KH-h0']])));
    expect(entries.length).toBeGreaterThan(0);
    expect(entries[0]).toMatchObject({ recipientCountry: 'TH', purpose: 'case work (test)' });
    expect(entries[0].scopeCountries).toContain('KH');
    // Its own country's record is no disclosure.
    await t.stack.api.get(`/v1/teams/${teamId}/entities/${ids['TH-h1']}`, users.officers.TH);
    const own = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.TH.sub), eq(auditLog.action, 'intel.entity.read'), arrayContains(auditLog.objectIds, [ids['TH-h1']])));
    expect(own.length).toBeGreaterThan(0);
    expect(own.map((e) => e.recipientCountry)).toEqual(own.map(() => null));
  });
});

describe('who is not a member', () => {
  const outsiders = {
    'a KH officer not named a member': u.user('officer', 'KH', 77),
    'an officer of a country outside the team': u.user('officer', 'VN', 77),
    'an auditor': u.user('auditor', 'KH', 77),
    "CN's supervisor, who named CN's member but is not one": users.supervisors.CN,
  };
  for (const [who, user] of Object.entries(outsiders)) {
    it(`${who}: the team and its records do not exist`, async () => {
      const api = t.stack.api;
      expect((await api.get(`/v1/teams/${teamId}`, user)).status).toBe(404);
      expect((await api.get(`/v1/teams/${teamId}/history`, user)).status).toBe(404);
      expect((await listed(user)).status).toBe(404);
      expect((await api.get(`/v1/teams/${teamId}/entities/${ids['KH-h0']}`, user)).status).toBe(404);
      expect((await api.get(`/v1/teams/${teamId}/links/${ids['all-three']}`, user)).status).toBe(404);
      const teams = await api.get('/v1/teams', user);
      expect(teams.body.items.map((x: { id: string }) => x.id)).not.toContain(teamId);
    });
  }

  it('an admin sees every record and every link', async () => {
    const api = t.stack.api;
    const list = await listed(u.admin);
    expect(list.body.items.map((e: { id: string }) => e.id).sort()).toEqual(sorted(ENTITY_NAMES));
    expect((await api.get(`/v1/teams/${teamId}`, u.admin)).body.counts).toEqual({ entities: ENTITY_NAMES.length, links: LINK_NAMES.length });
    for (const name of LINK_NAMES) expect((await api.get(`/v1/teams/${teamId}/links/${ids[name]}`, u.admin)).status).toBe(200);
    expect((await api.get('/v1/teams', u.admin)).body.items.map((x: { id: string }) => x.id)).toContain(teamId);
  });
});
