// Limits by client address, applied before any token is verified: a flood of bad tokens is cut
// off with 429 and leaves a bounded number of audit entries; the client address is the socket's
// unless TRUST_PROXY names the proxies whose X-Forwarded-For to believe.
import type { Request } from 'express';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../api/auth.js';
import { aggregateAuthFailures } from '../api/auth-failures.js';
import type { AuditTrail } from '../api/audit.js';
import type { AuditEntry } from '../db/audit.js';
import type { AppDeps } from '../api/app.js';
import type { Database } from '../db/client.js';
import { auditLog } from '../db/schema.js';
import type { Actor } from '../workflows/definitions.js';
import { TEST_SECRET, testApp } from './helpers/api.js';
import { makeUsers } from './helpers/fixtures.js';
import { openTestDatabase } from './helpers/stack.js';

let database: Database;
const u = makeUsers();
beforeAll(async () => {
  database = await openTestDatabase(4);
});
afterAll(() => database?.close());

/** An app whose authenticator counts the tokens it is asked to verify. */
function appWith(http: Partial<AppDeps['http']>, extra: Partial<AppDeps> = {}) {
  const real = createAuthenticator({ secret: TEST_SECRET });
  const counter = { verified: 0 };
  const api = testApp(database, {
    authenticate: (req: Request): Promise<Actor> => {
      counter.verified++;
      return real(req);
    },
    http: { bodyLimit: '1mb', bulkBodyLimit: '1mb', bulkConcurrency: 1, rateLimitPerMinute: 100_000, ...http },
    // No allowance refills while a test runs, however slow the machine.
    rateLimitClock: () => 0,
    ...extra,
  });
  return { api, counter };
}

/** Documentation addresses (RFC 5737), one per call, so their audit entries are only ours. */
let addresses = 0;
const uniqueAddress = () => `198.51.${100 + (++addresses >> 8)}.${addresses & 255}`;

const failuresFrom = (ip: string) =>
  database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'auth.failed'), sql`${auditLog.details}->>'ip' = ${ip}`));

describe('failed authentications from one address', () => {
  it('are refused with 429 before verification once over budget, and logged as a bounded number of entries with a count', async () => {
    const ip = uniqueAddress();
    const { api, counter } = appWith({ authFailuresPerAddressPerMinute: 20, trustProxy: ['loopback'] });
    const statuses: number[] = [];
    let refused: { body: any; headers: Record<string, string> } | undefined;
    for (let i = 0; i < 300; i++) {
      const res = await api.call('get', '/v1/stats', { headers: { Authorization: 'Bearer not.a.token', 'X-Forwarded-For': ip } });
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(280).fill(429));
    expect(counter.verified).toBe(20);
    expect(refused!.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A good token from that address waits too; another address is not affected.
    expect((await api.call('get', '/v1/stats', { as: u.khOfficer, headers: { 'X-Forwarded-For': ip } })).status).toBe(429);
    expect((await api.call('get', '/v1/stats', { as: u.khOfficer, headers: { 'X-Forwarded-For': uniqueAddress() } })).status).toBe(200);

    // The first failure at once; the other 19, and the 281 requests refused unverified, as one
    // entry when the minute ends — or, as here, when the API stops.
    expect((await failuresFrom(ip)).map((r) => (r.details as { count: number }).count)).toEqual([1]);
    await api.app.authFailures.flush();
    const rows = await failuresFrom(ip);
    expect(rows.map((r) => (r.details as { count: number }).count)).toEqual([1, 19]);
    expect(rows[1].details).toMatchObject({ aggregated: true, refusedUnverified: 281, routes: ['/v1/stats'] });
  });

  it('every request from one address counts against its limit before its token is looked at', async () => {
    const ip = uniqueAddress();
    const { api, counter } = appWith({ rateLimitPerAddressPerMinute: 5, trustProxy: ['loopback'] });
    const users = [u.khOfficer, u.khSupervisor, u.cnOfficer, u.cnSupervisor, u.khAuditor];
    for (const user of users)
      expect((await api.call('get', '/v1/stats', { as: user, headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
    const sixth = await api.call('get', '/v1/stats', { as: u.vnOfficer, headers: { 'X-Forwarded-For': ip } });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('RATE_LIMITED');
    expect(sixth.headers['retry-after']).toBeDefined();
    expect(counter.verified).toBe(5);
    // Public routes are not behind it.
    expect((await api.call('get', '/healthz', { headers: { 'X-Forwarded-For': ip } })).status).toBe(200);
  });
});

describe('the client address', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY is configured', async () => {
    const claimed = uniqueAddress();
    const { api } = appWith({ rateLimitPerAddressPerMinute: 3 });
    // Each request names another address; all come from this socket and share its allowance.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await api.call('get', '/v1/stats', { as: u.khOfficer, headers: { 'X-Forwarded-For': uniqueAddress() } })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // A failed authentication is logged with the socket's address, not the one it names.
    const { api: other } = appWith({});
    expect(
      (await other.call('get', '/v1/stats', { headers: { Authorization: 'Bearer not.a.token', 'X-Forwarded-For': claimed } })).status,
    ).toBe(401);
    expect(await failuresFrom(claimed)).toEqual([]);
  });

  it('takes it from X-Forwarded-For when the request comes from a configured proxy', async () => {
    const client = uniqueAddress();
    const hop = uniqueAddress();
    const { api } = appWith({ trustProxy: ['127.0.0.1/8', '::1', '::ffff:127.0.0.1'] });
    const res = await api.call('get', '/v1/stats', {
      headers: { Authorization: 'Bearer not.a.token', 'X-Forwarded-For': `${client}, ${hop}` },
    });
    expect(res.status).toBe(401);
    // The nearest hop that is not a configured proxy is the client's.
    await expect.poll(async () => (await failuresFrom(hop)).length).toBe(1);
    const { api: trusting } = appWith({ trustProxy: 2 });
    await trusting.call('get', '/v1/stats', { headers: { Authorization: 'Bearer not.a.token', 'X-Forwarded-For': `${client}, ${hop}` } });
    await expect.poll(async () => (await failuresFrom(client)).length).toBe(1);
  });
});

describe('the counted failed authentications', () => {
  afterEach(() => vi.useRealTimers());

  it('are written once per address and window: the first at once, the rest with their count when the window ends', async () => {
    vi.useFakeTimers();
    const written: AuditEntry[] = [];
    const trail: AuditTrail = { record: async (entry) => void written.push(entry) };
    const failures = aggregateAuthFailures(trail, 60_000);
    const failure = (ip: string): AuditEntry => ({
      at: new Date().toISOString(),
      actor: null,
      action: 'auth.failed',
      outcome: 'denied',
      details: { ip, route: '/v1/cases', code: 'UNAUTHORIZED' },
    });
    for (let i = 0; i < 300; i++) await failures.record(failure('203.0.113.5'));
    await failures.record(failure('2001:db8:1:2::a'));
    await failures.record(failure('2001:db8:1:2::b'));
    failures.refused('203.0.113.5');
    await failures.record({ at: new Date().toISOString(), actor: null, action: 'request.denied', outcome: 'denied' });
    expect(written.map((e) => [e.action, e.details?.ip, e.details?.count])).toEqual([
      ['auth.failed', '203.0.113.5', 1],
      ['auth.failed', '2001:db8:1:2::a', 1],
      ['request.denied', undefined, undefined],
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(written.slice(3).map((e) => [e.details?.ip, e.details?.count, e.details?.refusedUnverified])).toEqual([
      ['203.0.113.5', 299, 1],
      ['2001:db8:1:2::a', 1, 0],
    ]);
    // A new window begins with the next failure, logged at once again.
    await failures.record(failure('203.0.113.5'));
    expect(written).toHaveLength(6);
    await failures.flush();
    expect(written).toHaveLength(6);
  });
});
