// One search box (GET /v1/cases?q=): a name in any script, without diacritics, a name in Han
// characters also by pinyin; a reference or a document number exactly; only among the cases the
// caller sees; and the search text is personal data: it is in no log line and no audit entry.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log } from '../lib/log.js';
import { intakeBody, makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';
import type { Actor } from '../workflows/definitions.js';

const u = makeUsers();
const tag = Date.now().toString(36).toUpperCase();
const PASSPORT = `EH${Date.now()}`;
const REF = `KH-SRCH-${tag}`;
let captured = '';
let restore: () => void;

beforeAll(() => {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep =
    (write: (...a: unknown[]) => boolean) =>
    (chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured += chunk.toString();
      return write(chunk, ...rest);
    };
  process.stdout.write = keep(out as (...a: unknown[]) => boolean) as typeof process.stdout.write;
  process.stderr.write = keep(err as (...a: unknown[]) => boolean) as typeof process.stderr.write;
  restore = () => {
    process.stdout.write = out;
    process.stderr.write = err;
  };
  log.setLevel('debug');
});
const t = useStack(u, { ownDatabase: true });
afterAll(() => {
  restore?.();
  log.setLevel('info');
});

const ids: Record<string, string> = {};
async function open(key: string, person: Record<string, unknown>, overrides: Record<string, unknown> = {}, by: Actor = u.khOfficer) {
  const res = await t.stack.api.post('/v1/cases', by, intakeBody(overrides, person));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  ids[key] = res.body.caseId;
}

beforeAll(async () => {
  await open(
    'chinese',
    { fullName: '欧阳小明', claimedNationality: 'CN', documents: [{ type: 'passport', number: PASSPORT, issuingCountry: 'CN' }] },
    { externalRef: REF },
  );
  await open('vietnamese', {
    fullName: 'Nguyễn Thị Hằng',
    claimedNationality: 'VN',
    documents: [{ type: 'passport', number: `C${tag}1`, issuingCountry: 'VN' }],
  });
  await open('thai', {
    fullName: 'สมชาย ใจดี',
    claimedNationality: 'TH',
    documents: [{ type: 'national_id', number: `T${tag}2`, issuingCountry: 'TH' }],
  });
  await open(
    'khmer',
    {
      fullName: 'សុខ ចាន់',
      claimedNationality: 'KH',
      documents: [{ type: 'national_id', number: `K${tag}3`, issuingCountry: 'KH' }],
    },
    { holdingCountry: 'TH', externalRef: `TH-SRCH-${tag}` },
    u.thOfficer,
  );
  for (const n of [1, 2, 3])
    await open(`same${n}`, { fullName: `Trần Văn Nam${n % 2 ? '' : 'h'}`, claimedNationality: 'VN', dateOfBirth: `199${n}-01-0${n}` });
});

async function search(q: string, as: Actor = u.khOfficer, extra = ''): Promise<string[]> {
  const res = await t.stack.api.get(`/v1/cases?limit=100&q=${encodeURIComponent(q)}${extra}`, as);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items.map((c: { caseId: string }) => c.caseId);
}

describe('a name, in any script', () => {
  it('a name in Han characters is found by pinyin with and without spaces, and by its characters', async () => {
    for (const q of [
      'ouyang xiaoming',
      'Ouyang Xiaoming',
      'ouyangxiaoming',
      'xiaoming',
      'xiao ming',
      'ouyang xiao',
      '欧阳小明',
      '小明',
      '欧阳 小明',
    ])
      expect(await search(q), q).toEqual([ids.chinese]);
    expect(await search('xiaoming wei')).toEqual([]);
    expect(await search('小红')).toEqual([]);
  });

  it('a Vietnamese name with diacritics is found without them, and with them', async () => {
    for (const q of ['nguyen thi hang', 'NGUYEN HANG', 'nguyen', 'Nguyễn Thị Hằng', 'ngu th'])
      expect(await search(q), q).toEqual([ids.vietnamese]);
  });

  it('Thai and Khmer names are found in their script', async () => {
    expect(await search('ใจดี')).toEqual([ids.thai]);
    expect(await search('สมชาย ใจดี')).toEqual([ids.thai]);
    expect(await search('ចាន់')).toEqual([ids.khmer]);
    expect(await search('សុខ')).toEqual([ids.khmer]);
  });

  it('people of one name are told apart by date of birth and document; the search pages with the cursor', async () => {
    const first = await t.stack.api.get(`/v1/cases?limit=2&q=${encodeURIComponent('tran van nam')}`, u.khOfficer);
    expect(first.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([ids.same1, ids.same2]);
    expect(first.body.items.map((c: { dateOfBirth: string }) => c.dateOfBirth)).toEqual(['1991-01-01', '1992-01-02']);
    expect(first.body.items[0].documents).toEqual([{ type: 'passport', issuingCountry: 'CN' }]);
    expect(JSON.stringify(first.body)).not.toContain('number');
    const second = await t.stack.api.get(
      `/v1/cases?limit=2&q=${encodeURIComponent('tran van nam')}&cursor=${first.body.nextCursor}`,
      u.khOfficer,
    );
    expect(second.body.items.map((c: { caseId: string }) => c.caseId)).toEqual([ids.same3]);
    expect(second.body.nextCursor).toBeNull();
    // "namh" is a prefix of one of them only.
    expect(await search('tran namh')).toEqual([ids.same2]);
  });
});

describe('a reference or a document, exactly', () => {
  it('the reference is found in any case, a part of it is not; the case id is found', async () => {
    expect(await search(REF.toLowerCase())).toEqual([ids.chinese]);
    expect(await search(REF.slice(0, -2))).toEqual([]);
    expect(await search(ids.thai)).toEqual([ids.thai]);
  });

  it('a document number is found exactly (through its keyed hash), a part of it finds nothing', async () => {
    expect(await search(PASSPORT)).toEqual([ids.chinese]);
    expect(await search(` ${PASSPORT.toLowerCase()} `)).toEqual([ids.chinese]);
    expect(await search(PASSPORT.slice(0, -3))).toEqual([]);
    expect(await search(PASSPORT.slice(3))).toEqual([]);
  });

  it('combines with the list filters', async () => {
    expect(await search('nguyen', u.khOfficer, '&holdingCountry=KH')).toEqual([ids.vietnamese]);
    expect(await search('nguyen', u.khOfficer, '&status=APPROVED')).toEqual([]);
  });
});

describe('only what the caller sees', () => {
  it('a case of another country is not found by its name, reference or document', async () => {
    // The Chinese case is held by KH and claimed by CN: Vietnam does not see it; China does.
    for (const q of ['ouyang xiaoming', '欧阳小明', REF, PASSPORT]) {
      expect(await search(q, u.vnOfficer), q).toEqual([]);
      expect(await search(q, u.cnOfficer), q).toEqual([ids.chinese]);
    }
    // Vietnam sees its nationals' cases, and finds them.
    expect(await search('nguyen', u.vnOfficer)).toEqual([ids.vietnamese]);
    expect(await search('ใจดี', u.vnOfficer)).toEqual([]);
  });

  it('a search needs a purpose, as the list does', async () => {
    const res = await t.stack.api.call('get', `/v1/cases?q=${encodeURIComponent('nguyen')}`, { as: u.khOfficer, purpose: null });
    expect(res.status).toBe(400);
  });

  it('an empty or overlong search is a 400 in the error shape', async () => {
    for (const q of ['', '   ', 'x'.repeat(201)]) {
      const res = await t.stack.api.get(`/v1/cases?q=${encodeURIComponent(q)}`, u.khOfficer);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBeTypeOf('string');
    }
  });
});

describe('the search text is personal data', () => {
  it('is in no log line and no audit entry; the audit entry says a search was made', async () => {
    const texts = ['ouyang xiaoming', '欧阳小明', 'Nguyễn Thị Hằng', PASSPORT, REF];
    for (const q of texts) expect(captured, q).not.toContain(q);
    expect(captured).not.toContain(encodeURIComponent('欧阳小明'));
    const { db } = t.stack.database;
    const rows = await db.execute<{ details: string }>(sql`select details::text as details from audit_log where action = 'case.list'`);
    const details = (Array.isArray(rows) ? rows : (rows as { rows: { details: string }[] }).rows).map((r) => r.details);
    expect(details.length).toBeGreaterThan(10);
    expect(details.some((d) => d.includes('"searched": true') || d.includes('"searched":true'))).toBe(true);
    for (const q of texts) for (const d of details) expect(d).not.toContain(q);
    for (const d of details) expect(d).not.toContain('ouyang');
  });
});
