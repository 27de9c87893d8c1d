// Webhook signatures (DESIGN §6): `X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` under the
// subscription's secret. The secret is kept sealed with the payload key ring, bound to its
// subscription (the id is the associated data), and shown in clear once, when it is made.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, type KeyRing } from './crypto.js';

export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export function sealWebhookSecret(ring: KeyRing, subscriptionId: string, secret: string): string {
  const { keyId, data } = encrypt(ring, Buffer.from(secret, 'utf8'), Buffer.from(subscriptionId, 'utf8'));
  return `${keyId}:${data.toString('base64')}`;
}

export function openWebhookSecret(ring: KeyRing, subscriptionId: string, sealed: string): string {
  const at = sealed.indexOf(':');
  return decrypt(ring, sealed.slice(0, at), Buffer.from(sealed.slice(at + 1), 'base64'), Buffer.from(subscriptionId, 'utf8')).toString('utf8');
}

const mac = (secret: string, t: number, body: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

/** The X-Signature header for `body` sent at `t` (unix seconds). */
export const signWebhook = (secret: string, body: string, t = Math.floor(Date.now() / 1000)): string => `t=${t},v1=${mac(secret, t, body)}`;

/**
 * A receiver's check: the header's v1 is the HMAC of "t.body" under `secret`, and t is within
 * `toleranceSeconds` of now (a replayed old delivery is refused).
 */
export function verifyWebhook(secret: string, body: string, header: string | undefined, toleranceSeconds = 300, now = Date.now()): boolean {
  const parts = new Map((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false;
  return timingSafeEqual(Buffer.from(v1, 'hex'), Buffer.from(mac(secret, t, body), 'hex'));
}
