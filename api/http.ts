// Route definitions: each route declares who may call it and what it accepts and returns; the
// same declaration mounts the Express handler (with validation) and documents it in OpenAPI.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Actor, Role } from '../workflows/definitions.js';
import { requireAuth } from './auth.js';
import { HttpError } from './errors.js';
import { ErrorBody } from './schemas.js';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
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
  req: Request;
  res: Response;
}

/** What a handler answers: a status and a body that matches that status's schema. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What a handler answers when it has written the response itself (a stream). */
export interface Streamed {
  streamed: true;
}

export interface RouteSpec<P extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined, B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'get' | 'post';
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Roles allowed; omitted for public routes. */
  roles?: readonly Role[];
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the route reads, by name, with what they mean (documented in OpenAPI). */
  requestHeaders?: Record<string, string>;
  /** Body size limit (express/body-parser syntax); defaults to the app's. */
  bodyLimit?: string;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: Ctx<P, Q, B>) => Promise<Reply | Streamed>;
}

export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export interface MountOptions {
  bodyLimit: string;
  authenticate: (req: Request) => Promise<Actor>;
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
    if (spec.roles) handlers.push(requireAuth(options.authenticate, spec.roles));
    if (spec.body) handlers.push(express.json({ limit: spec.bodyLimit ?? options.bodyLimit, strict: true }));
    handlers.push(async (req: Request, res: Response) => {
      const ctx = {
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
      if ('streamed' in reply) return;
      if (reply.headers) res.set(reply.headers);
      res.status(reply.status).json(reply.body);
    });
    router[spec.method](spec.path, ...handlers);
  }
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'bad input: malformed JSON, unknown fields, wrong types, or a value the case cannot take',
  401: 'no bearer token, or an invalid or expired one',
  403: 'the caller may not do this',
  404: 'no such resource in the caller\'s scope',
  409: 'conflicts with the current state (wrong stage, a different earlier decision, a closed case)',
  413: 'the request body is too large',
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
        ...(status === 503 ? { headers: { 'Retry-After': 'seconds to wait before retrying' } } : {}),
      },
    ]),
  );
}
