// The Express application: what tests drive with supertest and server.ts listens with.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { getCaseScope } from '../db/case-detail.js';
import type { Db } from '../db/client.js';
import { getTransfer } from '../db/transfers.js';
import type { Limits } from '../lib/config.js';
import type { FieldProtection, KeyRing } from '../lib/crypto.js';
import { DEFAULT_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE, DEFAULT_TEAM_STREAM_HOLD_MS, DEFAULT_TEAM_STREAM_POLL_INTERVAL_MS, limitsOrDefaults } from '../lib/config.js';
import { log } from '../lib/log.js';
import type { Actor, CaseTimings, Role, WebhookTimings } from '../workflows/definitions.js';
import type { AuditTrail } from './audit.js';
import { guardAuthentication } from './auth.js';
import { aggregateAuthFailures, type AuthFailureLog } from './auth-failures.js';
import { createCommands } from './commands.js';
import { consoleRouter } from './console.js';
import { createErrorMiddleware, HttpError, notFound } from './errors.js';
import { CaseEventFeed } from './event-feed.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import { createRateLimiter } from './rate-limit.js';
import { createStreamSlots } from './stream-slots.js';
import { TeamChangeFeed } from './team-feed.js';
import { mount, route, type RouteSpec } from './http.js';
import { buildOpenApi } from './openapi.js';
import { auditRoutes } from './routes/audit.js';
import { codecRoutes } from './routes/codec.js';
import { caseRoutes } from './routes/cases.js';
import { eventRoutes } from './routes/events.js';
import { teamStreamRoutes } from './routes/team-stream.js';
import { healthRoutes } from './routes/health.js';
import { stixRoutes } from './routes/stix.js';
import { graphRoutes } from './routes/graph.js';
import { intelRoutes } from './routes/intel.js';
import { noticeRoutes } from './routes/notices.js';
import { releaseRequestRoutes } from './routes/release-requests.js';
import { operationRoutes } from './routes/operations.js';
import { safeguardRoutes } from './routes/safeguards.js';
import { devRoutesGuard, sessionRoutes } from './routes/session.js';
import { statsRoutes } from './routes/stats.js';
import { teamRoutes } from './routes/teams.js';
import { transferRoutes } from './routes/transfers.js';
import { wakeSubscriptionsOnTeamWrites, webhookRoutes } from './routes/webhooks.js';
import { worklistRoutes } from './routes/worklists.js';
import type { TemporalGateway } from './temporal.js';

export interface AppDeps {
  db: Db;
  temporal: TemporalGateway;
  pingDatabase: () => Promise<void>;
  authenticate: (req: Request) => Promise<Actor>;
  timings: CaseTimings;
  http: {
    bodyLimit: string;
    bulkBodyLimit: string;
    bulkConcurrency: number;
    /** Per user, after authentication. */
    rateLimitPerMinute: number;
    /** Per client address, before authentication; default DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE. */
    rateLimitPerAddressPerMinute?: number;
    /** Failed authentications per client address before its requests are refused unverified. */
    authFailuresPerAddressPerMinute?: number;
    /** Express's `trust proxy`: false (default: the socket's address is the client's), hops, or proxies. */
    trustProxy?: false | number | string[];
  };
  /** How long failed authentications from one address are counted into one audit entry (default 1 min). */
  authFailureWindowMs?: number;
  /** The rate limits' clock; tests hold it still so that no allowance refills during a test. */
  rateLimitClock?: () => number;
  audit: AuditTrail;
  /** Decrypts document numbers for answers; encrypts and fingerprints them at intake. */
  protect: FieldProtection;
  /** The payload key ring, for the codec endpoint. */
  keyRing: KeyRing;
  /** Origins allowed to call the codec endpoint from a browser (the Temporal Web UI). */
  codecCorsOrigins?: string[];
  /** Keys the audit chain; never stored in the database. */
  auditKey: string;
  /** Custody maximum, open streams, open transfer batches; defaults: lib/config.ts DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /** The event stream's polling of the case timeline and keep-alive; defaults suit production. */
  stream?: Partial<{ pollIntervalMs: number; heartbeatMs: number; maxBufferedBytes: number; teamPollIntervalMs: number; teamHoldMs: number; teamClock: () => number }>;
  /** Webhook subscriptions: their workflows' pacing (default DEFAULT_WEBHOOK_TIMINGS), and the hosts URLs may name (unset: any but internal ones, lib/internal-addresses.ts). */
  webhooks?: { timings?: WebhookTimings; allowHosts?: string[] };
  /** The built web console to serve at /console; none when omitted. */
  consoleDir?: string;
  /**
   * Mints tokens for the console's development sign-in. Given only to a system running on its
   * development secret; without it the /v1/dev routes do not exist.
   */
  devTokens?: (claims: { sub: string; name: string; role: Role; country: string }, ttlSeconds: number) => Promise<string>;
}

/** Headers for an API that serves personal data and is never framed or cached. */
const SECURITY_HEADERS: [string, string][] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
  ['Cache-Control', 'no-store'],
];
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  next();
}

/** One debug line per request: route pattern, status, time, who — never the query or the body. */
function accessLog(req: Request, res: Response, next: NextFunction): void {
  if (!log.enabled('debug')) return next();
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    log.debug('request', {
      method: req.method,
      route: req.route?.path ?? null,
      status: res.statusCode,
      ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
      actor: (res.locals.actor as Actor | undefined)?.sub ?? null,
    });
  });
  next();
}

/** The Temporal Web UI calls the codec endpoint from the browser: answer its preflight. */
function codecCors(origins: string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.get('origin');
    if (origin && origins.includes(origin)) {
      res.set({
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Namespace, X-Purpose',
        'Access-Control-Allow-Methods': 'POST',
        Vary: 'Origin',
      });
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}

/** A known path asked with a method it does not take: 405 with the methods it does take. */
function methodNotAllowed(routes: RouteSpec[]) {
  const paths = routes.map((r) => ({
    method: r.method.toUpperCase(),
    pattern: new RegExp('^' + r.path.replace(/:(\w+)/g, '[^/]+') + '/?$'),
  }));
  return (req: Request, _res: Response, next: NextFunction): void => {
    const methods = [...new Set(paths.filter((p) => p.pattern.test(req.path)).map((p) => p.method))];
    if (methods.length === 0) return next();
    if (methods.includes('GET')) methods.push('HEAD');
    next(
      new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${methods.join(' or ')}`, undefined, {
        Allow: methods.join(', '),
      }),
    );
  };
}

export const API_INFO = {
  title: 'Repatriation case engine',
  version: '1.0.0',
  description:
    'Cases of people arrested in joint operations, from intake through identity verification, bilateral approval and transfer to a confirmed handover.',
};

/** The application, with what its server and its tests reach beside the HTTP interface. */
export type CaseApp = Express & {
  /** Every route as declared (the OpenAPI document's source). */
  readonly routes: RouteSpec[];
  /** The event stream's feed: ended when the server closes. */
  readonly eventFeed: CaseEventFeed;
  /** The team streams' feed: ended when the server closes. */
  readonly teamFeed: TeamChangeFeed;
  /** Failed authentications counted and not yet written: flushed when the server closes. */
  readonly authFailures: AuthFailureLog;
  /** This app's Prometheus metrics (served on METRICS_PORT by the entry points, not on the API's port). */
  readonly metrics: ApiMetrics;
  /** `deps.temporal` with its calls timed: what background duties of the same process use too. */
  readonly temporal: TemporalGateway;
};

export function createApp(appDeps: AppDeps): CaseApp {
  // The case stream and the team streams share the caps on open streams.
  const slots = createStreamSlots(limitsOrDefaults(appDeps.limits));
  const metrics = createApiMetrics({ db: appDeps.db, openStreams: () => slots.open() });
  const deps: AppDeps = { ...appDeps, temporal: metrics.instrument(appDeps.temporal) };
  const commands = createCommands(deps);
  const feed = new CaseEventFeed(deps.db, { pollIntervalMs: deps.stream?.pollIntervalMs ?? 500 });
  const teamFeed = new TeamChangeFeed(deps.db, {
    pollIntervalMs: deps.stream?.teamPollIntervalMs ?? DEFAULT_TEAM_STREAM_POLL_INTERVAL_MS,
    holdMs: deps.stream?.teamHoldMs ?? DEFAULT_TEAM_STREAM_HOLD_MS,
    now: deps.stream?.teamClock,
  });
  const streamOptions = {
    heartbeatMs: deps.stream?.heartbeatMs ?? 15_000,
    maxBufferedBytes: deps.stream?.maxBufferedBytes ?? 4 << 20,
  };
  const routes: RouteSpec[] = [
    ...healthRoutes(deps),
    ...operationRoutes(deps),
    ...caseRoutes(deps, commands),
    ...safeguardRoutes(commands),
    ...transferRoutes(deps, commands),
    ...statsRoutes(deps),
    ...auditRoutes(deps),
    ...codecRoutes(deps),
    ...worklistRoutes(deps),
    ...eventRoutes(deps, feed, slots, streamOptions),
    ...sessionRoutes(deps),
    ...teamRoutes(deps),
    ...intelRoutes(deps),
    ...releaseRequestRoutes(deps),
    ...noticeRoutes(deps),
    ...webhookRoutes(deps),
    ...teamStreamRoutes(deps, teamFeed, slots, streamOptions),
    ...graphRoutes(deps),
    ...stixRoutes(deps),
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
  app.set('trust proxy', deps.http.trustProxy ?? false);
  const auditTrail = aggregateAuthFailures(deps.audit, deps.authFailureWindowMs);
  app.use(metrics.middleware);
  app.use(securityHeaders);
  app.use(accessLog);
  app.use('/codec', codecCors(deps.codecCorsOrigins ?? []));
  if (deps.consoleDir) app.use(consoleRouter(deps.consoleDir));
  app.use('/v1/dev', devRoutesGuard);
  app.use(wakeSubscriptionsOnTeamWrites(deps, (teamId) => teamFeed.wake(teamId)));
  const router = express.Router();
  mount(router, routes, {
    bodyLimit: deps.http.bodyLimit,
    authenticate: guardAuthentication(deps.authenticate, {
      perAddress: createRateLimiter(
        deps.http.rateLimitPerAddressPerMinute ?? DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
        deps.rateLimitClock,
      ),
      failures: createRateLimiter(
        deps.http.authFailuresPerAddressPerMinute ?? DEFAULT_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE,
        deps.rateLimitClock,
      ),
      onRefused: (address) => auditTrail.refused(address),
    }),
    rateLimiter: createRateLimiter(deps.http.rateLimitPerMinute, deps.rateLimitClock),
    loadCase: (id) => getCaseScope(deps.db, id),
    loadTransfer: async (id) => (await getTransfer(deps.db, id)) ?? undefined,
    audit: deps.audit,
  });
  app.use(router);
  app.use(methodNotAllowed(routes));
  app.use(() => {
    throw notFound('route');
  });
  app.use(createErrorMiddleware(auditTrail));
  return Object.assign(app, { routes, eventFeed: feed, teamFeed, authFailures: auditTrail, metrics, temporal: deps.temporal });
}
