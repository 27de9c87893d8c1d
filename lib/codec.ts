// The payload codec: every Temporal payload (workflow inputs carry names and document numbers) is
// encrypted before it leaves the process, so the Temporal server and its database hold ciphertext.
//
// The same encryption authenticates: a payload that is not ciphertext under the key ring did not
// come from the API or a worker (the CLI, the Web UI or any SDK client can write plaintext to the
// Temporal frontend). Decoding never passes such a payload on as data; it becomes an
// "unauthenticated" marker that the workflow interceptors (workflows/payload-authenticity.ts)
// refuse. Decoding does not throw on it: a throw fails the workflow task, which the server retries
// forever, so one forged payload would wedge the case.
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decrypt, encrypt, type KeyRing } from './crypto.js';
import { UNAUTHENTICATED, type UnauthenticatedReason } from '../workflows/payload-authenticity.js';

// A CommonJS package: under plain Node its namespace is reachable only through the default export.
const { temporal } = proto;
const PayloadProto = temporal.api.common.v1.Payload;

/** Ciphertext made by the API and the workers: trusted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Ciphertext made by the codec endpoint for a person: readable by the endpoint, never trusted by a worker. */
export const EXTERNAL_ENCODING = 'binary/encrypted-external';
/** Inside the ciphertext: the workflow the payload was made for, so it cannot be replayed into another. */
export const BOUND_WORKFLOW_KEY = 'bound-workflow-id';
const KEY_ID = 'encryption-key-id';
const EXTERNAL_AAD = new TextEncoder().encode('case-engine/codec-endpoint');

const text = new TextEncoder();
const untext = new TextDecoder();
const metaText = (payload: Payload, key: string) => {
  const value = payload.metadata?.[key];
  return value ? untext.decode(value) : undefined;
};

export type Opened =
  { ok: true; payload: Payload; external: boolean; boundWorkflowId: string | null } | { ok: false; reason: UnauthenticatedReason };

function seal(ring: KeyRing, payload: Payload, encoding: string, aad?: Uint8Array): Payload {
  const { keyId, data } = encrypt(ring, PayloadProto.encode(payload).finish(), aad);
  return { metadata: { encoding: text.encode(encoding), [KEY_ID]: text.encode(keyId) }, data };
}

/** Decrypts one payload of either kind; says why when it is not ciphertext under the ring. */
export function openPayload(ring: KeyRing, payload: Payload): Opened {
  const encoding = metaText(payload, 'encoding');
  const external = encoding === EXTERNAL_ENCODING;
  if (encoding !== ENCRYPTED_ENCODING && !external) return { ok: false, reason: 'plaintext' };
  const keyId = metaText(payload, KEY_ID) ?? '';
  if (!ring.keys.has(keyId)) return { ok: false, reason: 'unknown-key' };
  try {
    const inner = PayloadProto.decode(decrypt(ring, keyId, payload.data ?? new Uint8Array(), external ? EXTERNAL_AAD : undefined));
    const bound = metaText(inner, BOUND_WORKFLOW_KEY) ?? null;
    if (inner.metadata) delete inner.metadata[BOUND_WORKFLOW_KEY];
    return { ok: true, payload: inner, external, boundWorkflowId: bound };
  } catch {
    // a wrong tag: altered, relabelled, or made under other associated data
    return { ok: false, reason: 'bad-ciphertext' };
  }
}

/** What a decode hands on in place of a payload it cannot trust. */
export const unauthenticatedPayload = (reason: UnauthenticatedReason): Payload => ({
  metadata: { encoding: text.encode('json/plain') },
  data: text.encode(JSON.stringify({ [UNAUTHENTICATED]: reason })),
});

/** The codec of the API and the workers: encrypts, and decodes only its own ciphertext. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const workflowId = context?.workflowId;
    return payloads.map((payload) =>
      seal(
        this.ring,
        workflowId ? { ...payload, metadata: { ...payload.metadata, [BOUND_WORKFLOW_KEY]: text.encode(workflowId) } } : payload,
        ENCRYPTED_ENCODING,
      ),
    );
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => {
      const opened = openPayload(this.ring, payload);
      if (!opened.ok) return unauthenticatedPayload(opened.reason);
      if (opened.external) return unauthenticatedPayload('external');
      // Made for another workflow (copied from its history): not this one's to act on.
      if (opened.boundWorkflowId && context?.workflowId && opened.boundWorkflowId !== context.workflowId) {
        return unauthenticatedPayload('other-workflow');
      }
      return opened.payload;
    });
  }
}

/** Encryption for the codec endpoint's encode: readable by the endpoint, refused by every worker. */
export const sealExternal = (ring: KeyRing, payload: Payload): Payload => seal(ring, payload, EXTERNAL_ENCODING, EXTERNAL_AAD);

/** The data converter for clients and workers that share a key ring. */
export const encryptedDataConverter = (ring: KeyRing) => ({ payloadCodecs: [new EncryptionCodec(ring)] });
