// Bearer-token authentication: HS256 with AUTH_SECRET, or an OIDC provider's keys (JWKS).
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { z } from 'zod';
import { PARTICIPATING_COUNTRIES, ROLES, type Actor, type Role } from '../workflows/definitions.js';
import { MIN_AUTH_SECRET_BYTES } from '../lib/config.js';
import { HttpError } from './errors.js';
import { addressKey, clientAddress, type RateLimiter } from './rate-limit.js';

const Claims = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().max(300).optional(),
  role: z.enum(ROLES),
  country: z.enum(PARTICIPATING_COUNTRIES),
  exp: z.number(),
});

export interface AuthOptions {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** The longest validity a token may claim (exp − iat; exp − now without iat). Default 12 h. */
  maxTokenLifetimeSeconds?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;

/** Clock skew tolerated on exp, nbf and iat. */
const CLOCK_TOLERANCE_SECONDS = 30;

const unauthorized = (message: string) => new HttpError(401, 'UNAUTHORIZED', message, undefined, { 'WWW-Authenticate': 'Bearer' });

export function createAuthenticator(options: AuthOptions): (req: Request) => Promise<Actor> {
  const verify = options.jwksUrl
    ? (() => {
        const keys = createRemoteJWKSet(new URL(options.jwksUrl));
        return (token: string) =>
          jwtVerify(token, keys, {
            issuer: options.issuer,
            audience: options.audience,
            algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
            requiredClaims: ['exp', 'sub'],
            clockTolerance: CLOCK_TOLERANCE_SECONDS,
          });
      })()
    : options.secret
      ? (() => {
          const key = new TextEncoder().encode(options.secret);
          return (token: string) =>
            jwtVerify(token, key, {
              algorithms: ['HS256'],
              requiredClaims: ['exp', 'sub'],
              clockTolerance: CLOCK_TOLERANCE_SECONDS,
              issuer: options.issuer,
              audience: options.audience,
            });
        })()
      : undefined;
  if (!verify) throw new Error('authentication needs AUTH_SECRET or AUTH_JWKS_URL');
  if (!options.jwksUrl && Buffer.byteLength(options.secret!, 'utf8') < MIN_AUTH_SECRET_BYTES) {
    throw new Error(`AUTH_SECRET must be at least ${MIN_AUTH_SECRET_BYTES} bytes`);
  }
  const maxLifetime = options.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;

  // A token verified once is valid until its exp (and after its nbf): its verdict is kept for a
  // little while, so a client's every request does not pay for the signature again.
  const verified = new Map<string, { actor: Actor; until: number; from: number }>();
  const CACHE_SIZE = 10_000;
  const CACHE_MS = 60_000;

  return async (req: Request): Promise<Actor> => {
    const header = req.get('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header) : null;
    if (!match) throw unauthorized('a bearer token is required');
    const token = match[1];
    const now = Date.now();
    const known = verified.get(token);
    if (known && now < known.until && now >= known.from) return known.actor;
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch {
      throw unauthorized('the token is invalid or expired');
    }
    if (typeof payload.iat === 'number' && payload.iat > now / 1000 + CLOCK_TOLERANCE_SECONDS) {
      throw unauthorized('the token is issued in the future');
    }
    const claims = Claims.safeParse(payload);
    if (!claims.success) throw unauthorized('the token lacks the sub, role or country claim');
    // A stolen long-lived token stays useful for its whole life: cap what a token may claim.
    const issuedAt = typeof payload.iat === 'number' ? payload.iat : now / 1000;
    const tolerance = typeof payload.iat === 'number' ? 0 : CLOCK_TOLERANCE_SECONDS;
    if (claims.data.exp - issuedAt > maxLifetime + tolerance) {
      throw unauthorized(`the token is valid for longer than ${maxLifetime} seconds`);
    }
    const { sub, name, role, country } = claims.data;
    const actor = { sub, name, role, country };
    if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, {
      actor,
      until: Math.min(now + CACHE_MS, (claims.data.exp + CLOCK_TOLERANCE_SECONDS) * 1000),
      from: typeof payload.nbf === 'number' ? (payload.nbf - CLOCK_TOLERANCE_SECONDS) * 1000 : 0,
    });
    return actor;
  };
}

export interface AuthenticationGuard {
  /** Requests per client address, taken before the token is looked at. */
  perAddress: RateLimiter;
  /** Failed authentications per client address; once spent, requests are refused unverified. */
  failures: RateLimiter;
  /** Told of each request refused unverified, with its client address (for the audit log). */
  onRefused?: (address: string) => void;
}

const tooMany = (retryAfterSeconds: number, message = 'too many requests; slow down') =>
  new HttpError(429, 'RATE_LIMITED', message, undefined, { 'Retry-After': String(retryAfterSeconds) });

/**
 * Wraps authentication with the client address's limits, so a flood of requests (with bad tokens
 * or none) is refused before any token is verified or any failure is logged.
 */
export function guardAuthentication(
  authenticate: (req: Request) => Promise<Actor>,
  guard: AuthenticationGuard,
): (req: Request) => Promise<Actor> {
  return async (req) => {
    const address = clientAddress(req);
    const key = addressKey(address);
    const allowed = guard.perAddress.take(key);
    if (!allowed.ok) throw tooMany(allowed.retryAfterSeconds);
    const failing = guard.failures.check(key);
    if (!failing.ok) {
      guard.onRefused?.(address);
      throw tooMany(failing.retryAfterSeconds, 'too many failed authentications from this address; slow down');
    }
    try {
      return await authenticate(req);
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) guard.failures.take(key);
      throw err;
    }
  };
}

export function requireAuth(authenticate: (req: Request) => Promise<Actor>, roles: readonly Role[], limiter: RateLimiter) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const actor = await authenticate(req);
    res.locals.actor = actor;
    const allowed = limiter.take(actor.sub);
    if (!allowed.ok) throw tooMany(allowed.retryAfterSeconds);
    if (!roles.includes(actor.role)) throw new HttpError(403, 'FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
    next();
  };
}

/** Mints an HS256 token with the contract's claims (dev tokens, tests). */
export function signToken(
  secret: string,
  claims: { sub: string; role: Role; country: string; name?: string },
  ttlSeconds = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, country: claims.country, ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
