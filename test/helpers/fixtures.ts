// People, users and step helpers for driving cases through the API in tests.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DEFAULT_TIMINGS, type Actor, type CaseWorkflowInput } from '../../workflows/definitions.js';
import type { Api } from './api.js';

/** Users of one test file; unique subs so separation-of-duty rules see different people. */
export function makeUsers(tag = randomUUID().slice(0, 8)) {
  const user = (role: Actor['role'], country: string, n = 1): Actor => ({
    sub: `${country.toLowerCase()}-${role}-${n}-${tag}`,
    name: `${role} ${n} of ${country}`,
    role,
    country,
  });
  return {
    khOfficer: user('officer', 'KH'),
    khOfficer2: user('officer', 'KH', 2),
    khSupervisor: user('supervisor', 'KH'),
    khSupervisor2: user('supervisor', 'KH', 2),
    cnOfficer: user('officer', 'CN'),
    cnSupervisor: user('supervisor', 'CN'),
    vnOfficer: user('officer', 'VN'),
    vnSupervisor: user('supervisor', 'VN'),
    thOfficer: user('officer', 'TH'),
    thSupervisor: user('supervisor', 'TH'),
    khAuditor: user('auditor', 'KH'),
    admin: user('admin', 'CN'),
    user,
  };
}
export type Users = ReturnType<typeof makeUsers>;

let counter = 0;
export function intakeBody(overrides: Record<string, unknown> = {}, person: Record<string, unknown> = {}) {
  const n = `${Date.now().toString(36)}-${(counter++).toString(36)}-${randomUUID().slice(0, 6)}`;
  return {
    externalRef: `KH-PP-${n}`,
    holdingCountry: 'KH',
    legalBasis: 'deportation',
    person: {
      fullName: `Person ${n}`,
      dateOfBirth: '1994-03-02',
      sex: 'M',
      claimedNationality: 'CN',
      documents: [{ type: 'passport', number: `E${n}`, issuingCountry: 'CN' }],
      ...person,
    },
    arrest: { at: new Date(Date.now() - 86_400_000).toISOString(), place: 'Chrey Thom, Kandal', allegations: ['telecom_fraud'] },
    consularNotice: { notifiedAt: new Date(Date.now() - 3600_000).toISOString(), channel: 'diplomatic note', accessRequested: false },
    ...overrides,
  };
}

/** A charter flight from Phnom Penh to Guangzhou for `caseIds`; `extra` adds or replaces fields. */
export function transferBody(caseIds: string[], capacity = 200, extra: Record<string, unknown> = {}) {
  return {
    destinationCountry: 'CN',
    mode: 'charter_flight',
    from: 'Phnom Penh (PNH)',
    to: 'Guangzhou (CAN)',
    scheduledAt: '2025-11-01T08:00:00Z',
    capacity,
    caseIds,
    ...extra,
  };
}

/** Drives a case through the API, step by step, asserting each step's answer. */
export function caseSteps(api: Api, u: Users) {
  return {
    /** A joint operation led by `by`'s country, with KH and CN taking part unless `extra` says otherwise; its id. */
    async operation(name: string, extra: Record<string, unknown> = {}, by = u.khOfficer): Promise<string> {
      const res = await api.post('/v1/operations', by, { name, leadCountry: by.country, participatingCountries: ['KH', 'CN'], ...extra });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    },
    async open(overrides: Record<string, unknown> = {}, by = u.khOfficer): Promise<string> {
      const res = await api.post('/v1/cases', by, intakeBody(overrides));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.caseId as string;
    },
    async verify(caseId: string, by = u.cnOfficer, body: Record<string, unknown> = { result: 'confirmed', method: 'biometric' }) {
      const res = await api.post(`/v1/cases/${caseId}/identity`, by, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    async screen(caseId: string, by = u.khOfficer, body: Record<string, unknown> = { indicators: [] }) {
      const res = await api.post(`/v1/cases/${caseId}/screening`, by, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    /** Identity confirmed and screening clear: the case awaits both decisions. */
    async toApproval(caseId: string) {
      await this.verify(caseId);
      const screened = await this.screen(caseId);
      expect(screened.status).toBe('APPROVAL_PENDING');
      return screened;
    },
    async decide(caseId: string, by: Actor, decision: 'approve' | 'reject' = 'approve', reason?: string) {
      const res = await api.post(`/v1/cases/${caseId}/decisions`, by, { decision, ...(reason ? { reason } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    },
    async approved(overrides: Record<string, unknown> = {}): Promise<string> {
      const caseId = await this.open(overrides);
      await this.toApproval(caseId);
      await this.decide(caseId, u.khSupervisor);
      const body = await this.decide(caseId, u.cnSupervisor);
      expect(body.status).toBe('APPROVED');
      return caseId;
    },
    async transfer(caseIds: string[], capacity = 200, by = u.khOfficer) {
      const res = await api.post('/v1/transfers', by, transferBody(caseIds, capacity));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { transferId: string; cases: { caseId: string; accepted: boolean; error?: { code: string } }[] };
    },
    async status(caseId: string, as = u.admin): Promise<string> {
      const res = await api.get(`/v1/cases/${caseId}`, as);
      expect(res.status).toBe(200);
      return res.body.status;
    },
    async events(caseId: string, as = u.admin): Promise<{ type: string; fromStatus: string | null; toStatus: string | null; actor: { sub: string } | null; reason: string | null; data: any }[]> {
      const res = await api.get(`/v1/cases/${caseId}/events`, as);
      expect(res.status).toBe(200);
      return res.body.items;
    },
  };
}

/** A case as the workflow receives it, for tests of the store's writers without a workflow. */
export function workflowInput(openedBy: Actor, person: Partial<CaseWorkflowInput['intake']['person']> = {}): CaseWorkflowInput {
  const caseId = randomUUID();
  return {
    caseId,
    openedBy,
    openedAt: new Date().toISOString(),
    participatingCountries: ['CN', 'KH'],
    timings: DEFAULT_TIMINGS,
    intake: {
      externalRef: `direct-${caseId}`,
      holdingCountry: 'KH',
      operationId: null,
      legalBasis: 'deportation',
      person: { fullName: 'Direct Writer', claimedNationality: 'CN', documents: [{ type: 'passport', number: `D${caseId}`, issuingCountry: 'CN' }], ...person },
      arrest: { at: new Date().toISOString(), place: 'Kandal', allegations: [] },
    },
  };
}
