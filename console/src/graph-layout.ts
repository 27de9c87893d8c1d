// A small force-directed layout for the network picture, computed in the browser. Deterministic:
// the same graph and seed give the same positions, so the picture (and its screenshots) is stable
// from one load to the next. Nodes repel, links pull, a weak pull keeps the graph centred; a last
// pass pushes apart any two nodes whose shapes and labels would still overlap.
import { seededRandom } from '../../lib/seeded-random.js';

export interface LayoutNode {
  id: string;
  /** Width and height of what is drawn for the node: its shape and, below it, its label. */
  width: number;
  height: number;
}
export interface LayoutEdge {
  from: string;
  to: string;
}
export interface Point {
  x: number;
  y: number;
}
export interface Layout {
  positions: Map<string, Point>;
  /** The box around every node and its label, for fitting the picture to its frame. */
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

/** A seed from the graph's ids, so one graph always starts from the same scatter. */
export function seedOf(ids: readonly string[]): number {
  let h = 2166136261;
  for (const id of ids)
    for (let i = 0; i < id.length; i++) {
      h ^= id.charCodeAt(i);
      h = Math.imul(h, 16777619);
    }
  return h >>> 0;
}

const GAP = 14;
/** More room between linked nodes: their link's label goes between them. */
const LINKED_GAP = 44;

/** Whether the boxes of two nodes centred at `a` and `b` overlap (with a gap between them). */
export function overlaps(a: Point, an: LayoutNode, b: Point, bn: LayoutNode, gap = GAP): boolean {
  return Math.abs(a.x - b.x) * 2 < an.width + bn.width + gap && Math.abs(a.y - b.y) * 2 < an.height + bn.height + gap;
}

export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], options: { seed?: number; iterations?: number } = {}): Layout {
  const n = nodes.length;
  const random = seededRandom(options.seed ?? seedOf(nodes.map((node) => node.id)));
  const index = new Map(nodes.map((node, i) => [node.id, i]));
  const links = edges.map((e) => [index.get(e.from), index.get(e.to)] as const).filter((l): l is readonly [number, number] => l[0] !== undefined && l[1] !== undefined && l[0] !== l[1]);
  // The ideal distance between linked nodes grows with what is drawn: wide labels want more room.
  const size = nodes.reduce((s, node) => s + Math.max(node.width, node.height), 0) / Math.max(1, n);
  const k = size * 0.55 + 10;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  // Start on a spiral with a little seeded jitter: no two nodes on the same spot.
  for (let i = 0; i < n; i++) {
    const angle = i * 2.399963 + random() * 0.3;
    const radius = k * 0.6 * Math.sqrt(i + 0.5);
    x[i] = Math.cos(angle) * radius;
    y[i] = Math.sin(angle) * radius;
  }
  const iterations = options.iterations ?? (n > 150 ? 150 : 300);
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  let temperature = k * 2;
  for (let step = 0; step < iterations; step++) {
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let ddx = x[i] - x[j];
        let ddy = y[i] - y[j];
        let d2 = ddx * ddx + ddy * ddy;
        if (d2 < 0.01) {
          ddx = random() - 0.5;
          ddy = random() - 0.5;
          d2 = 0.01;
        }
        const force = (k * k) / d2;
        dx[i] += ddx * force;
        dy[i] += ddy * force;
        dx[j] -= ddx * force;
        dy[j] -= ddy * force;
      }
    for (const [a, b] of links) {
      const ddx = x[a] - x[b];
      const ddy = y[a] - y[b];
      const d = Math.sqrt(ddx * ddx + ddy * ddy) || 0.01;
      const force = d / k;
      dx[a] -= ddx * force;
      dy[a] -= ddy * force;
      dx[b] += ddx * force;
      dy[b] += ddy * force;
    }
    for (let i = 0; i < n; i++) {
      dx[i] -= x[i] * 0.1;
      dy[i] -= y[i] * 0.1;
      const d = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) || 1;
      const move = Math.min(d, temperature);
      x[i] += (dx[i] / d) * move;
      y[i] += (dy[i] / d) * move;
    }
    temperature = Math.max(k * 0.02, temperature * 0.975);
  }
  separate(nodes, x, y, new Set(links.map(([a, b]) => a * n + b).concat(links.map(([a, b]) => b * n + a))));
  const positions = new Map<string, Point>();
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  nodes.forEach((node, i) => {
    positions.set(node.id, { x: x[i], y: y[i] });
    minX = Math.min(minX, x[i] - node.width / 2);
    maxX = Math.max(maxX, x[i] + node.width / 2);
    minY = Math.min(minY, y[i] - node.height / 2);
    maxY = Math.max(maxY, y[i] + node.height / 2);
  });
  if (n === 0) return { positions, bounds: { minX: -100, minY: -100, maxX: 100, maxY: 100 } };
  return { positions, bounds: { minX, minY, maxX, maxY } };
}

/** Pushes overlapping pairs apart along their shorter axis until none overlap (or a bound on passes). */
function separate(nodes: readonly LayoutNode[], x: Float64Array, y: Float64Array, linked: Set<number>): void {
  const n = nodes.length;
  for (let pass = 0; pass < 200; pass++) {
    let moved = false;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        const a = nodes[i];
        const b = nodes[j];
        const gap = linked.has(i * n + j) ? LINKED_GAP : GAP;
        const needX = (a.width + b.width + gap) / 2 - Math.abs(x[i] - x[j]);
        const needY = (a.height + b.height + gap) / 2 - Math.abs(y[i] - y[j]);
        if (needX <= 0 || needY <= 0) continue;
        moved = true;
        // Move along the axis that needs less, half each; ties broken by index so it is deterministic.
        if (needX < needY) {
          const sign = x[i] < x[j] || (x[i] === x[j] && i < j) ? -1 : 1;
          x[i] += (sign * (needX + 0.5)) / 2;
          x[j] -= (sign * (needX + 0.5)) / 2;
        } else {
          const sign = y[i] < y[j] || (y[i] === y[j] && i < j) ? -1 : 1;
          y[i] += (sign * (needY + 0.5)) / 2;
          y[j] -= (sign * (needY + 0.5)) / 2;
        }
      }
    if (!moved) return;
  }
}
