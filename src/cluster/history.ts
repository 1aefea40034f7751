/**
 * The client history: every operation's invoke and its outcome, in the operation format Jepsen,
 * Knossos and Porcupine users know (docs/history-format.md, "Jepsen's conventions"), so outside
 * checkers can judge our runs.
 *
 * `ok` = the commit was acknowledged; `fail` = it certainly took no effect; `info` = the client
 * never learnt the outcome (it may or may not have taken effect). Each entry is also written to
 * the trace as a `client` event.
 *
 * Memory: the recorder keeps every entry (`entries`) unless told not to (`keepEntries: false`),
 * then hands each to a sink instead. Either way it keeps what the report needs, and only that:
 * counts per outcome and one (invoke time, latency) pair per acknowledged write, in typed arrays
 * (16 bytes a commit instead of two entry objects), plus the invoke times of the transactions
 * still open, which the clients' concurrency bounds.
 */
import type { Trace } from '../kernel/trace.js';

/** Nanoseconds per virtual millisecond: history `time` is in nanoseconds, as in Jepsen. */
export const HISTORY_NS_PER_MS = 1_000_000;

/** A micro-op in Jepsen's names: a read `['r', key, value]` (null: not known yet, or never written) or a write. */
export type HistoryMicroOp = ['r', string, string | null] | ['w', string, string];

/** One history entry (`--history out.jsonl` writes one per line). */
export interface HistoryEntry {
  index: number;
  /** Jepsen process id: a process that ends in `info` never issues again. */
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: 'txn';
  /** The transaction's micro-ops `[f, key, value]`; on `ok`, reads carry the value read. */
  value: HistoryMicroOp[];
  /** Virtual time in integer nanoseconds (Jepsen's `:time`); {@link entryTimeMs} gives milliseconds. */
  time: number;
  /** The client endpoint. */
  node: string;
  /** The transaction id (also on the writer's records), to join with storage. */
  txnId: number;
  /** On `ok`: LSN of the commit record (0 for a read-only transaction). */
  commitLsn?: number;
  /**
   * On `ok` of a transaction a replica served (reader endpoint): the read point every get saw,
   * the replica's applied VDL (S13 compares the values with the commits at or below it).
   */
  readPoint?: number;
  /** On `ok` with a `readPoint`: the replica that served it. */
  replica?: string;
  /** On `fail` / `info`: why. */
  error?: string;
}

/** Options of `HistoryRecorder`. */
export interface HistoryRecorderOptions {
  /**
   * Keep every entry in memory (`entries`). A long run that streams its history to `sink` (or
   * needs only the counts and latencies) turns it off, and `entries` stays empty.
   * @defaultValue true
   */
  keepEntries?: boolean;
  /** Receives each entry as it is recorded, e.g. to write `--history` while the run goes. */
  sink?: (entry: HistoryEntry) => void;
}

/** Entries so far by outcome type (`invoke` counts transactions issued). */
export type HistoryCounts = Record<HistoryEntry['type'], number>;

/**
 * Commit latencies of acknowledged write transactions: invoke time and latency, both virtual ms,
 * in the order acknowledged. Grows by 16 bytes a commit, doubling its arrays.
 */
class CommitLatencies {
  private invokedAtMs = new Float64Array(1024);
  private latencyMs = new Float64Array(1024);
  private count = 0;

  add(invokedAtMs: number, latencyMs: number): void {
    if (this.count === this.invokedAtMs.length) {
      const grown = this.count * 2;
      const invoked = new Float64Array(grown);
      invoked.set(this.invokedAtMs);
      const latency = new Float64Array(grown);
      latency.set(this.latencyMs);
      this.invokedAtMs = invoked;
      this.latencyMs = latency;
    }
    this.invokedAtMs[this.count] = invokedAtMs;
    this.latencyMs[this.count] = latencyMs;
    this.count++;
  }

  /** Latencies of commits invoked in [fromMs, toMs), ascending. */
  sorted(fromMs: number, toMs: number): number[] {
    const latencies: number[] = [];
    for (let index = 0; index < this.count; index++) {
      const invokedAtMs = this.invokedAtMs[index] as number;
      if (invokedAtMs >= fromMs && invokedAtMs < toMs) latencies.push(this.latencyMs[index] as number);
    }
    return latencies.sort((a, b) => a - b);
  }
}

/** Appends history entries and mirrors them into the trace. */
export class HistoryRecorder {
  /** Every entry, in order; empty when `keepEntries` is false. */
  readonly entries: HistoryEntry[] = [];
  /** Entries recorded so far, by type. */
  readonly counts: HistoryCounts = { invoke: 0, ok: 0, fail: 0, info: 0 };
  private recorded = 0;
  private readonly keepEntries: boolean;
  private readonly sink: ((entry: HistoryEntry) => void) | undefined;
  /** Invoke time of each transaction still open (no outcome yet). */
  private readonly openInvokedAtMs = new Map<number, number>();
  private readonly latencies = new CommitLatencies();

  constructor(
    private readonly trace: Trace | undefined,
    /** Called with each entry as it is recorded (the simulation's `history$` stream). */
    private readonly onEntry?: (entry: HistoryEntry) => void,
    options: HistoryRecorderOptions = {},
  ) {
    this.keepEntries = options.keepEntries ?? true;
    this.sink = options.sink;
  }

  /** Entries recorded so far, kept or not. */
  get length(): number {
    return this.recorded;
  }

  /** Records an entry at virtual time `atMs`; `index` and `time` are assigned here. */
  record(entry: Omit<HistoryEntry, 'index' | 'time'>, atMs: number): HistoryEntry {
    const full: HistoryEntry = { index: this.recorded++, ...entry, time: Math.round(atMs * HISTORY_NS_PER_MS) };
    if (this.keepEntries) this.entries.push(full);
    this.tally(full, atMs);
    this.trace?.record({
      kind: 'client',
      atMs,
      type: entry.type,
      process: entry.process,
      f: entry.f,
      // The trace keeps the writer's names for ops (`get`/`put`, `TxnOp` in models/messages.ts),
      // so the trace hash of a run did not change when the history took Jepsen's names.
      value: { txnId: entry.txnId, ops: entry.value.map(([f, key, value]) => [f === 'w' ? 'put' : 'get', key, value]), commitLsn: entry.commitLsn, error: entry.error, readPoint: entry.readPoint, replica: entry.replica },
    });
    this.sink?.(full);
    this.onEntry?.(full);
    return full;
  }

  /**
   * Commit latencies (virtual ms, ascending) of acknowledged write transactions (commit LSN > 0),
   * optionally only those invoked in [fromMs, toMs). Kept whether or not entries are.
   */
  commitLatenciesMs(fromMs = 0, toMs = Infinity): number[] {
    return this.latencies.sorted(fromMs, toMs);
  }

  private tally(entry: HistoryEntry, atMs: number): void {
    this.counts[entry.type]++;
    if (entry.type === 'invoke') {
      this.openInvokedAtMs.set(entry.txnId, atMs);
      return;
    }
    const invokedAtMs = this.openInvokedAtMs.get(entry.txnId);
    // An outcome closes its transaction: the open table holds only transactions in flight.
    this.openInvokedAtMs.delete(entry.txnId);
    if (entry.type === 'ok' && (entry.commitLsn ?? 0) > 0 && invokedAtMs !== undefined) this.latencies.add(invokedAtMs, atMs - invokedAtMs);
  }
}

/** An entry's virtual time in milliseconds (to nanosecond precision). */
export function entryTimeMs(entry: Pick<HistoryEntry, 'time'>): number {
  return entry.time / HISTORY_NS_PER_MS;
}
