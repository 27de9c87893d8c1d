// The network picture: the graph answer {nodes, edges} drawn as SVG, laid out in the browser by
// graph-layout.ts. Nodes by kind (shape, colour and a letter), links by type (labels, arrows),
// handling as a ring and a badge; pan by dragging, arrow keys or buttons, zoom by wheel, +/- or
// buttons; a node is a link to its entity page. The same graph is listed below for reading.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { layoutGraph, type Layout } from './graph-layout.js';
import { codeOf, ENTITY_KIND_LABELS, entityName, evaluationCode, linkLabel, releasableWords, shorten, type EntityKind } from './intel.js';
import { href } from './router.js';
import type { Graph, GraphEdge, GraphNode } from './types.js';
import { ColumnHeads } from './ui.js';

const SHAPE = 36;
const LABEL_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
/** Above the shape: room for the handling badge. */
const NODE_TOP = 10;
const NODE_HEIGHT = NODE_TOP + SHAPE + 22;
/** Wide enough for the shape, its ring and its badge even under a short name. */
const NODE_MIN_WIDTH = SHAPE + 40;
/** The centre of a record's shape, from the centre of its box (shape on top, name below). */
const shapeY = (p: { y: number }) => p.y - NODE_HEIGHT / 2 + NODE_TOP + SHAPE / 2;
const MIN_ZOOM = 0.2;
const MAX_ZOOM = 4;
const PAN_STEP = 60;
/** Codes that restrict use enough to be marked on the picture itself (H1 is a thin ring only). */
const BADGED = ['H2', 'H3'];
/** Past this many links of one type at one record, only one of them carries the type's label. */
const FAN_LABELS = 3;

export const KIND_STYLE: Record<EntityKind, { colour: string; letter: string }> = {
  person: { colour: '#0b5c99', letter: 'P' },
  organisation: { colour: '#b04a00', letter: 'O' },
  location: { colour: '#00795a', letter: 'L' },
  account: { colour: '#8a5d00', letter: '$' },
  phone: { colour: '#2f6f9a', letter: 'T' },
  online_identity: { colour: '#9c3f7d', letter: '@' },
  vehicle: { colour: '#555f6b', letter: 'V' },
};
const kindStyle = (kind: string) => KIND_STYLE[kind as EntityKind] ?? { colour: '#555f6b', letter: '?' };

/** The outline of each kind, centred on 0,0 and about SHAPE across. */
export function KindShape({ kind, size = SHAPE, ...rest }: { kind: string; size?: number; fill?: string; class?: string }) {
  const r = size / 2;
  const poly = (points: [number, number][]) => <polygon points={points.map(([x, y]) => `${(x * r).toFixed(1)},${(y * r).toFixed(1)}`).join(' ')} {...rest} />;
  switch (kind) {
    case 'person':
      return <circle r={r} {...rest} />;
    case 'organisation':
      return poly([[1, 0], [0.5, 0.87], [-0.5, 0.87], [-1, 0], [-0.5, -0.87], [0.5, -0.87]]);
    case 'location':
      return poly([[0, -1], [1, 0], [0, 1], [-1, 0]]);
    case 'account':
      return <rect x={-r * 0.85} y={-r * 0.85} width={r * 1.7} height={r * 1.7} rx={3} {...rest} />;
    case 'phone':
      return <rect x={-r * 0.6} y={-r} width={r * 1.2} height={r * 2} rx={r * 0.3} {...rest} />;
    case 'online_identity':
      return poly([[0, -1], [0.95, 0.75], [-0.95, 0.75]]);
    default:
      return poly([[0.41, -1], [1, -0.41], [1, 0.41], [0.41, 1], [-0.41, 1], [-1, 0.41], [-1, -0.41], [-0.41, -1]]);
  }
}

let measureContext: CanvasRenderingContext2D | null | undefined;
/** The label's width in pixels as the browser will draw it (an estimate where canvas is missing). */
function textWidth(text: string): number {
  if (measureContext === undefined) measureContext = document.createElement('canvas').getContext('2d');
  if (!measureContext) return text.length * 7;
  measureContext.font = LABEL_FONT;
  return Math.ceil(measureContext.measureText(text).width);
}

interface View {
  x: number;
  y: number;
  k: number;
}

/** The handling in words, for a node's or link's accessible name and tooltip. */
const handlingText = (r: GraphNode | GraphEdge) =>
  [`handling ${codeOf(r)}`, r.handling && `releasable to ${releasableWords(r.handling)}`, r.evaluation && `evaluation ${evaluationCode(r.evaluation)}`, 'originCountry' in r && r.originCountry && `from ${r.originCountry}`].filter(Boolean).join(', ');

export function NetworkPicture({ graph, teamId, focusId }: { graph: Graph; teamId: string; focusId?: string | null }) {
  const frame = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState({ width: 800, height: 560 });
  const labels = useMemo(() => new Map(graph.nodes.map((n) => [n.id, shorten(entityName(n))])), [graph]);
  const layout: Layout = useMemo(
    () =>
      layoutGraph(
        graph.nodes.map((n) => ({ id: n.id, width: Math.max(NODE_MIN_WIDTH, textWidth(labels.get(n.id)!) + 10), height: NODE_HEIGHT })),
        graph.edges.map((e) => ({ from: e.from, to: e.to })),
      ),
    [graph, labels],
  );

  const fit = (width = size.width, height = size.height): View => {
    const { minX, minY, maxX, maxY } = layout.bounds;
    const margin = 24;
    // Never so small that names cannot be read (less on a phone's narrow frame, where one pans).
    const least = width < 600 ? 0.85 : 0.6;
    const k = Math.min(1.5, Math.max(least, Math.min((width - margin * 2) / (maxX - minX || 1), (height - margin * 2) / (maxY - minY || 1))));
    // Where the whole graph cannot be shown legibly, start on the entity it was asked about.
    const focus = focusId ? layout.positions.get(focusId) : undefined;
    const whole = (maxX - minX) * k <= width && (maxY - minY) * k <= height;
    const cx = !whole && focus ? focus.x : (minX + maxX) / 2;
    const cy = !whole && focus ? focus.y : (minY + maxY) / 2;
    return { x: width / 2 - cx * k, y: height / 2 - cy * k, k };
  };
  const [view, setView] = useState<View>(() => fit());

  useLayoutEffect(() => {
    const svg = frame.current;
    if (!svg) return;
    const measure = () => {
      const box = svg.getBoundingClientRect();
      if (box.width && box.height) {
        setSize({ width: box.width, height: box.height });
        setView(fit(box.width, box.height));
      }
    };
    measure();
    const observer = new ResizeObserver(() => {
      const box = svg.getBoundingClientRect();
      if (box.width && box.height) setSize({ width: box.width, height: box.height });
    });
    observer.observe(svg);
    return () => observer.disconnect();
  }, [layout]);

  const zoomAt = (factor: number, px = size.width / 2, py = size.height / 2) =>
    setView((v) => {
      const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor));
      return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
    });
  const pan = (dx: number, dy: number) => setView((v) => ({ ...v, x: v.x + dx, y: v.y + dy }));

  // The wheel zooms the picture, not the page: a listener that may prevent the default.
  useEffect(() => {
    const svg = frame.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const box = svg.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [size]);

  // Dragging pans; a drag that started on a node does not open it.
  const drag = useRef<{ id: number; x: number; y: number; moved: boolean } | null>(null);
  const dragged = useRef(false);
  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag.current = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
    dragged.current = false;
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved && Math.hypot(dx, dy) < 4) return;
    if (!d.moved) frame.current?.setPointerCapture(e.pointerId);
    d.moved = true;
    d.x = e.clientX;
    d.y = e.clientY;
    pan(dx, dy);
  };
  const onPointerUp = (e: PointerEvent) => {
    if (drag.current?.id !== e.pointerId) return;
    dragged.current = drag.current.moved;
    drag.current = null;
  };
  const onClickCapture = (e: MouseEvent) => {
    if (!dragged.current) return;
    dragged.current = false;
    e.preventDefault();
    e.stopPropagation();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => pan(PAN_STEP, 0),
      ArrowRight: () => pan(-PAN_STEP, 0),
      ArrowUp: () => pan(0, PAN_STEP),
      ArrowDown: () => pan(0, -PAN_STEP),
      '+': () => zoomAt(1.25),
      '=': () => zoomAt(1.25),
      '-': () => zoomAt(0.8),
      '0': () => setView(fit()),
    };
    const act = keys[e.key];
    if (!act || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    act();
  };
  /** A node reached with Tab comes into view. */
  const onNodeFocus = (id: string) => {
    const p = layout.positions.get(id);
    if (!p) return;
    const sx = view.x + p.x * view.k;
    const sy = view.y + p.y * view.k;
    if (sx < 40 || sy < 40 || sx > size.width - 40 || sy > size.height - 40) setView((v) => ({ ...v, x: size.width / 2 - p.x * v.k, y: size.height / 2 - p.y * v.k }));
  };

  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const edgePaths = useMemo(() => curvedEdges(graph.edges, layout, graph.nodes.map((n) => ({ id: n.id, width: Math.max(NODE_MIN_WIDTH, textWidth(labels.get(n.id)!) + 10) }))), [graph, layout]);
  const kinds = [...new Set(graph.nodes.map((n) => n.kind))];
  const codes = [...new Set([...graph.nodes, ...graph.edges].map(codeOf))].sort();

  return (
    <div class="network">
      <div class="network-controls" role="toolbar" aria-label="Move the picture">
        <button type="button" class="secondary" onClick={() => zoomAt(1.25)} aria-label="Zoom in" title="Zoom in (+)">+</button>
        <button type="button" class="secondary" onClick={() => zoomAt(0.8)} aria-label="Zoom out" title="Zoom out (−)">−</button>
        <button type="button" class="secondary" onClick={() => setView(fit())} title="Fit the picture to its frame (0)">Fit</button>
        <button type="button" class="secondary" onClick={() => pan(PAN_STEP, 0)} aria-label="Pan left">←</button>
        <button type="button" class="secondary" onClick={() => pan(0, PAN_STEP)} aria-label="Pan up">↑</button>
        <button type="button" class="secondary" onClick={() => pan(0, -PAN_STEP)} aria-label="Pan down">↓</button>
        <button type="button" class="secondary" onClick={() => pan(-PAN_STEP, 0)} aria-label="Pan right">→</button>
        <span class="muted small" data-testid="zoom">{Math.round(view.k * 100)}%</span>
      </div>
      <svg
        ref={frame}
        class="network-frame"
        viewBox={`0 0 ${size.width} ${size.height}`}
        tabindex={0}
        role="group"
        aria-label={`Network of ${graph.nodes.length} records and ${graph.edges.length} links. Arrow keys pan, plus and minus zoom, 0 fits; Tab moves from record to record.`}
        data-view={`${view.x.toFixed(1)},${view.y.toFixed(1)},${view.k.toFixed(3)}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onClickCapture={onClickCapture}
        onKeyDown={onKeyDown}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#5f6b7a" />
          </marker>
          <marker id="arrow-paid" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="#1d7a46" />
          </marker>
        </defs>
        <g class="viewport" transform={`translate(${view.x.toFixed(1)} ${view.y.toFixed(1)}) scale(${view.k.toFixed(3)})`}>
          <g class="edges">
            {edgePaths.map(({ edge, d, labelAt, labelled }) => (
              <g key={edge.id} class={`edge edge-${edge.type}`} data-link-id={edge.id}>
                <title>{`${entityName(byId.get(edge.from)!)} ${linkLabel(edge.type)} ${entityName(byId.get(edge.to)!)} — ${handlingText(edge)}`}</title>
                <path d={d} marker-end={`url(#${edge.type === 'paid' ? 'arrow-paid' : 'arrow'})`} />
                {labelled && (
                  <text x={labelAt.x} y={labelAt.y} class="edge-label" text-anchor="middle" dominant-baseline="middle">
                    {edgeText(edge)}
                  </text>
                )}
              </g>
            ))}
          </g>
          <g class="nodes">
            {/* The record asked about comes first, where Tab enters the picture. */}
            {[...graph.nodes].sort((a, b) => Number(b.id === focusId) - Number(a.id === focusId)).map((node) => {
              const p = layout.positions.get(node.id)!;
              const name = entityName(node);
              // The accessible name starts with the visible one (a long name is cut on screen).
              return (
                <a
                  key={node.id}
                  href={href(`teams/${teamId}/entities/${node.id}`)}
                  class={`node kind-${node.kind} handling-${codeOf(node)}${node.id === focusId ? ' focus' : ''}`}
                  data-entity-id={node.id}
                  aria-label={`${labels.get(node.id) === name ? name : `${labels.get(node.id)} (${name})`}, ${(ENTITY_KIND_LABELS[node.kind as EntityKind] ?? node.kind).toLowerCase()}; ${handlingText(node)}`}
                  onFocus={() => onNodeFocus(node.id)}
                >
                  <title>{`${name} — ${handlingText(node)}`}</title>
                  <g transform={`translate(${p.x.toFixed(1)} ${shapeY(p).toFixed(1)})`}>
                    {codeOf(node) !== 'H0' && <KindShape kind={node.kind} size={SHAPE + 10} class="handling-ring" />}
                    <KindShape kind={node.kind} fill={kindStyle(node.kind).colour} class="shape" />
                  </g>
                  <text class="node-label" x={p.x.toFixed(1)} y={(p.y + NODE_HEIGHT / 2 - 5).toFixed(1)} text-anchor="middle">
                    {labels.get(node.id)}
                  </text>
                </a>
              );
            })}
          </g>
          {/* Marks drawn over the records, outside their links so that a record's name is its visible text. */}
          <g class="marks" aria-hidden="true">
            {graph.nodes.map((node) => {
              const p = layout.positions.get(node.id)!;
              return (
                <g key={node.id} class={`mark handling-${codeOf(node)}`} data-entity-id={node.id} transform={`translate(${p.x.toFixed(1)} ${shapeY(p).toFixed(1)})`}>
                  <text class="glyph" text-anchor="middle" dominant-baseline="central">
                    {kindStyle(node.kind).letter}
                  </text>
                  {BADGED.includes(codeOf(node)) && (
                    <g class="handling-badge" transform={`translate(${SHAPE / 2 - 2} ${-SHAPE / 2 - 2})`}>
                      <rect x={-2} y={-8} width={22} height={15} rx={7} />
                      <text x={9} y={0} text-anchor="middle" dominant-baseline="middle">
                        {codeOf(node)}
                      </text>
                    </g>
                  )}
                </g>
              );
            })}
          </g>
        </g>
      </svg>
      <Legend kinds={kinds} types={[...new Set(graph.edges.map((e) => e.type))]} codes={codes} />
      <details class="network-list">
        <summary>The network as a list</summary>
        <table>
          <caption class="sr-only">Links in the picture</caption>
          <ColumnHeads columns={['From', 'Link', 'To', 'Handling']} />
          <tbody>
            {graph.edges.map((e) => (
              <tr key={e.id}>
                <td>
                  <a href={href(`teams/${teamId}/entities/${e.from}`)}>{entityName(byId.get(e.from)!)}</a>
                </td>
                <td>{linkLabel(e.type)}</td>
                <td>
                  <a href={href(`teams/${teamId}/entities/${e.to}`)}>{entityName(byId.get(e.to)!)}</a>
                </td>
                <td>
                  {codeOf(e)}
                  {e.evaluation ? ` · ${evaluationCode(e.evaluation)}` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {graph.nodes.some((n) => !graph.edges.some((e) => e.from === n.id || e.to === n.id)) && (
          <p>
            Not linked:{' '}
            {graph.nodes
              .filter((n) => !graph.edges.some((e) => e.from === n.id || e.to === n.id))
              .map((n, i) => (
                <>
                  {i > 0 && ', '}
                  <a href={href(`teams/${teamId}/entities/${n.id}`)}>{entityName(n)}</a>
                </>
              ))}
          </p>
        )}
      </details>
    </div>
  );
}

/** Links as paths from shape edge to shape edge; several between one pair bend apart. */
const edgeText = (edge: GraphEdge) =>
  `${linkLabel(edge.type)}${edge.amount != null ? ` ${edge.amount}${edge.currency ? ` ${edge.currency}` : ''}` : ''}${BADGED.includes(codeOf(edge)) ? ` · ${codeOf(edge)}` : ''}`;

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const boxesMeet = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

function curvedEdges(edges: readonly GraphEdge[], layout: Layout, sizes: { id: string; width: number }[]) {
  // What labels must not cover: every node's shape and name, and the labels placed before.
  const taken: Box[] = sizes.map(({ id, width }) => {
    const p = layout.positions.get(id)!;
    return { x0: p.x - width / 2, y0: p.y - NODE_HEIGHT / 2, x1: p.x + width / 2, y1: p.y + NODE_HEIGHT / 2 };
  });
  /** The point at `t` along the link, straight or bent, and the first place there where its label covers least. */
  const placeLabel = (text: string, at: (t: number) => { x: number; y: number }) => {
    const w = textWidth(text) * (11 / 12) + 6;
    let best = { p: at(0.5), cost: Infinity, box: null as Box | null };
    for (const t of [0.5, 0.4, 0.6, 0.32, 0.68, 0.25, 0.75]) {
      const p = at(t);
      const box = { x0: p.x - w / 2, y0: p.y - 8, x1: p.x + w / 2, y1: p.y + 8 };
      const cost = taken.filter((b) => boxesMeet(b, box)).length;
      if (cost < best.cost) best = { p, cost, box };
      if (cost === 0) break;
    }
    taken.push(best.box!);
    return best.p;
  };
  const pairs = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    const key = [e.from, e.to].sort().join('\u0000');
    pairs.set(key, [...(pairs.get(key) ?? []), e]);
  }
  const shapeCentre = (id: string) => {
    const p = layout.positions.get(id)!;
    return { x: p.x, y: shapeY(p) };
  };
  // A record with many links of one type (the workers of a compound) names the type once.
  const fan = new Map<string, GraphEdge[]>();
  for (const e of edges)
    for (const key of [`${e.type}>${e.to}`, `${e.type}<${e.from}`]) fan.set(key, [...(fan.get(key) ?? []), e]);
  const labelled = (e: GraphEdge) =>
    [`${e.type}>${e.to}`, `${e.type}<${e.from}`].every((key) => {
      const group = fan.get(key)!;
      return group.length <= FAN_LABELS || group[0] === e;
    });
  const out: { edge: GraphEdge; d: string; labelAt: { x: number; y: number }; labelled: boolean }[] = [];
  for (const group of pairs.values())
    group.forEach((edge, i) => {
      if (!layout.positions.has(edge.from) || !layout.positions.has(edge.to)) return;
      const a = shapeCentre(edge.from);
      const b = shapeCentre(edge.to);
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const length = Math.hypot(dx, dy) || 1;
      const ux = dx / length;
      const uy = dy / length;
      // The bend is measured from a fixed direction of the pair, so opposite links bend apart.
      const flip = edge.from < edge.to ? 1 : -1;
      const bend = (i - (group.length - 1) / 2) * 34 * flip;
      const mx = (a.x + b.x) / 2 - uy * bend;
      const my = (a.y + b.y) / 2 + ux * bend;
      const trim = SHAPE / 2 + 4;
      const sx = a.x + ux * trim;
      const sy = a.y + uy * trim;
      const ex = b.x - ux * (trim + 2);
      const ey = b.y - uy * (trim + 2);
      // The control point that makes the curve pass through (mx, my) half-way.
      const cx = 2 * mx - (sx + ex) / 2;
      const cy = 2 * my - (sy + ey) / 2;
      const d = bend === 0 ? `M${sx.toFixed(1)},${sy.toFixed(1)} L${ex.toFixed(1)},${ey.toFixed(1)}` : `M${sx.toFixed(1)},${sy.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`;
      const at = (t: number) => ({ x: (1 - t) ** 2 * sx + 2 * (1 - t) * t * cx + t * t * ex, y: (1 - t) ** 2 * sy + 2 * (1 - t) * t * cy + t * t * ey });
      const show = labelled(edge);
      out.push({ edge, d, labelAt: show ? placeLabel(edgeText(edge), at) : { x: mx, y: my }, labelled: show });
    });
  return out;
}

function Legend({ kinds, types, codes }: { kinds: string[]; types: string[]; codes: string[] }) {
  return (
    <div class="legend" aria-label="Legend" role="group">
      <ul>
        {kinds.map((kind) => (
          <li key={kind}>
            <svg width="22" height="22" viewBox="-12 -12 24 24" aria-hidden="true">
              <KindShape kind={kind} size={20} fill={kindStyle(kind).colour} />
            </svg>
            {ENTITY_KIND_LABELS[kind as EntityKind] ?? kind}
          </li>
        ))}
      </ul>
      <ul>
        {types.map((type) => (
          <li key={type}>
            <svg width="34" height="12" viewBox="0 0 34 12" aria-hidden="true" class={`edge edge-${type}`}>
              <path d="M1,6 L31,6" />
            </svg>
            {linkLabel(type)}
          </li>
        ))}
      </ul>
      <ul>
        {codes.map((code) => (
          <li key={code}>
            <span class={`badge handling handling-${code}`}>{code}</span>
            {code === 'H0' ? 'no ring: any police use' : code === 'H3' ? 'thick ring: the stated conditions' : code === 'H2' ? 'dashed ring: no further dissemination' : 'thin ring: not as evidence without consent'}
          </li>
        ))}
      </ul>
    </div>
  );
}
