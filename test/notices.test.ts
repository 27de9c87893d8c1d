// Hit notices on a real stack (Temporal dev server, PostgreSQL): a search or a new record of one
// member country that matches a record hidden from it answers only "a partner holds a match"; the
// originating country alone gets a notice (inbox, and the channels' change feed); document numbers
// are stored and matched by their keyed hash only; the originator's supervisor releases the record
// to the searcher's country with one decision, through the release-request workflow.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { lastChangeId, visibleTeamChanges } from '../db/intel-feed.js';
import type { Actor } from '../workflows/definitions.js';
import type { Api } from './helpers/api.js';
import { makeUsers } from './helpers/fixtures.js';
import { recordEntity, setUpTeam, teamUsers } from './helpers/intel.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
const t = useStack(u, { ownDatabase: true });

/** A team of CN, KH and TH with every supervisor a member too. */
async function team(api: Api, n: number) {
  const users = teamUsers(u, n);
  const teamId = await setUpTeam(api, users);
  for (const country of ['CN', 'TH'] as const) {
    const s = users.supervisors[country];
    expect((await api.post(`/v1/teams/${teamId}/members`, s, { sub: s.sub, name: s.name, country, role: 'liaison' })).status).toBe(201);
  }
  return { users, teamId };
}

/** Released by KH to CN alone: TH does not see it. */
const KH_CN_ONLY = { handling: { code: 'H2', releasableTo: ['CN'] }, evaluation: { source: 'B', information: 2 } };

const search = (api: Api, teamId: string, by: Actor, q: string) => api.get(`/v1/teams/${teamId}/entities?q=${encodeURIComponent(q)}`, by);
const notices = (api: Api, teamId: string, by: Actor, query = '') => api.get(`/v1/teams/${teamId}/notices${query}`, by);
const release = (api: Api, teamId: string, nid: string, by: Actor) => api.post(`/v1/teams/${teamId}/notices/${nid}/release`, by, {});

describe('hit notices', () => {
  it('a search and a recording that hit a hidden phone, account or wallet: one notice each, for the originator only', async () => {
    const api = t.stack.api;
    const db = t.stack.database.db;
    const { users, teamId } = await team(api, 1);
    const after = await lastChangeId(db);
    const KH = users.officers.KH;
    const TH = users.officers.TH;
    const phone = await recordEntity(api, teamId, KH, { ...KH_CN_ONLY, kind: 'phone', attributes: { number: '+855 12 345 601' } });
    const account = await recordEntity(api, teamId, KH, { ...KH_CN_ONLY, kind: 'account', attributes: { type: 'bank', bank: 'ACLEDA', number: 'KH-7101 2345 678', country: 'KH' } });
    const wallet = await recordEntity(api, teamId, KH, {
      ...KH_CN_ONLY,
      kind: 'account',
      attributes: { type: 'crypto', chain: 'eth', address: '0x52908400098527886E0F7030069857D2E4169EE7' },
    });
    const thBefore = (await api.get(`/v1/teams/${teamId}`, TH)).body;

    // Each identifier as another hand would type it: national phone format, spaced account, wallet in lower case.
    for (const q of ['+855 12-345-601', 'kh71012345678', '0x52908400098527886e0f7030069857d2e4169ee7']) {
      const found = await search(api, teamId, TH, q);
      expect(found.status).toBe(200);
      expect([q, found.body.items, found.body.total, found.body.partnerMatch]).toEqual([q, [], 0, true]);
    }
    // CN sees the records: its search finds them and is no hit.
    expect((await search(api, teamId, users.officers.CN, '+855 12-345-601')).body).toMatchObject({ total: 1, partnerMatch: false });
    // Recording the same phone: 409, and a notice.
    const dup = await api.post(`/v1/teams/${teamId}/entities`, TH, { ...KH_CN_ONLY, handling: { code: 'H0', releasableTo: 'team' }, kind: 'phone', attributes: { number: '+85512345601' } });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'PARTNER_HOLDS_MATCH']);
    expect(JSON.stringify(dup.body)).not.toContain(phone);

    const inbox = await notices(api, teamId, KH);
    expect(inbox.status).toBe(200);
    // Newest first: the recording, then the three searches in reverse.
    expect(inbox.body.items.map((n: any) => [n.entityId, n.searcherCountry, n.how, n.identifierKinds, n.released, n.record?.id])).toEqual([
      [phone, 'TH', 'record', ['phone'], false, phone],
      [wallet, 'TH', 'search', ['wallet'], false, wallet],
      [account, 'TH', 'search', ['account'], false, account],
      [phone, 'TH', 'search', ['phone'], false, phone],
    ]);
    expect(inbox.body.nextCursor).toBeNull();
    // Paged like other lists.
    const first = await notices(api, teamId, KH, '?limit=3');
    expect(first.body.items).toHaveLength(3);
    const rest = await notices(api, teamId, KH, `?limit=3&cursor=${first.body.nextCursor}`);
    expect([...first.body.items, ...rest.body.items].map((n: any) => n.id)).toEqual(inbox.body.items.map((n: any) => n.id));
    expect(rest.body.nextCursor).toBeNull();

    // The searcher's country and the third country: no notice in any read.
    for (const who of [TH, users.supervisors.TH, users.officers.CN, users.supervisors.CN]) {
      expect((await notices(api, teamId, who)).body.items).toEqual([]);
    }
    expect((await api.get(`/v1/teams/${teamId}`, TH)).body).toEqual(thBefore);
    const sent = async (country: string) => (await visibleTeamChanges(db, { teamId, country, afterId: after, limit: 1000 })).events.filter((e) => e.recordKind === 'notice');
    expect(await sent('TH')).toEqual([]);
    expect(await sent('CN')).toEqual([]);
    const toKh = await sent('KH');
    expect(toKh.map((e) => [e.recordId, e.change?.entityId, e.change?.searcherCountry])).toEqual(
      [...inbox.body.items].reverse().map((n: any) => [n.id, n.entityId, 'TH']),
    );
    expect(toKh.every((e) => e.change?.audience === undefined)).toBe(true);
  });

  it('a document number is stored and matched by its keyed hash alone; the clear number is in no answer and not in the database', async () => {
    const api = t.stack.api;
    const db = t.stack.database.db;
    const { users, teamId } = await team(api, 2);
    const number = `E${Date.now()}`.slice(0, 12);
    const answers: unknown[] = [];
    const keep = <T extends { body: unknown }>(a: T) => (answers.push(a.body), a);

    const made = keep(
      await api.post(`/v1/teams/${teamId}/entities`, users.officers.KH, {
        ...KH_CN_ONLY,
        kind: 'person',
        attributes: { name: 'Li Wei', role: 'recruiter', documents: [{ type: 'passport', number: `${number.slice(0, 4)} ${number.slice(4)}`, issuingCountry: 'CN' }] },
      }),
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const person = made.body.id as string;
    const hash = made.body.attributes.documents[0].numberHash as string;
    expect(made.body.attributes.documents).toEqual([{ type: 'passport', issuingCountry: 'CN', numberHash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(made.body.identifiers).toContainEqual({ kind: 'document', value: hash });
    expect(made.body.partnerMatch).toBeUndefined();

    // CN sees the record: found by the number, however written.
    const cn = keep(await search(api, teamId, users.officers.CN, number.toLowerCase()));
    expect(cn.body.items.map((e: any) => e.id)).toEqual([person]);
    // TH may not: a partner holds a match, nothing more.
    const th = keep(await search(api, teamId, users.officers.TH, `${number.slice(0, 3)}-${number.slice(3)}`));
    expect([th.body.items, th.body.total, th.body.partnerMatch]).toEqual([[], 0, true]);
    // TH records a person with the same passport: recorded (persons are not one by their documents), and a hit.
    const thPerson = keep(
      await api.post(`/v1/teams/${teamId}/entities`, users.officers.TH, {
        handling: { code: 'H2', releasableTo: ['TH'] },
        evaluation: { source: 'C', information: 3 },
        kind: 'person',
        attributes: { name: 'Lee Way', role: 'operative', documents: [{ type: 'passport', number, issuingCountry: 'CN' }] },
      }),
    );
    expect(thPerson.status).toBe(201);
    expect(thPerson.body.partnerMatch).toBe(true);
    expect(JSON.stringify(thPerson.body)).not.toContain(person);

    const inbox = keep(await notices(api, teamId, users.officers.KH));
    expect(inbox.body.items.map((n: any) => [n.entityId, n.searcherCountry, n.how, n.identifierKinds])).toEqual([
      [person, 'TH', 'record', ['document']],
      [person, 'TH', 'search', ['document']],
    ]);
    // Only the searcher's record was a hit: KH is not told of TH's own record, and CN's search was none.
    expect((await notices(api, teamId, users.officers.TH)).body.items).toEqual([]);
    for (const e of [person, thPerson.body.id]) {
      keep(await api.get(`/v1/teams/${teamId}/entities/${e}`, e === person ? users.officers.KH : users.officers.TH));
      keep(await api.get(`/v1/teams/${teamId}/entities/${e}/history`, e === person ? users.officers.KH : users.officers.TH));
    }
    for (const body of answers) expect(JSON.stringify(body)).not.toContain(number);

    // No table holds the number in clear (the database is this file's own).
    const tables = (await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    )) as unknown as { table_name: string }[];
    expect(tables.length).toBeGreaterThan(10);
    for (const { table_name } of tables) {
      const rows = (await db.execute(sql`select count(*)::int as n from ${sql.identifier(table_name)} t where t::text ilike ${`%${number}%`}`)) as unknown as { n: number }[];
      expect([table_name, rows[0].n]).toEqual([table_name, 0]);
    }
  });

  it("release: one decision by the originator's supervisor shows the record to the searcher's country and changes nothing else; a repeat changes nothing", async () => {
    const api = t.stack.api;
    const { users, teamId } = await team(api, 3);
    const KH = users.officers.KH;
    const TH = users.officers.TH;
    const phone = await recordEntity(api, teamId, KH, { ...KH_CN_ONLY, kind: 'phone', attributes: { number: '+855 12 345 603' } });
    const other = await recordEntity(api, teamId, KH, { ...KH_CN_ONLY, kind: 'phone', attributes: { number: '+855 12 345 604' } });
    expect((await search(api, teamId, TH, '+85512345603')).body.partnerMatch).toBe(true);
    const [notice] = (await notices(api, teamId, KH)).body.items;
    expect(notice.entityId).toBe(phone);

    // Not an officer, not another country's supervisor; not a made-up notice.
    expect((await release(api, teamId, notice.id, KH)).status).toBe(403);
    for (const who of [users.supervisors.TH, users.supervisors.CN]) {
      const r = await release(api, teamId, notice.id, who);
      expect([r.status, r.body.error.code]).toEqual([404, 'NOT_FOUND']);
    }
    expect((await release(api, teamId, '00000000-0000-4000-8000-000000000000', users.supervisors.KH)).status).toBe(404);
    expect((await api.get(`/v1/teams/${teamId}/entities/${phone}`, TH)).status).toBe(404);

    const released = await release(api, teamId, notice.id, users.supervisors.KH);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ id: notice.id, entityId: phone, released: true, releaseRequestId: `hit-${notice.id}` });

    const seen = await api.get(`/v1/teams/${teamId}/entities/${phone}`, TH);
    expect(seen.status).toBe(200);
    expect(seen.body.handling).toEqual({ code: 'H2', releasableTo: ['CN', 'TH'], conditions: null });
    // Through the release-request workflow: the request is consented, and the history names it.
    const request = await api.get(`/v1/teams/${teamId}/release-requests/${released.body.releaseRequestId}`, users.supervisors.KH);
    expect(request.body).toMatchObject({ status: 'consented', requesterCountry: 'TH', releaseTo: 'TH', originCountry: 'KH', record: { kind: 'entity', id: phone } });
    const history = async () => (await api.get(`/v1/teams/${teamId}/entities/${phone}/history`, KH)).body.items;
    const after = await history();
    expect(after.map((c: any) => [c.version, c.what.action, c.actorSub, c.what.consent ?? null])).toEqual([
      [1, 'create', KH.sub, null],
      [2, 'handling.change', users.supervisors.KH.sub, { releaseRequestId: `hit-${notice.id}`, requesterCountry: 'TH', releaseTo: 'TH' }],
    ]);
    // Nothing else: the other record stays hidden from TH, CN sees what it saw.
    expect((await api.get(`/v1/teams/${teamId}/entities/${other}`, TH)).status).toBe(404);
    expect((await api.get(`/v1/teams/${teamId}/entities/${other}`, users.officers.CN)).body.version).toBe(1);
    expect((await notices(api, teamId, KH)).body.items.map((n: any) => [n.id, n.released])).toEqual([[notice.id, true]]);

    // A second release: 200, nothing new.
    const again = await release(api, teamId, notice.id, users.supervisors.KH);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: notice.id, released: true, releaseRequestId: null });
    expect(await history()).toEqual(after);
    expect((await api.get(`/v1/teams/${teamId}/release-requests`, users.supervisors.KH)).body.items.map((r: any) => r.id)).toEqual([`hit-${notice.id}`]);
  });

  it('a pending release request for the record and country is decided through its workflow, not written beside it', async () => {
    const api = t.stack.api;
    const { users, teamId } = await team(api, 4);
    const account = await recordEntity(api, teamId, users.officers.KH, {
      ...KH_CN_ONLY,
      kind: 'account',
      attributes: { type: 'bank', bank: 'ACLEDA', number: 'KH-7104 2345 678', country: 'KH' },
    });
    expect((await search(api, teamId, users.officers.TH, 'KH71042345678')).body.partnerMatch).toBe(true);
    const asked = await api.post(`/v1/teams/${teamId}/release-requests`, users.officers.TH, {
      identifier: { kind: 'account', value: 'kh 7104 2345 678' },
      reason: 'the account paid our recruiters',
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(201);
    const [notice] = (await notices(api, teamId, users.officers.KH)).body.items;

    const released = await release(api, teamId, notice.id, users.supervisors.KH);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body.releaseRequestId).toBe(asked.body.id);
    expect((await api.get(`/v1/teams/${teamId}/release-requests/${asked.body.id}`, users.officers.TH)).body.status).toBe('consented');
    expect((await api.get(`/v1/teams/${teamId}/release-requests`, users.supervisors.KH)).body.items.map((r: any) => [r.id, r.status])).toEqual([[asked.body.id, 'consented']]);
    const history = (await api.get(`/v1/teams/${teamId}/entities/${account}/history`, users.officers.TH)).body.items;
    expect(history.at(-1).what.consent).toEqual({ releaseRequestId: asked.body.id, requesterCountry: 'TH', releaseTo: 'TH' });
    // The request's own decision route now finds it decided.
    const late = await api.post(`/v1/teams/${teamId}/release-requests/${asked.body.id}/decision`, users.supervisors.KH, { decision: 'refuse' });
    expect(late.body.error.code).toBe('WRONG_STAGE');
  });
});
