// Drives the API with supertest and holds every answer to the contract: the status must be one
// the route documents, and the body must match that status's schema exactly.
import request from 'supertest';
import { expect } from 'vitest';
import type { RouteSpec } from '../../api/http.js';
import { createApp, type AppDeps, type CaseApp } from '../../api/app.js';
import { createAuditTrail } from '../../api/audit.js';
import { createAuthenticator, signToken } from '../../api/auth.js';
import type { TemporalGateway } from '../../api/temporal.js';
import type { Database } from '../../db/client.js';
import { encryptedDataConverter } from '../../lib/codec.js';
import { fieldProtection, parseKeyRing } from '../../lib/crypto.js';
import { DEFAULT_TIMINGS, type Actor } from '../../workflows/definitions.js';

export const TEST_SECRET = 'test-secret-with-enough-entropy-0123456789';
export const TEST_AUDIT_KEY = 'test-audit-key-kept-outside-the-database';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

function matchRoute(routes: RouteSpec[], method: string | undefined, path: string): RouteSpec | undefined {
  const bare = path.split('?')[0];
  return routes.find((r) => {
    if (method !== undefined && r.method !== method) return false;
    const pattern = new RegExp('^' + r.path.replace(/:(\w+)/g, '[^/]+') + '$');
    return pattern.test(bare);
  });
}

export class Api {
  private readonly routes: RouteSpec[];
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(readonly app: CaseApp) {
    this.routes = app.routes;
  }

  token(actor: Actor): Promise<string> {
    const key = JSON.stringify(actor);
    if (!this.tokens.has(key)) this.tokens.set(key, signToken(TEST_SECRET, actor));
    return this.tokens.get(key)!;
  }

  async call<T = any>(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    options: { as?: Actor; body?: unknown; raw?: string | Buffer; headers?: Record<string, string>; purpose?: string | null } = {},
  ): Promise<Answer<T>> {
    let req = request(this.app)[method](path);
    if (options.as) req = req.set('Authorization', `Bearer ${await this.token(options.as)}`);
    const purpose = options.purpose === undefined ? 'case work (test)' : options.purpose;
    if (purpose !== null) req = req.set('X-Purpose', purpose);
    for (const [k, v] of Object.entries(options.headers ?? {})) req = req.set(k, v);
    if (options.raw !== undefined) req = req.set('Content-Type', options.headers?.['Content-Type'] ?? 'application/json').send(options.raw);
    else if (options.body !== undefined) req = req.send(options.body as object);
    const res = await req;
    this.checkContract(method, path, res.status, res.body, res.headers['content-type']);
    return { status: res.status, body: res.text && !res.headers['content-type']?.includes('json') ? res.text : res.body, headers: res.headers as Record<string, string> };
  }

  get<T = any>(path: string, as?: Actor) {
    return this.call<T>('get', path, { as });
  }

  post<T = any>(path: string, as: Actor | undefined, body?: unknown) {
    return this.call<T>('post', path, { as, body });
  }

  private checkContract(method: string, path: string, status: number, body: unknown, contentType?: string): void {
    expect(status, `${method.toUpperCase()} ${path} answered a 5xx other than 503: ${JSON.stringify(body)}`).not.toSatisfy(
      (s: number) => s >= 500 && s !== 503,
    );
    const spec = matchRoute(this.routes, method, path);
    if (!spec && matchRoute(this.routes, undefined, path)) {
      expect(status).toBe(405);
      expect(body).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
      return;
    }
    if (!spec) {
      expect(status).toBe(404);
      expect(body).toMatchObject({ error: { code: 'NOT_FOUND' } });
      return;
    }
    const response = spec.responses[status];
    expect(response, `${method.toUpperCase()} ${spec.path} answered ${status}, which it does not document`).toBeDefined();
    const type = (contentType ?? '').split(';')[0].trim();
    if (response?.alternatives && type in response.alternatives) return;
    if (response?.schema) {
      const parsed = response.schema.safeParse(body);
      expect(parsed.success, `${method.toUpperCase()} ${spec.path} ${status} body does not match its schema: ${parsed.error?.message}\n${JSON.stringify(body).slice(0, 2000)}`).toBe(true);
    }
  }
}

/** Fixed keys for tests: the payload key ring, its codec, and field protection of document numbers. */
export const TEST_PAYLOAD_KEYS = `test1:${Buffer.alloc(32, 7).toString('base64')}`;
export const TEST_DOCUMENT_HASH_KEY = 'test-document-hash-key';
export const TEST_KEY_RING = parseKeyRing(TEST_PAYLOAD_KEYS);
export const TEST_DATA_CONVERTER = encryptedDataConverter(TEST_KEY_RING);
export const TEST_PROTECT = fieldProtection(TEST_KEY_RING, TEST_DOCUMENT_HASH_KEY);

/**
 * The API over a database, with test secrets and generous limits; tests override what they are
 * about (a dead Temporal, a low rate limit).
 */
export function testApp(database: Database, overrides: Partial<AppDeps> = {}): Api {
  return new Api(
    createApp({
      db: database.db,
      temporal: { ping: async () => undefined } as unknown as TemporalGateway,
      pingDatabase: database.ping,
      authenticate: createAuthenticator({ secret: TEST_SECRET }),
      timings: DEFAULT_TIMINGS,
      http: {
        bodyLimit: '1mb',
        bulkBodyLimit: '32mb',
        bulkConcurrency: 32,
        rateLimitPerMinute: 100_000,
        rateLimitPerAddressPerMinute: 1_000_000,
        authFailuresPerAddressPerMinute: 100_000,
      },
      audit: createAuditTrail(database.db),
      auditKey: TEST_AUDIT_KEY,
      protect: TEST_PROTECT,
      keyRing: TEST_KEY_RING,
      codecCorsOrigins: ['http://localhost:8233'],
      ...overrides,
    }),
  );
}
