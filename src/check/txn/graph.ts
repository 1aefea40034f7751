/**
 * The dependency graph of a transactional history (Adya, "Weak Consistency", 1999, §3; the way
 * Elle infers it from a history): nodes are transactions, edges
 *
 * - **ww** from one version of a key to the next: the single writer's commit order (`commitLsn`,
 *   SIGMOD'17 §4.2.2: LSNs are allocated in commit order) among acknowledged transactions;
 * - **wr** from the writer of a value to each transaction that read it (values are unique per
 *   write, so a read names its writer);
 * - **rw** (anti-dependency) from a transaction that read version v of a key to the writer of the
 *   key's next version;
 * - **rt** (real time) from a transaction that completed to each one invoked after it, kept
 *   transitively reduced (Elle's frontier construction), for strict serializability.
 *
 * Nodes are the writer's transactions that committed (`ok`) plus those whose outcome is unknown
 * (`info`) when some read observed one of their writes. An `info` transaction has no commit LSN, so
 * its writes join no version order: it gets wr edges and real-time edges in, never ww or rw edges;
 * fewer edges can only hide a cycle, never invent one. Transactions a replica served are judged
 * apart (replica-snapshot.ts). Reads that name no possible writer are reported here as they are
 * met: G1a (read of a failed transaction's write), G1b (read of an intermediate write), internal
 * (a read that misses the transaction's own earlier write), garbage (no transaction wrote it).
 */
import type { MicroOp } from './history.js';
import type { Txn } from './transactions.js';

/** Edge kinds as bits, so one pair of nodes carries every kind that links them. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const RT = 8;

/** A read the checker could not explain by a committed write. */
export interface ReadAnomaly {
  readonly class: 'G1a' | 'G1b' | 'internal' | 'garbage-read' | 'duplicate-write';
  readonly txn: number;
  readonly op: MicroOp;
  /** The transaction that wrote the value, when there is one. */
  readonly writer?: number;
}

/** Where a value came from: its writer (index into `txns`) and whether it is that writer's last write of the key. */
interface Written {
  readonly txn: number;
  readonly final: boolean;
}

/** The versions of each key and who wrote each value; shared with the replica check. */
export interface Versions {
  /** Writer of each (key, value), keyed `key\u0000value`. */
  readonly writers: ReadonlyMap<string, Written>;
  /** Per key, the writers (indexes into `txns`) of its versions in commit order. */
  readonly order: ReadonlyMap<string, readonly number[]>;
  /** Each ordered writer's position in commit order (1-based). */
  readonly position: ReadonlyMap<number, number>;
  /** A writer's place in one key's order, keyed `key\u0000writer`. */
  readonly rank: ReadonlyMap<string, number>;
  /** Values written twice: reads of them name no single writer. */
  readonly duplicates: readonly ReadAnomaly[];
}

const kv = (key: string, value: string): string => `${key}\u0000${value}`;

/** True if the transaction's writes took effect in the writer's commit order (acknowledged, with a commit LSN). */
export const isOrdered = (txn: Txn): boolean => txn.status === 'ok' && (txn.commitLsn ?? 0) > 0;

/** Indexes every write, and orders the acknowledged ones by commit LSN. */
export function versionsOf(txns: readonly Txn[]): Versions {
  const writers = new Map<string, Written>();
  const duplicates: ReadAnomaly[] = [];
  txns.forEach((txn, index) => {
    const last = new Map<string, string>();
    for (const op of txn.ops) if (op[0] === 'w') last.set(op[1], op[2]);
    for (const op of txn.ops) {
      if (op[0] !== 'w') continue;
      const id = kv(op[1], op[2]);
      const previous = writers.get(id);
      if (previous !== undefined && previous.txn !== index) duplicates.push({ class: 'duplicate-write', txn: index, op, writer: previous.txn });
      writers.set(id, { txn: index, final: last.get(op[1]) === op[2] });
    }
  });
  const ordered = txns.map((txn, index) => ({ txn, index })).filter(({ txn }) => isOrdered(txn));
  ordered.sort((a, b) => (a.txn.commitLsn as number) - (b.txn.commitLsn as number));
  const order = new Map<string, number[]>();
  const position = new Map<number, number>();
  const rank = new Map<string, number>();
  ordered.forEach(({ txn, index }, i) => {
    position.set(index, i + 1);
    const keys = new Set<string>();
    for (const op of txn.ops) if (op[0] === 'w') keys.add(op[1]);
    for (const key of keys) {
      const list = order.get(key) ?? [];
      rank.set(`${key}\u0000${index}`, list.length);
      list.push(index);
      order.set(key, list);
    }
  });
  return { writers, order, position, rank, duplicates };
}

/** The graph: out-edges per node as (target → kind bits), and one key per (edge, kind) to report. */
export interface DependencyGraph {
  readonly nodes: readonly number[];
  readonly out: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** The key behind an edge of one kind, keyed `from:to:kind`. */
  readonly keys: ReadonlyMap<string, string>;
  readonly readAnomalies: readonly ReadAnomaly[];
}

class GraphBuilder {
  readonly out = new Map<number, Map<number, number>>();
  readonly keys = new Map<string, string>();

  add(from: number, to: number, kind: number, key?: string): void {
    if (from === to) return;
    const edges = this.out.get(from) ?? new Map<number, number>();
    edges.set(to, (edges.get(to) ?? 0) | kind);
    this.out.set(from, edges);
    if (key !== undefined && !this.keys.has(`${from}:${to}:${kind}`)) this.keys.set(`${from}:${to}:${kind}`, key);
  }
}

/**
 * What one read says: the anomaly it shows, or its writer (undefined: the initial version) and the
 * writer of the key's next version in commit order (for the rw edge), if known.
 */
export function explainRead(
  versions: Versions,
  txns: readonly Txn[],
  reader: number,
  key: string,
  value: string | null,
): { anomaly: ReadAnomaly['class'] } | { writer: number | undefined; next: number | undefined } {
  const order = versions.order.get(key) ?? [];
  if (value === null) return { writer: undefined, next: order[0] };
  const written = versions.writers.get(kv(key, value));
  if (written === undefined) return { anomaly: 'garbage-read' };
  const writer = txns[written.txn] as Txn;
  if (writer.status === 'fail') return { anomaly: 'G1a' };
  if (!written.final) return { anomaly: 'G1b' };
  if (written.txn === reader) return { anomaly: 'internal' };
  const at = versions.rank.get(`${key}\u0000${written.txn}`);
  return { writer: written.txn, next: at === undefined ? undefined : order[at + 1] };
}

/** Builds the graph over the writer's transactions (indexes `members` into `txns`); see the file header. */
export function buildGraph(txns: readonly Txn[], versions: Versions, members: readonly number[]): DependencyGraph {
  const graph = new GraphBuilder();
  const readAnomalies: ReadAnomaly[] = [...versions.duplicates];
  const observedInfo = new Set<number>();
  for (const reader of members) {
    const txn = txns[reader] as Txn;
    if (txn.status !== 'ok') continue;
    const own = new Map<string, string>();
    for (const op of txn.ops) {
      if (op[0] === 'w') {
        own.set(op[1], op[2]);
        continue;
      }
      const [, key, value] = op;
      const mine = own.get(key);
      if (mine !== undefined) {
        if (value !== mine) readAnomalies.push({ class: 'internal', txn: reader, op });
        continue;
      }
      const read = explainRead(versions, txns, reader, key, value);
      if ('anomaly' in read) {
        const written = value === null ? undefined : versions.writers.get(kv(key, value));
        readAnomalies.push({ class: read.anomaly, txn: reader, op, ...(written === undefined ? {} : { writer: written.txn }) });
        continue;
      }
      if (read.writer !== undefined) {
        graph.add(read.writer, reader, WR, key);
        if ((txns[read.writer] as Txn).status === 'info') observedInfo.add(read.writer);
      }
      if (read.next !== undefined) graph.add(reader, read.next, RW, key);
    }
  }
  for (const [key, order] of versions.order) {
    for (let i = 1; i < order.length; i++) graph.add(order[i - 1] as number, order[i] as number, WW, key);
  }
  const nodes = members.filter((index) => (txns[index] as Txn).status === 'ok' || observedInfo.has(index));
  addRealTime(graph, txns, nodes);
  return { nodes, out: graph.out, keys: graph.keys, readAnomalies };
}

/**
 * Real-time edges, transitively reduced: walking the history, an invoked transaction gets an edge
 * from each transaction on the frontier (completed, and not yet followed by a later completion
 * that depended on it); a completion replaces on the frontier the transactions it had edges from.
 */
function addRealTime(graph: GraphBuilder, txns: readonly Txn[], nodes: readonly number[]): void {
  const events: { at: number; index: number; kind: 'invoke' | 'complete' }[] = [];
  for (const index of nodes) {
    const txn = txns[index] as Txn;
    events.push({ at: txn.invokeAt, index, kind: 'invoke' });
    if (txn.completeAt !== undefined) events.push({ at: txn.completeAt, index, kind: 'complete' });
  }
  events.sort((a, b) => a.at - b.at);
  let frontier = new Set<number>();
  const before = new Map<number, Set<number>>();
  for (const event of events) {
    if (event.kind === 'invoke') {
      for (const from of frontier) graph.add(from, event.index, RT);
      before.set(event.index, frontier);
    } else {
      const next = new Set<number>();
      const covered = before.get(event.index) ?? new Set<number>();
      for (const index of frontier) if (!covered.has(index)) next.add(index);
      next.add(event.index);
      frontier = next;
      before.delete(event.index);
    }
  }
}
