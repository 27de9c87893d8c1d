// A registry's answers for a whole raid in one request (POST /v1/identity): one result per item,
// refusals per item as the single route refuses them, a repeat answered as before with nothing
// recorded twice, and a Temporal that cannot be reached answered with 503.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalGateway } from '../api/temporal.js';
import { MAX_BULK } from '../api/schemas.js';
import { lazyClient } from '../lib/temporal.js';
import { TEST_DATA_CONVERTER, testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);
let operationId: string;

/** `n` cases of the file's operation (KH, CN and TH; KH holds, CN claimed), opened in one bulk intake; their ids. */
async function openMany(n: number, person: Record<string, unknown> = {}): Promise<string[]> {
  const res = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, {
    cases: Array.from({ length: n }, () => intakeBody({}, person)),
  });
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
  expect(res.body.created).toBe(n);
  return res.body.results.map((r: { caseId: string }) => r.caseId);
}

const confirmed = (caseId: string) => ({ caseId, result: 'confirmed', method: 'registry', evidenceRef: `REG-${caseId.slice(0, 8)}` });
const eventsOf = async (caseId: string, type: string) => (await t.steps.events(caseId)).filter((e) => e.type === type);

beforeAll(async () => {
  operationId = await t.steps.operation(`Registry answers ${randomUUID().slice(0, 6)}`, { participatingCountries: ['KH', 'CN', 'TH'] });
});

describe('POST /v1/identity', () => {
  it('records each answer of a 300-person list and reports each case in request order', async () => {
    const ids = await openMany(300);
    const inconclusive = ids[7];
    const mismatch = ids[8];
    const items = ids.map(confirmed);
    items[7] = { caseId: inconclusive, result: 'inconclusive', method: 'registry', evidenceRef: 'REG-none' };
    items[8] = { caseId: mismatch, result: 'mismatch', verifiedNationality: 'VN', method: 'registry' } as never;
    const res = await t.stack.api.post('/v1/identity', u.cnOfficer, { items });
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body.results.map((r: { caseId: string }) => r.caseId)).toEqual(ids);
    const byCase = new Map(res.body.results.map((r: { caseId: string }) => [r.caseId, r]));
    expect(byCase.get(inconclusive)).toEqual({ caseId: inconclusive, ok: true, status: 'IDENTITY_PENDING' });
    // VN takes no part in the operation: the person is referred to its embassy.
    expect(byCase.get(mismatch)).toEqual({ caseId: mismatch, ok: true, status: 'REFERRED' });
    const others = res.body.results.filter((r: { caseId: string }) => r.caseId !== inconclusive && r.caseId !== mismatch);
    expect(others).toHaveLength(298);
    for (const r of others) expect(r).toEqual({ caseId: r.caseId, ok: true, status: 'SCREENING_PENDING' });

    // The store shows each verification at once, with its officer and evidence.
    const one = await t.stack.api.get(`/v1/cases/${ids[0]}`, u.khOfficer);
    expect(one.body.status).toBe('SCREENING_PENDING');
    expect(one.body.identity).toMatchObject({ result: 'confirmed', method: 'registry', by: u.cnOfficer.sub, evidenceRef: items[0].evidenceRef });
    expect((await t.stack.api.get(`/v1/cases/${mismatch}`, u.khOfficer)).body.status).toBe('REFERRED');
  });

  it('the same list again changes nothing and answers as before, the referred case included', async () => {
    const ids = await openMany(20);
    const items: Record<string, unknown>[] = ids.map(confirmed);
    items[1] = { caseId: ids[1], result: 'inconclusive', method: 'document', notes: 'no registry entry' };
    items[2] = { caseId: ids[2], result: 'mismatch', verifiedNationality: 'VN', method: 'registry' };
    const first = await t.stack.api.post('/v1/identity', u.cnOfficer, { items });
    expect(first.status).toBe(200);
    expect(first.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    const again = await t.stack.api.post('/v1/identity', u.cnOfficer, { items });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await eventsOf(ids[0], 'IDENTITY_CONFIRMED')).toHaveLength(1);
    expect(await eventsOf(ids[1], 'IDENTITY_INCONCLUSIVE')).toHaveLength(1);
    expect(await eventsOf(ids[2], 'REFERRED')).toHaveLength(1);
    // A new inconclusive answer (other notes) is a new check, recorded; a confirmation then moves the case on.
    const newer = await t.stack.api.post('/v1/identity', u.cnOfficer, {
      items: [{ caseId: ids[1], result: 'inconclusive', method: 'document', notes: 'registry asked again' }],
    });
    expect(newer.body.results).toEqual([{ caseId: ids[1], ok: true, status: 'IDENTITY_PENDING' }]);
    expect(await eventsOf(ids[1], 'IDENTITY_INCONCLUSIVE')).toHaveLength(2);
    const settled = await t.stack.api.post('/v1/identity', u.cnOfficer, { items: [confirmed(ids[1])] });
    expect(settled.body.results).toEqual([{ caseId: ids[1], ok: true, status: 'SCREENING_PENDING' }]);
  });

  it('refuses per item what the single route refuses: 404 for a case out of sight, 403 for another nationality, 409 out of stage', async () => {
    const [mine, screened] = await openMany(2);
    const thai = (await openMany(1, { claimedNationality: 'TH' }))[0];
    await t.steps.verify(screened);
    await t.steps.screen(screened);
    const unknown = randomUUID();
    const res = await t.stack.api.post('/v1/identity', u.cnOfficer, {
      items: [confirmed(mine), confirmed(unknown), confirmed(thai), { ...confirmed(screened), evidenceRef: 'REG-later' }],
    });
    expect(res.status).toBe(200);
    const [ok, missing, other, late] = res.body.results;
    expect(ok).toEqual({ caseId: mine, ok: true, status: 'SCREENING_PENDING' });
    expect(missing).toMatchObject({ caseId: unknown, ok: false, error: { code: 'NOT_FOUND' } });
    // A Thai national's case is not China's to see: the same answer as an unknown id.
    expect(other).toMatchObject({ caseId: thai, ok: false, error: { code: 'NOT_FOUND' } });
    expect(late).toMatchObject({ caseId: screened, ok: true, status: 'APPROVAL_PENDING' });

    // The holding country sees the cases but does not verify them; a country with no part sees none.
    const holding = await t.stack.api.post('/v1/identity', u.khOfficer, { items: [confirmed(thai)] });
    expect(holding.status).toBe(200);
    expect(holding.body.results).toEqual([
      { caseId: thai, ok: false, error: { code: 'FORBIDDEN', message: 'only users of the claimed country may do this on this case' } },
    ]);
    const outsider = await t.stack.api.post('/v1/identity', u.vnOfficer, { items: [confirmed(thai)] });
    expect(outsider.body.results[0]).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await t.stack.api.get(`/v1/cases/${thai}`, u.khOfficer)).body.status).toBe('IDENTITY_PENDING');
    // The refusals are in the audit log, as the single route's are: the holding country's, and China's
    // and Vietnam's probes of a case they may not see (recorded for the case's countries too).
    const audit = await t.stack.api.get(`/v1/audit?action=request.denied&limit=500`, u.khAuditor);
    expect(audit.status).toBe(200);
    const denied = audit.body.items.filter((e: any) => e.details?.route === 'POST /v1/identity' && e.objectIds.includes(thai));
    expect(denied.map((e: any) => `${e.actor.country} ${e.details.code}`).sort()).toEqual(['CN NOT_FOUND', 'KH FORBIDDEN', 'VN NOT_FOUND']);

    // A wrong stage is the workflow's refusal (a different answer after the confirmation).
    const changed = await t.stack.api.post('/v1/identity', u.cnOfficer, {
      items: [{ caseId: mine, result: 'mismatch', verifiedNationality: 'VN', method: 'registry' }],
    });
    expect(changed.body.results[0]).toMatchObject({ ok: false, error: { code: 'WRONG_STAGE' } });
  });

  it('a case named twice with two answers: the first counts, the second is refused', async () => {
    const [id] = await openMany(1);
    const res = await t.stack.api.post('/v1/identity', u.cnOfficer, {
      items: [confirmed(id), confirmed(id), { caseId: id, result: 'inconclusive', method: 'document' }],
    });
    expect(res.body.results).toEqual([
      { caseId: id, ok: true, status: 'SCREENING_PENDING' },
      { caseId: id, ok: true, status: 'SCREENING_PENDING' },
      { caseId: id, ok: false, error: { code: 'INVALID_INPUT', message: 'the case is named earlier in this request with another answer' } },
    ]);
    expect(await eventsOf(id, 'IDENTITY_CONFIRMED')).toHaveLength(1);
  });

  it('bad requests are 400 and refused roles 403, before anything is recorded', async () => {
    const [id] = await openMany(1);
    const tooMany = Array.from({ length: MAX_BULK + 1 }, () => confirmed(id));
    const big = await t.stack.api.post('/v1/identity', u.cnOfficer, { items: tooMany });
    expect(big.status).toBe(400);
    expect(big.body.error.code).toBe('VALIDATION_FAILED');
    for (const body of [
      { items: [] },
      { items: [{ caseId: id, result: 'mismatch', method: 'registry' }] },
      { items: [{ ...confirmed(id), extra: 1 }] },
      { items: [{ ...confirmed(id), caseId: 'not-a-uuid' }] },
      { caseIds: [id] },
    ]) {
      const res = await t.stack.api.post('/v1/identity', u.cnOfficer, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const supervisor = await t.stack.api.post('/v1/identity', u.cnSupervisor, { items: [confirmed(id)] });
    expect(supervisor.status).toBe(403);
    expect((await t.stack.api.get(`/v1/cases/${id}`, u.khOfficer)).body.status).toBe('IDENTITY_PENDING');
  });
});

describe('POST /v1/identity with Temporal unreachable', () => {
  let close: () => Promise<void>;
  let down: ReturnType<typeof testApp>;
  beforeAll(async () => {
    const { client, connection } = lazyClient({ address: `127.0.0.1:${await freePort()}`, namespace: 'default' }, TEST_DATA_CONVERTER);
    down = testApp(t.stack.database, {
      temporal: createTemporalGateway({ client, connection, taskQueue: 'nowhere', callTimeoutMs: 3000 }),
      http: { bodyLimit: '1mb', bulkBodyLimit: '32mb', bulkConcurrency: 8, rateLimitPerMinute: 100_000 },
    });
    close = () => connection.close();
  });
  afterAll(async () => close?.());

  it('answers 503 with Retry-After when no verification could be recorded; the cases are unchanged', async () => {
    const ids = await openMany(3);
    const res = await down.post('/v1/identity', u.cnOfficer, { items: ids.map(confirmed) });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error.code).toBe('TEMPORAL_UNAVAILABLE');
    for (const id of ids) expect((await t.stack.api.get(`/v1/cases/${id}`, u.khOfficer)).body.status).toBe('IDENTITY_PENDING');
    // The same request, once Temporal answers, records them.
    const retried = await t.stack.api.post('/v1/identity', u.cnOfficer, { items: ids.map(confirmed) });
    expect(retried.body.results.every((r: { ok: boolean; status: string }) => r.ok && r.status === 'SCREENING_PENDING')).toBe(true);
  });
});
