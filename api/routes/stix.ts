// STIX 2.1 export and import of a team's intelligence (DESIGN §6). The export is what the caller
// may see (db/intel.ts visibleRecords asks api/intel-policy.ts), audited as a read and, for records
// of another country, a disclosure; the import records each object through the same rules as
// POST /v1/teams/:id/entities and /links (api/routes/intel.ts intelWriters), with a result per object.
import { z } from 'zod';
import { visibleRecords } from '../../db/intel.js';
import type { AppDeps } from '../app.js';
import { HttpError } from '../errors.js';
import { errorResponses, route } from '../http.js';
import { intelViewer } from '../intel-policy.js';
import { CreateEntityBody, CreateLinkBody, TeamParams, type CreateEntityInput, type CreateLinkInput } from '../intel-schemas.js';
import {
  StixObjectError,
  entityBodyOf,
  isSupportingObject,
  linkBodyOf,
  relationshipIdOf,
  stixIdOf,
  toBundle,
  type StixObject,
} from '../stix.js';
import { intelReadEntry, intelWriters } from './intel.js';
import { visibleTeam, writableTeam } from './teams.js';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const StixId = z.string().regex(new RegExp(`^[a-z0-9-]{3,250}--${UUID}$`), 'a STIX identifier: <type>--<UUID>');
const StixObjectShape = z.looseObject({ type: z.string().min(1).max(250), id: StixId });
export const MAX_IMPORT_OBJECTS = 10_000;

const Bundle = z
  .looseObject({
    type: z.literal('bundle'),
    id: z.string().regex(new RegExp(`^bundle--${UUID}$`), 'a bundle id: bundle--<UUID>'),
    objects: z.array(StixObjectShape).max(MAX_IMPORT_OBJECTS),
  })
  .describe('a STIX 2.1 bundle');

const ExportQuery = z.strictObject({ format: z.literal('stix').describe('stix: a STIX 2.1 bundle (the only format)') });

const ImportResult = z.strictObject({
  index: z.number().int().describe("the object's place in the bundle's objects"),
  stixId: z.string(),
  type: z.string(),
  outcome: z.enum(['created', 'unchanged', 'rejected']),
  recordKind: z.enum(['entity', 'link']).optional(),
  recordId: z.string().optional().describe('the entity or link it is (created, or there already)'),
  partnerMatch: z.literal(true).optional().describe('hit/no-hit, as for POST /v1/teams/:id/entities'),
  error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }).optional(),
});
const ImportAnswer = z.strictObject({
  teamId: z.string(),
  created: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  results: z.array(ImportResult).describe('one per object that is a record (markings and the agencies that created them are used, not imported)'),
});
type Result = z.output<typeof ImportResult>;

const errorOf = (err: unknown): Result['error'] => {
  if (err instanceof StixObjectError) return { code: err.code, message: err.message };
  if (err instanceof HttpError) return { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) };
  throw err;
};

export function stixRoutes(deps: AppDeps) {
  const { db, audit, http } = deps;
  const { createEntity, createLink } = intelWriters(deps);
  return [
    route({
      method: 'get',
      path: '/v1/teams/:id/export',
      summary: 'The intelligence the caller may see as a STIX 2.1 bundle: handling as TLP 2.0 and a handling statement marking, links as relationships',
      description:
        'Ids are UUIDv5 of the record ids, so the same export twice has the same ids. A link is exported only with both its ends. No document number or its hash leaves. Each exported record of another country is a disclosure to the caller in the audit log.',
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: ExportQuery,
      responses: {
        200: { description: 'the bundle', schema: z.looseObject({ type: z.literal('bundle'), id: z.string(), objects: z.array(StixObjectShape) }) },
        ...errorResponses(404),
      },
      handler: async ({ actor, params, purpose }) => {
        const { team } = await visibleTeam(db, params.id, actor);
        const { entities, links } = await visibleRecords(db, team.id, intelViewer(actor));
        await audit.record(intelReadEntry(actor, 'intel.stix.export', purpose, team.id, [...entities, ...links]));
        return {
          status: 200,
          body: toBundle(team.id, entities, links),
          headers: { 'Content-Disposition': `attachment; filename="${team.id}.stix.json"` },
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/teams/:id/import',
      summary: 'Record a STIX 2.1 bundle into the team: each object as an entity or link of the caller, by the same rules as recording one, with a result per object',
      description:
        'The record id follows from the STIX id, so the same bundle twice creates nothing new (`unchanged`). Handling comes from the handling marking of an export of this system, else from the TLP 2.0 marking (GREEN/CLEAR H0 to the team, AMBER H1 to the team, AMBER+STRICT H2 and RED H3 to the importing country alone). A record of another country is taken only as its originator released it to the whole team at H0 or H1; an H2 or H3, a release naming countries, or a victim is refused (HANDLING_FORBIDS): it travels no further without its originator. A bundle that is not one answers 400.',
      tags: ['intelligence'],
      params: TeamParams,
      body: Bundle,
      bodyLimit: http.bulkBodyLimit,
      responses: { 200: { description: 'a result per object', schema: ImportAnswer }, ...errorResponses(404, 409) },
      handler: async ({ actor, params, body }) => {
        const { team } = await writableTeam(db, params.id, actor);
        const objects = body.objects as StixObject[];
        const markings = new Map(objects.filter((o) => o.type === 'marking-definition').map((o) => [o.id, o]));
        // STIX id → record of this team the caller sees: what is there already, and what this bundle records.
        const existing = await visibleRecords(db, team.id, actor.country);
        const recordOf = new Map<string, string>([
          ...existing.entities.map((e) => [stixIdOf(e), e.id] as [string, string]),
          ...existing.links.map((l) => [relationshipIdOf(l), l.id] as [string, string]),
        ]);
        const results: Result[] = [];
        const record = async (o: StixObject, index: number, recordKind: 'entity' | 'link') => {
          const result: Result = { index, stixId: o.id, type: o.type, outcome: 'rejected', recordKind };
          results.push(result);
          try {
            if (!o.id.startsWith(`${o.type}--`)) throw new StixObjectError('VALIDATION_FAILED', 'the id does not start with the type');
            const there = recordOf.get(o.id);
            if (there) return Object.assign(result, { outcome: 'unchanged', recordId: there });
            const input = recordKind === 'entity' ? entityBodyOf(o, markings, actor.country, team.id) : linkBodyOf(o, markings, actor.country, team.id, (id) => recordOf.get(id));
            const parsed = (recordKind === 'entity' ? CreateEntityBody : CreateLinkBody).safeParse(input);
            if (!parsed.success) {
              throw new HttpError(400, 'VALIDATION_FAILED', 'the object does not make a valid record', {
                issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
              });
            }
            const reply =
              recordKind === 'entity'
                ? await createEntity(actor, team.id, parsed.data as CreateEntityInput)
                : await createLink(actor, team.id, parsed.data as CreateLinkInput);
            const answer = reply.body as { id: string; partnerMatch?: true };
            recordOf.set(o.id, answer.id);
            Object.assign(result, { outcome: reply.status === 201 ? 'created' : 'unchanged', recordId: answer.id }, answer.partnerMatch ? { partnerMatch: true } : {});
          } catch (err) {
            const error = errorOf(err)!;
            // The same account, phone, wallet or handle as a visible record: that record is this object.
            const existingId = (error.details as { existingId?: string } | undefined)?.existingId;
            if (error.code === 'DUPLICATE_ENTITY' && existingId) {
              recordOf.set(o.id, existingId);
              return Object.assign(result, { outcome: 'unchanged', recordId: existingId });
            }
            result.error = error;
          }
        };
        // Entities first, so relationships find their ends whatever the order in the bundle.
        const indexed = objects.map((o, index) => ({ o, index })).filter(({ o }) => !isSupportingObject(o));
        for (const { o, index } of indexed) if (o.type !== 'relationship') await record(o, index, 'entity');
        for (const { o, index } of indexed) if (o.type === 'relationship') await record(o, index, 'link');
        results.sort((a, b) => a.index - b.index);
        const count = (outcome: Result['outcome']) => results.filter((r) => r.outcome === outcome).length;
        await audit.record({
          at: new Date().toISOString(),
          actor,
          action: 'intel.stix.import',
          objectType: 'intel',
          objectIds: results.flatMap((r) => (r.outcome === 'created' && r.recordId ? [r.recordId] : [])),
          outcome: 'ok',
          scopeCountries: [actor.country],
          details: { teamId: team.id, bundleId: body.id, created: count('created'), unchanged: count('unchanged'), rejected: count('rejected') },
        });
        return {
          status: 200,
          body: { teamId: team.id, created: count('created'), unchanged: count('unchanged'), rejected: count('rejected'), results },
        };
      },
    }),
  ];
}
