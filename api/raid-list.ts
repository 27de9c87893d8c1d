// Raid lists: the arrest list as a spreadsheet (CSV or XLSX), read into the items of a bulk intake.
// The columns a list can map are the intake schema's own fields (CaseIntake), walked once, so a
// field added there can be mapped here with no second list; the synonyms below only help propose
// a mapping from headers written in English or in the six countries' languages.
import { createHash } from 'node:crypto';
import { parse as parseCsvText } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { HttpError } from './errors.js';
import { CaseIntake, MAX_BULK, RaidListReport, storable } from './schemas.js';

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A sheet as read: its header texts, and each data row with its number as the spreadsheet shows it. */
export interface Sheet {
  headers: string[];
  rows: { row: number; cells: unknown[] }[];
}

export type FieldKind = 'text' | 'date' | 'datetime' | 'boolean' | 'list';

/** One field a column can fill: its path in the intake item, and how a cell becomes its value. */
export interface ColumnField {
  path: string;
  kind: FieldKind;
  required: boolean;
  /** The leaf's schema, to choose between spellings of a value (`cn` or `CN`). */
  leaf: z.ZodType;
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; format?: string };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch']);

/** The intake item's leaves, in schema order; an array of objects is one row's first element (`person.documents.0.number`). */
function fieldsOf(schema: z.ZodType, path: string[] = [], required = true): ColumnField[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return fieldsOf(def.innerType!, path, false);
  if (def.type === 'pipe') return fieldsOf(def.in!, path, required);
  if (def.type === 'object') return Object.entries(def.shape!).flatMap(([key, field]) => fieldsOf(field, [...path, key], required));
  if (def.type === 'array') {
    const element = defOf(def.element!);
    if (element.type === 'object' || WRAPPERS.has(element.type)) return fieldsOf(def.element!, [...path, '0'], false);
    return [{ path: path.join('.'), kind: 'list', required: false, leaf: def.element! }];
  }
  const kind: FieldKind = def.format === 'date' ? 'date' : def.format === 'datetime' ? 'datetime' : def.type === 'boolean' ? 'boolean' : 'text';
  return [{ path: path.join('.'), kind, required, leaf: schema }];
}

/** What a raid list can fill; the operation is the route's. */
export const RAID_FIELDS: ColumnField[] = fieldsOf(CaseIntake).filter((f) => f.path !== 'operationId');

/**
 * Header synonyms per field, in English, Chinese, Khmer, Lao, Burmese, Thai and Vietnamese. A field
 * not listed still matches its own name ("dateOfBirth", "date of birth", "person.dateOfBirth").
 */
const SYNONYMS: Record<string, string[]> = {
  externalRef: ['reference', 'ref', 'ref no', 'arrest no', 'arrest number', 'case no', 'record no', '编号', '逮捕编号', '案件编号', '档案号', 'លេខយោង', 'លេខករណី', 'ເລກອ້າງອີງ', 'ລະຫັດ', 'ကိုးကားအမှတ်', 'အမှတ်စဉ်', 'เลขอ้างอิง', 'เลขที่คดี', 'số tham chiếu', 'mã hồ sơ', 'số hồ sơ'],
  holdingCountry: ['holding country', '羁押国', 'ប្រទេសឃុំខ្លួន', 'ປະເທດທີ່ກັກຂັງ', 'ထိန်းသိမ်းထားသည့်နိုင်ငံ', 'ประเทศที่ควบคุมตัว', 'nước tạm giữ'],
  legalBasis: ['legal basis', '法律依据', 'មូលដ្ឋានច្បាប់', 'ພື້ນຖານທາງກົດໝາຍ', 'ဥပဒေအခြေခံ', 'ฐานทางกฎหมาย', 'căn cứ pháp lý'],
  'person.fullName': ['name', 'full name', 'romanised name', '姓名', '名字', '全名', 'ឈ្មោះ', 'ឈ្មោះពេញ', 'ຊື່', 'ຊື່ ແລະ ນາມສະກຸນ', 'အမည်', 'နာမည်', 'ชื่อ', 'ชื่อ-นามสกุล', 'ชื่อนามสกุล', 'họ tên', 'họ và tên', 'tên'],
  'person.dateOfBirth': ['dob', 'birth date', 'born', '出生日期', '生日', 'ថ្ងៃខែឆ្នាំកំណើត', 'ວັນເດືອນປີເກີດ', 'မွေးသက္ကရာဇ်', 'မွေးနေ့', 'วันเกิด', 'วันเดือนปีเกิด', 'ngày sinh'],
  'person.sex': ['sex', 'gender', '性别', 'ភេទ', 'ເພດ', 'ကျား/မ', 'လိင်', 'เพศ', 'giới tính'],
  'person.claimedNationality': ['nationality', 'citizenship', '国籍', 'សញ្ជាតិ', 'ສັນຊາດ', 'နိုင်ငံသား', 'สัญชาติ', 'quốc tịch'],
  'person.documents.0.type': ['document type', 'id type', '证件类型', 'ប្រភេទឯកសារ', 'ປະເພດເອກະສານ', 'စာရွက်စာတမ်းအမျိုးအစား', 'ประเภทเอกสาร', 'loại giấy tờ'],
  'person.documents.0.number': ['passport', 'passport no', 'passport number', 'document number', 'document no', 'id number', '护照号码', '护照号', '证件号码', 'លេខលិខិតឆ្លងដែន', 'លេខឯកសារ', 'ເລກໜັງສືຜ່ານແດນ', 'ເລກທີເອກະສານ', 'နိုင်ငံကူးလက်မှတ်အမှတ်', 'ပတ်စ်ပို့အမှတ်', 'เลขหนังสือเดินทาง', 'เลขที่หนังสือเดินทาง', 'เลขประจำตัว', 'số hộ chiếu', 'số giấy tờ'],
  'person.documents.0.issuingCountry': ['issuing country', 'issued by', '签发国', '签发国家', 'ប្រទេសចេញ', 'ປະເທດອອກ', 'ထုတ်ပေးသည့်နိုင်ငံ', 'ประเทศที่ออก', 'nước cấp', 'quốc gia cấp'],
  'arrest.at': ['arrested at', 'arrest date', 'date of arrest', 'arrest time', '逮捕时间', '抓获时间', '逮捕日期', 'កាលបរិច្ឆេទចាប់ខ្លួន', 'ថ្ងៃចាប់ខ្លួន', 'ວັນທີຈັບກຸມ', 'ဖမ်းဆီးသည့်ရက်', 'วันที่จับกุม', 'เวลาจับกุม', 'ngày bắt', 'ngày bắt giữ', 'thời gian bắt giữ'],
  'arrest.place': ['place of arrest', 'arrest place', 'location', 'place', '逮捕地点', '抓获地点', '地点', 'ទីកន្លែងចាប់ខ្លួន', 'ສະຖານທີ່ຈັບກຸມ', 'ဖမ်းဆီးသည့်နေရာ', 'สถานที่จับกุม', 'nơi bắt', 'địa điểm bắt giữ'],
  'arrest.allegations': ['allegations', 'charges', 'offence', '涉嫌罪名', '罪名', 'ការចោទប្រកាន់', 'ຂໍ້ກ່າວຫາ', 'စွဲချက်', 'ข้อกล่าวหา', 'cáo buộc', 'tội danh'],
  indicators: ['trafficking indicators', '贩运迹象', 'សូចនាករជួញដូរ', 'ຕົວຊີ້ວັດການຄ້າມະນຸດ', 'လူကုန်ကူးမှုညွှန်ပြချက်', 'ตัวบ่งชี้การค้ามนุษย์', 'dấu hiệu mua bán người'],
  'consularNotice.notifiedAt': ['consulate notified', 'consular notice', '领事通知时间', 'ថ្ងៃជូនដំណឹងកុងស៊ុល', 'ວັນແຈ້ງກົງສຸນ', 'ကောင်စစ်အကြောင်းကြားသည့်ရက်', 'วันที่แจ้งกงสุล', 'ngày thông báo lãnh sự'],
  'consularNotice.channel': ['notice channel', '通知方式', 'មធ្យោបាយជូនដំណឹង', 'ຊ່ອງທາງແຈ້ງ', 'အကြောင်းကြားနည်း', 'ช่องทางแจ้ง', 'hình thức thông báo'],
  'consularNotice.accessRequested': ['consular access', '要求领事探视', 'ស្នើសុំជួបកុងស៊ុល', 'ຂໍພົບກົງສຸນ', 'ကောင်စစ်တွေ့ဆုံခွင့်တောင်း', 'ขอพบกงสุล', 'yêu cầu gặp lãnh sự'],
};

/** Header text as compared: compatibility forms, no marks or case, no spaces or punctuation. */
export function normaliseHeader(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
}

/** A field's own names: its path, its last segment, and that segment in words ("dateOfBirth" → "date of birth"). */
function ownNames(path: string): string[] {
  const last = path.split('.').filter((s) => !/^\d+$/.test(s)).pop()!;
  return [path, last, last.replace(/([a-z])([A-Z])/g, '$1 $2')];
}

const namesOf = (path: string) => [...ownNames(path), ...(SYNONYMS[path] ?? [])].map(normaliseHeader).filter((n) => n.length > 0);

/**
 * A mapping proposed from the headers: a header equal to one of a field's names first, then one
 * that contains a name (the longest name wins); each field and each header at most once.
 */
export function proposeMapping(headers: string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const taken = new Set<number>();
  const normalised = headers.map(normaliseHeader);
  const fields = RAID_FIELDS.map((f) => ({ path: f.path, names: namesOf(f.path) }));
  for (const { path, names } of fields) {
    const i = normalised.findIndex((h, index) => !taken.has(index) && h.length > 0 && names.includes(h));
    if (i >= 0) {
      mapping[path] = headers[i];
      taken.add(i);
    }
  }
  const candidates: { path: string; index: number; length: number }[] = [];
  for (const { path, names } of fields) {
    if (mapping[path]) continue;
    normalised.forEach((h, index) => {
      const name = names.filter((n) => (n.length >= 4 || /[^\x00-\x7f]/.test(n)) && h.includes(n)).sort((a, b) => b.length - a.length)[0];
      if (!taken.has(index) && name) candidates.push({ path, index, length: name.length });
    });
  }
  for (const c of candidates.sort((a, b) => b.length - a.length)) {
    if (mapping[c.path] || taken.has(c.index)) continue;
    mapping[c.path] = headers[c.index];
    taken.add(c.index);
  }
  return mapping;
}

// ---- reading the formats ----

const refuse = (message: string) => new HttpError(400, 'INVALID_SPREADSHEET', message);
const isEmpty = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** The separator of a CSV file: the one of `,` `;` tab found most often in its first line, outside quotes. */
function separatorOf(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c in counts) counts[c]++;
  }
  return Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
}

export function readCsv(data: Buffer): Sheet {
  const text = data.toString('utf8').replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parseCsvText(text, { delimiter: separatorOf(text), relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (err) {
    throw refuse(`the CSV file cannot be read: ${(err as Error).message}`);
  }
  const first = records.findIndex((r) => !r.every(isEmpty));
  if (first < 0) throw refuse('the file has no header row');
  return {
    headers: records[first].map((h) => h.trim()),
    rows: records.slice(first + 1).flatMap((cells, i) => (cells.every(isEmpty) ? [] : [{ row: first + i + 2, cells }])),
  };
}

/** A cell's value as a spreadsheet program shows it: the result of a formula, the text of rich text or a link. */
function cellValue(cell: ExcelJS.Cell): unknown {
  const v = cell.value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && !(v instanceof Date)) {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return v.result ?? null;
    if ('text' in v) return v.text;
    if ('error' in v) return null;
  }
  return v;
}

export async function readXlsx(data: Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(data as unknown as ArrayBuffer);
  } catch (err) {
    throw refuse(`the XLSX file cannot be read: ${(err as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw refuse('the workbook has no sheet');
  const width = sheet.columnCount;
  const lines: { number: number; cells: ExcelJS.Cell[] }[] = [];
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    lines.push({ number, cells: Array.from({ length: width }, (_, i) => row.getCell(i + 1)) });
  });
  const values = (line: (typeof lines)[number]) => line.cells.map((c) => (c.isMerged && c.master !== c ? null : cellValue(c)));
  // A title over the whole table is one merged cell (or one filled cell): not the header.
  let h = lines.findIndex((l) => values(l).filter((v) => !isEmpty(v)).length > 1);
  if (h < 0) throw refuse('the sheet has no header row');
  const header = lines[h];
  let headers = header.cells.map((c) => String(cellValue(c.isMerged ? c.master : c) ?? '').trim());
  // A header cell merged over several columns names a group; the row below names its columns.
  const grouped = header.cells.some((c, i) => c.isMerged && header.cells.some((d, j) => j !== i && d.isMerged && d.master === c.master));
  if (grouped && lines[h + 1]) {
    const below = values(lines[h + 1]).map((v) => String(v ?? '').trim());
    headers = headers.map((top, i) => {
      const spans = header.cells.filter((d) => d.isMerged && d.master === header.cells[i].master).length > 1;
      return spans && below[i] ? `${top} ${below[i]}` : top || below[i];
    });
    h += 1;
  }
  return {
    headers,
    rows: lines.slice(h + 1).flatMap((l) => {
      const cells = l.cells.map(cellValue);
      return cells.every(isEmpty) ? [] : [{ row: l.number, cells }];
    }),
  };
}

export async function readSheet(contentType: string, data: Buffer): Promise<Sheet> {
  const sheet = contentType === XLSX_TYPE ? await readXlsx(data) : readCsv(data);
  if (sheet.rows.length > MAX_BULK) throw refuse(`a raid list holds up to ${MAX_BULK} rows; this one has ${sheet.rows.length}`);
  return sheet;
}

// ---- from cells to intake items ----

const DAY_MS = 86_400_000;
/** Day 0 of Excel's serial dates (its 1900 system, counting the leap day 1900 did not have). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const pad = (n: number) => String(n).padStart(2, '0');

/** A date or a date-time as the intake schema takes it, from a Date, an Excel serial number or text. */
function asTime(v: unknown, kind: 'date' | 'datetime'): unknown {
  let at: Date | undefined;
  if (v instanceof Date) at = v;
  else if (typeof v === 'number' || (typeof v === 'string' && /^\d{1,6}(\.\d+)?$/.test(v.trim()))) {
    const serial = Number(v);
    if (serial > 0 && serial < 120_000) at = new Date(EXCEL_EPOCH + Math.round(serial * DAY_MS));
  } else if (typeof v === 'string') {
    const s = v.trim();
    // Day first (as in all six countries): 14/10/2025, 14.10.2025, 14-10-2025, with an optional time.
    const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
    const ymdTime = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
    if (dmy) at = new Date(Date.UTC(+dmy[3], +dmy[2] - 1, +dmy[1], +(dmy[4] ?? 0), +(dmy[5] ?? 0), +(dmy[6] ?? 0)));
    else if (ymdTime) at = new Date(Date.UTC(+ymdTime[1], +ymdTime[2] - 1, +ymdTime[3], +ymdTime[4], +ymdTime[5], +(ymdTime[6] ?? 0)));
    else if (kind === 'datetime' && /^\d{4}-\d{2}-\d{2}$/.test(s)) return `${s}T00:00:00Z`;
    else return s;
  }
  if (!at || Number.isNaN(at.getTime())) return typeof v === 'string' ? v.trim() : String(v);
  const date = `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;
  return kind === 'date' ? date : at.toISOString().replace('.000Z', 'Z');
}

const YES = ['yes', 'y', 'true', '1', 'x', '是', 'có', 'ใช่', 'បាទ', 'ចាស', 'ແມ່ນ', 'ဟုတ်'];
const NO = ['no', 'n', 'false', '0', '否', 'không', 'ไม่', 'ទេ', 'ບໍ່', 'မဟုတ်'];
/** The sex column as written in the seven languages. */
const SEX_WORDS: Record<string, string[]> = {
  M: ['male', 'man', '男', 'nam', 'ชาย', 'ប្រុស', 'ຊາຍ', 'ကျား'],
  F: ['female', 'woman', '女', 'nữ', 'หญิง', 'ស្រី', 'ຍິງ', 'မ'],
};

/** A text cell as the field's schema takes it: as written, or in the other case (`cn` → `CN`, `Deportation` → `deportation`). */
function spelled(field: ColumnField, s: string): string {
  if (field.leaf.safeParse(s).success) return s;
  for (const variant of [s.toUpperCase(), s.toLowerCase(), s.toLowerCase().replace(/\s+/g, '_')]) {
    if (field.leaf.safeParse(variant).success) return variant;
  }
  if (field.path === 'person.sex') {
    const found = Object.entries(SEX_WORDS).find(([, words]) => words.includes(s.toLowerCase()));
    if (found) return found[0];
  }
  return s;
}

function valueOf(field: ColumnField, cell: unknown): unknown {
  if (field.kind === 'date' || field.kind === 'datetime') return asTime(cell, field.kind);
  const s = cell instanceof Date ? cell.toISOString() : String(cell).trim();
  if (field.kind === 'boolean') {
    if (typeof cell === 'boolean') return cell;
    return YES.includes(s.toLowerCase()) ? true : NO.includes(s.toLowerCase()) ? false : s;
  }
  if (field.kind === 'list') {
    return s
      .split(/[,;|\n、，；]/)
      .map((x) => x.trim())
      .filter((x) => x.length > 0)
      .map((x) => spelled(field, x));
  }
  return spelled(field, s);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  keys.slice(0, -1).forEach((key, i) => {
    node[key] ??= /^\d+$/.test(keys[i + 1]) ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]] = value;
}

/** One problem in one row: its number, the column (null when no column holds the field), the field and the problem in words. */
export interface RowProblem {
  row: number;
  column: string | null;
  field: string | null;
  message: string;
}

export interface ListRow {
  row: number;
  /** The intake item built from the row (validated by the intake route as any item is). */
  item: Record<string, unknown>;
}

/** A mapping names headers the file has, and fields the intake has. */
export function checkMapping(sheet: Sheet, mapping: Record<string, string>): void {
  const fields = new Set(RAID_FIELDS.map((f) => f.path));
  for (const [field, header] of Object.entries(mapping)) {
    if (!fields.has(field)) throw new HttpError(400, 'UNKNOWN_FIELD', `no case field ${field}`);
    if (!sheet.headers.includes(header)) throw new HttpError(400, 'UNKNOWN_COLUMN', `the file has no column "${header}" (for ${field})`);
  }
}

/**
 * Each row as an intake item. Defaults a list may leave out: the holding country is the
 * officer's, a document's type is a passport and its issuing country the claimed nationality, and
 * without a reference column the reference is a hash of the row's mapped cells (so the same file
 * again is the same intake).
 */
export function listItems(sheet: Sheet, mapping: Record<string, string>, holdingCountry: string): ListRow[] {
  const columns = RAID_FIELDS.flatMap((field) => {
    const index = mapping[field.path] === undefined ? -1 : sheet.headers.indexOf(mapping[field.path]);
    return index >= 0 ? [{ field, index }] : [];
  });
  return sheet.rows.map(({ row, cells }) => {
    const item: Record<string, unknown> = {};
    for (const { field, index } of columns) {
      const cell = cells[index];
      if (!isEmpty(cell)) setPath(item, field.path, valueOf(field, cell));
    }
    const person = (item.person ?? {}) as { claimedNationality?: unknown; documents?: Record<string, unknown>[] };
    for (const doc of person.documents ?? []) {
      if (doc.number === undefined) continue;
      doc.type ??= 'passport';
      doc.issuingCountry ??= person.claimedNationality;
    }
    item.holdingCountry ??= holdingCountry;
    if (mapping.externalRef === undefined) {
      const digest = createHash('sha256').update(JSON.stringify(columns.map(({ index }) => String(cells[index] ?? '').trim()))).digest('hex');
      item.externalRef = `ROW-${digest.slice(0, 24)}`;
    }
    return { row, item };
  });
}

/** The problems of one item's validation issues (paths such as `person.dateOfBirth`), each named by its column. */
export function rowProblems(row: number, issues: { path: string; message: string }[], item: Record<string, unknown>, mapping: Record<string, string>): RowProblem[] {
  const seen = new Set<string>();
  // One problem per field: a date that is no date breaks several of its rules, and one says why.
  const firsts = issues.filter(({ path }) => !seen.has(path) && seen.add(path));
  return firsts.map(({ path, message }) => {
    // The field itself, or (for a whole group left empty, such as `arrest`) the first required one in it.
    const field =
      RAID_FIELDS.find((f) => f.path === path || path.startsWith(`${f.path}.`))?.path ??
      RAID_FIELDS.find((f) => f.required && f.path.startsWith(`${path}.`))?.path ??
      null;
    const column = field ? (mapping[field] ?? null) : null;
    const missing = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], item) === undefined;
    const words = !missing || !field ? message : column ? `the cell is empty; ${field} is required` : `no column holds ${field}, which is required`;
    return { row, column, field: field ?? (path || null), message: words };
  });
}

/** The query of a bulk intake: a dry run, and the column of the list that holds each field (`column.person.fullName=Name`). */
export const IntakeQuery = z.strictObject({
  dryRun: z
    .enum(['0', '1'])
    .optional()
    .describe('1: only the validation report of a CSV or XLSX list (per row: number, column, problem); nothing is stored'),
  ...Object.fromEntries(
    RAID_FIELDS.map((f) => [`column.${f.path}`, storable(200).min(1).optional().describe(`the header of the list's column that holds ${f.path}`)]),
  ),
});

/** The mapping a query names, by field; undefined when it names none. */
export function mappingOf(query: Record<string, unknown>): Record<string, string> | undefined {
  const named = Object.entries(query).filter(([k, v]) => k.startsWith('column.') && typeof v === 'string');
  return named.length > 0 ? Object.fromEntries(named.map(([k, v]) => [k.slice('column.'.length), v as string])) : undefined;
}

export const RaidListDryRun = z.strictObject({ ...RaidListReport, valid: z.number().int(), invalid: z.number().int() });
