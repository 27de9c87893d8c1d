import type { z } from 'zod';
import { getCaseDetail, getCaseScopes, getDecisions, listCaseEvents, type CaseDetail as CaseDetailRow } from '../../db/case-detail.js';
import { listCases } from '../../db/case-list.js';
import { canSee } from '../../db/visibility.js';
import { getOperation } from '../../db/operations.js';
import { limitsOrDefaults } from '../../lib/config.js';
import { mapLimit } from '../../lib/concurrency.js';
import { isSafeguardStatus, projectCase, seesAll, viewStatus } from '../../lib/need-to-know.js';
import { verifyIdentityUpdate, type Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import type { Commands } from '../commands.js';
import { answersWithCase, bulkRefusalEntries, caseReadEntry, isRefusal, recordAll, type BulkRefusal } from '../audit.js';
import { HttpError, notFound, toHttpError, unavailable } from '../errors.js';
import { caseChangeResponses, errorResponses, route } from '../http.js';
import { intakeRefusalEntries, openCases, type IntakeItem } from '../intake.js';
import { CaseDetailWithIntel } from '../intel-schemas.js';
import { caseIntelLinksFor } from './intel.js';
import {
  BulkDecisionBody,
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
      summary: 'Open up to 5,000 cases of one operation; a bad item never blocks the good ones',
      tags: ['cases'],
      params: IdParams,
      body: BulkIntakeBody,
      bodyLimit: deps.http.bulkBodyLimit,
      responses: {
        200: { description: 'counts and one result per item, in request order', schema: BulkIntakeResult },
        ...errorResponses(400, 401, 403, 404, 413, 503),
      },
      handler: async ({ actor, params, body }) => {
        // An operation the officer's country takes no part in does not exist for it.
        const operation = await getOperation(db, params.id, actor.country);
        if (!operation) throw notFound('operation');
        const items: IntakeItem[] = body.cases.map((raw) => {
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
          if (intake.operationId && intake.operationId !== operation.id) {
            return { ok: false, error: new HttpError(400, 'INVALID_INPUT', 'the item names another operation') };
          }
          return { ok: true, intake: { ...intake, operationId: operation.id } };
        });
        const outcomes = await openCases(intakeDeps, actor, items);
        await recordAll(audit, intakeRefusalEntries(actor, outcomes));
        if (outcomes.length > 0 && outcomes.every((o) => o.outcome === 'rejected' && o.error.status === 503)) {
          throw unavailable('TEMPORAL_UNAVAILABLE', 'no case could be opened; retry after Retry-After seconds');
        }
        const count = (kind: string) => outcomes.filter((o) => o.outcome === kind).length;
        return {
          status: 200,
          body: {
            created: count('created'),
            duplicates: count('duplicate'),
            rejected: count('rejected'),
            results: outcomes.map((o, index) =>
              o.outcome === 'rejected'
                ? { index, outcome: o.outcome, ...(o.externalRef ? { externalRef: o.externalRef } : {}), error: errorJson(o.error) }
                : { index, outcome: o.outcome, caseId: o.caseId, externalRef: o.externalRef },
            ),
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
        const { limit, cursor, ...filters } = query;
        const page = await listCases(db, { filters, scopeCountry: scopeCountry(actor), limit, after: decodeCursor(cursor) });
        const shown = page.items.map((c) => ({ ...c, id: c.caseId }));
        const entry = caseReadEntry(actor, 'case.list', purpose, shown, { filters, limit });
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
        const refused: BulkRefusal[] = [];
        const results = await mapLimit(
          ids,
          deps.http.bulkConcurrency,
          async (caseId): Promise<z.output<typeof CaseResults>['results'][number]> => {
            const row = rows.get(caseId);
            if (!row || !canSee(scopeCountry(actor), row)) {
              refused.push({ caseId, row, status: 404, code: 'NOT_FOUND' });
              return { caseId, ok: false, error: errorJson(notFound()) };
            }
            try {
              const status = await commands.decide(actor, row, body.decision, body.reason ?? null, recorded.get(caseId));
              return { caseId, ok: true, status: viewStatus(status, seesAll(scopeCountry(actor), row.holdingCountry)) };
            } catch (err) {
              const http = toHttpError(err);
              if (http.status >= 500 && http.status !== 503) throw err;
              if (isRefusal(http.status)) refused.push({ caseId, row, status: http.status, code: http.code });
              return { caseId, ok: false, error: errorJson(http) };
            }
          },
        );
        await recordAll(audit, bulkRefusalEntries(actor, 'POST /v1/decisions', refused));
        if (results.every((r) => r.error?.code === 'TEMPORAL_UNAVAILABLE')) {
          throw unavailable('TEMPORAL_UNAVAILABLE', 'no decision could be recorded; retry after Retry-After seconds');
        }
        return { status: 200, body: { results } };
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
