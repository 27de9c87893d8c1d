// Encryption of personal data: AES-256-GCM under a key ring (the first key encrypts, every key
// decrypts, so keys rotate without re-encrypting history), and a keyed hash for lookups that must
// not keep the value in clear (duplicate detection of document numbers).
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface KeyRing {
  current: { id: string; key: Buffer };
  keys: Map<string, Buffer>;
}

/** "id1:base64key,id2:base64key": the first encrypts; all decrypt. Keys are 32 bytes. */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  let current: KeyRing['current'] | undefined;
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9._-]{1,32}):(.+)$/.exec(part);
    if (!match) throw new Error('a key ring is "id:base64key[,id:base64key...]"');
    const key = Buffer.from(match[2], 'base64');
    if (key.length !== 32) throw new Error(`key ${match[1]} is ${key.length} bytes; AES-256 needs 32`);
    if (keys.has(match[1])) throw new Error(`key id ${match[1]} appears twice`);
    keys.set(match[1], key);
    current ??= { id: match[1], key };
  }
  if (!current) throw new Error('the key ring is empty');
  return { current, keys };
}

export const newKeyRingSpec = (id = 'k1') => `${id}:${randomBytes(32).toString('base64')}`;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `aad`: associated data the tag covers; decryption must give the same to succeed. */
export function encrypt(ring: KeyRing, plain: Uint8Array, aad?: Uint8Array): { keyId: string; data: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: ring.current.id, data: Buffer.concat([iv, body, cipher.getAuthTag()]) };
}

export function decrypt(ring: KeyRing, keyId: string, data: Uint8Array, aad?: Uint8Array): Buffer {
  const key = ring.keys.get(keyId);
  if (!key) throw new Error(`no key ${keyId} in the key ring`);
  const bytes = Buffer.from(data);
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('the ciphertext is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
}

/** Field-level protection for values kept in the case store. */
export interface FieldProtection {
  /** "<keyId>:<base64>" */
  seal(text: string): string;
  open(sealed: string): string;
  /** A keyed hash: equal values give equal hashes; the value cannot be read back. */
  fingerprint(text: string): string;
}

export function fieldProtection(ring: KeyRing, hashKey: string): FieldProtection {
  return {
    seal(text) {
      const { keyId, data } = encrypt(ring, Buffer.from(text, 'utf8'));
      return `${keyId}:${data.toString('base64')}`;
    },
    open(sealed) {
      const at = sealed.indexOf(':');
      return decrypt(ring, sealed.slice(0, at), Buffer.from(sealed.slice(at + 1), 'base64')).toString('utf8');
    },
    fingerprint(text) {
      return createHmac('sha256', hashKey).update(text.trim().toUpperCase()).digest('hex');
    },
  };
}
