/**
 * The explorer's state: every actor's snapshot and pending timers, the messages in flight, the
 * model's history and the faults used. Plain, immutable data (docs/architecture.md, "Code conventions" 1): a successor shares
 * every part it did not change with its parent. Hashes are kept beside the parts they cover, so a
 * fingerprint costs only the parts a step changed (src/explore/fingerprint.ts).
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';

/** A timer an actor set with a delayed `raise`; in exploration it may fire at any step. */
export interface PendingTimer {
  timerId: string;
  event: EventObject;
  /** Hash of the timer id and event. */
  hash: number;
}

/** One actor's part of the state. */
export interface ActorSlot {
  id: string;
  snapshot: AnyMachineSnapshot;
  /** Pending timers, in the order they were set. */
  timers: readonly PendingTimer[];
  crashed: boolean;
  /** Hash of the snapshot's status, value and context. */
  snapshotHash: number;
  /** Hash of the whole slot (snapshot, timers, crashed). */
  hash: number;
}

/** A message in flight, with its hash (of from, to and message). */
export interface InFlight {
  from: string;
  to: string;
  message: EventObject;
  /** A `signal` effect: delivered like a message, never dropped. */
  signal: boolean;
  hash: number;
}

/** One explored state. */
export interface ExploreState {
  actors: readonly ActorSlot[];
  /** In send order; the network semantics decide what is deliverable. */
  network: readonly InFlight[];
  history: unknown;
  historyHash: number;
  faultsUsed: number;
  /** Firings so far of each timer id the model limits (ExploreModel `timerLimits`), all actors together. */
  timerFirings: Readonly<Record<string, number>>;
  /**
   * Lane sums (low and high 32-bit words, modulo 2^32) of the actors' slot hashes, each mixed with
   * its index, and of the in-flight messages' hashes. A successor's sums are its parent's moved by
   * what one step changed, so its fingerprint is known before it is built (docs/explorer.md, "Speed").
   */
  actorsLow: number;
  actorsHigh: number;
  networkLow: number;
  networkHigh: number;
  /** The state's fingerprint without symmetry reduction. */
  fingerprint: number;
}

/** The actor `id`'s slot; throws if there is none. */
export function actorSlot(state: ExploreState, id: string): ActorSlot {
  for (const slot of state.actors) if (slot.id === id) return slot;
  throw new Error(`explore: no actor ${id}`);
}

/** The actor `id`'s context, typed by the caller. */
export function contextOf<TContext>(state: ExploreState, id: string): TContext {
  return actorSlot(state, id).snapshot.context as TContext;
}

/**
 * One choice the explorer made, replayable from the state it was made in (Stateright's
 * `ActorModelAction`). A delivery names its message by hash so that a replay finds it again.
 */
export type Choice =
  | { kind: 'deliver'; from: string; to: string; message: EventObject; messageHash: number }
  | { kind: 'drop'; from: string; to: string; message: EventObject; messageHash: number }
  | { kind: 'timer'; actor: string; timerId: string }
  | { kind: 'fault'; fault: string; actor: string };
