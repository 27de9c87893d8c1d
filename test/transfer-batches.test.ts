// Transfer batches as a resource: a batch no case could join leaves nothing running, an officer
// has a bounded number of batches open, another country's batch id is answered like any unusable
// id, and a handover's received / missing lists are checked in linear time.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { transferWorkflowId } from '../workflows/definitions.js';
import { caseIdsInBoth } from '../workflows/transfer-rules.js';
import { makeUsers, transferBody } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const OPEN_PER_OFFICER = 2;
const t = useStack(u, { app: { limits: { openTransfersPerOfficer: OPEN_PER_OFFICER } } });

describe('a batch no case could join', () => {
  it('is refused with the per-case refusals, and its workflow and record are closed at once', async () => {
    const pending = await t.steps.open();
    const transferId = randomUUID();
    const res = await t.stack.api.post('/v1/transfers', u.khOfficer, transferBody([pending], 10, { transferId }));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'NO_CASE_ACCEPTED',
      details: { transferId, cases: [{ caseId: pending, accepted: false, error: { code: 'WRONG_STAGE' } }] },
    });
    const handle = t.stack.client.workflow.getHandle(transferWorkflowId(transferId));
    await expect.poll(async () => (await handle.describe()).status.name, { timeout: 30_000, interval: 200 }).toBe('COMPLETED');
    const batch = await t.stack.api.get(`/v1/transfers/${transferId}`, u.khOfficer);
    expect(batch.body).toMatchObject({ status: 'COMPLETED', cases: [] });
    expect(await t.steps.status(pending)).toBe('IDENTITY_PENDING');
  });
});

describe('open batches per officer', () => {
  it(`an officer has at most ${OPEN_PER_OFFICER} batches scheduled and not departed; departing one frees a place`, async () => {
    const officer = u.user('officer', 'KH', 31);
    const firstId = randomUUID();
    const first = await t.stack.api.post('/v1/transfers', officer, transferBody([await t.steps.approved()], 10, { transferId: firstId }));
    expect(first.status).toBe(201);
    expect((await t.stack.api.post('/v1/transfers', officer, transferBody([await t.steps.approved()]))).status).toBe(201);

    const waiting = await t.steps.approved();
    const third = await t.stack.api.post('/v1/transfers', officer, transferBody([waiting]));
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'TOO_MANY_OPEN_TRANSFERS', details: { limit: OPEN_PER_OFFICER } });
    expect(await t.steps.status(waiting)).toBe('APPROVED');
    // Filling one's own open batch is not opening another.
    const more = await t.stack.api.post('/v1/transfers', officer, transferBody([waiting], 10, { transferId: firstId }));
    expect(more.status).toBe(201);
    expect(more.body.cases).toEqual([{ caseId: waiting, accepted: true }]);
    // Another officer is not held back.
    expect((await t.stack.api.post('/v1/transfers', u.user('officer', 'KH', 32), transferBody([await t.steps.approved()]))).status).toBe(
      201,
    );

    expect((await t.stack.api.post(`/v1/transfers/${firstId}/depart`, officer, {})).status).toBe(200);
    expect((await t.stack.api.post('/v1/transfers', officer, transferBody([await t.steps.approved()]))).status).toBe(201);
  });
});

describe("another country's batch id", () => {
  it('is answered as any id that cannot be used: 409 naming no country, no second batch, the attempt logged', async () => {
    const owner = u.user('officer', 'KH', 41);
    const a = await t.steps.approved();
    const transferId = randomUUID();
    expect((await t.stack.api.post('/v1/transfers', owner, transferBody([a], 10, { transferId }))).status).toBe(201);

    const intruder = u.user('officer', 'TH', 41);
    const reuse = await t.stack.api.post(
      '/v1/transfers',
      intruder,
      transferBody([randomUUID()], 10, { transferId, destinationCountry: 'VN' }),
    );
    expect(reuse.status).toBe(409);
    expect(reuse.body).toEqual({ error: { code: 'TRANSFER_ID_TAKEN', message: 'this transferId cannot be used; choose another' } });
    expect(JSON.stringify(reuse.body)).not.toMatch(/KH|CN/);

    const batch = await t.stack.api.get(`/v1/transfers/${transferId}`, owner);
    expect(batch.body).toMatchObject({ holdingCountry: 'KH', destinationCountry: 'CN', status: 'SCHEDULED' });
    expect(batch.body.cases.map((c: { caseId: string }) => c.caseId)).toEqual([a]);
    const rows = await t.stack.database.db.execute(sql`select count(*)::int as n from transfers where id = ${transferId}`);
    expect((rows as unknown as { n: number }[])[0].n).toBe(1);
    const denied = await t.stack.database.db.execute(
      sql`select scope_countries from audit_log where action = 'request.denied' and actor_sub = ${intruder.sub} and ${transferId} = any(object_ids)`,
    );
    expect(denied as unknown as { scope_countries: string[] }[]).toEqual([{ scope_countries: ['CN', 'KH', 'TH'] }]);

    // The same answer once the batch has completed.
    await t.stack.api.post(`/v1/transfers/${transferId}/depart`, owner, {});
    await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds: [a] });
    const later = await t.stack.api.post(
      '/v1/transfers',
      intruder,
      transferBody([randomUUID()], 10, { transferId, destinationCountry: 'VN' }),
    );
    expect(later.status).toBe(409);
    expect(later.body).toEqual(reuse.body);
  });
});

describe('received and missing lists at handover', () => {
  /** The array, and how many of its items have been read (by index or by iteration). */
  function counted(ids: string[]) {
    let reads = 0;
    const proxy = new Proxy(ids, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    return { proxy, reads: () => reads };
  }

  it('5,000 + 5,000 ids are checked reading each id a bounded number of times', () => {
    const received = counted(Array.from({ length: 5000 }, () => randomUUID()));
    const missing = counted(Array.from({ length: 5000 }, () => randomUUID()));
    expect(caseIdsInBoth(received.proxy, missing.proxy)).toEqual([]);
    expect(received.reads() + missing.reads()).toBeLessThanOrEqual(2 * 10_000);

    const overlap = [received.proxy[17], received.proxy[4999]];
    const withOverlap = counted([...missing.proxy.slice(0, 4998), ...overlap]);
    const again = counted([...received.proxy]);
    expect(caseIdsInBoth(again.proxy, withOverlap.proxy)).toEqual(overlap);
    expect(again.reads() + withOverlap.reads()).toBeLessThanOrEqual(2 * 10_000);
  });

  it('an id in both lists of a 5,000 + 5,000 handover is 400 naming it; nothing is handed over', async () => {
    const a = await t.steps.approved();
    const { transferId } = await t.steps.transfer([a]);
    expect((await t.stack.api.post(`/v1/transfers/${transferId}/depart`, u.khOfficer, {})).status).toBe(200);
    const receivedCaseIds = [a, ...Array.from({ length: 4999 }, () => randomUUID())];
    const missingCaseIds = [...Array.from({ length: 4999 }, () => randomUUID()), a];
    const res = await t.stack.api.post(`/v1/transfers/${transferId}/handover`, u.cnOfficer, { receivedCaseIds, missingCaseIds });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { caseIds: [a] } });
    expect(await t.steps.status(a)).toBe('IN_TRANSFER');
  });
});
