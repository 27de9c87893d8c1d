// The console offers exactly the actions the workflow would accept from this user at this stage.
import { describe, expect, it } from 'vitest';
import { caseActions, transferActions } from '../console/src/actions.js';
import type { CaseDetail, Me } from '../console/src/types.js';

const me = (role: Me['role'], country: string, sub = `${country.toLowerCase()}-${role}`): Me => ({ sub, name: null, role, country });
const decision = (by: string) => ({ decision: 'approve' as const, by, byName: null, country: 'KH', at: '2025-10-15T00:00:00Z', reason: null });
const kase = (over: Partial<CaseDetail> = {}) =>
  ({
    status: 'IDENTITY_PENDING',
    holdingCountry: 'KH',
    claimedNationality: 'CN',
    destinationCountry: null,
    openedBy: 'kh-officer',
    decisions: { holding: null, destination: null },
    ...over,
  }) as CaseDetail;

describe('case actions', () => {
  it('lets only an officer of the claimed nationality verify identity, while it is pending', () => {
    expect(caseActions(me('officer', 'CN'), kase())).toEqual(['verify-identity']);
    expect(caseActions(me('officer', 'KH'), kase())).toEqual([]);
    expect(caseActions(me('supervisor', 'CN'), kase())).toEqual([]);
    expect(caseActions(me('officer', 'CN'), kase({ status: 'APPROVAL_PENDING', destinationCountry: 'CN' }))).toEqual([]);
  });

  it('lets each side\'s supervisor decide once, never the opener, never the same person for both sides', () => {
    const pending = kase({ status: 'APPROVAL_PENDING', destinationCountry: 'CN' });
    expect(caseActions(me('supervisor', 'KH'), pending)).toEqual(['decide', 'cancel']);
    expect(caseActions(me('supervisor', 'CN'), pending)).toEqual(['decide']);
    expect(caseActions(me('supervisor', 'VN'), pending)).toEqual([]);
    expect(caseActions(me('supervisor', 'KH'), { ...pending, decisions: { holding: decision('kh-supervisor'), destination: null } })).toEqual(['cancel']);
    expect(caseActions(me('supervisor', 'KH', 'kh-officer'), pending)).toEqual(['cancel']);
    expect(caseActions(me('supervisor', 'CN', 'x'), { ...pending, decisions: { holding: decision('x'), destination: null } })).toEqual([]);
    // Before nationality is verified the destination side has nothing to decide.
    expect(caseActions(me('supervisor', 'CN'), kase({ status: 'APPROVAL_PENDING' }))).toEqual([]);
  });

  it('lets the holding country cancel an open case and schedule an approved one', () => {
    expect(caseActions(me('supervisor', 'KH'), kase({ status: 'HANDED_OVER' }))).toEqual([]);
    expect(caseActions(me('officer', 'KH'), kase({ status: 'APPROVED', destinationCountry: 'CN' }))).toEqual(['schedule-transfer']);
    expect(caseActions(me('officer', 'CN'), kase({ status: 'APPROVED', destinationCountry: 'CN' }))).toEqual([]);
    expect(caseActions(me('auditor', 'KH'), kase({ status: 'APPROVED', destinationCountry: 'CN' }))).toEqual([]);
  });
});

describe('transfer actions', () => {
  const t = (status: 'SCHEDULED' | 'DEPARTED' | 'COMPLETED') => ({ status, holdingCountry: 'KH', destinationCountry: 'CN' });
  it('departure by the holding country\'s officers, handover by the destination\'s', () => {
    expect(transferActions(me('officer', 'KH'), t('SCHEDULED'))).toEqual(['depart']);
    expect(transferActions(me('officer', 'CN'), t('SCHEDULED'))).toEqual([]);
    expect(transferActions(me('officer', 'CN'), t('DEPARTED'))).toEqual(['handover']);
    expect(transferActions(me('supervisor', 'CN'), t('DEPARTED'))).toEqual([]);
    expect(transferActions(me('officer', 'CN'), t('COMPLETED'))).toEqual([]);
  });
});
