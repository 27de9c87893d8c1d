// The Express application: what tests drive with supertest and server.ts listens with.
import express, { type Request } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { Actor, CaseTimings, Role } from '../workflows/definitions.js';
import { consoleRouter } from './console.js';
import { errorMiddleware, notFound } from './errors.js';
import { CaseEventFeed } from './event-feed.js';
import { mount, route, type RouteSpec } from './http.js';
import { buildOpenApi } from './openapi.js';
import { caseRoutes } from './routes/cases.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { operationRoutes } from './routes/operations.js';
import { sessionRoutes } from './routes/session.js';
import { statsRoutes } from './routes/stats.js';
import { transferRoutes } from './routes/transfers.js';
import { worklistRoutes } from './routes/worklists.js';
import type { TemporalGateway } from './temporal.js';

export interface AppDeps {
  db: Db;
  temporal: TemporalGateway;
  pingDatabase: () => Promise<void>;
  authenticate: (req: Request) => Promise<Actor>;
  timings: CaseTimings;
  http: { bodyLimit: string; bulkBodyLimit: string; bulkConcurrency: number };
  /** The event stream's polling of the case timeline and keep-alive; defaults suit production. */
  stream?: Partial<{ pollIntervalMs: number; heartbeatMs: number; maxBufferedBytes: number }>;
  /** The built web console to serve at /console; none when omitted. */
  consoleDir?: string;
  /**
   * Mints tokens for the console's development sign-in. Given only to a system running on its
   * development secret; without it the /v1/dev routes do not exist.
   */
  devTokens?: (claims: { sub: string; name: string; role: Role; country: string }, ttlSeconds: number) => Promise<string>;
}

export const API_INFO = {
  title: 'Repatriation case engine',
  version: '1.0.0',
  description:
    'Cases of people arrested in joint operations, from intake through identity verification, bilateral approval and transfer to a confirmed handover.',
};

export function createApp(deps: AppDeps) {
  const feed = new CaseEventFeed(deps.db, { pollIntervalMs: deps.stream?.pollIntervalMs ?? 500 });
  const routes: RouteSpec[] = [
    ...healthRoutes(deps),
    ...operationRoutes(deps),
    ...caseRoutes(deps),
    ...transferRoutes(deps),
    ...statsRoutes(deps),
    ...worklistRoutes(deps),
    ...eventRoutes(deps, feed, { heartbeatMs: deps.stream?.heartbeatMs ?? 15_000, maxBufferedBytes: deps.stream?.maxBufferedBytes ?? 4 << 20 }),
    ...sessionRoutes(deps),
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
  app.locals.eventFeed = feed;
  if (deps.consoleDir) app.use(consoleRouter(deps.consoleDir));
  const router = express.Router();
  mount(router, routes, { bodyLimit: deps.http.bodyLimit, authenticate: deps.authenticate });
  app.use(router);
  app.use(() => {
    throw notFound('route');
  });
  app.use(errorMiddleware);
  return app;
}
