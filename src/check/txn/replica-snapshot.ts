/**
 * Transactions a replica served (entries with `readPoint`/`replica`), judged as what Aurora
 * promises of them (SIGMOD'17 §4.2.4; docs/semantics.md, "Isolation"): each one's reads are one
 * snapshot, the state after some prefix of the writer's commit order (a VDL), and each session's
 * (Jepsen process's) snapshots never go back: the prefix is at or after the one its previous replica
 * transaction saw. They may be stale — a replica lags — so they take no part in real-time order.
 *
 * Each read bounds the prefix: a read of the initial version (null) to before the key's first
 * commit, a read of version v to [v's commit, the next version's commit). The checker reads no
 * `readPoint`: it finds the prefix from the values alone, the smallest one the session allows.
 * Reads of a value whose writer has no place in the commit order (an `info` transaction) bound
 * nothing.
 */
import type { MicroOp } from './history.js';
import type { ReadAnomaly, Versions } from './graph.js';
import { explainRead } from './graph.js';
import type { Txn } from './transactions.js';

/** What a replica transaction violated. */
export interface ReplicaAnomaly {
  /** `replica-snapshot`: no one prefix explains its reads; `replica-monotonic`: only prefixes older than the session's last. */
  readonly class: 'replica-snapshot' | 'replica-monotonic';
  readonly txn: number;
  /** The prefixes its reads allow, [lowest, highest] commit positions, and the session's last. */
  readonly allowed: readonly [number, number];
  readonly sessionPrefix: number;
  readonly ops: readonly MicroOp[];
}

/** Judges the replica transactions `members` (indexes into `txns`); returns what they violated. */
export function checkReplicaSnapshots(
  txns: readonly Txn[],
  versions: Versions,
  members: readonly number[],
): { anomalies: ReplicaAnomaly[]; readAnomalies: ReadAnomaly[] } {
  const anomalies: ReplicaAnomaly[] = [];
  const readAnomalies: ReadAnomaly[] = [];
  const sessionPrefix = new Map<number, number>();
  const positionOf = (index: number | undefined): number => (index === undefined ? Infinity : (versions.position.get(index) ?? Infinity));
  for (const index of members) {
    const txn = txns[index] as Txn;
    if (txn.status !== 'ok') continue;
    let lowest = 0;
    let highest = versions.position.size;
    for (const op of txn.ops) {
      if (op[0] !== 'r') continue;
      const read = explainRead(versions, txns, index, op[1], op[2]);
      if ('anomaly' in read) {
        readAnomalies.push({ class: read.anomaly, txn: index, op });
        continue;
      }
      const from = read.writer === undefined ? 0 : versions.position.get(read.writer);
      if (from === undefined) continue; // an info transaction's write: no place in the order
      lowest = Math.max(lowest, from);
      highest = Math.min(highest, positionOf(read.next) - 1);
    }
    const last = sessionPrefix.get(txn.process) ?? 0;
    if (lowest > highest) {
      anomalies.push({ class: 'replica-snapshot', txn: index, allowed: [lowest, highest], sessionPrefix: last, ops: txn.ops });
      continue;
    }
    if (highest < last) {
      anomalies.push({ class: 'replica-monotonic', txn: index, allowed: [lowest, highest], sessionPrefix: last, ops: txn.ops });
      continue;
    }
    sessionPrefix.set(txn.process, Math.max(lowest, last));
  }
  return { anomalies, readAnomalies };
}
