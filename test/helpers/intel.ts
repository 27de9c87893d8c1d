// Teams and intelligence records through the API, for tests: a team of CN, KH and TH with one
// member officer per country, and record bodies of each kind.
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Actor } from '../../workflows/definitions.js';
import type { Api } from './api.js';
import type { Users } from './fixtures.js';

export const TEAM_COUNTRIES = ['CN', 'KH', 'TH'] as const;
export type TeamCountry = (typeof TEAM_COUNTRIES)[number];

export const H0_TEAM = { handling: { code: 'H0', releasableTo: 'team' }, evaluation: { source: 'B', information: 2 } };

/** The day `days` from today (UTC), as YYYY-MM-DD. */
export const dayFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export function teamBody(overrides: Record<string, unknown> = {}) {
  return {
    id: `jit-${randomUUID()}`,
    name: 'JIT Mekong',
    leadCountry: 'KH',
    memberCountries: [...TEAM_COUNTRIES],
    agreementRef: 'JIT/2025/KH-CN-TH/01',
    validFrom: dayFromToday(-30),
    validUntil: dayFromToday(365),
    ...overrides,
  };
}

/** Members of the team: an officer per country (added by that country's supervisor), and the supervisors. */
export function teamUsers(u: Users, n: number) {
  const officers = Object.fromEntries(TEAM_COUNTRIES.map((c) => [c, u.user('officer', c, n)])) as Record<TeamCountry, Actor>;
  const supervisors = Object.fromEntries(TEAM_COUNTRIES.map((c) => [c, u.user('supervisor', c, n)])) as Record<TeamCountry, Actor>;
  return { officers, supervisors };
}

/** Sets up a team of CN, KH and TH (by KH's supervisor) with each country's officer as a member. */
export async function setUpTeam(api: Api, users: ReturnType<typeof teamUsers>, overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await api.post('/v1/teams', users.supervisors.KH, teamBody(overrides));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const teamId = created.body.id as string;
  for (const country of TEAM_COUNTRIES) {
    const officer = users.officers[country];
    const added = await api.post(`/v1/teams/${teamId}/members`, users.supervisors[country], {
      sub: officer.sub,
      name: officer.name,
      country,
      role: 'investigator',
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
  }
  return teamId;
}

/** Records an entity, asserting it was created; returns its id. */
export async function recordEntity(api: Api, teamId: string, by: Actor, body: Record<string, unknown>): Promise<string> {
  const res = await api.post(`/v1/teams/${teamId}/entities`, by, { ...H0_TEAM, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function recordLink(api: Api, teamId: string, by: Actor, body: Record<string, unknown>): Promise<string> {
  const res = await api.post(`/v1/teams/${teamId}/links`, by, { ...H0_TEAM, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}
