// Intelligence records of a team (DESIGN §6): entities, links, their handling and history, and the
// ties of cases to them. What a caller may see is decided by api/intel-policy.ts; every read needs
// X-Purpose and is logged, as a disclosure when it shows a record of another country.
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../../db/audit.js';
import { getCaseScope, type CaseScopeRow } from '../../db/case-detail.js';
import { canSee } from '../../db/visibility.js';
import type { Db } from '../../db/client.js';
import { insertHitNotices, type Hit, type HitHow } from '../../db/notices.js';
import {
  changeHandling,
  entityView,
  getEntityRow,
  getLinkRow,
  hiddenMatches,
  identifiersOf,
  insertCaseTie,
  insertEntity,
  insertLink,
  linkView,
  recordHistory,
  searchEntities,
  visibleCaseTies,
  visibleCasesOf,
  visibleLinksOf,
  HIT_KINDS,
  type EntityRow,
  type InsertOutcome,
  type LinkRow,
} from '../../db/intel.js';
import { IdentifierError, identifyEntity, searchForms, type DocumentHash } from '../../lib/identifiers.js';
import type { Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import type { AuditTrail } from '../audit.js';
import { HttpError, forbidden, notFound } from '../errors.js';
import { errorResponses, route, type Disclosure } from '../http.js';
import { intelViewer, isProtectedPerson, recordVisible, teamAccess, type Team } from '../intel-policy.js';
import {
  CaseIntelLink,
  CaseIntelLinkBody,
  ChangeHandlingBody,
  ChangeHistory,
  CreatedEntity,
  CreateEntityBody,
  CreateLinkBody,
  EntityDetail,
  EntityList,
  IntelEntity,
  IntelLink,
  SearchQuery,
  TeamEntityParams,
  TeamLinkParams,
  TeamParams,
  type CreateEntityInput,
  type CreateLinkInput,
  type HandlingInput,
} from '../intel-schemas.js';
import { IdParams } from '../schemas.js';
import { createdOrRepeated, visibleTeam, writableTeam } from './teams.js';

// ---- the audit of what an answer shows ----

interface Shown {
  id: string;
  originCountry: string;
}

/** A read of intelligence records: a disclosure to the caller's country when any is of another origin. */
export function intelReadEntry(actor: Actor, action: string, purpose: string, teamId: string, shown: Shown[]): AuditEntry {
  const origins = [...new Set(shown.map((r) => r.originCountry))];
  return {
    at: new Date().toISOString(),
    actor,
    action,
    objectType: 'intel',
    objectIds: shown.map((r) => r.id),
    outcome: 'ok',
    purpose,
    recipientCountry: origins.some((c) => c !== actor.country) ? actor.country : null,
    scopeCountries: origins,
    details: { teamId, records: shown.length },
  };
}

/** The records an answer body carries: an entity and its links, a link, or a list. */
function shownIn(body: unknown): Shown[] {
  const b = body as { items?: Shown[]; links?: Shown[] } & Shown;
  if (b.items) return b.items;
  return [b, ...(b.links ?? [])];
}

const answersWithIntel = (action: string, impliedPurpose: string): Disclosure => ({
  impliedPurpose,
  entry: (actor, purpose, body) => intelReadEntry(actor, action, purpose, (body as { teamId?: string }).teamId ?? '', shownIn(body)),
});

/**
 * Hit/no-hit: a search or a new record matched records the caller may not see. The entry is for
 * the originating countries alone (their auditors and console see which record and who asked).
 */
function partnerHitEntry(actor: Actor, teamId: string, hits: Shown[], how: HitHow): AuditEntry {
  return {
    at: new Date().toISOString(),
    actor,
    action: 'intel.partner.hit',
    objectType: 'intel',
    objectIds: hits.map((h) => h.id),
    outcome: 'ok',
    scopeCountries: [...new Set(hits.map((h) => h.originCountry))],
    onlyScopeCountries: true,
    details: { teamId, how, askedBy: actor.country },
  };
}

// ---- rules on input ----

/** The handling as stored; releasing to a country outside the team is refused. */
function storedHandling(handling: HandlingInput, team: Team) {
  if (handling.releasableTo !== 'team') {
    const outside = handling.releasableTo.filter((c) => !team.memberCountries.includes(c));
    if (outside.length > 0) {
      throw new HttpError(400, 'NOT_A_MEMBER_COUNTRY', 'a record is releasable only to member countries of the team', { countries: outside });
    }
  }
  return {
    handlingCode: handling.code,
    releasableTo: handling.releasableTo === 'team' ? null : [...handling.releasableTo].sort(),
    handlingConditions: handling.conditions ?? null,
  };
}

function identify(body: CreateEntityInput, region: string, documentHash: DocumentHash) {
  try {
    return identifyEntity(body.kind, body.attributes, region, documentHash);
  } catch (err) {
    if (err instanceof IdentifierError) {
      throw new HttpError(400, 'INVALID_IDENTIFIER', err.message, { issues: [{ path: `body.${err.field}`, message: err.message }] });
    }
    throw err;
  }
}

/** A record of the team the caller may see, or 404 (missing, of another team, or not releasable to them). */
export async function visibleEntity(db: Db, team: Team, id: string, country: string | null): Promise<EntityRow> {
  const row = await getEntityRow(db, team.id, id);
  if (!row || !recordVisible(row, country)) throw notFound('entity');
  return row;
}

export async function visibleLink(db: Db, team: Team, id: string, country: string | null): Promise<LinkRow> {
  const row = await getLinkRow(db, team.id, id);
  if (!row || !recordVisible(row, country)) throw notFound('link');
  const [from, to] = await Promise.all([getEntityRow(db, team.id, row.fromId), getEntityRow(db, team.id, row.toId)]);
  // A link is seen only with both its ends.
  if (!from || !to || !recordVisible(from, country) || !recordVisible(to, country)) throw notFound('link');
  return row;
}

/** A repeat with a client-chosen id answers the record it created; any other use of the id is a conflict. */
function repeatOrConflict<R extends EntityRow | LinkRow>(found: InsertOutcome<R>, teamId: string, actor: Actor, what: string): R {
  if (found.outcome === 'exists' && (found.row.teamId !== teamId || found.row.createdBy !== actor.sub)) {
    throw new HttpError(409, 'CONFLICT', `${what} with this id exists`);
  }
  return found.row;
}

async function entityAnswer(db: Db, row: EntityRow) {
  return entityView(row, (await identifiersOf(db, [row.id])).get(row.id) ?? []);
}

// ---- the case detail's hook ----

/**
 * The intelligence a case is tied to, as `actor` may see it (their teams, visible records); shown
 * records of another country are recorded as a disclosure with the case read's purpose.
 */
export async function caseIntelLinksFor(db: Db, audit: AuditTrail, caseId: string, actor: Actor, purpose: string) {
  const ties = await visibleCaseTies(db, caseId, actor);
  if (ties.some((t) => t.entity.originCountry !== actor.country)) {
    await audit.record(intelReadEntry(actor, 'intel.case.read', purpose, ties[0].tie.teamId, ties.map((t) => t.entity)));
  }
  return ties.map(({ tie, entity }) => ({
    caseId: tie.caseId,
    teamId: tie.teamId,
    entityId: tie.entityId,
    kind: entity.kind as CreateEntityInput['kind'],
    relation: tie.relation,
    createdBy: tie.createdBy,
    createdCountry: tie.createdCountry,
    createdAt: new Date(tie.createdAt).toISOString(),
  }));
}

const VICTIM_RULE = 'a victim is tied to a case by the holding country alone, to a record of its own';

/** Which kinds of entity each relation of a case takes. */
const RELATION_KINDS: Record<string, string[]> = { is: ['person'], found_at: ['location'], associated_with: ['person', 'organisation', 'location', 'account', 'phone', 'online_identity', 'vehicle'] };

/**
 * Recording entities and links, as POST /v1/teams/:id/entities and /links do and as a STIX import
 * does for each object: the same rules, answers and errors (HttpError) either way.
 */
export function intelWriters({ db, audit, protect }: Pick<AppDeps, 'db' | 'audit' | 'protect'>) {
  /** The originators of the records hit are told: an audit entry for them, and a notice each (their inbox, stream, webhooks). */
  const notifyHits = async (actor: Actor, teamId: string, hits: Hit[], how: HitHow) => {
    if (hits.length === 0) return;
    await audit.record(partnerHitEntry(actor, teamId, hits, how));
    await insertHitNotices(db, teamId, actor, how, hits);
  };

  /** 201 with the new entity, 200 with the one this id recorded before; 4xx as HttpError. */
  const createEntity = async (actor: Actor, teamId: string, body: CreateEntityInput) => {
    const { team } = await writableTeam(db, teamId, actor);
    const handling = storedHandling(body.handling, team);
    if (body.caseId) {
      const scope = await getCaseScope(db, body.caseId);
      if (!scope || !canSee(actor.country, scope)) throw new HttpError(404, 'UNKNOWN_CASE', 'no such case in your scope', { caseId: body.caseId });
      if (isProtectedPerson(body) && scope.holdingCountry !== actor.country) throw forbidden(VICTIM_RULE);
    }
    const { attributes, identifiers, identityKey } = identify(body, actor.country, protect.fingerprint);
    const now = new Date().toISOString();
    const found = await insertEntity(
      db,
      {
        id: body.id ?? randomUUID(),
        teamId: team.id,
        kind: body.kind,
        attributes,
        originCountry: actor.country,
        createdBy: actor.sub,
        ...handling,
        evalSource: body.evaluation.source,
        evalInformation: body.evaluation.information,
        caseId: body.caseId ?? null,
        identityKey,
        version: 1,
        createdAt: now,
        updatedAt: now,
      },
      identifiers,
      actor,
    );
    if (found.outcome === 'duplicate') {
      if (recordVisible(found.row, actor.country)) {
        throw new HttpError(409, 'DUPLICATE_ENTITY', `the team has this ${body.kind} already`, { existingId: found.row.id });
      }
      // Hit/no-hit: the caller learns a match exists, not what it is; the originator is told.
      const kind = found.row.identityKey!.split(':')[0];
      await notifyHits(actor, team.id, [{ id: found.row.id, originCountry: found.row.originCountry, kinds: [kind] }], 'record');
      throw new HttpError(409, 'PARTNER_HOLDS_MATCH', 'a partner country holds a record with this identifier');
    }
    const row = repeatOrConflict(found, team.id, actor, 'an entity');
    if (found.outcome !== 'created') return { status: 200, body: await entityAnswer(db, row) };
    // A new record holding a document, phone, account or wallet of a record hidden from the caller: a hit too.
    const hitForms = identifiers.filter((i) => HIT_KINDS.includes(i.kind)).map((i) => i.value);
    const hits = await hiddenMatches(db, team.id, actor.country, hitForms);
    await notifyHits(actor, team.id, hits, 'record');
    return { status: 201, body: { ...(await entityAnswer(db, row)), ...(hits.length > 0 ? { partnerMatch: true } : {}) } };
  };

  /** 201 with the new link, 200 with the one this id recorded before; 4xx as HttpError. */
  const createLink = async (actor: Actor, teamId: string, body: CreateLinkInput) => {
    const { team } = await writableTeam(db, teamId, actor);
    const handling = storedHandling(body.handling, team);
    for (const end of ['from', 'to'] as const) {
      const row = await getEntityRow(db, team.id, body[end]);
      if (!row || !recordVisible(row, actor.country)) {
        throw new HttpError(404, 'UNKNOWN_ENTITY', `no such entity in this team: ${end}`, { end, id: body[end] });
      }
    }
    const now = new Date().toISOString();
    const found = await insertLink(
      db,
      {
        id: body.id ?? randomUUID(),
        teamId: team.id,
        fromId: body.from,
        toId: body.to,
        type: body.type,
        since: body.since ?? null,
        until: body.until ?? null,
        amount: body.amount === undefined ? null : String(body.amount),
        currency: body.currency ?? null,
        originCountry: actor.country,
        createdBy: actor.sub,
        ...handling,
        evalSource: body.evaluation.source,
        evalInformation: body.evaluation.information,
        version: 1,
        createdAt: now,
        updatedAt: now,
      },
      actor,
    );
    const row = repeatOrConflict(found, team.id, actor, 'a link');
    return { status: found.outcome === 'created' ? 201 : 200, body: linkView(row) };
  };

  return { notifyHits, createEntity, createLink };
}

export function intelRoutes(deps: AppDeps) {
  const { db, audit, protect } = deps;
  const { notifyHits, createEntity, createLink } = intelWriters(deps);

  const changeHandlingRoute = (kind: 'entity' | 'link') =>
    route({
      method: 'patch',
      path: kind === 'entity' ? '/v1/teams/:id/entities/:eid/handling' : '/v1/teams/:id/links/:lid/handling',
      summary: `Change a ${kind}'s handling (its originating country alone); the change is kept in its history`,
      tags: ['intelligence'],
      params: kind === 'entity' ? TeamEntityParams : TeamLinkParams,
      body: ChangeHandlingBody,
      discloses: answersWithIntel(`intel.${kind}.answer`, `answer to changing a ${kind}'s handling`),
      responses: { 200: { description: `the ${kind}`, schema: kind === 'entity' ? IntelEntity : IntelLink }, ...errorResponses(404, 409) },
      handler: async ({ actor, params, body }) => {
        const p = params as { id: string; eid?: string; lid?: string };
        const { team } = await writableTeam(db, p.id, actor);
        const row = kind === 'entity' ? await visibleEntity(db, team, p.eid!, actor.country) : await visibleLink(db, team, p.lid!, actor.country);
        if (row.originCountry !== actor.country) throw forbidden(`only the originating country (${row.originCountry}) changes the handling`);
        const handling = storedHandling(body.handling, team);
        const unchanged =
          row.handlingCode === handling.handlingCode &&
          (row.handlingConditions ?? null) === handling.handlingConditions &&
          (row.releasableTo ?? []).join(',') === (handling.releasableTo ?? []).join(',') &&
          (row.releasableTo === null) === (handling.releasableTo === null);
        const after = unchanged ? row : await changeHandling(db, kind, row.id, handling, actor);
        return { status: 200, body: kind === 'entity' ? await entityAnswer(db, after as EntityRow) : linkView(after as LinkRow) };
      },
    });

  const historyRoute = (kind: 'entity' | 'link') =>
    route({
      method: 'get',
      path: kind === 'entity' ? '/v1/teams/:id/entities/:eid/history' : '/v1/teams/:id/links/:lid/history',
      summary: `The ${kind}'s change history: who changed what, when`,
      tags: ['intelligence'],
      purpose: true,
      params: kind === 'entity' ? TeamEntityParams : TeamLinkParams,
      responses: { 200: { description: 'the changes, oldest first', schema: ChangeHistory }, ...errorResponses(404) },
      handler: async ({ actor, params, purpose }) => {
        const p = params as { id: string; eid?: string; lid?: string };
        const { team } = await visibleTeam(db, p.id, actor);
        const country = intelViewer(actor);
        const row = kind === 'entity' ? await visibleEntity(db, team, p.eid!, country) : await visibleLink(db, team, p.lid!, country);
        await audit.record(intelReadEntry(actor, `intel.${kind}.history.read`, purpose, team.id, [row]));
        return { status: 200, body: { items: await recordHistory(db, kind, row.id) } };
      },
    });

  return [
    route({
      method: 'post',
      path: '/v1/teams/:id/entities',
      summary: "Record an entity (a member of the team); identifiers are normalised, and the same account, phone, wallet or handle twice is one entity",
      description:
        'A second entity with the same normalised identifier as one the caller may see answers 409 DUPLICATE_ENTITY with its id (details.existingId); when the caller may not see it, 409 PARTNER_HOLDS_MATCH says only that a partner holds a match.',
      tags: ['intelligence'],
      params: TeamParams,
      body: CreateEntityBody,
      discloses: answersWithIntel('intel.entity.answer', 'answer to recording an entity'),
      responses: createdOrRepeated(CreatedEntity, 'the entity', 'recorded before by the caller with this id; returned unchanged'),
      handler: ({ actor, params, body }) => createEntity(actor, params.id, body as CreateEntityInput),
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/entities',
      summary: 'Search the entities the caller may see: by kind, and by a name in any script, an account number, a phone, a wallet address or attribute text',
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: SearchQuery,
      discloses: answersWithIntel('intel.entity.search', 'searching intelligence'),
      responses: { 200: { description: 'matching entities (total: how many the caller may see)', schema: EntityList }, ...errorResponses(404) },
      handler: async ({ actor, params, query }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const q = query.q?.trim();
        const forms = q ? searchForms(q, actor.country, protect.fingerprint) : [];
        const { items, total } = await searchEntities(db, {
          teamId: team.id,
          country: intelViewer(actor),
          kind: query.kind,
          q,
          forms,
          limit: query.limit,
        });
        const ids = await identifiersOf(
          db,
          items.map((r) => r.id),
        );
        const hits = actor.role === 'admin' ? [] : await hiddenMatches(db, team.id, actor.country, forms);
        await notifyHits(actor, team.id, hits, 'search');
        return {
          status: 200,
          body: { teamId: team.id, items: items.map((r) => entityView(r, ids.get(r.id) ?? [])), total, partnerMatch: hits.length > 0 },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/entities/:eid',
      summary: 'One entity: attributes, handling, evaluation, the links and cases the caller may see',
      tags: ['intelligence'],
      purpose: true,
      params: TeamEntityParams,
      discloses: answersWithIntel('intel.entity.read', 'reading intelligence'),
      responses: { 200: { description: 'the entity', schema: EntityDetail }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const country = intelViewer(actor);
        const row = await visibleEntity(db, team, params.eid, country);
        const [links, cases] = await Promise.all([visibleLinksOf(db, team.id, row.id, country), visibleCasesOf(db, row.id, country)]);
        return {
          status: 200,
          body: {
            ...(await entityAnswer(db, row)),
            links: links.map(linkView),
            cases: cases.map((c) => ({ caseId: c.caseId, relation: c.relation })),
          },
        };
      },
    }),
    historyRoute('entity'),
    changeHandlingRoute('entity'),
    route({
      method: 'post',
      path: '/v1/teams/:id/links',
      summary: 'Record a link between two entities of the team the caller may see',
      description: 'An end that does not exist, is of another team, or is not visible to the caller answers 404 UNKNOWN_ENTITY (details.end: from or to), as a record the caller may not see does not exist for them.',
      tags: ['intelligence'],
      params: TeamParams,
      body: CreateLinkBody,
      discloses: answersWithIntel('intel.link.answer', 'answer to recording a link'),
      responses: createdOrRepeated(IntelLink, 'the link', 'recorded before by the caller with this id; returned unchanged'),
      handler: ({ actor, params, body }) => createLink(actor, params.id, body),
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/links/:lid',
      summary: 'One link (visible only with both its ends)',
      tags: ['intelligence'],
      purpose: true,
      params: TeamLinkParams,
      discloses: answersWithIntel('intel.link.read', 'reading intelligence'),
      responses: { 200: { description: 'the link', schema: IntelLink }, ...errorResponses(404) },
      handler: async ({ actor, params }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        return { status: 200, body: linkView(await visibleLink(db, team, params.lid, intelViewer(actor))) };
      },
    }),
    historyRoute('link'),
    changeHandlingRoute('link'),
    route({
      method: 'post',
      path: '/v1/cases/:id/intel-links',
      summary: "Tie a case to an entity of a team the caller is a member of: `is` a person entity (the person's role, or victim), `found_at` a location",
      description:
        'A person recorded as a victim is tied only by the holding country, to an entity it recorded itself: the victim role never leaves the holding country unless its handling names the countries it is released to.',
      tags: ['intelligence'],
      params: IdParams,
      body: CaseIntelLinkBody,
      responses: createdOrRepeated(CaseIntelLink, 'the tie', 'the case was tied so before; nothing changed'),
      handler: async ({ actor, body, caseRow }) => {
        const scope = caseRow as CaseScopeRow;
        const access = await teamAccess(db, body.teamId, actor);
        if (!access) throw new HttpError(404, 'UNKNOWN_TEAM', 'no such team of yours', { teamId: body.teamId });
        const { team } = await writableTeam(db, body.teamId, actor);
        const entity = await getEntityRow(db, team.id, body.entityId);
        if (!entity || !recordVisible(entity, actor.country)) {
          throw new HttpError(404, 'UNKNOWN_ENTITY', 'no such entity in this team', { end: 'entityId', id: body.entityId });
        }
        if (!RELATION_KINDS[body.relation].includes(entity.kind)) {
          throw new HttpError(409, 'WRONG_ENTITY_KIND', `a case is "${body.relation}" a ${RELATION_KINDS[body.relation].join(' or ')} entity`);
        }
        if (isProtectedPerson(entity) && (actor.country !== scope.holdingCountry || entity.originCountry !== scope.holdingCountry)) {
          throw forbidden(VICTIM_RULE);
        }
        const tie = {
          caseId: scope.id,
          teamId: team.id,
          entityId: entity.id,
          relation: body.relation,
          createdBy: actor.sub,
          createdCountry: actor.country,
          createdAt: new Date().toISOString(),
        };
        const created = await insertCaseTie(db, tie, actor, scope.holdingCountry);
        const shown = (await caseIntelLinksFor(db, audit, scope.id, actor, 'answer to tying a case to intelligence')).find(
          (t) => t.entityId === entity.id && t.relation === body.relation,
        )!;
        return { status: created ? 201 : 200, body: shown };
      },
    }),
  ];
}
