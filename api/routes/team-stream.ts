// GET /v1/teams/:id/stream (DESIGN §6 "Sharing channels"): server-sent events of a team's changes,
// each decided for the recipient's country before it is sent, by the same functions as the webhook
// deliveries (db/intel-feed.ts). One feed per process reads the change log for every open stream
// (api/team-feed.ts); a stream catches up from Last-Event-ID on its own, then joins it.
import { z } from 'zod';
import { channelEvents, lastChangeId, readSettledChanges, type ChannelEvent } from '../../db/intel-feed.js';
import { log } from '../../lib/log.js';
import type { AppDeps } from '../app.js';
import { recordTeamStreamDisclosure } from '../disclosures.js';
import { errorResponses, route } from '../http.js';
import { CHANGE_KINDS, intelViewer, teamAccess } from '../intel-policy.js';
import { IntelEntity, IntelLink, TeamParams } from '../intel-schemas.js';
import { lastEventIdHeader, parseLastEventId, sseEventSchema, sseSession } from '../sse.js';
import type { StreamSlots } from '../stream-slots.js';
import type { TeamChangeFeed } from '../team-feed.js';
import { Timestamp } from '../schemas.js';
import { visibleTeam } from './teams.js';
import type { StreamOptions } from './events.js';

/** The data of one `intel` message: a change as the recipient's country may see it now. */
export const TeamStreamEvent = z.strictObject({
  id: z.number().int().describe('the change id; also the SSE id to resume from'),
  teamId: z.string(),
  recordKind: z.enum(CHANGE_KINDS),
  recordId: z.string(),
  version: z.number().int(),
  action: z.string(),
  at: Timestamp,
  actorCountry: z.string().nullable(),
  record: z.union([IntelEntity, IntelLink]).optional().describe('an entity or link change: the record as the recipient may see it now'),
  change: z.record(z.string(), z.unknown()).optional().describe('a team change or a notice: what it says'),
});

const CATCH_UP_PAGE = 500;

export function teamStreamRoutes({ db, audit }: AppDeps, feed: TeamChangeFeed, slots: StreamSlots, options: StreamOptions) {
  return [
    route({
      method: 'get',
      path: '/v1/teams/:id/stream',
      summary: "Server-sent events: the team's changes as the caller's country may see them, as they happen (members and admins)",
      description:
        'Each change is an SSE message `event: intel`, `id: <change id>`, `data: <JSON below>`; comments keep the connection ' +
        'alive. Each change is decided for the caller\'s country at the record\'s current state before it is sent: a record ' +
        'restricted away from the country is never shown, a notice reaches only its audience. Without `Last-Event-ID` the ' +
        'stream starts now; with it (or `0` for everything) it first replays every later change the caller may see. A member ' +
        'removed from the team has their stream ended. Each batch with changes from another country is a disclosure in the audit log.',
      tags: ['teams'],
      purpose: true,
      params: TeamParams,
      requestHeaders: lastEventIdHeader,
      responses: {
        200: { description: "the stream (text/event-stream); each message's data", schema: sseEventSchema('intel', TeamStreamEvent), contentType: 'text/event-stream' },
        ...errorResponses(400, 401, 404, 503),
      },
      handler: async ({ actor, params, req, res, purpose }) => {
        const { team, member } = await visibleTeam(db, params.id, actor);
        res.on('close', slots.take(actor.sub));
        const resumeAfter = parseLastEventId(req.get('last-event-id'));
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'intel.stream.open',
          objectType: 'team',
          objectIds: [team.id],
          outcome: 'ok',
          purpose,
          details: { teamId: team.id, resumeAfter: resumeAfter ?? null },
        });
        const country = intelViewer(actor);
        let subscription: { head: number; unsubscribe: () => void } | undefined;
        const stream = sseSession<ChannelEvent>(res, {
          event: 'intel',
          maxBufferedBytes: options.maxBufferedBytes,
          onClose: () => subscription?.unsubscribe(),
          // The events are already decided for the country (channelEvents); another country's are a disclosure.
          prepare: (fresh) => ({ shown: fresh, disclose: () => recordTeamStreamDisclosure(audit, actor, team.id, fresh, purpose) }),
        });
        subscription = await feed.subscribe({
          teamId: team.id,
          member: member ? { sub: member.sub, country: member.country } : null,
          country,
          deliver: (events) => stream.deliver(events),
          end: () => stream.endAfterSending(),
        });
        // Gone already, or removed between the check above and joining the feed (which has passed the removal).
        if (!stream.open || (member && !(await teamAccess(db, team.id, actor))?.member)) {
          stream.close();
          subscription.unsubscribe();
          return { streamed: true };
        }
        const head = subscription.head;
        // Without Last-Event-ID: from the last change written now (the feed may hold younger ones back).
        const startId = resumeAfter === undefined ? Math.max(head, await lastChangeId(db)) : Math.min(resumeAfter, head);
        stream.start(startId, 'stream of team changes', options.heartbeatMs);
        try {
          // The replay, up to where the feed took over.
          let cursor = startId;
          while (stream.open && cursor < head) {
            const { rows, head: settled } = await readSettledChanges(db, cursor, { limit: CATCH_UP_PAGE });
            await stream.replay(await channelEvents(db, rows.filter((r) => r.id <= head), team.id, country));
            if (settled === cursor) break;
            cursor = Math.min(settled, head);
          }
          await stream.goLive(head);
        } catch (err) {
          log.warn('team stream could not catch up', { error: err instanceof Error ? err.message : String(err) });
          stream.close();
        }
        return { streamed: true };
      },
    }),
  ];
}
