// What the console relies on besides the case routes: the supervisor's queue, the transfer list,
// progress per operation and country, /v1/me, the development sign-in (and its absence whenever a
// real secret or OIDC provider is configured), and the console's static files.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { permissionsOf } from '../api/routes/session.js';
import { buildApi, listen } from '../api/server.js';
import type { Database } from '../db/client.js';
import { loadConfig } from '../lib/config.js';
import { targetFromConfig } from '../lib/temporal.js';
import { makeUsers } from './helpers/fixtures.js';
import { useStack } from './helpers/stack.js';

const u = makeUsers();
let operationId: string;

const t = useStack(u, { app: { consoleDir: inject('consoleDir') } });
beforeAll(async () => {
  const op = await t.stack.api.post('/v1/operations', u.khOfficer, { name: 'Console lists', leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
  operationId = op.body.id;
});

describe('the supervisor\'s decision queue', () => {
  it('lists the cases awaiting my country\'s side, earliest deadline first, and drops them once decided', async () => {
    const { api } = t.stack;
    const first = await t.steps.open({ operationId });
    const second = await t.steps.open({ operationId });
    const unverified = await t.steps.open({ operationId });
    await t.steps.toApproval(first);
    await t.steps.toApproval(second);
    const queue = (as = u.khSupervisor, extra = '') => api.get(`/v1/decisions/pending?operationId=${operationId}${extra}`, as);

    const kh = await queue();
    expect(kh.status).toBe(200);
    expect(kh.body.items.map((i: { caseId: string; side: string }) => [i.caseId, i.side])).toEqual([
      [first, 'holding'],
      [second, 'holding'],
    ]);
    expect(kh.body.items.map((i: { caseId: string }) => i.caseId)).not.toContain(unverified);
    expect(kh.body.items[0].personName).toMatch(/^Person /);

    const paged = await queue(u.khSupervisor, '&limit=1');
    expect(paged.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([first]);
    const next = await queue(u.khSupervisor, `&limit=1&cursor=${paged.body.nextCursor}`);
    expect(next.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([second]);
    expect(next.body.nextCursor).toBeNull();

    await t.steps.decide(first, u.khSupervisor);
    expect((await queue()).body.items.map((i: { caseId: string }) => i.caseId)).toEqual([second]);
    const cn = await queue(u.cnSupervisor);
    expect(cn.body.items.map((i: { caseId: string; side: string; otherSideDecision: string | null }) => [i.caseId, i.side, i.otherSideDecision])).toEqual([
      [first, 'destination', 'approve'],
      [second, 'destination', null],
    ]);
    expect((await queue(u.vnSupervisor)).body.items).toEqual([]);
    expect((await queue(u.khOfficer)).status).toBe(403);
    expect((await api.get('/v1/decisions/pending?cursor=nonsense', u.khSupervisor)).status).toBe(400);
  });
});

describe('transfers and progress', () => {
  it('lists a country\'s transfer batches and counts each operation\'s progress per country pair', async () => {
    const { api } = t.stack;
    const op = await api.post('/v1/operations', u.khOfficer, { name: 'Console progress', leadCountry: 'CN', participatingCountries: ['CN', 'KH'] });
    const ownOperation: string = op.body.id;
    const caseId = await t.steps.approved({ operationId: ownOperation });
    await t.steps.open({ operationId: ownOperation });
    const { transferId } = await t.steps.transfer([caseId]);

    const list = await api.get('/v1/transfers?status=SCHEDULED&limit=500', u.khOfficer);
    expect(list.status).toBe(200);
    expect(list.body.items.find((t: { transferId: string }) => t.transferId === transferId)).toMatchObject({
      status: 'SCHEDULED',
      holdingCountry: 'KH',
      destinationCountry: 'CN',
      mode: 'charter_flight',
      cases: 1,
      capacity: 200,
    });
    expect((await api.get('/v1/transfers?limit=500', u.cnOfficer)).body.items.map((t: { transferId: string }) => t.transferId)).toContain(transferId);
    expect((await api.get('/v1/transfers?limit=500', u.vnOfficer)).body.items.map((t: { transferId: string }) => t.transferId)).not.toContain(transferId);
    expect((await api.get('/v1/transfers?status=COMPLETED&limit=500', u.khOfficer)).body.items.map((t: { transferId: string }) => t.transferId)).not.toContain(transferId);

    const progress = await api.get('/v1/stats/progress', u.khAuditor);
    expect(progress.status).toBe(200);
    const mine = progress.body.items.filter((r: { operationId: string | null }) => r.operationId === ownOperation);
    expect(mine).toEqual([
      { operationId: ownOperation, operationName: 'Console progress', holdingCountry: 'KH', destinationCountry: 'CN', arrested: 2, verified: 1, approved: 1, handedOver: 0, pending: 2, overdue: 0 },
    ]);
    const vn = await api.get('/v1/stats/progress', u.vnOfficer);
    expect(vn.body.items.filter((r: { operationId: string | null }) => r.operationId === ownOperation)).toEqual([]);
  });
});

describe('sessions', () => {
  it('/v1/me answers who the token names, and what the policy lets that role do', async () => {
    const me = await t.stack.api.get('/v1/me', u.cnSupervisor);
    expect(me.body).toEqual({ sub: u.cnSupervisor.sub, name: u.cnSupervisor.name, role: 'supervisor', country: 'CN', permissions: permissionsOf('supervisor') });
    expect(me.body.permissions).toMatchObject({ 'post /v1/cases/:id/decisions': 'either', 'post /v1/cases/:id/release': 'holding', 'get /v1/decisions/pending': null });
    expect(me.body.permissions['post /v1/cases/:id/screening']).toBeUndefined();
    const auditor = await t.stack.api.get('/v1/me', u.khAuditor);
    expect(Object.keys(auditor.body.permissions).filter((k) => k.startsWith('post /v1/'))).toEqual([]);
    expect(auditor.body.permissions['get /v1/audit']).toBeNull();
    expect((await t.stack.api.get('/v1/me')).status).toBe(401);
  });

  it('offers development sign-in only in development mode on the development secret, never with AUTH_SECRET or AUTH_JWKS_URL', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'console-dev-'));
    const database = {
      db: t.stack.database.db,
      ping: async () => undefined,
      close: async () => undefined,
      kind: 'postgres',
      client: null,
    } as unknown as Database;
    const appFor = (env: Record<string, string>) => {
      const config = loadConfig({ DATA_DIR: dataDir, ...env });
      return buildApi(config, database, targetFromConfig(config, '127.0.0.1:1')).app;
    };
    try {
      // No auth configuration and no development mode asked for: no API at all.
      expect(() => appFor({})).toThrow(/AUTH_SECRET.*AUTH_JWKS_URL.*AUTH_DEV_MODE=1/);
      const dev = appFor({ AUTH_DEV_MODE: '1' });
      const users = await request(dev).get('/v1/dev/users');
      expect(users.status).toBe(200);
      expect(users.body.items).toContainEqual({ sub: 'kh-officer', name: 'Sok Dara', role: 'officer', country: 'KH' });
      const minted = await request(dev).post('/v1/dev/tokens').send({ role: 'supervisor', country: 'KH', sub: 'kh-supervisor-2' });
      expect(minted.status).toBe(201);
      const me = await request(dev).get('/v1/me').set('Authorization', `Bearer ${minted.body.token}`);
      expect(me.body).toMatchObject({ sub: 'kh-supervisor-2', name: 'KH supervisor', role: 'supervisor', country: 'KH' });
      expect((await request(dev).post('/v1/dev/tokens').send({ role: 'root', country: 'KH' })).status).toBe(400);
      // A token lives no longer than AUTH_MAX_TOKEN_LIFETIME allows, and says so.
      const short = await request(appFor({ AUTH_DEV_MODE: '1', AUTH_MAX_TOKEN_LIFETIME: '1h' }))
        .post('/v1/dev/tokens')
        .send({ role: 'officer', country: 'KH' });
      expect(short.status).toBe(201);
      expect(Date.parse(short.body.expiresAt) - Date.now()).toBeLessThanOrEqual(3600_000);
      expect(Date.parse(short.body.expiresAt) - Date.now()).toBeGreaterThan(3000_000);

      const running = await listen(dev, 0, '127.0.0.1');
      try {
        const port = new URL(running.url).port;
        const call = (options: { localAddress?: string; host?: string; path?: string; method?: string; body?: string }) =>
          new Promise<number>((resolve, reject) => {
            const req = httpRequest(
              `${running.url}${options.path ?? '/v1/dev/tokens'}`,
              {
                method: options.method ?? 'POST',
                localAddress: options.localAddress,
                headers: { 'Content-Type': 'application/json', ...(options.host ? { Host: options.host } : {}) },
              },
              (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
              },
            );
            req.on('error', reject);
            req.end(options.method === 'GET' ? undefined : (options.body ?? JSON.stringify({ role: 'admin', country: 'CN' })));
          });
        for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) expect(await call({ host }), host).toBe(201);
        // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own Host.
        for (const host of [
          'attacker.example',
          `attacker.example:${port}`,
          `127.0.0.1.attacker.example:${port}`,
          `localhost:${Number(port) + 1}`,
          '127.0.0.1',
        ]) {
          expect(await call({ host }), host).toBe(404);
          expect(await call({ host, path: '/v1/dev/users', method: 'GET' }), host).toBe(404);
        }
        // Not even the body is read for such a caller: a malformed one is not a 400.
        expect(await call({ host: `localhost:${port}`, body: '{"role":' })).toBe(400);
        expect(await call({ host: 'attacker.example', body: '{"role":' })).toBe(404);
        // Only to a caller at 127.0.0.1 / ::1: here one calling from 127.0.0.2.
        expect(await call({ localAddress: '127.0.0.2' })).toBe(404);
        expect(await call({ localAddress: '127.0.0.2', path: '/v1/dev/users', method: 'GET' })).toBe(404);
      } finally {
        await running.close(1000);
      }

      const configured: Record<string, string>[] = [
        { AUTH_SECRET: 'a-real-secret-of-enough-length-0123456789' },
        { AUTH_JWKS_URL: 'https://idp.invalid/jwks.json' },
        { AUTH_SECRET: 'a-real-secret-of-enough-length-0123456789', AUTH_DEV_MODE: '1' },
      ];
      for (const env of configured) {
        const production = appFor(env);
        expect((await request(production).get('/v1/dev/users')).status).toBe(404);
        expect((await request(production).post('/v1/dev/tokens').send({ role: 'admin', country: 'CN' })).status).toBe(404);
        const doc = await request(production).get('/openapi.json');
        expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/v1/dev'))).toEqual([]);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the console\'s files', () => {
  it('are served at /console/ with a strict content security policy', async () => {
    const { app } = t.stack.api;
    expect((await request(app).get('/')).headers.location).toBe('/console/');
    expect((await request(app).get('/console')).headers.location).toBe('/console/');
    const page = await request(app).get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const script = await request(app).get('/console/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect((await request(app).get('/console/nothing-here.js')).status).toBe(404);
  });
});
