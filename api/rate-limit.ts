// Token buckets, one per key (a user, a client address): bursts up to a minute's allowance,
// refilled continuously. Per process: with N API processes behind a balancer a key gets at most N
// times the limit.
import { isIPv6 } from 'node:net';
import type { Request } from 'express';

export type Allowance = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one token for `key`; when none is left, says how many seconds until one is. */
  take(key: string): Allowance;
  /** Whether `key` has a token left, without taking it. */
  check(key: string): Allowance;
}

export function createRateLimiter(perMinute: number, now: () => number = Date.now): RateLimiter {
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refill = (key: string) => {
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: t };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (t - bucket.at) * perMs);
    bucket.at = t;
    buckets.set(key, bucket);
    if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value!);
    return bucket;
  };
  const refusal = (tokens: number): Allowance => ({ ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) });
  return {
    take(key) {
      const bucket = refill(key);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { ok: true };
      }
      return refusal(bucket.tokens);
    },
    check(key) {
      if (!buckets.has(key)) return { ok: true };
      const bucket = refill(key);
      return bucket.tokens >= 1 ? { ok: true } : refusal(bucket.tokens);
    },
  };
}

/**
 * The client's address: the socket's, or with `trust proxy` configured the one the trusted
 * proxies name (Express's req.ip follows that setting; by default it is the socket's).
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * The key an address is limited under: an IPv4 address (IPv4-mapped ones too) as is, an IPv6
 * address by its /64, which one site usually holds whole — so rotating addresses inside it earns
 * no fresh allowance.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
