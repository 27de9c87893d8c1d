// The codec endpoint (Temporal's remote codec protocol): lets an authorised person read encrypted
// payloads in the Temporal Web UI or CLI (`--codec-endpoint .../codec --codec-auth "Bearer ..."`).
// Every decode is a read of personal data and is logged. Encoding makes ciphertext that this
// endpoint reads but no worker trusts (lib/codec.ts), so it cannot mint input for a workflow.
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { openPayload, sealExternal } from '../../lib/codec.js';
import type { AppDeps } from '../app.js';
import { errorResponses, route } from '../http.js';

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

export function codecRoutes({ audit, keyRing }: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/codec/decode',
      summary: 'Decrypt Temporal payloads (remote codec protocol; admins and auditors)',
      tags: ['codec'],
      body: Payloads,
      bodyLimit: '32mb',
      responses: { 200: { description: 'the decoded payloads', schema: Payloads }, ...errorResponses(503) },
      handler: async ({ actor, body, req }) => {
        const decoded = body.payloads.map(fromWire).map((payload) => {
          const opened = openPayload(keyRing, payload);
          return opened.ok ? opened.payload : payload;
        });
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'payload.decode',
          objectType: 'temporal-payload',
          outcome: 'ok',
          purpose: req.get('x-purpose')?.trim() || 'reading workflow payloads (Temporal UI or CLI)',
          details: { namespace: req.get('x-namespace') ?? null, payloads: body.payloads.length },
        });
        return { status: 200, body: { payloads: decoded.map(toWire) } };
      },
    }),
    route({
      method: 'post',
      path: '/codec/encode',
      summary: 'Encrypt Temporal payloads (remote codec protocol; admins and auditors)',
      tags: ['codec'],
      body: Payloads,
      bodyLimit: '32mb',
      responses: { 200: { description: 'the encoded payloads', schema: Payloads } },
      handler: async ({ body }) => ({
        status: 200,
        body: { payloads: body.payloads.map(fromWire).map((payload) => toWire(sealExternal(keyRing, payload))) },
      }),
    }),
  ];
}
