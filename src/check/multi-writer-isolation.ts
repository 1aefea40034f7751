/**
 * What a multi-writer cluster promises its clients, checked on the client history
 * (docs/semantics.md, "Isolation"; docs/protocol.md §11.2), and what it does not promise, reported.
 *
 * Promised:
 * - **Read committed** (Adya's PL-2: no G0, G1a, G1b, G1c): a writer reads only committed page
 *   versions (its own commits, and the others' once shipped), and a rolled-back transaction's
 *   changes are never shipped nor left visible (its compensating changes restore the page).
 * - **No lost update** (P4): two committed transactions never both read a key at the same value
 *   and both write it. A writer's read of a page and its change of that page start from the same
 *   version, and storage approves one change per version, so the second one conflicts.
 * - **Read your writes on one writer**: a client's later transaction on the same writer sees its
 *   own earlier write of a key (or a later one). A client that moved to another writer (its own
 *   crashed) is not promised it under INSTANCE_RAW.
 *
 * Not promised, reported: **serializable** and **strict serializable**. A transaction's reads of
 * pages it does not write are never checked against storage, so a read may be stale under
 * INSTANCE_RAW (another writer's commit not shipped yet) and write skew and read skew can commit.
 *
 * The ww order of a key is the commit stamps' (`commitLsn` on an acknowledged multi-writer commit,
 * `src/protocol/multi-writer.ts` `commitStampOf`): each page's versions rise with them.
 */
import { FORBIDDEN_BY_MODEL, checkTxnHistory } from './txn/check.js';
import type { AnomalyClass } from './txn/check.js';
import type { TxnHistoryEntry } from './txn/history.js';

/** The isolation verdict of a multi-writer run. */
export interface MultiWriterIsolation {
  /** Every promise held (read committed, no lost update, read your writes on one writer). */
  promiseKept: boolean;
  readCommitted: { ok: boolean; violations: AnomalyClass[] };
  /** Pairs of committed transactions that read a key at the same value and both wrote it. */
  lostUpdates: number;
  /** Reads of a key the same client wrote earlier on the same writer: checked, and those that missed the write. */
  readYourWrites: { checked: number; violations: number };
  /** Reported, not promised: whether the history is serializable, and strict serializable. */
  serializable: boolean;
  strictSerializable: boolean;
  /** Every anomaly class found, with its count (forbidden by the promise or not). */
  anomalies: Partial<Record<AnomalyClass, number>>;
  /** The cycle search stopped at its budget: the counts are lower bounds. */
  truncated: boolean;
  /** Up to five examples of broken promises, in words. */
  firstViolations: string[];
}

/** A history entry as the check reads it. */
export type IsolationEntry = TxnHistoryEntry;

/**
 * Checks a multi-writer history. `writerOf` names the writer that committed an acknowledged write
 * transaction (undefined for others).
 */
export function checkMultiWriterIsolation(entries: readonly IsolationEntry[], writerOf: (txnId: number) => string | undefined): MultiWriterIsolation {
  const verdict = checkTxnHistory(entries, { model: 'strict-serializable' });
  const has = (model: keyof typeof FORBIDDEN_BY_MODEL): AnomalyClass[] => FORBIDDEN_BY_MODEL[model].filter((anomaly) => (verdict.counts[anomaly] ?? 0) > 0);
  const committed = entries.filter((entry) => entry.type === 'ok' && (entry.commitLsn ?? 0) > 0);
  const lost = lostUpdatesOf(committed);
  const ryw = readYourWritesOf(committed, writerOf);
  const readCommitted = has('read-committed');
  const firstViolations = [...readCommitted.map((anomaly) => `${anomaly}: ${verdict.counts[anomaly]} found`), ...lost.examples, ...ryw.examples].slice(0, 5);
  return {
    promiseKept: readCommitted.length === 0 && lost.count === 0 && ryw.violations === 0,
    readCommitted: { ok: readCommitted.length === 0, violations: readCommitted },
    lostUpdates: lost.count,
    readYourWrites: { checked: ryw.checked, violations: ryw.violations },
    serializable: has('serializable').length === 0,
    strictSerializable: verdict.ok,
    anomalies: { ...verdict.counts },
    truncated: verdict.truncated,
    firstViolations,
  };
}

/** Reads of a key before the transaction's write of it, each as `key=value`. */
function readThenWritten(entry: IsolationEntry): string[] {
  const read = new Map<string, string | null>();
  const found = new Set<string>();
  for (const [f, key, value] of entry.value) {
    if (f === 'r' && !read.has(key)) read.set(key, value ?? null);
    else if (f === 'w' && read.has(key)) found.add(`${key}=${String(read.get(key))}`);
  }
  return [...found];
}

/** P4: committed transactions that read a key at one value and both wrote it. */
function lostUpdatesOf(committed: readonly IsolationEntry[]): { count: number; examples: string[] } {
  const byRead = new Map<string, number[]>();
  for (const entry of committed) for (const read of readThenWritten(entry)) byRead.set(read, [...(byRead.get(read) ?? []), entry.txnId ?? -1]);
  let count = 0;
  const examples: string[] = [];
  for (const [read, txns] of byRead) {
    if (txns.length < 2) continue;
    count += txns.length - 1;
    examples.push(`lost update: transactions ${txns.join(', ')} all read ${read} and wrote the key`);
  }
  return { count, examples };
}

/** Read your writes per client on one writer, by commit stamps. */
function readYourWritesOf(committed: readonly IsolationEntry[], writerOf: (txnId: number) => string | undefined): { checked: number; violations: number; examples: string[] } {
  const stampOfValue = new Map<string, number>();
  for (const entry of committed) for (const [f, key, value] of entry.value) if (f === 'w') stampOfValue.set(`${key}\u0000${String(value)}`, entry.commitLsn ?? 0);
  /** Per client and writer, each key's last own write: its stamp. */
  const own = new Map<string, number>();
  let checked = 0;
  let violations = 0;
  const examples: string[] = [];
  for (const entry of committed) {
    const writer = writerOf(entry.txnId ?? -1);
    if (writer === undefined) continue;
    const session = `${entry.node ?? entry.process}\u0000${writer}`;
    for (const [f, key, value] of entry.value) {
      if (f !== 'r') continue;
      const mine = own.get(`${session}\u0000${key}`);
      if (mine === undefined) continue;
      checked++;
      const seen = value === null || value === undefined ? 0 : (stampOfValue.get(`${key}\u0000${value}`) ?? 0);
      if (seen >= mine) continue;
      violations++;
      if (examples.length < 5) examples.push(`read your writes: transaction ${entry.txnId} on ${writer} read ${key}=${String(value)}, older than its client's own write`);
    }
    for (const [f, key] of entry.value) if (f === 'w') own.set(`${session}\u0000${key}`, entry.commitLsn ?? 0);
  }
  return { checked, violations, examples };
}
