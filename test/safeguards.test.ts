// Safeguards through the API on a real Temporal dev server and PostgreSQL: trafficking indicators
// always divert, protection claims stop every transfer, holds pause and resume, and every safeguard
// decision is on the timeline with who and why.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TRAFFICKING_INDICATORS, caseWorkflowId, type Actor } from '../workflows/definitions.js';
import { intakeBody, makeUsers, transferBody } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);

const detail = async (caseId: string) => (await t.stack.api.get(`/v1/cases/${caseId}`, u.admin)).body;

describe('trafficking screening', () => {
  it.each(TRAFFICKING_INDICATORS)('the indicator %s alone diverts the case to PROTECTION, never to transfer', async (indicator) => {
    const caseId = await t.steps.open();
    await t.steps.verify(caseId);
    const screened = await t.steps.screen(caseId, u.khOfficer, { indicators: [indicator], notes: 'disclosed at interview' });
    expect(screened).toMatchObject({ status: 'PROTECTION', screening: { indicators: [indicator], by: u.khOfficer.sub } });
    const last = (await t.steps.events(caseId)).at(-1)!;
    expect(last).toMatchObject({ type: 'PROTECTION_REFERRAL', toStatus: 'PROTECTION', actor: { sub: u.khOfficer.sub } });
    expect(last.reason).toMatch(/victim services/);
    // Nothing moves it on: no decision, no flight.
    const decision = await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'approve' });
    expect(decision.status).toBe(409);
    const flight = await t.stack.api.post('/v1/transfers', u.khOfficer, transferBody([caseId]));
    expect(flight.status).toBe(409);
    expect(flight.body.error.details.cases[0]).toMatchObject({ caseId, accepted: false });
  });

  it('a clean screening moves the case to approval; only holding-country officers screen', async () => {
    const caseId = await t.steps.open();
    expect((await t.stack.api.post(`/v1/cases/${caseId}/screening`, u.khOfficer, { indicators: [] })).status).toBe(409);
    await t.steps.verify(caseId);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/screening`, u.cnOfficer, { indicators: [] })).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/screening`, u.khSupervisor, { indicators: [] })).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/screening`, u.khOfficer, { indicators: ['unknown'] })).status).toBe(400);
    const screened = await t.steps.screen(caseId);
    expect(screened).toMatchObject({ status: 'APPROVAL_PENDING', screening: { indicators: [] } });
  });

  it('indicators seen at intake, and minors by their date of birth, divert at once — also in bulk', async () => {
    const op = await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'Safeguards sweep', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] });
    const sixteen = new Date(Date.now() - 16 * 365.25 * 86_400_000).toISOString().slice(0, 10);
    const items = [
      intakeBody(),
      intakeBody({}, { dateOfBirth: sixteen }),
      intakeBody({ indicators: ['confiscated_documents', 'debt_bondage'] }),
      intakeBody(),
      intakeBody({}, { dateOfBirth: sixteen }),
    ];
    const res = await t.stack.api.post(`/v1/operations/${op.body.id}/intake`, u.khOfficer, { cases: items });
    expect(res.body).toMatchObject({ created: 5, rejected: 0 });
    const ids: string[] = res.body.results.map((r: { caseId: string }) => r.caseId);
    const expected = ['IDENTITY_PENDING', 'PROTECTION', 'PROTECTION', 'IDENTITY_PENDING', 'PROTECTION'];
    await expect.poll(async () => Promise.all(ids.map((id) => t.steps.status(id)))).toEqual(expected);
    expect((await detail(ids[1])).screening).toMatchObject({ indicators: ['minor'], by: u.khOfficer.sub });
    expect((await detail(ids[2])).screening.indicators.sort()).toEqual(['confiscated_documents', 'debt_bondage']);
    const minorEvent = (await t.steps.events(ids[4])).at(-1)!;
    expect(minorEvent).toMatchObject({ type: 'PROTECTION_REFERRAL', data: { indicators: ['minor'] } });
  });
});

describe('protection claims', () => {
  async function lodge(caseId: string, by: Actor = u.khOfficer) {
    const res = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, by, { grounds: 'fears persecution on return' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { claimId: string; case: { status: string } };
  }
  const outcome = (caseId: string, claimId: string, value: 'upheld' | 'dismissed', by: Actor = u.khSupervisor) =>
    t.stack.api.post(`/v1/cases/${caseId}/protection-claims/${claimId}/outcome`, by, { outcome: value, reason: 'legal review completed' });

  it('holds the case until the legal review: dismissed returns it where it was, upheld ends in PROTECTION', async () => {
    const a = await t.steps.open();
    const { claimId, case: held } = await lodge(a);
    expect(held).toMatchObject({ status: 'ON_HOLD', holdResumeStatus: 'IDENTITY_PENDING' });
    expect((await t.stack.api.post(`/v1/cases/${a}/identity`, u.cnOfficer, { result: 'confirmed', method: 'document' })).status).toBe(409);
    expect((await outcome(a, claimId, 'dismissed', u.khOfficer)).status).toBe(403);
    const dismissed = await outcome(a, claimId, 'dismissed');
    expect(dismissed.body).toMatchObject({ status: 'IDENTITY_PENDING', holdResumeStatus: null });
    expect(dismissed.body.holds).toEqual([expect.objectContaining({ holdId: claimId, kind: 'protection_claim', outcome: 'dismissed', active: false })]);
    expect((await outcome(a, claimId, 'upheld')).status).toBe(409);

    const b = await t.steps.approved();
    const claim = await lodge(b);
    const upheld = await outcome(b, claim.claimId, 'upheld');
    expect(upheld.body.status).toBe('PROTECTION');
    const types = (await t.steps.events(b)).map((e) => [e.type, e.actor?.sub]);
    expect(types.slice(-2)).toEqual([
      ['PROTECTION_CLAIM_LODGED', u.khOfficer.sub],
      ['PROTECTION_CLAIM_UPHELD', u.khSupervisor.sub],
    ]);
  });

  it('the step that closed a case, sent again, answers the case; another step on it stays CASE_CLOSED', async () => {
    // Diverted at screening: the case is closed (PROTECTION) and its workflow has ended.
    const diverted = await t.steps.open();
    await t.steps.verify(diverted);
    const screening = { indicators: ['debt_bondage', 'minor'] };
    expect((await t.stack.api.post(`/v1/cases/${diverted}/screening`, u.khOfficer, screening)).body.status).toBe('PROTECTION');
    await expect.poll(async () => (await t.stack.client.workflow.getHandle(caseWorkflowId(diverted)).describe()).status.name, { timeout: 60_000 }).toBe('COMPLETED');
    const again = await t.stack.api.post(`/v1/cases/${diverted}/screening`, u.khOfficer, { indicators: ['minor', 'debt_bondage'] });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ status: 'PROTECTION', screening: { indicators: ['debt_bondage', 'minor'] } });
    const other = await t.stack.api.post(`/v1/cases/${diverted}/screening`, u.khOfficer, { indicators: [] });
    expect(other.body.error?.code).toBe('CASE_CLOSED');

    // An upheld claim closes the case too.
    const claimed = await t.steps.approved();
    const { claimId } = await lodge(claimed);
    expect((await outcome(claimed, claimId, 'upheld')).body.status).toBe('PROTECTION');
    await expect.poll(async () => (await t.stack.client.workflow.getHandle(caseWorkflowId(claimed)).describe()).status.name, { timeout: 60_000 }).toBe('COMPLETED');
    const repeated = await outcome(claimed, claimId, 'upheld');
    expect(repeated.status, JSON.stringify(repeated.body)).toBe(200);
    expect(repeated.body.status).toBe('PROTECTION');
    expect((await outcome(claimed, claimId, 'dismissed')).body.error?.code).toBe('CASE_CLOSED');
    const types = (await t.steps.events(claimed)).map((e) => e.type);
    expect(types.filter((t) => t === 'PROTECTION_CLAIM_UPHELD')).toHaveLength(1);
  });

  it('a claim raised at screening holds the case before approval', async () => {
    const caseId = await t.steps.open();
    await t.steps.verify(caseId);
    const res = await t.steps.screen(caseId, u.khOfficer, { indicators: [], protectionClaim: { grounds: 'political opinion' } });
    expect(res).toMatchObject({ status: 'ON_HOLD', holdResumeStatus: 'APPROVAL_PENDING' });
    expect(res.holds).toEqual([expect.objectContaining({ kind: 'protection_claim', reason: 'political opinion', active: true })]);
  });

  it('a batch refuses a held case, and a departing flight drops one with a clear event', async () => {
    const [onBoard, held, stays] = [await t.steps.approved(), await t.steps.approved(), await t.steps.approved()];
    await lodge(held);
    const flight = await t.steps.transfer([onBoard, held, stays]);
    expect(flight.cases[1]).toMatchObject({ caseId: held, accepted: false, error: { code: 'WRONG_STAGE' } });
    expect(flight.cases[1].error!).toMatchObject({ message: expect.stringMatching(/on hold \(protection claim\)/) });

    // A claim lodged after scheduling: the person does not board.
    const { claimId } = await lodge(onBoard);
    const departed = await t.stack.api.post(`/v1/transfers/${flight.transferId}/depart`, u.khOfficer, {});
    expect(departed.body.results).toEqual([
      { caseId: onBoard, ok: false, status: 'ON_HOLD', error: expect.objectContaining({ code: 'DROPPED_FROM_TRANSFER' }) },
      { caseId: stays, ok: true, status: 'IN_TRANSFER' },
    ]);
    const dropped = (await t.steps.events(onBoard)).at(-1)!;
    expect(dropped).toMatchObject({ type: 'DROPPED_FROM_TRANSFER', data: { transferId: flight.transferId } });
    expect(dropped.reason).toMatch(/protection claim/);
    const batch = await t.stack.api.get(`/v1/transfers/${flight.transferId}`, u.khOfficer);
    expect(batch.body.cases).toEqual(
      expect.arrayContaining([expect.objectContaining({ caseId: onBoard, outcome: 'dropped', status: 'ON_HOLD' })]),
    );
    // Dismissed after the flight left: back to APPROVED, for the next flight.
    expect((await outcome(onBoard, claimId, 'dismissed')).body).toMatchObject({ status: 'APPROVED', transferId: null });
  });

  it('with a claim pending, no sequence of API calls from any stage reaches IN_TRANSFER', async () => {
    // Every stage a claim can be lodged in.
    const prepare: Record<string, () => Promise<string>> = {
      IDENTITY_PENDING: () => t.steps.open(),
      SCREENING_PENDING: async () => {
        const id = await t.steps.open();
        await t.steps.verify(id);
        return id;
      },
      APPROVAL_PENDING: async () => {
        const id = await t.steps.open();
        await t.steps.toApproval(id);
        await t.steps.decide(id, u.khSupervisor);
        return id;
      },
      APPROVED: () => t.steps.approved(),
      TRANSFER_SCHEDULED: async () => {
        const id = await t.steps.approved();
        await t.steps.transfer([id]);
        return id;
      },
    };
    let rng = 0x5eed;
    const random = (n: number) => {
      rng = (rng * 1103515245 + 12345) & 0x7fffffff;
      return rng % n;
    };
    for (const [stage, make] of Object.entries(prepare)) {
      const caseId = await make();
      expect(await t.steps.status(caseId)).toBe(stage);
      const { claimId } = await lodge(caseId);
      const transfers: string[] = [];
      const caseRow = await detail(caseId);
      if (caseRow.transferId) transfers.push(caseRow.transferId);
      let holdId: string | null = null;
      const calls: (() => Promise<unknown>)[] = [
        () => t.stack.api.post(`/v1/cases/${caseId}/identity`, u.cnOfficer, { result: 'confirmed', method: 'biometric' }),
        () => t.stack.api.post(`/v1/cases/${caseId}/screening`, u.khOfficer, { indicators: [] }),
        () => t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'approve' }),
        () => t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.cnSupervisor, { decision: 'approve' }),
        () => t.stack.api.post('/v1/decisions', u.cnSupervisor, { caseIds: [caseId], decision: 'approve' }),
        async () => {
          const res = await t.stack.api.post('/v1/transfers', u.khOfficer, {
            destinationCountry: 'CN', mode: 'charter_flight', from: 'PNH', to: 'CAN', scheduledAt: new Date().toISOString(), capacity: 5, caseIds: [caseId],
          });
          if (res.status === 201) transfers.push(res.body.transferId);
        },
        async () => {
          for (const id of transfers) await t.stack.api.post(`/v1/transfers/${id}/depart`, u.khOfficer, {});
        },
        async () => {
          for (const id of transfers) await t.stack.api.post(`/v1/transfers/${id}/handover`, u.cnOfficer, { receivedCaseIds: [caseId] });
        },
        () => t.stack.api.post(`/v1/cases/${caseId}/holds/${claimId}/lift`, u.khSupervisor, {}),
        async () => {
          if (holdId) {
            await t.stack.api.post(`/v1/cases/${caseId}/holds/${holdId}/lift`, u.khOfficer, {});
            holdId = null;
          } else {
            const res = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { kind: 'medical', reason: 'clinic visit' });
            holdId = res.body.holdId;
          }
        },
        () => t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor, { days: 10, reason: 'awaiting review' }),
        () => t.stack.api.post(`/v1/cases/${caseId}/consular-notice`, u.khOfficer, { notifiedAt: new Date().toISOString(), channel: 'email', accessRequested: true }),
      ];
      for (let step = 0; step < 24; step++) {
        await calls[random(calls.length)]();
        const now = await detail(caseId);
        expect(now.status, `${stage}, step ${step}`).toBe('ON_HOLD');
      }
      // Every call once more, in order, for good measure.
      for (const call of calls) await call();
      expect(await t.steps.status(caseId)).toBe('ON_HOLD');
      const timeline = (await t.steps.events(caseId)).map((e) => e.type);
      expect(timeline).not.toContain('DEPARTED');
    }
  });
});

describe('medical and legal holds', () => {
  it('stop the case until the last is lifted, and show in the case and the stats', async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    const medical = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, {
      kind: 'medical',
      reason: 'hospitalised',
      until: new Date(Date.now() + 5 * 86_400_000).toISOString(),
    });
    expect(medical.status).toBe(201);
    expect(medical.body.case).toMatchObject({ status: 'ON_HOLD', holdResumeStatus: 'APPROVAL_PENDING' });
    const legal = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khSupervisor, { kind: 'legal', reason: 'witness in a trial' });
    expect(legal.body.case.holds.filter((h: { active: boolean }) => h.active)).toHaveLength(2);

    expect((await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'approve' })).status).toBe(409);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.cnOfficer, { kind: 'medical', reason: 'x' })).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khAuditor, { kind: 'medical', reason: 'x' })).status).toBe(403);

    const first = await t.stack.api.post(`/v1/cases/${caseId}/holds/${medical.body.holdId}/lift`, u.khOfficer, { reason: 'discharged' });
    expect(first.body.status).toBe('ON_HOLD');
    const second = await t.stack.api.post(`/v1/cases/${caseId}/holds/${legal.body.holdId}/lift`, u.khOfficer, {});
    expect(second.body).toMatchObject({ status: 'APPROVAL_PENDING', holdResumeStatus: null });
    const again = await t.stack.api.post(`/v1/cases/${caseId}/holds/${legal.body.holdId}/lift`, u.khOfficer, {});
    expect(again.status).toBe(200);
    const events = (await t.steps.events(caseId)).filter((e) => e.type.startsWith('HOLD_'));
    expect(events.map((e) => [e.type, e.actor?.sub, e.reason])).toEqual([
      ['HOLD_PLACED', u.khOfficer.sub, 'hospitalised'],
      ['HOLD_PLACED', u.khSupervisor.sub, 'witness in a trial'],
      ['HOLD_LIFTED', u.khOfficer.sub, 'discharged'],
      ['HOLD_LIFTED', u.khOfficer.sub, null],
    ]);
    await t.steps.decide(caseId, u.khSupervisor);
    expect((await t.steps.decide(caseId, u.cnSupervisor)).status).toBe('APPROVED');
  });

  it('count in the statistics while active', async () => {
    // Laos: no other test holds cases there, so the counts are this test's own.
    const laOfficer = u.user('officer', 'LA');
    const opened = await t.stack.api.post('/v1/cases', laOfficer, intakeBody({ holdingCountry: 'LA' }));
    const stats = async () => (await t.stack.api.get('/v1/stats', laOfficer)).body.activeHolds;
    expect(await stats()).toEqual({ medical: 0, legal: 0, protection_claim: 0, legal_review: 0 });
    const hold = await t.stack.api.post(`/v1/cases/${opened.body.caseId}/holds`, laOfficer, { kind: 'medical', reason: 'fever' });
    await t.stack.api.post(`/v1/cases/${opened.body.caseId}/protection-claims`, laOfficer, { grounds: 'risk of torture' });
    expect(await stats()).toEqual({ medical: 1, legal: 0, protection_claim: 1, legal_review: 0 });
    await t.stack.api.post(`/v1/cases/${opened.body.caseId}/holds/${hold.body.holdId}/lift`, laOfficer, {});
    expect(await stats()).toEqual({ medical: 0, legal: 0, protection_claim: 1, legal_review: 0 });
  });

  it('cannot hold a person in transfer', async () => {
    const caseId = await t.steps.approved();
    const { transferId } = await t.steps.transfer([caseId]);
    await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    expect((await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { kind: 'medical', reason: 'x' })).status).toBe(409);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khOfficer, { grounds: 'x' })).status).toBe(409);
  });
});

describe('consular notification, custody and court orders', () => {
  it('records consular notice once; a repeat is harmless, a different one conflicts', async () => {
    const body = intakeBody();
    delete (body as Record<string, unknown>).consularNotice;
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, body);
    expect(opened.body.deadlines.consularDueAt).not.toBeNull();
    const notice = { notifiedAt: '2026-01-02T03:04:05.000Z', channel: 'diplomatic note', accessRequested: true };
    const first = await t.stack.api.post(`/v1/cases/${opened.body.caseId}/consular-notice`, u.khOfficer, notice);
    expect(first.body).toMatchObject({ consularNotice: { ...notice, recordedBy: u.khOfficer.sub }, deadlines: { consularDueAt: null } });
    expect((await t.stack.api.post(`/v1/cases/${opened.body.caseId}/consular-notice`, u.khOfficer, notice)).status).toBe(200);
    expect((await t.stack.api.post(`/v1/cases/${opened.body.caseId}/consular-notice`, u.khOfficer, { ...notice, channel: 'phone' })).status).toBe(409);
  });

  it('extends custody once, within 30 days, with a reason; releases with a reason', async () => {
    const caseId = await t.steps.open();
    const due = Date.parse((await detail(caseId)).deadlines.custodyDueAt);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor, { days: 31, reason: 'x' })).status).toBe(400);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khOfficer, { days: 10, reason: 'x' })).status).toBe(403);
    const extended = await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor, { days: 30, reason: 'identity documents from the registry' });
    expect(Date.parse(extended.body.deadlines.custodyDueAt) - due).toBe(30 * 86_400_000);
    expect(extended.body.custodyExtension).toMatchObject({ days: 30, by: u.khSupervisor.sub });
    expect((await t.stack.api.post(`/v1/cases/${caseId}/custody-extension`, u.khSupervisor2, { days: 5, reason: 'again' })).status).toBe(409);
    const released = await t.stack.api.post(`/v1/cases/${caseId}/release`, u.khSupervisor, { reason: 'custody limit reached' });
    expect(released.body.status).toBe('RELEASED');
    expect((await t.steps.events(caseId)).at(-1)).toMatchObject({ type: 'RELEASED', reason: 'custody limit reached', actor: { sub: u.khSupervisor.sub } });
  });

  it('an extradition approved by both sides completes only when the court order is recorded', async () => {
    const caseId = await t.steps.open({ legalBasis: 'extradition' });
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    const both = await t.steps.decide(caseId, u.cnSupervisor);
    expect(both).toMatchObject({ status: 'APPROVAL_PENDING', awaitingCourtOrder: true });
    const flight = await t.stack.api.post('/v1/transfers', u.khOfficer, transferBody([caseId]));
    expect(flight.status).toBe(409);
    expect(flight.body.error.details.cases[0]).toMatchObject({ caseId, accepted: false });
    const order = { reference: 'PP-CRIM-2025-0042', court: 'Phnom Penh Court of Appeal', issuedAt: '2025-11-20T00:00:00Z' };
    const recorded = await t.stack.api.post(`/v1/cases/${caseId}/court-order`, u.khOfficer, order);
    expect(recorded.body).toMatchObject({ status: 'APPROVED', awaitingCourtOrder: false, courtOrder: { reference: order.reference, recordedBy: u.khOfficer.sub } });
    const deportation = await t.steps.open();
    expect((await t.stack.api.post(`/v1/cases/${deportation}/court-order`, u.khOfficer, order)).status).toBe(400);
  });

  it('a court order recorded early lets the extradition approve at once', async () => {
    const caseId = await t.steps.open({ legalBasis: 'extradition' });
    await t.stack.api.post(`/v1/cases/${caseId}/court-order`, u.khSupervisor, { reference: 'X-1', court: 'Kandal Provincial Court', issuedAt: '2025-11-01T00:00:00Z' });
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    expect((await t.steps.decide(caseId, u.cnSupervisor)).status).toBe('APPROVED');
  });
});

describe('holds and claims under a client-chosen id', () => {
  const holdsOf = async (caseId: string) => (await detail(caseId)).holds as { holdId: string; kind: string; active: boolean }[];
  const placedEvents = async (caseId: string) =>
    (await t.steps.events(caseId)).filter((e) => e.type === 'HOLD_PLACED' || e.type === 'PROTECTION_CLAIM_LODGED');

  it('a retried POST /holds places one hold and answers it again; the same id asking for another hold is 409', async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    const id = randomUUID();
    const body = { id: id.toUpperCase(), kind: 'medical', reason: 'hospitalised', until: new Date(Date.now() + 86_400_000).toISOString() };
    const first = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ holdId: id, case: { status: 'ON_HOLD' } });
    const retry = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, body);
    expect(retry.status).toBe(200);
    expect(retry.body.holdId).toBe(id);
    expect(retry.body.case.holds).toEqual(first.body.case.holds);
    expect((await holdsOf(caseId)).map((h) => h.holdId)).toEqual([id]);
    expect((await placedEvents(caseId)).map((e) => [e.type, e.data.holdId])).toEqual([['HOLD_PLACED', id]]);

    for (const other of [{ ...body, reason: 'another reason' }, { ...body, kind: 'legal' }, { ...body, until: null }]) {
      const refused = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, other);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('HOLD_ID_TAKEN');
    }
    // As a claim's id it is taken too, and another case cannot use it.
    const asClaim = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khOfficer, { id, grounds: 'risk of torture' });
    expect(asClaim.body.error.code).toBe('CLAIM_ID_TAKEN');
    const elsewhere = await t.steps.open();
    const onOther = await t.stack.api.post(`/v1/cases/${elsewhere}/holds`, u.khOfficer, body);
    expect(onOther.status).toBe(409);
    expect(onOther.body.error).toEqual({ code: 'HOLD_ID_TAKEN', message: 'this id cannot be used; choose another' });
    expect(await holdsOf(elsewhere)).toEqual([]);
    expect((await holdsOf(caseId)).map((h) => [h.holdId, h.kind, h.active])).toEqual([[id, 'medical', true]]);

    // Once lifted, the lost answer's retry answers the lifted hold and holds nothing again.
    await t.stack.api.post(`/v1/cases/${caseId}/holds/${id}/lift`, u.khOfficer, {});
    const late = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, body);
    expect(late.status).toBe(200);
    expect(late.body.case).toMatchObject({ status: 'APPROVAL_PENDING', holds: [{ holdId: id, active: false }] });
    expect(await placedEvents(caseId)).toHaveLength(1);
  });

  it('a retried POST /protection-claims records one claim; without an id the server makes one each time', async () => {
    const caseId = await t.steps.open();
    const id = randomUUID();
    const body = { id, grounds: 'fears persecution', lodgedAt: new Date(Date.now() - 3_600_000).toISOString() };
    const first = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khOfficer, body);
    expect(first.status).toBe(201);
    expect(first.body.claimId).toBe(id);
    const retry = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khSupervisor, body);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ claimId: id, case: { status: 'ON_HOLD' } });
    for (const other of [{ ...body, grounds: 'other grounds' }, { ...body, lodgedAt: undefined }]) {
      const refused = await t.stack.api.post(`/v1/cases/${caseId}/protection-claims`, u.khOfficer, other);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('CLAIM_ID_TAKEN');
    }
    expect((await placedEvents(caseId)).map((e) => [e.type, e.data.holdId])).toEqual([['PROTECTION_CLAIM_LODGED', id]]);

    const unnamed = { kind: 'legal', reason: 'witness' };
    const a = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, unnamed);
    const b = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, unnamed);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.holdId).not.toBe(b.body.holdId);
    expect(await holdsOf(caseId)).toHaveLength(3);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { ...unnamed, id: 'not-a-uuid' })).status).toBe(400);
  });
});
