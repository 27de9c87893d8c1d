import type { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { DEV_USERS } from '../../lib/dev-users.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { POLICY } from '../policy.js';
import { SIDES } from '../sides.js';
import { Country, Role } from '../schemas.js';

const Side = z.enum(SIDES);

export const Me = z.strictObject({
  sub: z.string(),
  name: z.string().nullable(),
  role: Role,
  country: z.string(),
  permissions: z
    .record(z.string(), Side.nullable())
    .describe(
      'the routes ("post /v1/cases/:id/screening") this role may call, each with the side of the case or transfer it must be on (null: no object)',
    ),
});

/** The part of the policy that applies to `role`: what the console offers is derived from it. */
export function permissionsOf(role: z.output<typeof Role>): Record<string, z.output<typeof Side> | null> {
  return Object.fromEntries(
    Object.entries(POLICY)
      .filter(([, policy]) => policy.roles.includes(role))
      .map(([key, policy]) => [key, policy.scope?.side ?? null]),
  );
}

const DevUser = z.strictObject({ sub: z.string(), name: z.string(), role: Role, country: Country });
const DevTokenBody = z.strictObject({
  role: Role,
  country: Country,
  sub: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/i, 'letters, digits, dot, dash or underscore')
    .optional(),
  name: z.string().trim().min(1).max(100).optional(),
});
const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1', '::ffff:127.0.0.1'];
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i;

/**
 * A caller on this machine that asked for this machine by name: the socket alone is not enough, as a
 * page on another site whose name resolves to 127.0.0.1 (DNS rebinding) connects from loopback too,
 * but its requests carry its own Host.
 */
function fromThisMachine(req: Request): boolean {
  if (!LOOPBACK_ADDRESSES.includes(req.socket.remoteAddress ?? '')) return false;
  const host = LOOPBACK_HOST.exec(req.headers.host ?? '');
  if (!host) return false;
  return Number(host[1] ?? 80) === req.socket.localPort;
}

/**
 * Mounted on /v1/dev before the routes (and before their bodies are read): to anyone but a caller
 * on this machine the development routes answer as if absent.
 */
export function devRoutesGuard(req: Request, _res: Response, next: NextFunction): void {
  next(fromThisMachine(req) ? undefined : notFound('route'));
}

export function sessionRoutes({ devTokens }: AppDeps) {
  const routes = [
    route({
      method: 'get',
      path: '/v1/me',
      summary: 'Who the token says the caller is',
      tags: ['session'],
      responses: { 200: { description: 'the caller', schema: Me }, ...errorResponses(401) },
      handler: async ({ actor }) => ({
        status: 200,
        body: {
          sub: actor.sub,
          name: actor.name ?? null,
          role: actor.role,
          country: actor.country,
          permissions: permissionsOf(actor.role),
        },
      }),
    }),
  ];
  // Only a system running on its development secret (no AUTH_SECRET, no AUTH_JWKS_URL) is given
  // `devTokens`; elsewhere these routes do not exist.
  if (!devTokens) return routes;
  return [
    ...routes,
    route({
      method: 'get',
      path: '/v1/dev/users',
      summary: 'Development only: the sample users of a local system',
      public: true,
      tags: ['session'],
      responses: { 200: { description: 'the users', schema: z.strictObject({ items: z.array(DevUser) }) }, ...errorResponses(404) },
      handler: async () => ({ status: 200, body: { items: DEV_USERS } }),
    }),
    route({
      method: 'post',
      path: '/v1/dev/tokens',
      summary: 'Development only: a token for any role and country, to callers on this machine that ask for it by a loopback name',
      public: true,
      tags: ['session'],
      body: DevTokenBody,
      responses: {
        201: { description: 'the token', schema: z.strictObject({ token: z.string(), expiresAt: z.string() }) },
        ...errorResponses(400, 404, 413),
      },
      handler: async ({ body }) => {
        const known = DEV_USERS.find((u) => u.role === body.role && u.country === body.country && (!body.sub || u.sub === body.sub));
        const sub = body.sub ?? known?.sub ?? `${body.country.toLowerCase()}-${body.role}`;
        const name = body.name ?? known?.name ?? `${body.country} ${body.role}`;
        const token = await devTokens({ sub, name, role: body.role, country: body.country }, DEV_TOKEN_TTL_SECONDS);
        // The system may cap the lifetime below the one asked for: the token says what it got.
        const { exp } = decodeJwt(token);
        return { status: 201, body: { token, expiresAt: new Date((exp ?? 0) * 1000).toISOString() } };
      },
    }),
  ];
}
