// The payload codec: every Temporal payload (workflow inputs carry names and document numbers) is
// encrypted before it leaves the process, so the Temporal server and its database hold ciphertext.
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { decrypt, encrypt, type KeyRing } from './crypto.js';

// A CommonJS package: under plain Node its namespace is reachable only through the default export.
const { temporal } = proto;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const text = new TextEncoder();
const untext = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { keyId, data } = encrypt(this.ring, temporal.api.common.v1.Payload.encode(payload).finish());
      return {
        metadata: { encoding: text.encode(ENCRYPTED_ENCODING), 'encryption-key-id': text.encode(keyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (!encoding || untext.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = untext.decode(payload.metadata!['encryption-key-id'] ?? new Uint8Array());
      return temporal.api.common.v1.Payload.decode(decrypt(this.ring, keyId, payload.data ?? new Uint8Array()));
    });
  }
}

/** The data converter for clients and workers that share a key ring. */
export const encryptedDataConverter = (ring: KeyRing) => ({ payloadCodecs: [new EncryptionCodec(ring)] });
