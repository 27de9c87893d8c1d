// Failed authentications in the audit log without letting a flood of them flood it: the first
// failure from a client address is logged at once; the ones after it in the same window are
// counted and logged as one entry when the window closes, with the requests refused unverified
// because the address had spent its budget of failures (api/auth.ts).
import type { AuditEntry } from '../db/audit.js';
import { log } from '../lib/log.js';
import type { AuditTrail } from './audit.js';
import { addressKey } from './rate-limit.js';

export interface AuthFailureLog extends AuditTrail {
  /** Counts a request from `ip` refused before verification (too many failures). */
  refused(ip: string): void;
  /** Writes the counts of open windows now (on shutdown). */
  flush(): Promise<void>;
}

interface Window {
  ip: string;
  since: string;
  last: string;
  count: number;
  refused: number;
  routes: Set<string>;
  timer: NodeJS.Timeout;
}

const MAX_WINDOWS = 10_000;

export function aggregateAuthFailures(audit: AuditTrail, windowMs = 60_000): AuthFailureLog {
  const windows = new Map<string, Window>();
  const written = new Set<Promise<void>>();

  const close = (key: string, window: Window): void => {
    clearTimeout(window.timer);
    if (windows.get(key) === window) windows.delete(key);
    if (window.count === 0 && window.refused === 0) return;
    const entry: AuditEntry = {
      at: window.last,
      actor: null,
      action: 'auth.failed',
      objectIds: [],
      outcome: 'denied',
      scopeCountries: [],
      details: {
        ip: window.ip,
        count: window.count,
        refusedUnverified: window.refused,
        since: window.since,
        until: window.last,
        routes: [...window.routes],
        aggregated: true,
      },
    };
    const write = audit
      .record(entry)
      .catch((err: unknown) => log.error('could not log counted failed authentications', { count: window.count, error: String(err) }))
      .finally(() => written.delete(write));
    written.add(write);
  };

  const open = (key: string, ip: string, at: string): Window => {
    if (windows.size >= MAX_WINDOWS) {
      const [oldestKey, oldest] = windows.entries().next().value!;
      close(oldestKey, oldest);
    }
    const window: Window = {
      ip,
      since: at,
      last: at,
      count: 0,
      refused: 0,
      routes: new Set(),
      timer: undefined as unknown as NodeJS.Timeout,
    };
    window.timer = setTimeout(() => close(key, window), windowMs).unref();
    windows.set(key, window);
    return window;
  };

  return {
    record(entry) {
      if (entry.action !== 'auth.failed') return audit.record(entry);
      const ip = typeof entry.details?.ip === 'string' ? entry.details.ip : 'unknown';
      const key = addressKey(ip);
      const current = windows.get(key);
      if (current) {
        current.count++;
        current.last = entry.at;
        if (typeof entry.details?.route === 'string' && current.routes.size < 20) current.routes.add(entry.details.route);
        return Promise.resolve();
      }
      open(key, ip, entry.at);
      return audit.record({ ...entry, details: { ...entry.details, count: 1 } });
    },
    refused(ip) {
      const key = addressKey(ip);
      const at = new Date().toISOString();
      const window = windows.get(key) ?? open(key, ip, at);
      window.refused++;
      window.last = at;
    },
    async flush() {
      for (const [key, window] of [...windows]) close(key, window);
      await Promise.all([...written]);
    },
  };
}
