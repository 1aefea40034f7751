/**
 * Register operations as `check-history` reads them from a history file, and the error a bad file
 * raises (docs/history-format.md).
 *
 * A history is a sequence of events in Jepsen's operation conventions: each client operation is
 * an `invoke` by a process, then at most one completion by the same process: `ok` (it took
 * effect, and a read carries the value it read), `fail` (it certainly took no effect) or `info`
 * (the client never learnt the outcome: it may or may not have taken effect, at any time after
 * its invoke). Pairing an invoke with its completion gives one {@link RegisterOperation}.
 */

/** A register's value: Jepsen's `nil` is `null`. */
export type RegisterValue = number | string | null;

/** The register functions: read, write, compare-and-set. */
export type RegisterF = 'read' | 'write' | 'cas';

/** The register functions, in the order error messages list them. */
export const REGISTER_FS: readonly RegisterF[] = ['read', 'write', 'cas'];

/** Jepsen's operation types, in the order error messages list them. */
export const OPERATION_TYPES = ['invoke', 'ok', 'fail', 'info'] as const;

/** One of Jepsen's operation types. */
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * An invoke paired with its completion.
 *
 * `outcome` is how it completed: `ok`; `fail` (took no effect; the checker drops it, except that
 * a failed compare-and-set may be read as "the comparison failed", see `failedCas` in
 * linearizability.ts); or `info` (never returned: an `info` completion, or no completion before
 * the history ends).
 */
export interface RegisterOperation {
  /** Position among the operations of its history, in invoke order (0, 1, …). */
  id: number;
  /** The history index of the invoke: its `index` field, or its event number (from 0) in a log. */
  index: number;
  /** The Jepsen process that issued it. */
  process: number;
  /** The register it acts on: `null` for a single-register history. */
  key: string | null;
  f: RegisterF;
  /**
   * read: the value read (`ok` only; `null` is nil); write: the value written; cas: `[from, to]`.
   */
  value: RegisterValue | readonly [RegisterValue, RegisterValue];
  outcome: 'ok' | 'fail' | 'info';
  /** File line (from 1) of the invoke. */
  invokeLine: number;
  /** File line of the completion; `null` when it never returned. */
  completeLine: number | null;
  /** The invoke's `time` (ns), when the history records times. */
  invokeTimeNs: number | null;
  /** The completion's `time` (ns); `null` when it never returned or the history records no times. */
  completeTimeNs: number | null;
  /**
   * Event positions (from 0) of the invoke and the completion in the history; the completion is
   * `null` when the operation never returned. The checker orders events by these, as Jepsen and
   * Knossos order a history by its sequence, not by clocks.
   */
  invokeAt: number;
  completeAt: number | null;
}

/** Why a history file cannot be judged: names the file, the line, and what is allowed. */
export class HistoryInputError extends Error {
  override readonly name = 'HistoryInputError';

  constructor(
    /** The file, as named on the command line. */
    readonly file: string,
    /** The line (from 1), or 0 when the problem is the file as a whole. */
    readonly line: number,
    /** What is wrong, and what is allowed instead. */
    readonly problem: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${problem}` : `${file}: ${problem}`);
  }
}

/** A value as histories print it: `nil`, a number, a quoted string, or `[from to]`. */
export function formatRegisterValue(value: RegisterOperation['value']): string {
  if (Array.isArray(value)) return `[${value.map((part) => formatRegisterValue(part as RegisterValue)).join(' ')}]`;
  if (value === null) return 'nil';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
