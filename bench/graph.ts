// The intelligence graph on a network the size of a real syndicate: 50,000 entities and 200,000
// links of one team of CN, KH and TH, bulk-loaded into a fresh database, then the depth-3
// neighbourhood and the shortest path as a TH member sees them (goal: p95 under 100 ms), each also
// as a ratio to one indexed single-row lookup of an entity measured in the same run. The path is
// also asked of a recursive CTE, the alternative to the level-by-level search db/intel-graph.ts does.
//
// The network: 25 syndicates of 2,000 entities, each grown by preferential attachment (a new entity
// links to 4 earlier ones, mostly the well-linked: power-law degrees, compounds and front companies
// as hubs), 2% of links across syndicates, and one payment processor paid by 2,500 accounts of all
// of them. Records come from all three countries; 30% are releasable to named countries only.
//
// `npx tsx bench/graph.ts [--samples 300]` alone (writes bench/results/graph.json), or as part of
// `npm run bench`. Needs only PostgreSQL (BENCH_DATABASE_URL, default 127.0.0.1:5432).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { alias } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { recordVisibleSql } from '../api/intel-policy.js';
import { openDatabase, type Db } from '../db/client.js';
import { createDatabase } from '../db/create-database.js';
import { neighbourhood, shortestPath, visibleEntity, type GraphView } from '../db/intel-graph.js';
import { migrate } from '../db/migrate.js';
import { seededRandom } from '../lib/seeded-random.js';
import { intelEntities, intelLinks, teams } from '../db/schema.js';

export const GRAPH_BENCH = { entities: 50_000, links: 200_000, syndicates: 25, goalP95Ms: 100 };
const COUNTRIES = ['CN', 'KH', 'TH'] as const;
const TEAM = 'bench-jit';
const VIEW: GraphView = { teamId: TEAM, country: 'TH' };


type Kind = 'person' | 'organisation' | 'location' | 'account' | 'phone' | 'online_identity' | 'vehicle';
const KIND_SHARES: [Kind, number][] = [
  ['person', 0.42],
  ['account', 0.24],
  ['phone', 0.2],
  ['online_identity', 0.08],
  ['vehicle', 0.03],
  ['location', 0.02],
  ['organisation', 0.01],
];

function linkType(from: Kind, to: Kind): string {
  if (from === 'account' && to === 'account') return 'paid';
  if (from === 'person' && to === 'organisation') return 'member_of';
  if (from === 'person' && to === 'location') return 'works_at';
  if (from === 'organisation' && to === 'location') return 'operates_from';
  if (from === 'person' && to === 'person') return 'recruited';
  if (from === 'person' && (to === 'phone' || to === 'online_identity')) return 'uses';
  if (from === 'person' && (to === 'account' || to === 'vehicle')) return 'owns';
  return 'associated_with';
}

/** The network's rows; entity ids are `e<n>`, syndicate s holds e[s*size .. (s+1)*size). */
export function generateNetwork(scale = 1) {
  const rnd = seededRandom(20261202);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const entities = Math.round(GRAPH_BENCH.entities * scale);
  const size = Math.ceil(entities / GRAPH_BENCH.syndicates);
  const hubLinks = Math.round(2500 * scale);
  const syndicates = Math.ceil(entities / size);
  // Each entity but the first of its syndicate makes its links to earlier ones.
  const perEntity = (Math.round(GRAPH_BENCH.links * scale) - hubLinks) / (entities - syndicates);
  const at = new Date().toISOString();
  const handling = () => {
    const origin = pick(COUNTRIES);
    const r = rnd();
    const releasableTo = r < 0.7 ? null : r < 0.85 ? [origin] : [origin, pick(COUNTRIES.filter((c) => c !== origin))];
    return {
      originCountry: origin,
      releasableTo,
      handlingCode: pick(['H0', 'H1', 'H1', 'H2', 'H3']),
      createdBy: `bench-${origin.toLowerCase()}`,
    };
  };
  const evaluation = () => ({ evalSource: pick(['A', 'B', 'B', 'C', 'X']), evalInformation: 1 + Math.floor(rnd() * 4) });
  const kinds: Kind[] = [];
  const entityRows: (typeof intelEntities.$inferInsert)[] = [];
  for (let i = 0; i < entities; i++) {
    const local = i % size;
    let kind: Kind = 'person';
    if (local === 0) kind = 'organisation';
    else if (local <= 3) kind = 'location';
    else {
      let r = rnd();
      for (const [k, share] of KIND_SHARES)
        if ((r -= share) < 0 || k === 'organisation') {
          kind = k;
          break;
        }
    }
    kinds.push(kind);
    const attributes: Record<string, unknown> =
      kind === 'person'
        ? { name: `Person ${i}`, role: rnd() < 0.02 ? 'victim' : pick(['operative', 'recruiter', 'money_mule', 'organiser']) }
        : kind === 'account'
          ? { type: 'bank', bank: 'Bench Bank', number: `${100000000 + i}`, country: pick(COUNTRIES) }
          : kind === 'phone'
            ? { number: `+8551${String(i).padStart(7, '0')}` }
            : { name: `${kind} ${i}` };
    entityRows.push({ id: `e${i}`, teamId: TEAM, kind, attributes, ...handling(), ...evaluation(), createdAt: at, updatedAt: at });
  }
  const linkRows: (typeof intelLinks.$inferInsert)[] = [];
  const addLink = (from: number, to: number) => {
    linkRows.push({
      id: `l${linkRows.length}`,
      teamId: TEAM,
      fromId: `e${from}`,
      toId: `e${to}`,
      type: linkType(kinds[from], kinds[to]),
      ...handling(),
      ...evaluation(),
      createdAt: at,
      updatedAt: at,
    });
  };
  // Preferential attachment: each link's ends go into `ends`, so a node is picked in proportion to its degree.
  let owed = 0;
  for (let s = 0; s < syndicates; s++) {
    const first = s * size;
    const last = Math.min(entities, first + size);
    const ends: number[] = [first, first + 1, first + 2, first + 3];
    for (let i = first + 1; i < last; i++) {
      owed += perEntity;
      for (; owed >= 1; owed--) {
        let to: number;
        if (rnd() < 0.02) to = Math.floor(rnd() * entities);
        else if (rnd() < 0.8) to = pick(ends);
        else to = first + Math.floor(rnd() * (i - first));
        if (to === i) to = i - 1;
        addLink(i, to);
        ends.push(i, to);
      }
    }
  }
  // The fractions left over by each syndicate's growth, made up within the last one.
  while (linkRows.length < Math.round(GRAPH_BENCH.links * scale) - hubLinks) addLink(entities - 1, entities - 2);
  const processor = entityRows.findIndex((e, i) => e.kind === 'account' && i > size);
  const accounts = entityRows.flatMap((e, i) => (e.kind === 'account' && i !== processor ? [i] : []));
  for (let n = 0; n < hubLinks; n++) addLink(pick(accounts), processor);
  return { entityRows, linkRows, size };
}

/**
 * COPY of rows typed by the table's Drizzle schema (`$inferInsert`), all with the same fields. The
 * generated values hold no tab, newline or backslash, so they need no escaping.
 */
async function copyInto<T extends PgTable>(client: postgres.Sql, table: T, rows: T['$inferInsert'][]): Promise<void> {
  const columns = getTableColumns(table);
  const fields = Object.keys(rows[0]);
  const names = fields.map((f) => columns[f].name);
  const cell = (v: unknown) =>
    v === null || v === undefined ? '\\N' : Array.isArray(v) ? `{${v.join(',')}}` : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const lines = function* () {
    for (let i = 0; i < rows.length; i += 1000) {
      yield rows
        .slice(i, i + 1000)
        .map((row) => fields.map((f) => cell((row as Record<string, unknown>)[f])).join('\t') + '\n')
        .join('');
    }
  };
  const target = await client.unsafe(`copy ${getTableName(table)} (${names.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(lines()), target);
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const round = (ms: number) => Math.round(ms * 100) / 100;

async function timed<T>(samples: number, run: (i: number) => Promise<T>, onResult?: (result: T) => void) {
  for (let i = 0; i < Math.min(20, Math.ceil(samples / 4)); i++) await run(samples + i); // warm-up, not counted
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    const result = await run(i);
    times.push(performance.now() - t);
    onResult?.(result);
  }
  return { p50: round(quantile(times, 0.5)), p95: round(quantile(times, 0.95)), max: round(Math.max(...times)), n: samples };
}

/**
 * The alternative measured against the level-by-level search: one recursive CTE that walks paths
 * from `from` (never revisiting a node on the same path) and stops at the first that reaches `to`,
 * which PostgreSQL yields breadth-first. Bounded at 4 links and by a statement timeout.
 */
async function cteShortestPath(db: Db, view: GraphView, from: string, to: string) {
  const a = alias(intelEntities, 'cte_a') as unknown as typeof intelEntities;
  const b = alias(intelEntities, 'cte_b') as unknown as typeof intelEntities;
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local statement_timeout = '2s'`);
    return tx.execute(sql`
    with recursive walk(node, path) as (
      select ${from}::text, array[${from}::text]
      union all
      select case when ${intelLinks.fromId} = walk.node then ${intelLinks.toId} else ${intelLinks.fromId} end,
             walk.path || (case when ${intelLinks.fromId} = walk.node then ${intelLinks.toId} else ${intelLinks.fromId} end)
      from walk
      join ${intelLinks} on ${intelLinks.teamId} = ${view.teamId} and (${intelLinks.fromId} = walk.node or ${intelLinks.toId} = walk.node)
      join ${intelEntities} as ${sql.identifier('cte_a')} on ${a.id} = ${intelLinks.fromId}
      join ${intelEntities} as ${sql.identifier('cte_b')} on ${b.id} = ${intelLinks.toId}
      where cardinality(walk.path) <= 4 and walk.node <> ${to}
        and not (case when ${intelLinks.fromId} = walk.node then ${intelLinks.toId} else ${intelLinks.fromId} end) = any(walk.path)
        and ${recordVisibleSql(intelLinks, view.country)} and ${recordVisibleSql(a, view.country)} and ${recordVisibleSql(b, view.country)}
    )
    select path from walk where node = ${to} limit 1`);
  });
}

export interface GraphBenchResult {
  results: Record<string, unknown>;
  rows: [string, string, string, number, string][];
}

export async function runGraphBench(
  options: { samples?: number; scale?: number; log?: (msg: string) => void } = {},
): Promise<GraphBenchResult> {
  const samples = options.samples ?? 300;
  const say = options.log ?? ((msg: string) => process.stderr.write(`[graph bench] ${msg}\n`));
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const scratch = await createDatabase(adminUrl, 'case_engine_graph');
  const database = await openDatabase({ url: scratch.url, poolSize: 2 });
  try {
    await migrate(database);
    const { db } = database;
    const { entityRows, linkRows, size } = generateNetwork(options.scale);
    let t = performance.now();
    const at = new Date().toISOString();
    await db.insert(teams).values({
      id: TEAM,
      name: 'Bench joint investigation team',
      leadCountry: 'KH',
      memberCountries: [...COUNTRIES],
      agreementRef: 'BENCH-JIT-1',
      validFrom: '2026-01-01',
      validUntil: '2027-12-31',
      createdBy: 'bench-kh',
      createdAt: at,
    });
    if (database.kind !== 'postgres') throw new Error('the graph bench needs PostgreSQL');
    await copyInto(database.client, intelEntities, entityRows);
    await copyInto(database.client, intelLinks, linkRows);
    await db.execute(sql`analyze`);
    const loadMs = performance.now() - t;
    say(
      `loaded ${entityRows.length.toLocaleString('en')} entities and ${linkRows.length.toLocaleString('en')} links in ${(loadMs / 1000).toFixed(1)} s`,
    );

    const rnd = seededRandom(7);
    const visibleIds: string[] = [];
    for (const e of entityRows) {
      if (
        e.originCountry === VIEW.country ||
        (e.releasableTo == null ? e.attributes.role !== 'victim' : e.releasableTo.includes(VIEW.country!))
      )
        visibleIds.push(e.id!);
    }
    const someEntity = () => visibleIds[Math.floor(rnd() * visibleIds.length)];
    const starts = Array.from({ length: samples + 20 }, someEntity);
    const inSyndicate = (id: string) => Math.floor(Number(id.slice(1)) / size);
    const pairs = Array.from({ length: samples + 20 }, (_, i) => {
      const from = someEntity();
      if (i % 2 === 1) return [from, someEntity()] as const;
      // Half the pairs within one syndicate, half anywhere.
      let to = someEntity();
      while (inSyndicate(to) !== inSyndicate(from)) to = someEntity();
      return [from, to] as const;
    });

    const lookup = await timed(samples, (i) => visibleEntity(db, VIEW, starts[i]));
    const sizes: number[] = [];
    let truncated = 0;
    const depth1 = await timed(samples, (i) => neighbourhood(db, VIEW, starts[i], { depth: 1 }));
    const depth3 = await timed(
      samples,
      (i) => neighbourhood(db, VIEW, starts[i], { depth: 3 }),
      (g) => {
        sizes.push(g!.nodes.length);
        if (g!.truncated) truncated++;
      },
    );
    const lengths: number[] = [];
    let notFound = 0;
    const pathTimes = await timed(
      samples,
      (i) => shortestPath(db, VIEW, pairs[i][0], pairs[i][1]),
      (p) => (p!.found ? lengths.push(p!.edges.length) : notFound++),
    );
    say(`lookup p95 ${lookup.p95} ms; depth 1 p95 ${depth1.p95} ms; depth 3 p95 ${depth3.p95} ms; path p95 ${pathTimes.p95} ms`);

    // The recursive CTE, on fewer pairs: each may run to its timeout.
    const cteSamples = Math.min(samples, 40);
    let cteTimeouts = 0;
    const cte = await timed(cteSamples, async (i) => {
      try {
        await cteShortestPath(db, VIEW, pairs[i][0], pairs[i][1]);
      } catch (err) {
        if ((err as { cause?: { code?: string } }).cause?.code !== '57014') throw err;
        if (i < cteSamples) cteTimeouts++;
      }
    });

    const median = (xs: number[]) => quantile(xs, 0.5) ?? 0;
    const results = {
      network: { entities: entityRows.length, links: linkRows.length, syndicates: GRAPH_BENCH.syndicates, loadMs: Math.round(loadMs) },
      viewer: VIEW.country,
      // Other work on the machine weighs on the tail (p95) first: the load when the run ended.
      loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
      lookup,
      depth1,
      depth3: {
        ...depth3,
        medianNodes: median(sizes),
        truncated,
        ratioToLookup: round(depth3.p95 / lookup.p95),
        goalP95Ms: GRAPH_BENCH.goalP95Ms,
      },
      path: {
        ...pathTimes,
        medianLength: median(lengths),
        notFound,
        ratioToLookup: round(pathTimes.p95 / lookup.p95),
        goalP95Ms: GRAPH_BENCH.goalP95Ms,
      },
      pathRecursiveCte: { ...cte, timeouts: cteTimeouts, statementTimeoutMs: 2000 },
    };
    const ms = (r: { p50: number; p95: number }) => `${r.p50} / ${r.p95}`;
    const rows: GraphBenchResult['rows'] = [
      [
        `graph: depth-3 neighbourhood (p50 / p95 ms; median ${median(sizes)} nodes)`,
        ms(depth3),
        `${ms(lookup)} (one-row lookup)`,
        depth3.p95 / lookup.p95,
        'p95 < 100 ms',
      ],
      [`graph: depth-1 neighbourhood (p50 / p95 ms)`, ms(depth1), `${ms(lookup)} (one-row lookup)`, depth1.p95 / lookup.p95, ''],
      [
        `graph: shortest path (p50 / p95 ms; median ${median(lengths)} links)`,
        ms(pathTimes),
        `${ms(lookup)} (one-row lookup)`,
        pathTimes.p95 / lookup.p95,
        'p95 < 100 ms',
      ],
      [
        `graph: shortest path as one recursive CTE (${cteTimeouts}/${cteSamples} over 2 s)`,
        ms(cte),
        ms(pathTimes),
        cte.p95 / pathTimes.p95,
        '',
      ],
    ];
    return { results, rows };
  } finally {
    await database.close();
    await scratch.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '300' }, scale: { type: 'string', default: '1' } } });
  const { results, rows } = await runGraphBench({ samples: Number(values.samples), scale: Number(values.scale) });
  const table = [
    '| measure | system | baseline | ratio | goal |',
    '|---|---|---|---|---|',
    ...rows.map(([m, a, b, r, g]) => `| ${m} | ${a} | ${b} | ${r.toFixed(2)}x | ${g} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'graph.json'), JSON.stringify({ at: new Date().toISOString(), results }, null, 2) + '\n');
}
