// The HTTP contract at its edges: authentication, roles and scope, bad input of every kind,
// filters and paging, statistics, and the OpenAPI document.
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { TEST_SECRET, testApp } from './helpers/api.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();

const t = useStack(u);

const sign = (claims: Record<string, unknown>, secret = TEST_SECRET, alg = 'HS256') =>
  new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
const now = () => Math.floor(Date.now() / 1000);

describe('authentication', () => {
  const good = { sub: 'x', role: 'officer', country: 'KH' };
  it.each([
    ['no token', undefined],
    ['not a JWT', 'Bearer not-a-token'],
    ['wrong scheme', 'Basic a2g6b2ZmaWNlcg=='],
  ])('%s → 401', async (_, header) => {
    const req = request(t.stack.api.app).get('/v1/cases');
    const res = header ? await req.set('Authorization', header) : await req;
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('rejects expired, unsigned, wrongly signed and incomplete tokens', async () => {
    const tokens = {
      expired: await sign({ ...good, exp: now() - 60 }),
      noExp: await sign({ ...good }),
      wrongKey: await sign({ ...good, exp: now() + 600 }, 'another-secret-another-secret-another'),
      noRole: await sign({ sub: 'x', country: 'KH', exp: now() + 600 }),
      badCountry: await sign({ ...good, country: 'US', exp: now() + 600 }),
      notYet: await new SignJWT({ ...good, exp: now() + 600 }).setProtectedHeader({ alg: 'HS256' }).setNotBefore(now() + 300).sign(new TextEncoder().encode(TEST_SECRET)),
      algNone: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...good, exp: now() + 600 })).toString('base64url')}.`,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await request(t.stack.api.app).get('/v1/cases').set('Authorization', `Bearer ${token}`);
      expect(res.status, name).toBe(401);
    }
    const ok = await request(t.stack.api.app)
      .get('/v1/cases?limit=1')
      .set('Authorization', `Bearer ${await sign({ ...good, exp: now() + 600 })}`)
      .set('X-Purpose', 'token check');
    expect(ok.status).toBe(200);
  });
});

describe('roles and scope', () => {
  it('only officers of the holding country open cases; auditors change nothing', async () => {
    expect((await t.stack.api.post('/v1/cases', u.khAuditor, intakeBody())).status).toBe(403);
    expect((await t.stack.api.post('/v1/cases', u.khSupervisor, intakeBody())).status).toBe(403);
    const th = await t.stack.api.post('/v1/cases', u.thOfficer, intakeBody());
    expect(th.status).toBe(403);
    expect(th.body.error.code).toBe('FORBIDDEN');
    const national = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { claimedNationality: 'KH' }));
    expect(national.status).toBe(400);
  });

  it('a case is visible to its holding and claimed countries and to admins; to others it does not exist', async () => {
    const caseId = await t.steps.open();
    for (const user of [u.khOfficer, u.khAuditor, u.cnOfficer, u.cnSupervisor, u.admin]) {
      expect((await t.stack.api.get(`/v1/cases/${caseId}`, user)).status).toBe(200);
    }
    for (const user of [u.vnOfficer, u.thSupervisor]) {
      const res = await t.stack.api.get(`/v1/cases/${caseId}`, user);
      expect(res.status).toBe(404);
      expect((await t.stack.api.get(`/v1/cases/${caseId}/events`, user)).status).toBe(404);
    }
    // The role check comes first (it reveals nothing about the case); then scope answers 404.
    expect((await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.vnOfficer, { result: 'confirmed', method: 'document' })).status).toBe(404);
    expect((await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.thSupervisor, { decision: 'approve' })).status).toBe(404);
    const vnList = await t.stack.api.get('/v1/cases?limit=500&holdingCountry=KH', u.vnOfficer);
    expect(vnList.body.items.map((c: { caseId: string }) => c.caseId)).not.toContain(caseId);
  });

  it('identity is verified only by officers of the claimed nationality', async () => {
    const caseId = await t.steps.open();
    const kh = await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.khOfficer, { result: 'confirmed', method: 'document' });
    expect(kh.status).toBe(403);
    const sup = await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.cnSupervisor, { result: 'confirmed', method: 'document' });
    expect(sup.status).toBe(403);
    expect(await t.steps.status(caseId)).toBe('IDENTITY_PENDING');
  });
});

describe('bad input never reaches a 500', () => {
  it('unknown fields, wrong types, missing fields → 400 with the issues', async () => {
    const cases = [
      { ...intakeBody(), status: 'APPROVED' },
      { ...intakeBody(), holdingCountry: 42 },
      { ...intakeBody(), arrest: undefined },
      { ...intakeBody(), externalRef: 'x'.repeat(10_000) },
      { ...intakeBody(), arrest: { at: '0001-01-01', place: 'x', allegations: [] } },
    ];
    for (const body of cases) {
      const res = await t.stack.api.post('/v1/cases', u.khOfficer, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues.length).toBeGreaterThan(0);
    }
  });

  it('malformed JSON, a non-JSON body and an oversized body', async () => {
    const malformed = await t.stack.api.call('post', '/v1/cases', { as: u.khOfficer, raw: '{"externalRef": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    const text = await t.stack.api.call('post', '/v1/cases', { as: u.khOfficer, raw: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(text.status).toBe(400);
    const huge = await t.stack.api.call('post', '/v1/cases', { as: u.khOfficer, raw: JSON.stringify({ ...intakeBody(), pad: 'x'.repeat(2_000_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const deep = await t.stack.api.call('post', '/v1/cases', { as: u.khOfficer, raw: '['.repeat(5000) + ']'.repeat(5000) });
    expect(deep.status).toBe(400);
  });

  it('bad ids, unknown query parameters, bad filters and cursors, unknown routes', async () => {
    expect((await t.stack.api.get('/v1/cases/not-a-uuid', u.khOfficer)).status).toBe(400);
    expect((await t.stack.api.get('/v1/cases?colour=red', u.khOfficer)).status).toBe(400);
    expect((await t.stack.api.get('/v1/cases?status=LOST', u.khOfficer)).status).toBe(400);
    expect((await t.stack.api.get('/v1/cases?limit=501', u.khOfficer)).status).toBe(400);
    expect((await t.stack.api.get('/v1/cases?overdue=maybe', u.khOfficer)).status).toBe(400);
    expect((await t.stack.api.get('/v1/cases?status=APPROVED&status=REJECTED', u.khOfficer)).status).toBe(400);
    const cursor = await t.stack.api.get('/v1/cases?cursor=bm9wZQ', u.khOfficer);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('INVALID_CURSOR');
    expect((await t.stack.api.get('/v1/nothing-here', u.khOfficer)).status).toBe(404);
    expect((await t.stack.api.get(`/v1/cases/${crypto.randomUUID()}`, u.admin)).status).toBe(404);
    expect((await t.stack.api.get(`/v1/transfers/${crypto.randomUUID()}`, u.admin)).status).toBe(404);
    expect((await t.stack.api.get(`/v1/operations/${crypto.randomUUID()}`, u.admin)).status).toBe(404);
  });

  it('a forged cursor is 400 INVALID_CURSOR on every paged list and never reaches the database', async () => {
    const forge = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const id = crypto.randomUUID();
    const forged = [
      forge(['1', id]), // Date.parse reads "1" as a year; PostgreSQL does not
      forge(['2026-13-01T00:00:00.000Z', id]),
      forge(['0000-01-01T00:00:00.000Z', id]),
      forge(['2026-01-01 00:00', id]),
      forge(['2026-01-01T00:00:00.000Z', '------------------------------------']),
      forge(['2026-01-01T00:00:00.000Z', id, 'extra']),
      forge({ createdAt: '2026-01-01T00:00:00.000Z', id }),
    ];
    const lists = ['/v1/cases', '/v1/operations', '/v1/transfers', '/v1/decisions/pending'];
    const answers: string[] = [];
    for (const path of lists) {
      const as = path === '/v1/decisions/pending' ? u.khSupervisor : u.khOfficer;
      for (const cursor of forged) {
        const res = await t.stack.api.get(`${path}?cursor=${cursor}`, as);
        answers.push(`${path} ${res.status} ${res.body.error?.code}`);
      }
    }
    expect(answers).toEqual(lists.flatMap((path) => forged.map(() => `${path} 400 INVALID_CURSOR`)));
    // The cursors the lists issue still work, including the decision queue's "no deadline" key.
    const good = await t.stack.api.get(`/v1/cases?limit=1&cursor=${forge(['2026-01-01T00:00:00.000Z', id])}`, u.khOfficer);
    expect(good.status).toBe(200);
    const open = await t.stack.api.get(`/v1/decisions/pending?cursor=${forge(['infinity', id])}`, u.khSupervisor);
    expect(open.status).toBe(200);
  });

  it('injection strings are stored and returned verbatim', async () => {
    const name = `Robert'); DROP TABLE cases;-- <script>alert(1)</script> 王磊`;
    const res = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: name }));
    expect(res.status).toBe(201);
    expect((await t.stack.api.get(`/v1/cases/${res.body.caseId}`, u.khOfficer)).body.person.fullName).toBe(name);
  });
});

describe('operations, filters and statistics', () => {
  it('creates and reads an operation; its counts and the stats follow the cases', async () => {
    const bad = await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'x', leadCountry: 'CN', participatingCountries: ['KH'] });
    expect(bad.status).toBe(400);
    const outsider = await t.stack.api.post('/v1/operations', u.vnOfficer, { name: 'x', leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    expect(outsider.status).toBe(403);
    const op = await t.stack.api.post('/v1/operations', u.khSupervisor, { name: 'Stats drive', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] });
    expect(op.status).toBe(201);
    const opId = op.body.id;
    const [a, b] = [await t.steps.open({ operationId: opId }), await t.steps.open({ operationId: opId })];
    await t.steps.toApproval(b);
    const c = await t.steps.open({ operationId: opId });
    await t.stack.api.post(`/v1/cases/${c}/cancel`, u.khSupervisor, { reason: 'released on bail' });

    const detail = await t.stack.api.get(`/v1/operations/${opId}`, u.cnOfficer);
    expect(detail.body.caseCounts).toEqual({ total: 3, byStatus: { IDENTITY_PENDING: 1, APPROVAL_PENDING: 1, CANCELLED: 1 } });

    const stats = await t.stack.api.get('/v1/stats', u.khOfficer);
    expect(stats.body.byOperation[opId]).toEqual({ IDENTITY_PENDING: 1, APPROVAL_PENDING: 1, CANCELLED: 1 });
    expect(stats.body.total).toBeGreaterThanOrEqual(3);
    const vnStats = await t.stack.api.get('/v1/stats', u.vnOfficer);
    expect(vnStats.body.byOperation[opId]).toBeUndefined();

    const byStatus = await t.stack.api.get(`/v1/cases?operationId=${opId}&status=APPROVAL_PENDING`, u.khOfficer);
    expect(byStatus.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([b]);
    const byDestination = await t.stack.api.get(`/v1/cases?operationId=${opId}&destinationCountry=CN`, u.khOfficer);
    expect(byDestination.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([b]);
    const notOverdue = await t.stack.api.get(`/v1/cases?operationId=${opId}&overdue=false&holdingCountry=KH`, u.khOfficer);
    expect(notOverdue.body.items.map((i: { caseId: string }) => i.caseId).sort()).toEqual([a, b, c].sort());
    const ops = await t.stack.api.get('/v1/operations?limit=500', u.khAuditor);
    expect(ops.body.items.map((o: { id: string }) => o.id)).toContain(opId);
  });
});

describe('operations: custody limit and scope', () => {
  const body = (extra: Record<string, unknown> = {}) => ({
    name: 'Custody',
    leadCountry: 'KH',
    participatingCountries: ['KH', 'CN'],
    ...extra,
  });

  it('only a supervisor sets the custody limit, within the legal maximum; an officer opens one without', async () => {
    const byOfficer = await t.stack.api.post('/v1/operations', u.khOfficer, body({ custodyLimitDays: 365 }));
    expect(byOfficer.status).toBe(403);
    expect(byOfficer.body.error).toEqual({ code: 'FORBIDDEN', message: 'only a supervisor sets the custody limit' });
    const tooLong = await t.stack.api.post('/v1/operations', u.khSupervisor, body({ custodyLimitDays: 91 }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'CUSTODY_LIMIT_TOO_LONG', details: { maxDays: 90 } });
    const plain = await t.stack.api.post('/v1/operations', u.khOfficer, body());
    expect(plain.status).toBe(201);
    expect(plain.body.custodyLimitDays).toBeNull();
    const set = await t.stack.api.post('/v1/operations', u.khSupervisor, body({ custodyLimitDays: 90 }));
    expect(set.status).toBe(201);
    expect(set.body.custodyLimitDays).toBe(90);
    const denied = await t.stack.database.db.execute(
      sql`select count(*)::int as n from audit_log where action = 'request.denied' and actor_sub = ${u.khOfficer.sub} and details->>'route' = '/v1/operations'`,
    );
    expect((denied as unknown as { n: number }[])[0].n).toBeGreaterThanOrEqual(1);
  });

  it('a repeat with the same id cannot change the limit (or anything else) of an operation', async () => {
    const id = crypto.randomUUID();
    expect((await t.stack.api.post('/v1/operations', u.khSupervisor, body({ id, custodyLimitDays: 30 }))).status).toBe(201);
    const longer = await t.stack.api.post('/v1/operations', u.khSupervisor, body({ id, custodyLimitDays: 90 }));
    expect(longer.status).toBe(409);
    expect(longer.body.error.code).toBe('CONFLICT');
    const renamed = await t.stack.api.post('/v1/operations', u.khSupervisor, body({ id, custodyLimitDays: 30, name: 'Other' }));
    expect(renamed.status).toBe(409);
    const same = await t.stack.api.post(
      '/v1/operations',
      u.khSupervisor,
      body({ id, custodyLimitDays: 30, participatingCountries: ['CN', 'KH'] }),
    );
    expect(same.status).toBe(200);
    expect((await t.stack.api.get(`/v1/operations/${id}`, u.khOfficer)).body.custodyLimitDays).toBe(30);
  });

  it('an operation stored with a limit beyond the maximum gives its cases no more than the maximum', async () => {
    const id = crypto.randomUUID();
    await t.stack.database.db.execute(
      sql`insert into operations (id, name, lead_country, participating_countries, custody_limit_days, created_by, created_at)
          values (${id}, 'Stored before the maximum', 'KH', ${sql.raw(`array['KH','CN']`)}, 365, 'someone', now())`,
    );
    const arrestedAt = '2026-11-01T00:00:00.000Z';
    const caseId = await t.steps.open({ operationId: id, arrest: { at: arrestedAt, place: 'Kandal', allegations: [] } });
    const detail = await t.stack.api.get(`/v1/cases/${caseId}`, u.khOfficer);
    expect(detail.body.deadlines.custodyDueAt).toBe(new Date(Date.parse(arrestedAt) + 90 * 86_400_000).toISOString());
  });

  it('an operation and its counts are seen by the participating countries and admins only', async () => {
    const op = await t.stack.api.post('/v1/operations', u.khOfficer, body());
    const path = `/v1/operations/${op.body.id}`;
    expect((await t.stack.api.get(path, u.khOfficer)).status).toBe(200);
    expect((await t.stack.api.get(path, u.cnOfficer)).status).toBe(200);
    expect((await t.stack.api.get(path, u.admin)).status).toBe(200);
    const outsider = await t.stack.api.get(path, u.vnSupervisor);
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.code).toBe('NOT_FOUND');
    expect((await t.stack.api.get(path, u.user('auditor', 'TH'))).status).toBe(404);

    const listed = async (as: typeof u.khOfficer) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { id: string; participatingCountries: string[] }[]; nextCursor: string | null } } =
          await t.stack.api.get(`/v1/operations?limit=500${cursor ? `&cursor=${cursor}` : ''}`, as);
        if (as.role !== 'admin') expect(page.body.items.every((o) => o.participatingCountries.includes(as.country))).toBe(true);
        ids.push(...page.body.items.map((o) => o.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      return ids;
    };
    expect(await listed(u.cnOfficer)).toContain(op.body.id);
    expect(await listed(u.admin)).toContain(op.body.id);
    expect(await listed(u.vnOfficer)).not.toContain(op.body.id);
  });

  it("an operation a country takes no part in is unknown to its officers' intake, in bulk and one by one", async () => {
    const op = await t.stack.api.post('/v1/operations', u.khOfficer, body());
    const bulk = await t.stack.api.post(`/v1/operations/${op.body.id}/intake`, u.vnOfficer, {
      cases: [intakeBody({ holdingCountry: 'VN', externalRef: `VN-${op.body.id}` })],
    });
    expect(bulk.status).toBe(404);
    expect(bulk.body.error.code).toBe('NOT_FOUND');
    const single = await t.stack.api.post(
      '/v1/cases',
      u.vnOfficer,
      intakeBody({ holdingCountry: 'VN', externalRef: `VN1-${op.body.id}`, operationId: op.body.id }),
    );
    expect(single.status).toBe(400);
    expect(single.body.error.code).toBe('UNKNOWN_OPERATION');
    const own = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({ operationId: op.body.id }));
    expect(own.status).toBe(201);
  });
});

describe('retrying a creation after a lost answer', () => {
  it('an operation with a client-chosen id is opened once; the same request again answers 200 with it', async () => {
    const body = { id: crypto.randomUUID(), name: 'Retried raid', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] };
    const first = await t.stack.api.post('/v1/operations', u.khOfficer, body);
    const again = await t.stack.api.post('/v1/operations', u.khOfficer, body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body.id).toBe(body.id);
    const entries = await t.stack.database.db.execute(sql`select count(*)::int as n from audit_log where action = 'operation.create' and ${body.id} = any(object_ids)`);
    expect((entries as unknown as { n: number }[])[0].n).toBe(1);
    // Someone else's id is not theirs to read back.
    const other = await t.stack.api.post('/v1/operations', u.khSupervisor, body);
    expect(other.status).toBe(409);
  });
});

describe('health and the OpenAPI document', () => {
  it('is alive and ready', async () => {
    expect((await t.stack.api.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.stack.api.get('/readyz')).body).toEqual({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });

  it('documents every route with its parameters, bodies and answers', async () => {
    const res = await t.stack.api.get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const expected = [
      'get /healthz', 'get /readyz', 'get /openapi.json',
      'post /v1/operations', 'get /v1/operations', 'get /v1/operations/{id}', 'post /v1/operations/{id}/intake',
      'post /v1/cases', 'get /v1/cases', 'get /v1/cases/{id}', 'get /v1/cases/{id}/events',
      'post /v1/cases/{id}/identity', 'post /v1/cases/{id}/decisions', 'post /v1/decisions', 'post /v1/identity', 'post /v1/cases/{id}/cancel',
      'post /v1/transfers', 'get /v1/transfers/{id}', 'post /v1/transfers/{id}/depart', 'post /v1/transfers/{id}/handover',
      'get /v1/stats',
      'post /v1/cases/{id}/screening', 'post /v1/cases/{id}/protection-claims', 'post /v1/cases/{id}/protection-claims/{claimId}/outcome',
      'post /v1/cases/{id}/holds', 'post /v1/cases/{id}/holds/{holdId}/lift', 'post /v1/cases/{id}/consular-notice',
      'post /v1/cases/{id}/custody-extension', 'post /v1/cases/{id}/release', 'post /v1/cases/{id}/located', 'post /v1/cases/{id}/court-order',
      'get /v1/audit', 'get /v1/audit/verify', 'post /codec/decode', 'post /codec/encode',
      'get /v1/transfers/{id}/manifest', 'get /v1/stats/progress', 'get /v1/decisions/pending', 'get /v1/transfers', 'get /v1/events/stream', 'get /v1/me',
      'post /v1/teams', 'get /v1/teams', 'get /v1/teams/{id}', 'get /v1/teams/{id}/history', 'post /v1/teams/{id}/members',
      'delete /v1/teams/{id}/members/{sub}', 'post /v1/teams/{id}/entities', 'get /v1/teams/{id}/entities', 'get /v1/teams/{id}/entities/{eid}',
      'get /v1/teams/{id}/entities/{eid}/history', 'patch /v1/teams/{id}/entities/{eid}/handling', 'post /v1/teams/{id}/links',
      'get /v1/teams/{id}/links/{lid}', 'get /v1/teams/{id}/links/{lid}/history', 'patch /v1/teams/{id}/links/{lid}/handling',
      'post /v1/cases/{id}/intel-links',
      'get /v1/teams/{id}/graph', 'get /v1/teams/{id}/graph/path', 'get /v1/teams/{id}/graph/operations',
      'get /v1/teams/{id}/export', 'post /v1/teams/{id}/import',
      'post /v1/teams/{id}/release-requests', 'get /v1/teams/{id}/release-requests', 'get /v1/teams/{id}/release-requests/{rid}',
      'post /v1/teams/{id}/release-requests/{rid}/decision',
      'get /v1/teams/{id}/notices', 'post /v1/teams/{id}/notices/{nid}/release',
      'post /v1/teams/{id}/subscriptions', 'get /v1/teams/{id}/subscriptions', 'get /v1/teams/{id}/subscriptions/{sid}/deliveries',
      'post /v1/teams/{id}/subscriptions/{sid}/rotate-secret', 'post /v1/teams/{id}/subscriptions/{sid}/resume',
      'delete /v1/teams/{id}/subscriptions/{sid}',
      'get /v1/teams/{id}/stream',
    ];
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(expected.sort());
    const intake = doc.paths['/v1/cases'].post;
    expect(intake.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['externalRef', 'holdingCountry', 'person', 'arrest']));
    expect(intake.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(intake.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '403', '503']));
    const list = doc.paths['/v1/cases'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['X-Purpose', 'cursor', 'destinationCountry', 'holdingCountry', 'limit', 'operationId', 'overdue', 'q', 'status'].sort(),
    );
    expect(doc.paths['/v1/cases/{id}'].get.security).toEqual([{ bearerAuth: [] }]);
    // Entities: one body shape per kind, each with its own attributes.
    const entity = doc.paths['/v1/teams/{id}/entities'].post.requestBody.content['application/json'].schema;
    expect(entity.oneOf.map((b: { properties: { kind: { const: string } } }) => b.properties.kind.const).sort()).toEqual(
      ['account', 'location', 'online_identity', 'organisation', 'person', 'phone', 'vehicle'],
    );
    expect(doc.paths['/v1/teams/{id}/entities/{eid}'].get.parameters.map((p: { name: string }) => p.name)).toContain('X-Purpose');
    const graph = doc.paths['/v1/teams/{id}/graph'].get;
    expect(graph.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['X-Purpose', 'depth', 'entityId', 'id']);
    expect(graph.parameters.find((p: { name: string }) => p.name === 'depth').schema).toMatchObject({ minimum: 1, maximum: 4 });
  });
});

describe('property-level protection, headers and limits', () => {
  it('a client can never set status, approver, timestamps or ids through a body', async () => {
    const caseId = await t.steps.open();
    const attempts: [string, unknown][] = [
      ['/v1/cases', { ...intakeBody(), caseId: crypto.randomUUID() }],
      ['/v1/cases', { ...intakeBody(), createdAt: '2020-01-01T00:00:00Z' }],
      ['/v1/cases', { ...intakeBody(), openedBy: 'someone-else' }],
      [`/v1/cases/${caseId}/identity`, { result: 'confirmed', method: 'document', by: 'someone-else' }],
      [`/v1/cases/${caseId}/decisions`, { decision: 'approve', side: 'destination' }],
      [`/v1/cases/${caseId}/decisions`, { decision: 'approve', at: '2020-01-01T00:00:00Z' }],
      [`/v1/cases/${caseId}/cancel`, { reason: 'x', status: 'HANDED_OVER' }],
    ];
    for (const [path, body] of attempts) {
      const as = path.endsWith('identity') ? u.cnOfficer : path === '/v1/cases' ? u.khOfficer : u.khSupervisor;
      const res = await t.stack.api.post(path, as, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
    }
    expect(await t.steps.status(caseId)).toBe('IDENTITY_PENDING');
  });

  it('answers with security headers', async () => {
    for (const res of [await t.stack.api.get('/healthz'), await t.stack.api.get('/v1/stats', u.khOfficer)]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'cache-control': 'no-store',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('limits each user to the configured rate: 429 with Retry-After, others unaffected', async () => {
    const limited = testApp(t.stack.database, {
      http: { bodyLimit: '1mb', bulkBodyLimit: '1mb', bulkConcurrency: 1, rateLimitPerMinute: 3 },
    });
    for (let i = 0; i < 3; i++) expect((await limited.get('/v1/stats', u.khOfficer)).status).toBe(200);
    const refused = await limited.get('/v1/stats', u.khOfficer);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await limited.get('/v1/stats', u.cnOfficer)).status).toBe(200);
  });
});
