// The live feed: GET /v1/events/stream read with fetch (EventSource cannot send the bearer
// token), resumed with Last-Event-ID after any break, so no change is missed.
import { authHeaders } from './api.js';
import { session } from './session.js';
import { takeSseMessages } from './sse.js';
import type { StreamEvent } from './types.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';
type Listener = (event: StreamEvent) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<(s: StreamState) => void>();
let state: StreamState = 'stopped';
let lastEventId: string | null = null;
let abort: AbortController | null = null;

function setState(next: StreamState): void {
  state = next;
  for (const l of stateListeners) l(next);
}

export const streamState = () => state;
export function onStreamState(listener: (s: StreamState) => void): () => void {
  stateListeners.add(listener);
  return () => stateListeners.delete(listener);
}
/** Calls `listener` with every case change in the user's scope while signed in. */
export function onCaseEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export function startStream(): void {
  stopStream();
  connect();
}

function connect(): void {
  const controller = new AbortController();
  abort = controller;
  void run(controller.signal);
}

// A browser keeps a handful of connections per server: a tab in the background gives its stream
// up and, back in front, resumes from the last event it had (so nothing is missed).
document.addEventListener('visibilitychange', () => {
  if (state === 'stopped' || !session.get()) return;
  if (document.visibilityState === 'hidden') {
    abort?.abort();
    abort = null;
    setState('reconnecting');
  } else if (!abort) connect();
});

export function stopStream(): void {
  abort?.abort();
  abort = null;
  lastEventId = null;
  setState('stopped');
}

async function run(signal: AbortSignal): Promise<void> {
  let failures = 0;
  setState('connecting');
  while (!signal.aborted && session.get()) {
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...authHeaders() };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      const res = await fetch('/v1/events/stream', { headers, signal });
      if (res.status === 401) {
        session.signOut('Your sign-in has expired or is no longer valid. Please sign in again.');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      failures = 0;
      setState('live');
      await read(res.body, signal);
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    setState('reconnecting');
    failures++;
    await sleep(Math.min(15_000, 1000 * 2 ** Math.min(failures - 1, 4)), signal);
  }
}

async function read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { messages, rest } = takeSseMessages(buffer + decoder.decode(value, { stream: true }));
    buffer = rest;
    for (const message of messages) {
      if (message.id !== null) lastEventId = message.id;
      if (message.event !== 'case' || message.data === null) continue;
      let parsed: StreamEvent;
      try {
        parsed = JSON.parse(message.data) as StreamEvent;
      } catch {
        continue;
      }
      for (const l of listeners) l(parsed);
    }
  }
}
