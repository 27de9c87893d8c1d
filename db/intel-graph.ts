// The intelligence graph of one team: the neighbourhood of an entity, the shortest path between two,
// and what links two operations, each within what the caller's country may see (api/intel-policy.ts:
// a record its country may see; a link only with both its ends).
//
// Traversal is breadth-first by levels from the application: per level, one indexed query over
// intel_links for the links of the frontier (either direction), then one over intel_entities for
// the visibility of the ends not met before, so an entity is asked about once however many links
// reach it. A level asks only for links with no end in the level before, which were read when that
// level was expanded: every link is read once. A recursive CTE cannot drop a node once reached and
// so walks every path, not every node; bench/graph.ts measures it against this on a syndicate.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { recordVisibleSql } from '../api/intel-policy.js';
import type { Db } from './client.js';
import { caseIntelLinks, cases, intelEntities, intelLinks } from './schema.js';
import { visibleTo } from './visibility.js';

export const GRAPH_MAX_DEPTH = 4;
export const GRAPH_MAX_NODES = 2000;
export const GRAPH_MAX_EDGES = 10_000;
/** A path longer than this many links is not looked for. */
export const PATH_MAX_LENGTH = 8;
/** Nodes the path search may reach from both ends together before it gives up. */
export const PATH_MAX_REACHED = 20_000;

export interface GraphNode {
  id: string;
  kind: string;
  label: string;
  handlingCode: string;
  originCountry: string;
  evaluation: { source: string; information: number };
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  type: string;
  handlingCode: string;
  originCountry: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Cut at the node or edge cap: there is more within the depth than the answer carries. */
  truncated: boolean;
}

/** Whose view: the team, and the caller's country (null: an admin, who sees every record). */
export interface GraphView {
  teamId: string;
  country: string | null;
}

/** A text[] literal, passed as one parameter whatever the driver (postgres.js or PGlite) does with arrays. */
const textArray = (values: readonly string[]): SQL =>
  sql`${`{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[]`;

const edgeColumns = {
  id: intelLinks.id,
  from: intelLinks.fromId,
  to: intelLinks.toId,
  type: intelLinks.type,
  handlingCode: intelLinks.handlingCode,
  originCountry: intelLinks.originCountry,
};
/** What a path search reads of the links it passes; the path's own links are read in full at the end. */
const endColumns = { id: intelLinks.id, from: intelLinks.fromId, to: intelLinks.toId };
type LinkEnds = { id: string; from: string; to: string };

/**
 * The links of the team with an end in `frontier` and none in `exclude`, visible by their own
 * handling, at most `limit`. Whether their other ends are visible is asked once per entity by the
 * traversal (`visibleNodes`), not once per link.
 */
function levelLinks<R extends LinkEnds>(
  db: Db,
  view: GraphView,
  frontier: readonly string[],
  exclude: readonly string[],
  limit: number,
  columns: R extends GraphEdge ? typeof edgeColumns : typeof endColumns,
): Promise<R[]> {
  const ids = textArray(frontier);
  const conditions = [
    eq(intelLinks.teamId, view.teamId),
    sql`(${intelLinks.fromId} = any(${ids}) or ${intelLinks.toId} = any(${ids}))`,
    recordVisibleSql(intelLinks, view.country),
  ];
  if (exclude.length > 0) {
    // NOT IN a subquery is hashed once per query; `<> all($1)` would scan the array for every row.
    const excluded = sql`(select unnest(${textArray(exclude)}))`;
    conditions.push(sql`${intelLinks.fromId} not in ${excluded} and ${intelLinks.toId} not in ${excluded}`);
  }
  return db
    .select(columns)
    .from(intelLinks)
    .where(and(...conditions))
    .limit(limit) as Promise<R[]>;
}

/** A short name for a node from its attributes, by kind (DESIGN §6); the kind itself when none fits. */
export function entityLabel(kind: string, attributes: Record<string, unknown>): string {
  const text = (key: string) => (typeof attributes[key] === 'string' && attributes[key] !== '' ? (attributes[key] as string) : undefined);
  switch (kind) {
    case 'account':
      if (text('chain') && text('address')) return `${text('chain')}:${text('address')}`;
      if (text('number')) return [text('bank'), text('number')].filter(Boolean).join(' ');
      break;
    case 'online_identity':
      if (text('handle')) return [text('platform'), text('handle')].filter(Boolean).join(':');
      break;
    case 'phone':
      if (text('number') ?? text('e164')) return (text('number') ?? text('e164'))!;
      break;
    case 'vehicle':
      if (text('plate') ?? text('registration')) return (text('plate') ?? text('registration'))!;
      break;
  }
  return text('name') ?? text('fullName') ?? text('address') ?? text('alias') ?? kind;
}

/** The conditions for the visible entities of the team among `ids`. */
const visibleAmong = (view: GraphView, ids: readonly string[]) =>
  and(
    eq(intelEntities.teamId, view.teamId),
    sql`${intelEntities.id} = any(${textArray(ids)})`,
    recordVisibleSql(intelEntities, view.country),
  );

/** The visible entities of the team among `ids`, as graph nodes (at most `limit`, in no set order). */
async function visibleNodes(db: Db, view: GraphView, ids: readonly string[], limit = ids.length): Promise<GraphNode[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: intelEntities.id,
      kind: intelEntities.kind,
      attributes: intelEntities.attributes,
      handlingCode: intelEntities.handlingCode,
      originCountry: intelEntities.originCountry,
      source: intelEntities.evalSource,
      information: intelEntities.evalInformation,
    })
    .from(intelEntities)
    .where(visibleAmong(view, ids))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    label: entityLabel(r.kind, r.attributes),
    handlingCode: r.handlingCode,
    originCountry: r.originCountry,
    evaluation: { source: r.source, information: r.information },
  }));
}

/** Only which of `ids` are visible: what a path search needs of the entities it passes. */
function visibleIds(db: Db, view: GraphView, ids: readonly string[], limit = ids.length): Promise<{ id: string }[]> {
  return db.select({ id: intelEntities.id }).from(intelEntities).where(visibleAmong(view, ids)).limit(limit);
}

/** The entity as a node when it is in the team and visible to the caller; undefined otherwise (answer 404). */
export async function visibleEntity(db: Db, view: GraphView, id: string): Promise<GraphNode | undefined> {
  return (await visibleNodes(db, view, [id]))[0];
}

/**
 * What a traversal knows of the entities it met: the visible ones and the others. Each entity's
 * visibility is asked once, for all the links that reach it.
 */
class Reached<N extends { id: string }> {
  readonly nodes = new Map<string, N>();
  private readonly hidden = new Set<string>();
  constructor(
    /** The visible among some ids, at most `limit` of them. */
    private readonly lookUp: (ids: readonly string[], limit: number) => Promise<N[]>,
    start: N[],
  ) {
    for (const node of start) this.nodes.set(node.id, node);
  }
  /** Asks about the ends of `links` not met before; the visible ones join, at most `room` of them. */
  async meet(links: readonly LinkEnds[], room: number): Promise<{ joined: N[]; cut: boolean }> {
    const unknown = [...new Set(links.flatMap((l) => [l.from, l.to]))].filter((id) => !this.nodes.has(id) && !this.hidden.has(id));
    if (unknown.length === 0) return { joined: [], cut: false };
    const joined = await this.lookUp(unknown, room + 1);
    const cut = joined.length > room;
    if (cut) joined.length = room;
    for (const node of joined) this.nodes.set(node.id, node);
    // Cut short, the unreturned may be visible: they stay unknown; otherwise they are hidden.
    if (!cut) for (const id of unknown) if (!this.nodes.has(id)) this.hidden.add(id);
    return { joined, cut };
  }
  /** Both ends visible: the link exists for the caller. */
  shows = (link: LinkEnds) => this.nodes.has(link.from) && this.nodes.has(link.to);
}

export interface NeighbourhoodOptions {
  depth: number;
  maxNodes?: number;
  maxEdges?: number;
}

/**
 * The entity and every entity within `depth` links of it, with the links that reached them (links
 * between two entities both at the full depth are not read). Cut at the caps, nearest first.
 */
export async function neighbourhood(db: Db, view: GraphView, startId: string, options: NeighbourhoodOptions): Promise<Graph | undefined> {
  const start = await visibleEntity(db, view, startId);
  if (!start) return undefined;
  const maxNodes = options.maxNodes ?? GRAPH_MAX_NODES;
  const maxEdges = options.maxEdges ?? GRAPH_MAX_EDGES;
  const reached = new Reached((ids, limit) => visibleNodes(db, view, ids, limit), [start]);
  const edges: GraphEdge[] = [];
  let truncated = false;
  let previous: string[] = [];
  let frontier = [startId];
  for (let level = 0; level < options.depth && frontier.length > 0 && !truncated; level++) {
    const room = maxEdges - edges.length;
    const links = await levelLinks<GraphEdge>(db, view, frontier, previous, room + 1, edgeColumns);
    if (links.length > room) {
      truncated = true;
      links.length = room;
    }
    const { joined, cut } = await reached.meet(links, maxNodes - reached.nodes.size);
    if (cut) truncated = true;
    edges.push(...links.filter(reached.shows));
    previous = frontier;
    frontier = joined.map((n) => n.id);
  }
  return { nodes: [...reached.nodes.values()], edges, truncated };
}

export type PathAnswer = ({ found: true } & Graph) | { found: false; truncated: boolean };

interface Side {
  /** Each reached node's link towards this side's end (null for the end itself). */
  via: Map<string, { link: string; from: string } | null>;
  /** Links from this side's end to each reached node. */
  distance: Map<string, number>;
  level: number;
  frontier: string[];
  previous: string[];
}

/**
 * The shortest path (fewest links, either direction) between two entities, by breadth-first search
 * from both ends, always widening the smaller frontier. Undefined when either end is not visible.
 */
export async function shortestPath(db: Db, view: GraphView, fromId: string, toId: string): Promise<PathAnswer | undefined> {
  const [from, to] = await Promise.all([visibleEntity(db, view, fromId), visibleEntity(db, view, toId)]);
  if (!from || !to) return undefined;
  if (fromId === toId) return { found: true, nodes: [from], edges: [], truncated: false };
  const reached = new Reached((ids, limit) => visibleIds(db, view, ids, limit), [from, to]);
  const side = (end: string): Side => ({
    via: new Map([[end, null]]),
    distance: new Map([[end, 0]]),
    level: 0,
    frontier: [end],
    previous: [],
  });
  const a = side(fromId);
  const b = side(toId);
  for (let length = 0; length < PATH_MAX_LENGTH; length++) {
    if (a.frontier.length === 0 || b.frontier.length === 0) return { found: false, truncated: false };
    const room = PATH_MAX_REACHED - reached.nodes.size;
    const [near, far] = a.frontier.length <= b.frontier.length ? [a, b] : [b, a];
    const links = await levelLinks<LinkEnds>(db, view, near.frontier, near.previous, room, endColumns);
    const { cut } = await reached.meet(links, room);
    const inFrontier = new Set(near.frontier);
    const next: string[] = [];
    near.level++;
    // Of the nodes where the two searches meet, the one nearest the far end makes the shortest path.
    let meeting: string | undefined;
    for (const link of links) {
      if (!reached.shows(link)) continue;
      // A link between two frontier nodes adds nothing to this side; otherwise exactly one end is new.
      const [here, there] = inFrontier.has(link.from) && !inFrontier.has(link.to) ? [link.from, link.to] : [link.to, link.from];
      if (!inFrontier.has(here) || near.via.has(there)) continue;
      near.via.set(there, { link: link.id, from: here });
      near.distance.set(there, near.level);
      next.push(there);
      const met = far.distance.get(there);
      if (met !== undefined && (meeting === undefined || met < far.distance.get(meeting)!)) meeting = there;
    }
    if (meeting !== undefined) {
      const path = pathThrough(a, b, meeting);
      const [nodes, edges] = await Promise.all([visibleNodes(db, view, path.nodes), linksById(db, view, path.edges)]);
      return { found: true, nodes: inOrder(nodes, path.nodes), edges: inOrder(edges, path.edges), truncated: false };
    }
    // Cut short, the level may have missed the link that joins the two searches.
    if (cut || links.length >= room) return { found: false, truncated: true };
    near.previous = near.frontier;
    near.frontier = next;
  }
  return { found: false, truncated: false };
}

/** The path from a's end to b's end through `meeting`, walked back along each side's links. */
function pathThrough(a: Side, b: Side, meeting: string) {
  const walk = (side: Side) => {
    const ids: string[] = [];
    const links: string[] = [];
    for (let step = side.via.get(meeting); step; step = side.via.get(step.from)) {
      links.push(step.link);
      ids.push(step.from);
    }
    return { ids, links };
  };
  const before = walk(a);
  const after = walk(b);
  const ids = [...before.ids.reverse(), meeting, ...after.ids];
  return { nodes: ids, edges: [...before.links.reverse(), ...after.links] };
}

/** `records` in the order of `ids`. */
const inOrder = <R extends { id: string }>(records: R[], ids: string[]): R[] => {
  const byId = new Map(records.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)!);
};

function linksById(db: Db, view: GraphView, ids: readonly string[]): Promise<GraphEdge[]> {
  return db
    .select(edgeColumns)
    .from(intelLinks)
    .where(and(eq(intelLinks.teamId, view.teamId), sql`${intelLinks.id} = any(${textArray(ids)})`))
    .orderBy(intelLinks.id);
}

export interface OperationTie {
  entityId: string;
  operationId: string;
  caseIds: string[];
}

/**
 * The visible entities tied (case_intel_links) to cases of both operations, through cases the
 * caller may see, with the visible links among them and which cases tie each.
 */
export async function operationsLinks(
  db: Db,
  view: GraphView,
  operationA: string,
  operationB: string,
  maxNodes = GRAPH_MAX_NODES,
): Promise<Graph & { ties: OperationTie[] }> {
  const operations = [operationA, operationB];
  const rows = await db
    .selectDistinct({
      entityId: caseIntelLinks.entityId,
      operationId: sql<string>`${cases.operationId}::text`,
      caseId: caseIntelLinks.caseId,
    })
    .from(caseIntelLinks)
    .innerJoin(cases, eq(cases.id, caseIntelLinks.caseId))
    .innerJoin(intelEntities, eq(intelEntities.id, caseIntelLinks.entityId))
    .where(
      and(
        eq(caseIntelLinks.teamId, view.teamId),
        eq(intelEntities.teamId, view.teamId),
        sql`${cases.operationId} = any(${textArray(operations)}::uuid[])`,
        visibleTo(view.country),
        recordVisibleSql(intelEntities, view.country),
      ),
    )
    .orderBy(caseIntelLinks.entityId, caseIntelLinks.caseId);
  const byEntity = new Map<string, Map<string, string[]>>();
  for (const r of rows) {
    const ties = byEntity.get(r.entityId) ?? byEntity.set(r.entityId, new Map()).get(r.entityId)!;
    ties.set(r.operationId, [...(ties.get(r.operationId) ?? []), r.caseId]);
  }
  const both = [...byEntity].filter(([, ties]) => operations.every((op) => ties.has(op)));
  const truncated = both.length > maxNodes;
  const kept = both.slice(0, maxNodes);
  const ids = kept.map(([id]) => id);
  const nodes = await visibleNodes(db, view, ids);
  const edges = ids.length > 0 ? await linksAmong(db, view, ids) : [];
  const ties = kept.flatMap(([entityId, byOp]) =>
    operations.map((operationId) => ({ entityId, operationId, caseIds: byOp.get(operationId)! })),
  );
  return { nodes, edges, truncated, ties };
}

/** The visible links with both ends among `ids`. */
async function linksAmong(db: Db, view: GraphView, ids: readonly string[]): Promise<GraphEdge[]> {
  const among = textArray(ids);
  return db
    .select(edgeColumns)
    .from(intelLinks)
    .where(
      and(
        eq(intelLinks.teamId, view.teamId),
        sql`${intelLinks.fromId} = any(${among}) and ${intelLinks.toId} = any(${among})`,
        // Both ends are among the visible entities already; the link's own handling remains.
        recordVisibleSql(intelLinks, view.country),
      ),
    )
    .orderBy(intelLinks.id)
    .limit(GRAPH_MAX_EDGES);
}
