// The console offers exactly the actions the API's policy and the workflow would accept from this
// user at this stage. The users' permissions come from the same function that answers /v1/me.
import { describe, expect, it } from 'vitest';
import { POLICY } from '../api/policy.js';
import { permissionsOf } from '../api/routes/session.js';
import {
  canDecideClaim,
  canLiftHold,
  canScheduleTransfers,
  caseActions,
  decidesCases,
  opensCases,
  readsAudit,
  ROUTES,
  transferActions,
  verifiesAudit,
} from '../console/src/actions.js';
import type { CaseDetail, Hold, Me } from '../console/src/types.js';

const me = (role: Me['role'], country: string, sub = `${country.toLowerCase()}-${role}`): Me => ({ sub, name: null, role, country, permissions: permissionsOf(role) });
const decision = (by: string) => ({ decision: 'approve' as const, by, byName: null, country: 'KH', at: '2025-10-15T00:00:00Z', reason: null });
const notice = { notifiedAt: '2025-10-14T04:00:00Z', channel: 'diplomatic note', accessRequested: false, recordedBy: 'kh-officer', at: '2025-10-14T04:00:00Z' };
const hold = (kind: Hold['kind'], over: Partial<Hold> = {}): Hold => ({
  holdId: `${kind}-1`,
  kind,
  reason: 'why',
  until: null,
  placedBy: 'kh-officer',
  placedAt: '2025-10-16T00:00:00Z',
  resumeStatus: 'APPROVAL_PENDING',
  endedAt: null,
  endedBy: null,
  outcome: null,
  outcomeReason: null,
  active: true,
  ...over,
});
/** A case held in Cambodia of a claimed Chinese national, consulate notified. */
const kase = (over: Partial<CaseDetail> = {}) =>
  ({
    status: 'IDENTITY_PENDING',
    holdingCountry: 'KH',
    claimedNationality: 'CN',
    destinationCountry: null,
    openedBy: 'kh-officer',
    decisions: { holding: null, destination: null },
    legalBasis: 'deportation',
    holds: [],
    holdResumeStatus: null,
    consularNotice: notice,
    courtOrder: null,
    custodyExtension: null,
    ...over,
  }) as CaseDetail;
const verified = (over: Partial<CaseDetail> = {}) => kase({ destinationCountry: 'CN', ...over });

describe('the policy as the console reads it', () => {
  it('names only routes the policy has', () => {
    for (const key of Object.values(ROUTES)) expect(POLICY[key], key).toBeDefined();
  });

  it('gives pages to the roles the policy gives their routes', () => {
    expect([opensCases, canScheduleTransfers, decidesCases, readsAudit, verifiesAudit].map((f) => f(me('officer', 'KH')))).toEqual([true, true, false, false, false]);
    expect([opensCases, canScheduleTransfers, decidesCases, readsAudit, verifiesAudit].map((f) => f(me('supervisor', 'KH')))).toEqual([false, false, true, false, false]);
    expect([opensCases, canScheduleTransfers, decidesCases, readsAudit, verifiesAudit].map((f) => f(me('auditor', 'KH')))).toEqual([false, false, false, true, true]);
    expect([opensCases, canScheduleTransfers, decidesCases, readsAudit, verifiesAudit].map((f) => f(me('admin', 'CN')))).toEqual([false, false, false, true, true]);
  });

  it('offers nothing to a session without permissions (kept from before they were sent)', () => {
    const old = { ...me('officer', 'CN'), permissions: undefined } as unknown as Me;
    expect(caseActions(old, kase())).toEqual([]);
    expect(opensCases(old)).toBe(false);
  });
});

describe('case actions', () => {
  it('lets only an officer of the claimed nationality verify identity, while it is pending', () => {
    expect(caseActions(me('officer', 'CN'), kase())).toEqual(['verify-identity']);
    expect(caseActions(me('supervisor', 'CN'), kase())).toEqual([]);
    expect(caseActions(me('officer', 'CN'), verified({ status: 'APPROVAL_PENDING' }))).toEqual([]);
    // The holding country's officer may stop the case, not verify it.
    expect(caseActions(me('officer', 'KH'), kase())).toEqual(['lodge-protection-claim', 'place-hold']);
  });

  it('lets only an officer of the holding country screen, while screening is pending', () => {
    const screening = verified({ status: 'SCREENING_PENDING' });
    expect(caseActions(me('officer', 'KH'), screening)).toEqual(['screen', 'lodge-protection-claim', 'place-hold']);
    expect(caseActions(me('officer', 'CN'), screening)).toEqual([]);
    expect(caseActions(me('supervisor', 'KH'), screening)).not.toContain('screen');
    expect(caseActions(me('officer', 'KH'), verified({ status: 'APPROVAL_PENDING' }))).not.toContain('screen');
  });

  it('lets each side\'s supervisor decide once, never the opener, never the same person for both sides', () => {
    const pending = verified({ status: 'APPROVAL_PENDING' });
    const closing = ['extend-custody', 'release', 'cancel'];
    expect(caseActions(me('supervisor', 'KH'), pending)).toEqual(['lodge-protection-claim', 'place-hold', 'decide', ...closing]);
    expect(caseActions(me('supervisor', 'CN'), pending)).toEqual(['decide']);
    expect(caseActions(me('supervisor', 'VN'), pending)).toEqual([]);
    expect(caseActions(me('supervisor', 'KH'), { ...pending, decisions: { holding: decision('kh-supervisor'), destination: null } })).not.toContain('decide');
    expect(caseActions(me('supervisor', 'KH', 'kh-officer'), pending)).not.toContain('decide');
    expect(caseActions(me('supervisor', 'CN', 'x'), { ...pending, decisions: { holding: decision('x'), destination: null } })).toEqual([]);
    // Before nationality is verified the destination side has nothing to decide.
    expect(caseActions(me('supervisor', 'CN'), kase({ status: 'APPROVAL_PENDING' }))).toEqual([]);
  });

  it('schedules approved cases from the holding country only; nobody stops a case in transfer', () => {
    expect(caseActions(me('officer', 'KH'), verified({ status: 'APPROVED' }))).toEqual(['lodge-protection-claim', 'place-hold', 'schedule-transfer']);
    expect(caseActions(me('officer', 'CN'), verified({ status: 'APPROVED' }))).toEqual([]);
    expect(caseActions(me('officer', 'KH'), verified({ status: 'IN_TRANSFER' }))).toEqual([]);
    // A supervisor cancels a case in transfer but does not release it: release happens at handover.
    expect(caseActions(me('supervisor', 'KH'), verified({ status: 'IN_TRANSFER' }))).toEqual(['cancel']);
  });

  it('offers nothing on a closed case, protection included', () => {
    for (const status of ['HANDED_OVER', 'REJECTED', 'REFERRED', 'PROTECTION', 'CANCELLED', 'RELEASED'] as const) {
      for (const user of [me('officer', 'KH'), me('supervisor', 'KH'), me('officer', 'CN'), me('supervisor', 'CN')]) {
        expect(caseActions(user, verified({ status, consularNotice: null, legalBasis: 'extradition' })), `${status} ${user.sub}`).toEqual([]);
      }
    }
  });

  it('lifts medical and legal holds, and leaves protection claims to the legal review by a holding supervisor', () => {
    const medical = hold('medical');
    const claim = hold('protection_claim', { holdId: 'claim-1' });
    const held = verified({ status: 'ON_HOLD', holdResumeStatus: 'APPROVAL_PENDING', holds: [medical, claim] });
    expect(caseActions(me('officer', 'KH'), held)).toEqual(['lodge-protection-claim', 'place-hold', 'lift-hold']);
    expect(caseActions(me('supervisor', 'KH'), held)).toEqual(['lodge-protection-claim', 'decide-protection-claim', 'place-hold', 'lift-hold', 'extend-custody', 'release', 'cancel']);
    expect(caseActions(me('officer', 'CN'), held)).toEqual([]);
    expect(caseActions(me('supervisor', 'CN'), held)).toEqual([]);
    expect(canLiftHold(me('officer', 'KH'), held, medical)).toBe(true);
    expect(canLiftHold(me('officer', 'KH'), held, claim)).toBe(false);
    expect(canDecideClaim(me('officer', 'KH'), held, claim)).toBe(false);
    expect(canDecideClaim(me('supervisor', 'KH'), held, claim)).toBe(true);
    expect(canDecideClaim(me('supervisor', 'KH'), held, medical)).toBe(false);
    // Ended holds offer nothing.
    const ended = verified({ status: 'APPROVAL_PENDING', holds: [hold('medical', { active: false, outcome: 'lifted' }), hold('protection_claim', { active: false, outcome: 'dismissed' })] });
    expect(caseActions(me('supervisor', 'KH'), ended)).not.toContain('lift-hold');
    expect(caseActions(me('supervisor', 'KH'), ended)).not.toContain('decide-protection-claim');
  });

  it('records consular notice once, from the holding country', () => {
    const unnotified = kase({ consularNotice: null });
    expect(caseActions(me('officer', 'KH'), unnotified)).toContain('record-consular-notice');
    expect(caseActions(me('supervisor', 'KH'), unnotified)).toContain('record-consular-notice');
    expect(caseActions(me('officer', 'CN'), unnotified)).not.toContain('record-consular-notice');
    expect(caseActions(me('officer', 'KH'), kase())).not.toContain('record-consular-notice');
  });

  it('records a court order for an extradition only, once, from the holding country', () => {
    const extradition = verified({ status: 'APPROVAL_PENDING', legalBasis: 'extradition' });
    expect(caseActions(me('officer', 'KH'), extradition)).toContain('record-court-order');
    expect(caseActions(me('officer', 'CN'), extradition)).not.toContain('record-court-order');
    expect(caseActions(me('officer', 'KH'), verified({ status: 'APPROVAL_PENDING' }))).not.toContain('record-court-order');
    const ordered = { ...extradition, courtOrder: { reference: 'r', court: 'c', issuedAt: '2025-10-20T00:00:00Z', recordedBy: 'kh-officer', at: '2025-10-20T00:00:00Z' } };
    expect(caseActions(me('officer', 'KH'), ordered)).not.toContain('record-court-order');
  });

  it('extends custody once, before the decision, by a holding supervisor', () => {
    const pending = verified({ status: 'APPROVAL_PENDING' });
    expect(caseActions(me('supervisor', 'KH'), pending)).toContain('extend-custody');
    expect(caseActions(me('officer', 'KH'), pending)).not.toContain('extend-custody');
    expect(caseActions(me('supervisor', 'CN'), pending)).not.toContain('extend-custody');
    expect(caseActions(me('supervisor', 'KH'), { ...pending, custodyExtension: { days: 30, reason: 'r', by: 'x', at: '2025-10-20T00:00:00Z' } })).not.toContain('extend-custody');
    // Approved cases have their decision: the clock has stopped, also while held.
    expect(caseActions(me('supervisor', 'KH'), verified({ status: 'APPROVED' }))).not.toContain('extend-custody');
    expect(caseActions(me('supervisor', 'KH'), verified({ status: 'ON_HOLD', holdResumeStatus: 'APPROVED', holds: [hold('medical')] }))).not.toContain('extend-custody');
    expect(caseActions(me('supervisor', 'KH'), verified({ status: 'ON_HOLD', holdResumeStatus: 'SCREENING_PENDING', holds: [hold('medical')] }))).toContain('extend-custody');
  });

  it('gives auditors and admins nothing to do on a case', () => {
    for (const status of ['IDENTITY_PENDING', 'SCREENING_PENDING', 'APPROVAL_PENDING', 'APPROVED', 'ON_HOLD'] as const) {
      expect(caseActions(me('auditor', 'KH'), verified({ status, consularNotice: null, holds: [hold('medical')] }))).toEqual([]);
      expect(caseActions(me('admin', 'KH'), verified({ status, consularNotice: null, holds: [hold('medical')] }))).toEqual([]);
    }
  });
});

describe('transfer actions', () => {
  const t = (status: 'SCHEDULED' | 'DEPARTED' | 'COMPLETED') => ({ status, holdingCountry: 'KH', destinationCountry: 'CN' });
  it('departure by the holding country\'s officers, handover by the destination\'s, the manifest for anyone who sees the batch', () => {
    expect(transferActions(me('officer', 'KH'), t('SCHEDULED'))).toEqual(['depart', 'download-manifest']);
    expect(transferActions(me('officer', 'CN'), t('SCHEDULED'))).toEqual(['download-manifest']);
    expect(transferActions(me('officer', 'CN'), t('DEPARTED'))).toEqual(['handover', 'download-manifest']);
    expect(transferActions(me('supervisor', 'CN'), t('DEPARTED'))).toEqual(['download-manifest']);
    expect(transferActions(me('officer', 'CN'), t('COMPLETED'))).toEqual(['download-manifest']);
    expect(transferActions(me('auditor', 'KH'), t('SCHEDULED'))).toEqual(['download-manifest']);
  });
});
