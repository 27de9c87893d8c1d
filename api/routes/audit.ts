import { z } from 'zod';
import { listAudit, sealAudit, verifyAudit } from '../../db/audit.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { storable } from '../schemas.js';
import { scopeCountry } from '../scope.js';

const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().regex(/^\d{1,18}$/, 'a cursor from a previous page').optional(),
  objectId: storable(100).min(1).optional(),
  actor: storable(200).min(1).optional(),
  action: storable(100).min(1).optional(),
});

const AuditItem = z.strictObject({
  id: z.number().int(),
  seq: z.number().int().nullable().describe('position in the sealed chain; null until sealed (within a second or so)'),
  at: z.string(),
  actor: z.strictObject({ sub: z.string(), role: z.string().nullable(), country: z.string().nullable() }).nullable(),
  action: z.string(),
  objectType: z.string().nullable(),
  objectIds: z.array(z.string()),
  outcome: z.string(),
  purpose: z.string().nullable(),
  recipientCountry: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  hash: z.string().nullable(),
});

export const AuditPage = z.strictObject({ items: z.array(AuditItem), nextCursor: z.string().nullable() });

export const Verification = z.union([
  z.strictObject({
    ok: z.literal(true),
    entries: z.number().int(),
    unsealed: z.number().int(),
    head: z.strictObject({ seq: z.number().int(), hash: z.string() }),
  }),
  z.strictObject({
    ok: z.literal(false),
    entries: z.number().int(),
    unsealed: z.number().int(),
    firstInvalidSeq: z.number().int(),
    reason: z.enum(['altered', 'removed', 'inserted', 'reordered', 'truncated', 'head-signature']),
    message: z.string(),
  }),
  z.strictObject({
    ok: z.literal(true),
    scope: z.string().describe("an auditor's answer: counts are of the entries in this country's scope"),
    entries: z.number().int(),
    unsealed: z.number().int(),
  }),
  z.strictObject({
    ok: z.literal(false),
    scope: z.string(),
    entries: z.number().int(),
    unsealed: z.number().int(),
    firstInvalidSeq: z.number().int().optional().describe("only when the first entry found wrong is in the caller's scope"),
    reason: z.enum(['altered', 'removed', 'inserted', 'reordered', 'truncated', 'head-signature']),
    message: z.string(),
  }),
]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function auditRoutes({ db, audit, auditKey }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/audit',
      summary: 'The audit log in the caller\'s scope, newest first (auditors and admins)',
      tags: ['audit'],
      purpose: true,
      query: AuditQuery,
      responses: { 200: { description: 'a page of entries', schema: AuditPage }, ...errorResponses(400, 401, 403, 503) },
      handler: async ({ actor, query, purpose }) => {
        const page = await listAudit(db, {
          scopeCountry: scopeCountry(actor),
          limit: query.limit,
          before: query.cursor ? Number(query.cursor) : undefined,
          // Ids are stored in lower case; a search in capitals finds them too.
          objectId: query.objectId && UUID.test(query.objectId) ? query.objectId.toLowerCase() : query.objectId,
          actorSub: query.actor,
          action: query.action,
        });
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'audit.read',
          objectType: 'audit',
          objectIds: page.items.map((i) => String(i.id)),
          outcome: 'ok',
          purpose,
          details: { objectId: query.objectId ?? null, actor: query.actor ?? null, action: query.action ?? null },
        });
        return { status: 200, body: { items: page.items, nextCursor: page.next === null ? null : String(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/audit/verify',
      summary: 'Seal pending entries and verify the whole chain; names the first entry altered, removed, inserted or reordered',
      description:
        "Admins get the whole chain's result. An auditor learns whether the chain holds, with counts of the entries in their country's scope, and the position of the first wrong entry only when that entry is in their scope.",
      tags: ['audit'],
      responses: { 200: { description: 'the verification result', schema: Verification }, ...errorResponses(401, 403, 503) },
      handler: async ({ actor }) => {
        await audit.record({ at: new Date().toISOString(), actor, action: 'audit.verify', outcome: 'ok' });
        while ((await sealAudit(db, auditKey)) > 0);
        const scope = scopeCountry(actor);
        const result = scope === null ? await verifyAudit(db, auditKey) : await verifyAudit(db, auditKey, scope);
        if (!result) throw new HttpError(503, 'AUDIT_UNAVAILABLE', 'the audit log could not be read');
        return { status: 200, body: result };
      },
    }),
  ];
}
