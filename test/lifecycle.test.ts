// The whole process through the API on a real Temporal dev server and PostgreSQL: the full path
// of one case and every branch of the main process (intake to handover).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { caseWorkflowId } from '../workflows/definitions.js';
import { makeUsers, transferBody } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();

const t = useStack(u);

describe('one case, intake to handover', () => {
  it('goes through identity, both approvals, a flight, departure and handover, with a timeline of every step', async () => {
    const { api } = t.stack;
    const opened = await api.post('/v1/cases', u.khOfficer, {
      externalRef: `KH-PP-2025-${Date.now()}`,
      holdingCountry: 'KH',
      person: {
        fullName: 'Wang Lei',
        dateOfBirth: '1994-03-02',
        sex: 'M',
        claimedNationality: 'CN',
        documents: [{ type: 'passport', number: `E${Date.now()}`, issuingCountry: 'CN' }],
      },
      arrest: { at: new Date(Date.now() - 6 * 3600_000).toISOString(), place: 'Chrey Thom, Kandal', allegations: ['telecom_fraud'] },
      consularNotice: { notifiedAt: new Date().toISOString(), channel: 'diplomatic note', accessRequested: true },
    });
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId;
    expect(opened.body).toMatchObject({
      status: 'IDENTITY_PENDING',
      holdingCountry: 'KH',
      destinationCountry: null,
      legalBasis: 'deportation',
      person: { fullName: 'Wang Lei', claimedNationality: 'CN' },
      decisions: { holding: null, destination: null },
    });
    expect(Date.parse(opened.body.deadlines.identityDueAt) - Date.parse(opened.body.createdAt)).toBe(t.stack.timings.identityMs);

    const verified = await t.steps.verify(caseId);
    expect(verified).toMatchObject({
      status: 'SCREENING_PENDING',
      destinationCountry: 'CN',
      identity: { result: 'confirmed', verifiedNationality: 'CN', method: 'biometric', by: u.cnOfficer.sub },
    });
    expect(verified.deadlines.screeningDueAt).not.toBeNull();
    const screened = await t.steps.screen(caseId, u.khOfficer, { indicators: [], notes: 'interviewed with an interpreter' });
    expect(screened).toMatchObject({ status: 'APPROVAL_PENDING', screening: { indicators: [], by: u.khOfficer.sub } });
    expect(screened.deadlines.approvalDueAt).not.toBeNull();

    // Either order: the destination side first this time.
    const first = await t.steps.decide(caseId, u.cnSupervisor);
    expect(first.status).toBe('APPROVAL_PENDING');
    expect(first.decisions.destination).toMatchObject({ decision: 'approve', by: u.cnSupervisor.sub, country: 'CN' });
    const second = await t.steps.decide(caseId, u.khSupervisor);
    expect(second.status).toBe('APPROVED');

    const transfer = await t.steps.transfer([caseId]);
    expect(transfer.cases).toEqual([{ caseId, accepted: true }]);
    expect(await t.steps.status(caseId)).toBe('TRANSFER_SCHEDULED');

    const departed = await api.post(`/v1/transfers/${transfer.transferId}/depart`, u.khOfficer, {});
    expect(departed.status).toBe(200);
    expect(departed.body.results).toEqual([{ caseId, ok: true, status: 'IN_TRANSFER' }]);
    const inTransfer = await api.get(`/v1/cases/${caseId}`, u.cnOfficer);
    expect(inTransfer.body.status).toBe('IN_TRANSFER');
    expect(inTransfer.body.deadlines.handoverDueAt).not.toBeNull();

    const handed = await api.post(`/v1/transfers/${transfer.transferId}/handover`, u.cnOfficer, { receivedCaseIds: [caseId] });
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ status: 'COMPLETED', results: [{ caseId, ok: true, status: 'HANDED_OVER' }] });

    const batch = await api.get(`/v1/transfers/${transfer.transferId}`, u.khOfficer);
    expect(batch.body).toMatchObject({ status: 'COMPLETED', cases: [{ caseId, outcome: 'handed_over', status: 'HANDED_OVER' }] });
    expect(batch.body.departedAt).not.toBeNull();

    const events = await t.steps.events(caseId, u.khOfficer);
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([
      ['CASE_OPENED', null, 'IDENTITY_PENDING'],
      ['IDENTITY_CONFIRMED', 'IDENTITY_PENDING', 'SCREENING_PENDING'],
      ['SCREENED', 'SCREENING_PENDING', 'APPROVAL_PENDING'],
      ['DECISION_RECORDED', null, null],
      ['APPROVED', 'APPROVAL_PENDING', 'APPROVED'],
      ['TRANSFER_SCHEDULED', 'APPROVED', 'TRANSFER_SCHEDULED'],
      ['DEPARTED', 'TRANSFER_SCHEDULED', 'IN_TRANSFER'],
      ['HANDED_OVER', 'IN_TRANSFER', 'HANDED_OVER'],
    ]);
    expect(events.map((e) => e.actor?.sub)).toEqual([
      u.khOfficer.sub,
      u.cnOfficer.sub,
      u.khOfficer.sub,
      u.cnSupervisor.sub,
      u.khSupervisor.sub,
      u.khOfficer.sub,
      u.khOfficer.sub,
      u.cnOfficer.sub,
    ]);

    // The workflow has finished with the case.
    const description = await t.stack.client.workflow.getHandle(caseWorkflowId(caseId)).describe();
    expect(description.status.name).toBe('COMPLETED');
  });
});

describe('identity branches', () => {
  it('an inconclusive result keeps the case pending and may be resubmitted', async () => {
    const caseId = await t.steps.open();
    const first = await t.steps.verify(caseId, u.cnOfficer, { result: 'inconclusive', method: 'document', notes: 'photo unclear' });
    expect(first).toMatchObject({ status: 'IDENTITY_PENDING', identity: { result: 'inconclusive' }, identityChecks: 1 });
    const second = await t.steps.verify(caseId, u.cnOfficer, { result: 'confirmed', method: 'registry' });
    expect(second).toMatchObject({ status: 'SCREENING_PENDING', identityChecks: 2 });
  });

  it('a nationality outside the operation is referred to its embassy', async () => {
    const caseId = await t.steps.open();
    const res = await t.steps.verify(caseId, u.cnOfficer, { result: 'mismatch', verifiedNationality: 'IN', method: 'biometric' });
    expect(res).toMatchObject({ status: 'REFERRED', referredTo: 'IN', identity: { result: 'mismatch', verifiedNationality: 'IN' } });
    const events = await t.steps.events(caseId);
    expect(events.at(-1)).toMatchObject({ type: 'REFERRED', toStatus: 'REFERRED', actor: { sub: u.cnOfficer.sub } });
    expect(events.at(-1)!.reason).toMatch(/embassy/);
  });

  it('a nationality of another participating country goes to that country to verify', async () => {
    const caseId = await t.steps.open();
    const res = await t.steps.verify(caseId, u.cnOfficer, { result: 'mismatch', verifiedNationality: 'VN', method: 'biometric' });
    expect(res).toMatchObject({ status: 'IDENTITY_PENDING', claimedNationality: 'VN' });
    // China no longer sees the case; Vietnam now does.
    expect((await t.stack.api.get(`/v1/cases/${caseId}`, u.cnOfficer)).status).toBe(404);
    const retry = await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.cnOfficer, { result: 'confirmed', method: 'biometric' });
    expect(retry.status).toBe(404);
    const confirmed = await t.steps.verify(caseId, u.vnOfficer, { result: 'confirmed', method: 'biometric' });
    expect(confirmed).toMatchObject({ status: 'SCREENING_PENDING', destinationCountry: 'VN' });
    await t.steps.screen(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    expect((await t.steps.decide(caseId, u.vnSupervisor)).status).toBe('APPROVED');
  });

  it('a claimed nationality that takes no part is referred at intake', async () => {
    const opened = await t.stack.api.post('/v1/cases', u.khOfficer, {
      ...(await import('./helpers/fixtures.js')).intakeBody({}, { claimedNationality: 'IN', documents: [] }),
    });
    expect(opened.status).toBe(201);
    await expect.poll(() => t.steps.status(opened.body.caseId)).toBe('REFERRED');
  });

  it('a retried confirmation is answered without a second check', async () => {
    const caseId = await t.steps.open();
    await t.steps.verify(caseId);
    const again = await t.steps.verify(caseId);
    expect(again).toMatchObject({ status: 'SCREENING_PENDING', identityChecks: 1 });
  });
});

describe('decisions', () => {
  it('a rejection by either side ends the case, with the reason on the timeline', async () => {
    const caseId = await t.steps.open();
    await t.steps.toApproval(caseId);
    await t.steps.decide(caseId, u.khSupervisor);
    const rejected = await t.steps.decide(caseId, u.cnSupervisor, 'reject', 'identity documents forged');
    expect(rejected).toMatchObject({ status: 'REJECTED', decisions: { destination: { decision: 'reject', reason: 'identity documents forged' } } });
    const last = (await t.steps.events(caseId)).at(-1)!;
    expect(last).toMatchObject({ type: 'REJECTED', reason: 'identity documents forged', actor: { sub: u.cnSupervisor.sub } });
  });

  it('bulk decisions decide each case on its own and report per case', async () => {
    const a = await t.steps.open();
    const b = await t.steps.open();
    const notReady = await t.steps.open();
    await t.steps.toApproval(a);
    await t.steps.toApproval(b);
    await t.steps.decide(a, u.khSupervisor);
    const res = await t.stack.api.post('/v1/decisions', u.cnSupervisor, {
      caseIds: [a, b, notReady, '00000000-0000-4000-8000-000000000000'],
      decision: 'approve',
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { caseId: a, ok: true, status: 'APPROVED' },
      { caseId: b, ok: true, status: 'APPROVAL_PENDING' },
      { caseId: notReady, ok: false, error: expect.objectContaining({ code: 'WRONG_STAGE' }) },
      { caseId: '00000000-0000-4000-8000-000000000000', ok: false, error: expect.objectContaining({ code: 'NOT_FOUND' }) },
    ]);
    const timeline = await t.steps.events(b);
    expect(timeline.filter((e) => e.type === 'DECISION_RECORDED')).toHaveLength(1);
  });
});

describe('cancellation', () => {
  it('a holding-country supervisor cancels from any open stage, with a reason', async () => {
    const pending = await t.steps.open();
    const approved = await t.steps.approved();
    const scheduled = await t.steps.approved();
    const { transferId } = await t.steps.transfer([scheduled]);
    for (const caseId of [pending, approved, scheduled]) {
      const res = await t.stack.api.post(`/v1/cases/${caseId}/cancel`, u.khSupervisor, { reason: 'prosecuted locally' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.status).toBe('CANCELLED');
    }
    // The batch sees the cancelled passenger dropped.
    const batch = await t.stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer);
    expect(batch.body.cases).toEqual([expect.objectContaining({ caseId: scheduled, outcome: 'dropped', status: 'CANCELLED' })]);
    // Repeating the cancellation changes nothing; other users may not cancel.
    expect((await t.stack.api.post(`/v1/cases/${pending}/cancel`, u.khSupervisor, { reason: 'again' })).status).toBe(200);
    const other = await t.steps.open();
    expect((await t.stack.api.post(`/v1/cases/${other}/cancel`, u.khOfficer, { reason: 'x' })).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${other}/cancel`, u.cnSupervisor, { reason: 'x' })).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${other}/cancel`, u.khSupervisor, {})).status).toBe(400);
    const closed = await t.steps.approved();
    await t.steps.decide(closed, u.cnSupervisor); // repeat: still fine
    const rejectedCase = await t.steps.open();
    await t.steps.toApproval(rejectedCase);
    await t.steps.decide(rejectedCase, u.khSupervisor, 'reject', 'not eligible');
    const late = await t.stack.api.post(`/v1/cases/${rejectedCase}/cancel`, u.khSupervisor, { reason: 'x' });
    expect(late.status).toBe(409);
  });
});

describe('transfers', () => {
  it('fills a batch up to capacity and refuses cases that are not approved', async () => {
    const [a, b, c] = [await t.steps.approved(), await t.steps.approved(), await t.steps.approved()];
    const pending = await t.steps.open();
    const res = await t.steps.transfer([pending, a, b, c], 2);
    expect(res.cases).toEqual([
      { caseId: pending, accepted: false, error: expect.objectContaining({ code: 'WRONG_STAGE' }) },
      { caseId: a, accepted: true },
      { caseId: b, accepted: true },
      { caseId: c, accepted: false, error: expect.objectContaining({ code: 'CAPACITY_EXCEEDED' }) },
    ]);
    expect(await t.steps.status(c)).toBe('APPROVED');
    // A case on one batch cannot go on another.
    const second = await t.steps.transfer([a, c]);
    expect(second.cases).toEqual([
      { caseId: a, accepted: false, error: expect.objectContaining({ code: 'WRONG_STAGE' }) },
      { caseId: c, accepted: true },
    ]);
  });

  it('a batch request sent again with its client-chosen id fills the same batch, once', async () => {
    const [a, b] = [await t.steps.approved(), await t.steps.approved()];
    const transferId = randomUUID();
    const body = transferBody([a, b], 10, { transferId });
    const first = await t.stack.api.post('/v1/transfers', u.khOfficer, body);
    // The answer was lost; the client sends the same request again.
    const again = await t.stack.api.post('/v1/transfers', u.khOfficer, body);
    for (const res of [first, again]) {
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ transferId, status: 'SCHEDULED', cases: [{ caseId: a, accepted: true }, { caseId: b, accepted: true }] });
    }
    const batch = await t.stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer);
    expect(batch.body.cases.map((c: { caseId: string; outcome: string }) => [c.caseId, c.outcome]).sort()).toEqual([[a, 'scheduled'], [b, 'scheduled']].sort());
    for (const caseId of [a, b]) {
      const events = await t.steps.events(caseId);
      expect(events.filter((e) => e.toStatus === 'TRANSFER_SCHEDULED')).toHaveLength(1);
    }
    // Once the batch has completed, the same request is refused rather than opening it again.
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {})).status).toBe(200);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [a, b] })).status).toBe(200);
    const late = await t.stack.api.post('/v1/transfers', u.khOfficer, body);
    expect(late.status).toBe(409);
    expect(await t.steps.status(a)).toBe('HANDED_OVER');
  });

  it('a person reported missing is MISSING, escalated to both sides, on no transfer until the holding country records them located, then flies on the next batch', async () => {
    const [a, b] = [await t.steps.approved(), await t.steps.approved()];
    const first = await t.steps.transfer([a, b]);
    await t.stack.api.post(`/v1/transfers/${first.transferId}/depart`, u.khOfficer, {});
    const handover = await t.stack.api.post(`/v1/transfers/${first.transferId}/handover`, u.cnOfficer, {
      receivedCaseIds: [a],
      missingCaseIds: [b],
    });
    expect(handover.body).toMatchObject({
      status: 'COMPLETED',
      results: [
        { caseId: a, ok: true, status: 'HANDED_OVER' },
        { caseId: b, ok: true, status: 'MISSING' },
      ],
    });
    for (const user of [u.khOfficer, u.cnSupervisor]) {
      const missing = await t.stack.api.get(`/v1/cases/${b}`, user);
      expect(missing.body).toMatchObject({ status: 'MISSING', transferAttempts: 1, transferId: null, overdue: true, overdueReasons: ['missing'] });
    }
    const types = (await t.steps.events(b)).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['TRANSFER_FAILED', 'PERSON_MISSING']);
    // Never selectable for a transfer, never released as if in custody.
    const refused = await t.stack.api.post('/v1/transfers', u.khOfficer, transferBody([b]));
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.cases).toEqual([expect.objectContaining({ caseId: b, accepted: false })]);
    expect((await t.stack.api.post(`/v1/cases/${b}/release`, u.khSupervisor, { reason: 'released' })).status).toBe(409);
    // Only the holding country records the person located: who, when, where.
    const locatedAt = new Date(Date.now() - 3_600_000).toISOString();
    const where = { locatedAt, place: 'Poipet immigration detention centre' };
    expect((await t.stack.api.post(`/v1/cases/${b}/located`, u.cnOfficer, where)).status).toBe(403);
    expect((await t.stack.api.post(`/v1/cases/${b}/located`, u.khOfficer, { locatedAt })).status).toBe(400);
    const located = await t.stack.api.post(`/v1/cases/${b}/located`, u.khOfficer, where);
    expect(located.status).toBe(200);
    expect(located.body).toMatchObject({ status: 'APPROVED', overdue: false, overdueReasons: [] });
    const repeat = await t.stack.api.post(`/v1/cases/${b}/located`, u.khOfficer, where);
    expect(repeat.status).toBe(200);
    const after = await t.steps.events(b);
    expect(after.filter((e) => e.type === 'PERSON_LOCATED')).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ sub: u.khOfficer.sub }), data: expect.objectContaining({ locatedAt, place: where.place }), toStatus: 'APPROVED' }),
    ]);

    const second = await t.steps.transfer([b]);
    expect(second.cases).toEqual([{ caseId: b, accepted: true }]);
    await t.stack.api.post(`/v1/transfers/${second.transferId}/depart`, u.khOfficer, {});
    const done = await t.stack.api.post(`/v1/transfers/${second.transferId}/handover`, u.cnOfficer, { receivedCaseIds: [b] });
    expect(done.body.results).toEqual([{ caseId: b, ok: true, status: 'HANDED_OVER' }]);
    // Repeating a handover on a completed batch answers from the record.
    const again = await t.stack.api.post(`/v1/transfers/${second.transferId}/handover`, u.cnOfficer, { receivedCaseIds: [b] });
    expect(again.body.results).toEqual([{ caseId: b, ok: true, status: 'HANDED_OVER' }]);
  });

  it('escalates a case after three failed transfer attempts', async () => {
    const caseId = await t.steps.approved();
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { transferId } = await t.steps.transfer([caseId]);
      await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
      const res = await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [], missingCaseIds: [caseId] });
      expect(res.body.results[0]).toMatchObject({ ok: true, status: 'MISSING' });
      const located = await t.stack.api.post(`/v1/cases/${caseId}/located`, u.khOfficer, {
        locatedAt: new Date().toISOString(),
        place: `border post ${attempt}`,
      });
      expect(located.body.status).toBe('APPROVED');
    }
    const detail = await t.stack.api.get(`/v1/cases/${caseId}`, u.khOfficer);
    expect(detail.body).toMatchObject({ status: 'APPROVED', transferAttempts: 3, overdue: true, overdueReasons: ['transfer_attempts'] });
    const escalations = (await t.steps.events(caseId)).filter((e) => e.type === 'TRANSFER_ATTEMPTS_ESCALATED');
    expect(escalations).toHaveLength(1);
    expect(escalations[0].data).toMatchObject({ attempts: 3 });
  });

  it('only the right officers depart and hand over, and only departed people can be handed over', async () => {
    const [a, b] = [await t.steps.approved(), await t.steps.approved()];
    const { transferId } = await t.steps.transfer([a]);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [a] })).status).toBe(409);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.cnOfficer, {})).status).toBe(403);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khSupervisor, {})).status).toBe(403);
    expect((await t.stack.api.get(`/v1/transfers/${transferId}`, u.vnOfficer)).status).toBe(404);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {})).status).toBe(200);
    // Departure is idempotent.
    const again = await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {});
    expect(again.body.results).toEqual([{ caseId: a, ok: true, status: 'IN_TRANSFER' }]);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.khOfficer, { receivedCaseIds: [a] })).status).toBe(403);
    const wrong = await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [b] });
    expect(wrong.body.results).toEqual([{ caseId: b, ok: false, error: expect.objectContaining({ code: 'NOT_ON_TRANSFER' }) }]);
    expect(await t.steps.status(b)).toBe('APPROVED');
    const both = await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [a], missingCaseIds: [a] });
    expect(both.status).toBe(400);
  });
});
