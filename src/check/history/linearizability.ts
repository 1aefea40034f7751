/**
 * Linearizability of register histories (read, write, compare-and-set), after Herlihy and Wing
 * (1990): a history is linearizable iff each operation can be given one instant between its
 * invoke and its completion such that the operations, run one at a time in that order, give the
 * results the clients saw. The sequential specification: a register starts nil; a read returns
 * the current value; a write sets it; cas(from, to) sets it to `to` iff it holds `from`.
 *
 * The search is Wing and Gong's (1993) with Lowe's (2017) memoisation, the structure Porcupine
 * and Knossos's `wgl` checker use: walk the history's events in order, kept as a doubly linked
 * list; at an invoke, try to linearize that operation now (apply it to the register; on success
 * lift its invoke and completion out of the list, push it and start again from the front); at a
 * completion whose operation is not yet linearized, no order of the operations so far works,
 * so pop the last choice, put it back, and try the next candidate. Lowe's cache of (linearized
 * set, register value) prunes a configuration reached twice: what follows from it is the same.
 * Registers are P-compositional (Horn and Kroening 2015), so each key is searched on its own.
 *
 * Operations that never returned (`info`) may or may not have taken effect: their completion is
 * placed after every event, so the search may linearize them anywhere after their invoke, and
 * linearizing them last is the same as never. Hence three prunings, each sound because the
 * configuration kept can do all the pruned one can: such an operation is not tried where it
 * would leave the value unchanged; of alike ones (same kind and arguments) already invoked only
 * the earliest is tried; and once every operation that returned is linearized, the search stops. A read that never returned constrains nothing and
 * is dropped. A `fail` took no effect and is dropped, except a failed cas under
 * `failedCas: 'compared-unequal'`, which is a completed cas that returned false: legal only where
 * the register does not hold `from` (Porcupine's etcd model reads Jepsen's etcd logs this way).
 *
 * On a violation the report is Knossos's: the furthest completion the search could reach (every
 * operation that completed before it is linearized in some order), the operations linearized
 * there in order, the register's value(s) in those last good configurations, and the pending
 * operations that cannot be placed in them, each with the reason. The operation whose completion
 * was reached but could not be preceded by its linearization point is `blocking`.
 */
import type { RegisterOperation, RegisterValue } from './operation.js';
import { formatRegisterValue } from './operation.js';
import { StateCache } from './state-cache.js';

/** Options of {@link checkLinearizability}. */
export interface LinearizabilityOptions {
  /**
   * The most search states (distinct cache entries, over all keys) to explore before giving up
   * with an `unknown` verdict. The search also gives up when one key's cache would pass 1 GiB
   * (`STATE_CACHE_WORDS_MAX`): a state costs a bit per operation of its key.
   * @defaultValue 5_000_000
   */
  maxStates?: number;
  /**
   * What a `fail`ed cas means: `'no-effect'` (Jepsen's convention for any `fail`: dropped) or
   * `'compared-unequal'` (the cas ran and found the register not holding `from`).
   * @defaultValue 'no-effect'
   */
  failedCas?: 'no-effect' | 'compared-unequal';
}

/** Default of {@link LinearizabilityOptions.maxStates}. */
export const MAX_STATES_DEFAULT = 5_000_000;

/** An operation that cannot be placed in the last good configuration, and why. */
export interface Unplaceable {
  operation: RegisterOperation;
  reason: string;
}

/** Where the search for one key got furthest before every order failed. */
export interface KeyViolation {
  key: string | null;
  /** Operations of this key the search considered (info reads and dropped fails excluded). */
  operations: number;
  /** Operations linearized in the last good configuration: the longest linearizable prefix. */
  linearizedCount: number;
  /** Those operations, in linearization order. */
  linearized: RegisterOperation[];
  /** The register's value in the last good configuration(s) (several orders may reach that far). */
  lastGoodValues: RegisterValue[];
  /** The operation whose completion the search reached without being able to linearize it. */
  blocking: RegisterOperation;
  /** Pending operations (invoked before that completion, not linearized) that no value allows there. */
  unplaceable: Unplaceable[];
}

/** The verdict over all keys. */
export interface LinearizabilityResult {
  verdict: 'ok' | 'violation' | 'unknown';
  /** Operations judged (info reads and dropped fails excluded). */
  operations: number;
  /** Distinct keys (registers). */
  keys: number;
  /** Search states explored, over all keys. */
  statesExplored: number;
  /** The budget the search ran under. */
  maxStates: number;
  /** Keys that are not linearizable (empty unless the verdict is `violation`). */
  violations: KeyViolation[];
  /** Keys whose search ran out of budget (their verdict is unknown). */
  unknownKeys: (string | null)[];
}

/** Checks a register history (operations in invoke order) for linearizability, key by key. */
export function checkLinearizability(operations: readonly RegisterOperation[], options: LinearizabilityOptions = {}): LinearizabilityResult {
  const maxStates = options.maxStates ?? MAX_STATES_DEFAULT;
  const failedCas = options.failedCas ?? 'no-effect';
  const byKey = new Map<string | null, RegisterOperation[]>();
  let judged = 0;
  for (const op of operations) {
    if (!constrains(op, failedCas)) continue;
    judged++;
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  const violations: KeyViolation[] = [];
  const unknownKeys: (string | null)[] = [];
  let statesExplored = 0;
  for (const [key, ops] of byKey) {
    const search = new KeySearch(ops, maxStates - statesExplored);
    const outcome = search.run();
    statesExplored += search.states;
    if (outcome === 'violation') violations.push(search.violation(key));
    if (outcome === 'unknown') unknownKeys.push(key);
  }
  const verdict = violations.length > 0 ? 'violation' : unknownKeys.length > 0 ? 'unknown' : 'ok';
  return { verdict, operations: judged, keys: byKey.size, statesExplored, maxStates, violations, unknownKeys };
}

/** Whether an operation takes part in the search (see the file header). */
function constrains(op: RegisterOperation, failedCas: LinearizabilityOptions['failedCas']): boolean {
  if (op.outcome === 'fail') return op.f === 'cas' && failedCas === 'compared-unequal';
  return !(op.outcome === 'info' && op.f === 'read');
}

// --- The search over one key --------------------------------------------------------------------

/** An event of the linked list: an operation's invoke or its completion. */
interface Entry {
  /** Index of the operation in the key's list. */
  op: number;
  /** Event position in the history (completions that never came: after every event). */
  at: number;
  isInvoke: boolean;
  /** The invoke's completion. */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/** One step's kinds, as integers over interned values (0 is nil). */
const READ = 0;
const WRITE = 1;
const CAS = 2;
const CAS_UNKNOWN = 3;
const CAS_FAILED = 4;

class KeySearch {
  states = 0;
  private readonly kinds: Int8Array;
  private readonly argA: Int32Array;
  private readonly argB: Int32Array;
  private readonly values: RegisterValue[] = [null];
  private readonly head: Entry;
  private readonly zobrist: Int32Array;
  /** 1 for an operation that never returned (`info`). */
  private readonly neverReturns: Uint8Array;
  /**
   * For an operation that never returned, a number shared by exactly those alike in kind and
   * arguments (interchangeable once both are invoked); -1 for the others.
   */
  private readonly twins: Int32Array;
  /** The furthest dead end: its completion's event position and the configuration there. */
  private frontier: { at: number; blocking: number; linearized: number[]; values: number[] } | null = null;

  constructor(
    private readonly ops: readonly RegisterOperation[],
    private readonly budget: number,
  ) {
    const interned = new Map<string, number>([['null', 0]]);
    const intern = (value: RegisterValue): number => {
      const text = JSON.stringify(value);
      let id = interned.get(text);
      if (id === undefined) {
        id = this.values.length;
        interned.set(text, id);
        this.values.push(value);
      }
      return id;
    };
    this.kinds = new Int8Array(ops.length);
    this.argA = new Int32Array(ops.length);
    this.argB = new Int32Array(ops.length);
    this.zobrist = new Int32Array(ops.length);
    this.neverReturns = new Uint8Array(ops.length);
    this.twins = new Int32Array(ops.length);
    const twinIds = new Map<string, number>();
    ops.forEach((op, i) => {
      const [from, to] = Array.isArray(op.value) ? (op.value as [RegisterValue, RegisterValue]) : [op.value as RegisterValue, null];
      this.kinds[i] = op.f === 'read' ? READ : op.f === 'write' ? WRITE : op.outcome === 'ok' ? CAS : op.outcome === 'info' ? CAS_UNKNOWN : CAS_FAILED;
      this.argA[i] = intern(from);
      this.argB[i] = intern(to);
      this.zobrist[i] = mix32(i + 1);
      this.neverReturns[i] = op.completeAt === null ? 1 : 0;
      const likeness = `${this.kinds[i]}:${this.argA[i]}:${this.argB[i]}`;
      if (!twinIds.has(likeness)) twinIds.set(likeness, twinIds.size);
      this.twins[i] = op.completeAt === null ? (twinIds.get(likeness) as number) : -1;
    });
    this.head = this.buildList();
  }

  /** The history's events as a list; completions that never came go after all others. */
  private buildList(): Entry {
    const events: Entry[] = [];
    const last = Number.MAX_SAFE_INTEGER;
    this.ops.forEach((op, i) => {
      const completion: Entry = { op: i, at: op.completeAt ?? last - this.ops.length + i, isInvoke: false, match: null, prev: null, next: null };
      events.push({ op: i, at: op.invokeAt, isInvoke: true, match: completion, prev: null, next: null }, completion);
    });
    events.sort((a, b) => a.at - b.at);
    const head: Entry = { op: -1, at: -1, isInvoke: false, match: null, prev: null, next: null };
    let tail = head;
    for (const entry of events) {
      tail.next = entry;
      entry.prev = tail;
      tail = entry;
    }
    return head;
  }

  /** Applies operation `i` to `value`: the new value, or -1 if the result the client saw is impossible. */
  private step(value: number, i: number): number {
    const a = this.argA[i] as number;
    switch (this.kinds[i]) {
      case READ:
        return value === a ? value : -1;
      case WRITE:
        return a;
      case CAS:
        return value === a ? (this.argB[i] as number) : -1;
      case CAS_UNKNOWN:
        return value === a ? (this.argB[i] as number) : value;
      default:
        return value === a ? -1 : value;
    }
  }

  run(): 'ok' | 'violation' | 'unknown' {
    const words = (this.ops.length + 31) >>> 5;
    const bits = new Uint32Array(words);
    const cache = new StateCache(this.ops.length);
    const stack: { entry: Entry; value: number }[] = [];
    let hash = 0;
    let value = 0;
    let entry = this.head.next;
    while (this.head.next !== null) {
      if (entry === null) throw new Error('linearizability: ran off the event list');
      if (entry.isInvoke) {
        const op = entry.op;
        const next = this.step(value, op);
        const nextHash = hash ^ (this.zobrist[op] as number);
        // An operation that never returned and would leave the value as it is can wait: the
        // configuration without it can do everything the one with it can (it may go last).
        // And of two such operations alike in all but identity, both invoked by now, trying the
        // earlier is enough: the configurations they lead to mirror each other.
        const waits = this.neverReturns[op] === 1 && (next === value || this.hasEarlierTwin(entry));
        if (next >= 0 && !waits && this.remember(cache, bits, op, nextHash, next)) {
          if (this.states > this.budget || cache.full) return 'unknown';
          stack.push({ entry, value });
          value = next;
          hash = nextHash;
          lift(entry);
          entry = this.head.next;
        } else {
          entry = entry.next;
        }
        continue;
      }
      // Completions that never came are last: every operation that returned is linearized, and
      // those left took effect after all the others, or never.
      if (this.neverReturns[entry.op] === 1) return 'ok';
      // A completion whose operation is not linearized: every order so far fails here.
      this.noteDeadEnd(entry, stack, value);
      const top = stack.pop();
      if (top === undefined) return 'violation';
      entry = top.entry;
      value = top.value;
      hash ^= this.zobrist[entry.op] as number;
      clearBit(bits, entry.op);
      unlift(entry);
      entry = entry.next;
    }
    return 'ok';
  }

  /** Whether an operation alike (see `twins`) is still in the list before this invoke. */
  private hasEarlierTwin(entry: Entry): boolean {
    const twin = this.twins[entry.op];
    for (let other = entry.prev; other !== null && other !== this.head; other = other.prev) {
      if (other.isInvoke && this.twins[other.op] === twin) return true;
    }
    return false;
  }

  /** Adds (linearized ∪ {op}, value) to the cache; true iff it was not there (and then op's bit stays set). */
  private remember(cache: StateCache, bits: Uint32Array, op: number, hash: number, value: number): boolean {
    setBit(bits, op);
    if (cache.add(bits, hash, value)) {
      this.states++;
      return true;
    }
    clearBit(bits, op);
    return false;
  }

  private noteDeadEnd(entry: Entry, stack: readonly { entry: Entry }[], value: number): void {
    const frontier = this.frontier;
    if (frontier !== null && entry.at < frontier.at) return;
    if (frontier !== null && entry.at === frontier.at) {
      if (!frontier.values.includes(value) && frontier.values.length < 8) frontier.values.push(value);
      return;
    }
    this.frontier = { at: entry.at, blocking: entry.op, linearized: stack.map((item) => item.entry.op), values: [value] };
  }

  /** The report of a violated key, from the furthest dead end. */
  violation(key: string | null): KeyViolation {
    const frontier = this.frontier;
    if (frontier === null) throw new Error('linearizability: a violation without a dead end');
    const linearized = new Set(frontier.linearized);
    const completion = this.ops[frontier.blocking]?.completeAt ?? Number.MAX_SAFE_INTEGER;
    const unplaceable: Unplaceable[] = [];
    this.ops.forEach((op, i) => {
      if (linearized.has(i) || op.invokeAt > completion || op.outcome === 'info') return;
      if (frontier.values.some((held) => this.step(held, i) >= 0)) return;
      unplaceable.push({ operation: op, reason: this.reason(i, frontier.linearized, frontier.values) });
    });
    return {
      key,
      operations: this.ops.length,
      linearizedCount: frontier.linearized.length,
      linearized: frontier.linearized.map((i) => this.ops[i] as RegisterOperation),
      lastGoodValues: frontier.values.map((id) => this.values[id] as RegisterValue),
      blocking: this.ops[frontier.blocking] as RegisterOperation,
      unplaceable,
    };
  }

  /**
   * Why operation `i` cannot follow the linearized prefix, whose register holds `values[0]` (other
   * orders that reach as far leave the other values).
   */
  private reason(i: number, prefix: readonly number[], values: readonly number[]): string {
    const op = this.ops[i] as RegisterOperation;
    const others = values.slice(1).map((id) => formatRegisterValue(this.values[id] as RegisterValue));
    const first = formatRegisterValue(this.values[values[0] as number] as RegisterValue);
    const holds = `the register holds ${first}${this.setBy(prefix)}${others.length > 0 ? ` (or ${others.join(' or ')} in other orders)` : ''}`;
    const seen = formatRegisterValue(op.value);
    if (op.f === 'read') return `read ${seen}, but ${holds}`;
    if (op.outcome === 'fail') return `cas ${seen} failed, but ${holds}, so it would have succeeded`;
    return `cas ${seen} succeeded, but ${holds}`;
  }

  /** " (set by <op>)": replays the prefix to find the operation that last set the register. */
  private setBy(prefix: readonly number[]): string {
    let value = 0;
    let setter = -1;
    for (const i of prefix) {
      const kind = this.kinds[i];
      if (kind === WRITE || ((kind === CAS || kind === CAS_UNKNOWN) && value === this.argA[i])) setter = i;
      value = this.step(value, i);
    }
    if (setter < 0) return ' (its initial value)';
    const op = this.ops[setter] as RegisterOperation;
    return ` (set by ${op.f} ${formatRegisterValue(op.value)} of process ${op.process}, index ${op.index}${op.outcome === 'info' ? ', which never returned' : ''})`;
  }
}

/** Takes an invoke and its completion out of the list. */
function lift(entry: Entry): void {
  (entry.prev as Entry).next = entry.next;
  if (entry.next !== null) entry.next.prev = entry.prev;
  const match = entry.match as Entry;
  (match.prev as Entry).next = match.next;
  if (match.next !== null) match.next.prev = match.prev;
}

/** Puts them back, in the reverse order of {@link lift}. */
function unlift(entry: Entry): void {
  const match = entry.match as Entry;
  (match.prev as Entry).next = match;
  if (match.next !== null) match.next.prev = match;
  (entry.prev as Entry).next = entry;
  if (entry.next !== null) entry.next.prev = entry;
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5] = (bits[i >>> 5] as number) & ~(1 << (i & 31));
}

/** A well-mixed 32-bit value per operation (splitmix32), for the incremental set hash. */
function mix32(seed: number): number {
  let z = (Math.imul(seed, 0x9e3779b9) + 0x7f4a7c15) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}
