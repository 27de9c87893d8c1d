// The Express application: what tests drive with supertest and server.ts listens with.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { getCaseScopes } from '../db/cases.js';
import type { Db } from '../db/client.js';
import { getTransfer } from '../db/transfers.js';
import type { Actor, CaseTimings } from '../workflows/definitions.js';
import type { FieldProtection } from '../lib/crypto.js';
import type { AuditTrail } from './audit.js';
import { createErrorMiddleware, notFound } from './errors.js';
import { createRateLimiter } from './rate-limit.js';
import { mount, route, type RouteSpec } from './http.js';
import { buildOpenApi } from './openapi.js';
import { auditRoutes } from './routes/audit.js';
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
  http: { bodyLimit: string; bulkBodyLimit: string; bulkConcurrency: number; rateLimitPerMinute: number };
  audit: AuditTrail;
  /** Decrypts document numbers for answers; encrypts and fingerprints them at intake. */
  protect: FieldProtection;
  /** Keys the audit chain; never stored in the database. */
  auditKey: string;
}

/** Headers for an API that serves personal data and is never framed or cached. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    'Cache-Control': 'no-store',
  });
  next();
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
    ...auditRoutes(deps),
  ];
  let document: unknown;
  routes.push(
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This OpenAPI 3.1 document',
      public: true,
      tags: ['health'],
      responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => ({ status: 200, body: (document ??= buildOpenApi(routes, API_INFO)) }),
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.locals.routes = routes;
  app.use(securityHeaders);
  const router = express.Router();
  mount(router, routes, {
    bodyLimit: deps.http.bodyLimit,
    authenticate: deps.authenticate,
    rateLimiter: createRateLimiter(deps.http.rateLimitPerMinute),
    loadCase: async (id) => (await getCaseScopes(deps.db, [id])).get(id),
    loadTransfer: async (id) => (await getTransfer(deps.db, id)) ?? undefined,
  });
  app.use(router);
  app.use(() => {
    throw notFound('route');
  });
  app.use(createErrorMiddleware(deps.audit));
  return app;
}
