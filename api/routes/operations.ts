import { randomUUID } from 'node:crypto';
import { countCasesByStatus, getOperation, insertOperation, listOperations } from '../../db/operations.js';
import type { AppDeps } from '../app.js';
import { HttpError, forbidden, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { CreateOperationBody, IdParams, OperationDetail, OperationList, Operation, Page } from '../schemas.js';
import { decodeCursor, encodeCursor, scopeCountry } from '../scope.js';

export function operationRoutes({ db }: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/v1/operations',
      summary: 'Create a joint operation; with a client-chosen id, the same request again answers 200 with the operation it created',
      tags: ['operations'],
      body: CreateOperationBody,
      responses: {
        201: { description: 'the operation', schema: Operation },
        200: { description: 'an operation with this id was created by the caller before; it is returned unchanged', schema: Operation },
        ...errorResponses(400, 401, 403, 409, 413, 503),
      },
      handler: async ({ actor, body }) => {
        const participating = [...new Set(body.participatingCountries)];
        if (!(participating as string[]).includes(actor.country)) throw forbidden('only a participating country opens an operation');
        const { created, operation } = await insertOperation(db, {
          id: body.id ?? randomUUID(),
          name: body.name,
          leadCountry: body.leadCountry,
          participatingCountries: participating,
          startedOn: body.startedOn ?? null,
          description: body.description ?? null,
          custodyLimitDays: body.custodyLimitDays ?? null,
          createdBy: actor.sub,
          createdAt: new Date().toISOString(),
        }, actor);
        if (!created && operation.createdBy !== actor.sub) throw new HttpError(409, 'CONFLICT', 'an operation with this id exists');
        return { status: created ? 201 : 200, body: operation };
      },
    }),
    route({
      method: 'get',
      path: '/v1/operations',
      summary: 'List operations, oldest first',
      tags: ['operations'],
      query: Page,
      responses: { 200: { description: 'a page of operations', schema: OperationList }, ...errorResponses(400, 401, 503) },
      handler: async ({ query }) => {
        const page = await listOperations(db, query.limit, decodeCursor(query.cursor));
        return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/operations/:id',
      summary: 'One operation, with its case counts by status',
      tags: ['operations'],
      params: IdParams,
      responses: { 200: { description: 'the operation', schema: OperationDetail }, ...errorResponses(400, 401, 404, 503) },
      handler: async ({ actor, params }) => {
        const operation = await getOperation(db, params.id);
        if (!operation) throw notFound('operation');
        const byStatus = await countCasesByStatus(db, operation.id, scopeCountry(actor));
        const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
        return { status: 200, body: { ...operation, caseCounts: { total, byStatus } } };
      },
    }),
  ];
}
