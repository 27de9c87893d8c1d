// Configuration, parsed once from the environment. Startup fails fast naming the bad variable.
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TIMINGS, DEFAULT_WEBHOOK_TIMINGS, TASK_QUEUE, type CaseTimings } from '../workflows/definitions.js';
import { parseKeyRing } from './crypto.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** "7d", "48h", "90s", "250ms" or a bare number of milliseconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) throw new Error(`not a duration: "${value}" (use e.g. 7d, 48h, 30m, 90s, 500ms)`);
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']);
}

const duration = (fallbackMs: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallbackMs;
      try {
        return parseDuration(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Bounds on what one user (or all together) may hold: custody, open streams, open transfer batches. */
export interface Limits {
  custodyLimitMaxMs: number;
  streamsPerUser: number;
  streamsPerProcess: number;
  openTransfersPerOfficer: number;
}

/** How often the team streams read the change log when no write through the API woke them. */
export const DEFAULT_TEAM_STREAM_POLL_INTERVAL_MS = 2_000;
/** How old a change must be before the team streams send it: a handling change within it applies from the start. */
export const DEFAULT_TEAM_STREAM_HOLD_MS = 1_000;

export const DEFAULT_LIMITS: Limits = {
  custodyLimitMaxMs: 90 * 86_400_000,
  streamsPerUser: 5,
  streamsPerProcess: 1000,
  openTransfersPerOfficer: 50,
};

export const limitsOrDefaults = (limits: Partial<Limits> = {}): Limits => ({ ...DEFAULT_LIMITS, ...limits });

/** Default ports of the metrics endpoints: the worker's, its Temporal SDK exporter's, the API's. */
export const DEFAULT_METRICS_PORTS = { worker: 9464, workerSdk: 9465, api: 9466 } as const;

const flag = z
  .enum(['', '0', '1', 'false', 'true'])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/** HS256 keys shorter than the hash output can be guessed offline from one token. */
export const MIN_AUTH_SECRET_BYTES = 32;

/** Per client address, per minute: an agency's officers may all come from one NAT address. */
export const DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 6000;
export const DEFAULT_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE = 120;

/** Names Express's `trust proxy` knows for address ranges. */
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `trust proxy` for Express: false (the socket's address is the client's), a hop count, or the
 * proxies' addresses and CIDRs. "Trust every proxy" is refused: any client could then name its
 * own address in X-Forwarded-For.
 */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (PROXY_RANGES.includes(entry)) continue;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new Error(`"${entry}" is not an address, a CIDR or one of ${PROXY_RANGES.join(', ')} (or give a hop count)`);
    }
  }
  return entries;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(TASK_QUEUE),
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  /** Bound on each call the API makes to Temporal, so a dead cluster yields a 503, not a hang. */
  TEMPORAL_CALL_TIMEOUT: duration(10_000),
  AUTH_SECRET: optionalString.refine((v) => v === undefined || Buffer.byteLength(v, 'utf8') >= MIN_AUTH_SECRET_BYTES, {
    message: `must be at least ${MIN_AUTH_SECRET_BYTES} bytes (e.g. openssl rand -base64 32)`,
  }),
  AUTH_JWKS_URL: optionalString,
  AUTH_ISSUER: optionalString,
  AUTH_AUDIENCE: optionalString,
  /** Serve with a development secret and the development sign-in when no auth is configured. */
  AUTH_DEV_MODE: flag,
  /** The longest a token may be valid (exp − iat, or exp − now without iat). */
  AUTH_MAX_TOKEN_LIFETIME: duration(12 * 3600_000).refine((ms) => ms >= 60_000, 'must be at least 1m'),
  /** Failed authentications per client address per minute; past them, 429 before verifying. */
  AUTH_FAILURES_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_AUTH_FAILURES_PER_ADDRESS_PER_MINUTE),
  /** Proxies whose X-Forwarded-For names the client: a hop count, or addresses/CIDRs. Unset: none. */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseTrustProxy(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  AUDIT_KEY: optionalString,
  /** "id:base64key,...": AES-256-GCM keys for Temporal payloads and document numbers; the first encrypts. */
  PAYLOAD_KEYS: optionalString,
  /** HMAC key for looking up document numbers without keeping them in clear. */
  DOCUMENT_HASH_KEY: optionalString,
  /** Browser origins allowed to call /codec (the Temporal Web UI). */
  CODEC_CORS_ORIGINS: z.string().default('http://127.0.0.1:8233,http://localhost:8233'),
  /** Requests per minute per user (token subject), per API process. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1200),
  /** Requests per minute per client address (before authentication), per API process. */
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(DEFAULT_RATE_LIMIT_PER_ADDRESS_PER_MINUTE),
  BODY_LIMIT: z.string().default('1mb'),
  BULK_BODY_LIMIT: z.string().default('32mb'),
  IDENTITY_DEADLINE: duration(DEFAULT_TIMINGS.identityMs),
  SCREENING_DEADLINE: duration(DEFAULT_TIMINGS.screeningMs),
  APPROVAL_DEADLINE: duration(DEFAULT_TIMINGS.approvalMs),
  HANDOVER_DEADLINE: duration(DEFAULT_TIMINGS.handoverMs),
  CONSULAR_DEADLINE: duration(DEFAULT_TIMINGS.consularMs),
  CUSTODY_LIMIT: duration(DEFAULT_TIMINGS.custodyMs),
  /** The legal maximum of custody before a decision: no operation and no CUSTODY_LIMIT goes beyond it. */
  CUSTODY_LIMIT_MAX: duration(DEFAULT_LIMITS.custodyLimitMaxMs),
  CUSTODY_EXTENSION_MAX: duration(DEFAULT_TIMINGS.custodyExtensionMaxMs),
  CUSTODY_ESCALATION_INTERVAL: duration(DEFAULT_TIMINGS.custodyEscalationIntervalMs),
  ESCALATION_INTERVAL: duration(DEFAULT_TIMINGS.escalationIntervalMs),
  MAX_TRANSFER_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(DEFAULT_TIMINGS.maxTransferAttempts),
  /** Event streams one user may hold open at once, and all users together, per API process. */
  STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(DEFAULT_LIMITS.streamsPerUser),
  STREAMS_PER_PROCESS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_LIMITS.streamsPerProcess),
  /** Transfer batches one officer may have scheduled and not yet departed. */
  OPEN_TRANSFERS_PER_OFFICER: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_LIMITS.openTransfersPerOfficer),
  /** Workflow starts and updates the API keeps in flight at once for bulk requests. */
  BULK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  WORKER_SHUTDOWN_GRACE: duration(30_000),
  /** Case workflows a worker keeps in memory between steps; unset: the SDK's default from the heap size. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  API_SHUTDOWN_GRACE: duration(60_000),
  /** One webhook request's timeout: a slow receiver holds up only its own subscription. */
  WEBHOOK_TIMEOUT: duration(5_000).refine((ms) => ms >= 100 && ms <= 60_000, 'must be between 100ms and 60s'),
  /** Attempts at one webhook delivery before the subscription pauses. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(DEFAULT_WEBHOOK_TIMINGS.maxAttempts),
  WEBHOOK_RETRY_INITIAL: duration(DEFAULT_WEBHOOK_TIMINGS.initialRetryMs),
  WEBHOOK_RETRY_MAX: duration(DEFAULT_WEBHOOK_TIMINGS.maxRetryIntervalMs),
  /** The fallback poll of an idle subscription (a written change wakes it at once). */
  WEBHOOK_POLL_INTERVAL: duration(DEFAULT_WEBHOOK_TIMINGS.pollIntervalMs),
  /** The team streams' fallback poll of the change log (a team change written through this API process wakes it at once). */
  TEAM_STREAM_POLL_INTERVAL: duration(DEFAULT_TEAM_STREAM_POLL_INTERVAL_MS),
  /** How old a change must be before the team streams send it (a record restricted within it is never sent unrestricted). */
  TEAM_STREAM_HOLD: duration(DEFAULT_TEAM_STREAM_HOLD_MS),
  /** Host names (or host:port) webhook URLs may name, comma-separated; unset: any host but loopback, private and link-local ones. */
  WEBHOOK_ALLOW_HOSTS: optionalString,
  /** The API process's Prometheus endpoint (GET /metrics), apart from PORT; 0: none. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_METRICS_PORTS.api),
  /** Where the metrics endpoints (API, worker, the worker's Temporal SDK) listen. */
  METRICS_HOST: z.string().default('0.0.0.0'),
  /** A worker process's Prometheus endpoint (process and Node.js metrics); 0: none. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_METRICS_PORTS.worker),
  /** The Temporal SDK's own exporter in a worker process (task slots, schedule-to-start, sticky cache); 0: none. */
  WORKER_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_METRICS_PORTS.workerSdk),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Entry points that serve the API call this first: without AUTH_SECRET or AUTH_JWKS_URL they
 * refuse to start, unless development mode is asked for.
 */
export function requireAuthConfiguration(config: Pick<Config, 'auth'>, command: string): void {
  if (config.auth.secret || config.auth.jwksUrl || config.auth.devMode) return;
  throw new ConfigError(
    `${command} needs AUTH_SECRET (at least ${MIN_AUTH_SECRET_BYTES} bytes) or AUTH_JWKS_URL; ` +
      'set AUTH_DEV_MODE=1 to run with a development secret from DATA_DIR and the development sign-in instead',
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new ConfigError('invalid configuration:\n  TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together');
  }
  if (e.PAYLOAD_KEYS) {
    try {
      parseKeyRing(e.PAYLOAD_KEYS);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  PAYLOAD_KEYS: ${(err as Error).message}`);
    }
  }
  if (e.CUSTODY_LIMIT > e.CUSTODY_LIMIT_MAX) {
    throw new ConfigError('invalid configuration:\n  CUSTODY_LIMIT: is longer than CUSTODY_LIMIT_MAX, the legal maximum');
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const timings: CaseTimings = {
    identityMs: e.IDENTITY_DEADLINE,
    screeningMs: e.SCREENING_DEADLINE,
    approvalMs: e.APPROVAL_DEADLINE,
    handoverMs: e.HANDOVER_DEADLINE,
    consularMs: e.CONSULAR_DEADLINE,
    custodyMs: e.CUSTODY_LIMIT,
    custodyExtensionMaxMs: e.CUSTODY_EXTENSION_MAX,
    custodyEscalationIntervalMs: e.CUSTODY_ESCALATION_INTERVAL,
    escalationIntervalMs: e.ESCALATION_INTERVAL,
    maxTransferAttempts: e.MAX_TRANSFER_ATTEMPTS,
  };
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE, embeddedDir: path.join(dataDir, 'pglite') },
    temporal: {
      /** Unset: the all-in-one starter runs a local dev server. */
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls:
        e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH || e.TEMPORAL_API_KEY
          ? {
              certPath: e.TEMPORAL_TLS_CERT_PATH,
              keyPath: e.TEMPORAL_TLS_KEY_PATH,
              caPath: e.TEMPORAL_TLS_CA_PATH,
              serverName: e.TEMPORAL_TLS_SERVER_NAME,
            }
          : undefined,
      apiKey: e.TEMPORAL_API_KEY,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
      callTimeoutMs: e.TEMPORAL_CALL_TIMEOUT,
    },
    auth: {
      secret: e.AUTH_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      devMode: e.AUTH_DEV_MODE,
      maxTokenLifetimeSeconds: Math.floor(e.AUTH_MAX_TOKEN_LIFETIME / 1000),
    },
    http: {
      bodyLimit: e.BODY_LIMIT,
      bulkBodyLimit: e.BULK_BODY_LIMIT,
      bulkConcurrency: e.BULK_CONCURRENCY,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      rateLimitPerAddressPerMinute: e.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      authFailuresPerAddressPerMinute: e.AUTH_FAILURES_PER_ADDRESS_PER_MINUTE,
      trustProxy: e.TRUST_PROXY,
    },
    audit: { key: e.AUDIT_KEY },
    protection: {
      payloadKeys: e.PAYLOAD_KEYS,
      documentHashKey: e.DOCUMENT_HASH_KEY,
      codecCorsOrigins: e.CODEC_CORS_ORIGINS.split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    },
    /** How long a stopping process lets in-flight activities (worker) and requests (API) finish. */
    shutdown: { workerGraceMs: e.WORKER_SHUTDOWN_GRACE, apiGraceMs: e.API_SHUTDOWN_GRACE },
    worker: { maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS },
    metrics: { host: e.METRICS_HOST, apiPort: e.METRICS_PORT, workerPort: e.WORKER_METRICS_PORT, workerSdkPort: e.WORKER_SDK_METRICS_PORT },
    timings,
    webhooks: {
      timeoutMs: e.WEBHOOK_TIMEOUT,
      timings: {
        maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
        initialRetryMs: e.WEBHOOK_RETRY_INITIAL,
        maxRetryIntervalMs: e.WEBHOOK_RETRY_MAX,
        pollIntervalMs: e.WEBHOOK_POLL_INTERVAL,
      },
      allowHosts: e.WEBHOOK_ALLOW_HOSTS?.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    },
    stream: { teamPollIntervalMs: e.TEAM_STREAM_POLL_INTERVAL, teamHoldMs: e.TEAM_STREAM_HOLD },
    limits: {
      custodyLimitMaxMs: e.CUSTODY_LIMIT_MAX,
      streamsPerUser: e.STREAMS_PER_USER,
      streamsPerProcess: e.STREAMS_PER_PROCESS,
      openTransfersPerOfficer: e.OPEN_TRANSFERS_PER_OFFICER,
    } satisfies Limits,
  };
}
