// The whole authorization matrix: every route in POLICY, every role, for a user of the holding
// country, of the other side (destination / claimed nationality) and of an uninvolved country.
// Each cell has one exact expected status: the success status, 403, or 404 (out of scope).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY, onSide } from '../api/policy.js';
import { canSee, scopeCountry } from '../db/visibility.js';
import { listen, type RunningServer } from '../api/server.js';
import { ROLES, type Actor, type Role } from '../workflows/definitions.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { H0_TEAM, teamBody } from './helpers/intel.js';
import { caseEvents } from '../db/schema.js';
import { connectSse, type SseMessage } from './helpers/sse.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
let operationId: string;
/** A team of KH and CN whose members are every matrix user of those countries (VN is uninvolved). */
let teamId: string;
const teamSupervisor = (country: string) => u.user('supervisor', country === 'CN' ? 'CN' : 'KH', 9);
const teamOfficer = (country: string) => u.user('officer', country === 'CN' ? 'CN' : 'KH', 9);

async function setUpMatrixTeam(): Promise<string> {
  const created = await t.stack.api.post('/v1/teams', teamSupervisor('KH'), teamBody({ memberCountries: ['KH', 'CN'] }));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  for (const country of ['KH', 'CN']) {
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const member = u.user(role, country, 9);
      const added = await t.stack.api.post(`/v1/teams/${created.body.id}/members`, teamSupervisor(country), {
        sub: member.sub,
        name: member.name,
        country,
        role: 'investigator',
      });
      expect([200, 201]).toContain(added.status);
    }
  }
  return created.body.id;
}

/** An entity of the matrix team, recorded by a member officer of `country` (of KH when the country is not in the team). */
const teamEntity = async (
  country: string,
  body: Record<string, unknown> = { kind: 'organisation', attributes: { name: 'Prince Group', type: 'syndicate' } },
) => (await t.stack.api.post(`/v1/teams/${teamId}/entities`, teamOfficer(country), { ...H0_TEAM, ...body })).body.id as string;
const teamLink = async (country: string) =>
  (
    await t.stack.api.post(`/v1/teams/${teamId}/links`, teamOfficer(country), {
      ...H0_TEAM,
      from: await teamEntity(country),
      to: await teamEntity(country),
      type: 'associated_with',
    })
  ).body.id as string;
/** The team's other country: CN for KH, KH for CN (and for a country not in the team). */
const otherTeamCountry = (country: string) => (country === 'CN' ? 'KH' : 'CN');
let hiddenSeq = 0;
/** A record of `origin` that `requester` may not see, and the identifier its search hits. */
async function hiddenAccount(origin: string): Promise<string> {
  const number = `${origin}-${String(++hiddenSeq).padStart(4, '0')} 9876 543`;
  await t.stack.api.post(`/v1/teams/${teamId}/entities`, teamOfficer(origin), {
    kind: 'account',
    attributes: { type: 'bank', bank: 'ACLEDA', number, country: origin },
    handling: { code: 'H2', releasableTo: [origin] },
    evaluation: { source: 'B', information: 2 },
  });
  return number;
}
/** A pending release request by a member officer of `requester` on a hidden record of the team's other country. */
async function releaseRequest(requester: string): Promise<string> {
  const by = teamOfficer(requester);
  const value = await hiddenAccount(otherTeamCountry(by.country));
  const made = await t.stack.api.post(`/v1/teams/${teamId}/release-requests`, by, {
    identifier: { kind: 'account', value },
    reason: 'matrix',
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body.id as string;
}
/** A webhook subscription of the caller's team country (KH's for a country not in the team), made by its member supervisor; the URL refuses connections. */
async function subscription(country: string): Promise<string> {
  const made = await t.stack.api.post(`/v1/teams/${teamId}/subscriptions`, teamSupervisor(country), { url: 'http://127.0.0.1:9/matrix' });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  return made.body.id as string;
}
/** A hit notice for `origin`'s country: the team's other country searches an account of `origin` it may not see. */
async function hitNotice(origin: string): Promise<string> {
  const value = await hiddenAccount(teamSupervisor(origin).country);
  const search = await t.stack.api.get(
    `/v1/teams/${teamId}/entities?q=${encodeURIComponent(value)}`,
    teamOfficer(otherTeamCountry(teamSupervisor(origin).country)),
  );
  expect(search.body.partnerMatch, JSON.stringify(search.body)).toBe(true);
  const inbox = await t.stack.api.get(`/v1/teams/${teamId}/notices`, teamSupervisor(origin));
  expect(inbox.status, JSON.stringify(inbox.body)).toBe(200);
  return inbox.body.items[0].id as string;
}
/** Team routes: members (KH and CN) and admins see the team; to VN it does not exist. */
const inTeam = (code: number) => (user: Actor, relation: Relation) => (relation === 'uninvolved' && user.role !== 'admin' ? 404 : code);

const t = useStack(u, { app: { webhooks: { allowHosts: ['127.0.0.1'] } } });
beforeAll(async () => {
  operationId = await t.steps.operation('Matrix');
  teamId = await setUpMatrixTeam();
});

const RELATIONS = { holding: 'KH', other: 'CN', uninvolved: 'VN' } as const;
type Relation = keyof typeof RELATIONS;
const SIDES = { holding: 'KH', claimed: 'CN', destination: 'CN' };

interface Request {
  path: string;
  body?: unknown;
}

interface Scenario {
  /** A fresh object in the state where the action can succeed, and the request to make. */
  prepare: (user: Actor) => Promise<Request>;
  /** The success status; a function where the route's own rule (not the scope) refuses some users. */
  success: number | ((user: Actor, relation: Relation) => number);
  /** Reads change nothing: one prepared object serves every user. */
  read?: boolean;
  /** A stream never ends: its status is read from the response head, then the stream is dropped. */
  stream?: boolean;
}

const approvalCase = async () => {
  const id = await t.steps.open();
  await t.steps.toApproval(id);
  return id;
};
const departed = async () => {
  const id = await t.steps.approved();
  const { transferId } = await t.steps.transfer([id]);
  await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
  return { id, transferId };
};
const caseRoute =
  (suffix: string, body: unknown, make: () => Promise<string> = () => t.steps.open()) =>
  async () => ({
    path: `/v1/cases/${await make()}${suffix}`,
    body,
  });

const SCENARIOS: Record<string, Scenario> = {
  'post /v1/operations': {
    prepare: async () => ({
      path: '/v1/operations',
      body: { name: 'Joint drive', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] },
    }),
    success: (_user, relation) => (relation === 'uninvolved' ? 403 : 201),
  },
  'get /v1/operations': { prepare: async () => ({ path: '/v1/operations' }), success: 200, read: true },
  'get /v1/operations/:id': {
    prepare: async () => ({ path: `/v1/operations/${operationId}` }),
    // Only the participating countries (KH, CN) and admins see the operation.
    success: (user, relation) => (relation === 'uninvolved' && user.role !== 'admin' ? 404 : 200),
    read: true,
  },
  'post /v1/cases': {
    prepare: async () => ({ path: '/v1/cases', body: intakeBody() }),
    success: (_user, relation) => (relation === 'holding' ? 201 : 403),
  },
  'post /v1/operations/:id/intake': {
    prepare: async () => ({ path: `/v1/operations/${operationId}/intake`, body: { cases: [intakeBody()] } }),
    // The operation is KH and CN's: to another country it does not exist.
    success: (_user, relation) => (relation === 'uninvolved' ? 404 : 200),
  },
  'get /v1/cases': { prepare: async () => ({ path: '/v1/cases?limit=5' }), success: 200, read: true },
  'get /v1/cases/:id': { prepare: caseRoute('', undefined), success: 200, read: true },
  'get /v1/cases/:id/events': { prepare: caseRoute('/events', undefined), success: 200, read: true },
  'post /v1/cases/:id/identity': { prepare: caseRoute('/identity', { result: 'confirmed', method: 'biometric' }), success: 200 },
  'post /v1/cases/:id/screening': {
    prepare: caseRoute('/screening', { indicators: [] }, async () => {
      const id = await t.steps.open();
      await t.steps.verify(id);
      return id;
    }),
    success: 200,
  },
  'post /v1/cases/:id/protection-claims': { prepare: caseRoute('/protection-claims', { grounds: 'risk on return' }), success: 201 },
  'post /v1/cases/:id/protection-claims/:claimId/outcome': {
    prepare: async () => {
      const id = await t.steps.open();
      const claim = await t.stack.api.post(`/v1/cases/${id}/protection-claims`, u.khOfficer, { grounds: 'risk on return' });
      return {
        path: `/v1/cases/${id}/protection-claims/${claim.body.claimId}/outcome`,
        body: { outcome: 'dismissed', reason: 'reviewed' },
      };
    },
    success: 200,
  },
  'post /v1/cases/:id/holds': { prepare: caseRoute('/holds', { kind: 'medical', reason: 'clinic' }), success: 201 },
  'post /v1/cases/:id/holds/:holdId/lift': {
    prepare: async () => {
      const id = await t.steps.open();
      const hold = await t.stack.api.post(`/v1/cases/${id}/holds`, u.khOfficer, { kind: 'legal', reason: 'court date' });
      return { path: `/v1/cases/${id}/holds/${hold.body.holdId}/lift`, body: {} };
    },
    success: 200,
  },
  'post /v1/cases/:id/consular-notice': {
    prepare: caseRoute('/consular-notice', { notifiedAt: '2026-01-01T00:00:00Z', channel: 'email', accessRequested: false }, async () => {
      const body = intakeBody();
      delete (body as Record<string, unknown>).consularNotice;
      return (await t.stack.api.post('/v1/cases', u.khOfficer, body)).body.caseId;
    }),
    success: 200,
  },
  'post /v1/cases/:id/custody-extension': {
    prepare: caseRoute('/custody-extension', { days: 10, reason: 'registry reply' }),
    success: 200,
  },
  'post /v1/cases/:id/release': { prepare: caseRoute('/release', { reason: 'released by court' }), success: 200 },
  'post /v1/cases/:id/located': {
    prepare: caseRoute('/located', { locatedAt: '2026-01-01T00:00:00Z', place: 'border post' }, async () => {
      const { id, transferId } = await departed();
      await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [], missingCaseIds: [id] });
      return id;
    }),
    success: 200,
  },
  'post /v1/cases/:id/court-order': {
    prepare: caseRoute('/court-order', { reference: 'R-1', court: 'Court', issuedAt: '2025-11-01T00:00:00Z' }, () =>
      t.steps.open({ legalBasis: 'extradition' }),
    ),
    success: 200,
  },
  'post /v1/cases/:id/decisions': { prepare: caseRoute('/decisions', { decision: 'approve' }, approvalCase), success: 200 },
  'post /v1/cases/:id/cancel': { prepare: caseRoute('/cancel', { reason: 'withdrawn' }), success: 200 },
  'post /v1/decisions': {
    prepare: async () => ({ path: '/v1/decisions', body: { caseIds: [await approvalCase()], decision: 'approve' } }),
    success: 200,
  },
  // Refused per case (403 or 404 in the item), as POST /v1/decisions.
  'post /v1/identity': {
    prepare: async () => ({
      path: '/v1/identity',
      body: { items: [{ caseId: await t.steps.open(), result: 'confirmed', method: 'biometric' }] },
    }),
    success: 200,
  },
  'post /v1/transfers': {
    prepare: async (user) => ({
      path: '/v1/transfers',
      body: {
        destinationCountry: user.country === 'CN' ? 'KH' : 'CN',
        mode: 'land_border',
        from: 'Poipet',
        to: 'Aranyaprathet',
        scheduledAt: '2026-02-01T00:00:00Z',
        capacity: 10,
        caseIds: [await t.steps.approved()],
      },
    }),
    // The case is held in KH: another country's officer gets it refused, and a batch no case joins is refused (409).
    success: (_user, relation) => (relation === 'holding' ? 201 : 409),
  },
  'get /v1/transfers/:id': {
    prepare: async () => ({ path: `/v1/transfers/${(await t.steps.transfer([await t.steps.approved()])).transferId}` }),
    success: 200,
    read: true,
  },
  'post /v1/transfers/:id/depart': {
    prepare: async () => ({ path: `/v1/transfers/${(await t.steps.transfer([await t.steps.approved()])).transferId}/depart`, body: {} }),
    success: 200,
  },
  'post /v1/transfers/:id/handover': {
    prepare: async () => {
      const { id, transferId } = await departed();
      return { path: `/v1/transfers/${transferId}/handover`, body: { receivedCaseIds: [id] } };
    },
    success: 200,
  },
  'get /v1/stats': { prepare: async () => ({ path: '/v1/stats' }), success: 200, read: true },
  'get /v1/audit': { prepare: async () => ({ path: '/v1/audit?limit=5' }), success: 200, read: true },
  'get /v1/audit/verify': { prepare: async () => ({ path: '/v1/audit/verify' }), success: 200, read: true },
  'get /v1/transfers/:id/manifest': {
    prepare: async () => ({ path: `/v1/transfers/${(await t.steps.transfer([await t.steps.approved()])).transferId}/manifest` }),
    success: 200,
    read: true,
  },
  'get /v1/transfers': { prepare: async () => ({ path: '/v1/transfers?limit=5' }), success: 200, read: true },
  'get /v1/stats/progress': { prepare: async () => ({ path: '/v1/stats/progress' }), success: 200, read: true },
  'get /v1/decisions/pending': { prepare: async () => ({ path: '/v1/decisions/pending?limit=5' }), success: 200, read: true },
  'get /v1/me': { prepare: async () => ({ path: '/v1/me' }), success: 200, read: true },
  'get /v1/events/stream': { prepare: async () => ({ path: '/v1/events/stream' }), success: 200, read: true, stream: true },
  'post /codec/decode': { prepare: async () => ({ path: '/codec/decode', body: { payloads: [] } }), success: 200, read: true },
  'post /codec/encode': { prepare: async () => ({ path: '/codec/encode', body: { payloads: [] } }), success: 200, read: true },
  'post /v1/teams': {
    prepare: async () => ({ path: '/v1/teams', body: teamBody({ memberCountries: ['KH', 'CN'] }) }),
    // A team is set up by a supervisor of a member country.
    success: (_user, relation) => (relation === 'uninvolved' ? 403 : 201),
  },
  'get /v1/teams': { prepare: async () => ({ path: '/v1/teams' }), success: 200, read: true },
  'get /v1/teams/:id': { prepare: async () => ({ path: `/v1/teams/${teamId}` }), success: inTeam(200), read: true },
  'get /v1/teams/:id/history': { prepare: async () => ({ path: `/v1/teams/${teamId}/history` }), success: inTeam(200), read: true },
  'post /v1/teams/:id/members': {
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/members`,
      body: { sub: `member-${randomUUID()}`, name: 'New member', country: user.country, role: 'analyst' },
    }),
    success: inTeam(201),
  },
  'delete /v1/teams/:id/members/:sub': {
    prepare: async (user) => {
      const sub = `member-${randomUUID()}`;
      const country = user.country === 'CN' ? 'CN' : 'KH';
      await t.stack.api.post(`/v1/teams/${teamId}/members`, teamSupervisor(country), { sub, name: 'Leaving', country, role: 'analyst' });
      return { path: `/v1/teams/${teamId}/members/${sub}` };
    },
    success: inTeam(204),
  },
  'post /v1/teams/:id/entities': {
    prepare: async () => ({
      path: `/v1/teams/${teamId}/entities`,
      body: { ...H0_TEAM, kind: 'location', attributes: { type: 'compound', geo: { lat: 11.3, lon: 104.9 } } },
    }),
    success: inTeam(201),
  },
  'get /v1/teams/:id/entities': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/entities?limit=5` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/entities/:eid': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/entities/${await teamEntity('KH')}` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/entities/:eid/history': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/entities/${await teamEntity('KH')}/history` }),
    success: inTeam(200),
    read: true,
  },
  'patch /v1/teams/:id/entities/:eid/handling': {
    // Each caller changes a record of its own country (another country's: 403, in test/intel.test.ts).
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/entities/${await teamEntity(user.country)}/handling`,
      body: { handling: { code: 'H2', releasableTo: ['KH', 'CN'] } },
    }),
    success: inTeam(200),
  },
  'post /v1/teams/:id/links': {
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/links`,
      body: { ...H0_TEAM, from: await teamEntity(user.country), to: await teamEntity(user.country), type: 'member_of' },
    }),
    success: inTeam(201),
  },
  'get /v1/teams/:id/links/:lid': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/links/${await teamLink('KH')}` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/links/:lid/history': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/links/${await teamLink('KH')}/history` }),
    success: inTeam(200),
    read: true,
  },
  'patch /v1/teams/:id/links/:lid/handling': {
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/links/${await teamLink(user.country)}/handling`,
      body: { handling: { code: 'H1', releasableTo: 'team' } },
    }),
    success: inTeam(200),
  },
  'get /v1/teams/:id/graph': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/graph?entityId=${await teamEntity('KH')}&depth=2` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/graph/path': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/graph/path?from=${await teamEntity('KH')}&to=${await teamEntity('CN')}` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/graph/operations': {
    // The matrix operation twice: KH and CN's, so to VN the team is absent before the operation is asked.
    prepare: async () => ({ path: `/v1/teams/${teamId}/graph/operations?a=${operationId}&b=${operationId}` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/export': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/export?format=stix` }),
    success: inTeam(200),
    read: true,
  },
  'post /v1/teams/:id/import': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/import`, body: { type: 'bundle', id: `bundle--${randomUUID()}`, objects: [] } }),
    success: inTeam(200),
  },
  'post /v1/teams/:id/release-requests': {
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/release-requests`,
      body: { identifier: { kind: 'account', value: await hiddenAccount(otherTeamCountry(user.country)) }, reason: 'matrix' },
    }),
    success: inTeam(201),
  },
  'get /v1/teams/:id/release-requests': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/release-requests?pending=1` }),
    success: inTeam(200),
    read: true,
  },
  'get /v1/teams/:id/release-requests/:rid': {
    // The caller's country made the request (an admin's: KH's).
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/release-requests/${await releaseRequest(user.country)}` }),
    success: inTeam(200),
    read: true,
  },
  'post /v1/teams/:id/release-requests/:rid/decision': {
    // The request is on a record of the caller's country (another country's: 404 or 403, in test/release-requests.test.ts).
    prepare: async (user) => ({
      path: `/v1/teams/${teamId}/release-requests/${await releaseRequest(otherTeamCountry(user.country))}/decision`,
      body: { decision: 'refuse' },
    }),
    success: inTeam(200),
  },
  'get /v1/teams/:id/stream': { prepare: async () => ({ path: `/v1/teams/${teamId}/stream` }), success: inTeam(200), read: true, stream: true },
  'get /v1/teams/:id/notices': { prepare: async () => ({ path: `/v1/teams/${teamId}/notices` }), success: inTeam(200), read: true },
  'post /v1/teams/:id/notices/:nid/release': {
    // The notice is on a record of the caller's country (another country's: 403 or 404, in test/notices.test.ts).
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/notices/${await hitNotice(user.country)}/release`, body: {} }),
    success: inTeam(200),
  },
  'post /v1/teams/:id/subscriptions': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/subscriptions`, body: { url: 'http://127.0.0.1:9/matrix' } }),
    success: inTeam(201),
  },
  'get /v1/teams/:id/subscriptions': {
    prepare: async () => ({ path: `/v1/teams/${teamId}/subscriptions` }),
    success: inTeam(200),
    read: true,
  },
  // A subscription of the caller's own country (another country's: 404, in test/webhooks.test.ts).
  'get /v1/teams/:id/subscriptions/:sid/deliveries': {
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/subscriptions/${await subscription(user.country)}/deliveries` }),
    success: inTeam(200),
  },
  'post /v1/teams/:id/subscriptions/:sid/rotate-secret': {
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/subscriptions/${await subscription(user.country)}/rotate-secret` }),
    success: inTeam(200),
  },
  'post /v1/teams/:id/subscriptions/:sid/resume': {
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/subscriptions/${await subscription(user.country)}/resume` }),
    success: inTeam(200),
  },
  'delete /v1/teams/:id/subscriptions/:sid': {
    prepare: async (user) => ({ path: `/v1/teams/${teamId}/subscriptions/${await subscription(user.country)}` }),
    success: inTeam(204),
  },
  'post /v1/cases/:id/intel-links': {
    prepare: async (user) => ({
      path: `/v1/cases/${await t.steps.open()}/intel-links`,
      body: {
        teamId,
        entityId: await teamEntity(user.country, { kind: 'location', attributes: { type: 'compound', address: 'Chrey Thom, Kandal' } }),
        relation: 'found_at',
      },
    }),
    success: 201,
  },
};

let server: RunningServer | undefined;
afterAll(() => server?.close(100));

async function streamStatus(path: string, user: Actor): Promise<number> {
  server ??= await listen(t.stack.api.app, 0, '127.0.0.1');
  const abort = new AbortController();
  const res = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${await t.stack.api.token(user)}`, 'X-Purpose': 'matrix' },
    signal: abort.signal,
  });
  abort.abort();
  return res.status;
}

function expected(key: string, scenario: Scenario, user: Actor, relation: Relation): number {
  const policy = POLICY[key];
  if (!policy.roles.includes(user.role)) return 403;
  if (policy.scope) {
    const sides = policy.scope.object === 'transfer' ? { ...SIDES, claimed: null } : SIDES;
    if (
      !canSee(scopeCountry(user), {
        holdingCountry: sides.holding,
        claimedNationality: sides.claimed,
        destinationCountry: sides.destination,
      })
    )
      return 404;
    if (!onSide(policy.scope.side, user.country, sides)) return 403;
  }
  return typeof scenario.success === 'number' ? scenario.success : scenario.success(user, relation);
}

describe('the authorization matrix', () => {
  it('keeps the function-level rules: auditors change nothing, officers never decide, only holding supervisors cancel or release', () => {
    const writes = Object.entries(POLICY).filter(([key]) => key.startsWith('post /v1/'));
    expect(writes.filter(([, p]) => p.roles.includes('auditor'))).toEqual([]);
    expect(writes.filter(([, p]) => p.roles.includes('admin'))).toEqual([]);
    for (const key of ['post /v1/cases/:id/decisions', 'post /v1/decisions', 'post /v1/cases/:id/protection-claims/:claimId/outcome']) {
      expect(POLICY[key].roles, key).toEqual(['supervisor']);
    }
    for (const key of ['post /v1/cases/:id/cancel', 'post /v1/cases/:id/release', 'post /v1/cases/:id/custody-extension']) {
      expect(POLICY[key], key).toEqual({ roles: ['supervisor'], scope: { object: 'case', side: 'holding' } });
    }
    expect(POLICY['post /v1/cases/:id/identity'].scope?.side).toBe('claimed');
    expect(POLICY['post /v1/transfers/:id/handover'].scope?.side).toBe('destination');
    for (const key of ['get /v1/audit', 'get /v1/audit/verify']) expect(POLICY[key].roles, key).toEqual(['auditor', 'admin']);
  });

  it('has a scenario for every route in the policy', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual(Object.keys(POLICY).sort());
  });

  for (const key of Object.keys(POLICY)) {
    it(`${key}: every role, holding / other side / uninvolved country`, async () => {
      const scenario = SCENARIOS[key];
      const [method] = key.split(' ') as ['get' | 'post' | 'patch' | 'delete'];
      const users = ROLES.flatMap((role: Role) =>
        (Object.keys(RELATIONS) as Relation[]).map((relation) => ({ relation, user: u.user(role, RELATIONS[relation], 9) })),
      );
      let shared: Request | undefined;
      const cells: string[] = [];
      const wanted: string[] = [];
      for (const { relation, user } of users) {
        const want = expected(key, scenario, user, relation);
        // A success changes the object, so it gets a fresh one; refusals and reads share one.
        const request = want < 300 && !scenario.read ? await scenario.prepare(user) : (shared ??= await scenario.prepare(user));
        const status = scenario.stream
          ? await streamStatus(request.path, user)
          : (await t.stack.api.call(method, request.path, { as: user, body: request.body })).status;
        cells.push(`${user.role}/${relation}: ${status}`);
        wanted.push(`${user.role}/${relation}: ${want}`);
      }
      expect(cells).toEqual(wanted);
    });
  }
});

// The matrix's second column: what each side sees of a case in every answer that carries one.
// A KH-held case with a protection claim (lodged at screening, with notes) and a medical hold; a
// case diverted to protection by an indicator; a batch a claimant was taken off. The holding
// side and admins see all of it; the other side (CN) sees a legal review, CLOSED, and who boarded.
describe('field-level visibility per side', () => {
  const TOKEN = `m4tr1x${Date.now().toString(36)}`;
  const SECRETS = { grounds: `grounds-${TOKEN}`, notes: `notes-${TOKEN}`, medical: `fever-${TOKEN}`, outcome: `outcome-${TOKEN}` };
  /** What the restricted view never carries. */
  const NEVER = [...Object.values(SECRETS), 'protection_claim', '"PROTECTION', 'PROTECTION_', 'debt_bondage', 'indicators', 'medical'];
  const views = {
    holding: [u.user('officer', 'KH', 41), u.user('supervisor', 'KH', 41), u.user('auditor', 'KH', 41)],
    other: [u.user('officer', 'CN', 41), u.user('supervisor', 'CN', 41), u.user('auditor', 'CN', 41)],
    admin: [u.user('admin', 'CN', 41)],
  };
  type View = keyof typeof views;
  const fx = {} as {
    op: string;
    held: string;
    diverted: string;
    boarded: string;
    dropped: string;
    transferId: string;
    claimId: string;
    firstEventId: number;
  };

  const restricted = (body: unknown, extra: string[] = []) => {
    const text = JSON.stringify(body);
    for (const s of [...NEVER, ...extra]) expect(text, `the other side sees ${s}`).not.toContain(s);
  };
  const full = (body: unknown, wanted: string[]) => {
    const text = JSON.stringify(body);
    for (const s of wanted) expect(text, `the holding side sees ${s}`).toContain(s);
  };
  /** Every user of every view gets `answer`; the holding side and admins see `wanted`, the other side none of it. */
  async function column(
    answer: (user: Actor) => Promise<unknown>,
    wanted: string[],
    check?: (body: any, view: View) => void,
    extra: string[] = [],
  ) {
    for (const view of Object.keys(views) as View[]) {
      for (const user of views[view]) {
        const body = await answer(user);
        if (view === 'other') restricted(body, extra);
        else full(body, wanted);
        check?.(body, view);
      }
    }
  }
  const ok = async (path: string, user: Actor) => {
    const res = await t.stack.api.get(path, user);
    expect(res.status, `${user.role}/${user.country} ${path}`).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    fx.op = (
      await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'Fields', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] })
    ).body.id;
    const [last] = await t.stack.database.db.select({ max: sql<number>`coalesce(max(${caseEvents.id}), 0)::int` }).from(caseEvents);
    fx.firstEventId = Number(last.max);

    fx.held = await t.steps.open({ operationId: fx.op });
    await t.steps.verify(fx.held);
    // The holding side's own answers carry everything.
    const screened = await t.steps.screen(fx.held, u.khOfficer, {
      indicators: [],
      notes: SECRETS.notes,
      protectionClaim: { grounds: SECRETS.grounds },
    });
    full(screened, [SECRETS.notes]);
    const hold = await t.stack.api.post(`/v1/cases/${fx.held}/holds`, u.khOfficer, { kind: 'medical', reason: SECRETS.medical });
    expect(hold.status).toBe(201);
    full(hold.body, [SECRETS.grounds, SECRETS.medical, 'protection_claim', 'medical']);
    fx.claimId = hold.body.case.holds.find((h: { kind: string }) => h.kind === 'protection_claim').holdId;

    fx.diverted = await t.steps.open({ operationId: fx.op });
    await t.steps.verify(fx.diverted);
    full(await t.steps.screen(fx.diverted, u.khOfficer, { indicators: ['debt_bondage'], notes: SECRETS.notes }), [
      'PROTECTION',
      'debt_bondage',
    ]);

    fx.boarded = await t.steps.approved({ operationId: fx.op });
    fx.dropped = await t.steps.approved({ operationId: fx.op });
    fx.transferId = (await t.steps.transfer([fx.boarded, fx.dropped])).transferId;
    const claim = await t.stack.api.post(`/v1/cases/${fx.dropped}/protection-claims`, u.khOfficer, { grounds: SECRETS.grounds });
    expect(claim.status).toBe(201);
    full(claim.body, [SECRETS.grounds, 'protection_claim']);
    expect((await t.stack.api.post(`/v1/transfers/${fx.transferId}/depart`, u.khOfficer, {})).status).toBe(200);
  });

  it('the case: screening, claims and holds', async () => {
    await column(
      (user) => ok(`/v1/cases/${fx.held}`, user),
      [SECRETS.grounds, SECRETS.notes, SECRETS.medical, 'protection_claim'],
      (body, view) => {
        expect(body.status).toBe('ON_HOLD');
        if (view === 'other') {
          expect(body.screening).toBeNull();
          expect(body.holds).toHaveLength(2);
          for (const h of body.holds)
            expect(h).toMatchObject({ kind: 'legal_review', reason: null, placedBy: null, until: null, active: true });
          expect(body.holds.map((h: { holdId: string }) => h.holdId)).not.toContain(fx.claimId);
        } else {
          expect(body.holds.map((h: { kind: string }) => h.kind).sort()).toEqual(['medical', 'protection_claim']);
        }
      },
    );
    await column(
      (user) => ok(`/v1/cases/${fx.diverted}`, user),
      ['"PROTECTION"', 'debt_bondage'],
      (body, view) => expect(body.status).toBe(view === 'other' ? 'CLOSED' : 'PROTECTION'),
    );
  });

  it('the list, its status filter and the timeline', async () => {
    await column(
      (user) => ok(`/v1/cases?operationId=${fx.op}&limit=50`, user),
      ['"PROTECTION"'],
      (body, view) => {
        const statusOf = (id: string) => body.items.find((c: { caseId: string }) => c.caseId === id)?.status;
        expect(statusOf(fx.diverted)).toBe(view === 'other' ? 'CLOSED' : 'PROTECTION');
        expect(statusOf(fx.dropped)).toBe('ON_HOLD');
      },
    );
    await column(
      (user) => ok(`/v1/cases?operationId=${fx.op}&status=PROTECTION`, user),
      [fx.diverted],
      (body, view) => expect(body.items.map((c: { caseId: string }) => c.caseId)).toEqual(view === 'other' ? [] : [fx.diverted]),
    );
    await column(
      (user) => ok(`/v1/cases?operationId=${fx.op}&status=CLOSED`, user),
      [],
      (body, view) => expect(body.items.map((c: { caseId: string }) => c.caseId)).toEqual(view === 'other' ? [fx.diverted] : []),
    );
    await column(
      (user) => ok(`/v1/cases/${fx.held}/events`, user),
      [SECRETS.grounds, SECRETS.notes, SECRETS.medical, 'PROTECTION_CLAIM_LODGED'],
      (body, view) => {
        if (view === 'other') {
          expect(body.items.map((e: { type: string }) => e.type)).toEqual([
            'CASE_OPENED',
            'IDENTITY_CONFIRMED',
            'SCREENED',
            'HOLD_PLACED',
            'HOLD_PLACED',
          ]);
        }
      },
    );
    await column((user) => ok(`/v1/cases/${fx.diverted}/events`, user), ['PROTECTION_REFERRAL', 'debt_bondage']);
    await column(
      (user) => ok(`/v1/cases/${fx.dropped}/events`, user),
      ['DROPPED_FROM_TRANSFER', SECRETS.grounds],
      (body, view) => {
        if (view === 'other') expect(body.items.map((e: { type: string }) => e.type)).not.toContain('DROPPED_FROM_TRANSFER');
      },
    );
  });

  it('the answers of changes the other side may make: identity, decisions one by one and in bulk, handover', async () => {
    // Identity (the claimed nationality's officer) on a case whose claim was lodged and dismissed.
    const verifying = await t.steps.open({ operationId: fx.op });
    const claim = await t.stack.api.post(`/v1/cases/${verifying}/protection-claims`, u.khOfficer, { grounds: SECRETS.grounds });
    await t.stack.api.post(`/v1/cases/${verifying}/protection-claims/${claim.body.claimId}/outcome`, u.khSupervisor, {
      outcome: 'dismissed',
      reason: SECRETS.outcome,
    });
    const verified = await t.stack.api.post(`/v1/cases/${verifying}/identity`, views.other[0], {
      result: 'confirmed',
      method: 'biometric',
    });
    expect(verified.status).toBe(200);
    restricted(verified.body);
    expect(verified.body.holds).toEqual([]);

    // Decisions: each side's supervisor gets the case as that side sees it.
    const deciding = await t.steps.open({ operationId: fx.op });
    await t.steps.verify(deciding);
    await t.steps.screen(deciding, u.khOfficer, { indicators: [], notes: SECRETS.notes });
    const kh = await t.stack.api.post(`/v1/cases/${deciding}/decisions`, views.holding[1], { decision: 'approve' });
    expect(kh.status).toBe(200);
    full(kh.body, [SECRETS.notes]);
    const cn = await t.stack.api.post(`/v1/cases/${deciding}/decisions`, views.other[1], { decision: 'approve' });
    expect(cn.status).toBe(200);
    restricted(cn.body);
    expect(cn.body).toMatchObject({ status: 'APPROVED', screening: null });

    const bulk = async (user: Actor) => {
      const res = await t.stack.api.post('/v1/decisions', user, { caseIds: [fx.diverted], decision: 'approve' });
      expect(res.status).toBe(200);
      return res.body;
    };
    restricted(await bulk(views.other[1]));
    // A refusal says no more than the case does.
    const refused = await t.stack.api.post(`/v1/cases/${fx.held}/decisions`, views.other[1], { decision: 'approve' });
    expect(refused.status).toBe(409);
    restricted(refused.body);
    restricted(await t.stack.api.post('/v1/decisions', views.other[1], { caseIds: [fx.held], decision: 'approve' }));

    const handover = await t.stack.api.post(`/v1/transfers/${fx.transferId}/handover`, views.other[0], { receivedCaseIds: [fx.boarded] });
    expect(handover.status).toBe(200);
    restricted(handover.body, [fx.dropped]);
    expect(handover.body.results).toEqual([expect.objectContaining({ caseId: fx.boarded, ok: true, status: 'HANDED_OVER' })]);
  });

  it('the batch, its manifest (JSON and CSV) and the batch list', async () => {
    await column(
      (user) => ok(`/v1/transfers/${fx.transferId}`, user),
      [fx.dropped],
      (body, view) => {
        expect(body.cases.map((c: { caseId: string }) => c.caseId).sort()).toEqual(
          view === 'other' ? [fx.boarded] : [fx.boarded, fx.dropped].sort(),
        );
      },
      [fx.dropped],
    );
    await column((user) => ok(`/v1/transfers/${fx.transferId}/manifest`, user), [fx.dropped], undefined, [fx.dropped]);
    await column((user) => ok(`/v1/transfers/${fx.transferId}/manifest?format=csv`, user), [fx.dropped], undefined, [fx.dropped]);
    await column(
      (user) => ok('/v1/transfers?limit=100', user),
      [],
      (body) => expect(body.items.find((t: { transferId: string }) => t.transferId === fx.transferId).cases).toBe(1),
    );
  });

  it('the counts: statistics and the operation', async () => {
    await column(
      async (user) => {
        // Hold kinds counted at zero say nothing: only the kinds that count are compared.
        const body = await ok('/v1/stats', user);
        return { ...body, activeHolds: Object.fromEntries(Object.entries(body.activeHolds).filter(([, n]) => Number(n) > 0)) };
      },
      [],
      (body, view) => {
        const counts = body.byOperation[fx.op];
        if (view === 'other') {
          expect(counts.PROTECTION).toBeUndefined();
          expect(counts.CLOSED).toBe(1);
          expect(body.funnelByOperation[fx.op]).toMatchObject({ protection: 0, closed: 1 });
        } else {
          expect(counts.PROTECTION).toBe(1);
          expect(counts.CLOSED).toBeUndefined();
          expect(body.activeHolds.protection_claim).toBeGreaterThanOrEqual(2);
        }
      },
      ['"PROTECTION"'],
    );
    await column(
      (user) => ok(`/v1/operations/${fx.op}`, user),
      [],
      (body, view) => {
        expect(body.caseCounts.byStatus[view === 'other' ? 'CLOSED' : 'PROTECTION']).toBe(1);
      },
    );
  });

  it('the stream, replayed from before the cases were opened', async () => {
    server ??= await listen(t.stack.api.app, 0, '127.0.0.1');
    // Opened after every fixture event: once its opening arrives, the replay has sent all before it.
    const last = await t.steps.open();
    const caughtUp = (m: SseMessage) => m.data.caseId === last && m.data.type === 'CASE_OPENED';
    await column(
      async (user) => {
        const connection = await connectSse(`${server!.url}/v1/events/stream`, {
          Authorization: `Bearer ${await t.stack.api.token(user)}`,
          'Last-Event-ID': String(fx.firstEventId),
        });
        try {
          await connection.waitFor(caughtUp, 20_000, 'the replay reaching a case opened after the fixtures');
          return connection.messages.filter((m) => [fx.held, fx.diverted, fx.dropped].includes(m.data.caseId)).map((m) => m.data);
        } finally {
          connection.close();
        }
      },
      ['PROTECTION_CLAIM_LODGED', 'PROTECTION_REFERRAL', 'DROPPED_FROM_TRANSFER'],
      (events, view) => {
        const types = events.map((e: { type: string }) => e.type);
        if (view === 'other') expect(types).not.toContain('DROPPED_FROM_TRANSFER');
      },
    );
  });
});
