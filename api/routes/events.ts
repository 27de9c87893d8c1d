import { z } from 'zod';
import { canSee } from '../../db/visibility.js';
import { readEvents, type FeedEvent } from '../../db/events.js';
import { log } from '../../lib/log.js';
import { projectEvent, seesAll } from '../../lib/need-to-know.js';
import type { AppDeps } from '../app.js';
import { recordStreamDisclosure } from '../disclosures.js';
import { HttpError } from '../errors.js';
import type { CaseEventFeed } from '../event-feed.js';
import { errorResponses, route } from '../http.js';
import { CaseStatus, EventType, Id } from '../schemas.js';
import { scopeCountry } from '../scope.js';
import { createStreamSlots } from '../stream-slots.js';
import { limitsOrDefaults } from '../../lib/config.js';

/** The data of one `case` event: the case's keys and the change, never personal data. */
export const StreamEvent = z.strictObject({
  id: z.number().int().describe('the timeline event id; also the SSE id to resume from'),
  caseId: Id,
  type: EventType,
  fromStatus: CaseStatus.nullable(),
  toStatus: CaseStatus.nullable(),
  holdingCountry: z.string(),
  destinationCountry: z.string().nullable(),
  operationId: Id.nullable(),
  at: z.string(),
});

const toStreamEvent = (e: FeedEvent) => ({
  id: e.id,
  caseId: e.caseId,
  type: e.type,
  fromStatus: e.fromStatus,
  toStatus: e.toStatus,
  holdingCountry: e.holdingCountry,
  destinationCountry: e.destinationCountry,
  operationId: e.operationId,
  at: e.at,
});

export interface StreamOptions {
  heartbeatMs: number;
  /** A client that falls this far behind (bytes not yet taken) is cut off; it resumes later. */
  maxBufferedBytes: number;
}

const CATCH_UP_PAGE = 500;

const LAST_EVENT_ID = /^\d{0,15}$/;

function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!LAST_EVENT_ID.test(value.trim()))
    throw new HttpError(400, 'INVALID_LAST_EVENT_ID', 'Last-Event-ID must be an event id this stream sent');
  return Number(value.trim());
}

export function eventRoutes({ db, audit, limits }: AppDeps, feed: CaseEventFeed, options: StreamOptions) {
  const slots = createStreamSlots(limitsOrDefaults(limits));
  return [
    route({
      method: 'get',
      path: '/v1/events/stream',
      summary: "Server-sent events: changes of the cases in the caller's scope, as they happen",
      description:
        'Each change is an SSE message `event: case`, `id: <event id>`, `data: <JSON below>`; comments keep the ' +
        'connection alive. Without `Last-Event-ID` the stream starts now; with it (as browsers send on reconnect, ' +
        "or `0` for everything) it first replays every later change in the caller's scope, in order.",
      tags: ['events'],
      purpose: true,
      requestHeaders: {
        'Last-Event-ID': { description: 'resume after this event id (the last `id:` received)', pattern: LAST_EVENT_ID.source },
      },
      responses: {
        200: { description: "the stream (text/event-stream); each message's data", schema: StreamEvent, contentType: 'text/event-stream' },
        ...errorResponses(400, 401, 503),
      },
      handler: async ({ actor, req, res, purpose }) => {
        // Beyond the user's or the process's cap: 429. The slot is freed when the connection closes.
        res.on('close', slots.take(actor.sub));
        const resumeAfter = parseLastEventId(req.get('last-event-id'));
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'case.stream.open',
          outcome: 'ok',
          purpose,
          details: { resumeAfter: resumeAfter ?? null },
        });
        const scope = scopeCountry(actor);
        let lastSent = 0;
        let live = false;
        let open = true;
        const waiting: FeedEvent[] = [];
        let heartbeat: NodeJS.Timeout | undefined;
        let subscription: { head: number; unsubscribe: () => void } | undefined;

        const close = () => {
          if (!open) return;
          open = false;
          clearInterval(heartbeat);
          subscription?.unsubscribe();
          res.end();
        };
        // Registered first: a client gone before the stream starts must not stay subscribed.
        res.on('close', close);
        /**
         * Sends one batch as this user may see it (need-to-know), after its disclosure is in the
         * audit log: a batch whose disclosure cannot be recorded is not sent, and the stream ends
         * (the client resumes later from the last event it took). Resolves false when the client
         * should be let drain.
         */
        const sendNow = async (events: FeedEvent[]): Promise<boolean> => {
          const fresh = events.filter((e) => e.id > lastSent && canSee(scope, e));
          if (fresh.length === 0 || !open) return true;
          const shown = fresh.flatMap((e) => {
            const event = projectEvent(toStreamEvent(e), seesAll(scope, e.holdingCountry));
            return event ? [{ feed: e, event }] : [];
          });
          const disclosed = shown.filter(({ feed }) => feed.holdingCountry !== actor.country).map(({ feed }) => feed);
          if (disclosed.length > 0) {
            try {
              await recordStreamDisclosure(audit, actor, disclosed, purpose);
            } catch (err) {
              log.error('disclosure not recorded: the stream ends unsent', { error: err instanceof Error ? err.message : String(err) });
              close();
              return true;
            }
          }
          if (!open) return true;
          lastSent = fresh[fresh.length - 1].id;
          if (shown.length === 0) return true;
          const flowing = res.write(shown.map(({ event }) => `id: ${event.id}\nevent: case\ndata: ${JSON.stringify(event)}\n\n`).join(''));
          // A live client this far behind is cut off; it resumes from the last event it took.
          if (live && res.writableLength > options.maxBufferedBytes) close();
          return flowing;
        };
        // One batch at a time, in order: each waits for the audit entry of the one before.
        let sending: Promise<boolean> = Promise.resolve(true);
        const send = (events: FeedEvent[]): Promise<boolean> => (sending = sending.then(() => sendNow(events)));

        subscription = await feed.subscribe({
          deliver: (events) => void (live ? send(events) : waiting.push(...events)),
          end: () => close(),
        });
        if (!open) return { streamed: true };
        const head = subscription.head;
        lastSent = resumeAfter ?? head;
        let page: FeedEvent[];
        try {
          page = await readEvents(db, { afterId: lastSent, upTo: head, limit: CATCH_UP_PAGE, scopeCountry: scope });
        } catch (err) {
          subscription.unsubscribe();
          throw err;
        }

        res.status(200).set({
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
        });
        res.flushHeaders();
        // The point the stream starts from, as an id: a client that loses the connection before
        // its first event resumes from here (EventSource keeps an id sent without data) instead of
        // reconnecting without Last-Event-ID, which starts anew and skips what came in between.
        res.write(`retry: 3000\nid: ${lastSent}\n: stream of case events\n\n`);
        heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs);
        heartbeat.unref();

        try {
          // The replay goes at the pace the client reads it.
          while (open) {
            if (!(await send(page))) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
            if (page.length < CATCH_UP_PAGE) break;
            page = await readEvents(db, { afterId: page[page.length - 1].id, upTo: head, limit: CATCH_UP_PAGE, scopeCountry: scope });
          }
          lastSent = Math.max(lastSent, head);
          live = true;
          void send(waiting.splice(0));
        } catch (err) {
          log.warn('event stream could not catch up', { error: err instanceof Error ? err.message : String(err) });
          close();
        }
        return { streamed: true };
      },
    }),
  ];
}
