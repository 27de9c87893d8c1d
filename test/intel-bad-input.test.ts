// Bad input to the team and intelligence routes: each a 4xx in the contract's error shape, and
// nothing stored (the team's records and their history are as before).
import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { identifyEntity } from '../lib/identifiers.js';
import { intelChanges, intelEntities, intelLinks, teams } from '../db/schema.js';
import { makeUsers } from './helpers/fixtures.js';
import { H0_TEAM, recordEntity, setUpTeam, teamBody, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u);
const users = teamUsers(u, 5);
const kh = users.officers.KH;
let teamId: string;
let otherTeamId: string;
const e = {} as { kh: string; cnHidden: string; foreign: string };

beforeAll(async () => {
  teamId = await setUpTeam(t.stack.api, users);
  otherTeamId = await setUpTeam(t.stack.api, teamUsers(u, 6));
  e.kh = await recordEntity(t.stack.api, teamId, kh, { kind: 'organisation', attributes: { name: 'Huione', type: 'front_company' } });
  e.cnHidden = await recordEntity(t.stack.api, teamId, users.officers.CN, {
    kind: 'person',
    attributes: { name: 'CN source', role: 'witness' },
    handling: { code: 'H1', releasableTo: ['CN'] },
  });
  e.foreign = await recordEntity(t.stack.api, otherTeamId, teamUsers(u, 6).officers.KH, { kind: 'organisation', attributes: { name: 'Other team', type: 'syndicate' } });
});

async function stored() {
  const db = t.stack.database.db;
  const [[entities], [links], [changes]] = await Promise.all([
    db.select({ n: count() }).from(intelEntities).where(eq(intelEntities.teamId, teamId)),
    db.select({ n: count() }).from(intelLinks).where(eq(intelLinks.teamId, teamId)),
    db.select({ n: count() }).from(intelChanges).where(eq(intelChanges.teamId, teamId)),
  ]);
  return { entities: entities.n, links: links.n, changes: changes.n };
}

const entity = (kind: string, attributes: unknown, more: Record<string, unknown> = {}) => ({ ...H0_TEAM, kind, attributes, ...more });
// Ids are known once the fixtures exist: placeholders stand for them.
const link = (more: Record<string, unknown>) => ({ ...H0_TEAM, from: 'placeholder-kh', to: 'placeholder-kh', type: 'owns', ...more });

// [what, path suffix, body, status, code]
const CASES: [string, 'entities' | 'links', unknown, number, string][] = [
  ['an unknown kind', 'entities', entity('weapon', { name: 'AK' }), 400, 'VALIDATION_FAILED'],
  ['a kind without its attributes', 'entities', entity('person', {}), 400, 'VALIDATION_FAILED'],
  ['an attribute the kind does not have', 'entities', entity('phone', { number: '+85512345678', imei: '1' }), 400, 'VALIDATION_FAILED'],
  ['an unknown person role', 'entities', entity('person', { name: 'X', role: 'boss' }), 400, 'VALIDATION_FAILED'],
  ['a location with neither geo nor address', 'entities', entity('location', { type: 'compound' }), 400, 'VALIDATION_FAILED'],
  ['a latitude past the pole', 'entities', entity('location', { type: 'compound', geo: { lat: 91, lon: 0 } }), 400, 'VALIDATION_FAILED'],
  ['a malformed phone', 'entities', entity('phone', { number: '12' }), 400, 'INVALID_IDENTIFIER'],
  ['letters for a phone', 'entities', entity('phone', { number: 'call me' }), 400, 'INVALID_IDENTIFIER'],
  ['an IBAN whose check digits fail', 'entities', entity('account', { type: 'bank', bank: 'B', number: 'GB82 WEST 1234 5698 7654 33', country: 'GB' }), 400, 'INVALID_IDENTIFIER'],
  ['an account number with symbols', 'entities', entity('account', { type: 'bank', bank: 'B', number: '12#34/56', country: 'KH' }), 400, 'INVALID_IDENTIFIER'],
  ['an EVM address of 39 hex digits', 'entities', entity('account', { type: 'crypto', chain: 'eth', address: '0x' + 'a'.repeat(39) }), 400, 'INVALID_IDENTIFIER'],
  ['a bech32 address with a broken checksum', 'entities', entity('account', { type: 'crypto', chain: 'btc', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx' }), 400, 'INVALID_IDENTIFIER'],
  ['a tron address with a 0', 'entities', entity('account', { type: 'crypto', chain: 'tron', address: 'T0' + 'a'.repeat(32) }), 400, 'INVALID_IDENTIFIER'],
  ['an unknown chain', 'entities', entity('account', { type: 'crypto', chain: 'doge', address: 'D' + 'a'.repeat(33) }), 400, 'VALIDATION_FAILED'],
  ['a release to a country outside the team', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { handling: { code: 'H2', releasableTo: ['VN'] } }), 400, 'NOT_A_MEMBER_COUNTRY'],
  ['a release to a country that is no participant', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { handling: { code: 'H2', releasableTo: ['US'] } }), 400, 'VALIDATION_FAILED'],
  ['H3 without its conditions', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { handling: { code: 'H3', releasableTo: 'team' } }), 400, 'VALIDATION_FAILED'],
  ['an unknown handling code', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { handling: { code: 'H4', releasableTo: 'team' } }), 400, 'VALIDATION_FAILED'],
  ['a source grade outside A, B, C, X', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { evaluation: { source: 'D', information: 1 } }), 400, 'VALIDATION_FAILED'],
  ['an information grade of 5', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { evaluation: { source: 'A', information: 5 } }), 400, 'VALIDATION_FAILED'],
  ['an upper-case id', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { id: 'Boss-1' }), 400, 'VALIDATION_FAILED'],
  ['a case that does not exist', 'entities', entity('organisation', { name: 'X', type: 'syndicate' }, { caseId: '00000000-0000-4000-8000-000000000000' }), 404, 'UNKNOWN_CASE'],
  ['an unknown link type', 'links', link({ type: 'funds' }), 400, 'VALIDATION_FAILED'],
  ['a link from an entity to itself', 'links', link({}), 400, 'VALIDATION_FAILED'],
  ['a link to an entity that does not exist', 'links', link({ to: 'no-such-entity' }), 404, 'UNKNOWN_ENTITY'],
  ['a link to an entity the caller may not see', 'links', link({ to: 'placeholder-hidden' }), 404, 'UNKNOWN_ENTITY'],
  ['a link to an entity of another team', 'links', link({ to: 'placeholder-foreign' }), 404, 'UNKNOWN_ENTITY'],
  ['an amount without a currency', 'links', link({ to: 'placeholder-hidden', type: 'paid', amount: 5000 }), 400, 'VALIDATION_FAILED'],
  ['a negative amount', 'links', link({ to: 'placeholder-hidden', type: 'paid', amount: -1, currency: 'USD' }), 400, 'VALIDATION_FAILED'],
  ['until before since', 'links', link({ to: 'placeholder-hidden', since: '2025-05-01', until: '2025-01-01' }), 400, 'VALIDATION_FAILED'],
];

describe('bad records', () => {
  for (const [what, kind, body, status, code] of CASES) {
    it(`${what}: ${status} ${code}, nothing stored`, async () => {
      const resolved = JSON.parse(
        JSON.stringify(body).replaceAll('placeholder-kh', e.kh).replace('placeholder-hidden', e.cnHidden).replace('placeholder-foreign', e.foreign),
      );
      const before = await stored();
      const res = await t.stack.api.post(`/v1/teams/${teamId}/${kind}`, kh, resolved);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.error, JSON.stringify(res.body)).toMatchObject({ code, message: expect.any(String) });
      expect(await stored()).toEqual(before);
    });
  }

  it('an identifier error names the attribute', async () => {
    const res = await t.stack.api.post(`/v1/teams/${teamId}/entities`, kh, entity('phone', { number: '12' }));
    expect(res.body.error.details.issues[0].path).toBe('body.attributes.number');
    expect(() => identifyEntity('account', { type: 'crypto', chain: 'btc', address: 'BC1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }, 'KH', (n) => n)).toThrow(/mixed case/);
  });

  it('a bad handling change changes nothing', async () => {
    const before = await stored();
    for (const handling of [{ code: 'H2', releasableTo: ['VN'] }, { code: 'H3', releasableTo: 'team' }, { code: 'H9', releasableTo: 'team' }, 'H0']) {
      const res = await t.stack.api.call('patch', `/v1/teams/${teamId}/entities/${e.kh}/handling`, { as: kh, body: { handling } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/VALIDATION_FAILED|NOT_A_MEMBER_COUNTRY/);
    }
    expect(await stored()).toEqual(before);
    expect((await t.stack.api.get(`/v1/teams/${teamId}/entities/${e.kh}`, kh)).body.version).toBe(1);
  });

  it('reads without X-Purpose are refused', async () => {
    const res = await t.stack.api.call('get', `/v1/teams/${teamId}/entities/${e.kh}`, { as: kh, purpose: null });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('PURPOSE_REQUIRED');
  });
});

describe('bad teams', () => {
  const TEAMS: [string, Record<string, unknown>][] = [
    ['one country alone', { memberCountries: ['KH'], leadCountry: 'KH' }],
    ['a lead that is no member', { leadCountry: 'VN' }],
    ['a country twice', { memberCountries: ['KH', 'KH', 'CN'] }],
    ['validUntil before validFrom', { validFrom: '2026-05-01', validUntil: '2026-01-01' }],
    ['a date that is no date', { validUntil: '2026-02-30' }],
    ['an operation id that is no UUID', { operationIds: ['op-1'] }],
    ['an unknown field', { budget: 1000 }],
  ];
  for (const [what, overrides] of TEAMS) {
    it(`${what}: 400, no team`, async () => {
      const body = teamBody(overrides);
      const res = await t.stack.api.post('/v1/teams', users.supervisors.KH, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(await t.stack.database.db.select().from(teams).where(eq(teams.id, body.id))).toEqual([]);
    });
  }

  it('a member of an unknown role, or without a name: 400', async () => {
    for (const body of [
      { sub: 'x', name: 'X', country: 'KH', role: 'boss' },
      { sub: 'x', country: 'KH', role: 'analyst' },
    ]) {
      const res = await t.stack.api.post(`/v1/teams/${teamId}/members`, users.supervisors.KH, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});
