import type { AppDeps } from '../app.js';
import { route } from '../http.js';
import { Health, Readiness } from '../schemas.js';

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref())]);

export function healthRoutes({ temporal, pingDatabase }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      public: true,
      tags: ['health'],
      responses: { 200: { description: 'alive', schema: Health } },
      handler: async () => ({ status: 200, body: { status: 'ok' } }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: 503 while Temporal or the database is unreachable',
      public: true,
      tags: ['health'],
      responses: {
        200: { description: 'ready', schema: Readiness },
        503: { description: 'a dependency is down', schema: Readiness, headers: { 'Retry-After': 'seconds to wait' } },
      },
      handler: async () => {
        const [database, temporalCheck] = await Promise.allSettled([within(pingDatabase(), 2000), temporal.ping(2000)]);
        const checks = {
          database: database.status === 'fulfilled' ? 'ok' : 'down',
          temporal: temporalCheck.status === 'fulfilled' ? 'ok' : 'down',
        } as const;
        const ready = checks.database === 'ok' && checks.temporal === 'ok';
        return {
          status: ready ? 200 : 503,
          body: { status: ready ? 'ready' : 'unavailable', checks },
          headers: ready ? undefined : { 'Retry-After': '5' },
        };
      },
    }),
  ];
}
