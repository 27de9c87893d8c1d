// What the signed-in user may do right now, from their role and country, the case's status and
// who opened it. These mirror the workflow's own checks, which still decide: the console only
// offers what would be accepted.
import type { CaseDetail, Me, TransferDetail } from './types.js';

export const TERMINAL = ['HANDED_OVER', 'REJECTED', 'REFERRED', 'PROTECTION', 'CANCELLED', 'RELEASED'];

export type CaseAction = 'verify-identity' | 'decide' | 'cancel' | 'schedule-transfer';
export type TransferAction = 'depart' | 'handover';

type CaseFacts = Pick<CaseDetail, 'status' | 'holdingCountry' | 'claimedNationality' | 'destinationCountry' | 'openedBy' | 'decisions'>;

/** The side of a case that a user of `country` decides, if any. */
export function sideOf(country: string, c: Pick<CaseDetail, 'holdingCountry' | 'destinationCountry'>): 'holding' | 'destination' | null {
  if (country === c.holdingCountry) return 'holding';
  if (c.destinationCountry !== null && country === c.destinationCountry) return 'destination';
  return null;
}

export function caseActions(me: Me, c: CaseFacts): CaseAction[] {
  const actions: CaseAction[] = [];
  if (me.role === 'officer' && c.status === 'IDENTITY_PENDING' && me.country === c.claimedNationality) actions.push('verify-identity');
  if (me.role === 'supervisor' && c.status === 'APPROVAL_PENDING' && me.sub !== c.openedBy) {
    const side = sideOf(me.country, c);
    const other = side === 'holding' ? c.decisions.destination : c.decisions.holding;
    if (side && !c.decisions[side] && other?.by !== me.sub) actions.push('decide');
  }
  if (me.role === 'supervisor' && me.country === c.holdingCountry && !TERMINAL.includes(c.status)) actions.push('cancel');
  if (me.role === 'officer' && me.country === c.holdingCountry && c.status === 'APPROVED') actions.push('schedule-transfer');
  return actions;
}

export function transferActions(me: Me, t: Pick<TransferDetail, 'status' | 'holdingCountry' | 'destinationCountry'>): TransferAction[] {
  const actions: TransferAction[] = [];
  if (me.role === 'officer' && me.country === t.holdingCountry && t.status === 'SCHEDULED') actions.push('depart');
  if (me.role === 'officer' && me.country === t.destinationCountry && t.status === 'DEPARTED') actions.push('handover');
  return actions;
}

/** Only officers put approved cases of their own country on a transfer. */
export const canScheduleTransfers = (me: Me) => me.role === 'officer';
export const decidesCases = (me: Me) => me.role === 'supervisor';
