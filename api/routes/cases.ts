import { z } from 'zod';
import {
  getCaseDetail,
  getCaseScopes,
  getDecisions,
  getLastIdentityChecks,
  listCaseEvents,
  type CaseDetail as CaseDetailRow,
  type CaseScopeRow,
} from '../../db/case-detail.js';
import { listCases } from '../../db/case-list.js';
import { canSee } from '../../db/visibility.js';
import { getOperation } from '../../db/operations.js';
import { limitsOrDefaults } from '../../lib/config.js';
import { mapLimit } from '../../lib/concurrency.js';
import { isSafeguardStatus, projectCase, seesAll, viewStatus } from '../../lib/need-to-know.js';
import { verificationRepeats } from '../../workflows/case-rules.js';
import {
  verifyIdentityUpdate,
  type Actor,
  type CaseStatus,
  type IdentityRecord,
  type VerifyIdentityInput,
} from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import type { Commands } from '../commands.js';
import { answersWithCase, bulkRefusalEntries, caseReadEntry, isRefusal, recordAll, type BulkRefusal } from '../audit.js';
import { HttpError, notFound, toHttpError, unavailable } from '../errors.js';
import { caseChangeResponses, errorResponses, route } from '../http.js';
import { onSide } from '../policy.js';
import { intakeRefusalEntries, openCases, type IntakeItem } from '../intake.js';
import {
  CSV_TYPE,
  XLSX_TYPE,
  IntakeQuery,
  RaidListDryRun,
  checkMapping,
  listItems,
  mappingOf,
  proposeMapping,
  readSheet,
  rowProblems,
} from '../raid-list.js';
import { CaseDetailWithIntel } from '../intel-schemas.js';
import { caseIntelLinksFor } from './intel.js';
import {
  BulkDecisionBody,
  BulkIdentityBody,
  BulkIntakeBody,
  BulkIntakeResult,
  CaseDetail,
  CaseEventList,
  CaseIntake,
  CaseList,
  CaseListQuery,
  CaseResults,
  DecisionBody,
  IdParams,
  IdentityBody,
  ReasonBody,
} from '../schemas.js';
import { caseDetail, decodeCursor, encodeCursor, scopeCountry } from '../scope.js';

type CaseResult = z.output<typeof CaseResults>['results'][number];

/** Two items of one bulk verification ask the same. */
const sameIdentityItem = (a: z.output<typeof BulkIdentityBody>['items'][number], b: typeof a) =>
  a.result === b.result &&
  (a.verifiedNationality ?? null) === (b.verifiedNationality ?? null) &&
  a.method === b.method &&
  (a.evidenceRef ?? null) === (b.evidenceRef ?? null) &&
  (a.notes ?? null) === (b.notes ?? null);

/** The inconclusive answer recorded last, asked again by its officer with the same method, evidence and notes. */
function sameInconclusive(
  last: Pick<IdentityRecord, 'result' | 'by' | 'method' | 'evidenceRef' | 'notes'> | null,
  asked: VerifyIdentityInput,
) {
  return (
    last !== null &&
    asked.result === 'inconclusive' &&
    last.result === 'inconclusive' &&
    last.by === asked.actor.sub &&
    last.method === asked.method &&
    last.evidenceRef === asked.evidenceRef &&
    last.notes === asked.notes
  );
}

/** One item of a bulk intake, validated as the body of POST /v1/cases, in the route's operation. */
function intakeItemOf(raw: unknown, operationId: string): IntakeItem {
  const parsed = CaseIntake.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      error: new HttpError(400, 'VALIDATION_FAILED', 'invalid case', {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      }),
    };
  }
  const intake = parsed.data;
  if (intake.operationId && intake.operationId !== operationId) {
    return { ok: false, error: new HttpError(400, 'INVALID_INPUT', 'the item names another operation') };
  }
  return { ok: true, intake: { ...intake, operationId } };
}

const errorJson = (e: HttpError) => ({ code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) });

export function caseRoutes(deps: AppDeps, commands: Commands) {
  const { db, temporal, audit } = deps;
  const intakeDeps = {
    db,
    temporal,
    protect: deps.protect,
    timings: deps.timings,
    concurrency: deps.http.bulkConcurrency,
    custodyLimitMaxMs: limitsOrDefaults(deps.limits).custodyLimitMaxMs,
  };

  const detail = (caseId: string, viewer: Actor) => caseDetail(db, caseId, deps.protect, viewer);

  /**
   * A bulk command: `act` on each case the caller may see (at most bulkConcurrency at once), its
   * new status shown as the caller may see it; a refusal per case is answered and logged as the
   * single route answers and logs it. When Temporal could take none of them, the request is a 503.
   */
  async function eachCase(
    actor: Actor,
    routeName: string,
    what: string,
    ids: string[],
    rows: Map<string, CaseScopeRow>,
    act: (row: CaseScopeRow) => Promise<CaseStatus>,
  ): Promise<CaseResult[]> {
    const refused: BulkRefusal[] = [];
    const results = await mapLimit(ids, deps.http.bulkConcurrency, async (caseId): Promise<CaseResult> => {
      const row = rows.get(caseId);
      if (!row || !canSee(scopeCountry(actor), row)) {
        refused.push({ caseId, row, status: 404, code: 'NOT_FOUND' });
        return { caseId, ok: false, error: errorJson(notFound()) };
      }
      try {
        const status = await act(row);
        return { caseId, ok: true, status: viewStatus(status, seesAll(scopeCountry(actor), row.holdingCountry)) };
      } catch (err) {
        const http = toHttpError(err);
        if (http.status >= 500 && http.status !== 503) throw err;
        if (isRefusal(http.status)) refused.push({ caseId, row, status: http.status, code: http.code });
        return { caseId, ok: false, error: errorJson(http) };
      }
    });
    await recordAll(audit, bulkRefusalEntries(actor, routeName, refused));
    if (results.every((r) => r.error?.code === 'TEMPORAL_UNAVAILABLE')) {
      throw unavailable('TEMPORAL_UNAVAILABLE', `no ${what} could be recorded; retry after Retry-After seconds`);
    }
    return results;
  }

  return [
    route({
      method: 'post',
      path: '/v1/cases',
      summary: 'Open one case (idempotent on holdingCountry + externalRef)',
      tags: ['cases'],
      body: CaseIntake,
      discloses: answersWithCase('answer to opening a case'),
      responses: {
        201: { description: 'the case was opened', schema: CaseDetail },
        200: { description: 'a case with this externalRef already exists; it is returned unchanged', schema: CaseDetail },
        ...errorResponses(400, 401, 403, 413, 503),
      },
      handler: async ({ actor, body }) => {
        const [outcome] = await openCases(intakeDeps, actor, [{ ok: true, intake: body }]);
        if (outcome.outcome === 'rejected') throw outcome.error;
        return { status: outcome.outcome === 'created' ? 201 : 200, body: await detail(outcome.caseId, actor) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/operations/:id/intake',
      summary: 'Open up to 5,000 cases of one operation (JSON, or a CSV or XLSX raid list); a bad item never blocks the good ones',
      description:
        'A raid list is read by its headers: `column.<field>=<header>` maps a column to a case field; without any, a mapping is ' +
        "proposed from the headers (English and the six countries' languages). `dryRun=1` answers the validation report only " +
        '(per row: number, column, the problem in words) and stores nothing. The same list again creates nothing new.',
      tags: ['cases'],
      params: IdParams,
      query: IntakeQuery,
      body: BulkIntakeBody,
      uploads: { [CSV_TYPE]: 'a raid list: UTF-8 (BOM allowed), separated by , ; or tab', [XLSX_TYPE]: 'a raid list: the first sheet' },
      bodyLimit: deps.http.bulkBodyLimit,
      responses: {
        200: {
          description:
            'counts and one result per item, in request order (a raid list: with its mapping and report; a dry run: the report only)',
          schema: z.union([BulkIntakeResult, RaidListDryRun]),
        },
        ...errorResponses(400, 401, 403, 404, 413, 503),
      },
      handler: async ({ actor, params, query, body, upload }) => {
        // An operation the officer's country takes no part in does not exist for it.
        const operation = await getOperation(db, params.id, actor.country);
        if (!operation) throw notFound('operation');
        const asked = mappingOf(query);
        if (!upload && (asked || query.dryRun)) {
          throw new HttpError(400, 'INVALID_INPUT', 'dryRun and column.* apply to a CSV or XLSX raid list');
        }
        const sheet = upload ? await readSheet(upload.contentType, upload.data) : undefined;
        const mapping = sheet ? (asked ?? proposeMapping(sheet.headers)) : {};
        if (sheet) checkMapping(sheet, mapping);
        const rows = sheet ? listItems(sheet, mapping, actor.country) : undefined;
        const raw = rows ? rows.map((r) => r.item) : body.cases;
        const items: IntakeItem[] = raw.map((item) => intakeItemOf(item, operation.id));
        const report = rows
          ? rows.flatMap((r, i) => {
              const item = items[i];
              if (item.ok) return [];
              const issues = (item.error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
              return issues
                ? rowProblems(r.row, issues, r.item, mapping)
                : [{ row: r.row, column: null, field: null, message: item.error.message }];
            })
          : [];
        const listed = sheet ? { rows: sheet.rows.length, headers: sheet.headers, mapping, proposed: !asked } : undefined;
        if (listed && query.dryRun === '1') {
          const valid = items.filter((i) => i.ok).length;
          return { status: 200, body: { dryRun: true, ...listed, valid, invalid: items.length - valid, report } };
        }
        const outcomes = await openCases(intakeDeps, actor, items);
        await recordAll(audit, intakeRefusalEntries(actor, outcomes));
        if (outcomes.length > 0 && outcomes.every((o) => o.outcome === 'rejected' && o.error.status === 503)) {
          throw unavailable('TEMPORAL_UNAVAILABLE', 'no case could be opened; retry after Retry-After seconds');
        }
        const count = (kind: string) => outcomes.filter((o) => o.outcome === kind).length;
        const rowOf = (index: number) => (rows ? { row: rows[index].row } : {});
        // Rows refused by the intake's own rules (a case held elsewhere, a national of the holding country) join the report.
        const refusedRows = rows
          ? outcomes.flatMap((o, index) =>
              o.outcome === 'rejected' && items[index].ok
                ? [{ row: rows[index].row, column: null, field: null, message: o.error.message }]
                : [],
            )
          : [];
        return {
          status: 200,
          body: {
            created: count('created'),
            duplicates: count('duplicate'),
            rejected: count('rejected'),
            results: outcomes.map((o, index) =>
              o.outcome === 'rejected'
                ? {
                    index,
                    ...rowOf(index),
                    outcome: o.outcome,
                    ...(o.externalRef ? { externalRef: o.externalRef } : {}),
                    error: errorJson(o.error),
                  }
                : { index, ...rowOf(index), outcome: o.outcome, caseId: o.caseId, externalRef: o.externalRef },
            ),
            ...(listed ? { dryRun: false, ...listed, report: [...report, ...refusedRows].sort((a, b) => a.row - b.row) } : {}),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/cases',
      summary: "List cases in the caller's scope, oldest first, with filters and cursor paging",
      tags: ['cases'],
      purpose: true,
      query: CaseListQuery,
      responses: { 200: { description: 'a page of cases', schema: CaseList }, ...errorResponses(400, 401, 503) },
      handler: async ({ actor, query, purpose }) => {
        const { limit, cursor, q, ...filters } = query;
        // The search text is personal data (a name, a document number): it is neither logged nor audited, only that there was one.
        const search = q === undefined ? undefined : { text: q, documentHash: deps.protect.fingerprint(q) };
        const page = await listCases(db, { filters, scopeCountry: scopeCountry(actor), limit, after: decodeCursor(cursor), search });
        const shown = page.items.map((c) => ({ ...c, id: c.caseId }));
        const entry = caseReadEntry(actor, 'case.list', purpose, shown, { filters, limit, ...(search ? { searched: true } : {}) });
        // Filtered by the safeguards' outcome, the entry says which cases have it: it is the holding countries' to see.
        if (filters.status && isSafeguardStatus(filters.status))
          entry.scopeCountries = [...new Set([actor.country, ...page.items.map((c) => c.holdingCountry)])];
        await audit.record(entry);
        return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/cases/:id',
      summary: 'One case: status, person, identity, decisions per side, transfer, deadlines',
      tags: ['cases'],
      purpose: true,
      params: IdParams,
      responses: { 200: { description: 'the case', schema: CaseDetailWithIntel }, ...errorResponses(400, 401, 404, 503) },
      // The whole case is the answer, loaded once the policy check has passed.
      loadCase: async (id) => {
        const found = await getCaseDetail(db, id, deps.protect);
        return found ? { ...found, id: found.caseId } : undefined;
      },
      handler: async ({ actor, purpose, caseRow }) => {
        await audit.record(caseReadEntry(actor, 'case.read', purpose, [caseRow]));
        const { id: _id, ...found } = caseRow as unknown as CaseDetailRow & { id: string };
        const intelLinks = await caseIntelLinksFor(db, audit, found.caseId, actor, purpose);
        return { status: 200, body: { ...projectCase(found, scopeCountry(actor)), intelLinks } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/cases/:id/events',
      summary: 'The case timeline, oldest first',
      tags: ['cases'],
      purpose: true,
      params: IdParams,
      responses: { 200: { description: 'the timeline', schema: CaseEventList }, ...errorResponses(400, 401, 404, 503) },
      handler: async ({ actor, params, purpose, caseRow }) => {
        await audit.record(caseReadEntry(actor, 'case.timeline.read', purpose, [caseRow]));
        return { status: 200, body: { caseId: params.id, items: await listCaseEvents(db, params.id, scopeCountry(actor)) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/identity',
      summary: 'Record an identity verification (officer of the claimed nationality)',
      tags: ['cases'],
      params: IdParams,
      body: IdentityBody,
      discloses: answersWithCase('answer to recording an identity verification'),
      responses: caseChangeResponses('the case after the verification'),
      handler: async ({ actor, params, body }) => {
        const changed = await commands.changeCase(params.id, verifyIdentityUpdate, {
          actor,
          result: body.result,
          verifiedNationality: body.verifiedNationality ?? null,
          method: body.method,
          evidenceRef: body.evidenceRef ?? null,
          notes: body.notes ?? null,
        });
        return { status: 200, body: changed };
      },
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/decisions',
      summary: 'Approve or reject one side of a case (supervisor of the holding or destination country)',
      tags: ['decisions'],
      params: IdParams,
      body: DecisionBody,
      discloses: answersWithCase('answer to recording a decision'),
      responses: caseChangeResponses('the case after the decision (a repeat of the same decision changes nothing)'),
      handler: async ({ actor, params, body, caseRow }) => {
        const recorded = (await getDecisions(db, [caseRow.id])).get(caseRow.id);
        await commands.decide(actor, caseRow, body.decision, body.reason ?? null, recorded);
        return { status: 200, body: await detail(params.id, actor) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/decisions',
      summary: 'The same decision for many cases; each is decided and recorded on its own',
      tags: ['decisions'],
      body: BulkDecisionBody,
      bodyLimit: deps.http.bulkBodyLimit,
      responses: {
        200: { description: 'one result per case, in request order', schema: CaseResults },
        ...errorResponses(400, 401, 403, 413, 503),
      },
      handler: async ({ actor, body }) => {
        const ids = [...new Set(body.caseIds.map((id) => id.toLowerCase()))];
        const [rows, recorded] = await Promise.all([getCaseScopes(db, ids), getDecisions(db, ids)]);
        const results = await eachCase(actor, 'POST /v1/decisions', 'decision', ids, rows, (row) =>
          commands.decide(actor, row, body.decision, body.reason ?? null, recorded.get(row.id)),
        );
        return { status: 200, body: { results } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/identity',
      summary:
        "Identity verifications of many cases (a registry's answers; officer of each claimed nationality); each is recorded on its own",
      description:
        'One result per item, in request order. A case the caller may not see is NOT_FOUND, one of another claimed nationality ' +
        'FORBIDDEN, per item. The same item again (the same officer, result and nationality) changes nothing and answers as before.',
      tags: ['cases'],
      body: BulkIdentityBody,
      bodyLimit: deps.http.bulkBodyLimit,
      responses: {
        200: { description: 'one result per item, in request order', schema: CaseResults },
        ...errorResponses(400, 401, 403, 413, 503),
      },
      handler: async ({ actor, body }) => {
        const items = body.items.map((item) => ({ ...item, caseId: item.caseId.toLowerCase() }));
        // One verification per case: an item naming a case again asks the same, or is refused.
        const first = new Map<string, (typeof items)[number]>();
        for (const item of items) if (!first.has(item.caseId)) first.set(item.caseId, item);
        const ids = [...first.keys()];
        const [rows, last] = await Promise.all([getCaseScopes(db, ids), getLastIdentityChecks(db, ids)]);
        const results = await eachCase(actor, 'POST /v1/identity', 'verification', ids, rows, async (row) => {
          const item = first.get(row.id)!;
          const sides = { holding: row.holdingCountry, claimed: row.claimedNationality, destination: row.destinationCountry };
          if (!onSide('claimed', actor.country, sides)) {
            throw new HttpError(403, 'FORBIDDEN', 'only users of the claimed country may do this on this case');
          }
          const input = {
            actor,
            result: item.result,
            verifiedNationality: item.verifiedNationality ?? null,
            method: item.method,
            evidenceRef: item.evidenceRef ?? null,
            notes: item.notes ?? null,
          };
          const stored = { status: row.status, identity: last.get(row.id) ?? null };
          // Answered from the store, as the workflow would answer it (a referral has closed the
          // workflow); an inconclusive answer is a repeat when it is the very one recorded last.
          if (verificationRepeats(stored, input) || (row.status === 'IDENTITY_PENDING' && sameInconclusive(stored.identity, input))) {
            return row.status;
          }
          return (await temporal.updateCase(row.id, verifyIdentityUpdate, input)).status;
        });
        const byCase = new Map(results.map((r) => [r.caseId, r]));
        const answers = items.map((item) =>
          sameIdentityItem(item, first.get(item.caseId)!)
            ? byCase.get(item.caseId)!
            : {
                caseId: item.caseId,
                ok: false,
                error: { code: 'INVALID_INPUT', message: 'the case is named earlier in this request with another answer' },
              },
        );
        return { status: 200, body: { results: answers } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/cases/:id/cancel',
      summary: 'Cancel a case (supervisor of the holding country, with a reason)',
      tags: ['cases'],
      params: IdParams,
      body: ReasonBody,
      discloses: answersWithCase('answer to cancelling a case'),
      responses: caseChangeResponses('the cancelled case'),
      handler: async ({ actor, params, body, caseRow }) => {
        return { status: 200, body: await commands.cancel(actor, caseRow, body.reason) };
      },
    }),
  ];
}
