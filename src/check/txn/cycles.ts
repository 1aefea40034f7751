/**
 * Cycles of a dependency graph, classified as Adya's phenomena (Adya 1999 §4; Elle's names for the
 * real-time variants): strongly connected components first (Tarjan, iterative), then, inside a
 * component, one shortest cycle through each edge of the kind that defines a class:
 *
 * - **G0** write cycle: ww edges only;
 * - **G1c** circular information flow: ww and wr edges, at least one wr;
 * - **G-single** read skew / lost update: exactly one rw edge, the rest ww or wr;
 * - **G2** (Elle's G2-item) write skew and longer: two or more rw edges;
 * - **G0/G1c/G-single/G2-realtime**: a cycle that exists only with real-time edges (a completed
 *   transaction ordered after one invoked later): what strict serializability adds.
 *
 * A cycle found through several edges is counted once (its rotation starting at its lowest node is
 * its name), so a write-skew pair is one G2, as it is one anomaly.
 */
import type { DependencyGraph } from './graph.js';
import { RT, RW, WR, WW } from './graph.js';

/** The classes of cycle. */
export type CycleClass = 'G0' | 'G1c' | 'G-single' | 'G2' | 'G0-realtime' | 'G1c-realtime' | 'G-single-realtime' | 'G2-realtime';

/** One step of a cycle: from a node to the next, by the weakest kind that links them. */
export interface CycleEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: 'ww' | 'wr' | 'rw' | 'rt';
  readonly key?: string;
}

/** A cycle found, with its class. */
export interface FoundCycle {
  readonly class: CycleClass;
  readonly edges: readonly CycleEdge[];
}

/** Strongly connected components with more than one node, over edges with a kind in `mask`. */
export function components(graph: DependencyGraph, mask: number): number[][] {
  const indexOf = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  const successors = (node: number): number[] => {
    const out: number[] = [];
    for (const [to, kinds] of graph.out.get(node) ?? []) if ((kinds & mask) !== 0) out.push(to);
    return out;
  };
  for (const root of graph.nodes) {
    if (indexOf.has(root)) continue;
    const work: { node: number; next: number[]; i: number }[] = [];
    const open = (node: number): void => {
      indexOf.set(node, counter);
      low.set(node, counter++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: successors(node), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { node: number; next: number[]; i: number };
      if (frame.i < frame.next.length) {
        const to = frame.next[frame.i++] as number;
        if (!indexOf.has(to)) open(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node) as number, indexOf.get(to) as number));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number));
      if (low.get(frame.node) !== indexOf.get(frame.node)) continue;
      const component: number[] = [];
      for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
        onStack.delete(node);
        component.push(node);
        if (node === frame.node) break;
      }
      if (component.length > 1) result.push(component);
    }
  }
  return result;
}

/** A shortest path `from` → `to` inside `within`, over edges with a kind in `mask` (BFS), or undefined. */
function shortestPath(graph: DependencyGraph, from: number, to: number, mask: number, within: ReadonlySet<number>): number[] | undefined {
  const parent = new Map<number, number>([[from, from]]);
  let layer = [from];
  while (layer.length > 0) {
    const next: number[] = [];
    for (const node of layer) {
      for (const [target, kinds] of graph.out.get(node) ?? []) {
        if ((kinds & mask) === 0 || !within.has(target) || parent.has(target)) continue;
        parent.set(target, node);
        if (target === to) {
          const path = [to];
          for (let at = node; at !== from; at = parent.get(at) as number) path.push(at);
          path.push(from);
          return path.reverse();
        }
        next.push(target);
      }
    }
    layer = next;
  }
  return undefined;
}

const KIND_ORDER: readonly [number, CycleEdge['kind']][] = [
  [WW, 'ww'],
  [WR, 'wr'],
  [RW, 'rw'],
  [RT, 'rt'],
];

/** The cycle's steps, each by the weakest kind allowed by `mask` (ww, then wr, rw, rt). */
function stepsOf(graph: DependencyGraph, nodes: readonly number[], masks: readonly number[]): CycleEdge[] {
  return nodes.map((from, i) => {
    const to = nodes[(i + 1) % nodes.length] as number;
    const kinds = (graph.out.get(from)?.get(to) ?? 0) & (masks[i] as number);
    const [bit, kind] = KIND_ORDER.find(([b]) => (kinds & b) !== 0) ?? [RT, 'rt'];
    const key = graph.keys.get(`${from}:${to}:${bit}`);
    return { from, to, kind, ...(key === undefined ? {} : { key }) };
  });
}

function classOf(edges: readonly CycleEdge[]): CycleClass {
  const rw = edges.filter((edge) => edge.kind === 'rw').length;
  const realtime = edges.some((edge) => edge.kind === 'rt') ? '-realtime' : '';
  if (rw === 0) return `${edges.every((edge) => edge.kind === 'ww' || edge.kind === 'rt') ? 'G0' : 'G1c'}${realtime}` as CycleClass;
  return `${rw === 1 ? 'G-single' : 'G2'}${realtime}` as CycleClass;
}

/** Each search: edges of `seed` kind start a cycle; the way back uses `back` kinds. Weakest class first. */
const SEARCHES: readonly { seed: number; back: number }[] = [
  { seed: WW, back: WW },
  { seed: WR, back: WW | WR },
  { seed: RW, back: WW | WR },
  { seed: RW, back: WW | WR | RW },
  { seed: RT, back: WW | WR | RW | RT },
];

/**
 * Every distinct cycle found by the searches (see the file header), at most `searchesMax` path
 * searches in all (`truncated` says the budget ran out).
 */
export function findCycles(graph: DependencyGraph, searchesMax: number): { cycles: FoundCycle[]; truncated: boolean } {
  const cycles: FoundCycle[] = [];
  const seen = new Set<string>();
  let searches = 0;
  for (const component of components(graph, WW | WR | RW | RT)) {
    const within = new Set(component);
    for (const { seed, back } of SEARCHES) {
      for (const from of component) {
        for (const [to, kinds] of graph.out.get(from) ?? []) {
          // A real-time search starts only from an edge that is real time alone: the others were searched.
          const seeds = seed === RT ? kinds === RT : (kinds & seed) !== 0;
          if (!seeds || !within.has(to)) continue;
          if (searches++ >= searchesMax) return { cycles, truncated: true };
          const path = shortestPath(graph, to, from, back, within);
          if (path === undefined) continue;
          const nodes = [from, ...path.slice(0, -1)];
          const name = canonical(nodes);
          if (seen.has(name)) continue;
          seen.add(name);
          const edges = stepsOf(graph, nodes, [seed, ...nodes.slice(1).map(() => back)]);
          cycles.push({ class: classOf(edges), edges });
        }
      }
    }
  }
  return { cycles, truncated: false };
}

/** The cycle's rotation that starts at its lowest node, as text. */
function canonical(nodes: readonly number[]): string {
  let start = 0;
  for (let i = 1; i < nodes.length; i++) if ((nodes[i] as number) < (nodes[start] as number)) start = i;
  return [...nodes.slice(start), ...nodes.slice(0, start)].join(',');
}
