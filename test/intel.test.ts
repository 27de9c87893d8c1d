// Joint investigation teams and their intelligence through the HTTP API on a real stack: setting a
// team up and naming members, expiry (the API's rule and the team's workflow), identifiers that make
// the same account one record, handling changes by the originator alone with their history, and
// cases tied to intelligence as the case detail shows them.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, intelEntities, teams } from '../db/schema.js';
import { makeUsers } from './helpers/fixtures.js';
import { H0_TEAM, dayFromToday, recordEntity, recordLink, setUpTeam, teamBody, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';
import { useTimeSkippingStack } from './helpers/time-skipping.js';

const u = makeUsers();

describe('teams, records and cases', () => {
  const t = useStack(u);
  let n = 10;
  const freshTeam = async (overrides: Record<string, unknown> = {}) => {
    const users = teamUsers(u, n++);
    return { users, teamId: await setUpTeam(t.stack.api, users, overrides) };
  };

  it('sets a team up once per id, with its operations; members are named by their own country', async () => {
    const api = t.stack.api;
    const op = await api.post('/v1/operations', u.khOfficer, { name: 'Kandal raid', leadCountry: 'KH', participatingCountries: ['KH', 'CN', 'TH'] });
    const body = teamBody({ operationIds: [op.body.id] });
    const created = await api.post('/v1/teams', u.khSupervisor, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: body.id, memberCountries: ['CN', 'KH', 'TH'], operationIds: [op.body.id], expired: false });
    expect((await api.post('/v1/teams', u.khSupervisor, body)).status).toBe(200);
    expect((await api.post('/v1/teams', u.khSupervisor, { ...body, name: 'Another' })).body.error.code).toBe('CONFLICT');
    expect((await api.post('/v1/teams', u.vnSupervisor, teamBody())).status).toBe(403);
    const unknownOp = await api.post('/v1/teams', u.khSupervisor, teamBody({ operationIds: ['00000000-0000-4000-8000-000000000000'] }));
    expect(unknownOp.status).toBe(404);
    expect(unknownOp.body.error.code).toBe('UNKNOWN_OPERATION');

    // CN's supervisor names CN's officer; KH's may not name a CN officer.
    const member = { sub: u.cnOfficer.sub, name: u.cnOfficer.name, country: 'CN', role: 'analyst' };
    expect((await api.post(`/v1/teams/${body.id}/members`, u.khSupervisor, member)).status).toBe(403);
    expect((await api.post(`/v1/teams/${body.id}/members`, u.cnSupervisor, member)).status).toBe(201);
    expect((await api.post(`/v1/teams/${body.id}/members`, u.cnSupervisor, member)).status).toBe(200);
    expect((await api.post(`/v1/teams/${body.id}/members`, u.vnSupervisor, { ...member, country: 'VN' })).status).toBe(404);
    const team = await api.get(`/v1/teams/${body.id}`, u.cnOfficer);
    expect(team.status).toBe(200);
    expect(team.body.members.map((m: { sub: string; country: string }) => `${m.country}:${m.sub}`)).toEqual([
      `CN:${u.cnOfficer.sub}`,
      `KH:${u.khSupervisor.sub}`,
    ]);

    // Removed, the member no longer sees the team; the history keeps who did what.
    expect((await api.call('delete', `/v1/teams/${body.id}/members/${u.cnOfficer.sub}`, { as: u.khSupervisor })).status).toBe(404);
    expect((await api.call('delete', `/v1/teams/${body.id}/members/${u.cnOfficer.sub}`, { as: u.cnSupervisor })).status).toBe(204);
    expect((await api.get(`/v1/teams/${body.id}`, u.cnOfficer)).status).toBe(404);
    const history = await api.get(`/v1/teams/${body.id}/history`, u.khSupervisor);
    expect(history.body.items.map((c: { what: { action: string }; actorSub: string }) => [c.what.action, c.actorSub])).toEqual([
      ['team.create', u.khSupervisor.sub],
      ['member.add', u.cnSupervisor.sub],
      ['member.remove', u.cnSupervisor.sub],
    ]);
  });

  it('past validUntil a team is read-only (409 TEAM_EXPIRED) before its workflow has recorded the expiry', async () => {
    const api = t.stack.api;
    const { users, teamId } = await freshTeam();
    const entity = await recordEntity(api, teamId, users.officers.KH, { kind: 'organisation', attributes: { name: 'Jinbei Group', type: 'syndicate' } });
    const other = await recordEntity(api, teamId, users.officers.KH, { kind: 'organisation', attributes: { name: 'Golden Fortune', type: 'front_company' } });
    // The agreement ran out yesterday; the team's workflow sleeps until next year's date it was given.
    await t.stack.database.db.update(teams).set({ validUntil: dayFromToday(-1) }).where(eq(teams.id, teamId));
    const refused = [
      await api.post(`/v1/teams/${teamId}/entities`, users.officers.KH, { ...H0_TEAM, kind: 'organisation', attributes: { name: 'Late', type: 'syndicate' } }),
      await api.post(`/v1/teams/${teamId}/links`, users.officers.KH, { ...H0_TEAM, from: entity, to: other, type: 'owns' }),
      await api.call('patch', `/v1/teams/${teamId}/entities/${entity}/handling`, { as: users.officers.KH, body: { handling: { code: 'H1', releasableTo: 'team' } } }),
      await api.post(`/v1/teams/${teamId}/members`, users.supervisors.TH, { sub: 'th-late', name: 'Late', country: 'TH', role: 'analyst' }),
      await api.call('delete', `/v1/teams/${teamId}/members/${users.officers.TH.sub}`, { as: users.supervisors.TH }),
    ];
    expect(refused.map((r) => `${r.status} ${r.body.error?.code}`)).toEqual(refused.map(() => '409 TEAM_EXPIRED'));
    const team = await api.get(`/v1/teams/${teamId}`, users.officers.CN);
    expect(team.body).toMatchObject({ expired: true, counts: { entities: 2, links: 0 } });
    expect((await api.get(`/v1/teams/${teamId}/entities/${entity}`, users.officers.TH)).status).toBe(200);
    const [row] = await t.stack.database.db.select().from(teams).where(eq(teams.id, teamId));
    expect(row.expiredAt).toBeNull();
  });

  it('a team set up past its validity expires at once: its workflow records the expiry in the team history', async () => {
    const api = t.stack.api;
    const body = teamBody({ validFrom: dayFromToday(-60), validUntil: dayFromToday(-1) });
    expect((await api.post('/v1/teams', u.khSupervisor, body)).status).toBe(201);
    await expect
      .poll(async () => (await api.get(`/v1/teams/${body.id}/history`, u.khSupervisor)).body.items.map((c: { what: { action: string } }) => c.what.action), {
        timeout: 20_000,
      })
      .toEqual(['team.create', 'team.expire']);
  });

  it('normalises identifiers: the same phone, account or wallet typed another way is the same record', async () => {
    const api = t.stack.api;
    const { users, teamId } = await freshTeam();
    const post = (body: Record<string, unknown>, by = users.officers.KH) => api.post(`/v1/teams/${teamId}/entities`, by, { ...H0_TEAM, ...body });

    const phone = await post({ kind: 'phone', attributes: { number: '097 123 4567' } });
    expect(phone.status).toBe(201);
    expect(phone.body.attributes.number).toBe('+855971234567');
    const again = await post({ kind: 'phone', attributes: { number: '+855-97-123-4567' } }, users.officers.TH);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'DUPLICATE_ENTITY', details: { existingId: phone.body.id } });

    const iban = await post({ kind: 'account', attributes: { type: 'bank', bank: 'Barclays', number: 'gb82 west 1234 5698 7654 32', country: 'GB' } });
    expect(iban.body.identifiers).toEqual([{ kind: 'account', value: 'GB82WEST12345698765432' }]);
    const ibanAgain = await post({ kind: 'account', attributes: { type: 'bank', bank: 'Barclays plc', number: 'GB82-WEST-1234-5698-7654-32', country: 'GB' } });
    expect(ibanAgain.body.error.code).toBe('DUPLICATE_ENTITY');

    const wallet = await post({ kind: 'account', attributes: { type: 'crypto', chain: 'eth', address: '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01' } });
    expect(wallet.body.attributes.address).toBe('0xabcdef0123456789abcdef0123456789abcdef01');
    expect((await post({ kind: 'account', attributes: { type: 'crypto', chain: 'eth', address: '0xabcdef0123456789abcdef0123456789abcdef01' } })).status).toBe(409);
    // The same address on another chain is another wallet.
    expect((await post({ kind: 'account', attributes: { type: 'crypto', chain: 'bsc', address: '0xabcdef0123456789abcdef0123456789abcdef01' } })).status).toBe(201);

    // A match the caller may not see: only that a partner holds one (hit/no-hit), never its id.
    const hidden = await post(
      { kind: 'account', attributes: { type: 'bank', bank: 'ICBC', number: '6222 0212 3456 7890', country: 'CN' }, handling: { code: 'H1', releasableTo: ['CN'] } },
      users.officers.CN,
    );
    expect(hidden.status).toBe(201);
    const probe = await post({ kind: 'account', attributes: { type: 'bank', bank: 'ICBC', number: '6222021234567890', country: 'CN' } });
    expect(probe.status).toBe(409);
    expect(probe.body.error.code).toBe('PARTNER_HOLDS_MATCH');
    expect(JSON.stringify(probe.body)).not.toContain(hidden.body.id);
    const told = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.KH.sub), eq(auditLog.action, 'intel.partner.hit')));
    expect(told.map((e) => [e.objectIds, e.scopeCountries, e.details?.how])).toEqual([[[hidden.body.id], ['CN'], 'record']]);

    // A client-chosen id sent again answers the record; another caller's use of it is a conflict.
    const chosen = { id: `person-${n}-boss`, kind: 'person', attributes: { name: '佘智江', aliases: ['She Zhijiang'], role: 'organiser' } };
    expect((await post(chosen)).status).toBe(201);
    expect((await post(chosen)).status).toBe(200);
    expect((await post(chosen, users.officers.TH)).body.error.code).toBe('CONFLICT');
    const byName = await api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent('SHE ZHIJIANG')}`, users.officers.TH);
    expect(byName.body.items.map((e: { id: string }) => e.id)).toEqual([chosen.id]);
    expect((await api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent('佘智江')}`, users.officers.CN)).body.total).toBe(1);
  });

  it('handling is changed by the originating country alone, each change a new version in the history', async () => {
    const api = t.stack.api;
    const { users, teamId } = await freshTeam();
    const id = await recordEntity(api, teamId, users.officers.KH, { kind: 'location', attributes: { type: 'safehouse', address: 'Sihanoukville, Otres 2' } });
    const change = (by: typeof users.officers.KH, handling: unknown) =>
      api.call('patch', `/v1/teams/${teamId}/entities/${id}/handling`, { as: by, body: { handling } });

    expect((await change(users.officers.CN, { code: 'H2', releasableTo: ['CN'] })).status).toBe(403);
    const changed = await change(users.officers.KH, { code: 'H3', releasableTo: ['KH', 'CN'], conditions: 'not to be shared with the local police' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, handling: { code: 'H3', releasableTo: ['CN', 'KH'], conditions: 'not to be shared with the local police' } });
    // TH no longer sees it: for TH it does not exist (404, also for a change).
    expect((await api.get(`/v1/teams/${teamId}/entities/${id}`, users.officers.TH)).status).toBe(404);
    expect((await change(users.officers.TH, { code: 'H0', releasableTo: 'team' })).status).toBe(404);
    // The same handling again changes nothing.
    expect((await change(users.officers.KH, { code: 'H3', releasableTo: ['CN', 'KH'], conditions: 'not to be shared with the local police' })).body.version).toBe(2);

    const history = await api.get(`/v1/teams/${teamId}/entities/${id}/history`, users.officers.CN);
    expect(history.body.items.map((c: any) => [c.version, c.what.action, c.actorCountry])).toEqual([
      [1, 'create', 'KH'],
      [2, 'handling.change', 'KH'],
    ]);
    expect(history.body.items[1].what).toMatchObject({
      before: { code: 'H0', releasableTo: 'team' },
      after: { code: 'H3', releasableTo: ['CN', 'KH'] },
    });

    // Links too: a link follows its own handling and both its ends.
    const other = await recordEntity(api, teamId, users.officers.KH, { kind: 'vehicle', attributes: { plate: 'PP 2A-1234', country: 'KH' } });
    const link = await recordLink(api, teamId, users.officers.KH, { from: other, to: id, type: 'associated_with' });
    expect((await api.get(`/v1/teams/${teamId}/links/${link}`, users.officers.CN)).status).toBe(200);
    expect((await api.get(`/v1/teams/${teamId}/links/${link}`, users.officers.TH)).status).toBe(404);
    const linkChange = await api.call('patch', `/v1/teams/${teamId}/links/${link}/handling`, { as: users.officers.KH, body: { handling: { code: 'H1', releasableTo: ['KH'] } } });
    expect(linkChange.body.version).toBe(2);
    expect((await api.get(`/v1/teams/${teamId}/links/${link}`, users.officers.CN)).status).toBe(404);
  });

  it('ties cases to intelligence; the case detail shows the ties the caller may see, and a victim stays with the holding country', async () => {
    const api = t.stack.api;
    const { users, teamId } = await freshTeam();
    const caseId = await t.steps.open({}, users.officers.KH);
    const boss = await recordEntity(api, teamId, users.officers.KH, { kind: 'person', attributes: { name: 'Chen Zhi', role: 'organiser' } });
    const compound = await recordEntity(api, teamId, users.officers.KH, {
      kind: 'location',
      attributes: { name: 'Chrey Thom compound', type: 'compound', geo: { lat: 11.0, lon: 105.03 }, country: 'KH' },
    });
    const victim = await recordEntity(api, teamId, users.officers.KH, { kind: 'person', attributes: { name: 'Victim A', role: 'victim' } });
    const tie = (by: typeof users.officers.KH, entityId: string, relation: string) =>
      api.post(`/v1/cases/${caseId}/intel-links`, by, { teamId, entityId, relation });

    expect((await tie(users.officers.KH, compound, 'found_at')).status).toBe(201);
    expect((await tie(users.officers.KH, compound, 'found_at')).status).toBe(200);
    expect((await tie(users.officers.KH, compound, 'is')).body.error.code).toBe('WRONG_ENTITY_KIND');
    expect((await tie(users.officers.CN, boss, 'is')).status).toBe(201);
    // CN does not see the victim: for CN it does not exist.
    expect((await tie(users.officers.CN, victim, 'is')).body.error.code).toBe('UNKNOWN_ENTITY');
    expect((await tie(users.officers.KH, victim, 'is')).status).toBe(201);
    // Nor may CN record a victim as of this KH-held case.
    const cnVictim = await api.post(`/v1/teams/${teamId}/entities`, users.officers.CN, {
      ...H0_TEAM,
      kind: 'person',
      attributes: { name: 'Victim B', role: 'victim' },
      caseId,
    });
    expect(cnVictim.status).toBe(403);

    const detail = async (user: typeof users.officers.KH) => {
      const res = await api.get(`/v1/cases/${caseId}`, user);
      expect(res.status).toBe(200);
      return res.body.intelLinks.map((l: { entityId: string; relation: string }) => `${l.relation}:${l.entityId}`).sort();
    };
    expect(await detail(users.officers.KH)).toEqual([`found_at:${compound}`, `is:${boss}`, `is:${victim}`].sort());
    expect(await detail(users.officers.CN)).toEqual([`found_at:${compound}`, `is:${boss}`].sort());
    // A CN officer outside the team sees the case, not its intelligence.
    expect(await detail(u.user('officer', 'CN', 55))).toEqual([]);

    // CN's read of the case disclosed KH's records to CN.
    const entries = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, users.officers.CN.sub), eq(auditLog.action, 'intel.case.read')));
    expect(entries.at(-1)).toMatchObject({ recipientCountry: 'CN' });
    expect(entries.at(-1)!.objectIds.sort()).toEqual([boss, compound].sort());

    const compoundDetail = await api.get(`/v1/teams/${teamId}/entities/${compound}`, users.officers.TH);
    // TH is no party to the KH-held case of a CN national: the tie exists, the case does not for TH.
    expect(compoundDetail.body.cases).toEqual([]);
    expect((await api.get(`/v1/teams/${teamId}/entities/${compound}`, users.officers.CN)).body.cases).toEqual([{ caseId, relation: 'found_at' }]);

    // Released to CN by name, the victim is seen by CN.
    await api.call('patch', `/v1/teams/${teamId}/entities/${victim}/handling`, { as: users.officers.KH, body: { handling: { code: 'H2', releasableTo: ['CN'] } } });
    expect(await detail(users.officers.CN)).toContain(`is:${victim}`);
    const [row] = await t.stack.database.db.select().from(intelEntities).where(eq(intelEntities.id, victim));
    expect(row.releasableTo).toEqual(['CN']);
  });
  it("the README's network: a compound, its boss, two mule accounts and a payment, a case; what each country sees", async () => {
    const api = t.stack.api;
    const { users, teamId } = await freshTeam();
    const [KH, CN, TH] = [users.officers.KH, users.officers.CN, users.officers.TH];
    const T = `/v1/teams/${teamId}`;
    const released = (to: string[], source = 'A', information = 2) => ({ handling: { code: 'H1', releasableTo: to }, evaluation: { source, information } });
    const compound = await recordEntity(api, teamId, KH, {
      kind: 'location',
      attributes: { name: 'Chrey Thom compound', type: 'compound', geo: { lat: 11.0, lon: 105.03 }, country: 'KH' },
    });
    const boss = await recordEntity(api, teamId, KH, { kind: 'person', attributes: { name: 'Chen Zhi', role: 'organiser' }, ...released(['CN']) });
    const muleA = await api.post(`${T}/entities`, KH, { ...H0_TEAM, kind: 'account', attributes: { type: 'bank', bank: 'ACLEDA', number: '0001-2345 6789', country: 'KH' } });
    expect(muleA.body.attributes.number).toBe('000123456789');
    const again = await api.post(`${T}/entities`, TH, { ...H0_TEAM, kind: 'account', attributes: { type: 'bank', bank: 'ACLEDA Bank', number: '000123456789', country: 'KH' } });
    expect(again.body.error).toMatchObject({ code: 'DUPLICATE_ENTITY', details: { existingId: muleA.body.id } });
    const muleB = await recordEntity(api, teamId, TH, {
      kind: 'account',
      attributes: { type: 'e_wallet', provider: 'TrueMoney', number: '081 234 5678', country: 'TH' },
      handling: { code: 'H2', releasableTo: ['KH'] },
      evaluation: { source: 'B', information: 3 },
    });
    const payment = await recordLink(api, teamId, TH, { from: muleA.body.id, to: muleB, type: 'paid', amount: 48000, currency: 'USD', since: '2025-09-14' });
    await recordLink(api, teamId, KH, { from: boss, to: compound, type: 'operates_from', ...released(['CN']) });
    const caseId = await t.steps.open({}, KH);
    expect((await api.post(`/v1/cases/${caseId}/intel-links`, KH, { teamId, entityId: compound, relation: 'found_at' })).status).toBe(201);

    const sees = async (user: typeof KH) => ({
      entities: (await api.get(`${T}/entities?limit=100`, user)).body.items.map((e: { id: string }) => e.id),
      counts: (await api.get(T, user)).body.counts,
    });
    expect(await sees(KH)).toEqual({ entities: [compound, boss, muleA.body.id, muleB], counts: { entities: 4, links: 2 } });
    expect(await sees(CN)).toEqual({ entities: [compound, boss, muleA.body.id], counts: { entities: 3, links: 1 } });
    expect(await sees(TH)).toEqual({ entities: [compound, muleA.body.id, muleB], counts: { entities: 3, links: 1 } });
    expect((await api.get(`${T}/links/${payment}`, CN)).status).toBe(404);
    // The e-wallet is found by the phone it is opened on, where it is released.
    expect((await api.get(`${T}/entities?q=${encodeURIComponent('+66812345678')}`, KH)).body.total).toBe(1);
    expect((await api.get(`${T}/entities?q=${encodeURIComponent('+66812345678')}`, CN)).body.total).toBe(0);
    expect((await api.get(`/v1/cases/${caseId}`, CN)).body.intelLinks.map((l: { entityId: string }) => l.entityId)).toEqual([compound]);
    expect((await api.get(`/v1/cases/${caseId}`, TH)).status).toBe(404);
    const patch = (user: typeof KH, handling: unknown) => api.call('patch', `${T}/entities/${boss}/handling`, { as: user, body: { handling } });
    expect((await patch(CN, { code: 'H0', releasableTo: 'team' })).body.error.code).toBe('FORBIDDEN');
    expect((await patch(KH, { code: 'H2', releasableTo: ['CN', 'TH'] })).body.version).toBe(2);
    const history = await api.get(`${T}/entities/${boss}/history`, TH);
    expect(history.body.items.map((c: any) => [c.version, c.what.action, c.actorCountry])).toEqual([
      [1, 'create', 'KH'],
      [2, 'handling.change', 'KH'],
    ]);
  });
});

describe("the team's workflow", () => {
  const ts = useTimeSkippingStack(u);

  it('sleeps until the end of the last valid day, then records the expiry', async () => {
    const api = ts.stack.api;
    const body = teamBody({ validUntil: dayFromToday(0) });
    expect((await api.post('/v1/teams', u.khSupervisor, body)).status).toBe(201);
    const actions = async () => (await api.get(`/v1/teams/${body.id}/history`, u.khSupervisor)).body.items.map((c: { what: { action: string } }) => c.what.action);
    expect(await actions()).toEqual(['team.create']);
    await ts.env.sleep('25 hours');
    await expect.poll(actions, { timeout: 20_000 }).toEqual(['team.create', 'team.expire']);
    // The workflow's clock has skipped a day; the API's (the wall clock) still says today, so only expiredAt shows it.
    expect((await api.get(`/v1/teams/${body.id}`, u.khSupervisor)).body.expiredAt).toEqual(expect.any(String));
  });
});
