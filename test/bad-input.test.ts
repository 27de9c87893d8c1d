// Bad input a schema-driven fuzzer does not send: raw bytes, wrong content types, duplicate keys,
// deep and huge bodies, injection strings, extreme numbers and dates, oversized bulk requests.
// Each gets a clear 4xx in the contract's error shape — never a 500 — and nothing is lost or
// half-written. Raw bodies go over a real socket to a listening server.
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDuplicateKey } from '../api/json-body.js';
import { ErrorBody } from '../api/schemas.js';
import { listen, type RunningServer } from '../api/server.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';
import type { Actor } from '../workflows/definitions.js';

let server: RunningServer;
const u = makeUsers();
let operationId: string;

const t = useStack(u);
beforeAll(async () => {
  server = await listen(t.stack.api.app, 0, '127.0.0.1');
  const op = await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'Bad input', leadCountry: 'KH', participatingCountries: ['KH', 'CN'] });
  expect(op.status).toBe(201);
  operationId = op.body.id;
});
afterAll(async () => {
  await server?.close();
});

interface RawAnswer {
  status: number;
  body: any;
  headers: http.IncomingHttpHeaders;
}

/** A request with exactly these bytes and headers, over a real socket. */
async function raw(method: string, path: string, options: { as?: Actor; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<RawAnswer> {
  const url = new URL(path, server.url);
  const headers: Record<string, string | number> = { 'x-purpose': 'case work (test)', ...options.headers };
  if (options.as) headers.authorization = `Bearer ${await t.stack.api.token(options.as)}`;
  const payload = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
  if (payload) headers['content-length'] = payload.length;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode!, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** A clear refusal: the status, the contract's error shape, and the code when given. */
function expectRefusal(res: { status: number; body: any }, status: number, code?: string) {
  expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(status);
  expect(ErrorBody.safeParse(res.body).success, JSON.stringify(res.body).slice(0, 500)).toBe(true);
  if (code) expect(res.body.error.code).toBe(code);
}

const json = { 'content-type': 'application/json' };

async function countCases(externalRefPrefix: string): Promise<number> {
  const rows = await t.stack.database.db.execute(sql`select count(*)::int as n from cases where external_ref like ${externalRefPrefix + '%'}`);
  return (rows as unknown as { n: number }[])[0].n;
}

describe('bodies the JSON parser must refuse', () => {
  it('invalid UTF-8 → 400 INVALID_UTF8, nothing stored', async () => {
    const body = JSON.stringify(intakeBody({ externalRef: 'BAD-UTF8-1' }, { fullName: 'NAME_HERE' }));
    const bytes = Buffer.concat([
      Buffer.from(body.slice(0, body.indexOf('NAME_HERE'))),
      Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), // a broken 2-byte sequence, bytes never in UTF-8, an encoded surrogate
      Buffer.from(body.slice(body.indexOf('NAME_HERE') + 'NAME_HERE'.length)),
    ]);
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: bytes, headers: json }), 400, 'INVALID_UTF8');
    // An overlong encoding of "/" and a truncated sequence at the very end.
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), headers: json }), 400, 'INVALID_UTF8');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: Buffer.concat([Buffer.from('{"a":"x"}'), Buffer.from([0xe4, 0xb8])]), headers: json }), 400, 'INVALID_UTF8');
    expect(await countCases('BAD-UTF8-')).toBe(0);
  });

  it('a lone surrogate escape and a NUL character in a name → 400, not altered on the way in', async () => {
    const lone = JSON.stringify(intakeBody({ externalRef: 'BAD-SURROGATE-1' }, { fullName: 'X' })).replace('"fullName":"X"', '"fullName":"Wang \\ud800 Lei"');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: lone, headers: json }), 400, 'VALIDATION_FAILED');
    // Found by the fuzz: PostgreSQL cannot store NUL in text; this was a 500.
    for (const [field, body] of [
      ['fullName', intakeBody({ externalRef: 'BAD-NUL-1' }, { fullName: 'Wang\u0000Lei' })],
      ['place', intakeBody({ externalRef: 'BAD-NUL-2', arrest: { at: new Date().toISOString(), place: 'Kandal\u0000', allegations: [] } })],
      ['externalRef', intakeBody({ externalRef: 'BAD-NUL-3\u0000' })],
    ] as const) {
      const res = await t.stack.api.post('/v1/cases', u.khOfficer, body);
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(res.body.error.details), field).toContain('NUL');
    }
    expect(await countCases('BAD-NUL-')).toBe(0);
    expect(await countCases('BAD-SURROGATE-')).toBe(0);
    const caseId = await t.steps.open();
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { kind: 'medical', reason: 'fever\u0000' }), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/holds/${encodeURIComponent('h\u0000')}/lift`, u.khOfficer, {}), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.get(`/v1/audit?actor=${encodeURIComponent('a\u0000')}`, u.khAuditor), 400, 'VALIDATION_FAILED');
  });

  it('duplicate keys, at the top and nested, even when spelled with escapes → 400 DUPLICATE_KEY', async () => {
    const body = JSON.stringify(intakeBody({ externalRef: 'BAD-DUP-1' }));
    const top = body.replace('"externalRef":"BAD-DUP-1"', '"externalRef":"BAD-DUP-1","externalRef":"BAD-DUP-2"');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: top, headers: json }), 400, 'DUPLICATE_KEY');
    const nested = body.replace('"sex":"M"', '"sex":"M","s\\u0065x":"F"');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: nested, headers: json }), 400, 'DUPLICATE_KEY');
    expect(await countCases('BAD-DUP-')).toBe(0);
    // The same key in different objects, and key-like strings as values, are fine.
    expect(findDuplicateKey('{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":"a","d":{"e":"\\"a\\""}}')).toBeUndefined();
    expect(findDuplicateKey('{"a":[1,{"b":2}],"c":{"d":{}},"a":0}')).toBe('a');
  });

  it('wrong content types and charsets → 400 in the error shape, nothing stored', async () => {
    const body = JSON.stringify(intakeBody({ externalRef: 'BAD-TYPE-1' }));
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/xml', 'application/octet-stream']) {
      expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body, headers: { 'content-type': type } }), 400);
    }
    // No content type at all.
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body }), 400);
    // JSON is UTF-8: another charset is refused rather than guessed.
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: Buffer.from(body, 'utf16le'), headers: { 'content-type': 'application/json; charset=utf-16le' } }), 400, 'UNSUPPORTED_CHARSET');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body, headers: { 'content-type': 'application/json; charset=latin1' } }), 400, 'UNSUPPORTED_CHARSET');
    // A content encoding that is not one, or gzip that is not gzip.
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body, headers: { ...json, 'content-encoding': 'zstd-ish' } }), 400);
    // Found here: a zlib error was a 500.
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body, headers: { ...json, 'content-encoding': 'gzip' } }), 400, 'MALFORMED_BODY');
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body, headers: { ...json, 'content-encoding': 'deflate' } }), 400, 'MALFORMED_BODY');
    expect(await countCases('BAD-TYPE-')).toBe(0);
  });

  it('an unsupported method on a known path → 405 with Allow; an unknown path stays 404', async () => {
    const res = await raw('PUT', '/v1/cases', { as: u.khOfficer, body: '{}', headers: json });
    expectRefusal(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST, GET, HEAD');
    const one = await raw('DELETE', `/v1/cases/${crypto.randomUUID()}`, { as: u.khOfficer });
    expectRefusal(one, 405, 'METHOD_NOT_ALLOWED');
    expect(one.headers.allow).toBe('GET, HEAD');
    expectRefusal(await raw('TRACE', '/v1/stats'), 405, 'METHOD_NOT_ALLOWED');
    expectRefusal(await raw('PATCH', '/v1/nowhere'), 404, 'NOT_FOUND');
  });
});

describe('huge and deep bodies', () => {
  it('deeply nested objects, in place of a field and as the whole body → 400, no stack overflow', async () => {
    const depth = 100_000;
    const deepObject = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: deepObject, headers: json }), 400);
    const inField = JSON.stringify(intakeBody({ externalRef: 'BAD-DEEP-1' })).replace('"sex":"M"', `"sex":${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expectRefusal(await raw('POST', '/v1/cases', { as: u.khOfficer, body: inField, headers: json }), 400, 'VALIDATION_FAILED');
    // A bulk item nested deep is refused as an item, the others are opened.
    const items = [intakeBody({ externalRef: 'BAD-DEEP-2' }), JSON.parse('{"a":'.repeat(500) + '1' + '}'.repeat(500))];
    const bulk = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases: items });
    expect(bulk.status, JSON.stringify(bulk.body).slice(0, 500)).toBe(200);
    expect([bulk.body.created, bulk.body.rejected]).toEqual([1, 1]);
    expect(await countCases('BAD-DEEP-')).toBe(1);
    // The server is still fine.
    expect((await raw('GET', '/healthz')).status).toBe(200);
  });

  it('a body over the limit → 413 on ordinary routes; bulk routes take 32 MB, not more', async () => {
    const caseId = await t.steps.open();
    const big = JSON.stringify({ kind: 'medical', reason: 'x'.repeat(1_100_000) });
    expectRefusal(await raw('POST', `/v1/cases/${caseId}/holds`, { as: u.khOfficer, body: big, headers: json }), 413, 'PAYLOAD_TOO_LARGE');
    const huge = JSON.stringify({ cases: [{ pad: 'x'.repeat(33 * 1024 * 1024) }] });
    expectRefusal(await raw('POST', `/v1/operations/${operationId}/intake`, { as: u.khOfficer, body: huge, headers: json }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('10,000-character strings in every free-text field → 400 naming the field', async () => {
    const long = 'é'.repeat(10_000);
    const caseId = await t.steps.open();
    const attempts: [string, unknown, string][] = [
      ['/v1/cases', intakeBody({}, { fullName: long }), 'body.person.fullName'],
      ['/v1/cases', intakeBody({ arrest: { at: new Date().toISOString(), place: long, allegations: [] } }), 'body.arrest.place'],
      ['/v1/cases', intakeBody({}, { documents: [{ type: 'passport', number: long, issuingCountry: 'CN' }] }), 'body.person.documents.0.number'],
      [`/v1/cases/${caseId}/holds`, { kind: 'legal', reason: 'r'.repeat(10_000) }, 'body.reason'],
      [`/v1/cases/${caseId}/protection-claims`, { grounds: long }, 'body.grounds'],
      [`/v1/cases/${caseId}/consular-notice`, { notifiedAt: new Date().toISOString(), channel: long, accessRequested: false }, 'body.channel'],
      ['/v1/operations', { name: long, leadCountry: 'KH', participatingCountries: ['KH'] }, 'body.name'],
    ];
    for (const [path, body, field] of attempts) {
      const res = await t.stack.api.post(path, u.khOfficer, body);
      expectRefusal(res, 400, 'VALIDATION_FAILED');
      expect(res.body.error.details.issues.map((i: { path: string }) => i.path), path).toContain(field);
    }
    // In a header, a path segment and a query value.
    expectRefusal(await t.stack.api.call('get', `/v1/cases/${caseId}`, { as: u.khOfficer, purpose: 'p'.repeat(10_000) }), 400, 'PURPOSE_REQUIRED');
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/holds/${'h'.repeat(10_000)}/lift`, u.khOfficer, {}), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.get(`/v1/audit?action=${'a'.repeat(10_000)}`, u.khAuditor), 400, 'VALIDATION_FAILED');
    // A blank name is no name.
    expectRefusal(await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({}, { fullName: ' \t ' })), 400, 'VALIDATION_FAILED');
  });
});

describe('injection strings are data', () => {
  it('SQL and script injection in every stored text field comes back exactly, and the tables are still there', async () => {
    const sqlish = `Robert'); DROP TABLE cases;--`;
    const script = `<script>alert(1)</script>`;
    const more = [`' OR '1'='1`, `"; DELETE FROM case_events; --`, `$1 $$ \\x00 %s %n {{7*7}} \${7*7}`, `<img src=x onerror=alert(1)>`];
    const ref = `INJ-${crypto.randomUUID()}-' OR 1=1--`;
    const opened = await t.stack.api.post(
      '/v1/cases',
      u.khOfficer,
      intakeBody(
        { externalRef: ref, arrest: { at: new Date().toISOString(), place: script, allegations: more } },
        { fullName: sqlish, documents: [{ type: script, number: sqlish, issuingCountry: 'CN' }] },
      ),
    );
    expect(opened.status).toBe(201);
    const caseId = opened.body.caseId as string;
    const hold = await t.stack.api.post(`/v1/cases/${caseId}/holds`, u.khOfficer, { kind: 'medical', reason: `${sqlish} ${script}` });
    expect(hold.status).toBe(201);

    const detail = (await t.stack.api.get(`/v1/cases/${caseId}`, u.khOfficer)).body;
    expect(detail.externalRef).toBe(ref);
    expect(detail.person.fullName).toBe(sqlish);
    expect(detail.person.documents).toEqual([{ type: script, number: sqlish, issuingCountry: 'CN' }]);
    expect(detail.arrest.place).toBe(script);
    expect(detail.arrest.allegations).toEqual(more);
    expect(detail.holds[0].reason).toBe(`${sqlish} ${script}`);
    // As JSON, never as markup.
    const res = await raw('GET', `/v1/cases/${caseId}`, { as: u.khOfficer });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    // Injection in filters and path segments is just a value that matches nothing.
    expectRefusal(await t.stack.api.get(`/v1/cases?status=${encodeURIComponent("APPROVED' OR '1'='1")}`, u.khOfficer), 400, 'VALIDATION_FAILED');
    const audit = await t.stack.api.get(`/v1/audit?actor=${encodeURIComponent("x' OR '1'='1")}`, u.khAuditor);
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual([]);
    const lift = await t.stack.api.post(`/v1/cases/${caseId}/holds/${encodeURIComponent("x' OR '1'='1")}/lift`, u.khOfficer, {});
    expect(lift.status).toBeGreaterThanOrEqual(400);
    expect(lift.status).toBeLessThan(500);

    const tables = await t.stack.database.db.execute(
      sql`select to_regclass('cases') is not null as cases, to_regclass('case_events') is not null as events, to_regclass('persons') is not null as persons`,
    );
    expect((tables as unknown as Record<string, boolean>[])[0]).toEqual({ cases: true, events: true, persons: true });
    expect((await t.stack.api.get(`/v1/cases/${caseId}/events`, u.khOfficer)).body.items.length).toBeGreaterThan(0);
  });
});

describe('numbers and dates out of range', () => {
  it('negative, fractional, enormous and non-finite numbers → 400', async () => {
    const caseId = await t.steps.approved();
    const transfer = (capacity: unknown) => ({
      destinationCountry: 'CN', mode: 'charter_flight', from: 'PNH', to: 'CAN', scheduledAt: '2030-01-01T08:00:00Z', capacity, caseIds: [caseId],
    });
    for (const capacity of [-1, 0, 1.5, 1001, 2 ** 53, -(2 ** 63), 1e308, '10', null]) {
      expectRefusal(await t.stack.api.post('/v1/transfers', u.khOfficer, transfer(capacity)), 400, 'VALIDATION_FAILED');
    }
    // Numbers JSON.parse cannot hold: 1e400 is Infinity, a 400-digit integer loses its value.
    for (const literal of ['1e400', '-1e400', '9'.repeat(400), '1e-400']) {
      const body = JSON.stringify(transfer(7)).replace('"capacity":7', `"capacity":${literal}`);
      expectRefusal(await raw('POST', '/v1/transfers', { as: u.khOfficer, body, headers: json }), 400, 'VALIDATION_FAILED');
    }
    expect((await t.stack.api.get(`/v1/cases/${caseId}`, u.khOfficer)).body.status).toBe('APPROVED');
    const holdingCase = await t.steps.open();
    for (const days of [-5, 0, 31, 1e9, 2.5]) {
      expectRefusal(await t.stack.api.post(`/v1/cases/${holdingCase}/custody-extension`, u.khSupervisor, { days, reason: 'r' }), 400, 'VALIDATION_FAILED');
    }
    for (const limit of ['-1', '0', '1e999', '9'.repeat(30), 'NaN', 'Infinity']) {
      expectRefusal(await t.stack.api.get(`/v1/cases?limit=${limit}`, u.khOfficer), 400, 'VALIDATION_FAILED');
    }
    expectRefusal(await t.stack.api.get(`/v1/audit?cursor=${'9'.repeat(30)}`, u.khAuditor), 400, 'VALIDATION_FAILED');
  });

  it('dates far in the past and future → 400; they never reach the store (a year-0 transfer made listings 500)', async () => {
    const far = ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '1899-12-31T23:59:59Z', '2200-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z'];
    const caseId = await t.steps.approved();
    for (const at of far) {
      expectRefusal(await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({ externalRef: `BAD-DATE-${at}`, arrest: { at, place: 'x', allegations: [] } })), 400, 'VALIDATION_FAILED');
      expectRefusal(
        await t.stack.api.post('/v1/transfers', u.khOfficer, { destinationCountry: 'CN', mode: 'land_border', from: 'a', to: 'b', scheduledAt: at, capacity: 1, caseIds: [caseId] }),
        400,
        'VALIDATION_FAILED',
      );
    }
    for (const dateOfBirth of ['0000-01-01', '1800-06-01', '2300-01-01', '2024-02-30']) {
      expectRefusal(await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({ externalRef: `BAD-DATE-DOB-${dateOfBirth}` }, { dateOfBirth })), 400, 'VALIDATION_FAILED');
    }
    expect(await countCases('BAD-DATE-')).toBe(0);
    expect((await t.stack.api.get('/v1/transfers', u.khOfficer)).status).toBe(200);
    // The edges of the range are accepted.
    const edge = await t.stack.api.post('/v1/cases', u.khOfficer, intakeBody({ arrest: { at: '2199-12-31T23:59:59+00:00', place: 'x', allegations: [] } }, { dateOfBirth: '1900-01-01' }));
    expect(edge.status).toBe(201);
  });
});

describe('bulk requests over the limit', () => {
  it('5,001 cases, case ids or handover ids → 400 with the limit named, and nothing created or changed', async () => {
    const tag = `BAD-BULK-${crypto.randomUUID().slice(0, 8)}-`;
    const cases = Array.from({ length: 5001 }, (_, i) => intakeBody({ externalRef: `${tag}${i}` }));
    const intake = await t.stack.api.post(`/v1/operations/${operationId}/intake`, u.khOfficer, { cases });
    expectRefusal(intake, 400, 'VALIDATION_FAILED');
    expect(JSON.stringify(intake.body.error.details)).toContain('body.cases');
    expect(await countCases(tag)).toBe(0);

    const pending = await t.steps.open();
    await t.steps.toApproval(pending);
    const ids = [pending, ...Array.from({ length: 5000 }, () => crypto.randomUUID())];
    expectRefusal(await t.stack.api.post('/v1/decisions', u.khSupervisor, { caseIds: ids, decision: 'approve' }), 400, 'VALIDATION_FAILED');
    expect((await t.stack.api.get(`/v1/cases/${pending}`, u.khOfficer)).body.decisions.holding).toBeNull();
    expectRefusal(
      await t.stack.api.post('/v1/transfers', u.khOfficer, { destinationCountry: 'CN', mode: 'charter_flight', from: 'a', to: 'b', scheduledAt: '2030-01-01T00:00:00Z', capacity: 10, caseIds: ids }),
      400,
      'VALIDATION_FAILED',
    );
    const approved = await t.steps.approved();
    const batch = await t.steps.transfer([approved]);
    expectRefusal(await t.stack.api.post(`/v1/transfers/${batch.transferId}/handover`, u.cnOfficer, { receivedCaseIds: ids }), 400, 'VALIDATION_FAILED');
    expect((await t.stack.api.get(`/v1/cases/${approved}`, u.khOfficer)).body.status).toBe('TRANSFER_SCHEDULED');
  });
});

describe('rules between fields are in the OpenAPI document too', () => {
  it('a rejection without a reason, a mismatch without a nationality, a lead country not taking part, repeated indicators → 400', async () => {
    const caseId = await t.steps.open();
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/identity`, u.cnOfficer, { result: 'mismatch', method: 'document' }), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.post(`/v1/decisions`, u.khSupervisor, { caseIds: [caseId], decision: 'reject' }), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/decisions`, u.khSupervisor, { decision: 'reject', reason: '   ' }), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'x', leadCountry: 'CN', participatingCountries: ['KH'] }), 400, 'VALIDATION_FAILED');
    expectRefusal(await t.stack.api.post(`/v1/cases/${caseId}/screening`, u.khOfficer, { indicators: ['minor', 'minor'] }), 400, 'VALIDATION_FAILED');

    const doc = (await t.stack.api.get('/openapi.json')).body;
    const body = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    expect(body('/v1/cases/{id}/decisions').oneOf).toHaveLength(2);
    expect(body('/v1/cases/{id}/identity').oneOf).toHaveLength(2);
    expect(body('/v1/operations').anyOf).toHaveLength(6);
    expect(body('/v1/cases/{id}/screening').properties.indicators.uniqueItems).toBe(true);
    expect(JSON.stringify(body('/v1/cases'))).toContain('(19|2[01])');
  });
});
