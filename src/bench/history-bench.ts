/**
 * History-checker benchmarks (`aurora-actors bench` reports them through
 * {@link historyBenchFigures}): the linearizability checker's speed on a generated register
 * history, and its time over the Jepsen etcd corpus (test/fixtures/jepsen-etcd).
 *
 * The generated history comes from a simulated linearizable register, so it is realistic and its
 * verdict is known: concurrent client processes each invoke one operation at a time on a random
 * key; each operation takes effect at one instant strictly between its invoke and its completion
 * (its linearization point), and the results (what a read saw, whether a cas matched) are those
 * of applying the operations in the order of those instants. A cas that does not match completes
 * `fail`; a few operations time out (`info`), of which half took effect, and their process
 * retires for a fresh one, as in Jepsen. Everything is drawn from the seed's Rng.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkLinearizability } from '../check/history/linearizability.js';
import { parseHistory } from '../check/history/parse.js';
import type { RegisterHistory } from '../check/history/parse.js';
import { checkTxnHistory } from '../check/txn/index.js';
import type { TxnHistoryEntry } from '../check/txn/index.js';
import { createRng } from '../kernel/rng.js';
import type { Ratio } from '../kernel/rng.js';

/** Options of {@link generateRegisterHistory}. */
export interface RegisterHistoryOptions {
  /** Seeds every draw. */
  seed: number;
  /** Operations to issue. @defaultValue 10_000 */
  operations?: number;
  /** Registers, keyed `k0`, `k1`, …; each operation picks one uniformly. @defaultValue 100 */
  keys?: number;
  /** Client processes running at once. @defaultValue 20 */
  concurrency?: number;
  /** Chance an operation times out (completes `info`). @defaultValue 0.01 */
  infoRatio?: Ratio;
}

/** One entry of a generated history, in Jepsen's JSON-lines conventions (docs/history-format.md). */
export interface GeneratedEntry {
  index: number;
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: 'read' | 'write' | 'cas';
  key: string;
  value: number | null | [number, number];
  /** Nanoseconds. */
  time: number;
}

interface Planned {
  process: number;
  key: string;
  f: GeneratedEntry['f'];
  argument: number | [number, number] | null;
  invokeNs: number;
  effectNs: number;
  completeNs: number;
  timedOut: boolean;
  /** A timed-out operation that never took effect. */
  lost: boolean;
}

/** A linearizable register history, as JSON-lines entries in time order. */
export function generateRegisterHistory(options: RegisterHistoryOptions): GeneratedEntry[] {
  const rng = createRng(options.seed).fork('history');
  const count = options.operations ?? 10_000;
  const keys = options.keys ?? 100;
  const concurrency = options.concurrency ?? 20;
  const infoRatio = options.infoRatio ?? 0.01;
  const planned: Planned[] = [];
  // Each slot is one client at a time: a process, replaced by a fresh one after a timeout.
  const slots = Array.from({ length: concurrency }, (_, slot) => ({ process: slot, freeAtNs: rng.int(0, 1_000_000) }));
  let nextProcess = concurrency;
  for (let n = 0; n < count; n++) {
    // The next client to be free invokes next, so invokes come in time order.
    const slot = slots.reduce((earliest, candidate) => (candidate.freeAtNs < earliest.freeAtNs ? candidate : earliest));
    const invokeNs = slot.freeAtNs;
    const latencyNs = Math.max(2, Math.round(rng.exponential(2_000_000)));
    const completeNs = invokeNs + latencyNs;
    const f = rng.pick(['read', 'write', 'cas'] as const);
    const argument = f === 'read' ? null : f === 'write' ? rng.int(0, 4) : ([rng.int(0, 4), rng.int(0, 4)] as [number, number]);
    const timedOut = rng.chance(infoRatio);
    planned.push({ process: slot.process, key: `k${rng.int(0, keys - 1)}`, f, argument, invokeNs, effectNs: invokeNs + rng.int(1, latencyNs - 1), completeNs, timedOut, lost: timedOut && rng.chance(0.5) });
    slot.freeAtNs = completeNs + rng.int(1, 500_000);
    if (timedOut) slot.process = nextProcess++;
  }
  return toEntries(planned, applyInEffectOrder(planned));
}

/** What each operation returns when the operations take effect in the order of their instants. */
function applyInEffectOrder(planned: readonly Planned[]): { type: GeneratedEntry['type']; read: number | null }[] {
  const results = planned.map(() => ({ type: 'ok' as GeneratedEntry['type'], read: null as number | null }));
  const registers = new Map<string, number | null>();
  const order = planned.map((_, i) => i).sort((a, b) => (planned[a] as Planned).effectNs - (planned[b] as Planned).effectNs || a - b);
  for (const i of order) {
    const op = planned[i] as Planned;
    const result = results[i] as (typeof results)[number];
    if (op.lost) continue;
    const current = registers.get(op.key) ?? null;
    if (op.f === 'read') result.read = current;
    if (op.f === 'write') registers.set(op.key, op.argument as number);
    if (op.f === 'cas') {
      const [from, to] = op.argument as [number, number];
      if (current === from) registers.set(op.key, to);
      else result.type = 'fail';
    }
  }
  planned.forEach((op, i) => {
    if (op.timedOut) (results[i] as (typeof results)[number]).type = 'info';
  });
  return results;
}

function toEntries(planned: readonly Planned[], results: readonly { type: GeneratedEntry['type']; read: number | null }[]): GeneratedEntry[] {
  const events: { timeNs: number; order: number; entry: Omit<GeneratedEntry, 'index'> }[] = [];
  planned.forEach((op, i) => {
    const { type, read } = results[i] as (typeof results)[number];
    const base = { process: op.process, f: op.f, key: op.key };
    events.push({ timeNs: op.invokeNs, order: 2 * i, entry: { ...base, type: 'invoke', value: op.argument, time: op.invokeNs } });
    const value = op.f === 'read' ? (type === 'ok' ? read : null) : op.argument;
    events.push({ timeNs: op.completeNs, order: 2 * i + 1, entry: { ...base, type, value, time: op.completeNs } });
  });
  events.sort((a, b) => a.timeNs - b.timeNs || a.order - b.order);
  return events.map(({ entry }, index) => ({ index, ...entry }));
}

/**
 * A strictly serializable transactional history: `transactions` transactions of one read and two
 * writes over `keys` keys, from `concurrency` client processes. Each commits at one instant between
 * its invoke and its completion, in the order of those instants (its `commitLsn`), reading the
 * state at that instant; every written value is unique, as the workload's are.
 */
export function generateTxnHistory(options: { seed: number; transactions?: number; keys?: number; concurrency?: number }): TxnHistoryEntry[] {
  const rng = createRng(options.seed).fork('txn-history');
  const count = options.transactions ?? 5_000;
  const keys = options.keys ?? 100;
  const concurrency = options.concurrency ?? 20;
  const state = new Map<string, string>();
  const events: { timeNs: number; order: number; entry: Omit<TxnHistoryEntry, 'index'> }[] = [];
  // Each process runs one transaction at a time; commit instants are drawn in increasing order.
  const freeAtNs = new Array<number>(concurrency).fill(0);
  let commitNs = 0;
  for (let i = 0; i < count; i++) {
    commitNs += rng.int(1_000, 50_000);
    const process = rng.int(0, concurrency - 1);
    const invokeNs = Math.max(freeAtNs[process] as number, commitNs - rng.int(1, 400_000));
    if (invokeNs >= commitNs) commitNs = invokeNs + 1;
    const completeNs = commitNs + rng.int(1, 400_000);
    freeAtNs[process] = completeNs + 1;
    const read = `k${rng.int(0, keys - 1)}`;
    const ops: [string, string, string | null][] = [['r', read, state.get(read) ?? null]];
    for (let w = 0; w < 2; w++) {
      const key = `k${rng.int(0, keys - 1)}`;
      const value = `w${i}.${w}`;
      ops.push(['w', key, value]);
      state.set(key, value);
    }
    const invoke = ops.map(([f, key, value]) => [f, key, f === 'r' ? null : value] as [string, string, string | null]);
    events.push({ timeNs: invokeNs, order: 2 * i, entry: { process, type: 'invoke', f: 'txn', value: invoke, time: invokeNs, txnId: i } });
    events.push({ timeNs: completeNs, order: 2 * i + 1, entry: { process, type: 'ok', f: 'txn', value: ops, time: completeNs, txnId: i, commitLsn: i + 1 } });
  }
  events.sort((a, b) => a.timeNs - b.timeNs || a.order - b.order);
  return events.map(({ entry }, index) => ({ index, ...entry }));
}

/** Figures of {@link historyBenchFigures}. */
export interface HistoryBenchFigures {
  /** Transactions per wall second the dependency-graph checker judges (strict-serializable) on {@link generateTxnHistory}'s 5,000. */
  historyOpsPerSTxn: number;
  /** That history's verdict: `ok` unless the checker (or the generator) is wrong. */
  historyTxnVerdict: string;
  /** Operations per wall second the linearizability checker judges on the generated history. */
  historyOpsPerSRegister: number;
  /** Operations and keys of the generated history. */
  historyOperations: number;
  historyKeys: number;
  /** Wall ms of one check of the generated history (parsing not included). */
  historyCheckMs: number;
  /** Search states the check explored. */
  historyStatesExplored: number;
  /** The generated history's verdict: `ok` unless the checker is wrong. */
  historyVerdict: string;
  /** Wall ms to parse and check every etcd corpus file once; null when the corpus is not there. */
  etcdCorpusMs: number | null;
  /** Corpus files checked, and how many verdicts agree with VERDICTS.txt. */
  etcdCorpusFiles: number;
  etcdCorpusAgreeing: number;
}

/** Measures the history checker; prints nothing. `quick` times one pass instead of the best of three. */
export function historyBenchFigures(options: { seed: number; quick: boolean }): HistoryBenchFigures {
  const entries = generateRegisterHistory({ seed: options.seed });
  const history = parseHistory(entries.map((entry) => JSON.stringify(entry)).join('\n'), 'generated') as RegisterHistory;
  const passes = options.quick ? 1 : 3;
  let checkMs = Infinity;
  let result = checkLinearizability(history.operations);
  for (let pass = 0; pass < passes; pass++) {
    const start = performance.now();
    result = checkLinearizability(history.operations);
    checkMs = Math.min(checkMs, performance.now() - start);
  }
  const corpus = etcdCorpusTimes(passes);
  const txns = generateTxnHistory({ seed: options.seed });
  let txnMs = Infinity;
  let txnOk = false;
  for (let pass = 0; pass < passes; pass++) {
    const start = performance.now();
    txnOk = checkTxnHistory(txns, { model: 'strict-serializable' }).ok;
    txnMs = Math.min(txnMs, performance.now() - start);
  }
  return {
    historyOpsPerSTxn: (txns.length / 2 / txnMs) * 1000,
    historyTxnVerdict: txnOk ? 'ok' : 'violation',
    historyOpsPerSRegister: (history.operations.length / checkMs) * 1000,
    historyOperations: history.operations.length,
    historyKeys: result.keys,
    historyCheckMs: checkMs,
    historyStatesExplored: result.statesExplored,
    historyVerdict: result.verdict,
    ...corpus,
  };
}

/** The etcd corpus, parsed and checked `passes` times; the fastest pass counts. */
function etcdCorpusTimes(passes: number): Pick<HistoryBenchFigures, 'etcdCorpusMs' | 'etcdCorpusFiles' | 'etcdCorpusAgreeing'> {
  const folder = fileURLToPath(new URL('../../test/fixtures/jepsen-etcd/', import.meta.url));
  let verdicts: Map<string, string>;
  let texts: [string, string][];
  try {
    verdicts = new Map(readFileSync(`${folder}VERDICTS.txt`, 'utf8').trim().split('\n').map((line) => line.split(/\s+/) as [string, string]));
    texts = readdirSync(folder).filter((name) => name.endsWith('.log')).map((name) => [name, readFileSync(`${folder}${name}`, 'utf8')]);
  } catch {
    return { etcdCorpusMs: null, etcdCorpusFiles: 0, etcdCorpusAgreeing: 0 };
  }
  let best = Infinity;
  let agreeing = 0;
  for (let pass = 0; pass < passes; pass++) {
    agreeing = 0;
    const start = performance.now();
    for (const [name, text] of texts) {
      const verdict = checkLinearizability((parseHistory(text, name) as RegisterHistory).operations).verdict;
      if ((verdict === 'ok') === (verdicts.get(name) === 'linearizable') && verdict !== 'unknown') agreeing++;
    }
    best = Math.min(best, performance.now() - start);
  }
  return { etcdCorpusMs: best, etcdCorpusFiles: texts.length, etcdCorpusAgreeing: agreeing };
}
