/**
 * A linearizability tester kept as plain data in the explored state, so that two states with
 * different histories are different states (as in Stateright, whose actor model state carries its
 * `LinearizabilityTester`; `src/semantics/linearizability.rs`).
 *
 * The history records, per thread (a client), its completed operations in order and its one
 * operation in flight. Each entry remembers, for every other thread, the index of that thread's
 * last operation completed before this one was invoked: the real-time order a linearization must
 * respect (Herlihy and Wing, "Linearizability", TOPLAS 1990, §2). {@link serializedHistory}
 * searches for a total order of the completed operations (and any subset of the in-flight ones)
 * that respects it and that the sequential specification accepts.
 */

/** The sequential object the history must be a linearization of. */
export interface SequentialSpec<TState, TOp, TRet> {
  initial: TState;
  /** Runs `op`, returning the new state and its result (for operations still in flight). */
  invoke: (state: TState, op: TOp) => { state: TState; ret: TRet };
  /** The state after `op` returned `ret`, or undefined if it could not have. */
  step: (state: TState, op: TOp, ret: TRet) => TState | undefined;
}

/** For every other thread, the index of its last operation completed at invocation time. */
export type LastCompleted = Readonly<Record<string, number>>;

/** A thread's completed operation. */
export interface CompletedOp<TOp, TRet> {
  lastCompleted: LastCompleted;
  op: TOp;
  ret: TRet;
}

/** A thread's operation in flight. */
export interface InFlightOp<TOp> {
  lastCompleted: LastCompleted;
  op: TOp;
}

/** The tester's whole state (plain data). */
export interface LinearizabilityHistory<TOp, TRet> {
  historyByThread: Readonly<Record<string, readonly CompletedOp<TOp, TRet>[]>>;
  inFlightByThread: Readonly<Record<string, InFlightOp<TOp>>>;
  /** False once a thread invoked twice without a return, or returned without an invocation. */
  valid: boolean;
}

/** The empty history. */
export function emptyHistory<TOp, TRet>(): LinearizabilityHistory<TOp, TRet> {
  return { historyByThread: {}, inFlightByThread: {}, valid: true };
}

/** Records that `thread` invoked `op`. */
export function onInvoke<TOp, TRet>(history: LinearizabilityHistory<TOp, TRet>, thread: string, op: TOp): LinearizabilityHistory<TOp, TRet> {
  if (!history.valid) return history;
  if (history.inFlightByThread[thread] !== undefined) return { ...history, valid: false };
  const lastCompleted: Record<string, number> = {};
  for (const [peer, completed] of Object.entries(history.historyByThread)) {
    if (peer !== thread && completed.length > 0) lastCompleted[peer] = completed.length - 1;
  }
  return {
    // The thread gets an (empty) history entry at its first invocation, as Stateright's does.
    historyByThread: { ...history.historyByThread, [thread]: history.historyByThread[thread] ?? [] },
    inFlightByThread: { ...history.inFlightByThread, [thread]: { lastCompleted, op } },
    valid: true,
  };
}

/** Records that `thread`'s operation in flight returned `ret`. */
export function onReturn<TOp, TRet>(history: LinearizabilityHistory<TOp, TRet>, thread: string, ret: TRet): LinearizabilityHistory<TOp, TRet> {
  if (!history.valid) return history;
  const inFlight = history.inFlightByThread[thread];
  if (inFlight === undefined) return { ...history, valid: false };
  const { [thread]: _returned, ...stillInFlight } = history.inFlightByThread;
  const completed = [...(history.historyByThread[thread] ?? []), { lastCompleted: inFlight.lastCompleted, op: inFlight.op, ret }];
  return { historyByThread: { ...history.historyByThread, [thread]: completed }, inFlightByThread: stillInFlight, valid: true };
}

/** Completed operations not yet placed, each with its index in its thread's history. */
type Remaining<TOp, TRet> = ReadonlyMap<string, readonly (readonly [number, CompletedOp<TOp, TRet>])[]>;

/**
 * A linearization of the history (operations with their results, in order), or undefined if
 * there is none: the history is not linearizable.
 */
export function serializedHistory<TState, TOp, TRet>(
  history: LinearizabilityHistory<TOp, TRet>,
  spec: SequentialSpec<TState, TOp, TRet>,
): (readonly [TOp, TRet])[] | undefined {
  if (!history.valid) return undefined;
  const remaining = new Map<string, (readonly [number, CompletedOp<TOp, TRet>])[]>();
  for (const thread of Object.keys(history.historyByThread).sort()) {
    remaining.set(thread, (history.historyByThread[thread] ?? []).map((op, index) => [index, op] as const));
  }
  return serialize([], spec.initial, remaining, new Map(Object.entries(history.inFlightByThread)), spec);
}

/** True iff some operation `lastCompleted` says finished earlier has not been placed yet. */
function breaksRealTime<TOp, TRet>(lastCompleted: LastCompleted, remaining: Remaining<TOp, TRet>): boolean {
  for (const [peer, lastIndex] of Object.entries(lastCompleted)) {
    const next = remaining.get(peer)?.[0];
    if (next !== undefined && next[0] <= lastIndex) return true;
  }
  return false;
}

/** Depth-first search for a linearization: place one thread's next operation, recurse. */
function serialize<TState, TOp, TRet>(
  placed: (readonly [TOp, TRet])[],
  state: TState,
  remaining: Remaining<TOp, TRet>,
  inFlight: ReadonlyMap<string, InFlightOp<TOp>>,
  spec: SequentialSpec<TState, TOp, TRet>,
): (readonly [TOp, TRet])[] | undefined {
  let done = true;
  for (const ops of remaining.values()) if (ops.length > 0) done = false;
  if (done) return placed;
  for (const [thread, ops] of remaining) {
    const first = ops[0];
    if (first === undefined) {
      // An operation in flight may have taken effect already: try placing it here.
      const pending = inFlight.get(thread);
      if (pending === undefined || breaksRealTime(pending.lastCompleted, remaining)) continue;
      const { state: after, ret } = spec.invoke(state, pending.op);
      const stillInFlight = new Map(inFlight);
      stillInFlight.delete(thread);
      const found = serialize([...placed, [pending.op, ret] as const], after, remaining, stillInFlight, spec);
      if (found !== undefined) return found;
      continue;
    }
    const rest = new Map(remaining);
    rest.set(thread, ops.slice(1));
    const { lastCompleted, op, ret } = first[1];
    if (breaksRealTime(lastCompleted, rest)) continue;
    const after = spec.step(state, op, ret);
    if (after === undefined) continue;
    const found = serialize([...placed, [op, ret] as const], after, rest, inFlight, spec);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A register's operations. */
export type RegisterOp<TValue> = { kind: 'write'; value: TValue } | { kind: 'read' };
/** A register's results. */
export type RegisterRet<TValue> = { kind: 'writeOk' } | { kind: 'readOk'; value: TValue };

/** The sequential specification of a read/write register holding `initial` at first. */
export function registerSpec<TValue>(initial: TValue): SequentialSpec<TValue, RegisterOp<TValue>, RegisterRet<TValue>> {
  return {
    initial,
    invoke: (state, op) => (op.kind === 'write' ? { state: op.value, ret: { kind: 'writeOk' } } : { state, ret: { kind: 'readOk', value: state } }),
    step: (state, op, ret) => {
      if (op.kind === 'write') return ret.kind === 'writeOk' ? op.value : undefined;
      return ret.kind === 'readOk' && ret.value === state ? state : undefined;
    },
  };
}
