// Bearer tokens: HS256 with a shared secret, or an OIDC provider's keys (JWKS) with issuer and
// audience checked. Forged, expired, not-yet-valid, unsigned, wrong-key and wrong-audience tokens
// are all refused.
import { createServer, type Server } from 'node:http';
import type { Request } from 'express';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../api/auth.js';
import { addressKey, createRateLimiter } from '../api/rate-limit.js';

const request = (token?: string) =>
  ({ get: (name: string) => (name.toLowerCase() === 'authorization' && token ? `Bearer ${token}` : undefined) }) as unknown as Request;
const now = () => Math.floor(Date.now() / 1000);
const claims = { role: 'supervisor', country: 'KH', name: 'Chan Vuthy' };

describe('OIDC tokens (JWKS)', () => {
  let server: Server;
  let jwksUrl: string;
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;
  let other: Awaited<ReturnType<typeof generateKeyPair>>;
  let fetches = 0;
  const issuer = 'https://idp.example.gov.kh/';
  const audience = 'repatriation-api';

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    other = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      fetches++;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const token = (
    opts: { key?: Parameters<SignJWT['sign']>[0]; kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number; alg?: string } = {},
  ) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? 'k1' })
      .setSubject('kh-supervisor-7')
      .setIssuer(opts.iss ?? issuer)
      .setAudience(opts.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? now() + 600);
    if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
    return jwt.sign(opts.key ?? keys.privateKey);
  };

  it('accepts a token from the provider, and caches its keys', async () => {
    const authenticate = createAuthenticator({ jwksUrl, issuer, audience });
    expect(await authenticate(request(await token()))).toEqual({
      sub: 'kh-supervisor-7',
      name: 'Chan Vuthy',
      role: 'supervisor',
      country: 'KH',
    });
    const before = fetches;
    await authenticate(request(await token()));
    expect(fetches).toBe(before);
  });

  it('refuses the wrong audience, the wrong issuer, another key, expired and not-yet-valid tokens', async () => {
    const authenticate = createAuthenticator({ jwksUrl, issuer, audience });
    const bad = {
      audience: await token({ aud: 'another-api' }),
      issuer: await token({ iss: 'https://evil.example/' }),
      otherKey: await token({ key: other.privateKey }),
      expired: await token({ exp: now() - 120 }),
      notYet: await token({ nbf: now() + 600 }),
    };
    for (const [name, jwt] of Object.entries(bad)) {
      await expect(authenticate(request(jwt)), name).rejects.toMatchObject({ status: 401 });
    }
  });

  it('refuses an HMAC token made with the public key, and an unsigned one (algorithm pinned)', async () => {
    const authenticate = createAuthenticator({ jwksUrl, issuer, audience });
    const publicPem = JSON.stringify(await exportJWK(keys.publicKey));
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('x')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(publicPem));
    await expect(authenticate(request(confused))).rejects.toMatchObject({ status: 401 });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${b64({ alg: 'none', kid: 'k1' })}.${b64({ ...claims, sub: 'x', iss: issuer, aud: audience, exp: now() + 600 })}.`;
    await expect(authenticate(request(unsigned))).rejects.toMatchObject({ status: 401 });
  });
});

describe('HS256 tokens', () => {
  const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
  const authenticate = createAuthenticator({ secret });
  const sign = (extra: (jwt: SignJWT) => SignJWT) =>
    extra(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1')).sign(new TextEncoder().encode(secret));

  it('refuses a token issued in the future and one without exp', async () => {
    await expect(
      authenticate(request(await sign((j) => j.setExpirationTime(now() + 600).setIssuedAt(now() + 3600)))),
    ).rejects.toMatchObject({ status: 401 });
    await expect(authenticate(request(await sign((j) => j)))).rejects.toMatchObject({ status: 401 });
    expect(await authenticate(request(await sign((j) => j.setExpirationTime(now() + 600).setIssuedAt())))).toMatchObject({ sub: 'u1' });
  });

  it('refuses a token valid for longer than the maximum lifetime (12 h unless configured)', async () => {
    const hundredYears = await sign((j) => j.setIssuedAt().setExpirationTime(now() + 100 * 365 * 86_400));
    await expect(authenticate(request(hundredYears))).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    // Without iat, the time left until exp counts.
    await expect(authenticate(request(await sign((j) => j.setExpirationTime(now() + 13 * 3600))))).rejects.toMatchObject({ status: 401 });
    // Issued an hour ago for 13 h: still over, though only 12 h are left.
    await expect(
      authenticate(request(await sign((j) => j.setIssuedAt(now() - 3600).setExpirationTime(now() + 12 * 3600)))),
    ).rejects.toMatchObject({ status: 401 });
    expect(await authenticate(request(await sign((j) => j.setIssuedAt().setExpirationTime(now() + 12 * 3600))))).toMatchObject({
      sub: 'u1',
    });
    expect(await authenticate(request(await sign((j) => j.setExpirationTime(now() + 12 * 3600))))).toMatchObject({ sub: 'u1' });
    const hourly = createAuthenticator({ secret, maxTokenLifetimeSeconds: 3600 });
    await expect(hourly(request(await sign((j) => j.setIssuedAt().setExpirationTime(now() + 2 * 3600))))).rejects.toMatchObject({
      status: 401,
    });
    expect(await hourly(request(await sign((j) => j.setIssuedAt().setExpirationTime(now() + 3600))))).toMatchObject({ sub: 'u1' });
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => createAuthenticator({ secret: 'twelve-chars' })).toThrow(/at least 32 bytes/);
    expect(() => createAuthenticator({ secret: 'x'.repeat(31) })).toThrow(/at least 32 bytes/);
    expect(() => createAuthenticator({ secret: 'x'.repeat(32) })).not.toThrow();
  });
});

describe('rate limit', () => {
  it('allows a minute of allowance in a burst, then one more each time a token refills', () => {
    let t = 0;
    const limiter = createRateLimiter(60, () => t);
    for (let i = 0; i < 60; i++) expect(limiter.take('alice').ok).toBe(true);
    expect(limiter.take('alice')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('bob').ok).toBe(true);
    t += 1000;
    expect(limiter.take('alice').ok).toBe(true);
    expect(limiter.take('alice').ok).toBe(false);
  });

  it('checks a key without taking from it', () => {
    const limiter = createRateLimiter(2, () => 0);
    expect(limiter.check('a').ok).toBe(true);
    limiter.take('a');
    expect(limiter.check('a').ok).toBe(true);
    expect(limiter.check('a').ok).toBe(true);
    limiter.take('a');
    expect(limiter.check('a')).toEqual({ ok: false, retryAfterSeconds: 30 });
  });

  it('limits an IPv6 client by its /64 and an IPv4-mapped one by its IPv4 address', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
  });
});
