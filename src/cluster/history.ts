/**
 * The client history: every operation's invoke and its outcome, in the operation format Jepsen,
 * Knossos and Porcupine users know (ARCHITECTURE §5), so outside checkers can judge our runs.
 *
 * `ok` = the commit was acknowledged; `fail` = it certainly took no effect; `info` = the client
 * never learnt the outcome (it may or may not have taken effect). Each entry is also written to
 * the trace as a `client` event.
 */
import type { Trace } from '../kernel/trace.js';

/** One history entry (`--history out.jsonl` writes one per line). */
export interface HistoryEntry {
  index: number;
  /** Jepsen process id: a process that ends in `info` never issues again. */
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: 'txn';
  /** The transaction's micro-ops `[f, key, value]`; on `ok`, gets carry the value read. */
  value: [string, string, string | null][];
  timeMs: number;
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

/** Appends history entries and mirrors them into the trace. */
export class HistoryRecorder {
  readonly entries: HistoryEntry[] = [];

  constructor(
    private readonly trace: Trace | undefined,
    /** Called with each entry as it is recorded (the simulation's `history$` stream). */
    private readonly onEntry?: (entry: HistoryEntry) => void,
  ) {}

  /** Records an entry; `index` is assigned here. */
  record(entry: Omit<HistoryEntry, 'index'>): HistoryEntry {
    const full: HistoryEntry = { index: this.entries.length, ...entry };
    this.entries.push(full);
    this.trace?.record({
      kind: 'client',
      atMs: entry.timeMs,
      type: entry.type,
      process: entry.process,
      f: entry.f,
      value: { txnId: entry.txnId, ops: entry.value, commitLsn: entry.commitLsn, error: entry.error, readPoint: entry.readPoint, replica: entry.replica },
    });
    this.onEntry?.(full);
    return full;
  }
}
