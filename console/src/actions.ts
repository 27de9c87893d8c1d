// What the signed-in user may do right now. Two sources, nothing restated: who may call a route and
// from which side of the case comes from the API's policy (api/policy.ts, sent with /v1/me as
// `permissions`); at which stage a case accepts it comes from the workflow's own rules
// (workflows/case-rules.ts), which still decide: the console only offers what would be accepted.
import { onSide, type Sides } from '../../api/sides.js';
import { decidableSide, decisionSide, isDecided, isHoldable, isReleasable, isTerminal } from '../../workflows/case-rules.js';
import type { CaseDetail, Hold, Me, TransferDetail } from './types.js';

export { isDecided, isTerminal };

/** The policy's keys of the routes the console calls. */
export const ROUTES = {
  openCase: 'post /v1/cases',
  verifyIdentity: 'post /v1/cases/:id/identity',
  screen: 'post /v1/cases/:id/screening',
  lodgeClaim: 'post /v1/cases/:id/protection-claims',
  decideClaim: 'post /v1/cases/:id/protection-claims/:claimId/outcome',
  placeHold: 'post /v1/cases/:id/holds',
  liftHold: 'post /v1/cases/:id/holds/:holdId/lift',
  consularNotice: 'post /v1/cases/:id/consular-notice',
  extendCustody: 'post /v1/cases/:id/custody-extension',
  release: 'post /v1/cases/:id/release',
  recordLocated: 'post /v1/cases/:id/located',
  courtOrder: 'post /v1/cases/:id/court-order',
  decide: 'post /v1/cases/:id/decisions',
  cancel: 'post /v1/cases/:id/cancel',
  createTransfer: 'post /v1/transfers',
  depart: 'post /v1/transfers/:id/depart',
  handover: 'post /v1/transfers/:id/handover',
  manifest: 'get /v1/transfers/:id/manifest',
  pendingDecisions: 'get /v1/decisions/pending',
  audit: 'get /v1/audit',
  verifyAudit: 'get /v1/audit/verify',
} as const;
type RouteKey = (typeof ROUTES)[keyof typeof ROUTES];

/** Whether the policy lets this user call `route` (on an object with these sides, for routes on one object). */
export function may(me: Me, route: RouteKey, sides?: Sides): boolean {
  const side = me.permissions?.[route];
  if (side === undefined) return false;
  return side === null || !sides || onSide(side, me.country, sides);
}

export type CaseAction =
  | 'verify-identity'
  | 'screen'
  | 'lodge-protection-claim'
  | 'decide-protection-claim'
  | 'place-hold'
  | 'lift-hold'
  | 'record-consular-notice'
  | 'record-court-order'
  | 'decide'
  | 'schedule-transfer'
  | 'extend-custody'
  | 'release'
  | 'record-located'
  | 'cancel';
export type TransferAction = 'depart' | 'handover' | 'download-manifest';

export type CaseFacts = Pick<
  CaseDetail,
  | 'status'
  | 'holdingCountry'
  | 'claimedNationality'
  | 'destinationCountry'
  | 'openedBy'
  | 'decisions'
  | 'legalBasis'
  | 'holds'
  | 'holdResumeStatus'
  | 'consularNotice'
  | 'courtOrder'
  | 'custodyExtension'
>;

export const caseSides = (c: Pick<CaseDetail, 'holdingCountry' | 'claimedNationality' | 'destinationCountry'>): Sides => ({
  holding: c.holdingCountry,
  claimed: c.claimedNationality,
  destination: c.destinationCountry,
});

/** The side of a case that a user of `country` decides, if any. */
export const sideOf = decisionSide;

const isOpen = (c: Pick<CaseFacts, 'status'>) => !isTerminal(c.status);
const activeHolds = (c: Pick<CaseFacts, 'holds'>, kinds: Hold['kind'][]) => c.holds.filter((h) => h.active && kinds.includes(h.kind));

/** May this user lift this hold now (medical and legal holds; a claim ends with its outcome)? */
export function canLiftHold(me: Me, c: CaseFacts, hold: Hold): boolean {
  return hold.active && hold.kind !== 'protection_claim' && isOpen(c) && may(me, ROUTES.liftHold, caseSides(c));
}

/** May this user record the outcome of the legal review of this protection claim now? */
export function canDecideClaim(me: Me, c: CaseFacts, hold: Hold): boolean {
  return hold.active && hold.kind === 'protection_claim' && isOpen(c) && may(me, ROUTES.decideClaim, caseSides(c));
}

export function caseActions(me: Me, c: CaseFacts): CaseAction[] {
  const actions: CaseAction[] = [];
  const sides = caseSides(c);
  const can = (route: RouteKey) => may(me, route, sides);
  const open = isOpen(c);
  const holdable = isHoldable(c.status);

  if (c.status === 'IDENTITY_PENDING' && can(ROUTES.verifyIdentity)) actions.push('verify-identity');
  if (c.status === 'SCREENING_PENDING' && can(ROUTES.screen)) actions.push('screen');
  if (holdable && can(ROUTES.lodgeClaim)) actions.push('lodge-protection-claim');
  if (activeHolds(c, ['protection_claim']).some((h) => canDecideClaim(me, c, h))) actions.push('decide-protection-claim');
  if (holdable && can(ROUTES.placeHold)) actions.push('place-hold');
  if (activeHolds(c, ['medical', 'legal']).some((h) => canLiftHold(me, c, h))) actions.push('lift-hold');
  if (open && c.consularNotice === null && can(ROUTES.consularNotice)) actions.push('record-consular-notice');
  if (open && c.legalBasis === 'extradition' && c.courtOrder === null && can(ROUTES.courtOrder)) actions.push('record-court-order');
  if (decidableSide(me, c) && can(ROUTES.decide)) actions.push('decide');
  // A transfer leaves from the officer's own country: only the holding country schedules.
  if (c.status === 'APPROVED' && me.country === c.holdingCountry && can(ROUTES.createTransfer)) actions.push('schedule-transfer');
  if (c.custodyExtension === null && !isDecided(c) && can(ROUTES.extendCustody)) actions.push('extend-custody');
  if (isReleasable(c.status) && can(ROUTES.release)) actions.push('release');
  if (c.status === 'MISSING' && can(ROUTES.recordLocated)) actions.push('record-located');
  if (open && can(ROUTES.cancel)) actions.push('cancel');
  return actions;
}

export function transferActions(me: Me, t: Pick<TransferDetail, 'status' | 'holdingCountry' | 'destinationCountry'>): TransferAction[] {
  const actions: TransferAction[] = [];
  const sides: Sides = { holding: t.holdingCountry, claimed: null, destination: t.destinationCountry };
  if (t.status === 'SCHEDULED' && may(me, ROUTES.depart, sides)) actions.push('depart');
  if (t.status === 'DEPARTED' && may(me, ROUTES.handover, sides)) actions.push('handover');
  if (may(me, ROUTES.manifest, sides)) actions.push('download-manifest');
  return actions;
}

/** The pages and buttons that do not depend on one case. */
export const opensCases = (me: Me) => may(me, ROUTES.openCase);
export const canScheduleTransfers = (me: Me) => may(me, ROUTES.createTransfer);
export const decidesCases = (me: Me) => may(me, ROUTES.pendingDecisions);
export const readsAudit = (me: Me) => may(me, ROUTES.audit);
export const verifiesAudit = (me: Me) => may(me, ROUTES.verifyAudit);
