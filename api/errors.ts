// One place that turns every failure into the contract's error shape and status.
import type { NextFunction, Request, Response } from 'express';
import { log } from '../lib/log.js';
import type { AuditTrail } from './audit.js';
import type { AuditEntry } from '../db/audit.js';
import { classifyTemporalError, type TemporalFailure } from '../lib/temporal-errors.js';
import { FAILURE, FANOUT_FAILURE, type Actor, type ItemFailure, type ItemFailureType } from '../workflows/definitions.js';
import { isDatabaseDown } from '../lib/database-errors.js';

export class HttpError extends Error {
  /**
   * For the audit log: what a refused request tried to reach (never shown to the caller). With
   * `objectScope`, a second entry records the refusal for those countries alone (the object's own;
   * none for an object that does not exist), and the first is the caller's country's only.
   */
  denied?: { objectIds: string[]; scopeCountries: string[]; objectScope?: string[] };

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what = 'case') => new HttpError(404, 'NOT_FOUND', `no such ${what}`);
export const forbidden = (message: string) => new HttpError(403, 'FORBIDDEN', message);

const RETRY_AFTER_SECONDS = '5';
export const unavailable = (code: string, message: string) =>
  new HttpError(503, code, message, undefined, { 'Retry-After': RETRY_AFTER_SECONDS });

/** Bodies refused by the JSON parser (api/json-body.ts, body-parser), by the parser's error type. */
const BODY_REFUSALS: Record<string, string> = {
  'entity.invalid.utf8': 'INVALID_UTF8',
  'entity.duplicate.key': 'DUPLICATE_KEY',
  'entity.charset.not.utf8': 'UNSUPPORTED_CHARSET',
  'charset.unsupported': 'UNSUPPORTED_CHARSET',
  'encoding.unsupported': 'UNSUPPORTED_CONTENT_ENCODING',
};

/** The contract's code for each domain failure: a workflow's refusal, or why one case of a batch was not moved. */
const CODES: Record<ItemFailureType, string> = {
  [FAILURE.wrongStage]: 'WRONG_STAGE',
  [FAILURE.forbidden]: 'FORBIDDEN',
  [FAILURE.conflict]: 'CONFLICT',
  [FAILURE.invalid]: 'INVALID_INPUT',
  [FANOUT_FAILURE.refused]: 'REFUSED',
  [FANOUT_FAILURE.closed]: 'CASE_CLOSED',
  [FANOUT_FAILURE.notFound]: 'NOT_FOUND',
  [FANOUT_FAILURE.batchFull]: 'CAPACITY_EXCEEDED',
  [FANOUT_FAILURE.notBoarding]: 'DROPPED_FROM_TRANSFER',
  [FANOUT_FAILURE.notOnTransfer]: 'NOT_ON_TRANSFER',
};

/** The status of a workflow's refusal, by its ApplicationFailure type; any other type is 409 REFUSED. */
const REFUSAL_STATUS: Record<string, number> = {
  [FAILURE.wrongStage]: 409,
  [FAILURE.forbidden]: 403,
  [FAILURE.conflict]: 409,
  [FAILURE.invalid]: 400,
};

/** One item's failure in the contract's error shape. */
export function itemError(failure: ItemFailure): { code: string; message: string } {
  // A batch's result from before failures were typed carries the contract's code already.
  const legacy = (failure as { code?: string }).code;
  return { code: legacy ?? CODES[failure.type] ?? 'REFUSED', message: failure.message };
}

/** A failed call to Temporal as the contract answers it; undefined for a start of a workflow that exists. */
export function temporalHttpError(failure: TemporalFailure): HttpError | undefined {
  switch (failure.kind) {
    case 'refused': {
      const status = failure.type === null ? undefined : REFUSAL_STATUS[failure.type];
      return status ? new HttpError(status, CODES[failure.type as ItemFailureType], failure.message) : new HttpError(409, 'REFUSED', failure.message);
    }
    case 'closed':
      return new HttpError(409, 'CASE_CLOSED', failure.message);
    case 'missing':
      return new HttpError(404, 'NOT_FOUND', failure.message);
    case 'unavailable':
      return unavailable('TEMPORAL_UNAVAILABLE', failure.message);
    case 'already-started':
      return undefined;
  }
}

/** The contract's answer to a workflow's refusal of an update, if the error is one. */
export function toTemporalRefusal(err: unknown): HttpError | undefined {
  const failure = classifyTemporalError(err);
  return failure?.kind === 'refused' ? temporalHttpError(failure) : undefined;
}

/** Maps any error to an HttpError; unknown errors become a logged 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const bodyParser = err as { type?: string; status?: number; expose?: boolean };
  if (typeof bodyParser.type === 'string' && typeof bodyParser.status === 'number' && bodyParser.status < 500) {
    if (bodyParser.type === 'entity.too.large') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
    if (bodyParser.type === 'entity.parse.failed') return new HttpError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    const refused = BODY_REFUSALS[bodyParser.type];
    if (refused) return new HttpError(400, refused, (err as Error).message);
    return new HttpError(400, 'BAD_REQUEST', `the request body could not be read (${bodyParser.type})`);
  }
  // A body sent as gzip or deflate that does not decompress (zlib's codes start with Z_).
  const zlibCode = (err as { code?: unknown }).code;
  if (typeof zlibCode === 'string' && zlibCode.startsWith('Z_')) {
    return new HttpError(400, 'MALFORMED_BODY', 'the request body does not match its Content-Encoding');
  }
  const temporal = classifyTemporalError(err);
  // A case the router found in the store but Temporal does not know: what Temporal said is kept.
  if (temporal?.kind === 'missing') log.warn('Temporal knows no such workflow', { error: (err as Error).message });
  const fromTemporal = temporal && temporalHttpError(temporal);
  if (fromTemporal) return fromTemporal;
  if (isDatabaseDown(err)) return unavailable('DATABASE_UNAVAILABLE', 'the case store is unreachable');
  log.error('unexpected error', { error: err });
  return new HttpError(500, 'INTERNAL', 'an unexpected error occurred');
}

/** Maps errors to the contract's shape; failed authentications and refused requests go to the audit log. */
export function createErrorMiddleware(audit: AuditTrail) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const http = toHttpError(err);
    if (http.status === 401 || http.status === 403 || http.denied) {
      // The refusal is answered once it is logged (or logging has failed and said so).
      const entry: AuditEntry = {
        at: new Date().toISOString(),
        actor: (res.locals.actor as Actor | undefined) ?? null,
        action: http.status === 401 ? 'auth.failed' : 'request.denied',
        objectIds: http.denied?.objectIds ?? [],
        outcome: 'denied',
        scopeCountries: http.denied?.scopeCountries ?? [],
        details: { method: req.method, route: req.route?.path ?? req.path, status: http.status, code: http.code, ip: req.ip ?? null },
      };
      const objectScope = http.denied?.objectScope;
      // Both entries go in one insert (the trail's group commit), whatever the object's scope.
      Promise.all([
        audit.record(entry),
        ...(objectScope ? [audit.record({ ...entry, scopeCountries: objectScope, onlyScopeCountries: true })] : []),
      ])
        .catch((auditErr: unknown) => log.error('could not log a refused request', { error: String(auditErr) }))
        .finally(() => respond(http, req, res, next));
      return;
    }
    respond(http, req, res, next);
  };
}

function respond(http: HttpError, req: Request, res: Response, _next: NextFunction): void {
  if (http.status === 503) {
    log.warn('dependency unavailable', { method: req.method, route: req.route?.path, code: http.code });
  }
  if (res.headersSent) return;
  if (http.headers) res.set(http.headers);
  res.status(http.status).json({ error: { code: http.code, message: http.message, ...(http.details === undefined ? {} : { details: http.details }) } });
}
