// The live feed: GET /v1/events/stream read with fetch (EventSource cannot send the bearer
// token), resumed with Last-Event-ID after any break, so no change is missed. `follow` reads any of
// the API's streams so (the team page's live panel follows its team's).
import { authHeaders } from './api.js';
import { session } from './session.js';
import { takeSseMessages } from './sse.js';
import type { StreamEvent } from './types.js';

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'stopped';
export const STREAM_LABELS: Record<StreamState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Offline' };
type Listener = (event: StreamEvent) => void;

const listeners = new Set<Listener>();
const stateListeners = new Set<(s: StreamState) => void>();
let state: StreamState = 'stopped';
const cursor: StreamCursor = { lastEventId: null };
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
  cursor.lastEventId = null;
  setState('stopped');
}

async function run(signal: AbortSignal): Promise<void> {
  await follow('/v1/events/stream', 'case', cursor, { state: setState, message: (data) => listeners.forEach((l) => l(data as StreamEvent)) }, signal);
}

/** Where a followed stream resumes: the last `id:` it received. */
export interface StreamCursor {
  lastEventId: string | null;
}

/**
 * Follows the server-sent events at `path` until `signal` aborts, handing on each message of type
 * `event`; after any break it reconnects (backing off) with Last-Event-ID, so no message is missed.
 * A 401 signs the user out; a 403 or 404 (no longer theirs to follow) stops it.
 */
export async function follow(
  path: string,
  event: string,
  at: StreamCursor,
  on: { message: (data: unknown) => void; state: (s: StreamState) => void },
  signal: AbortSignal,
): Promise<void> {
  let failures = 0;
  on.state('connecting');
  while (!signal.aborted && session.get()) {
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream', ...authHeaders() };
      if (at.lastEventId) headers['Last-Event-ID'] = at.lastEventId;
      const res = await fetch(path, { headers, signal });
      if (res.status === 401) {
        session.signOut('Your sign-in has expired or is no longer valid. Please sign in again.');
        return;
      }
      if (res.status === 403 || res.status === 404) {
        on.state('stopped');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      failures = 0;
      on.state('live');
      await read(res.body, event, at, on.message, signal);
    } catch {
      if (signal.aborted) return;
    }
    if (signal.aborted) return;
    on.state('reconnecting');
    failures++;
    await sleep(Math.min(15_000, 1000 * 2 ** Math.min(failures - 1, 4)), signal);
  }
}

async function read(body: ReadableStream<Uint8Array>, event: string, at: StreamCursor, deliver: (data: unknown) => void, signal: AbortSignal): Promise<void> {
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
      if (message.id !== null) at.lastEventId = message.id;
      if (message.event !== event || message.data === null) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        continue;
      }
      deliver(parsed);
    }
  }
}
