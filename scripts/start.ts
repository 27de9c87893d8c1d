// `npm start`: the whole system in one process — a local Temporal dev server (unless
// TEMPORAL_ADDRESS is set), the case store (PostgreSQL from DATABASE_URL, else embedded), the
// worker and the API. Ctrl-C stops everything; the next start finds every case where it was.
// `--dev` (what `npm start` passes) is AUTH_DEV_MODE=1: without AUTH_SECRET or AUTH_JWKS_URL, a
// development secret and the development sign-in; without it, that configuration is refused.
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { buildApi, listen, serveApiMetrics } from '../api/server.js';
import { signToken } from '../api/auth.js';
import { openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { DEV_USERS } from '../lib/dev-users.js';
import { resolveAuthSecret } from '../lib/secrets.js';
import { loadConfig, requireAuthConfiguration } from '../lib/config.js';
import { startDevServer, type DevServer } from '../lib/dev-server.js';
import { log } from '../lib/log.js';
import { connectionOptions, ensureSearchAttributes, targetFromConfig } from '../lib/temporal.js';
import { createConfiguredWorker } from '../worker/index.js';
import { buildConsole } from './build-console.js';
import { surviveDatabaseOutages } from '../lib/database-errors.js';

async function main(): Promise<void> {
  surviveDatabaseOutages('case engine');
  const config = loadConfig(process.argv.includes('--dev') ? { ...process.env, AUTH_DEV_MODE: '1' } : process.env);
  requireAuthConfiguration(config, 'npm start');
  log.setLevel(config.logLevel);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping');
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => log.warn('cleanup failed', { error: String(err) }));
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  try {
    let devServer: DevServer | undefined;
    if (!config.temporal.address) {
      log.info('starting a local Temporal dev server', { port: config.temporal.devPort });
      devServer = await startDevServer({
        port: config.temporal.devPort,
        uiPort: config.temporal.uiPort,
        dbFile: path.join(config.dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        logFile: path.join(config.dataDir, 'temporal.log'),
      });
      cleanups.push(() => devServer!.stop());
    }
    const target = targetFromConfig(config, devServer?.address);

    const database = await openDatabase(config.database);
    cleanups.push(() => database.close());
    await migrate(database);

    await buildConsole();
    const { app, client, connection, stopBackground, dataConverter, keyRing } = buildApi(config, database, target);
    cleanups.push(() => connection.close());
    cleanups.push(stopBackground);
    await ensureSearchAttributes(connection, target.namespace);

    const native = await NativeConnection.connect(connectionOptions(target));
    cleanups.push(() => native.close());
    const worker = await createConfiguredWorker(config, { connection: native, namespace: target.namespace, db: database.db, client, dataConverter, keyRing });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    running.catch((err) => {
      log.error('worker failed', { error: String(err) });
      void stop(1);
    });

    const server = await listen(app, config.port, config.host);
    cleanups.push(() => server.close(config.shutdown.apiGraceMs));
    const metrics = await serveApiMetrics(app, config);
    if (metrics) cleanups.push(() => metrics.close());

    // Tokens are printed for the development secret only: never admin tokens of a real one into a log.
    const { secret, dev } = resolveAuthSecret(config);
    const lines = [
      '',
      `  API            ${server.url}`,
      `  Console        ${server.url}/console/`,
      `  OpenAPI        ${server.url}/openapi.json`,
      `  Temporal UI    ${devServer?.uiUrl ?? "(the cluster's own UI)"}`,
      `  Temporal       ${target.address} (namespace ${target.namespace})`,
      `  Case store     ${database.kind === 'pglite' ? `embedded PostgreSQL in ${config.database.embeddedDir}` : 'PostgreSQL (DATABASE_URL)'}`,
      `  Metrics        ${metrics?.url ?? '(none: METRICS_PORT)'}`,
      '',
    ];
    if (secret && dev) {
      const ttl = Math.min(12 * 3600, config.auth.maxTokenLifetimeSeconds);
      lines.push(`  Dev tokens (${+(ttl / 3600).toFixed(2)} h; \`npm run token -- --sub ... --role ... --country ...\` for others):`);
      for (const user of DEV_USERS) {
        lines.push(`  ${user.role.padEnd(10)} ${user.country}  ${await signToken(secret, user, ttl)}`);
      }
      lines.push('');
    }
    lines.push('  Ctrl-C stops everything.', '');
    process.stdout.write(lines.join('\n') + '\n');
  } catch (err) {
    log.error('start failed', { error: err instanceof Error ? err.message : String(err) });
    await stop(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
