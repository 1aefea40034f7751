/**
 * VirtualClock: the one source of time in a simulation.
 *
 * One binary heap of pending callbacks ordered by (dueAtMs, insertion seq), so ties fire in the
 * order they were scheduled (docs/determinism.md, "Where time and chance come from").
 * The same clock is
 * - an xstate `Clock` (`setTimeout` / `clearTimeout`), so `after` delays and delayed `raise`s run on
 *   virtual time: `createActor(machine, { clock })`;
 * - an rxjs `SchedulerLike` (`now`, `schedule` returning re-schedulable actions), through
 *   {@link VirtualClock.scheduler}, so `bufferTime`, `delay` and `interval` advance with it.
 *
 * Why not xstate's `SimulatedClock`: it re-sorts every pending timer on each advance (measured
 * 2.3 s to advance through 10,000 pending timers, against 3.5 ms for a heap), leaves equal deadlines
 * unordered, and cannot drive rxjs. Why not rxjs's `VirtualTimeScheduler`: it sorts an array on each
 * insert and cannot serve as an xstate clock. Entries are removed eagerly (each knows its heap
 * index), so cancelled timers do not pile up.
 */
import { Subscription } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/** Handle of a pending callback; pass it to {@link VirtualClock.clearTimeout}. */
export type TimerId = number;

/**
 * What an actor needs of time: the `clock` option of xstate's `createActor`, whose own scheduler
 * calls `setTimeout` for every delayed event (`after`, a delayed `raise`) and `clearTimeout` when
 * one is cancelled. {@link VirtualClock} is one; so is a hand-written clock of these two methods
 * that an embedder advances itself (docs/embedding.md). The kernel stays the only code that knows
 * time: a machine only names its delays.
 */
export interface Clock<THandle = unknown> {
  /** Runs `callback` once, `delayMs` milliseconds of the clock's time from now; returns its handle. */
  setTimeout(callback: () => void, delayMs: number): THandle;
  /** Cancels a pending callback by its handle. */
  clearTimeout(handle: THandle): void;
}

interface Entry {
  dueAtMs: number;
  seq: number;
  /** Position in the heap array, or -1 once fired or cancelled. */
  index: number;
  callback: () => void;
}

/** Options of {@link VirtualClock.runUntilIdle}. */
export interface RunUntilIdleOptions {
  /**
   * Fails (throws) after this many callbacks, so a livelocked model (a timer that always
   * re-arms) cannot hang a test.
   * @defaultValue 10_000_000
   */
  maxEvents?: number;
}

/** Thrown by {@link VirtualClock.runUntilIdle} when the event budget runs out. */
export class ClockBudgetExceededError extends Error {
  override readonly name = 'ClockBudgetExceededError';
}

/** A deterministic discrete-event clock; see the file header. */
export class VirtualClock implements Clock<TimerId> {
  private heap: Entry[] = [];
  private byId: Record<number, Entry> = {};
  private nextSeq = 0;
  private nowMs: number;
  private firedCount = 0;
  private afterStep: (() => void) | undefined;
  /** The same clock seen as an rxjs scheduler. */
  readonly scheduler: SchedulerLike;

  constructor(startMs = 0) {
    this.nowMs = startMs;
    this.scheduler = new VirtualScheduler(this);
  }

  /** Current virtual time in milliseconds. */
  now(): number {
    return this.nowMs;
  }

  /** Callbacks fired so far (a cheap progress counter for benchmarks). */
  get fired(): number {
    return this.firedCount;
  }

  /** Number of pending callbacks. */
  get pending(): number {
    return this.heap.length;
  }

  /** Due time of the next pending callback, or `undefined` when idle. */
  peekDueAtMs(): number | undefined {
    return this.heap[0]?.dueAtMs;
  }

  /**
   * xstate `Clock.setTimeout`: runs `callback` after `delayMs` of virtual time. A negative or NaN
   * delay counts as 0, like the platform's timers.
   */
  readonly setTimeout = (callback: () => void, delayMs: number): TimerId => {
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    return this.scheduleAt(this.nowMs + delay, callback);
  };

  /** xstate `Clock.clearTimeout`: cancels a pending callback; unknown ids are ignored. */
  readonly clearTimeout = (id: TimerId): void => {
    const entry = this.byId[id];
    if (entry === undefined) return;
    delete this.byId[id];
    this.removeAt(entry.index);
  };

  /** Runs `callback` at absolute virtual time `dueAtMs` (clamped to now). */
  scheduleAt(dueAtMs: number, callback: () => void): TimerId {
    const entry: Entry = {
      dueAtMs: dueAtMs > this.nowMs ? dueAtMs : this.nowMs,
      seq: this.nextSeq++,
      index: this.heap.length,
      callback,
    };
    this.heap.push(entry);
    this.siftUp(entry.index);
    this.byId[entry.seq] = entry;
    return entry.seq;
  }

  /** Fires the next pending callback, advancing time to its due time. Returns false when idle. */
  step(): boolean {
    const entry = this.heap[0];
    if (entry === undefined) return false;
    delete this.byId[entry.seq];
    this.removeAt(0);
    this.nowMs = entry.dueAtMs;
    this.firedCount++;
    entry.callback();
    if (this.afterStep !== undefined) this.afterStep();
    return true;
  }

  /**
   * Calls `listener` after every step, however the clock is driven (`step`, `runUntil`, `runFor`),
   * once the step's callback has returned; `undefined` removes it. One listener at most: it is for
   * an observer of the whole run (a traced simulation recording its judges' verdicts,
   * `src/simulation/simulation.ts`), which must not schedule anything, so the steps stay the same.
   */
  setAfterStep(listener: (() => void) | undefined): void {
    this.afterStep = listener;
  }

  /** Fires every callback due at or before `timeMs`, then sets the time to `timeMs`. */
  runUntil(timeMs: number): void {
    for (let next = this.heap[0]; next !== undefined && next.dueAtMs <= timeMs; next = this.heap[0]) {
      this.step();
    }
    if (timeMs > this.nowMs) this.nowMs = timeMs;
  }

  /** Advances virtual time by `durationMs`, firing everything due on the way. */
  runFor(durationMs: number): void {
    this.runUntil(this.nowMs + durationMs);
  }

  /** Fires callbacks until none is pending; returns how many fired. */
  runUntilIdle(options: RunUntilIdleOptions = {}): number {
    const maxEvents = options.maxEvents ?? 10_000_000;
    let count = 0;
    while (this.heap.length > 0) {
      if (count >= maxEvents) {
        throw new ClockBudgetExceededError(
          `clock still busy after ${maxEvents} events at ${this.nowMs} ms (a timer that always re-arms?)`,
        );
      }
      this.step();
      count++;
    }
    return count;
  }

  // Binary heap on (dueAtMs, seq). Each entry keeps its index so removal is O(log n).

  private less(a: Entry, b: Entry): boolean {
    return a.dueAtMs < b.dueAtMs || (a.dueAtMs === b.dueAtMs && a.seq < b.seq);
  }

  private removeAt(index: number): void {
    const heap = this.heap;
    const removed = heap[index];
    const last = heap.pop();
    if (removed === undefined || last === undefined) return;
    removed.index = -1;
    if (index === heap.length) return;
    heap[index] = last;
    last.index = index;
    this.siftDown(index);
    this.siftUp(last.index);
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    const entry = heap[start] as Entry;
    let index = start;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Entry;
      if (!this.less(entry, parent)) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const size = heap.length;
    const entry = heap[start] as Entry;
    let index = start;
    for (;;) {
      const leftIndex = 2 * index + 1;
      if (leftIndex >= size) break;
      const rightIndex = leftIndex + 1;
      let childIndex = leftIndex;
      let child = heap[leftIndex] as Entry;
      const right = heap[rightIndex];
      if (right !== undefined && this.less(right, child)) {
        childIndex = rightIndex;
        child = right;
      }
      if (!this.less(child, entry)) break;
      heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    heap[index] = entry;
    entry.index = index;
  }
}

/**
 * An rxjs scheduler action on the virtual clock. Like rxjs's `AsyncAction`, calling
 * `this.schedule(state, delay)` from inside the work re-arms the same action (what `interval` and
 * `bufferTime` do); calling it while pending moves it.
 */
class VirtualSchedulerAction<T> extends Subscription implements SchedulerAction<T> {
  private timerId: TimerId | undefined;
  private state: T | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super(() => this.cancelPending());
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.cancelPending();
    this.timerId = this.clock.setTimeout(() => this.execute(), delay);
    return this;
  }

  private execute(): void {
    this.timerId = undefined;
    if (this.closed) return;
    this.work.call(this, this.state);
  }

  private cancelPending(): void {
    if (this.timerId !== undefined) {
      this.clock.clearTimeout(this.timerId);
      this.timerId = undefined;
    }
  }
}

/** The rxjs face of a {@link VirtualClock}; obtain it from `clock.scheduler`. */
class VirtualScheduler implements SchedulerLike {
  constructor(private readonly clock: VirtualClock) {}

  now(): number {
    return this.clock.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    return new VirtualSchedulerAction<T>(this.clock, work).schedule(state, delay);
  }
}
