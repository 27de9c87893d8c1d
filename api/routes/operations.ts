import { randomUUID } from 'node:crypto';
import {
  countCasesByStatus,
  getOperation,
  insertOperation,
  listOperations,
  type Operation as StoredOperation,
} from '../../db/operations.js';
import { limitsOrDefaults } from '../../lib/config.js';
import type { AppDeps } from '../app.js';
import { HttpError, forbidden, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { CreateOperationBody, IdParams, OperationDetail, OperationList, Operation, Page } from '../schemas.js';
import { decodeCursor, encodeCursor, scopeCountry } from '../scope.js';

const DAY_MS = 86_400_000;

/** A repeat with the operation's id must ask for the same operation; a different limit or name is another request. */
function sameOperation(stored: StoredOperation, asked: Omit<StoredOperation, 'createdBy' | 'createdAt'>): boolean {
  const countries = (list: string[]) => [...list].sort().join(',');
  return (
    stored.name === asked.name &&
    stored.leadCountry === asked.leadCountry &&
    countries(stored.participatingCountries) === countries(asked.participatingCountries) &&
    stored.startedOn === asked.startedOn &&
    stored.description === asked.description &&
    stored.custodyLimitDays === asked.custodyLimitDays
  );
}

export function operationRoutes({ db, limits }: AppDeps) {
  const custodyLimitMaxDays = Math.floor(limitsOrDefaults(limits).custodyLimitMaxMs / DAY_MS);
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
        const custodyLimitDays = body.custodyLimitDays ?? null;
        // The custody clock of every case of the operation follows this limit: it is a supervisor's
        // decision, within the legal maximum (lengthening one case's custody is an extension).
        if (custodyLimitDays !== null && actor.role !== 'supervisor') throw forbidden('only a supervisor sets the custody limit');
        if (custodyLimitDays !== null && custodyLimitDays > custodyLimitMaxDays) {
          throw new HttpError(
            400,
            'CUSTODY_LIMIT_TOO_LONG',
            `the custody limit cannot exceed the legal maximum of ${custodyLimitMaxDays} days`,
            {
              maxDays: custodyLimitMaxDays,
            },
          );
        }
        const asked = {
          id: body.id ?? randomUUID(),
          name: body.name,
          leadCountry: body.leadCountry,
          participatingCountries: participating,
          startedOn: body.startedOn ?? null,
          description: body.description ?? null,
          custodyLimitDays,
        };
        const { created, operation } = await insertOperation(
          db,
          { ...asked, createdBy: actor.sub, createdAt: new Date().toISOString() },
          actor,
        );
        // An operation never changes once created: a repeat that asks for anything else is refused.
        if (!created && (operation.createdBy !== actor.sub || !sameOperation(operation, asked))) {
          throw new HttpError(409, 'CONFLICT', 'an operation with this id exists');
        }
        return { status: created ? 201 : 200, body: operation };
      },
    }),
    route({
      method: 'get',
      path: '/v1/operations',
      summary: "List the operations the caller's country takes part in (admins: all), oldest first",
      tags: ['operations'],
      query: Page,
      responses: { 200: { description: 'a page of operations', schema: OperationList }, ...errorResponses(400, 401, 503) },
      handler: async ({ actor, query }) => {
        const page = await listOperations(db, { country: scopeCountry(actor), limit: query.limit, after: decodeCursor(query.cursor) });
        return { status: 200, body: { items: page.items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/operations/:id',
      summary: "One operation the caller's country takes part in (admins: any), with its case counts by status",
      tags: ['operations'],
      params: IdParams,
      responses: { 200: { description: 'the operation', schema: OperationDetail }, ...errorResponses(400, 401, 404, 503) },
      handler: async ({ actor, params }) => {
        // Out of scope answers as unknown, so operation ids cannot be probed.
        const operation = await getOperation(db, params.id, scopeCountry(actor));
        if (!operation) throw notFound('operation');
        const byStatus = await countCasesByStatus(db, operation.id, scopeCountry(actor));
        const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
        return { status: 200, body: { ...operation, caseCounts: { total, byStatus } } };
      },
    }),
  ];
}
