import { z } from 'zod';
import { getProgress, listPendingDecisions, listTransfers } from '../../db/worklists.js';
import type { AppDeps } from '../app.js';
import { caseReadEntry } from '../audit.js';
import { errorResponses, route } from '../http.js';
import { DECISION_SIDES, DECISION_VALUES, IDENTITY_METHODS, IDENTITY_RESULTS } from '../../workflows/definitions.js';
import { CaseSummary, Id, Page, TransferDetail, TransferStatus } from '../schemas.js';
import { decodeCursor, encodeCursor, scopeCountry } from '../scope.js';

export const PendingDecisionList = z.strictObject({
  items: z.array(
    CaseSummary.extend({
      side: z.enum(DECISION_SIDES).describe("the side the caller's country decides"),
      otherSideDecision: z.enum(DECISION_VALUES).nullable(),
      evidence: z
        .strictObject({
          identity: z
            .strictObject({ result: z.enum(IDENTITY_RESULTS), method: z.enum(IDENTITY_METHODS), verifiedNationality: z.string().nullable() })
            .nullable()
            .describe('the latest identity check'),
          screening: z
            .strictObject({ indicatorsFound: z.number().int().describe('0: screened, no trafficking indicators') })
            .nullable()
            .describe('the latest screening; null to users of other countries than the holding one'),
          documents: z.array(z.strictObject({ type: z.string(), issuingCountry: z.string() })).describe('type and issuing country, no number'),
        })
        .describe('what the decision rests on'),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const TransferList = z.strictObject({
  items: z.array(
    TransferDetail.omit({ createdBy: true, cases: true }).extend({
      cases: z.number().int().describe('cases on board (not dropped)'),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const Progress = z.strictObject({
  items: z.array(
    z.strictObject({
      operationId: Id.nullable(),
      operationName: z.string().nullable(),
      holdingCountry: z.string(),
      destinationCountry: z.string().describe('the destination, or the claimed nationality until it is verified'),
      arrested: z.number().int(),
      verified: z.number().int().describe('nationality confirmed'),
      approved: z.number().int().describe('approved by both sides'),
      handedOver: z.number().int(),
      pending: z.number().int().describe('not yet closed'),
      overdue: z.number().int(),
    }),
  ),
});

export function worklistRoutes({ db, audit }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/decisions/pending',
      summary: 'The supervisor\'s queue: cases awaiting their country\'s decision, earliest deadline first',
      tags: ['decisions'],
      purpose: true,
      query: Page.extend({ operationId: Id.optional(), overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional() }),
      responses: { 200: { description: 'a page of the queue', schema: PendingDecisionList }, ...errorResponses(400, 401, 403, 503) },
      handler: async ({ actor, query, purpose }) => {
        const { limit, cursor, ...filters } = query;
        const page = await listPendingDecisions(db, { country: actor.country, ...filters, limit, after: decodeCursor(cursor) });
        await audit.record(caseReadEntry(actor, 'case.queue.read', purpose, page.items.map((c) => ({ ...c, id: c.caseId })), { filters }));
        return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/transfers',
      summary: 'Transfer batches from or to the caller\'s country, newest first',
      tags: ['transfers'],
      query: Page.extend({ status: TransferStatus.optional() }),
      responses: { 200: { description: 'a page of batches', schema: TransferList }, ...errorResponses(400, 401, 503) },
      handler: async ({ actor, query }) => {
        const page = await listTransfers(db, { country: scopeCountry(actor), status: query.status, limit: query.limit, after: decodeCursor(query.cursor) });
        return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/stats/progress',
      summary: 'Progress per operation and country pair: arrested, verified, approved, handed over, open, overdue',
      tags: ['stats'],
      responses: { 200: { description: 'one row per operation, holding and destination country', schema: Progress }, ...errorResponses(401, 503) },
      handler: async ({ actor }) => ({ status: 200, body: { items: await getProgress(db, scopeCountry(actor)) } }),
    }),
  ];
}
