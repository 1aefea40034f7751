/**
 * The transactional history checker: `checkTxnHistory(entries, { model })` builds the dependency
 * graph of the writer's transactions (graph.ts), finds and classifies its cycles (cycles.ts),
 * judges replica-served transactions as monotonic prefix snapshots (replica-snapshot.ts), and says
 * whether the history satisfies `model`. Every anomaly found is reported, forbidden or not, so a
 * run checked at the level the writer gives still names what the stronger levels would reject
 * (docs/semantics.md, "Isolation").
 *
 * What each model forbids (Adya 1999 §4–5; real time as in Elle):
 * - `read-committed` (PL-2): G0, G1a, G1b, G1c;
 * - `snapshot-isolation`: those and G-single (read skew, lost update); G2 (write skew) allowed.
 *   Without start timestamps this is the usual approximation from below: every G-single is an SI
 *   violation, but not every SI violation shows as one;
 * - `serializable` (PL-3): every cycle without real-time edges, G2 included;
 * - `strict-serializable`: every cycle, real-time edges included.
 * Every model also forbids reads no committed write explains (internal, garbage-read,
 * duplicate-write) and the replica classes (replica-snapshot, replica-monotonic).
 */
import { findCycles } from './cycles.js';
import type { CycleClass, CycleEdge } from './cycles.js';
import { buildGraph, versionsOf } from './graph.js';
import type { ReadAnomaly } from './graph.js';
import type { MicroOp, TxnHistoryEntry } from './history.js';
import { checkReplicaSnapshots } from './replica-snapshot.js';
import type { ReplicaAnomaly } from './replica-snapshot.js';
import type { Txn } from './transactions.js';
import { transactionsOf } from './transactions.js';

/** The consistency models the checker judges, strongest first. */
export const TXN_MODELS = ['strict-serializable', 'serializable', 'snapshot-isolation', 'read-committed'] as const;
export type TxnModel = (typeof TXN_MODELS)[number];

/** Every anomaly class the checker reports. */
export type AnomalyClass = CycleClass | ReadAnomaly['class'] | ReplicaAnomaly['class'];

const ALWAYS: readonly AnomalyClass[] = ['internal', 'garbage-read', 'duplicate-write', 'replica-snapshot', 'replica-monotonic'];
const READ_COMMITTED: readonly AnomalyClass[] = [...ALWAYS, 'G0', 'G1a', 'G1b', 'G1c'];
const SNAPSHOT_ISOLATION: readonly AnomalyClass[] = [...READ_COMMITTED, 'G-single'];
const SERIALIZABLE: readonly AnomalyClass[] = [...SNAPSHOT_ISOLATION, 'G2'];

/** The anomaly classes each model forbids. */
export const FORBIDDEN_BY_MODEL: Readonly<Record<TxnModel, readonly AnomalyClass[]>> = {
  'read-committed': READ_COMMITTED,
  'snapshot-isolation': SNAPSHOT_ISOLATION,
  serializable: SERIALIZABLE,
  'strict-serializable': [...SERIALIZABLE, 'G0-realtime', 'G1c-realtime', 'G-single-realtime', 'G2-realtime'],
};

/** One transaction of a reported anomaly: its id (`txnId`), process and micro-ops. */
export interface AnomalyTxn {
  readonly txnId: number;
  readonly process: number;
  readonly ops: readonly MicroOp[];
  readonly commitLsn?: number;
}

/** One step of a reported cycle: a transaction and the edge to the next one. */
export interface AnomalyStep extends AnomalyTxn {
  readonly edge: { readonly kind: CycleEdge['kind']; readonly key?: string; readonly toTxnId: number };
}

/** One anomaly: a cycle (`cycle` non-empty), or a read no committed write explains (`txns`). */
export interface TxnAnomaly {
  readonly class: AnomalyClass;
  /** Whether the checked model forbids it. */
  readonly forbidden: boolean;
  readonly cycle: readonly AnomalyStep[];
  /** For a read anomaly: the reader, then the writer if any. */
  readonly txns?: readonly AnomalyTxn[];
  /** For a read anomaly: the read. */
  readonly op?: MicroOp;
  /** For a replica anomaly: the commit-order prefixes its reads allow and the session's last. */
  readonly allowed?: readonly [number, number];
  readonly sessionPrefix?: number;
}

/** What the checker found; plain data (JSON-serialisable). */
export interface TxnVerdict {
  /** No anomaly the model forbids. */
  readonly ok: boolean;
  readonly model: TxnModel;
  /** Forbidden classes found, in the order of `FORBIDDEN_BY_MODEL`. */
  readonly violations: readonly AnomalyClass[];
  /** Anomalies found per class, forbidden or not (cycles counted once each). */
  readonly counts: Readonly<Partial<Record<AnomalyClass, number>>>;
  /** Examples: up to `examplesPerClass` per class. */
  readonly anomalies: readonly TxnAnomaly[];
  readonly transactions: { readonly ok: number; readonly fail: number; readonly info: number; readonly infoObserved: number; readonly replica: number };
  /** The cycle search stopped at its budget (`searchesMax`): counts are lower bounds. */
  readonly truncated: boolean;
}

/** Options of {@link checkTxnHistory}. */
export interface TxnCheckOptions {
  model: TxnModel;
  /** Examples kept per anomaly class. @defaultValue 10 */
  examplesPerClass?: number;
  /** Shortest-path searches for cycles, at most. @defaultValue 200000 */
  searchesMax?: number;
}

/** Checks a history against `options.model`; see the file header. */
export function checkTxnHistory(entries: readonly TxnHistoryEntry[], options: TxnCheckOptions): TxnVerdict {
  const forbidden = new Set(FORBIDDEN_BY_MODEL[options.model]);
  const examplesPerClass = options.examplesPerClass ?? 10;
  const txns = transactionsOf(entries);
  const versions = versionsOf(txns);
  const replica: number[] = [];
  const writer: number[] = [];
  txns.forEach((txn, index) => (txn.replica !== undefined ? replica : writer).push(index));
  const graph = buildGraph(txns, versions, writer);
  const { cycles, truncated } = findCycles(graph, options.searchesMax ?? 200_000);
  const replicas = checkReplicaSnapshots(txns, versions, replica);
  const counts: Partial<Record<AnomalyClass, number>> = {};
  const anomalies: TxnAnomaly[] = [];
  const found = (anomalyClass: AnomalyClass, anomaly: () => Omit<TxnAnomaly, 'class' | 'forbidden'>): void => {
    counts[anomalyClass] = (counts[anomalyClass] ?? 0) + 1;
    if ((counts[anomalyClass] as number) <= examplesPerClass) anomalies.push({ class: anomalyClass, forbidden: forbidden.has(anomalyClass), ...anomaly() });
  };
  const describe = (index: number): AnomalyTxn => {
    const txn = txns[index] as Txn;
    return { txnId: txn.id, process: txn.process, ops: txn.ops, ...(txn.commitLsn === undefined ? {} : { commitLsn: txn.commitLsn }) };
  };
  for (const cycle of cycles) {
    found(cycle.class, () => ({
      cycle: cycle.edges.map((edge) => ({ ...describe(edge.from), edge: { kind: edge.kind, ...(edge.key === undefined ? {} : { key: edge.key }), toTxnId: (txns[edge.to] as Txn).id } })),
    }));
  }
  for (const read of [...graph.readAnomalies, ...replicas.readAnomalies]) {
    found(read.class, () => ({ cycle: [], txns: [describe(read.txn), ...(read.writer === undefined ? [] : [describe(read.writer)])], op: read.op }));
  }
  for (const stale of replicas.anomalies) {
    found(stale.class, () => ({ cycle: [], txns: [describe(stale.txn)], allowed: stale.allowed, sessionPrefix: stale.sessionPrefix }));
  }
  const violations = FORBIDDEN_BY_MODEL[options.model].filter((anomalyClass) => (counts[anomalyClass] ?? 0) > 0);
  const count = (status: Txn['status']): number => txns.filter((txn) => txn.status === status).length;
  return {
    ok: violations.length === 0,
    model: options.model,
    violations,
    counts,
    anomalies,
    transactions: { ok: count('ok'), fail: count('fail'), info: count('info'), infoObserved: graph.nodes.filter((index) => (txns[index] as Txn).status === 'info').length, replica: replica.length },
    truncated,
  };
}
