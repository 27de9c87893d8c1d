// `npm run api`: the HTTP API alone, against a Temporal cluster and a PostgreSQL server.
import type { Server } from 'node:http';
import { collectDefaultMetrics } from 'prom-client';
import { pathToFileURL } from 'node:url';
import { openDatabase, type Database } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { encryptedDataConverter } from '../lib/codec.js';
import { fieldProtection } from '../lib/crypto.js';
import { resolveAuditKey, resolveAuthSecret, resolveProtection } from '../lib/secrets.js';
import { loadConfig, requireAuthConfiguration, type Config } from '../lib/config.js';
import { surviveDatabaseOutages } from '../lib/database-errors.js';
import { log } from '../lib/log.js';
import { serveMetrics, type MetricsServer } from '../lib/metrics.js';
import { lazyClient, targetFromConfig, type TemporalTarget } from '../lib/temporal.js';
import { createApp, type CaseApp } from './app.js';
import { createAuditTrail, startAuditSealer } from './audit.js';
import { createAuthenticator, signToken } from './auth.js';
import { CONSOLE_DIST } from './console.js';
import { startIntakeOutbox } from './intake.js';
import { createTemporalGateway } from './temporal.js';

export interface RunningServer {
  server: Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes. */
  close(graceMs?: number): Promise<void>;
}

export function listen(app: CaseApp, port: number, host: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        server,
        url: `http://${shownHost}:${actualPort}`,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            // Event streams never finish on their own: end them so the server can close.
            app.eventFeed.closeAll();
            app.teamFeed.closeAll();
            const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
            server.close(() => {
              clearTimeout(force);
              // Failed authentications counted but not yet written.
              void app.authFailures.flush().finally(done);
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}

/** Builds the API from configuration, for this entry point and the all-in-one starter. */
export function buildApi(config: Config, database: Database, target: TemporalTarget) {
  requireAuthConfiguration(config, 'the API');
  const protection = resolveProtection(config);
  if (protection.dev) log.warn('PAYLOAD_KEYS or DOCUMENT_HASH_KEY is not set: using development keys from the data folder');
  const dataConverter = encryptedDataConverter(protection.ring);
  const protect = fieldProtection(protection.ring, protection.documentHashKey);
  const { client, connection } = lazyClient(target, dataConverter);
  const { secret, dev } = resolveAuthSecret(config);
  if (dev) log.warn('AUTH_DEV_MODE: using a development secret from the data folder and serving the development sign-in to this machine');
  const audit = resolveAuditKey(config);
  if (audit.dev) log.warn('AUDIT_KEY is not set: using a development key from the data folder');
  const temporal = createTemporalGateway({
    client,
    connection,
    taskQueue: config.temporal.taskQueue,
    callTimeoutMs: config.temporal.callTimeoutMs,
  });
  const app = createApp({
    db: database.db,
    temporal,
    pingDatabase: database.ping,
    authenticate: createAuthenticator({
      secret,
      jwksUrl: config.auth.jwksUrl,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      maxTokenLifetimeSeconds: config.auth.maxTokenLifetimeSeconds,
    }),
    timings: config.timings,
    limits: config.limits,
    http: config.http,
    audit: createAuditTrail(database.db),
    auditKey: audit.key,
    protect,
    keyRing: protection.ring,
    codecCorsOrigins: config.protection.codecCorsOrigins,
    webhooks: { timings: config.webhooks.timings, allowHosts: config.webhooks.allowHosts },
    stream: { teamPollIntervalMs: config.stream.teamPollIntervalMs, teamHoldMs: config.stream.teamHoldMs },
    consoleDir: CONSOLE_DIST,
    ...(dev && secret ? { devTokens: (claims, ttl) => signToken(secret, claims, Math.min(ttl, config.auth.maxTokenLifetimeSeconds)) } : {}),
  });
  // Background duties of every API process: sealing the audit log, starting left-behind workflows.
  const stopSealer = startAuditSealer(database.db, audit.key);
  const stopOutbox = startIntakeOutbox({
    db: database.db,
    temporal: app.temporal,
    protect,
    timings: config.timings,
    concurrency: config.http.bulkConcurrency,
  });
  const stopBackground = async () => {
    await stopOutbox();
    await stopSealer();
  };
  return { app, client, connection, stopBackground, dataConverter, keyRing: protection.ring };
}

/** The API's /metrics on METRICS_PORT with the process's own figures beside the app's; none at 0. */
export async function serveApiMetrics(app: CaseApp, config: Config): Promise<MetricsServer | undefined> {
  if (config.metrics.apiPort === 0) return undefined;
  collectDefaultMetrics({ register: app.metrics.registry });
  const served = await serveMetrics(app.metrics.registry, { port: config.metrics.apiPort, host: config.metrics.host, variable: 'METRICS_PORT' });
  if (served) log.info('API metrics listening', { url: served.url });
  return served;
}

async function main(): Promise<void> {
  surviveDatabaseOutages('api');
  const config = loadConfig();
  requireAuthConfiguration(config, 'npm run api');
  if (!config.database.url) throw new Error('npm run api needs DATABASE_URL (the embedded database serves one process: use npm start)');
  const target = targetFromConfig(config, '127.0.0.1:7233');
  const database = await openDatabase(config.database);
  await migrate(database);
  const { app, connection, stopBackground } = buildApi(config, database, target);
  const running = await listen(app, config.port, config.host);
  log.info('API listening', { url: running.url, temporal: target.address, namespace: target.namespace });
  const metrics = await serveApiMetrics(app, config);
  const stop = async () => {
    log.info('API stopping');
    await running.close(config.shutdown.apiGraceMs);
    await metrics?.close();
    await stopBackground();
    await connection.close().catch(() => undefined);
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
