// The intelligence graph through the HTTP API on a real stack: a syndicate of a team of CN, KH and
// TH (a syndicate, its compound, boss, recruiters, mule accounts and a payment), some records not
// releasable to one country. Each country's neighbourhood, the shortest path (a path through a record
// hidden from the caller is not found, or takes the visible route), what links two operations, the
// caps, and bad input.
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { neighbourhood } from '../db/intel-graph.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, recordLink, setUpTeam, teamUsers, type TeamCountry } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);
const users = teamUsers(u, 71);
const { CN, KH, TH } = users.officers;

/** Releasable to the named countries only (the originator always sees its own). */
const only = (...countries: TeamCountry[]) => ({ handling: { code: 'H2', releasableTo: countries } });

const fx = {} as Record<
  | 'team'
  | 'otherTeam'
  | 'syndicate'
  | 'compound'
  | 'boss'
  | 'recruiter'
  | 'hiddenRecruiter'
  | 'mule'
  | 'keptMule'
  | 'phone'
  | 'safehouse'
  | 'stranger'
  | 'leads'
  | 'operatesFrom'
  | 'worksAt'
  | 'owns'
  | 'knows'
  | 'hiddenOwns'
  | 'paid'
  | 'uses'
  | 'hidesAt'
  | 'opA'
  | 'opB'
  | 'opKhCn',
  string
>;
const cases = {} as Record<'khA' | 'khB' | 'thB' | 'thA', string>;

beforeAll(async () => {
  const api = t.stack.api;
  fx.team = await setUpTeam(api, users);
  fx.otherTeam = await setUpTeam(api, teamUsers(u, 72));
  const entity = (by: Actor, body: Record<string, unknown>) => recordEntity(api, fx.team, by, body);
  const link = (by: Actor, from: string, to: string, type: string, extra: Record<string, unknown> = {}) =>
    recordLink(api, fx.team, by, { from, to, type, ...extra });

  fx.syndicate = await entity(KH, { kind: 'organisation', attributes: { name: 'Jinbei Group', type: 'syndicate' } });
  fx.compound = await entity(KH, {
    kind: 'location',
    attributes: { name: 'Chrey Thom compound', type: 'compound', geo: { lat: 11.0, lon: 105.03 }, country: 'KH' },
  });
  fx.boss = await entity(CN, { kind: 'person', attributes: { name: 'Chen Zhi', role: 'organiser' } });
  fx.recruiter = await entity(TH, { kind: 'person', attributes: { name: 'Somchai K.', role: 'recruiter' } });
  // KH releases this recruiter to CN only: TH never sees it, nor any link through it.
  fx.hiddenRecruiter = await entity(KH, { kind: 'person', attributes: { name: 'Sok Dara', role: 'recruiter' }, ...only('CN') });
  fx.mule = await entity(CN, { kind: 'account', attributes: { type: 'bank', bank: 'ICBC', number: '6222 0212 3456 7890', country: 'CN' } });
  fx.keptMule = await entity(KH, {
    kind: 'account',
    attributes: { type: 'bank', bank: 'ABA', number: '000 123 456', country: 'KH' },
    handling: { code: 'H1', releasableTo: ['KH'] },
  });
  fx.phone = await entity(TH, { kind: 'phone', attributes: { number: '+66 81 234 5678' } });
  fx.safehouse = await entity(KH, { kind: 'location', attributes: { name: 'Safehouse on Street 271', type: 'safehouse', address: 'Street 271, Phnom Penh', country: 'KH' } });
  fx.stranger = await recordEntity(api, fx.otherTeam, teamUsers(u, 72).officers.KH, {
    kind: 'person',
    attributes: { name: 'Other', role: 'operative' },
  });

  fx.leads = await link(CN, fx.boss, fx.syndicate, 'leads');
  fx.operatesFrom = await link(KH, fx.syndicate, fx.compound, 'operates_from');
  fx.worksAt = await link(TH, fx.recruiter, fx.compound, 'works_at');
  fx.owns = await link(CN, fx.boss, fx.mule, 'owns');
  // CN records it: TH may not link to what it cannot see.
  fx.knows = await link(CN, fx.recruiter, fx.hiddenRecruiter, 'associated_with');
  fx.hiddenOwns = await link(KH, fx.hiddenRecruiter, fx.mule, 'owns', only('CN'));
  fx.paid = await link(KH, fx.mule, fx.keptMule, 'paid', { amount: 25000, currency: 'USD' });
  // A link TH keeps to itself between two entities every country sees.
  fx.uses = await link(TH, fx.recruiter, fx.phone, 'uses', { handling: { code: 'H1', releasableTo: ['TH'] } });
  fx.hidesAt = await link(KH, fx.hiddenRecruiter, fx.safehouse, 'held_at');

  // Two raids of KH, CN and TH, and one of KH and CN alone.
  const operation = async (name: string, participatingCountries: string[]) =>
    (await api.post('/v1/operations', u.khOfficer, { name, leadCountry: 'KH', participatingCountries })).body.id as string;
  fx.opA = await operation('Kandal raid', ['KH', 'CN', 'TH']);
  fx.opB = await operation('Sihanoukville raid', ['KH', 'CN', 'TH']);
  fx.opKhCn = await operation('Bavet raid', ['KH', 'CN']);
  cases.khA = await t.steps.open({ operationId: fx.opA }, KH);
  cases.khB = await t.steps.open({ operationId: fx.opB }, KH);
  cases.thA = await t.steps.open({ operationId: fx.opA, holdingCountry: 'TH' }, TH);
  cases.thB = await t.steps.open({ operationId: fx.opB, holdingCountry: 'TH' }, TH);
  // Every case is of a CN national: CN sees all four, KH its own two, TH its own two.
  const tie = async (by: Actor, caseId: string, entityId: string, relation: string) => {
    const res = await api.post(`/v1/cases/${caseId}/intel-links`, by, { teamId: fx.team, entityId, relation });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  };
  for (const caseId of Object.values(cases)) await tie(CN, caseId, fx.compound, 'found_at');
  await tie(CN, cases.khA, fx.syndicate, 'associated_with');
  await tie(CN, cases.thB, fx.syndicate, 'associated_with');
  await tie(CN, cases.thA, fx.hiddenRecruiter, 'is');
  await tie(CN, cases.thB, fx.hiddenRecruiter, 'associated_with');
  await tie(CN, cases.khB, fx.boss, 'is');
});

const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();
const named = (...keys: (keyof typeof fx)[]) => keys.map((k) => fx[k]).sort();

async function graph(user: Actor, query: string, team = fx.team) {
  const res = await t.stack.api.get(`/v1/teams/${team}/graph${query}`, user);
  return res;
}

describe("an entity's neighbourhood", () => {
  it('is what each country may see: a hidden entity is absent with its links, a hidden link is absent', async () => {
    const near = async (user: Actor, depth: number) => {
      const res = await graph(user, `?entityId=${fx.recruiter}&depth=${depth}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.truncated).toBe(false);
      return { nodes: ids(res.body.nodes), edges: ids(res.body.edges) };
    };
    expect(await near(TH, 1)).toEqual({ nodes: named('recruiter', 'compound', 'phone'), edges: named('worksAt', 'uses') });
    expect(await near(KH, 1)).toEqual({ nodes: named('recruiter', 'compound', 'hiddenRecruiter'), edges: named('worksAt', 'knows') });
    expect(await near(CN, 1)).toEqual(await near(KH, 1));

    expect(await near(TH, 2)).toEqual({
      nodes: named('recruiter', 'compound', 'phone', 'syndicate'),
      edges: named('worksAt', 'uses', 'operatesFrom'),
    });
    expect(await near(KH, 2)).toEqual({
      nodes: named('recruiter', 'compound', 'hiddenRecruiter', 'syndicate', 'mule', 'safehouse'),
      edges: named('worksAt', 'knows', 'operatesFrom', 'hiddenOwns', 'hidesAt'),
    });

    expect(await near(TH, 4)).toEqual({
      nodes: named('recruiter', 'compound', 'phone', 'syndicate', 'boss', 'mule'),
      edges: named('worksAt', 'uses', 'operatesFrom', 'leads', 'owns'),
    });
    // Only KH sees its kept account and the payment into it.
    expect(await near(KH, 4)).toEqual({
      nodes: named('recruiter', 'compound', 'hiddenRecruiter', 'syndicate', 'mule', 'safehouse', 'boss', 'keptMule'),
      edges: named('worksAt', 'knows', 'operatesFrom', 'hiddenOwns', 'hidesAt', 'leads', 'owns', 'paid'),
    });
    expect(await near(CN, 4)).toEqual({
      nodes: named('recruiter', 'compound', 'hiddenRecruiter', 'syndicate', 'mule', 'safehouse', 'boss'),
      edges: named('worksAt', 'knows', 'operatesFrom', 'hiddenOwns', 'hidesAt', 'leads', 'owns'),
    });
    // An admin, in no team, sees every record.
    expect((await near(u.admin, 4)).nodes).toEqual(
      named('recruiter', 'compound', 'hiddenRecruiter', 'syndicate', 'mule', 'safehouse', 'boss', 'keptMule', 'phone'),
    );
  });

  it('answers nodes with kind, label, handling and evaluation, and edges with their ends and type', async () => {
    const res = await graph(CN, `?entityId=${fx.boss}&depth=1`);
    expect(res.status).toBe(200);
    expect(res.body.teamId).toBe(fx.team);
    const byId = Object.fromEntries(res.body.nodes.map((n: { id: string }) => [n.id, n]));
    expect(byId[fx.boss]).toEqual({
      id: fx.boss,
      kind: 'person',
      label: 'Chen Zhi',
      handlingCode: 'H0',
      originCountry: 'CN',
      evaluation: { source: 'B', information: 2 },
    });
    expect(byId[fx.mule]).toMatchObject({ kind: 'account', label: 'ICBC 6222021234567890' });
    expect(res.body.nodes[0].id).toBe(fx.boss);
    expect(res.body.edges.find((e: { id: string }) => e.id === fx.leads)).toEqual({
      id: fx.leads,
      from: fx.boss,
      to: fx.syndicate,
      type: 'leads',
      handlingCode: 'H0',
      originCountry: 'CN',
    });
  });

  it('is cut at the node cap, nearest first, and says so', async () => {
    const view = { teamId: fx.team, country: 'KH' };
    const cut = await neighbourhood(t.stack.database.db, view, fx.recruiter, { depth: 4, maxNodes: 3 });
    expect(cut!.truncated).toBe(true);
    expect(ids(cut!.nodes)).toEqual(named('recruiter', 'compound', 'hiddenRecruiter'));
    expect(ids(cut!.edges)).toEqual(named('worksAt', 'knows'));
    const fewLinks = await neighbourhood(t.stack.database.db, view, fx.recruiter, { depth: 4, maxEdges: 1 });
    expect(fewLinks!.truncated).toBe(true);
    expect(fewLinks!.edges).toHaveLength(1);
  });

  it('records the read, as a disclosure when it shows records of another country', async () => {
    const res = await graph(CN, `?entityId=${fx.boss}&depth=1`);
    expect(res.status).toBe(200);
    const [entry] = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, CN.sub), eq(auditLog.action, 'intel.graph.read')))
      .orderBy(desc(auditLog.id))
      .limit(1);
    expect(entry).toMatchObject({ recipientCountry: 'CN', purpose: 'case work (test)', outcome: 'ok' });
    expect(entry.objectIds).toEqual(expect.arrayContaining([fx.boss, fx.syndicate, fx.leads]));
    expect(entry.scopeCountries).toEqual(expect.arrayContaining(['CN', 'KH']));
  });
});

describe('the shortest path', () => {
  const path = async (user: Actor, from: string, to: string) => {
    const res = await t.stack.api.get(`/v1/teams/${fx.team}/graph/path?from=${from}&to=${to}`, user);
    return res;
  };
  const route = async (user: Actor, from: string, to: string) => {
    const res = await path(user, from, to);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.found
      ? { nodes: res.body.nodes.map((n: { id: string }) => n.id), edges: res.body.edges.map((e: { id: string }) => e.id) }
      : null;
  };

  it('goes through a record the caller may see: TH takes the long way round what is hidden from it', async () => {
    expect(await route(KH, fx.recruiter, fx.mule)).toEqual({
      nodes: [fx.recruiter, fx.hiddenRecruiter, fx.mule],
      edges: [fx.knows, fx.hiddenOwns],
    });
    expect(await route(CN, fx.recruiter, fx.mule)).toEqual(await route(KH, fx.recruiter, fx.mule));
    expect(await route(TH, fx.recruiter, fx.mule)).toEqual({
      nodes: [fx.recruiter, fx.compound, fx.syndicate, fx.boss, fx.mule],
      edges: [fx.worksAt, fx.operatesFrom, fx.leads, fx.owns],
    });
    // From the other end, the same path reversed.
    expect(await route(TH, fx.mule, fx.recruiter)).toEqual({
      nodes: [fx.mule, fx.boss, fx.syndicate, fx.compound, fx.recruiter],
      edges: [fx.owns, fx.leads, fx.operatesFrom, fx.worksAt],
    });
  });

  it('is not found when the only way is through a hidden record; a hidden end is no entity at all', async () => {
    expect(await route(KH, fx.recruiter, fx.safehouse)).toEqual({
      nodes: [fx.recruiter, fx.hiddenRecruiter, fx.safehouse],
      edges: [fx.knows, fx.hidesAt],
    });
    const none = await path(TH, fx.recruiter, fx.safehouse);
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ teamId: fx.team, found: false, nodes: [], edges: [], truncated: false });
    expect(await route(KH, fx.recruiter, fx.keptMule)).toEqual({
      nodes: [fx.recruiter, fx.hiddenRecruiter, fx.mule, fx.keptMule],
      edges: [fx.knows, fx.hiddenOwns, fx.paid],
    });
    for (const user of [CN, TH]) {
      const hidden = await path(user, fx.recruiter, fx.keptMule);
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe('NOT_FOUND');
    }
    expect(await route(TH, fx.phone, fx.phone)).toEqual({ nodes: [fx.phone], edges: [] });
  });
});

describe('what links two operations', () => {
  const linking = async (user: Actor, a: string, b: string) => {
    const res = await t.stack.api.get(`/v1/teams/${fx.team}/graph/operations?a=${a}&b=${b}`, user);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  it('is the entities tied to cases of both that the caller may see, with the links among them', async () => {
    const cn = await linking(CN, fx.opA, fx.opB);
    expect(ids(cn.nodes)).toEqual(named('compound', 'syndicate', 'hiddenRecruiter'));
    expect(ids(cn.edges)).toEqual(named('operatesFrom'));
    expect(cn.operations).toEqual([fx.opA, fx.opB]);
    const compound = cn.ties.filter((tie: { entityId: string }) => tie.entityId === fx.compound);
    expect(compound).toEqual([
      { entityId: fx.compound, operationId: fx.opA, caseIds: [cases.khA, cases.thA].sort() },
      { entityId: fx.compound, operationId: fx.opB, caseIds: [cases.khB, cases.thB].sort() },
    ]);
    // KH sees only its own cases: the syndicate's tie to opB is through a TH case.
    const kh = await linking(KH, fx.opA, fx.opB);
    expect(ids(kh.nodes)).toEqual(named('compound'));
    expect(kh.edges).toEqual([]);
    expect(kh.ties.flatMap((tie: { caseIds: string[] }) => tie.caseIds).sort()).toEqual([cases.khA, cases.khB].sort());
    // TH sees its two cases, but not the recruiter KH keeps from it.
    const th = await linking(TH, fx.opA, fx.opB);
    expect(ids(th.nodes)).toEqual(named('compound'));
  });

  it("an operation the caller's country takes no part in is absent", async () => {
    expect((await linking(KH, fx.opA, fx.opKhCn)).nodes).toEqual([]);
    const res = await t.stack.api.get(`/v1/teams/${fx.team}/graph/operations?a=${fx.opA}&b=${fx.opKhCn}`, TH);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'no such operation' });
  });
});

describe('bad input and what does not exist', () => {
  it('depth outside 1..4, missing or malformed ids and unknown parameters: 400 in the error shape', async () => {
    for (const query of [
      `?entityId=${fx.boss}&depth=0`,
      `?entityId=${fx.boss}&depth=5`,
      `?entityId=${fx.boss}&depth=two`,
      `?entityId=${fx.boss}&depth=1.5`,
      '?depth=2',
      '?entityId=Not%20An%20Id!',
      `?entityId=${fx.boss}&limit=3`,
    ]) {
      const res = await graph(CN, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('VALIDATION_FAILED');
    }
    for (const suffix of [`/path?from=${fx.boss}`, `/operations?a=${fx.opA}&b=not-a-uuid`, `/operations?a=${fx.opA}`]) {
      const res = await t.stack.api.get(`/v1/teams/${fx.team}/graph${suffix}`, CN);
      expect(res.status, suffix).toBe(400);
      expect(res.body.error.code, suffix).toBe('VALIDATION_FAILED');
    }
    const unsaid = await t.stack.api.call('get', `/v1/teams/${fx.team}/graph?entityId=${fx.boss}`, { as: CN, purpose: null });
    expect(unsaid.status).toBe(400);
    expect(unsaid.body.error.code).toBe('PURPOSE_REQUIRED');
  });

  it('an unknown entity, one of another team, an unknown team or a team the caller is not in: 404', async () => {
    const notFound = async (user: Actor, path: string, what: string) => {
      const res = await t.stack.api.get(path, user);
      expect(res.status, path).toBe(404);
      expect(res.body.error, path).toEqual({ code: 'NOT_FOUND', message: `no such ${what}` });
    };
    await notFound(CN, `/v1/teams/${fx.team}/graph?entityId=no-such-entity`, 'entity');
    await notFound(CN, `/v1/teams/${fx.team}/graph?entityId=${fx.stranger}`, 'entity');
    await notFound(TH, `/v1/teams/${fx.team}/graph?entityId=${fx.hiddenRecruiter}`, 'entity');
    await notFound(CN, `/v1/teams/${fx.team}/graph/path?from=${fx.boss}&to=${fx.stranger}`, 'entity');
    await notFound(CN, `/v1/teams/no-such-team/graph?entityId=${fx.boss}`, 'team');
    // Of a member country, but not a member: the team does not exist for them.
    for (const user of [u.user('officer', 'KH', 99), u.vnOfficer]) {
      await notFound(user, `/v1/teams/${fx.team}/graph?entityId=${fx.boss}`, 'team');
      await notFound(user, `/v1/teams/${fx.team}/graph/path?from=${fx.boss}&to=${fx.mule}`, 'team');
      await notFound(user, `/v1/teams/${fx.team}/graph/operations?a=${fx.opA}&b=${fx.opB}`, 'team');
    }
  });
});
