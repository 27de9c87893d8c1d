// Route definitions: each route declares who may call it and what it accepts and returns; the
// same declaration mounts the Express handler (with validation) and documents it in OpenAPI.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ROLES, type Actor, type Role } from '../workflows/definitions.js';
import { requireAuth } from './auth.js';
import type { RateLimiter } from './rate-limit.js';
import type { CaseScopeRow } from '../db/case-detail.js';
import { canSee, canSeeTransfer, scopeCountry } from '../db/visibility.js';
import type { TransferDetail } from '../db/transfers.js';
import type { AuditEntry } from '../db/audit.js';
import type { AuditTrail } from './audit.js';
import { HttpError, notFound } from './errors.js';
import { jsonBody } from './json-body.js';
import { POLICY, onSide, policyKey, type RoutePolicy, type Sides } from './policy.js';
import { CaseDetail, ErrorBody } from './schemas.js';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
  /** Other representations the route can give (content type → description), chosen by the request. */
  alternatives?: Record<string, string>;
  /** Media type of the body; default application/json. */
  contentType?: string;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Ctx<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** Present on every route that declares roles. */
  actor: Actor;
  /** The X-Purpose justification, on routes that read personal data. */
  purpose: string;
  /** On case routes (`/v1/cases/:id...`): the case, already checked against the policy. */
  caseRow: CaseScopeRow;
  /** On transfer routes (`/v1/transfers/:id...`): the batch, already checked against the policy. */
  transfer: TransferDetail;
  /** On routes that take uploads: the body in one of their media types, if it came so. */
  upload?: { contentType: string; data: Buffer };
  req: Request;
  res: Response;
}

/** What a handler answers: a status and a body that matches that status's schema (or raw text). */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent as is with this content type instead of JSON (e.g. a CSV export). */
  raw?: { contentType: string; text: string };
}

/** What a handler answers when it has written the response itself (a stream). */
export interface Streamed {
  streamed: true;
}

export interface RouteSpec<P extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Set from POLICY (api/policy.ts); a route without a policy must say it is public. */
  roles?: readonly Role[];
  public?: boolean;
  /** Reads personal data: the caller must say why (X-Purpose), and the read is logged. */
  purpose?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the route reads, by name, with what they mean and the pattern a value must match (documented in OpenAPI). */
  requestHeaders?: Record<string, string | { description: string; pattern: string }>;
  /** Body size limit (express/body-parser syntax); defaults to the app's. */
  bodyLimit?: string;
  /**
   * Other media types the body may have (media type → description): such a body reaches the
   * handler as bytes (`upload`), unparsed, in place of the JSON body.
   */
  uploads?: Record<string, string>;
  /**
   * For a case route that shows the whole case anyway: loads it once the policy check on the scope
   * row has passed (so a case out of the caller's scope costs no more than a missing one), and
   * hands it to the handler in place of the scope row. It must carry the case's countries.
   */
  loadCase?: (id: string) => Promise<CaseScopeRow | undefined>;
  /**
   * The answer carries personal data (a case, or the people on a transfer): mount records the read
   * before anything is sent, and sends nothing when it cannot be recorded (503).
   */
  discloses?: Disclosure;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: Ctx<P, Q, B>) => Promise<Reply | Streamed>;
}

export interface Disclosure {
  /** Recorded as the purpose when the request carries no X-Purpose: why this route answers with the data. */
  impliedPurpose: string;
  /** The read entry for a successful answer's body. */
  entry: (actor: Actor, purpose: string, body: unknown) => AuditEntry;
}

/**
 * Declares a route. The answers every route of its kind can give are added here, so no route
 * forgets one: authentication (401), rate limit (429), roles (403), X-Purpose and bodies (400, 413).
 */
export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  const policy = POLICY[policyKey(spec.method, spec.path)];
  if (!policy && !spec.public) throw new Error(`${spec.method} ${spec.path} has no entry in POLICY and is not public`);
  const roles = policy?.roles;
  const implied: number[] = [];
  if (roles) implied.push(401, 429);
  if (roles && (roles.length < ROLES.length || (policy.scope && policy.scope.side !== 'visible'))) implied.push(403);
  if (policy?.scope) implied.push(404);
  if (spec.purpose || spec.discloses || spec.params || spec.query || spec.body) implied.push(400);
  if (spec.body) implied.push(413);
  if (spec.purpose || spec.discloses) implied.push(503);
  return { ...spec, roles, responses: { ...errorResponses(...implied), ...spec.responses } } as unknown as RouteSpec;
}

export const MAX_PURPOSE = 500;

export interface MountOptions {
  bodyLimit: string;
  authenticate: (req: Request) => Promise<Actor>;
  rateLimiter: RateLimiter;
  loadCase: (id: string) => Promise<CaseScopeRow | undefined>;
  loadTransfer: (id: string) => Promise<TransferDetail | undefined>;
  audit: AuditTrail;
}

/** Applies a route's object scope: 404 for what the caller may not see, 403 for the wrong side. */
async function checkScope(policy: RoutePolicy, actor: Actor, id: string, options: MountOptions, loadCase?: MountOptions['loadCase']) {
  const scope = policy.scope!;
  const country = scopeCountry(actor);
  let sides: Sides | undefined;
  let visible = false;
  let found: CaseScopeRow | TransferDetail | undefined;
  if (scope.object === 'case') {
    // The scope row first, whatever the route shows: a case out of scope costs what a missing one does.
    const row = await options.loadCase(id);
    found = row;
    if (row) sides = { holding: row.holdingCountry, claimed: row.claimedNationality, destination: row.destinationCountry };
    visible = row !== undefined && canSee(country, row);
  } else {
    const transfer = await options.loadTransfer(id);
    found = transfer;
    if (transfer) sides = { holding: transfer.holdingCountry, claimed: null, destination: transfer.destinationCountry };
    visible = transfer !== undefined && canSeeTransfer(country, transfer);
  }
  const countries = sides
    ? [sides.holding, ...(sides.claimed ? [sides.claimed] : []), ...(sides.destination ? [sides.destination] : [])]
    : [];
  if (!found || !sides || !visible) {
    // Out of scope and nonexistent look the same to the caller, in the answer and in its country's
    // audit view (one insert of two entries either way); the second entry is for the object's own
    // countries, or for nobody but admins when there is no such object.
    const err = notFound(scope.object);
    err.denied = { objectIds: [id], scopeCountries: [], objectScope: found ? countries : [] };
    throw err;
  }
  if (!onSide(scope.side, actor.country, sides)) {
    const err = new HttpError(403, 'FORBIDDEN', `only users of the ${scope.side} country may do this on this ${scope.object}`);
    err.denied = { objectIds: [id], scopeCountries: countries };
    throw err;
  }
  if (scope.object === 'case' && loadCase) {
    const whole = await loadCase(id);
    if (!whole) throw notFound(scope.object);
    return whole;
  }
  return found;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(400, 'VALIDATION_FAILED', `invalid ${where}`, {
    issues: result.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })),
  });
}

export function mount(router: Router, routes: RouteSpec[], options: MountOptions): void {
  for (const spec of routes) {
    const handlers: ((req: Request, res: Response, next: NextFunction) => unknown)[] = [];
    if (spec.roles) handlers.push(requireAuth(options.authenticate, spec.roles, options.rateLimiter));
    if (spec.uploads) handlers.push(express.raw({ type: Object.keys(spec.uploads), limit: spec.bodyLimit ?? options.bodyLimit }));
    if (spec.body) handlers.push(jsonBody(spec.bodyLimit ?? options.bodyLimit));
    handlers.push(async (req: Request, res: Response) => {
      const purpose = req.get('x-purpose')?.trim() ?? '';
      if ((spec.purpose && purpose.length === 0) || ((spec.purpose || spec.discloses) && purpose.length > MAX_PURPOSE)) {
        throw new HttpError(400, 'PURPOSE_REQUIRED', `reading personal data needs an X-Purpose header (1 to ${MAX_PURPOSE} characters) saying why`);
      }
      const policy = POLICY[policyKey(spec.method, spec.path)];
      const actor = res.locals.actor as Actor;
      let scoped: CaseScopeRow | TransferDetail | undefined;
      // Ids are stored, searched and audited in lower case, however the caller wrote them.
      const params = typeof req.params.id === 'string' ? { ...req.params, id: req.params.id.toLowerCase() } : req.params;
      if (policy?.scope) {
        const id = parse(z.strictObject({ id: z.uuid() }).passthrough(), params, 'path').id;
        scoped = await checkScope(policy, actor, id, options, spec.loadCase);
      }
      const uploadType = spec.uploads && Buffer.isBuffer(req.body) ? req.is(Object.keys(spec.uploads)) : false;
      const upload = uploadType ? { contentType: uploadType, data: req.body as Buffer } : undefined;
      const ctx = {
        purpose,
        upload,
        caseRow: policy?.scope?.object === 'case' ? scoped : undefined,
        transfer: policy?.scope?.object === 'transfer' ? scoped : undefined,
        params: spec.params ? parse(spec.params, params, 'path') : undefined,
        query: spec.query ? parse(spec.query, req.query, 'query') : undefined,
        body: spec.body && !upload ? parse(spec.body, req.body, 'body') : undefined,
        actor,
        req,
        res,
      };
      if (!spec.query && Object.keys(req.query).length > 0) {
        throw new HttpError(400, 'VALIDATION_FAILED', 'this route takes no query parameters');
      }
      const reply = await spec.handler(ctx as Ctx<never, never, never>);
      if ('streamed' in reply) return;
      if (spec.discloses && reply.status < 300) {
        const entry = spec.discloses.entry(actor, purpose || spec.discloses.impliedPurpose, reply.body);
        const route = `${spec.method.toUpperCase()} ${spec.path}`;
        await options.audit.record({ ...entry, details: { ...entry.details, route, ...(purpose ? {} : { purposeImplied: true }) } });
      }
      if (reply.headers) res.set(reply.headers);
      if (reply.raw) res.status(reply.status).type(reply.raw.contentType).send(reply.raw.text);
      else res.status(reply.status).json(reply.body);
    });
    router[spec.method](spec.path, ...handlers);
  }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'bad input: malformed JSON, unknown fields, wrong types, a missing X-Purpose, or a value the case cannot take',
  401: 'no bearer token, or an invalid or expired one',
  403: 'the caller may not do this',
  404: 'no such resource in the caller\'s scope',
  409: 'conflicts with the current state (wrong stage, a different earlier decision, a closed case)',
  413: 'the request body is too large',
  429: 'too many requests from this user; retry after Retry-After seconds',
  503: 'a dependency (Temporal or the database) is unreachable; retry after Retry-After seconds',
};

/** The error answers a route can give, all in the contract's error shape. */
export function errorResponses(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'error',
        schema: ErrorBody,
        ...(status === 503 || status === 429 ? { headers: { 'Retry-After': 'seconds to wait before retrying' } } : {}),
      },
    ]),
  );
}

/** The answers of a route that changes one case: the case as it now is, or why not. */
export const caseChangeResponses = (description: string): Record<number, ResponseSpec> => ({
  200: { description, schema: CaseDetail },
  ...errorResponses(400, 401, 403, 404, 409, 413, 503),
});
