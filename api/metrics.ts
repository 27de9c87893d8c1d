// What the API process tells Prometheus: requests by route template (never a raw path, an id or a
// name), its calls to Temporal, and a few figures of the case store read on scrape (one aggregate
// each, in one read with a statement timeout, cached a few seconds so many scrapers cost one read).
import type { NextFunction, Request, Response } from 'express';
import { and, count, eq, isNull, notInArray, sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { auditLog, caseHolds, cases } from '../db/schema.js';
import { classifyTemporalError } from '../lib/temporal-errors.js';
import { CASE_STATUSES, TERMINAL_STATUSES } from '../workflows/definitions.js';
import type { TemporalGateway } from './temporal.js';

const OPEN_STATUSES = CASE_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface StoreSnapshot {
  outboxPending: number;
  outboxOldestAgeSeconds: number;
  auditUnsealed: number;
  auditOldestUnsealedAgeSeconds: number;
  openCases: { status: string; holdingCountry: string; count: number }[];
  overdue: { holdingCountry: string; count: number }[];
  activeHolds: number;
}

const ageSeconds = (column: typeof cases.createdAt | typeof auditLog.at) =>
  sql<string | null>`extract(epoch from (now() - min(${column})))`;

/** The store's figures in one read-only pass; each statement is cut at `timeoutMs`. */
export async function readStoreSnapshot(db: Db, timeoutMs: number): Promise<StoreSnapshot> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`));
    const [outbox] = await tx
      .select({ n: count(), age: ageSeconds(cases.createdAt) })
      .from(cases)
      .where(eq(cases.workflowStarted, false));
    const [audit] = await tx
      .select({ n: count(), age: ageSeconds(auditLog.at) })
      .from(auditLog)
      .where(isNull(auditLog.seq));
    const open = await tx
      .select({ status: cases.status, holdingCountry: cases.holdingCountry, count: count() })
      .from(cases)
      .where(notInArray(cases.status, [...TERMINAL_STATUSES]))
      .groupBy(cases.status, cases.holdingCountry);
    const overdue = await tx
      .select({ holdingCountry: cases.holdingCountry, count: count() })
      .from(cases)
      .where(and(eq(cases.overdue, true), notInArray(cases.status, [...TERMINAL_STATUSES])))
      .groupBy(cases.holdingCountry);
    const [holds] = await tx.select({ n: count() }).from(caseHolds).where(isNull(caseHolds.endedAt));
    return {
      outboxPending: outbox.n,
      outboxOldestAgeSeconds: Math.max(0, Number(outbox.age ?? 0)),
      auditUnsealed: audit.n,
      auditOldestUnsealedAgeSeconds: Math.max(0, Number(audit.age ?? 0)),
      openCases: open,
      overdue,
      activeHolds: holds.n,
    };
  });
}

export interface ApiMetrics {
  registry: Registry;
  /** Counts and times every request by method, route template and status. */
  middleware(req: Request, res: Response, next: NextFunction): void;
  /** The gateway with each call to Temporal timed by operation and outcome. */
  instrument(gateway: TemporalGateway): TemporalGateway;
}

export interface ApiMetricsOptions {
  db: Db;
  /** Event streams (case and team) open now in this process. */
  openStreams: () => number;
  /** How long one read of the store's figures serves scrapes (default 5 s). */
  cacheMs?: number;
  /** Bound on that read (default 2 s); past it the figures keep their last values. */
  queryTimeoutMs?: number;
}

function routeLabel(req: Request): string {
  if (req.route?.path) return `${req.baseUrl}${String(req.route.path)}`;
  if (req.path === '/console' || req.path.startsWith('/console/')) return '/console';
  return 'unmatched';
}

function outcomeOf(err: unknown): string {
  return classifyTemporalError(err)?.kind ?? 'error';
}

export function createApiMetrics(options: ApiMetricsOptions): ApiMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (event streams excluded), by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const temporalCalls = new Histogram({
    name: 'api_temporal_call_duration_seconds',
    help: 'Time of each bounded call to Temporal, by operation and outcome (ok, unavailable = answered 503, refused, closed, missing, already-started, error)',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'api_event_streams_open',
    help: 'Event streams (case and team) held open by this API process',
    registers: [registry],
    collect() {
      this.set(options.openStreams());
    },
  });
  const failures = new Counter({
    name: 'api_metrics_store_read_failures_total',
    help: "Reads of the case store's figures that failed or timed out (the figures then keep their last values)",
    registers: [registry],
  });

  const cacheMs = options.cacheMs ?? 5_000;
  const timeoutMs = options.queryTimeoutMs ?? 2_000;
  let last: StoreSnapshot | undefined;
  let read: { at: number; promise: Promise<StoreSnapshot | undefined> } | undefined;
  const snapshot = (): Promise<StoreSnapshot | undefined> => {
    if (!read || Date.now() - read.at >= cacheMs) {
      const bounded = Promise.race([
        readStoreSnapshot(options.db, timeoutMs),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs + 1000).unref()),
      ]);
      read = {
        at: Date.now(),
        promise: bounded.then(
          (s) => (last = s),
          () => {
            failures.inc();
            return last;
          },
        ),
      };
    }
    return read.promise;
  };
  const storeGauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: StoreSnapshot) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await snapshot();
        if (!s) return;
        this.reset();
        fill(this, s);
      },
    });
  storeGauge('intake_outbox_pending', 'Cases recorded whose workflow start is not yet confirmed', [], (g, s) => g.set(s.outboxPending));
  storeGauge('intake_outbox_oldest_age_seconds', 'Age of the oldest case whose workflow has not started (0 when none)', [], (g, s) =>
    g.set(s.outboxOldestAgeSeconds),
  );
  storeGauge('audit_unsealed_entries', 'Audit entries written and not yet sealed into the hash chain', [], (g, s) =>
    g.set(s.auditUnsealed),
  );
  storeGauge('audit_oldest_unsealed_age_seconds', 'Age of the oldest unsealed audit entry: the sealer lag (0 when none)', [], (g, s) =>
    g.set(s.auditOldestUnsealedAgeSeconds),
  );
  storeGauge('cases_open', 'Cases not in a final status, by status and holding country', ['status', 'holding_country'], (g, s) => {
    const countries = new Set(s.openCases.map((r) => r.holdingCountry));
    for (const country of countries) for (const status of OPEN_STATUSES) g.set({ status, holding_country: country }, 0);
    for (const r of s.openCases) g.set({ status: r.status, holding_country: r.holdingCountry }, r.count);
  });
  storeGauge('cases_overdue', 'Open cases past a deadline, by holding country', ['holding_country'], (g, s) => {
    for (const r of s.overdue) g.set({ holding_country: r.holdingCountry }, r.count);
  });
  storeGauge('case_holds_active', 'Holds placed and not ended', [], (g, s) => g.set(s.activeHolds));

  return {
    registry,
    middleware(req, res, next) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const labels = { method: METHODS.has(req.method) ? req.method : 'other', route: routeLabel(req), status: String(res.statusCode) };
        requests.inc(labels);
        if (!String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
          duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        }
      });
      next();
    },
    instrument(gateway) {
      const timed: Record<string, unknown> = {};
      for (const [operation, value] of Object.entries(gateway)) {
        if (typeof value !== 'function') {
          timed[operation] = value;
          continue;
        }
        timed[operation] = async (...args: unknown[]) => {
          const end = temporalCalls.startTimer({ operation });
          try {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(gateway, args);
            end({ outcome: 'ok' });
            return result;
          } catch (err) {
            end({ outcome: outcomeOf(err) });
            throw err;
          }
        };
      }
      return timed as unknown as TemporalGateway;
    },
  };
}
