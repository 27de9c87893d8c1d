// The HS256 secret: AUTH_SECRET, or for local use a random one kept in the data folder so that
// dev tokens survive restarts and `npm run token` mints tokens the running API accepts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

export function devSecretFile(config: Config): string {
  return path.join(config.dataDir, 'dev-auth-secret');
}

/** undefined when tokens are verified with an OIDC provider's keys instead. */
export function resolveAuthSecret(config: Config): { secret?: string; dev: boolean } {
  if (config.auth.secret) return { secret: config.auth.secret, dev: false };
  if (config.auth.jwksUrl) return { dev: false };
  const file = devSecretFile(config);
  try {
    return { secret: readFileSync(file, 'utf8').trim(), dev: true };
  } catch {
    mkdirSync(path.dirname(file), { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return { secret: readFileSync(file, 'utf8').trim(), dev: true };
  }
}
