import { z } from 'zod';
import { canSee } from '../../db/visibility.js';
import { readEvents, type FeedEvent } from '../../db/events.js';
import { log } from '../../lib/log.js';
import { projectEvent, seesAll } from '../../lib/need-to-know.js';
import type { AppDeps } from '../app.js';
import { recordStreamDisclosure } from '../disclosures.js';
import type { CaseEventFeed } from '../event-feed.js';
import { errorResponses, route } from '../http.js';
import { CaseStatus, EventType, Id } from '../schemas.js';
import { scopeCountry } from '../scope.js';
import { lastEventIdHeader, parseLastEventId, sseEventSchema, sseSession } from '../sse.js';
import type { StreamSlots } from '../stream-slots.js';

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

export function eventRoutes({ db, audit }: AppDeps, feed: CaseEventFeed, slots: StreamSlots, options: StreamOptions) {
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
      requestHeaders: lastEventIdHeader,
      responses: {
        200: { description: "the stream (text/event-stream); each message's data", schema: sseEventSchema('case', StreamEvent), contentType: 'text/event-stream' },
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
        let subscription: { head: number; unsubscribe: () => void } | undefined;
        const stream = sseSession<FeedEvent>(res, {
          event: 'case',
          maxBufferedBytes: options.maxBufferedBytes,
          onClose: () => subscription?.unsubscribe(),
          // Each batch as this user may see it (need-to-know); cases held by another country are a disclosure.
          prepare: (fresh) => {
            const shown = fresh
              .filter((e) => canSee(scope, e))
              .flatMap((e) => {
                const event = projectEvent(toStreamEvent(e), seesAll(scope, e.holdingCountry));
                return event ? [{ feed: e, event }] : [];
              });
            const disclosed = shown.filter(({ feed }) => feed.holdingCountry !== actor.country).map(({ feed }) => feed);
            return {
              shown: shown.map(({ event }) => event),
              disclose: disclosed.length > 0 ? () => recordStreamDisclosure(audit, actor, disclosed, purpose) : undefined,
            };
          },
        });
        subscription = await feed.subscribe({ deliver: (events) => stream.deliver(events), end: () => stream.close() });
        if (!stream.open) {
          subscription.unsubscribe();
          return { streamed: true };
        }
        const head = subscription.head;
        const startId = resumeAfter ?? head;
        let page: FeedEvent[];
        try {
          page = await readEvents(db, { afterId: startId, upTo: head, limit: CATCH_UP_PAGE, scopeCountry: scope });
        } catch (err) {
          subscription.unsubscribe();
          throw err;
        }
        stream.start(startId, 'stream of case events', options.heartbeatMs);
        try {
          while (stream.open) {
            await stream.replay(page);
            if (page.length < CATCH_UP_PAGE) break;
            page = await readEvents(db, { afterId: page[page.length - 1].id, upTo: head, limit: CATCH_UP_PAGE, scopeCountry: scope });
          }
          await stream.goLive(head);
        } catch (err) {
          log.warn('event stream could not catch up', { error: err instanceof Error ? err.message : String(err) });
          stream.close();
        }
        return { streamed: true };
      },
    }),
  ];
}
