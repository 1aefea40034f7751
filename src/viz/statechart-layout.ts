/**
 * Lays a statechart out for the viewer (docs/viewer.md, "The statechart"): compound states as
 * boxes holding their children, transitions as routed edges with their events as labels. The
 * layout is ELK's layered algorithm (elkjs, the Eclipse Layout Kernel compiled to JavaScript),
 * run once per machine on the server; the page only draws the boxes and paths it gets and marks
 * the active state, so scrubbing never lays anything out again.
 */
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK as ElkLayouter, ELKConstructorArguments, ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api.js';
import type { AnyStateMachine } from 'xstate';
import { statechartGraph } from '../cluster/statecharts.js';
import type { StatechartGraph } from '../cluster/statecharts.js';

/** A state's box, in absolute coordinates (px). */
export interface LaidOutState {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly depth: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly initial: boolean;
  readonly tags: readonly string[];
}

/** An edge as a polyline with its label box, in absolute coordinates (px). */
export interface LaidOutEdge {
  readonly source: string;
  readonly target: string;
  /** Each transition's label. */
  readonly events: readonly string[];
  /** The label drawn: the first events, and how many more (the full list is `events`). */
  readonly label: string;
  readonly points: readonly (readonly [number, number])[];
  readonly labelAt?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
}

/** A machine laid out. */
export interface StatechartLayout {
  readonly machine: string;
  readonly width: number;
  readonly height: number;
  readonly states: readonly LaidOutState[];
  readonly edges: readonly LaidOutEdge[];
  /** Transitions of the machine itself (they apply in every state), listed rather than drawn. */
  readonly rootTransitions: readonly { readonly target: string; readonly events: readonly string[] }[];
}

/** elkjs is a CommonJS module whose default export is its constructor. */
const ELK = elkBundled as unknown as new (args?: ELKConstructorArguments) => ElkLayouter;

const CHAR_PX = 6.6;
const LINE_PX = 14;
const LABEL_CHARS = 30;

/**
 * The label drawn on an edge: as many of its events as fit in about 30 characters, and how many
 * more (the page lists them all in the edge's tooltip). Long labels would make the layout too wide
 * to read in a panel: a segment's `online` has a dozen self-loops.
 */
function labelOf(events: readonly string[]): string {
  let shown = '';
  let count = 0;
  for (const event of events) {
    const next = shown === '' ? event : `${shown}, ${event}`;
    if (count > 0 && next.length > LABEL_CHARS) break;
    shown = next.length > LABEL_CHARS + 10 ? `${next.slice(0, LABEL_CHARS + 9)}…` : next;
    count++;
  }
  return count < events.length ? `${shown} +${events.length - count}` : shown;
}

/** The ELK graph of a statechart: the root's children at the top, every edge at the root. */
function elkGraph(graph: StatechartGraph): ElkNode {
  const nodes = new Map<string, ElkNode>();
  const rootId = graph.id;
  const top: ElkNode = { id: rootId, children: [], edges: [] };
  nodes.set(rootId, top);
  for (const state of graph.states) {
    if (state.parent === undefined) continue;
    const hasChildren = graph.states.some((other) => other.parent === state.id);
    const node: ElkNode = hasChildren
      ? {
          id: state.id,
          labels: [{ text: state.key, width: state.key.length * CHAR_PX + 8, height: LINE_PX }],
          layoutOptions: { 'elk.padding': '[top=26,left=12,bottom=12,right=12]', 'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT' },
          children: [],
        }
      : { id: state.id, width: Math.max(60, state.key.length * CHAR_PX + 24), height: 32 };
    nodes.set(state.id, node);
    (nodes.get(state.parent) as ElkNode).children?.push(node);
  }
  const edges: ElkExtendedEdge[] = [];
  for (const [index, edge] of graph.edges.entries()) {
    if (edge.source === rootId) continue;
    const text = labelOf(edge.events);
    const label: ElkLabel = { text, width: text.length * CHAR_PX + 6, height: LINE_PX };
    edges.push({ id: `e${index}`, sources: [edge.source], targets: [edge.target], labels: [label] });
  }
  top.edges = edges;
  top.layoutOptions = {
    'elk.algorithm': 'layered',
    'elk.direction': 'DOWN',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'POLYLINE',
    'elk.layered.spacing.nodeNodeBetweenLayers': '36',
    'elk.spacing.nodeNode': '24',
    'elk.spacing.edgeLabel': '4',
    'elk.edgeLabels.inline': 'false',
    'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  };
  return top;
}

/** Lays out one machine (see the file header). */
export async function layoutStatechart(machine: AnyStateMachine): Promise<StatechartLayout> {
  const graph = statechartGraph(machine);
  const elk = new ELK();
  const laid = await elk.layout(elkGraph(graph));
  const byId = new Map(graph.states.map((state) => [state.id, state]));
  const initials = new Set(graph.states.flatMap((state) => (state.initial === undefined ? [] : [state.initial])));
  const states: LaidOutState[] = [];
  const offsets = new Map<string, readonly [number, number]>([[graph.id, [0, 0]]]);
  const place = (node: ElkNode, ox: number, oy: number, depth: number): void => {
    for (const child of node.children ?? []) {
      const x = ox + (child.x ?? 0);
      const y = oy + (child.y ?? 0);
      offsets.set(child.id, [x, y]);
      const state = byId.get(child.id);
      if (state !== undefined) {
        states.push({ id: child.id, key: state.key, type: state.type, depth, x, y, width: child.width ?? 0, height: child.height ?? 0, initial: initials.has(child.id), tags: state.tags });
      }
      place(child, x, y, depth + 1);
    }
  };
  place(laid, 0, 0, 0);
  const edges: LaidOutEdge[] = [];
  for (const edge of laid.edges ?? []) {
    const source = edge.sources[0] as string;
    const target = edge.targets[0] as string;
    const original = graph.edges.find((candidate) => candidate.source === source && candidate.target === target);
    // With hierarchy handling, an edge's coordinates are relative to its container.
    const [ox, oy] = offsets.get((edge as ElkExtendedEdge & { container?: string }).container ?? graph.id) ?? [0, 0];
    const points: [number, number][] = [];
    for (const section of edge.sections ?? []) {
      points.push([ox + section.startPoint.x, oy + section.startPoint.y]);
      for (const bend of section.bendPoints ?? []) points.push([ox + bend.x, oy + bend.y]);
      points.push([ox + section.endPoint.x, oy + section.endPoint.y]);
    }
    const label = edge.labels?.[0];
    edges.push({
      source,
      target,
      events: original?.events ?? [],
      label: label?.text ?? '',
      points,
      ...(label === undefined ? {} : { labelAt: { x: ox + (label.x ?? 0), y: oy + (label.y ?? 0), width: label.width ?? 0, height: label.height ?? 0 } }),
    });
  }
  const rootTransitions = graph.edges.filter((edge) => edge.source === graph.id).map((edge) => ({ target: edge.target, events: edge.events }));
  return { machine: graph.id, width: laid.width ?? 0, height: laid.height ?? 0, states, edges, rootTransitions };
}
