// Hit notices (DESIGN §6 hit/no-hit): the inbox of a member country whose records another member
// country's search or new record matched, and the one decision that releases such a record to
// that country. The release goes through the release-request workflow (workflows/release-request.ts)
// as a consent does, so the record's history names the request; nothing of a notice reaches the
// country that searched.
import type { AuditEntry } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { entityView, getEntityRow, identifiersOf, type EntityRow } from '../../db/intel.js';
import { getNotice, listNotices, type NoticeRow } from '../../db/notices.js';
import { getReleaseRequest, insertReleaseRequest, pendingReleaseRequestFor } from '../../db/release-requests.js';
import { decideReleaseRequestUpdate, type Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { forbidden, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { intelViewer, recordVisible } from '../intel-policy.js';
import { HitNoticeList, NoticesQuery, ReleaseNoticeBody, ReleasedNotice, TeamNoticeParams, TeamParams } from '../intel-schemas.js';
import { decodeCursor, encodeCursor } from '../scope.js';
import { intelReadEntry } from './intel.js';
import { visibleTeam, writableTeam } from './teams.js';

/** How long the originator's own request, made and decided at once, would have stood undecided. */
const NOTICE_RELEASE_DEADLINE_MS = 86_400_000;

/** The release request a notice's release is made under, when none was pending: one per notice. */
const noticeRequestId = (noticeId: string) => `hit-${noticeId}`;

async function noticeViews(db: Db, rows: NoticeRow[]) {
  const records = new Map<string, EntityRow>();
  for (const id of new Set(rows.map((r) => r.what.entityId))) {
    const row = await getEntityRow(db, rows[0].teamId, id);
    if (row) records.set(id, row);
  }
  const identifiers = await identifiersOf(db, [...records.keys()]);
  return rows.map((r) => {
    const record = records.get(r.what.entityId);
    return {
      id: r.recordId,
      teamId: r.teamId,
      at: new Date(r.at).toISOString(),
      searcherCountry: r.what.searcherCountry,
      how: r.what.how,
      identifierKinds: r.what.identifierKinds,
      entityId: r.what.entityId,
      record: record ? entityView(record, identifiers.get(record.id) ?? []) : null,
      released: record ? recordVisible(record, r.what.searcherCountry) : false,
    };
  });
}

function releaseEntry(actor: Actor, notice: NoticeRow, releaseRequestId: string): AuditEntry {
  return {
    at: new Date().toISOString(),
    actor,
    action: 'intel.notice.release',
    objectType: 'intel_entity',
    objectIds: [notice.what.entityId, notice.recordId, releaseRequestId],
    outcome: 'ok',
    scopeCountries: [actor.country],
    details: { teamId: notice.teamId, releaseTo: notice.what.searcherCountry, releaseRequestId },
  };
}

export function noticeRoutes({ db, audit, temporal }: AppDeps) {
  return [
    route({
      method: 'get',
      path: '/v1/teams/:id/notices',
      summary: "The caller's country's hit notices: which of its records another member country's search or new record matched, newest first",
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: NoticesQuery,
      responses: { 200: { description: 'a page of notices, each with the record as it stands', schema: HitNoticeList }, ...errorResponses(404) },
      handler: async ({ actor, params, query, purpose }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const page = await listNotices(db, { teamId: team.id, country: intelViewer(actor), limit: query.limit, after: decodeCursor(query.cursor) });
        const items = page.items.length > 0 ? await noticeViews(db, page.items) : [];
        const shown = items.flatMap((n) => (n.record ? [n.record] : []));
        await audit.record(intelReadEntry(actor, 'intel.notice.read', purpose, team.id, shown));
        return { status: 200, body: { items, nextCursor: encodeCursor(page.next) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/teams/:id/notices/:nid/release',
      summary: "Release the record a notice is about to the country that searched or recorded it: one decision by a supervisor of the record's originating country",
      description:
        "The decision consents to the pending release request for the record and that country if there is one, else to a request made and decided at once; either way through the request's workflow, so the record's history names it. A repeat, or a record the country sees already, answers 200 and changes nothing.",
      tags: ['intelligence'],
      params: TeamNoticeParams,
      body: ReleaseNoticeBody,
      responses: { 200: { description: 'the notice, its record released', schema: ReleasedNotice }, ...errorResponses(404, 409) },
      handler: async ({ actor, params }) => {
        const { team } = await writableTeam(db, params.id, actor);
        const notice = await getNotice(db, team.id, params.nid, actor.country);
        if (!notice) throw notFound('notice');
        const record = await getEntityRow(db, team.id, notice.what.entityId);
        if (!record) throw notFound('entity');
        if (record.originCountry !== actor.country) throw forbidden(`only the originating country (${record.originCountry}) releases the record`);
        const releaseTo = notice.what.searcherCountry;
        let releaseRequestId: string | null = null;
        if (!recordVisible(record, releaseTo)) {
          const pending = await pendingReleaseRequestFor(db, team.id, record.id, releaseTo);
          let request = pending ?? (await getReleaseRequest(db, team.id, noticeRequestId(notice.recordId)));
          if (!request) {
            const now = Date.now();
            ({ row: request } = await insertReleaseRequest(
              db,
              {
                id: noticeRequestId(notice.recordId),
                teamId: team.id,
                recordKind: 'entity',
                recordId: record.id,
                originCountry: record.originCountry,
                requesterCountry: releaseTo,
                releaseTo,
                requestedBy: actor.sub,
                reason: `released by the originator on hit notice ${notice.recordId}`,
                status: 'pending',
                deadlineAt: new Date(now + NOTICE_RELEASE_DEADLINE_MS).toISOString(),
                createdAt: new Date(now).toISOString(),
              },
              actor,
            ));
          }
          if (request.status === 'pending') {
            await temporal.startReleaseRequest({
              requestId: request.id,
              teamId: team.id,
              recordKind: 'entity',
              recordId: record.id,
              originCountry: record.originCountry,
              requesterCountry: request.requesterCountry,
              deadlineAt: new Date(request.deadlineAt).toISOString(),
            });
            await temporal.updateReleaseRequest(request.id, decideReleaseRequestUpdate, { actor, decision: 'consent' });
            await audit.record(releaseEntry(actor, notice, request.id));
          }
          releaseRequestId = request.id;
        }
        const [view] = await noticeViews(db, [notice]);
        return { status: 200, body: { ...view, releaseRequestId } };
      },
    }),
  ];
}
