// `npm run worker`: a worker alone, against a Temporal cluster and a PostgreSQL server. Run as
// many as the load needs; they share the task queue.
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { encryptedDataConverter } from '../lib/codec.js';
import { surviveDatabaseOutages } from '../lib/database-errors.js';
import { log } from '../lib/log.js';
import { serveMetrics } from '../lib/metrics.js';
import { resolveProtection } from '../lib/secrets.js';
import { connectionOptions, ensureSearchAttributes, lazyClient, targetFromConfig } from '../lib/temporal.js';
import { createConfiguredWorker } from './index.js';

/**
 * The SDK runtime, with its own Prometheus exporter (task slots, schedule-to-start latency, sticky
 * cache) on WORKER_SDK_METRICS_PORT; a port already taken is logged and the worker runs without it.
 */
function installRuntime(host: string, sdkPort: number): void {
  const base = { logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] as NodeJS.Signals[] };
  if (sdkPort !== 0) {
    const bindAddress = `${host}:${sdkPort}`;
    try {
      Runtime.install({
        ...base,
        telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } },
      });
      log.info('Temporal SDK metrics listening', { url: `http://${bindAddress}/metrics` });
      return;
    } catch (err) {
      log.warn(`Temporal SDK metrics not started: WORKER_SDK_METRICS_PORT ${sdkPort} is unavailable`, { error: (err as Error).message });
    }
  }
  Runtime.install(base);
}

async function main(): Promise<void> {
  surviveDatabaseOutages('worker');
  const config = loadConfig();
  if (!config.database.url) throw new Error('npm run worker needs DATABASE_URL (the embedded database serves one process: use npm start)');
  const { host, workerPort, workerSdkPort } = config.metrics;
  installRuntime(host, workerSdkPort);
  const registry = new Registry();
  if (workerPort !== 0) collectDefaultMetrics({ register: registry });
  const metrics = workerPort === 0 ? undefined : await serveMetrics(registry, { port: workerPort, host, variable: 'WORKER_METRICS_PORT' });
  if (metrics) log.info('worker metrics listening', { url: metrics.url });
  const target = targetFromConfig(config, '127.0.0.1:7233');
  const database = await openDatabase(config.database);
  await migrate(database);
  const protection = resolveProtection(config);
  const dataConverter = encryptedDataConverter(protection.ring);
  const { client, connection } = lazyClient(target, dataConverter);
  await ensureSearchAttributes(connection, target.namespace);
  const native = await NativeConnection.connect(connectionOptions(target));
  const worker = await createConfiguredWorker(config, { connection: native, namespace: target.namespace, db: database.db, client, dataConverter, keyRing: protection.ring });
  // Operators (and tests) see the signal taken: the process stays until its tasks in flight finish.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => log.info('worker stopping, finishing the tasks in flight', { signal }));
  log.info('worker running', { temporal: target.address, namespace: target.namespace, taskQueue: config.temporal.taskQueue });
  await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks finish
  await metrics?.close();
  await native.close().catch(() => undefined);
  await connection.close().catch(() => undefined);
  await database.close();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
