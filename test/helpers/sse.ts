// A minimal server-sent events client for tests: connects with headers, collects messages, and
// waits (bounded) for the one a test expects.

export interface SseMessage {
  id: string | null;
  event: string;
  data: any;
}

export interface SseConnection {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  /** Resolves with the first message (old or new) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (m: SseMessage) => boolean, timeoutMs?: number, what?: string): Promise<SseMessage>;
  close(): void;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
}

export async function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let ended: Promise<void> = Promise.resolve();
  if (res.ok && res.body) {
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    ended = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id: string | null = null;
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':') || line === '') continue;
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'id') id = value;
              else if (field === 'event') event = value;
              else if (field === 'data') data.push(value);
            }
            if (data.length === 0) continue;
            messages.push({ id, event, data: JSON.parse(data.join('\n')) });
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
