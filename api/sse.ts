// Server-sent events framing shared by the API's streams (the case stream, the team stream): the
// Last-Event-ID a client resumes from, the response head, the starting id, the keep-alive comments.
import type { Response } from 'express';
import { z } from 'zod';
import { log } from '../lib/log.js';
import { HttpError } from './errors.js';

/** An event id as a stream sends it (a non-negative integer); empty means "from now". */
export const LAST_EVENT_ID = /^\d{0,15}$/;

export const lastEventIdHeader = {
  'Last-Event-ID': { description: 'resume after this event id (the last `id:` received)', pattern: LAST_EVENT_ID.source },
};

/** The id to resume after, or undefined (start now); 400 for anything a stream never sent. */
export function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!LAST_EVENT_ID.test(value.trim()))
    throw new HttpError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an event id this stream sent');
  return Number(value.trim());
}

/**
 * The documented shape of one message (OpenAPI 3.1: the text/event-stream schema is per event): its
 * id, its event name, and its data, a JSON text of `data`.
 */
export const sseEventSchema = (event: string, data: z.ZodType) =>
  z.looseObject({
    id: z.string().regex(/^\d+$/).describe('the event id; send it back as Last-Event-ID to resume'),
    event: z.literal(event),
    data: z.string().meta({ contentMediaType: 'application/json', contentSchema: z.toJSONSchema(data, { io: 'output', unrepresentable: 'any' }) }),
  });

/** One SSE message. */
export const sseMessage = (id: number, event: string, data: unknown): string => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Sends the stream's head and its starting point as an id: a client that loses the connection before
 * its first event resumes from there (EventSource keeps an id sent without data) instead of
 * reconnecting without Last-Event-ID, which starts anew and skips what came in between. Keep-alive
 * comments follow every `heartbeatMs`; the function returned stops them.
 */
export function startSse(res: Response, { startId, what, heartbeatMs }: { startId: number; what: string; heartbeatMs: number }): () => void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write(`retry: 3000\nid: ${startId}\n: ${what}\n\n`);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}

/** What of a batch goes out: the messages' data, and the disclosure to record before any is written. */
export interface PreparedBatch {
  shown: { id: number }[];
  /** Records the batch's disclosure in the audit log; when it fails nothing is sent and the stream ends. */
  disclose?: () => Promise<void>;
}

/**
 * One open stream's sending: batches go out one at a time, in order, each after its disclosure is
 * recorded (a batch whose disclosure cannot be recorded is not sent, and the stream ends: the client
 * resumes later from the last event it took). While the stream catches up, live batches wait; a
 * live client too far behind (`maxBufferedBytes`) is cut off and resumes later.
 */
export function sseSession<E extends { id: number }>(
  res: Response,
  options: { event: string; maxBufferedBytes: number; prepare: (fresh: E[]) => PreparedBatch; onClose: () => void },
) {
  let lastSent = 0;
  let live = false;
  let open = true;
  let stopHeartbeat = () => {};
  const waiting: E[] = [];
  const close = () => {
    if (!open) return;
    open = false;
    stopHeartbeat();
    options.onClose();
    res.end();
  };
  // Registered at once: a client gone before the stream starts must not stay subscribed.
  res.on('close', close);
  /** Resolves false when the client should be let drain. */
  const sendNow = async (events: E[]): Promise<boolean> => {
    const fresh = events.filter((e) => e.id > lastSent);
    if (fresh.length === 0 || !open) return true;
    const { shown, disclose } = options.prepare(fresh);
    if (disclose) {
      try {
        await disclose();
      } catch (err) {
        log.error('disclosure not recorded: the stream ends unsent', { error: err instanceof Error ? err.message : String(err) });
        close();
        return true;
      }
    }
    if (!open) return true;
    lastSent = fresh[fresh.length - 1].id;
    if (shown.length === 0) return true;
    const flowing = res.write(shown.map((data) => sseMessage(data.id, options.event, data)).join(''));
    if (live && res.writableLength > options.maxBufferedBytes) close();
    return flowing;
  };
  let sending: Promise<boolean> = Promise.resolve(true);
  const send = (events: E[]): Promise<boolean> => (sending = sending.then(() => sendNow(events)));
  return {
    get open() {
      return open;
    },
    close,
    /** A feed's batch: sent when live, kept until then. */
    deliver(events: E[]): void {
      if (live) void send(events);
      else waiting.push(...events);
    },
    /** Ends the stream once what is being sent has gone. */
    endAfterSending(): void {
      void sending.then(close);
    },
    /** Starts the response at `startId` (the events after it follow). */
    start(startId: number, what: string, heartbeatMs: number): void {
      lastSent = startId;
      stopHeartbeat = startSse(res, { startId, what, heartbeatMs });
    },
    /** Sends a replayed page at the pace the client reads it. */
    async replay(page: E[]): Promise<void> {
      if (!(await send(page))) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
    },
    /** The replay reached the feed's `head`: what the feed handed on meanwhile follows, then it goes live. */
    async goLive(head: number): Promise<void> {
      await sending;
      lastSent = Math.max(lastSent, head);
      live = true;
      void send(waiting.splice(0));
    },
  };
}
