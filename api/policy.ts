// Who may do what: every route's roles, and for routes on one case or one transfer, which side of
// it the caller must be on. The router enforces it (403, or 404 for what the caller may not see),
// the OpenAPI document shows it, and test/authorization.test.ts walks every cell of it. The case
// workflows apply the same rules again as the authority on state.
import { ROLES, type Role } from '../workflows/definitions.js';
import type { Side } from './sides.js';

export { onSide, type Side, type Sides } from './sides.js';

export interface RoutePolicy {
  roles: readonly Role[];
  /** For routes on one object (`:id`): which object, and which side of it may act. */
  scope?: { object: 'case' | 'transfer'; side: Side };
}

const ALL = ROLES;
const onCase = (side: Side) => ({ object: 'case', side }) as const;
const onTransfer = (side: Side) => ({ object: 'transfer', side }) as const;

export const POLICY: Record<string, RoutePolicy> = {
  'post /v1/operations': { roles: ['officer', 'supervisor'] },
  'get /v1/operations': { roles: ALL },
  'get /v1/operations/:id': { roles: ALL },
  // Intake acts in the caller's own country: a case held elsewhere is refused (403, or per item).
  'post /v1/cases': { roles: ['officer'] },
  'post /v1/operations/:id/intake': { roles: ['officer'] },
  'get /v1/cases': { roles: ALL },
  'get /v1/cases/:id': { roles: ALL, scope: onCase('visible') },
  'get /v1/cases/:id/events': { roles: ALL, scope: onCase('visible') },
  'post /v1/cases/:id/identity': { roles: ['officer'], scope: onCase('claimed') },
  'post /v1/cases/:id/screening': { roles: ['officer'], scope: onCase('holding') },
  'post /v1/cases/:id/protection-claims': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/protection-claims/:claimId/outcome': { roles: ['supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/holds': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/holds/:holdId/lift': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/consular-notice': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/custody-extension': { roles: ['supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/release': { roles: ['supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/located': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/court-order': { roles: ['officer', 'supervisor'], scope: onCase('holding') },
  'post /v1/cases/:id/decisions': { roles: ['supervisor'], scope: onCase('either') },
  'post /v1/cases/:id/cancel': { roles: ['supervisor'], scope: onCase('holding') },
  // Many cases at once: each case is checked on its own and refused per item.
  'post /v1/decisions': { roles: ['supervisor'] },
  'post /v1/identity': { roles: ['officer'] },
  'post /v1/transfers': { roles: ['officer'] },
  'get /v1/transfers/:id': { roles: ALL, scope: onTransfer('visible') },
  'get /v1/transfers/:id/manifest': { roles: ['officer', 'supervisor', 'auditor', 'admin'], scope: onTransfer('visible') },
  'post /v1/transfers/:id/depart': { roles: ['officer'], scope: onTransfer('holding') },
  'post /v1/transfers/:id/handover': { roles: ['officer'], scope: onTransfer('destination') },
  'get /v1/stats': { roles: ALL },
  'get /v1/audit': { roles: ['auditor', 'admin'] },
  'get /v1/audit/verify': { roles: ['auditor', 'admin'] },
  'get /v1/decisions/pending': { roles: ['supervisor'] },
  'get /v1/transfers': { roles: ALL },
  'get /v1/stats/progress': { roles: ALL },
  'get /v1/events/stream': { roles: ALL },
  'get /v1/me': { roles: ALL },
  'post /codec/decode': { roles: ['auditor', 'admin'] },
  'post /codec/encode': { roles: ['auditor', 'admin'] },
  // Joint investigation teams and their intelligence: who is in a team and which records they may
  // see is decided per team and record (api/intel-policy.ts); these are the roles.
  'post /v1/teams': { roles: ['supervisor'] },
  'get /v1/teams': { roles: ALL },
  'get /v1/teams/:id': { roles: ALL },
  'get /v1/teams/:id/history': { roles: ALL },
  'post /v1/teams/:id/members': { roles: ['supervisor'] },
  'delete /v1/teams/:id/members/:sub': { roles: ['supervisor'] },
  'post /v1/teams/:id/entities': { roles: ['officer', 'supervisor'] },
  'get /v1/teams/:id/entities': { roles: ALL },
  'get /v1/teams/:id/entities/:eid': { roles: ALL },
  'get /v1/teams/:id/entities/:eid/history': { roles: ALL },
  'patch /v1/teams/:id/entities/:eid/handling': { roles: ['officer', 'supervisor'] },
  'post /v1/teams/:id/links': { roles: ['officer', 'supervisor'] },
  'get /v1/teams/:id/links/:lid': { roles: ALL },
  'get /v1/teams/:id/links/:lid/history': { roles: ALL },
  'patch /v1/teams/:id/links/:lid/handling': { roles: ['officer', 'supervisor'] },
  'get /v1/teams/:id/graph': { roles: ALL },
  'get /v1/teams/:id/graph/path': { roles: ALL },
  'get /v1/teams/:id/graph/operations': { roles: ALL },
  'get /v1/teams/:id/export': { roles: ALL },
  'post /v1/teams/:id/import': { roles: ['officer', 'supervisor'] },
  // Release requests: made by an officer or supervisor of the requesting country, decided by a
  // supervisor of the originating country (the request's workflow checks that again).
  'post /v1/teams/:id/release-requests': { roles: ['officer', 'supervisor'] },
  'get /v1/teams/:id/release-requests': { roles: ['supervisor'] },
  'get /v1/teams/:id/release-requests/:rid': { roles: ['officer', 'supervisor', 'admin'] },
  'post /v1/teams/:id/release-requests/:rid/decision': { roles: ['supervisor'] },
  // Hit notices: the originating country's inbox; its supervisor releases the record to the searcher.
  'get /v1/teams/:id/notices': { roles: ALL },
  'post /v1/teams/:id/notices/:nid/release': { roles: ['supervisor'] },
  // Webhook subscriptions: a member country's supervisor manages its own country's (api/routes/webhooks.ts).
  'post /v1/teams/:id/subscriptions': { roles: ['supervisor'] },
  'get /v1/teams/:id/subscriptions': { roles: ['supervisor'] },
  'get /v1/teams/:id/subscriptions/:sid/deliveries': { roles: ['supervisor'] },
  'post /v1/teams/:id/subscriptions/:sid/rotate-secret': { roles: ['supervisor'] },
  'post /v1/teams/:id/subscriptions/:sid/resume': { roles: ['supervisor'] },
  'delete /v1/teams/:id/subscriptions/:sid': { roles: ['supervisor'] },
  // The team stream: its members (any role) and admins, each sent what their country may see.
  'get /v1/teams/:id/stream': { roles: ALL },
  'post /v1/cases/:id/intel-links': { roles: ['officer', 'supervisor'], scope: onCase('visible') },
};

export const policyKey = (method: string, path: string) => `${method.toLowerCase()} ${path}`;
