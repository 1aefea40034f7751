/**
 * The transactional history the checker reads: Jepsen's operation format (`--history out.jsonl`,
 * docs/simulation-guide.md), one entry per line, micro-ops `["r", k, v]` / `["w", k, v]` and
 * `time` in nanoseconds. Files written before the format moved to Jepsen's names (`get`/`put`,
 * `timeMs`) still read: {@link normaliseMicroOp} and {@link timeNsOf} accept both.
 *
 * Imports nothing: the checker judges a history from any source, ours or another system's.
 */

/** One micro-op as written: `[f, key, value]`, `f` one of `r`/`w` (or the older `get`/`put`). */
export type RawMicroOp = readonly [string, string, string | null];

/** A micro-op after {@link normaliseMicroOp}: a read (value null = not known or never written) or a write. */
export type MicroOp = readonly ['r', string, string | null] | readonly ['w', string, string];

/**
 * One history entry as the checker reads it. `HistoryEntry` (src/cluster/history.ts) is one; so is
 * a line of an older file, or of a Jepsen history turned into JSON.
 */
export interface TxnHistoryEntry {
  readonly index?: number;
  /** Jepsen process: at most one operation open per process; pairs an invoke with its outcome. */
  readonly process: number;
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f?: string;
  readonly value: readonly RawMicroOp[];
  /** Virtual (or real) time in nanoseconds. */
  readonly time?: number;
  /** Older files: virtual time in milliseconds. */
  readonly timeMs?: number;
  readonly txnId?: number;
  /** On `ok`: the commit record's LSN, the single writer's commit order (0: read-only). */
  readonly commitLsn?: number;
  /** On `ok` of a transaction a replica served: the read point its gets saw. */
  readonly readPoint?: number;
  readonly replica?: string;
  readonly node?: string;
  readonly error?: string;
}

/** A line of a history file that is not an entry, naming the file and the line (1-based). */
export class TxnHistoryError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'TxnHistoryError';
  }
}

const TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];
const MICRO_OP_NAMES: Readonly<Record<string, 'r' | 'w'>> = { r: 'r', w: 'w', get: 'r', put: 'w' };

/** A micro-op in the checker's vocabulary, or undefined if `f` is neither a read nor a write. */
export function normaliseMicroOp(op: RawMicroOp): MicroOp | undefined {
  const f = MICRO_OP_NAMES[op[0]];
  if (f === undefined) return undefined;
  if (f === 'w') return op[2] === null ? undefined : ['w', op[1], op[2]];
  return ['r', op[1], op[2]];
}

/** An entry's time in nanoseconds (`time`, else `timeMs` × 10⁶, else 0). */
export function timeNsOf(entry: TxnHistoryEntry): number {
  if (entry.time !== undefined) return entry.time;
  return entry.timeMs === undefined ? 0 : Math.round(entry.timeMs * 1_000_000);
}

/**
 * Parses a history file's text, one JSON entry per line (blank lines skipped). Throws a
 * {@link TxnHistoryError} naming `file` and the line for a line that is not JSON or not an entry.
 */
export function parseTxnHistoryLines(text: string, file: string): TxnHistoryEntry[] {
  const entries: TxnHistoryEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      throw new TxnHistoryError(file, i + 1, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const problem = entryProblem(parsed);
    if (problem !== undefined) throw new TxnHistoryError(file, i + 1, problem);
    entries.push(parsed as TxnHistoryEntry);
  }
  return entries;
}

/** Why `value` is not a {@link TxnHistoryEntry}, or undefined if it is one. */
export function entryProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'an entry must be a JSON object';
  const entry = value as Record<string, unknown>;
  if (typeof entry.process !== 'number' || !Number.isInteger(entry.process)) return '"process" must be an integer';
  if (typeof entry.type !== 'string' || !TYPES.includes(entry.type)) return `"type" must be one of ${TYPES.join(', ')}`;
  if (entry.time === undefined && entry.timeMs === undefined) return '"time" (nanoseconds) is missing';
  if (entry.time !== undefined && (typeof entry.time !== 'number' || !Number.isFinite(entry.time))) return '"time" must be a number of nanoseconds';
  if (entry.timeMs !== undefined && (typeof entry.timeMs !== 'number' || !Number.isFinite(entry.timeMs))) return '"timeMs" must be a number';
  if (!Array.isArray(entry.value)) return '"value" must be a list of micro-ops [f, key, value]';
  for (const [j, op] of (entry.value as unknown[]).entries()) {
    const ok = Array.isArray(op) && op.length === 3 && typeof op[0] === 'string' && typeof op[1] === 'string' && (op[2] === null || typeof op[2] === 'string');
    if (!ok) return `"value"[${j}] must be [f, key, value] with string f and key and a string or null value`;
    if (normaliseMicroOp(op as unknown as RawMicroOp) === undefined) return `"value"[${j}] must be a read ["r", k, v] or a write ["w", k, v], got ${JSON.stringify(op)}`;
  }
  for (const field of ['commitLsn', 'readPoint', 'txnId', 'index'] as const) {
    if (entry[field] !== undefined && typeof entry[field] !== 'number') return `"${field}" must be a number`;
  }
  return undefined;
}
