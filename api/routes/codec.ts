// The codec endpoint (Temporal's remote codec protocol): lets an authorised person read encrypted
// payloads in the Temporal Web UI or CLI (`--codec-endpoint .../codec --codec-auth "Bearer ..."`).
//
// Decoding shows a person no more than the API would: each payload is decoded only for an admin,
// or for an auditor of the country holding every case the payload concerns; any other payload is
// returned as it came (still encrypted), so the Web UI keeps working. A payload whose case cannot
// be established is decoded for admins only. Encoding makes ciphertext that this endpoint reads
// but no worker trusts (lib/codec.ts), so it cannot mint input for a workflow. Every decode and
// every encode is an audit entry naming the cases involved, written before the answer leaves.
import type { Payload } from '@temporalio/common';
import type { Request } from 'express';
import { z } from 'zod';
import type { AuditEntry } from '../../db/audit.js';
import { getCaseScopes, type CaseScopeRow } from '../../db/case-detail.js';
import { openPayload, sealExternal } from '../../lib/codec.js';
import { caseCountries, seesAll } from '../../lib/need-to-know.js';
import type { Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { errorResponses, route } from '../http.js';
import { scopeCountry } from '../scope.js';

const Base64 = z
  .string()
  .max(4_000_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const WirePayload = z.strictObject({
  metadata: z.record(z.string().max(200), Base64).optional(),
  data: Base64.optional(),
});
const Payloads = z.strictObject({ payloads: z.array(WirePayload).max(1000) });

const fromWire = (p: z.infer<typeof WirePayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CASE_WORKFLOW = /^case-([0-9a-f-]{36})$/i;
const MAX_DEPTH = 8;

/** The case ids a decrypted payload names: its `caseId` and `caseIds` fields, at any depth. */
function caseIdsIn(payload: Payload): string[] {
  const encoding = payload.metadata?.encoding ? Buffer.from(payload.metadata.encoding).toString() : '';
  if (encoding !== 'json/plain' || !payload.data) return [];
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return [];
  }
  const found = new Set<string>();
  const visit = (v: unknown, depth: number) => {
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach((item) => visit(item, depth + 1));
    for (const [key, item] of Object.entries(v)) {
      if (key === 'caseId' && typeof item === 'string' && UUID.test(item)) found.add(item.toLowerCase());
      else if (key === 'caseIds' && Array.isArray(item)) {
        for (const id of item) if (typeof id === 'string' && UUID.test(id)) found.add(id.toLowerCase());
      } else visit(item, depth + 1);
    }
  };
  visit(value, 0);
  return [...found];
}

/** The cases one decrypted payload concerns: the case workflow it was made for, and the ids it names. */
function casesOf(payload: Payload, boundWorkflowId: string | null): string[] {
  const ids = new Set(caseIdsIn(payload));
  const bound = boundWorkflowId ? CASE_WORKFLOW.exec(boundWorkflowId) : null;
  if (bound && UUID.test(bound[1])) ids.add(bound[1].toLowerCase());
  return [...ids];
}

/**
 * Admins read every payload; an auditor those whose every case they see in full (need-to-know: its
 * holding country). A payload carries whole workflow inputs, so the other side's restricted view
 * cannot be applied to it field by field: it stays encrypted for them.
 */
function mayRead(actor: Actor, caseIds: string[], rows: Map<string, CaseScopeRow>): boolean {
  if (scopeCountry(actor) === null) return true;
  return (
    caseIds.length > 0 &&
    caseIds.every((id) => {
      const row = rows.get(id);
      return row !== undefined && seesAll(scopeCountry(actor), row.holdingCountry);
    })
  );
}

const countriesOf = (rows: CaseScopeRow[]) => [...new Set(rows.flatMap(caseCountries))];

/** One entry per request: the cases involved, visible to their countries' auditors; ids and counts only. */
function payloadEntry(
  action: 'payload.decode' | 'payload.encode',
  actor: Actor,
  req: Request,
  caseIds: string[],
  rows: Map<string, CaseScopeRow>,
  entry: Pick<AuditEntry, 'outcome' | 'recipientCountry'> & { details: Record<string, unknown> },
): AuditEntry {
  return {
    at: new Date().toISOString(),
    actor,
    action,
    objectType: 'case',
    objectIds: caseIds,
    outcome: entry.outcome,
    purpose: req.get('x-purpose')?.trim() || 'reading workflow payloads (Temporal UI or CLI)',
    recipientCountry: entry.recipientCountry ?? null,
    scopeCountries: countriesOf(caseIds.flatMap((id) => rows.get(id) ?? [])),
    details: { namespace: req.get('x-namespace') ?? null, ...entry.details },
  };
}

export function codecRoutes({ audit, db, keyRing }: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/codec/decode',
      summary: 'Decrypt Temporal payloads (remote codec protocol; admins and auditors, within their scope)',
      description:
        "Payloads the caller may not read (an auditor: any payload of a case not held by the auditor's country, or whose case cannot be established) are returned unchanged.",
      tags: ['codec'],
      body: Payloads,
      bodyLimit: '32mb',
      responses: { 200: { description: 'the payloads, decoded where the caller may read them', schema: Payloads }, ...errorResponses(503) },
      handler: async ({ actor, body, req }) => {
        const incoming = body.payloads.map(fromWire);
        const opened = incoming.map((payload) => {
          const result = openPayload(keyRing, payload);
          return result.ok ? { ...result, caseIds: casesOf(result.payload, result.boundWorkflowId) } : null;
        });
        const involved = [...new Set(opened.flatMap((o) => o?.caseIds ?? []))].sort();
        const rows = await getCaseScopes(db, involved);
        let decoded = 0;
        let withheld = 0;
        const readCases = new Set<string>();
        const answer = incoming.map((payload, i) => {
          const o = opened[i];
          if (!o) return payload; // not our ciphertext: nothing to decrypt
          if (!mayRead(actor, o.caseIds, rows)) {
            withheld++;
            return payload;
          }
          decoded++;
          for (const id of o.caseIds) readCases.add(id);
          return o.payload;
        });
        const readRows = [...readCases].flatMap((id) => rows.get(id) ?? []);
        await audit.record(
          payloadEntry('payload.decode', actor, req, involved, rows, {
            outcome: withheld > 0 && decoded === 0 ? 'denied' : 'ok',
            recipientCountry: readRows.some((r) => r.holdingCountry !== actor.country) ? actor.country : null,
            details: {
              payloads: incoming.length,
              decoded,
              withheld,
              notEncrypted: opened.filter((o) => !o).length,
              withoutCase: opened.filter((o) => o && o.caseIds.length === 0).length,
            },
          }),
        );
        return { status: 200, body: { payloads: answer.map(toWire) } };
      },
    }),
    route({
      method: 'post',
      path: '/codec/encode',
      summary: 'Encrypt Temporal payloads for reading back through this endpoint (remote codec protocol; admins and auditors)',
      description: 'The ciphertext is readable by /codec/decode only; workers refuse it as workflow input.',
      tags: ['codec'],
      body: Payloads,
      bodyLimit: '32mb',
      responses: { 200: { description: 'the encoded payloads', schema: Payloads }, ...errorResponses(503) },
      handler: async ({ actor, body, req }) => {
        const incoming = body.payloads.map(fromWire);
        const involved = [...new Set(incoming.flatMap(caseIdsIn))].sort();
        const rows = await getCaseScopes(db, involved);
        const sealed = incoming.map((payload) => sealExternal(keyRing, payload));
        await audit.record(
          payloadEntry('payload.encode', actor, req, involved, rows, { outcome: 'ok', details: { payloads: incoming.length } }),
        );
        return { status: 200, body: { payloads: sealed.map(toWire) } };
      },
    }),
  ];
}
