// The graph of a team's intelligence (DESIGN §6): an entity's neighbourhood, the shortest path
// between two entities, and what links two operations, each within what the caller may see
// (db/intel-graph.ts asks api/intel-policy.ts). Reads need X-Purpose and are logged like every read
// of intelligence, as a disclosure when they show a record of another country.
import { z } from 'zod';
import {
  GRAPH_MAX_DEPTH,
  GRAPH_MAX_EDGES,
  GRAPH_MAX_NODES,
  PATH_MAX_LENGTH,
  neighbourhood,
  operationsLinks,
  shortestPath,
  type GraphView,
} from '../../db/intel-graph.js';
import { getOperation } from '../../db/operations.js';
import type { Actor } from '../../workflows/definitions.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../errors.js';
import { errorResponses, route, type Disclosure } from '../http.js';
import { EVAL_SOURCES, ENTITY_KINDS, HANDLING_CODES, LINK_TYPES, RecordId, TeamParams } from '../intel-schemas.js';
import { intelViewer } from '../intel-policy.js';
import { Id } from '../schemas.js';
import { scopeCountry } from '../scope.js';
import { intelReadEntry } from './intel.js';
import { visibleTeam } from './teams.js';

/** An entity id in a query, however the caller cased it. */
const QueryId = z.string().max(100).toLowerCase().pipe(RecordId);
const QueryUuid = z.string().max(36).toLowerCase().pipe(Id);

const GraphNode = z.strictObject({
  id: z.string(),
  kind: z.enum(ENTITY_KINDS),
  label: z.string().describe('a short name from the attributes (a name, an account or phone number, a handle)'),
  handlingCode: z.enum(HANDLING_CODES),
  originCountry: z.string(),
  evaluation: z.strictObject({ source: z.enum(EVAL_SOURCES), information: z.number().int().min(1).max(4) }),
});
const GraphEdge = z.strictObject({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  type: z.enum(LINK_TYPES),
  handlingCode: z.enum(HANDLING_CODES),
  originCountry: z.string(),
});
const graphFields = {
  teamId: z.string(),
  nodes: z.array(GraphNode),
  edges: z.array(GraphEdge),
  truncated: z.boolean().describe('the answer was cut at a cap (nodes, links or, for a path, entities searched)'),
};

const Neighbourhood = z.strictObject(graphFields);
const NeighbourhoodQuery = z.strictObject({
  entityId: QueryId,
  depth: z.coerce.number().int().min(1).max(GRAPH_MAX_DEPTH).default(2).describe(`links from the entity, 1 to ${GRAPH_MAX_DEPTH}`),
});
const Path = z.strictObject({
  ...graphFields,
  found: z.boolean().describe('false: no path the caller may see within the length searched (nodes and edges are empty)'),
});
const PathQuery = z.strictObject({ from: QueryId, to: QueryId });
const OperationsLinks = z.strictObject({
  ...graphFields,
  operations: z.array(Id).length(2),
  ties: z
    .array(z.strictObject({ entityId: z.string(), operationId: Id, caseIds: z.array(Id) }))
    .describe('for each entity and operation, the cases the caller may see that tie them'),
});
const OperationsQuery = z.strictObject({ a: QueryUuid, b: QueryUuid });

/** A graph answer shows its nodes and edges: one read entry, a disclosure when any is of another country. */
const showsGraph = (impliedPurpose: string): Disclosure => ({
  impliedPurpose,
  entry: (actor, purpose, body) => {
    const graph = body as z.output<typeof Neighbourhood>;
    return intelReadEntry(actor, 'intel.graph.read', purpose, graph.teamId, [...graph.nodes, ...graph.edges]);
  },
});

export function graphRoutes({ db }: AppDeps) {
  /** The team as the caller may see it (404 otherwise), and whose view applies within it. */
  const viewOf = async (teamId: string, actor: Actor): Promise<GraphView> => {
    const { team } = await visibleTeam(db, teamId, actor);
    return { teamId: team.id, country: intelViewer(actor) };
  };
  return [
    route({
      method: 'get',
      path: '/v1/teams/:id/graph',
      summary: `The entities within \`depth\` links of an entity and the links that reach them, as the caller may see them (at most ${GRAPH_MAX_NODES} nodes and ${GRAPH_MAX_EDGES} links)`,
      description:
        'Breadth-first: when a cap cuts the answer, the nearest entities are kept and `truncated` is true. A link shows only with both its ends. An entity the caller may not see answers 404, as if absent.',
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: NeighbourhoodQuery,
      discloses: showsGraph('reading intelligence'),
      responses: { 200: { description: 'the neighbourhood', schema: Neighbourhood }, ...errorResponses(404) },
      handler: async ({ actor, params, query }) => {
        const view = await viewOf(params.id, actor);
        const graph = await neighbourhood(db, view, query.entityId, { depth: query.depth });
        if (!graph) throw notFound('entity');
        return { status: 200, body: { teamId: view.teamId, ...graph } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/graph/path',
      summary: `The shortest chain of links (either direction, at most ${PATH_MAX_LENGTH}) between two entities, through what the caller may see`,
      description:
        'A path through a record the caller may not see is no path: another visible one is answered, or `found: false`. Either entity not visible to the caller answers 404.',
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: PathQuery,
      discloses: showsGraph('reading intelligence'),
      responses: { 200: { description: 'the path, or found: false', schema: Path }, ...errorResponses(404) },
      handler: async ({ actor, params, query }) => {
        const view = await viewOf(params.id, actor);
        const path = await shortestPath(db, view, query.from, query.to);
        if (!path) throw notFound('entity');
        const body = path.found ? path : { found: false, nodes: [], edges: [], truncated: path.truncated };
        return { status: 200, body: { teamId: view.teamId, ...body } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/teams/:id/graph/operations',
      summary: 'What links two operations: the entities tied to cases of both, with the links among them, as the caller may see them',
      description:
        "Only ties through cases the caller may see count. An operation the caller's country takes no part in answers 404, as if absent.",
      tags: ['intelligence'],
      purpose: true,
      params: TeamParams,
      query: OperationsQuery,
      discloses: showsGraph('reading intelligence'),
      responses: { 200: { description: 'the entities tying the two operations', schema: OperationsLinks }, ...errorResponses(404) },
      handler: async ({ actor, params, query }) => {
        const view = await viewOf(params.id, actor);
        for (const id of [query.a, query.b]) if (!(await getOperation(db, id, scopeCountry(actor)))) throw notFound('operation');
        const linked = await operationsLinks(db, view, query.a, query.b);
        return { status: 200, body: { teamId: view.teamId, operations: [query.a, query.b], ...linked } };
      },
    }),
  ];
}
