import {
  getCaseDetail,
  getCaseScopes,
  type CaseDetail as CaseDetailRow,
  getDecisions,
  canSee,
  listCaseEvents,
  listCases,
  type CaseScopeRow,
} from '../../db/cases.js';
import { getOperation } from '../../db/operations.js';
import { limitsOrDefaults } from '../../lib/config.js';
import { classifyTemporalError } from '../../lib/temporal-errors.js';
import { mapLimit } from '../../lib/concurrency.js';
import { isSafeguardStatus, projectCase, seesAll, viewStatus, type ViewStatus } from '../../lib/need-to-know.js';
import {
  cancelCaseUpdate,
  submitDecisionUpdate,
  verifyIdentityUpdate,
  type Actor,
  type CaseOperationResult,
  type DecisionSide,
  type DecisionValue,
} from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { answersWithCase, bulkRefusalEntries, caseReadEntry, isRefusal, recordAll, type BulkRefusal } from '../audit.js';
import { HttpError, notFound, toHttpError, unavailable } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { intakeRefusalEntries, openCases, type IntakeItem } from '../intake.js';
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

export function caseRoutes(deps: AppDeps) {
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

  function sideOf(actor: Actor, row: CaseScopeRow): DecisionSide | null {
    if (actor.country === row.holdingCountry) return 'holding';
    if (actor.country === row.destinationCountry) return 'destination';
    return null;
  }

  /**
   * One supervisor decision on one case. A repeat of a recorded decision is answered from the
   * store (it also works once the case has closed); anything else goes to the case's workflow.
   */
  async function decide(
    actor: Actor,
    row: CaseScopeRow,
    decision: DecisionValue,
    reason: string | null | undefined,
    recorded: Partial<Record<DecisionSide, string>> | undefined,
  ) {
    const side = sideOf(actor, row);
    const previous = side ? recorded?.[side] : undefined;
    if (previous === decision && actor.sub !== row.openedBy) return row.status;
    if (previous !== undefined && previous !== decision) {
      throw new HttpError(409, 'CONFLICT', `the ${side} side has already decided: ${previous}`);
    }
    try {
      const result = await temporal.updateCase(row.id, submitDecisionUpdate, { actor, decision, reason: reason ?? null });
      return result.status;
    } catch (err) {
      // The case closed while this request was on its way (its workflow ended, aborting the
      // update): when the store shows this very decision (this request repeating one whose answer
      // was lost), it is answered as the repeat it is.
      if (!side || classifyTemporalError(err)?.kind !== 'closed') throw err;
      const [stored, now] = await Promise.all([getDecisions(db, [row.id]), getCaseScopes(db, [row.id])]);
      if (stored.get(row.id)?.[side] !== decision) throw err;
      return now.get(row.id)?.status ?? row.status;
    }
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
      responses: { 200: { description: 'the case', schema: CaseDetail }, ...errorResponses(400, 401, 404, 503) },
      // The whole case is the answer, loaded once the policy check has passed.
      loadCase: async (id) => {
        const found = await getCaseDetail(db, id, deps.protect);
        return found ? { ...found, id: found.caseId } : undefined;
      },
      handler: async ({ actor, purpose, caseRow }) => {
        await audit.record(caseReadEntry(actor, 'case.read', purpose, [caseRow]));
        const { id: _id, ...found } = caseRow as unknown as CaseDetailRow & { id: string };
        return { status: 200, body: projectCase(found, scopeCountry(actor)) };
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
      responses: {
        200: { description: 'the case after the verification', schema: CaseDetail },
        ...errorResponses(400, 401, 403, 404, 409, 413, 503),
      },
      handler: async ({ actor, params, body }) => {
        await temporal.updateCase(params.id, verifyIdentityUpdate, {
          actor,
          result: body.result,
          verifiedNationality: body.verifiedNationality ?? null,
          method: body.method,
          evidenceRef: body.evidenceRef ?? null,
          notes: body.notes ?? null,
        });
        return { status: 200, body: await detail(params.id, actor) };
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
      responses: {
        200: { description: 'the case after the decision (a repeat of the same decision changes nothing)', schema: CaseDetail },
        ...errorResponses(400, 401, 403, 404, 409, 413, 503),
      },
      handler: async ({ actor, params, body, caseRow }) => {
        const recorded = (await getDecisions(db, [caseRow.id])).get(caseRow.id);
        await decide(actor, caseRow, body.decision, body.reason, recorded);
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
          async (caseId): Promise<Omit<CaseOperationResult, 'status'> & { status?: ViewStatus }> => {
            const row = rows.get(caseId);
            if (!row || !canSee(scopeCountry(actor), row)) {
              refused.push({ caseId, row, status: 404, code: 'NOT_FOUND' });
              return { caseId, ok: false, error: errorJson(notFound()) };
            }
            try {
              const status = await decide(actor, row, body.decision, body.reason, recorded.get(caseId));
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
      responses: { 200: { description: 'the cancelled case', schema: CaseDetail }, ...errorResponses(400, 401, 403, 404, 409, 413, 503) },
      handler: async ({ actor, params, body, caseRow }) => {
        if (caseRow.status !== 'CANCELLED') {
          await temporal.updateCase(caseRow.id, cancelCaseUpdate, { actor, reason: body.reason }).catch(async (err) => {
            // Closed on the way by this very cancellation (a repeat whose first answer was lost).
            if (classifyTemporalError(err)?.kind !== 'closed' || (await getCaseScopes(db, [caseRow.id])).get(caseRow.id)?.status !== 'CANCELLED') throw err;
          });
        }
        return { status: 200, body: await detail(params.id, actor) };
      },
    }),
  ];
}
