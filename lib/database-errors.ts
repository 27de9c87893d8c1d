// What a database failure means for a process: "the database cannot be reached right now" is
// answered 503 by the API and waited out by both processes; it never brings a process down.
import { log } from './log.js';

// postgres.js and node socket errors that mean "the database cannot be reached right now".
const DB_DOWN = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

export function isDatabaseDown(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_DOWN.has(code)) return true;
  }
  return false;
}

/**
 * A lost database connection can surface as a promise nobody awaits (a pooled connection that
 * fails between queries). That is an outage to wait out, not a reason to stop the worker or the
 * API; any other unhandled rejection still ends the process, as Node would.
 */
export function surviveDatabaseOutages(name: string, exit: (code: number) => void = (code) => process.exit(code)): void {
  process.on('unhandledRejection', (reason) => {
    if (isDatabaseDown(reason)) {
      log.warn(`${name}: the database connection was lost; carrying on`, { code: String((reason as { code?: unknown }).code) });
      return;
    }
    log.error(`${name}: unhandled rejection`, { error: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason) });
    exit(1);
  });
}
