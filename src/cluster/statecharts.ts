/**
 * The statecharts of a cluster as data: each machine's structure as an xstate machine config
 * (JSON that `createMachine` takes back) and as a Mermaid `stateDiagram-v2` (docs/statecharts.md).
 *
 * Why not `machine.toJSON()` as it stands: xstate v5's definition is a view of the built state
 * nodes, not a config. Its `initial` is a transition object `createMachine` refuses, it carries
 * every transition twice (`on` and `transitions`) with back-references to its source, it leaves
 * out eventless (`always`) transitions altogether, and JSON drops an inline guard without a
 * trace. So the config is rebuilt from the same state nodes the definition reads (`states`,
 * `initial`, `on`, `after`, `always`, `entry`, `exit`, `tags`, `invoke`), keeping every action,
 * guard and delay as the name the machine's `setup` gives it. An inline function has no name
 * that would survive a round trip: it is written as `null`, so a test can refuse it
 * (test/cluster/statecharts.test.ts); the models name every one.
 *
 * Dynamic action params (a function of context and event) are runtime data, not structure: only
 * the action's name is written.
 */
import type { AnyStateMachine } from 'xstate';
import { azMachine, regionMachine, storageNodeMachine } from '../../models/failure-domain.js';
import { controlPlaneMachine } from '../../models/control-plane.machine.js';
import { globalRegionMachine } from '../../models/global-region.machine.js';
import { globalApplierMachine } from '../../models/global-applier.machine.js';
import { writeForwarderMachine } from '../../models/write-forwarder.machine.js';
import { serverlessScalerMachine } from '../../models/serverless-scaler.machine.js';
import { frontDoorMachine } from '../../models/front-door.machine.js';
import { mmWriterMachine } from '../../models/mm-writer.machine.js';
import { monitorMachine, responderMachine } from '../../models/heartbeat.machine.js';
import { writerMachine } from '../../models/instance.machine.js';
import { metadataMachine } from '../../models/metadata.machine.js';
import { segmentMachine } from '../../models/segment.machine.js';
import { objectStoreMachine } from '../../models/object-store.machine.js';
import { restoreJobMachine } from '../../models/restore-job.machine.js';
import { storageControlPlaneMachine } from '../../models/storage-control-plane.machine.js';
import { ebsVolumeMachine } from '../../models/ebs-volume.machine.js';
import { mirroredInstanceMachine } from '../../models/mirrored-instance.machine.js';
import { binlogReplicaMachine } from '../../models/binlog-replica.machine.js';

/** One machine a cluster runs, under the file name its exports get. */
export interface ClusterStatechart {
  /** File name stem: `<name>.json`, `<name>.mmd`. */
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** What its actors are (docs/architecture.md, "The actors"). */
  readonly description: string;
}

/**
 * Every machine `clusterSpecs` (src/cluster/assemble.ts) and the heartbeat demo run, the
 * Global Database region, which no run assembles yet (docs/protocol.md §11.1), and the
 * mirrored-MySQL baseline's (src/baseline/, docs/protocol.md §16).
 */
export const CLUSTER_STATECHARTS: readonly ClusterStatechart[] = [
  { name: 'segment', machine: segmentMachine, description: 'a storage segment: one of a PG’s six copies' },
  { name: 'instance', machine: writerMachine, description: 'a database instance: writer, replica or standby' },
  { name: 'metadata', machine: metadataMachine, description: 'the storage metadata service: volume epoch and PG configurations' },
  { name: 'control-plane', machine: controlPlaneMachine, description: 'the control plane: health checks and failover' },
  { name: 'storage-control-plane', machine: storageControlPlaneMachine, description: 'the storage control plane: segment health and replacement' },
  { name: 'region', machine: regionMachine, description: 'a region failure domain' },
  { name: 'az', machine: azMachine, description: 'an availability-zone failure domain' },
  { name: 'storage-node', machine: storageNodeMachine, description: 'a storage-node failure domain' },
  { name: 'heartbeat-monitor', machine: monitorMachine, description: 'the heartbeat demo’s health monitor' },
  { name: 'heartbeat-responder', machine: responderMachine, description: 'the heartbeat demo’s watched node' },
  { name: 'global-region', machine: globalRegionMachine, description: 'a Global Database region: primary, secondary (replicating, lagging, cut off), promotion and rejoining' },
  { name: 'global-applier', machine: globalApplierMachine, description: 'a Global Database region’s replication agent: the shipped redo written with its own quorum writes; the volume claimed to follow a new primary' },
  { name: 'object-store', machine: objectStoreMachine, description: 'the region’s object store (S3): staged log and page snapshots of the continuous backup, throttling and outages' },
  { name: 'restore-job', machine: restoreJobMachine, description: 'a point-in-time restore: the new volume’s PGs fetched from the object store in parallel, then its writer opened at the restore point' },
  { name: 'write-forwarder', machine: writeForwarderMachine, description: 'a Global Database secondary’s write forwarding: writes to the primary, reads at the session’s read consistency' },
  { name: 'serverless-scaler', machine: serverlessScalerMachine, description: 'an Aurora Serverless v2 instance’s capacity: the decider once a second, auto-pause and resume, tiers 0–1 with the writer' },
  { name: 'front-door', machine: frontDoorMachine, description: 'a cluster’s connection handling: the security group, TLS and IAM authentication at connect; statements only on open connections' },
  { name: 'mirrored-instance', machine: mirroredInstanceMachine, description: 'the mirrored-MySQL baseline’s MySQL instance: primary (group commit, checkpointer, block-level mirroring to the standby) or standby (promoted on failover)' },
  { name: 'ebs-volume', machine: ebsVolumeMachine, description: 'the mirrored-MySQL baseline’s EBS volume: each block write on its device and its mirror before it is acknowledged' },
  { name: 'binlog-replica', machine: binlogReplicaMachine, description: 'the mirrored-MySQL baseline’s binlog read replica: relay log and one SQL thread applying in order' },
  { name: 'mm-writer', machine: mmWriterMachine, description: 'a multi-writer cluster’s writer: page changes voted by storage, deadlock and rollback on a lost page, commits shipped to the other writers' },
];

/** A JSON value (what the exported config is made of). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The parts of xstate's StateNode this file reads (its public, documented fields). */
interface Node {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  history: false | 'shallow' | 'deep';
  parent?: Node;
  states: Record<string, Node>;
  config: { id?: string; initial?: unknown; description?: string };
  initial: { target: readonly Node[] };
  transitions: Map<string, readonly Transition[]>;
  always?: readonly Transition[];
  entry: readonly unknown[];
  exit: readonly unknown[];
  tags: readonly string[];
  invoke: readonly { src: unknown; id: string }[];
  description?: string;
}

interface Transition {
  eventType: string;
  target?: readonly Node[];
  guard?: unknown;
  actions: readonly unknown[];
  reenter: boolean;
  delay?: unknown;
  description?: string;
}

const AFTER_PREFIX = 'xstate.after.';

/** An action, guard or delay reference as JSON: its name, or `null` for an inline function. */
function reference(value: unknown): Json {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'function' || value === undefined) return null;
  if (typeof value === 'object' && value !== null && 'type' in value) {
    const { type, params } = value as { type: unknown; params?: unknown };
    if (typeof type !== 'string') return null;
    // Static params are part of the chart; params computed from context and event are not.
    return params === undefined || typeof params === 'function' ? { type } : { type, params: JSON.parse(JSON.stringify(params)) as Json };
  }
  return null;
}

/**
 * The timer xstate adds for an `after` transition: a delayed raise on entry and its cancel on exit
 * of the state, with the transition's event type as id. The config's `after` already says so.
 */
function isAfterTimer(action: unknown): boolean {
  if (typeof action !== 'function') return false;
  const builtIn = action as unknown as { type?: unknown; id?: unknown; sendId?: unknown };
  const timerId = builtIn.type === 'xstate.raise' ? builtIn.id : builtIn.type === 'xstate.cancel' ? builtIn.sendId : undefined;
  return typeof timerId === 'string' && timerId.startsWith(AFTER_PREFIX);
}

function transitionConfig(transition: Transition): Json {
  const config: { [key: string]: Json } = {};
  const targets = transition.target ?? [];
  if (targets.length === 1) config.target = `#${(targets[0] as Node).id}`;
  else if (targets.length > 1) config.target = targets.map((target) => `#${target.id}`);
  if (transition.guard !== undefined) config.guard = reference(transition.guard);
  if (transition.actions.length > 0) config.actions = transition.actions.map(reference);
  if (transition.reenter) config.reenter = true;
  if (transition.description !== undefined) config.description = transition.description;
  return config;
}

function nodeConfig(node: Node): { [key: string]: Json } {
  const config: { [key: string]: Json } = {};
  if (node.parent === undefined || node.config.id !== undefined) config.id = node.id;
  if (node.type === 'parallel' || node.type === 'final' || node.type === 'history') config.type = node.type;
  if (node.type === 'history') config.history = node.history === false ? 'shallow' : node.history;
  if (node.type === 'compound') config.initial = (node.initial.target[0] as Node).key;
  if (node.description !== undefined) config.description = node.description;
  if (node.tags.length > 0) config.tags = [...node.tags];
  const entry = node.entry.filter((action) => !isAfterTimer(action));
  const exit = node.exit.filter((action) => !isAfterTimer(action));
  if (entry.length > 0) config.entry = entry.map(reference);
  if (exit.length > 0) config.exit = exit.map(reference);
  if (node.invoke.length > 0) config.invoke = node.invoke.map((invoke) => ({ id: invoke.id, src: reference(invoke.src) }));
  const on: { [key: string]: Json } = {};
  const after: { [key: string]: Json } = {};
  for (const [eventType, transitions] of node.transitions) {
    if (eventType.startsWith(AFTER_PREFIX)) {
      for (const transition of transitions) {
        const delay = reference(transition.delay);
        const key = delay === null ? 'null' : typeof delay === 'object' ? JSON.stringify(delay) : String(delay);
        after[key] = [...((after[key] as Json[] | undefined) ?? []), transitionConfig(transition)];
      }
    } else {
      on[eventType] = transitions.map(transitionConfig);
    }
  }
  if (Object.keys(on).length > 0) config.on = on;
  if (Object.keys(after).length > 0) config.after = after;
  if (node.always !== undefined && node.always.length > 0) config.always = node.always.map(transitionConfig);
  if (Object.keys(node.states).length > 0) {
    const states: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(node.states)) states[key] = nodeConfig(child);
    config.states = states;
  }
  return config;
}

/**
 * The machine's structure as an xstate machine config: `createMachine(statechartConfig(m))`
 * rebuilds the same states and transitions, naming the same actions, guards and delays (their
 * implementations are the machine's own, given again with `.provide`). Targets are absolute
 * (`#segment.online.up`), so every state id appears as written.
 */
export function statechartConfig(machine: AnyStateMachine): { [key: string]: Json } {
  return nodeConfig(machine.root as unknown as Node);
}

/** Every state id of the machine, the root's first, in document order. */
export function stateIdsOf(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: Node): void => {
    ids.push(node.id);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as Node);
  return ids;
}

/** Every transition of the machine: `on`, `after` and `always`, of every state. */
export function transitionCountOf(machine: AnyStateMachine): number {
  let count = 0;
  const walk = (node: Node): void => {
    for (const transitions of node.transitions.values()) count += transitions.length;
    count += node.always?.length ?? 0;
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as Node);
  return count;
}

/** A Mermaid node id for a state id (Mermaid ids take letters, digits and `_`). */
function mermaidId(stateId: string): string {
  return stateId.replace(/[^A-Za-z0-9]/g, '_');
}

function referenceName(value: unknown): string {
  const ref = reference(value);
  if (typeof ref === 'string' || typeof ref === 'number') return String(ref);
  if (ref !== null && typeof ref === 'object' && !Array.isArray(ref) && typeof ref.type === 'string') return ref.type;
  return 'inline';
}

/** The label of a transition: its event (`after <delay>`, `always`) and its guard in brackets. */
function transitionLabel(transition: Transition, eventless: boolean): string {
  const event = eventless
    ? 'always'
    : transition.eventType.startsWith(AFTER_PREFIX)
      ? `after ${referenceName(transition.delay)}`
      : transition.eventType;
  return transition.guard === undefined ? event : `${event} [${referenceName(transition.guard)}]`;
}

/** The ancestors of `node` from the root down to `node` itself. */
function pathOf(node: Node): Node[] {
  const path: Node[] = [];
  for (let at: Node | undefined = node; at !== undefined; at = at.parent) path.unshift(at);
  return path;
}

/**
 * The machine as a Mermaid `stateDiagram-v2`: compound states are composite states, each state is
 * labelled with its full state id, each transition with its event type and, when guarded, its
 * guard in brackets (`gossipPush [caughtUp]`). A transition without a target (actions only) is a
 * loop on its state. Mermaid draws a transition only between states of one composite, so one that
 * crosses a composite's border is drawn between the ancestors that share one, its label naming
 * the states it really joins.
 */
export function statechartMermaid(machine: AnyStateMachine): string {
  const root = machine.root as unknown as Node;
  const seen = new Map<string, string>();
  for (const id of stateIdsOf(machine)) {
    const mid = mermaidId(id);
    const other = seen.get(mid);
    if (other !== undefined) throw new Error(`statechartMermaid: states ${other} and ${id} of ${machine.id} would share the Mermaid id ${mid}`);
    seen.set(mid, id);
  }
  // The edges of each composite (by its id), drawn inside its block.
  const edges = new Map<string, string[]>();
  const addEdge = (source: Node, target: Node | undefined, label: string): void => {
    const to = target ?? source;
    const sourcePath = pathOf(source);
    const targetPath = pathOf(to);
    // The scope is the deepest state that is a proper ancestor of both ends.
    let depth = 0;
    while (depth + 2 < sourcePath.length && depth + 2 < targetPath.length && sourcePath[depth + 1] === targetPath[depth + 1]) depth++;
    const scope = sourcePath[depth] as Node;
    const from = sourcePath[depth + 1] as Node;
    const into = targetPath[depth + 1] as Node;
    const lifted = from !== source || into !== to;
    const text = lifted ? `${label} (${source.id} → ${to.id})` : label;
    const list = edges.get(scope.id) ?? [];
    list.push(`${mermaidId(from.id)} --> ${mermaidId(into.id)} : ${text}`);
    edges.set(scope.id, list);
  };
  const draw = (node: Node, transition: Transition, eventless: boolean): void => {
    const label = transitionLabel(transition, eventless);
    // A transition of the machine itself applies in every top-level state: it is drawn from each.
    const sources = node === root ? Object.values(root.states) : [node];
    const suffix = node === root ? ` (on ${root.id})` : '';
    for (const source of sources) {
      const targets = transition.target ?? [];
      if (targets.length === 0) addEdge(source, undefined, label + suffix);
      for (const target of targets) addEdge(source, target, label + suffix);
    }
  };
  const collect = (node: Node): void => {
    if (node.type === 'parallel') throw new Error(`statechartMermaid: ${node.id} is a parallel state; Mermaid regions are not drawn`);
    for (const transitions of node.transitions.values()) for (const transition of transitions) draw(node, transition, false);
    for (const transition of node.always ?? []) draw(node, transition, true);
    for (const child of Object.values(node.states)) collect(child);
  };
  collect(root);
  // States by tag (e.g. `offline`: the host marks the actor down on the network), as Mermaid classes.
  const tagged = new Map<string, string[]>();
  const collectTags = (node: Node): void => {
    for (const tag of node.tags) tagged.set(tag, [...(tagged.get(tag) ?? []), mermaidId(node.id)]);
    for (const child of Object.values(node.states)) collectTags(child);
  };
  collectTags(root);

  const lines: string[] = ['---', `title: ${root.id}`, '---', 'stateDiagram-v2'];
  const block = (node: Node, indent: string): void => {
    const children = Object.values(node.states);
    for (const child of children) lines.push(`${indent}state "${child.id}" as ${mermaidId(child.id)}`);
    for (const child of children) {
      if (Object.keys(child.states).length === 0) continue;
      lines.push(`${indent}state ${mermaidId(child.id)} {`);
      block(child, indent + '  ');
      lines.push(`${indent}}`);
    }
    if (node.type === 'compound') lines.push(`${indent}[*] --> ${mermaidId((node.initial.target[0] as Node).id)}`);
    for (const child of children) if (child.type === 'final') lines.push(`${indent}${mermaidId(child.id)} --> [*]`);
    for (const edge of edges.get(node.id) ?? []) lines.push(indent + edge);
  };
  block(root, '  ');
  for (const [tag, ids] of tagged) {
    const name = `tag_${mermaidId(tag)}`;
    lines.push(`  classDef ${name} stroke-dasharray: 4 4`, `  class ${ids.join(',')} ${name}`);
  }
  return lines.join('\n') + '\n';
}

/** One state of {@link StatechartGraph}. */
export interface StatechartGraphState {
  /** The full state id, e.g. `segment.online.up` (the machine's root is the machine id). */
  readonly id: string;
  /** The parent's id; absent for the root. */
  readonly parent?: string;
  /** The state's own key, e.g. `up`. */
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The initial child's id, for a compound state. */
  readonly initial?: string;
  readonly tags: readonly string[];
}

/** One edge of {@link StatechartGraph}: every transition from `source` to `target`, merged. */
export interface StatechartGraphEdge {
  readonly source: string;
  readonly target: string;
  /** Each transition's label (`healthPing`, `gossipPush [caughtUp]`, `after 200`, `always`), in document order. */
  readonly events: readonly string[];
}

/** A machine as a plain graph, for drawing (the viewer lays it out, src/viz/statechart-layout.ts). */
export interface StatechartGraph {
  readonly id: string;
  readonly states: readonly StatechartGraphState[];
  readonly edges: readonly StatechartGraphEdge[];
}

/**
 * The machine as states and edges. Unlike the Mermaid diagram, an edge keeps its real ends, even
 * across a compound state's border, and all transitions between one pair of states are one edge
 * (a segment has a dozen self-loops in `online`; one loop with their list reads better). A
 * transition without a target (actions only) is a loop on its state; one of the machine itself
 * starts at the root.
 */
export function statechartGraph(machine: AnyStateMachine): StatechartGraph {
  const root = machine.root as unknown as Node;
  const states: StatechartGraphState[] = [];
  const edges = new Map<string, { source: string; target: string; events: string[] }>();
  const add = (source: string, target: string, label: string): void => {
    const key = `${source}\u0000${target}`;
    const edge = edges.get(key) ?? { source, target, events: [] };
    if (!edge.events.includes(label)) edge.events.push(label);
    edges.set(key, edge);
  };
  const walk = (node: Node): void => {
    states.push({
      id: node.id,
      ...(node.parent === undefined ? {} : { parent: node.parent.id }),
      key: node.key,
      type: node.type,
      ...(node.type === 'compound' ? { initial: (node.initial.target[0] as Node).id } : {}),
      tags: [...node.tags],
    });
    const draw = (transition: Transition, eventless: boolean): void => {
      const label = transitionLabel(transition, eventless);
      const targets = transition.target ?? [];
      if (targets.length === 0) add(node.id, node.id, label);
      for (const target of targets) add(node.id, target.id, label);
    };
    for (const transitions of node.transitions.values()) for (const transition of transitions) draw(transition, false);
    for (const transition of node.always ?? []) draw(transition, true);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(root);
  return { id: root.id, states, edges: [...edges.values()] };
}
