// Open event streams are held connections: each user may hold a few, the process a bounded number.
// A stream takes its slot before it does any work and gives it back when its connection closes.
import { HttpError } from './errors.js';

/** Seconds a refused client waits: long enough for a tab it closed to have let its stream go. */
const RETRY_AFTER_SECONDS = 10;

export interface StreamSlots {
  /** Takes a slot for `user`, or throws 429; the function returned gives it back (once, however often called). */
  take(user: string): () => void;
  /** Streams open now: in all, and of one user. */
  open(user?: string): number;
}

const tooMany = (message: string) =>
  new HttpError(429, 'TOO_MANY_STREAMS', message, undefined, { 'Retry-After': String(RETRY_AFTER_SECONDS) });

export function createStreamSlots(limits: { streamsPerUser: number; streamsPerProcess: number }): StreamSlots {
  const byUser = new Map<string, number>();
  let total = 0;
  return {
    take(user) {
      const held = byUser.get(user) ?? 0;
      if (held >= limits.streamsPerUser) {
        throw tooMany(`a user may hold ${limits.streamsPerUser} event streams open at once; close one first`);
      }
      if (total >= limits.streamsPerProcess) throw tooMany('this server holds as many event streams as it can; retry later');
      byUser.set(user, held + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (byUser.get(user) ?? 1) - 1;
        if (left === 0) byUser.delete(user);
        else byUser.set(user, left);
      };
    },
    open: (user) => (user === undefined ? total : (byUser.get(user) ?? 0)),
  };
}
