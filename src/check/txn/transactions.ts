/**
 * From history entries to transactions: each invoke paired with its process's next outcome
 * (Jepsen: a process has at most one operation open). An invoke with no outcome by the end of the
 * history counts as `info`: it may or may not have taken effect.
 */
import type { MicroOp, TxnHistoryEntry } from './history.js';
import { normaliseMicroOp, timeNsOf } from './history.js';

/** One transaction of the history. */
export interface Txn {
  /** The entry's `txnId`, else the invoke's position in the history. */
  readonly id: number;
  readonly process: number;
  readonly status: 'ok' | 'fail' | 'info';
  /** The outcome's micro-ops for `ok` (reads carry values); the invoke's otherwise (reads unknown). */
  readonly ops: readonly MicroOp[];
  readonly invokeNs: number;
  /** Position of the invoke and of the outcome in the history (real-time order; none for `info`). */
  readonly invokeAt: number;
  readonly completeAt?: number;
  readonly commitLsn?: number;
  /** Set when a replica served it (entries with `readPoint`/`replica`): judged as a snapshot read. */
  readonly readPoint?: number;
  readonly replica?: string;
}

const opsOf = (entry: TxnHistoryEntry): MicroOp[] => {
  const ops: MicroOp[] = [];
  for (const raw of entry.value) {
    const op = normaliseMicroOp(raw);
    if (op !== undefined) ops.push(op);
  }
  return ops;
};

/** Pairs invokes with outcomes; see the file header. Transactions come in invoke order. */
export function transactionsOf(entries: readonly TxnHistoryEntry[]): Txn[] {
  const open = new Map<number, { entry: TxnHistoryEntry; at: number; slot: number }>();
  const txns: (Txn | undefined)[] = [];
  for (let at = 0; at < entries.length; at++) {
    const entry = entries[at] as TxnHistoryEntry;
    if (entry.type === 'invoke') {
      const previous = open.get(entry.process);
      if (previous !== undefined) txns[previous.slot] = infoOf(previous.entry, previous.at);
      open.set(entry.process, { entry, at, slot: txns.length });
      txns.push(undefined);
      continue;
    }
    const invoke = open.get(entry.process);
    if (invoke === undefined) continue; // an outcome without an invoke: nothing to pair it with
    open.delete(entry.process);
    txns[invoke.slot] =
      entry.type === 'info'
        ? infoOf(invoke.entry, invoke.at)
        : {
            id: invoke.entry.txnId ?? entry.txnId ?? invoke.at,
            process: entry.process,
            status: entry.type,
            ops: opsOf(entry.type === 'ok' ? entry : invoke.entry),
            invokeNs: timeNsOf(invoke.entry),
            invokeAt: invoke.at,
            completeAt: at,
            ...(entry.commitLsn === undefined ? {} : { commitLsn: entry.commitLsn }),
            ...(entry.readPoint === undefined && entry.replica === undefined ? {} : { readPoint: entry.readPoint ?? -1, replica: entry.replica ?? '' }),
          };
  }
  for (const invoke of open.values()) txns[invoke.slot] = infoOf(invoke.entry, invoke.at);
  return txns.filter((txn): txn is Txn => txn !== undefined);
}

function infoOf(invoke: TxnHistoryEntry, at: number): Txn {
  return { id: invoke.txnId ?? at, process: invoke.process, status: 'info', ops: opsOf(invoke), invokeNs: timeNsOf(invoke), invokeAt: at };
}
