// A minimal server-sent events client for tests: connects with headers, collects messages, and
// waits (bounded) for the one a test expects.
import { takeSseMessages } from '../../console/src/sse.js';

export interface SseMessage {
  id: string | null;
  event: string;
  data: any;
}

export interface SseConnection {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  /** The last `id:` the server sent, with or without data (what EventSource would resume from). */
  lastEventId: string | null;
  /** Resolves with the first message (old or new) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (m: SseMessage) => boolean, timeoutMs?: number, what?: string): Promise<SseMessage>;
  close(): void;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
}

export async function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', 'X-Purpose': 'following cases (test)', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  const connection = { lastEventId: null as string | null };
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const taken = takeSseMessages(buffer + value);
          buffer = taken.rest;
          for (const m of taken.messages) {
            if (m.id !== null) connection.lastEventId = m.id;
            if (m.data === null) continue;
            messages.push({ id: m.id, event: m.event, data: JSON.parse(m.data) });
            for (const wake of waiters) wake();
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  } else {
    await res.text().catch(() => undefined);
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    get lastEventId() {
      return connection.lastEventId;
    },
    ended,
    close: () => abort.abort(),
    waitFor(predicate, timeoutMs = 20_000, what = 'a matching event') {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(messages.map((m) => m.data)).slice(0, 1500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** The case event stream of the API at `baseUrl`, as the holder of `token`, after `lastEventId` when given. */
export function connectEventStream(baseUrl: string, token: string, lastEventId?: string | number): Promise<SseConnection> {
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
  return connectSse(`${baseUrl}/v1/events/stream`, headers);
}
