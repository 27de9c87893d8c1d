// The Express application: what tests drive with supertest and server.ts listens with.
import express, { type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { Actor, CaseTimings } from '../workflows/definitions.js';
import { errorMiddleware, notFound } from './errors.js';
import { mount, route, type RouteSpec } from './http.js';
import { buildOpenApi } from './openapi.js';
import { caseRoutes } from './routes/cases.js';
import { healthRoutes } from './routes/health.js';
import { operationRoutes } from './routes/operations.js';
import { safeguardRoutes } from './routes/safeguards.js';
import { statsRoutes } from './routes/stats.js';
import { transferRoutes } from './routes/transfers.js';
import type { TemporalGateway } from './temporal.js';

export interface AppDeps {
  db: Db;
  temporal: TemporalGateway;
  pingDatabase: () => Promise<void>;
  authenticate: (req: Request) => Promise<Actor>;
  timings: CaseTimings;
  http: { bodyLimit: string; bulkBodyLimit: string; bulkConcurrency: number };
}

export const API_INFO = {
  title: 'Repatriation case engine',
  version: '1.0.0',
  description:
    'Cases of people arrested in joint operations, from intake through identity verification, bilateral approval and transfer to a confirmed handover.',
};

export function createApp(deps: AppDeps) {
  const routes: RouteSpec[] = [
    ...healthRoutes(deps),
    ...operationRoutes(deps),
    ...caseRoutes(deps),
    ...safeguardRoutes(deps),
    ...transferRoutes(deps),
    ...statsRoutes(deps),
  ];
  let document: unknown;
  routes.push(
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      tags: ['health'],
      responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => ({ status: 200, body: (document ??= buildOpenApi(routes, API_INFO)) }),
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.locals.routes = routes;
  const router = express.Router();
  mount(router, routes, { bodyLimit: deps.http.bodyLimit, authenticate: deps.authenticate });
  app.use(router);
  app.use(() => {
    throw notFound('route');
  });
  app.use(errorMiddleware);
  return app;
}
