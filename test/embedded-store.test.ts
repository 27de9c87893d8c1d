// The zero-setup case store: the same committed migrations and queries on embedded PGlite.
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROTECT } from './helpers/api.js';
import { useEmbeddedDatabase } from './helpers/embedded-db.js';
import { getCaseDetail, listCaseEvents } from '../db/case-detail.js';
import { listCases } from '../db/case-list.js';
import { insertIntakes } from '../db/intake.js';
import { applyCaseChange } from '../db/projection.js';
import { migrate } from '../db/migrate.js';
import { getStats } from '../db/stats.js';
import { countVisible, insertEntity, insertLink, searchEntities, visibleLinksOf } from '../db/intel.js';
import { insertTeam, markTeamExpired, teamHistory } from '../db/teams.js';
import { DEFAULT_TIMINGS, initialCaseSnapshot, type CaseWorkflowInput } from '../workflows/definitions.js';

const store = useEmbeddedDatabase('pglite-');
beforeAll(async () => {
  await migrate(store.database); // a second start finds its migrations applied
});

describe('embedded case store', () => {
  it('records, updates and reads a case exactly as PostgreSQL does', async () => {
    expect(store.database.kind).toBe('pglite');
    const input: CaseWorkflowInput = {
      caseId: '6f1c1d2e-3a4b-5c6d-8e9f-0a1b2c3d4e5f',
      openedBy: { sub: 'kh-officer', role: 'officer', country: 'KH' },
      openedAt: '2025-10-14T05:00:00.000Z',
      participatingCountries: ['CN', 'KH'],
      timings: DEFAULT_TIMINGS,
      intake: {
        externalRef: 'KH-PP-2025-000123',
        holdingCountry: 'KH',
        operationId: null,
        legalBasis: 'deportation',
        person: { fullName: 'Wang Lei', claimedNationality: 'CN', documents: [{ type: 'passport', number: 'E12345678', issuingCountry: 'CN' }] },
        arrest: { at: '2025-10-14T03:00:00.000Z', place: 'Chrey Thom, Kandal', allegations: ['telecom_fraud'] },
      },
    };
    expect([...(await insertIntakes(store.database.db, [input], TEST_PROTECT))]).toEqual([input.caseId]);
    await applyCaseChange(store.database.db, {
      caseId: input.caseId,
      holdingCountry: 'KH',
      seq: 1,
      snapshot: { ...initialCaseSnapshot(input), status: 'APPROVAL_PENDING', destinationCountry: 'CN' },
      event: { type: 'IDENTITY_CONFIRMED', fromStatus: 'IDENTITY_PENDING', toStatus: 'APPROVAL_PENDING', actor: null, reason: null, data: null, at: '2025-10-15T00:00:00.000Z' },
      identityCheck: { result: 'confirmed', claimedNationality: 'CN', verifiedNationality: 'CN', method: 'biometric', evidenceRef: null, notes: null, by: 'cn-officer', at: '2025-10-15T00:00:00.000Z' },
    });
    const detail = await getCaseDetail(store.database.db, input.caseId, TEST_PROTECT);
    expect(detail).toMatchObject({
      status: 'APPROVAL_PENDING',
      destinationCountry: 'CN',
      person: { fullName: 'Wang Lei', documents: [{ number: 'E12345678' }] },
      identity: { result: 'confirmed', by: 'cn-officer', at: '2025-10-15T00:00:00.000Z' },
      identityChecks: 1,
      createdAt: '2025-10-14T05:00:00.000Z',
    });
    expect((await listCaseEvents(store.database.db, input.caseId, null)).map((e) => e.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED']);
    expect((await listCases(store.database.db, { filters: { status: 'APPROVAL_PENDING' }, scopeCountry: 'CN', limit: 10 })).items).toHaveLength(1);
    expect((await getStats(store.database.db, null)).byStatus).toEqual({ APPROVAL_PENDING: 1 });
  });

  it('keeps teams and intelligence, and applies their visibility, as PostgreSQL does', async () => {
    const db = store.database.db;
    const kh = { sub: 'kh-supervisor', role: 'supervisor', country: 'KH' } as const;
    await insertTeam(
      db,
      { id: 'jit-embedded', name: 'JIT', leadCountry: 'KH', memberCountries: ['KH', 'CN'], agreementRef: 'A/1', validFrom: '2025-01-01', validUntil: '2025-12-31', operationIds: [] },
      kh,
    );
    const at = '2025-10-14T05:00:00.000Z';
    const record = { teamId: 'jit-embedded', originCountry: 'KH', createdBy: kh.sub, handlingCode: 'H0', evalSource: 'B', evalInformation: 2, version: 1, createdAt: at, updatedAt: at };
    const phone = { ...record, id: 'phone-1', kind: 'phone', attributes: { number: '+85512345678' }, releasableTo: null, identityKey: 'phone:+85512345678' };
    expect((await insertEntity(db, phone, [{ kind: 'phone', value: '+85512345678' }], kh)).outcome).toBe('created');
    expect((await insertEntity(db, { ...phone, id: 'phone-2' }, [], kh)).outcome).toBe('duplicate');
    await insertEntity(db, { ...record, id: 'own-1', kind: 'organisation', attributes: { name: 'X' }, releasableTo: ['KH'] }, [], kh);
    await insertLink(db, { ...record, id: 'link-1', fromId: 'phone-1', toId: 'own-1', type: 'uses', releasableTo: null }, kh);
    expect(await countVisible(db, 'jit-embedded', 'KH')).toEqual({ entities: 2, links: 1 });
    expect(await countVisible(db, 'jit-embedded', 'CN')).toEqual({ entities: 1, links: 0 });
    expect(await visibleLinksOf(db, 'jit-embedded', 'phone-1', 'CN')).toEqual([]);
    const found = await searchEntities(db, { teamId: 'jit-embedded', country: 'CN', q: '+85512345678', forms: ['+85512345678'], limit: 10 });
    expect(found.items.map((e) => e.id)).toEqual(['phone-1']);
    await markTeamExpired(db, 'jit-embedded', '2026-01-01T00:00:00.000Z');
    await markTeamExpired(db, 'jit-embedded', '2026-01-01T00:00:01.000Z');
    expect((await teamHistory(db, 'jit-embedded')).map((c) => c.what.action)).toEqual(['team.create', 'team.expire']);
  });
});
