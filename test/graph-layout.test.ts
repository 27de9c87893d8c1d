// The network picture's layout (console/src/graph-layout.ts), without a browser: the same graph
// always lands on the same positions, and on a graph the size of a compound's network no two
// nodes' shapes and labels overlap.
import { describe, expect, it } from 'vitest';
import { layoutGraph, overlaps } from '../console/src/graph-layout.js';
import { seededRandom } from '../lib/seeded-random.js';

/** A syndicate-shaped graph: a boss, lieutenants, their workers, and accounts paid between them. */
function syndicate(n: number) {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, width: 48 + ((i * 37) % 120), height: 58 }));
  const edges = nodes.slice(1).map((node, i) => ({ from: `e${Math.floor(i / 4)}`, to: node.id }));
  for (let i = 3; i + 5 < n; i += 7) edges.push({ from: `e${i}`, to: `e${i + 5}` });
  return { nodes, edges };
}

describe('the network layout', () => {
  it('places the same graph the same way every time, and a seed changes it', () => {
    const { nodes, edges } = syndicate(30);
    const first = layoutGraph(nodes, edges);
    const again = layoutGraph([...nodes], [...edges]);
    expect([...again.positions]).toEqual([...first.positions]);
    const other = layoutGraph(nodes, edges, { seed: 7 });
    expect([...other.positions]).not.toEqual([...first.positions]);
  });

  it.each([5, 30, 80])('leaves no two of %i nodes overlapping, labels included', (n) => {
    const { nodes, edges } = syndicate(n);
    const { positions, bounds } = layoutGraph(nodes, edges);
    const clashes: string[] = [];
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        if (overlaps(positions.get(nodes[i].id)!, nodes[i], positions.get(nodes[j].id)!, nodes[j], 0)) clashes.push(`${nodes[i].id}/${nodes[j].id}`);
    expect(clashes).toEqual([]);
    for (const node of nodes) {
      const p = positions.get(node.id)!;
      expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
      expect(p.x - node.width / 2).toBeGreaterThanOrEqual(bounds.minX);
      expect(p.y + node.height / 2).toBeLessThanOrEqual(bounds.maxY);
    }
  });

  it('keeps linked records nearer each other than unlinked ones', () => {
    const { nodes, edges } = syndicate(30);
    const { positions } = layoutGraph(nodes, edges);
    const distance = (a: string, b: string) => Math.hypot(positions.get(a)!.x - positions.get(b)!.x, positions.get(a)!.y - positions.get(b)!.y);
    const linked = edges.map((e) => distance(e.from, e.to));
    const random = seededRandom(1);
    const unlinked: number[] = [];
    while (unlinked.length < 100) {
      const a = `e${Math.floor(random() * 30)}`;
      const b = `e${Math.floor(random() * 30)}`;
      if (a !== b && !edges.some((e) => (e.from === a && e.to === b) || (e.from === b && e.to === a))) unlinked.push(distance(a, b));
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(linked)).toBeLessThan(mean(unlinked) * 0.7);
  });
});
