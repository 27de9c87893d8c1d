import { getStats } from '../../db/stats.js';
import type { AppDeps } from '../app.js';
import { errorResponses, route } from '../http.js';
import { Stats } from '../schemas.js';
import { scopeCountry } from '../scope.js';

export function statsRoutes({ db }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/stats',
      summary: 'Counts by status, by operation, by holding and destination country, and overdue, in the caller\'s scope',
      tags: ['stats'],
      responses: { 200: { description: 'the counts', schema: Stats }, ...errorResponses(401, 503) },
      handler: async ({ actor }) => ({ status: 200, body: await getStats(db, scopeCountry(actor)) }),
    }),
  ];
}
