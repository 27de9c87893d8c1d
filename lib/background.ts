// A duty every API process runs in the background (sealing the audit log, the intake outbox): one
// pass at a time on a fixed interval, a failed pass logged and tried again on the next tick, and a
// stop that waits for the pass in flight so a shutdown never cuts one in half.
import { log } from './log.js';

/**
 * Runs `pass` every `intervalMs` until the returned stop is called. `pass` gets `stopped()` to
 * end a long pass early. The timer never keeps the process alive on its own.
 */
export function runEvery(name: string, intervalMs: number, pass: (stopped: () => boolean) => Promise<void>): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await pass(() => stopped);
      } catch (err) {
        log.warn(`${name} failed; will retry`, { error: (err as Error).message });
      }
    });
  }, intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
