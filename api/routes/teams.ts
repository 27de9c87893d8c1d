// Joint investigation teams (DESIGN §6): set up by a member country's supervisor, with named members
// each country's own supervisor adds; they exist only for their members and admins.
import { randomUUID } from 'node:crypto';
import type { ZodType } from 'zod';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { teams } from '../../db/schema.js';
import { getOperation } from '../../db/operations.js';
import { countVisible } from '../../db/intel.js';
import { deleteMember, insertMember, insertTeam, listMembers, listTeams, teamHistory, teamOperationIds } from '../../db/teams.js';
import type { Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { HttpError, forbidden, notFound } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { intelViewer, teamAccess, teamExpired, type Team as TeamRow, type TeamMember as MemberRow } from '../intel-policy.js';
import { AddMemberBody, ChangeHistory, CreateTeamBody, Team, TeamDetail, TeamList, TeamMember, TeamMemberParams, TeamParams } from '../intel-schemas.js';

const memberView = (m: MemberRow) => ({ sub: m.sub, name: m.name, country: m.country, role: m.role, addedBy: m.addedBy, addedAt: new Date(m.addedAt).toISOString() });

export async function teamView(db: Db, team: TeamRow) {
  return {
    id: team.id,
    name: team.name,
    leadCountry: team.leadCountry,
    memberCountries: team.memberCountries,
    agreementRef: team.agreementRef,
    validFrom: team.validFrom,
    validUntil: team.validUntil,
    expired: teamExpired(team, new Date()),
    expiredAt: team.expiredAt === null ? null : new Date(team.expiredAt).toISOString(),
    operationIds: await teamOperationIds(db, team.id),
    createdBy: team.createdBy,
    createdAt: new Date(team.createdAt).toISOString(),
  };
}

/** The team as the caller may see it, or 404. */
export async function visibleTeam(db: Db, teamId: string, actor: Actor) {
  const access = await teamAccess(db, teamId, actor);
  if (!access) throw notFound('team');
  return access;
}

function refuseExpired(team: TeamRow): void {
  if (teamExpired(team, new Date())) throw new HttpError(409, 'TEAM_EXPIRED', `the team was valid until ${team.validUntil}; it is read-only now`);
}

/** The team for a change: the caller must be a member, and the team still valid (else 409 TEAM_EXPIRED). */
export async function writableTeam(db: Db, teamId: string, actor: Actor) {
  const access = await visibleTeam(db, teamId, actor);
  if (!access.member) throw forbidden('only members of the team change it');
  refuseExpired(access.team);
  return { team: access.team, member: access.member };
}

/**
 * The team for a change of its membership: each member country's supervisor names its own members,
 * member of the team or not (that is how a country's first member joins). To a supervisor of
 * another country the team does not exist.
 */
async function memberCountryTeam(db: Db, teamId: string, actor: Actor): Promise<TeamRow> {
  const [team] = await db.select().from(teams).where(eq(teams.id, teamId));
  if (!team || !team.memberCountries.includes(actor.country)) throw notFound('team');
  refuseExpired(team);
  return team;
}

/** The answers of a create route on a team: 201 with what it created, 200 when the same request came before. */
export const createdOrRepeated = (schema: ZodType, what: string, repeat: string) => ({
  201: { description: what, schema },
  200: { description: repeat, schema },
  ...errorResponses(404, 409),
});

const sameSet = (a: readonly string[], b: readonly string[]) => [...a].sort().join(',') === [...b].sort().join(',');

export function teamRoutes({ db, temporal }: AppDeps) {
  return [
    route({
      method: 'post',
      path: '/v1/teams',
      summary: 'Set up a joint investigation team (a supervisor of a member country, who becomes its first member); the same id again answers 200',
      tags: ['teams'],
      body: CreateTeamBody,
      responses: {
        201: { description: 'the team', schema: Team },
        200: { description: 'a team with this id was set up by the caller before; it is returned unchanged', schema: Team },
        ...errorResponses(404, 409),
      },
      handler: async ({ actor, body }) => {
        if (!(body.memberCountries as string[]).includes(actor.country)) throw forbidden("a team is set up by a supervisor of one of its member countries");
        const operationIds = [...new Set(body.operationIds ?? [])];
        for (const id of operationIds) {
          if (!(await getOperation(db, id, actor.country))) {
            throw new HttpError(404, 'UNKNOWN_OPERATION', 'no such operation in your scope', { operationId: id });
          }
        }
        const asked = {
          id: body.id ?? randomUUID(),
          name: body.name,
          leadCountry: body.leadCountry,
          memberCountries: body.memberCountries,
          agreementRef: body.agreementRef,
          validFrom: body.validFrom,
          validUntil: body.validUntil,
          operationIds,
        };
        const { created, team } = await insertTeam(db, asked, actor);
        if (!created) {
          const same =
            team.createdBy === actor.sub &&
            team.name === asked.name &&
            team.leadCountry === asked.leadCountry &&
            sameSet(team.memberCountries, asked.memberCountries) &&
            team.agreementRef === asked.agreementRef &&
            team.validFrom === asked.validFrom &&
            team.validUntil === asked.validUntil &&
            sameSet(await teamOperationIds(db, team.id), operationIds);
          if (!same) throw new HttpError(409, 'CONFLICT', 'a team with this id exists');
        }
        // The team's expiry runs as its workflow; a repeat starts it if the first attempt could not.
        await temporal.startTeam({ teamId: team.id, validUntil: team.validUntil });
        return { status: created ? 201 : 200, body: await teamView(db, team) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams',
      summary: 'The teams the caller is a member of (admins: all), oldest first',
      tags: ['teams'],
      responses: { 200: { description: 'the teams', schema: TeamList }, ...errorResponses(401, 503) },
      handler: async ({ actor }) => {
        const teams = await listTeams(db, actor);
        return { status: 200, body: { items: await Promise.all(teams.map((t) => teamView(db, t))) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id',
      summary: 'One team: members, operations, validity, and how many records the caller may see (members and admins; to anyone else it does not exist)',
      tags: ['teams'],
      params: TeamParams,
      responses: { 200: { description: 'the team', schema: TeamDetail }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const [view, members, counts] = await Promise.all([teamView(db, team), listMembers(db, team.id), countVisible(db, team.id, intelViewer(actor))]);
        return { status: 200, body: { ...view, members: members.map(memberView), counts } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/history',
      summary: "The team's own history: set up, members added and removed, expiry",
      tags: ['teams'],
      params: TeamParams,
      responses: { 200: { description: 'the history, oldest first', schema: ChangeHistory }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        return { status: 200, body: { items: await teamHistory(db, team.id) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/teams/:id/members',
      summary: "Add a named member of the caller's own country (a supervisor of a member country)",
      tags: ['teams'],
      params: TeamParams,
      body: AddMemberBody,
      responses: createdOrRepeated(TeamMember, 'the member', 'already a member; nothing changed'),
      handler: async ({ actor, params, body }) => {
        const team = await memberCountryTeam(db, params.id, actor);
        if (body.country !== actor.country) throw forbidden('a supervisor adds members of their own country only');
        const created = await insertMember(db, team.id, body, actor);
        const member = (await listMembers(db, team.id)).find((m) => m.sub === body.sub && m.country === body.country)!;
        return { status: created ? 201 : 200, body: memberView(member) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/teams/:id/members/:sub',
      summary: "Remove a member of the caller's own country (a supervisor of a member country)",
      tags: ['teams'],
      params: TeamMemberParams,
      responses: { 204: { description: 'removed' }, ...errorResponses(404, 409) },
      handler: async ({ actor, params }) => {
        const team = await memberCountryTeam(db, params.id, actor);
        if (!(await deleteMember(db, team.id, params.sub, actor.country, actor))) throw notFound('member of your country');
        return { status: 204, body: undefined };
      },
    }),
  ];
}
