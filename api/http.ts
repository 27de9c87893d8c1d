// Route definitions: each route declares who may call it and what it accepts and returns; the
// same declaration mounts the Express handler (with validation) and documents it in OpenAPI.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { ROLES, type Actor, type Role } from '../workflows/definitions.js';
import { requireAuth } from './auth.js';
import type { RateLimiter } from './rate-limit.js';
import { HttpError } from './errors.js';
import { ErrorBody } from './schemas.js';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
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
  req: Request;
  res: Response;
}

/** What a handler answers: a status and a body that matches that status's schema. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<P extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Roles allowed; omitted for public routes. */
  roles?: readonly Role[];
  /** Reads personal data: the caller must say why (X-Purpose), and the read is logged. */
  purpose?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Body size limit (express/body-parser syntax); defaults to the app's. */
  bodyLimit?: string;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: Ctx<P, Q, B>) => Promise<Reply>;
}

/**
 * Declares a route. The answers every route of its kind can give are added here, so no route
 * forgets one: authentication (401), rate limit (429), roles (403), X-Purpose and bodies (400, 413).
 */
export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  const implied: number[] = [];
  if (spec.roles) implied.push(401, 429);
  if (spec.roles && spec.roles.length < ROLES.length) implied.push(403);
  if (spec.purpose || spec.params || spec.query || spec.body) implied.push(400);
  if (spec.body) implied.push(413);
  return { ...spec, responses: { ...errorResponses(...implied), ...spec.responses } } as unknown as RouteSpec;
}

export const MAX_PURPOSE = 500;

export interface MountOptions {
  bodyLimit: string;
  authenticate: (req: Request) => Promise<Actor>;
  rateLimiter: RateLimiter;
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
    if (spec.body) handlers.push(express.json({ limit: spec.bodyLimit ?? options.bodyLimit, strict: true }));
    handlers.push(async (req: Request, res: Response) => {
      const purpose = req.get('x-purpose')?.trim() ?? '';
      if (spec.purpose && (purpose.length === 0 || purpose.length > MAX_PURPOSE)) {
        throw new HttpError(400, 'PURPOSE_REQUIRED', `reading personal data needs an X-Purpose header (1 to ${MAX_PURPOSE} characters) saying why`);
      }
      const ctx = {
        purpose,
        params: spec.params ? parse(spec.params, req.params, 'path') : undefined,
        query: spec.query ? parse(spec.query, req.query, 'query') : undefined,
        body: spec.body ? parse(spec.body, req.body, 'body') : undefined,
        actor: res.locals.actor as Actor,
        req,
        res,
      };
      if (!spec.query && Object.keys(req.query).length > 0) {
        throw new HttpError(400, 'VALIDATION_FAILED', 'this route takes no query parameters');
      }
      const reply = await spec.handler(ctx as Ctx<never, never, never>);
      if (reply.headers) res.set(reply.headers);
      res.status(reply.status).json(reply.body);
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
