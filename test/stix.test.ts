// STIX 2.1 export and import (DESIGN §6): every exported bundle passes the OASIS validator
// (stix2-validator 3.2.0) and parses with the `stix2` library, installed into .data/tools/stix on
// first use; each country's export holds exactly what it may see (the network of README "A network
// with curl"); export → import into another team → export gives the same objects; bad bundles 400.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../db/schema.js';
import { ensureStixTools } from '../scripts/install-stix-tools.js';
import type { Actor } from '../workflows/definitions.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, recordLink, setUpTeam, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';

const run = promisify(execFile);
const u = makeUsers();
const t = useStack(u);
const users = teamUsers(u, 4);
const { KH, CN, TH } = users.officers;

type Obj = Record<string, any> & { type: string; id: string };

const VALIDATE = `
import json, sys
import stix2
from stix2validator import ValidationOptions, validate_string
text = sys.stdin.read()
result = validate_string(text, ValidationOptions(version="2.1"))
errors = [f"{o.object_id}: {e}" for o in getattr(result, "object_results", [result]) for e in o.errors]
try:
    stix2.parse(text, allow_custom=True)
    parsed = None
except Exception as err:
    parsed = str(err)
print(json.dumps({"valid": result.is_valid, "errors": errors, "parseError": parsed}))
`;

let python: string;

/** The OASIS validator's verdict on a bundle, and stix2.parse (which throws on what it cannot read). */
async function validate(bundle: unknown): Promise<{ valid: boolean; errors: string[]; parseError: string | null }> {
  const child = run(python, ['-c', VALIDATE], { maxBuffer: 64 * 1024 * 1024 });
  child.child.stdin!.end(JSON.stringify(bundle));
  const { stdout } = await child;
  return JSON.parse(stdout);
}

let teamA: string;
let teamB: string;
let teamC: string;
const ids: Record<string, string> = {};

async function exportOf(teamId: string, as: Actor): Promise<{ id: string; objects: Obj[] }> {
  const res = await t.stack.api.call('get', `/v1/teams/${teamId}/export?format=stix`, { as, purpose: 'STIX export (test)' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const records = (bundle: { objects: Obj[] }) => bundle.objects.filter((o) => o.type !== 'marking-definition' && !o.x_repat_agency_of);
const label = (o: Obj) => o.name ?? o.street_address ?? o.account_number ?? o.value ?? o.account_login ?? o.address ?? o.plate ?? o.relationship_type;

beforeAll(async () => {
  python = await ensureStixTools();
  const api = t.stack.api;
  teamA = await setUpTeam(api, users);
  teamB = await setUpTeam(api, users);
  teamC = await setUpTeam(api, users);
  // The README's network, and one record of every other kind.
  ids.compound = await recordEntity(api, teamA, KH, {
    kind: 'location',
    attributes: { name: 'Chrey Thom compound', type: 'compound', geo: { lat: 11.0, lon: 105.03 }, country: 'KH' },
  });
  ids.boss = await recordEntity(api, teamA, KH, {
    kind: 'person',
    attributes: { name: 'Chen Zhi', role: 'organiser', nationality: 'CN', documents: [{ type: 'passport', number: 'E12345678', issuingCountry: 'CN' }] },
    handling: { code: 'H1', releasableTo: ['CN'] },
    evaluation: { source: 'A', information: 2 },
  });
  ids.muleA = await recordEntity(api, teamA, KH, { kind: 'account', attributes: { type: 'bank', bank: 'ACLEDA', number: '0001-2345 6789', country: 'KH' } });
  ids.muleB = await recordEntity(api, teamA, TH, {
    kind: 'account',
    attributes: { type: 'e_wallet', provider: 'TrueMoney', number: '081 234 5678', country: 'TH' },
    handling: { code: 'H2', releasableTo: ['KH'] },
    evaluation: { source: 'B', information: 3 },
  });
  ids.payment = await recordLink(api, teamA, TH, { from: ids.muleA, to: ids.muleB, type: 'paid', amount: 48000, currency: 'USD', since: '2025-09-14' });
  ids.bossRuns = await recordLink(api, teamA, KH, {
    from: ids.boss,
    to: ids.compound,
    type: 'operates_from',
    handling: { code: 'H1', releasableTo: ['CN'] },
    evaluation: { source: 'A', information: 2 },
  });
  ids.syndicate = await recordEntity(api, teamA, KH, { kind: 'organisation', attributes: { name: 'Prince network', type: 'syndicate', aliases: ['PN'] } });
  ids.front = await recordEntity(api, teamA, KH, { kind: 'organisation', attributes: { name: 'Golden Fortune Ltd', type: 'front_company', country: 'KH' } });
  ids.safehouse = await recordEntity(api, teamA, KH, {
    kind: 'location',
    attributes: { type: 'safehouse', address: 'Street 271, Phnom Penh' },
    handling: { code: 'H3', releasableTo: 'team', conditions: 'not before the raid of 1 November' },
  });
  ids.phone = await recordEntity(api, teamA, KH, { kind: 'phone', attributes: { number: '+855 12 345 678' } });
  ids.handle = await recordEntity(api, teamA, KH, { kind: 'online_identity', attributes: { platform: 'telegram', handle: '@kandal_boss', displayName: 'Boss' } });
  ids.wallet = await recordEntity(api, teamA, KH, { kind: 'account', attributes: { type: 'crypto', chain: 'tron', address: 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf' } });
  ids.car = await recordEntity(api, teamA, KH, { kind: 'vehicle', attributes: { plate: '2A-1234', country: 'KH', make: 'Toyota', colour: 'white' } });
  ids.victim = await recordEntity(api, teamA, KH, { kind: 'person', attributes: { name: 'Li Wei', role: 'victim' } });
  ids.victimCn = await recordEntity(api, teamA, KH, { kind: 'person', attributes: { name: 'Hu Jun', role: 'victim' }, handling: { code: 'H0', releasableTo: ['CN'] } });
  ids.uses = await recordLink(api, teamA, KH, { from: ids.boss, to: ids.phone, type: 'uses', since: '2025-01-01', until: '2025-01-01' });
  ids.leads = await recordLink(api, teamA, KH, { from: ids.boss, to: ids.syndicate, type: 'leads', handling: { code: 'H0', releasableTo: 'team' }, evaluation: { source: 'X', information: 4 } });
});

describe('GET /v1/teams/:id/export?format=stix', () => {
  it("gives each country a valid STIX 2.1 bundle of exactly what it may see, with TLP 2.0 and handling markings, and no document", async () => {
    const seen: Record<string, string[]> = {};
    for (const [country, as] of [['KH', KH], ['CN', CN], ['TH', TH]] as const) {
      const bundle = await exportOf(teamA, as);
      const verdict = await validate(bundle);
      expect(verdict, `${country}: ${verdict.errors.join('\n')}`).toEqual({ valid: true, errors: [], parseError: null });
      seen[country] = records(bundle).map(label).sort();
      const text = JSON.stringify(bundle);
      expect(text).not.toMatch(/numberHash|E12345678|passport|documents/i);
    }
    // The validator does refuse: the same bundle with a relationship that lost its relationship_type.
    const broken = await exportOf(teamA, KH);
    delete broken.objects.find((o) => o.type === 'relationship')!.relationship_type;
    expect(await validate(broken)).toMatchObject({ valid: false, parseError: expect.stringContaining('relationship_type') });
    const always = ['2A1234', 'kandal_boss', 'Chrey Thom compound', 'Golden Fortune Ltd', 'Prince network', 'TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf', '+85512345678', '000123456789'];
    // Written out from the rules: the boss and his links only to KH and CN; mule-b and the payment only to KH and TH; the victim released to the team only to KH, the one released to CN by name to KH and CN.
    expect(seen.KH).toEqual([...always, 'Chen Zhi', 'Hu Jun', 'Li Wei', '0812345678', 'Street 271, Phnom Penh', 'leads', 'operates-from', 'paid', 'uses'].sort());
    expect(seen.CN).toEqual([...always, 'Chen Zhi', 'Hu Jun', 'Street 271, Phnom Penh', 'leads', 'operates-from', 'uses'].sort());
    expect(seen.TH).toEqual([...always, '0812345678', 'Street 271, Phnom Penh', 'paid'].sort());
  });

  it('maps kinds, handling and evaluation as documented, and gives the same ids twice', async () => {
    const first = await exportOf(teamA, KH);
    const again = await exportOf(teamA, KH);
    expect(again).toEqual(first);
    const byLabel = new Map(records(first).map((o) => [label(o), o]));
    const boss = byLabel.get('Chen Zhi')!;
    expect(boss).toMatchObject({ type: 'identity', identity_class: 'individual', roles: ['organiser'], confidence: 70, x_repat_source_reliability: 'A', x_repat_information_credibility: 2 });
    const markings = new Map(first.objects.filter((o) => o.type === 'marking-definition').map((o) => [o.id, o]));
    const bossMarkings = (boss.object_marking_refs as string[]).map((r) => markings.get(r)!);
    expect(bossMarkings.map((m) => m.name).sort()).toEqual(['H1 releasable to CN', 'TLP:AMBER']);
    expect(bossMarkings.find((m) => m.x_repat_handling_code)).toMatchObject({ x_repat_handling_code: 'H1', x_repat_releasable_to: ['CN'], definition_type: 'statement' });
    expect(byLabel.get('Prince network')!.type).toBe('intrusion-set');
    expect(byLabel.get('Golden Fortune Ltd')).toMatchObject({ type: 'identity', identity_class: 'organization' });
    expect(byLabel.get('Chrey Thom compound')).toMatchObject({ type: 'location', latitude: 11, longitude: 105.03, country: 'KH' });
    expect(byLabel.get('kandal_boss')).toMatchObject({ type: 'user-account', x_repat_platform: 'telegram', display_name: 'Boss' });
    expect(byLabel.get('000123456789')!.type).toBe('x-repat-bank-account');
    expect(byLabel.get('+85512345678')!.type).toBe('x-repat-phone-number');
    const safehouse = byLabel.get('Street 271, Phnom Penh')!;
    const red = (safehouse.object_marking_refs as string[]).map((r) => markings.get(r)!);
    expect(red.map((m) => m.id)).toContain('marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1');
    expect(red.find((m) => m.x_repat_handling_code)).toMatchObject({ x_repat_handling_code: 'H3', x_repat_conditions: 'not before the raid of 1 November' });
    const paid = byLabel.get('paid')!;
    expect(paid).toMatchObject({ source_ref: byLabel.get('000123456789')!.id, target_ref: byLabel.get('0812345678')!.id, start_time: '2025-09-14T00:00:00.000Z', x_repat_amount: '48000', x_repat_currency: 'USD' });
  });

  it('records each export as a read, a disclosure to the caller for records of another country', async () => {
    await exportOf(teamA, CN);
    const entries = await t.stack.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.actorSub, CN.sub), eq(auditLog.action, 'intel.stix.export')));
    expect(entries.length).toBeGreaterThan(0);
    const last = entries.at(-1)!;
    expect(last.recipientCountry).toBe('CN');
    expect(last.purpose).toBe('STIX export (test)');
    expect(last.objectIds).toEqual(expect.arrayContaining([ids.boss, ids.bossRuns, ids.compound]));
    expect(last.objectIds).not.toContain(ids.muleB);
    expect(last.objectIds).not.toContain(ids.victim);
  });

  it('answers 400 without X-Purpose or with another format, and 404 to a non-member', async () => {
    const api = t.stack.api;
    const noPurpose = await api.call('get', `/v1/teams/${teamA}/export?format=stix`, { as: KH, purpose: null });
    expect(noPurpose.status).toBe(400);
    expect(noPurpose.body.error.code).toBe('PURPOSE_REQUIRED');
    const csv = await api.get(`/v1/teams/${teamA}/export?format=csv`, KH);
    expect(csv.status).toBe(400);
    expect(csv.body.error.code).toBe('VALIDATION_FAILED');
    expect((await api.get(`/v1/teams/${teamA}/export?format=stix`, u.vnOfficer)).status).toBe(404);
  });
});

describe('POST /v1/teams/:id/import', () => {
  it('export → import into another team → export gives the same objects; the same bundle twice creates nothing', async () => {
    const api = t.stack.api;
    const exported = await exportOf(teamA, KH);
    const first = await api.post(`/v1/teams/${teamB}/import`, KH, exported);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const outcome = (stixId: string) => first.body.results.find((r: { stixId: string }) => r.stixId === stixId);
    const byLabel = new Map(records(exported).map((o) => [label(o), o]));
    // Thailand's H2 e-wallet goes no further than Cambodia: refused, and so the payment to it.
    expect(outcome(byLabel.get('0812345678')!.id)).toMatchObject({ outcome: 'rejected', error: { code: 'HANDLING_FORBIDS' } });
    expect(outcome(byLabel.get('paid')!.id)).toMatchObject({ outcome: 'rejected', error: { code: 'UNKNOWN_ENTITY' } });
    const own = records(exported).filter((o) => o.x_repat_origin_country === 'KH');
    expect(first.body).toMatchObject({ created: own.length, unchanged: 0, rejected: 2 });

    const again = await api.post(`/v1/teams/${teamB}/import`, KH, exported);
    expect(again.body).toMatchObject({ created: 0, unchanged: own.length, rejected: 2 });

    const reexported = await exportOf(teamB, KH);
    expect(await validate(reexported)).toEqual({ valid: true, errors: [], parseError: null });
    const timeless = (o: Obj) => {
      const { created, modified, ...rest } = o;
      return rest;
    };
    const sortById = (list: Obj[]) => [...list].sort((a, b) => a.id.localeCompare(b.id)).map(timeless);
    expect(sortById(records(reexported))).toEqual(sortById(own));
  });

  it("takes another country's records only as released to the whole team at H0 or H1: never a named release, an H2 or H3, or a victim", async () => {
    const api = t.stack.api;
    const exported = await exportOf(teamA, CN);
    const res = await api.post(`/v1/teams/${teamC}/import`, CN, exported);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byLabel = new Map(records(exported).map((o) => [label(o), o]));
    const outcome = (name: string) => {
      const r = res.body.results.find((x: { stixId: string }) => x.stixId === byLabel.get(name)!.id);
      return r.error ? `${r.error.code}: ${r.error.message}` : r.outcome;
    };
    expect(outcome('Chen Zhi')).toBe('HANDLING_FORBIDS: released by KH to named countries only: a wider use needs the consent of the originator');
    expect(outcome('Hu Jun')).toBe('HANDLING_FORBIDS: a victim recorded by KH is shared only by its originator');
    expect(outcome('Street 271, Phnom Penh')).toBe('HANDLING_FORBIDS: H3 of KH: not disseminated further without the consent of the originator');
    expect(outcome('operates-from')).toMatch(/^HANDLING_FORBIDS/);
    expect(outcome('Chrey Thom compound')).toBe('created');
    expect(outcome('leads')).toBe('UNKNOWN_ENTITY: the relationship\'s source_ref is no entity of this team or bundle');
    const compound = res.body.results.find((x: { stixId: string }) => x.stixId === byLabel.get('Chrey Thom compound')!.id);
    const recorded = await api.get(`/v1/teams/${teamC}/entities/${compound.recordId}`, CN);
    expect(recorded.body).toMatchObject({ originCountry: 'CN', handling: { code: 'H0', releasableTo: 'team' }, attributes: { name: 'Chrey Thom compound' } });
  });

  it('takes objects from another system by their TLP marking, and rejects per object what makes no valid record', async () => {
    const api = t.stack.api;
    const uuid = () => crypto.randomUUID();
    const person = `identity--${uuid()}`;
    const bundle = {
      type: 'bundle',
      id: `bundle--${uuid()}`,
      objects: [
        { type: 'identity', spec_version: '2.1', id: person, created: '2025-10-01T00:00:00.000Z', modified: '2025-10-01T00:00:00.000Z', name: 'Wang Yibo', identity_class: 'individual', roles: ['recruiter'], confidence: 85, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] },
        { type: 'identity', spec_version: '2.1', id: `identity--${uuid()}`, created: '2025-10-01T00:00:00.000Z', modified: '2025-10-01T00:00:00.000Z', name: 'Nobody', identity_class: 'individual', roles: ['recruiter'] },
        { type: 'identity', spec_version: '2.1', id: `identity--${uuid()}`, created: '2025-10-01T00:00:00.000Z', modified: '2025-10-01T00:00:00.000Z', name: 'Odd', identity_class: 'individual', roles: ['astronaut'], object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] },
        { type: 'indicator', spec_version: '2.1', id: `indicator--${uuid()}`, created: '2025-10-01T00:00:00.000Z', modified: '2025-10-01T00:00:00.000Z', pattern: "[ipv4-addr:value = '1.2.3.4']", pattern_type: 'stix', valid_from: '2025-10-01T00:00:00Z' },
        { type: 'relationship', spec_version: '2.1', id: `relationship--${uuid()}`, created: '2025-10-01T00:00:00.000Z', modified: '2025-10-01T00:00:00.000Z', relationship_type: 'member-of', source_ref: person, target_ref: `identity--${uuid()}`, object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'] },
      ],
    };
    const res = await api.post(`/v1/teams/${teamB}/import`, CN, bundle);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.results.map((r: { outcome: string; error?: { code: string } }) => r.error?.code ?? r.outcome)).toEqual([
      'created',
      'NO_HANDLING',
      'VALIDATION_FAILED',
      'UNSUPPORTED_OBJECT',
      'UNKNOWN_ENTITY',
    ]);
    const recorded = await api.get(`/v1/teams/${teamB}/entities/${res.body.results[0].recordId}`, CN);
    expect(recorded.body).toMatchObject({
      kind: 'person',
      originCountry: 'CN',
      attributes: { name: 'Wang Yibo', role: 'recruiter' },
      handling: { code: 'H0', releasableTo: 'team' },
      evaluation: { source: 'X', information: 1 },
    });
  });

  it('answers 400 to what is not a bundle, 404 to a non-member, 403 to an auditor', async () => {
    const api = t.stack.api;
    for (const body of [{ type: 'report', id: `bundle--${crypto.randomUUID()}`, objects: [] }, { type: 'bundle', id: 'bundle--x', objects: [] }, { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: {} }, [1, 2]]) {
      const res = await api.post(`/v1/teams/${teamB}/import`, KH, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const malformed = await api.call('post', `/v1/teams/${teamB}/import`, { as: KH, raw: '{"type": "bundle", ' });
    expect(malformed.status).toBe(400);
    const bundle = { type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [] };
    expect((await api.post(`/v1/teams/${teamB}/import`, u.vnOfficer, bundle)).status).toBe(404);
    expect((await api.post(`/v1/teams/${teamB}/import`, u.user('auditor', 'KH'), bundle)).status).toBe(403);
  });
});

