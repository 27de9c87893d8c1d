// The zero-setup case store: the same committed migrations and queries on embedded PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROTECT } from './helpers/api.js';
import { getCaseDetail, listCaseEvents } from '../db/case-detail.js';
import { listCases } from '../db/case-list.js';
import { insertIntakes } from '../db/intake.js';
import { applyCaseChange } from '../db/projection.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { getStats } from '../db/stats.js';
import { DEFAULT_TIMINGS, initialCaseSnapshot, type CaseWorkflowInput } from '../workflows/definitions.js';

let dir: string;
let database: Database;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pglite-'));
  database = await openDatabase({ embeddedDir: dir });
  await migrate(database);
  await migrate(database); // a second start finds its migrations applied
});
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded case store', () => {
  it('records, updates and reads a case exactly as PostgreSQL does', async () => {
    expect(database.kind).toBe('pglite');
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
    expect([...(await insertIntakes(database.db, [input], TEST_PROTECT))]).toEqual([input.caseId]);
    await applyCaseChange(database.db, {
      caseId: input.caseId,
      holdingCountry: 'KH',
      seq: 1,
      snapshot: { ...initialCaseSnapshot(input), status: 'APPROVAL_PENDING', destinationCountry: 'CN' },
      event: { type: 'IDENTITY_CONFIRMED', fromStatus: 'IDENTITY_PENDING', toStatus: 'APPROVAL_PENDING', actor: null, reason: null, data: null, at: '2025-10-15T00:00:00.000Z' },
      identityCheck: { result: 'confirmed', claimedNationality: 'CN', verifiedNationality: 'CN', method: 'biometric', evidenceRef: null, notes: null, by: 'cn-officer', at: '2025-10-15T00:00:00.000Z' },
    });
    const detail = await getCaseDetail(database.db, input.caseId, TEST_PROTECT);
    expect(detail).toMatchObject({
      status: 'APPROVAL_PENDING',
      destinationCountry: 'CN',
      person: { fullName: 'Wang Lei', documents: [{ number: 'E12345678' }] },
      identity: { result: 'confirmed', by: 'cn-officer', at: '2025-10-15T00:00:00.000Z' },
      identityChecks: 1,
      createdAt: '2025-10-14T05:00:00.000Z',
    });
    expect((await listCaseEvents(database.db, input.caseId, null)).map((e) => e.type)).toEqual(['CASE_OPENED', 'IDENTITY_CONFIRMED']);
    expect((await listCases(database.db, { filters: { status: 'APPROVAL_PENDING' }, scopeCountry: 'CN', limit: 10 })).items).toHaveLength(1);
    expect((await getStats(database.db, null)).byStatus).toEqual({ APPROVAL_PENDING: 1 });
  });
});
