// Release requests (DESIGN §6: changing handling is the originator's alone): a member of a team
// whose search answered partnerMatch asks the originator of the hidden record to release it to its
// country. The requester never learns which record; the originator's supervisor consents or refuses
// (the request's workflow, workflows/release-request.ts), or the request lapses at its deadline.
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { hiddenMatches } from '../../db/intel.js';
import { getReleaseRequest, insertReleaseRequest, listReleaseRequests, releaseRequestView, type ReleaseRequestRow } from '../../db/release-requests.js';
import { searchForms, type DocumentHash } from '../../lib/identifiers.js';
import { RELEASE_REQUEST_DEFAULT_DAYS, decideReleaseRequestUpdate, type Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { HttpError, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { recordVisible, releaseRequestRecordShown, releaseRequestVisible, type Team } from '../intel-policy.js';
import {
  CreateReleaseRequestBody,
  DecideReleaseRequestBody,
  ReleaseRequest,
  ReleaseRequestList,
  ReleaseRequestsQuery,
  TeamParams,
  TeamReleaseRequestParams,
} from '../intel-schemas.js';
import { visibleEntity, visibleLink } from './intel.js';
import { createdOrRepeated, visibleTeam, writableTeam } from './teams.js';

const invalid = (path: string, message: string) => new HttpError(400, 'VALIDATION_FAILED', message, { issues: [{ path: `body.${path}`, message }] });

interface Target {
  recordKind: 'entity' | 'link';
  recordId: string;
  originCountry: string;
  releaseTo: string;
}

/** The hidden record of a partner holding the identifier, to be released to the caller's country. */
async function hitTarget(db: Db, team: Team, actor: Actor, value: string, documentHash: DocumentHash): Promise<Target> {
  const hits = await hiddenMatches(db, team.id, actor.country, searchForms(value, actor.country, documentHash));
  const hit = [...hits].sort((a, b) => a.id.localeCompare(b.id))[0];
  if (!hit) throw new HttpError(404, 'NO_PARTNER_MATCH', 'no partner holds a record with this identifier that you may not see');
  return { recordKind: 'entity', recordId: hit.id, originCountry: hit.originCountry, releaseTo: actor.country };
}

/** A record the caller sees, of another country's origin, to be released to a member country that does not see it yet. */
async function widenTarget(db: Db, team: Team, actor: Actor, body: { recordId: string; recordKind?: 'entity' | 'link'; releaseTo?: string }): Promise<Target> {
  const recordKind = body.recordKind ?? 'entity';
  if (body.releaseTo === undefined) throw invalid('releaseTo', 'a request on a record names the country it is to be released to');
  const row = recordKind === 'entity' ? await visibleEntity(db, team, body.recordId, actor.country) : await visibleLink(db, team, body.recordId, actor.country);
  if (row.originCountry === actor.country) throw new HttpError(409, 'OWN_RECORD', 'the record is your country\'s: change its handling instead');
  if (!team.memberCountries.includes(body.releaseTo)) {
    throw new HttpError(400, 'NOT_A_MEMBER_COUNTRY', 'a record is releasable only to member countries of the team', { countries: [body.releaseTo] });
  }
  if (recordVisible(row, body.releaseTo)) throw new HttpError(409, 'ALREADY_RELEASED', `${body.releaseTo} sees the record already`);
  return { recordKind, recordId: row.id, originCountry: row.originCountry, releaseTo: body.releaseTo };
}

/** The request as the caller may see it (its requester's or originator's country, or an admin), or 404. */
async function visibleRequest(db: Db, teamId: string, id: string, actor: Actor): Promise<ReleaseRequestRow> {
  const row = await getReleaseRequest(db, teamId, id);
  if (!row || !releaseRequestVisible(row, actor)) throw notFound('release request');
  return row;
}

function readEntry(actor: Actor, purpose: string, teamId: string, rows: ReleaseRequestRow[]): AuditEntry {
  return {
    at: new Date().toISOString(),
    actor,
    action: 'intel.release.read',
    objectType: 'release_request',
    objectIds: rows.map((r) => r.id),
    outcome: 'ok',
    purpose,
    scopeCountries: [actor.country],
    details: { teamId, requests: rows.length },
  };
}

export function releaseRequestRoutes({ db, audit, temporal, protect }: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/v1/teams/:id/release-requests',
      summary: "Ask the originator of a record to release it: one the caller's search matched but may not see (partnerMatch), to the caller's country; or one the caller sees, to a third member country",
      description:
        '`identifier`: the request goes to the originating country of the hidden record holding it; the caller learns only its status (no hidden match: 404 NO_PARTNER_MATCH). `recordId` (+ `recordKind`, `releaseTo`): a record the caller sees, of another origin, for a member country that does not see it yet.',
      tags: ['intelligence'],
      params: TeamParams,
      body: CreateReleaseRequestBody,
      responses: createdOrRepeated(ReleaseRequest, 'the request (pending)', 'made before by the caller with this id; returned as it stands'),
      handler: async ({ actor, params, body }) => {
        const { team } = await writableTeam(db, params.id, actor);
        if ((body.identifier === undefined) === (body.recordId === undefined)) throw invalid('identifier', 'a request names either an identifier or a recordId');
        if (body.identifier && (body.recordKind !== undefined || body.releaseTo !== undefined)) {
          throw invalid('identifier', 'recordKind and releaseTo go with recordId');
        }
        const target = body.identifier ? await hitTarget(db, team, actor, body.identifier.value, protect.fingerprint) : await widenTarget(db, team, actor, { ...body, recordId: body.recordId! });
        const now = Date.now();
        const { created, row } = await insertReleaseRequest(
          db,
          {
            id: body.id ?? randomUUID(),
            teamId: team.id,
            ...target,
            requesterCountry: actor.country,
            requestedBy: actor.sub,
            reason: body.reason,
            status: 'pending',
            deadlineAt: new Date(now + (body.deadlineDays ?? RELEASE_REQUEST_DEFAULT_DAYS) * 86_400_000).toISOString(),
            createdAt: new Date(now).toISOString(),
          },
          actor,
        );
        if (!created && (row.teamId !== team.id || row.requestedBy !== actor.sub || row.requesterCountry !== actor.country)) {
          throw new HttpError(409, 'CONFLICT', 'a release request with this id exists');
        }
        // A repeat starts the workflow if the first attempt could not.
        await temporal.startReleaseRequest({
          requestId: row.id,
          teamId: row.teamId,
          recordKind: row.recordKind as 'entity' | 'link',
          recordId: row.recordId,
          originCountry: row.originCountry,
          requesterCountry: row.requesterCountry,
          deadlineAt: new Date(row.deadlineAt).toISOString(),
        });
        return { status: created ? 201 : 200, body: releaseRequestView(row, releaseRequestRecordShown(row, actor)) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/release-requests',
      summary: "The release requests on the caller's country's records (pending=1: those awaiting its decision), oldest first",
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: ReleaseRequestsQuery,
      responses: { 200: { description: 'the requests', schema: ReleaseRequestList }, ...errorResponses(404) },
      handler: async ({ actor, params, query, purpose }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const rows = await listReleaseRequests(db, team.id, actor.country, query.pending === '1');
        await audit.record(readEntry(actor, purpose, team.id, rows));
        return { status: 200, body: { items: rows.map((r) => releaseRequestView(r, true)) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/release-requests/:rid',
      summary: 'One release request: its status to the requester; to the originator also which record',
      tags: ['intelligence'],
      purpose: true,
      params: TeamReleaseRequestParams,
      responses: { 200: { description: 'the request', schema: ReleaseRequest }, ...errorResponses(404) },
      handler: async ({ actor, params, purpose }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const row = await visibleRequest(db, team.id, params.rid, actor);
        await audit.record(readEntry(actor, purpose, team.id, [row]));
        return { status: 200, body: releaseRequestView(row, releaseRequestRecordShown(row, actor)) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/teams/:id/release-requests/:rid/decision',
      summary: "Consent to or refuse a release request (a supervisor of the record's originating country, while it is pending)",
      description: "On consent the record's releasableTo gains the requesting country, and the record's history names the request.",
      tags: ['intelligence'],
      params: TeamReleaseRequestParams,
      body: DecideReleaseRequestBody,
      responses: { 200: { description: 'the request, decided', schema: ReleaseRequest }, ...errorResponses(404, 409) },
      handler: async ({ actor, params, body }) => {
        const { team } = await writableTeam(db, params.id, actor);
        const row = await visibleRequest(db, team.id, params.rid, actor);
        if (row.status !== 'pending') throw new HttpError(409, 'WRONG_STAGE', `the request is ${row.status}`);
        await temporal.updateReleaseRequest(row.id, decideReleaseRequestUpdate, { actor, decision: body.decision });
        const after = (await getReleaseRequest(db, team.id, row.id))!;
        return { status: 200, body: releaseRequestView(after, releaseRequestRecordShown(after, actor)) };
      },
    }),
  ];
}
