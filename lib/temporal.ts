// Connections to Temporal for the API (client) and the worker (native), from one configuration.
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import type { Config } from './config.js';
import { log } from './log.js';

export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: Config['temporal']['tls'];
  apiKey?: string;
}

export function targetFromConfig(config: Config, fallbackAddress?: string): TemporalTarget {
  const address = config.temporal.address ?? fallbackAddress;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set');
  return { address, namespace: config.temporal.namespace, tls: config.temporal.tls, apiKey: config.temporal.apiKey };
}

function tlsOptions(target: TemporalTarget): TLSConfig | boolean | undefined {
  if (!target.tls) return target.apiKey ? true : undefined;
  const { certPath, keyPath, caPath, serverName } = target.tls;
  return {
    serverNameOverride: serverName,
    serverRootCACertificate: caPath ? readFileSync(caPath) : undefined,
    clientCertPair: certPath && keyPath ? { crt: readFileSync(certPath), key: readFileSync(keyPath) } : undefined,
  };
}

/** The options a NativeConnection (worker) and a Connection (client) share. */
export function connectionOptions(target: TemporalTarget) {
  return { address: target.address, tls: tlsOptions(target), apiKey: target.apiKey };
}

/**
 * A client whose connection is made on first use, so a process can start (and answer 503) while
 * the cluster is down.
 */
export function lazyClient(target: TemporalTarget, dataConverter?: DataConverter): { client: Client; connection: Connection } {
  const connection = Connection.lazy(connectionOptions(target));
  return { connection, client: new Client({ connection, namespace: target.namespace, dataConverter }) };
}

/** Registers the search attributes the workflows set; on a managed cluster this may need an admin. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  try {
    // Some servers (the time-skipping test server) cannot list but can add.
    const existing = await connection.operatorService.listSearchAttributes({ namespace }).catch(() => undefined);
    const known = new Set(Object.keys(existing?.customAttributes ?? {}));
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
    if (missing.length === 0) return;
    const { temporal } = (await import('@temporalio/proto')).default;
    const types = temporal.api.enums.v1.IndexedValueType;
    const typeOf = { Keyword: types.INDEXED_VALUE_TYPE_KEYWORD, Bool: types.INDEXED_VALUE_TYPE_BOOL, Datetime: types.INDEXED_VALUE_TYPE_DATETIME };
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, typeOf[type]])),
    });
    log.info('registered search attributes', { names: missing.map(([n]) => n) });
  } catch (err) {
    const commands = Object.entries(SEARCH_ATTRIBUTES)
      .map(([name, type]) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`)
      .join('\n  ');
    log.warn(`could not register search attributes (${(err as Error).message}); an admin can run:\n  ${commands}`);
  }
}
