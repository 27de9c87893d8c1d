// Raid lists as spreadsheet programs write them (a UTF-8 BOM, `;` separators, quoted newlines,
// Excel serial dates, merged header cells, empty trailing rows), read into a bulk intake: a dry
// run reports each bad row and stores nothing, an import opens the good rows and reports the bad,
// and the same file again creates nothing new.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CSV_TYPE, XLSX_TYPE, proposeMapping, readCsv, readXlsx, RAID_FIELDS } from '../api/raid-list.js';
import { makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const SAMPLE = readFileSync(new URL('../samples/raid-list.csv', import.meta.url));
const u = makeUsers();
const t = useStack(u);

/** A raid list as Excel writes it: a merged title row, a passport group header over two columns, dates as dates and serials. */
async function workbook(refs: string[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Danh sách');
  sheet.addRow(['Danh sách bắt giữ — Chrey Thom']);
  sheet.mergeCells('A1:H1');
  sheet.addRow(['Số hồ sơ', 'Họ và tên', 'Ngày sinh', 'Quốc tịch', 'Hộ chiếu', '', 'Ngày bắt giữ', 'Nơi bắt']);
  sheet.mergeCells('E2:F2');
  sheet.addRow(['', '', '', '', 'Số', 'Nước cấp', '', '']);
  for (const a of ['A', 'B', 'C', 'D', 'G', 'H']) sheet.mergeCells(`${a}2:${a}3`);
  sheet.addRow([refs[0], 'Trần Thị Bình', new Date(Date.UTC(1996, 4, 17)), 'vn', 'C1234567', 'VN', new Date(Date.UTC(2025, 9, 14, 3)), 'Chrey Thom']);
  sheet.addRow([refs[1], 'Lê Minh', 35065, 'VN', 'C7654321', 'VN', 45944.125, 'Chrey Thom']);
  sheet.addRow([refs[2], '', 'sometime', 'VN', '', '', 45944, 'Chrey Thom']);
  sheet.addRow([]);
  sheet.addRow(['', '', '', '', '', '', '', '']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const upload = (operationId: string, data: Buffer, type: string, query = '') =>
  t.stack.api.call('post', `/v1/operations/${operationId}/intake${query}`, { as: u.khOfficer, raw: data, headers: { 'Content-Type': type } });

describe('reading raid lists', () => {
  it('a CSV with a BOM, `;` separators, a quoted newline and empty trailing rows', () => {
    const sheet = readCsv(SAMPLE);
    expect(sheet.headers[0]).toBe('编号 / Ref');
    expect(sheet.rows.map((r) => r.row)).toEqual([2, 3, 4, 5]);
    expect(sheet.rows[0].cells[7]).toBe('Building C, compound 7\nChrey Thom, Kandal');
    expect(readCsv(Buffer.from('ref,name\n"A-1","Doe, John"\n')).rows[0].cells).toEqual(['A-1', 'Doe, John']);
  });

  it('proposes a mapping from headers in Chinese, Vietnamese, Thai, Khmer and English', () => {
    expect(proposeMapping(readCsv(SAMPLE).headers)).toEqual({
      externalRef: '编号 / Ref',
      'person.fullName': '姓名 / Name',
      'person.dateOfBirth': '出生日期 / Date of birth',
      'person.sex': '性别 / Sex',
      'person.claimedNationality': '国籍 / Nationality',
      'person.documents.0.number': '护照号码 / Passport no',
      'arrest.at': '逮捕时间 / Arrested at',
      'arrest.place': '逮捕地点 / Place of arrest',
      'arrest.allegations': '罪名 / Charges',
    });
    expect(proposeMapping(['ชื่อ-นามสกุล', 'สัญชาติ', 'วันเกิด', 'ឈ្មោះ'])).toEqual({
      'person.fullName': 'ชื่อ-นามสกุล',
      'person.claimedNationality': 'สัญชาติ',
      'person.dateOfBirth': 'วันเกิด',
    });
    // The fields come from the intake schema itself.
    expect(RAID_FIELDS.map((f) => f.path)).toEqual(expect.arrayContaining(['person.fullName', 'arrest.at', 'consularNotice.accessRequested']));
    expect(RAID_FIELDS.map((f) => f.path)).not.toContain('operationId');
  });

  it('an XLSX with a merged title, a merged group header and empty trailing rows', async () => {
    const sheet = await readXlsx(await workbook(['X-1', 'X-2', 'X-3']));
    expect(sheet.headers).toEqual(['Số hồ sơ', 'Họ và tên', 'Ngày sinh', 'Quốc tịch', 'Hộ chiếu Số', 'Hộ chiếu Nước cấp', 'Ngày bắt giữ', 'Nơi bắt']);
    expect(sheet.rows.map((r) => r.row)).toEqual([4, 5, 6]);
    expect(proposeMapping(sheet.headers)).toMatchObject({
      externalRef: 'Số hồ sơ',
      'person.fullName': 'Họ và tên',
      'person.documents.0.issuingCountry': 'Hộ chiếu Nước cấp',
      'arrest.at': 'Ngày bắt giữ',
    });
  });
});

describe('POST /v1/operations/:id/intake with a raid list', () => {
  let operationId: string;
  beforeAll(async () => {
    operationId = await t.steps.operation(`Raid list ${randomUUID().slice(0, 6)}`, { participatingCountries: ['KH', 'CN', 'VN', 'TH'] });
  });

  it('a dry run reports each bad row by number and column, and stores nothing', async () => {
    const res = await upload(operationId, SAMPLE, CSV_TYPE, '?dryRun=1');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, rows: 4, valid: 3, invalid: 1, proposed: true });
    expect(res.body.report).toEqual([
      { row: 5, column: '出生日期 / Date of birth', field: 'person.dateOfBirth', message: expect.stringMatching(/date/i) },
    ]);
    const op = await t.stack.api.get(`/v1/operations/${operationId}`, u.khOfficer);
    expect(op.body.caseCounts.total).toBe(0);
  });

  it('imports the good rows, reports the bad, and the same file again creates nothing new', async () => {
    const first = await upload(operationId, SAMPLE, CSV_TYPE);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ dryRun: false, created: 3, duplicates: 0, rejected: 1 });
    expect(first.body.results.map((r: { row: number; outcome: string }) => [r.row, r.outcome])).toEqual([
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
      [5, 'rejected'],
    ]);
    expect(first.body.report.map((p: { row: number }) => p.row)).toEqual([5]);
    // The cells as the case holds them: Chinese sex words, an Excel serial date of birth, a day-first arrest time, a list of charges.
    const li = await t.stack.api.get(`/v1/cases/${first.body.results[1].caseId}`, u.khOfficer);
    expect(li.body.person).toMatchObject({ fullName: 'Li Na 李娜', dateOfBirth: '1994-03-02', sex: 'F', claimedNationality: 'CN' });
    expect(li.body.person.documents).toEqual([{ type: 'passport', number: 'E10000002', issuingCountry: 'CN' }]);
    expect(li.body.arrest).toMatchObject({ allegations: ['telecom_fraud', 'money_laundering'] });
    const zhang = await t.stack.api.get(`/v1/cases/${first.body.results[0].caseId}`, u.khOfficer);
    expect(zhang.body.arrest).toMatchObject({ at: '2025-10-14T03:00:00.000Z', place: 'Building C, compound 7\nChrey Thom, Kandal' });

    const again = await upload(operationId, SAMPLE, CSV_TYPE);
    expect(again.body).toMatchObject({ created: 0, duplicates: 3, rejected: 1 });
    expect(again.body.results.slice(0, 3).map((r: { caseId: string }) => r.caseId)).toEqual(
      first.body.results.slice(0, 3).map((r: { caseId: string }) => r.caseId),
    );
    expect((await t.stack.api.get(`/v1/operations/${operationId}`, u.khOfficer)).body.caseCounts.total).toBe(3);
  });

  it('an XLSX list with the mapping given in the query', async () => {
    const refs = [`XL-${randomUUID()}`, `XL-${randomUUID()}`, `XL-${randomUUID()}`];
    const mapping = {
      externalRef: 'Số hồ sơ',
      'person.fullName': 'Họ và tên',
      'person.dateOfBirth': 'Ngày sinh',
      'person.claimedNationality': 'Quốc tịch',
      'person.documents.0.number': 'Hộ chiếu Số',
      'person.documents.0.issuingCountry': 'Hộ chiếu Nước cấp',
      'arrest.at': 'Ngày bắt giữ',
      'arrest.place': 'Nơi bắt',
    };
    const query = '?' + Object.entries(mapping).map(([f, h]) => `column.${f}=${encodeURIComponent(h)}`).join('&');
    const res = await upload(operationId, await workbook(refs), XLSX_TYPE, query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ created: 2, rejected: 1, proposed: false, mapping });
    expect(res.body.report).toEqual(
      expect.arrayContaining([
        { row: 6, column: 'Họ và tên', field: 'person.fullName', message: 'the cell is empty; person.fullName is required' },
        expect.objectContaining({ row: 6, column: 'Ngày sinh', field: 'person.dateOfBirth' }),
      ]),
    );
    const [binh, minh] = await Promise.all(
      res.body.results.slice(0, 2).map((r: { caseId: string }) => t.stack.api.get(`/v1/cases/${r.caseId}`, u.khOfficer)),
    );
    expect(binh.body.person).toMatchObject({ fullName: 'Trần Thị Bình', dateOfBirth: '1996-05-17', claimedNationality: 'VN' });
    expect(binh.body.arrest.at).toBe('2025-10-14T03:00:00.000Z');
    // Serial numbers: 35065 is 1996-01-01; 45944.125 is 2025-10-14 03:00.
    expect(minh.body.person.dateOfBirth).toBe('1996-01-01');
    expect(minh.body.arrest.at).toBe('2025-10-14T03:00:00.000Z');
  });

  it('an unreadable file, an unknown column or a query on a JSON body is a 400', async () => {
    const before = (await t.stack.api.get(`/v1/operations/${operationId}`, u.khOfficer)).body.caseCounts.total;
    const junk = await upload(operationId, Buffer.from('PK\u0003\u0004 not a workbook'), XLSX_TYPE);
    expect(junk.status).toBe(400);
    expect(junk.body.error.code).toBe('INVALID_SPREADSHEET');
    const unknown = await upload(operationId, SAMPLE, CSV_TYPE, '?column.person.fullName=Nom');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_COLUMN');
    const field = await upload(operationId, SAMPLE, CSV_TYPE, '?column.person.nickname=Name');
    expect(field.status).toBe(400);
    const json = await t.stack.api.call('post', `/v1/operations/${operationId}/intake?dryRun=1`, { as: u.khOfficer, body: { cases: [{}] } });
    expect(json.status).toBe(400);
    expect((await t.stack.api.get(`/v1/operations/${operationId}`, u.khOfficer)).body.caseCounts.total).toBe(before);
  });
});
