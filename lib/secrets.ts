// Secrets from the environment, or for local use random ones kept in the data folder (so dev tokens
// and the audit chain survive restarts, and `npm run token` mints tokens the running API accepts).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { newKeyRingSpec, parseKeyRing, type KeyRing } from './crypto.js';

function devSecret(config: Config, name: string, make: () => string = () => randomBytes(32).toString('base64url')): string {
  const file = path.join(config.dataDir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
    } catch {
      // another process wrote it first
    }
    return readFileSync(file, 'utf8').trim();
  }
}

/** The HS256 secret; undefined when tokens are verified with an OIDC provider's keys instead. */
export function resolveAuthSecret(config: Config): { secret?: string; dev: boolean } {
  if (config.auth.secret) return { secret: config.auth.secret, dev: false };
  if (config.auth.jwksUrl) return { dev: false };
  return { secret: devSecret(config, 'dev-auth-secret'), dev: true };
}

/** The key of the audit chain: never stored in the database it protects. */
export function resolveAuditKey(config: Config): { key: string; dev: boolean } {
  return config.audit.key ? { key: config.audit.key, dev: false } : { key: devSecret(config, 'dev-audit-key'), dev: true };
}

/** Keys for personal data: the payload key ring (AES-256-GCM) and the document-number hash key. */
export function resolveProtection(config: Config): { ring: KeyRing; documentHashKey: string; dev: boolean } {
  const dev = !config.protection.payloadKeys || !config.protection.documentHashKey;
  const ring = parseKeyRing(config.protection.payloadKeys ?? devSecret(config, 'dev-payload-keys', () => newKeyRingSpec('dev1')));
  const documentHashKey = config.protection.documentHashKey ?? devSecret(config, 'dev-document-hash-key');
  return { ring, documentHashKey, dev };
}
