// `npm run token -- --sub alice --role officer --country KH [--name "Alice"] [--ttl 12h]`
// prints an HS256 token the API accepts (AUTH_SECRET, or the local development secret).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { signToken } from '../api/auth.js';
import { Country, Role } from '../api/schemas.js';
import { resolveAuthSecret } from '../lib/secrets.js';
import { loadConfig, parseDuration } from '../lib/config.js';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string' },
    country: { type: 'string' },
    name: { type: 'string' },
    ttl: { type: 'string', default: '12h' },
  },
});
const args = z
  .object({ sub: z.string().min(1), role: Role, country: Country, name: z.string().optional(), ttl: z.string() })
  .safeParse(values);
if (!args.success) {
  console.error(
    'usage: npm run token -- --sub <id> --role officer|supervisor|auditor|admin --country CN|KH|LA|MM|TH|VN [--name <name>] [--ttl 12h]',
  );
  console.error(args.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n'));
  process.exit(2);
}
function mint(): Promise<string> {
  const config = loadConfig();
  const { secret } = resolveAuthSecret(config);
  if (!secret) throw new Error('tokens come from the OIDC provider (AUTH_JWKS_URL is set); set AUTH_SECRET to mint local ones');
  const { ttl, ...claims } = args.data!;
  const ttlSeconds = Math.round(parseDuration(ttl) / 1000);
  // The API refuses tokens valid for longer than AUTH_MAX_TOKEN_LIFETIME: do not mint one.
  const max = config.auth.maxTokenLifetimeSeconds;
  if (ttlSeconds < 1 || ttlSeconds > max) throw new Error(`--ttl must be between 1s and AUTH_MAX_TOKEN_LIFETIME (${max} s)`);
  return signToken(secret, claims, ttlSeconds);
}

try {
  console.log(await mint());
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
