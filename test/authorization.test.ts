// The whole authorization matrix: every route in POLICY, every role, for a user of the holding
// country, of the other side (destination / claimed nationality) and of an uninvolved country.
// Each cell has one exact expected status: the success status, 403, or 404 (out of scope).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY, canSeeSides, onSide } from '../api/policy.js';
import { listen, type RunningServer } from '../api/server.js';
import { ROLES, type Actor, type Role } from '../workflows/definitions.js';
import { caseSteps, intakeBody, makeUsers } from './helpers/fixtures.js';
import { startStack, type Stack } from './helpers/stack.js';

let stack: Stack;
const u = makeUsers();
let steps: ReturnType<typeof caseSteps>;
let operationId: string;

beforeAll(async () => {
  stack = await startStack();
  steps = caseSteps(stack.api, u);
  const op = await stack.api.post('/v1/operations', u.khOfficer, { name: 'Matrix', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] });
  operationId = op.body.id;
});
afterAll(() => stack?.stop());

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
  const id = await steps.open();
  await steps.toApproval(id);
  return id;
};
const departed = async () => {
  const id = await steps.approved();
  const { transferId } = await steps.transfer([id]);
  await stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
  return { id, transferId };
};
const caseRoute = (suffix: string, body: unknown, make: () => Promise<string> = () => steps.open()) => async () => ({
  path: `/v1/cases/${await make()}${suffix}`,
  body,
});

const SCENARIOS: Record<string, Scenario> = {
  'post /v1/operations': {
    prepare: async () => ({ path: '/v1/operations', body: { name: 'Joint drive', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] } }),
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
    success: 200,
  },
  'get /v1/cases': { prepare: async () => ({ path: '/v1/cases?limit=5' }), success: 200, read: true },
  'get /v1/cases/:id': { prepare: caseRoute('', undefined), success: 200, read: true },
  'get /v1/cases/:id/events': { prepare: caseRoute('/events', undefined), success: 200, read: true },
  'post /v1/cases/:id/identity': { prepare: caseRoute('/identity', { result: 'confirmed', method: 'biometric' }), success: 200 },
  'post /v1/cases/:id/screening': {
    prepare: caseRoute('/screening', { indicators: [] }, async () => {
      const id = await steps.open();
      await steps.verify(id);
      return id;
    }),
    success: 200,
  },
  'post /v1/cases/:id/protection-claims': { prepare: caseRoute('/protection-claims', { grounds: 'risk on return' }), success: 201 },
  'post /v1/cases/:id/protection-claims/:claimId/outcome': {
    prepare: async () => {
      const id = await steps.open();
      const claim = await stack.api.post(`/v1/cases/${id}/protection-claims`, u.khOfficer, { grounds: 'risk on return' });
      return { path: `/v1/cases/${id}/protection-claims/${claim.body.claimId}/outcome`, body: { outcome: 'dismissed', reason: 'reviewed' } };
    },
    success: 200,
  },
  'post /v1/cases/:id/holds': { prepare: caseRoute('/holds', { kind: 'medical', reason: 'clinic' }), success: 201 },
  'post /v1/cases/:id/holds/:holdId/lift': {
    prepare: async () => {
      const id = await steps.open();
      const hold = await stack.api.post(`/v1/cases/${id}/holds`, u.khOfficer, { kind: 'legal', reason: 'court date' });
      return { path: `/v1/cases/${id}/holds/${hold.body.holdId}/lift`, body: {} };
    },
    success: 200,
  },
  'post /v1/cases/:id/consular-notice': {
    prepare: caseRoute('/consular-notice', { notifiedAt: '2026-01-01T00:00:00Z', channel: 'email', accessRequested: false }, async () => {
      const body = intakeBody();
      delete (body as Record<string, unknown>).consularNotice;
      return (await stack.api.post('/v1/cases', u.khOfficer, body)).body.caseId;
    }),
    success: 200,
  },
  'post /v1/cases/:id/custody-extension': { prepare: caseRoute('/custody-extension', { days: 10, reason: 'registry reply' }), success: 200 },
  'post /v1/cases/:id/release': { prepare: caseRoute('/release', { reason: 'released by court' }), success: 200 },
  'post /v1/cases/:id/court-order': {
    prepare: caseRoute('/court-order', { reference: 'R-1', court: 'Court', issuedAt: '2025-11-01T00:00:00Z' }, () => steps.open({ legalBasis: 'extradition' })),
    success: 200,
  },
  'post /v1/cases/:id/decisions': { prepare: caseRoute('/decisions', { decision: 'approve' }, approvalCase), success: 200 },
  'post /v1/cases/:id/cancel': { prepare: caseRoute('/cancel', { reason: 'withdrawn' }), success: 200 },
  'post /v1/decisions': {
    prepare: async () => ({ path: '/v1/decisions', body: { caseIds: [await approvalCase()], decision: 'approve' } }),
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
        caseIds: [await steps.approved()],
      },
    }),
    // The case is held in KH: another country's officer gets it refused, and a batch no case joins is refused (409).
    success: (_user, relation) => (relation === 'holding' ? 201 : 409),
  },
  'get /v1/transfers/:id': {
    prepare: async () => ({ path: `/v1/transfers/${(await steps.transfer([await steps.approved()])).transferId}` }),
    success: 200,
    read: true,
  },
  'post /v1/transfers/:id/depart': {
    prepare: async () => ({ path: `/v1/transfers/${(await steps.transfer([await steps.approved()])).transferId}/depart`, body: {} }),
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
    prepare: async () => ({ path: `/v1/transfers/${(await steps.transfer([await steps.approved()])).transferId}/manifest` }),
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
};

let server: RunningServer | undefined;
afterAll(() => server?.close(100));

async function streamStatus(path: string, user: Actor): Promise<number> {
  server ??= await listen(stack.api.app, 0, '127.0.0.1');
  const abort = new AbortController();
  const res = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${await stack.api.token(user)}`, 'X-Purpose': 'matrix' },
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
    if (!canSeeSides(user.role === 'admin' ? null : user.country, sides)) return 404;
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
      const [method] = key.split(' ') as ['get' | 'post'];
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
          : (await stack.api.call(method, request.path, { as: user, body: request.body })).status;
        cells.push(`${user.role}/${relation}: ${status}`);
        wanted.push(`${user.role}/${relation}: ${want}`);
      }
      expect(cells).toEqual(wanted);
    });
  }
});
