/**
 * What a model gives the explorer: its xstate machines and their inputs, the network semantics,
 * the faults it may suffer, its interchangeable actors and its properties. Built-in models
 * (src/explore/reference) and user modules (`aurora-actors explore ./my-model.js`) both export one
 * (docs/explorer.md, "The model interface").
 *
 * The vocabulary follows Stateright's actor model (`src/actor/model.rs`): a state is every actor's
 * state, the messages in flight, the pending timers and an optional history that properties read
 * (Stateright keeps its linearizability tester there).
 */
import type { AnyStateMachine, EventObject } from 'xstate';
import type { ExploreState } from './explore-state.js';

/**
 * How the explorer's network treats messages (Stateright's `Network`):
 * - `unordered-nonduplicating`: a multiset; any message may be delivered next, once.
 * - `unordered-duplicating`: a set; a delivered message stays deliverable (redelivery is how
 *   duplication shows), and sending a message already in flight changes nothing.
 * - `ordered`: a FIFO queue per (source, target) channel; only a channel's head is deliverable.
 */
export type NetworkSemantics = 'unordered-nonduplicating' | 'unordered-duplicating' | 'ordered';

/** Every network semantics, for messages that list what is allowed. */
export const NETWORK_SEMANTICS: readonly NetworkSemantics[] = ['unordered-nonduplicating', 'unordered-duplicating', 'ordered'];

/** One actor of the explored world. Its machine emits effects as data (docs/architecture.md, "One machine, two interpreters"). */
export interface ExploreActor {
  /** The actor's systemId; messages name it in `to`. */
  id: string;
  machine: AnyStateMachine;
  /** The machine's input, if it takes one. */
  input?: unknown;
}

/**
 * A fault the explorer may inject, each use counting against {@link ExploreModel.faultBudget}:
 * - `crash`: the actor stops; messages to it wait, its timers are cancelled (Stateright `Crash`);
 * - `restart`: the actor starts afresh from its input (its initial effects happen again); enabled
 *   while it is crashed, and does not count against the budget (Stateright `Recover`);
 * - `event`: the event is delivered to the actor at once, e.g. a machine's own `crash` event.
 */
export type ExploreFault =
  | { kind: 'crash'; name: string; actor: string }
  | { kind: 'restart'; name: string; actor: string }
  | { kind: 'event'; name: string; actor: string; event: EventObject };

/** A message in flight as models see it. */
export interface Envelope {
  from: string;
  to: string;
  message: EventObject;
}

/**
 * A history the model keeps beside the actors, updated as messages are sent and delivered
 * (Stateright's `record_msg_out` / `record_msg_in`). It is part of the state, so it must be plain
 * data and each update must return a new value (or undefined for "unchanged").
 */
export interface ExploreHistory<THistory = unknown> {
  initial: THistory;
  /** Called for every message sent, in send order. */
  recordSend?: (history: THistory, envelope: Envelope) => THistory | undefined;
  /**
   * Called for every report a machine makes to the judges (its `observe` effects, in effect
   * order), with the reporting actor: how a model keeps a judge's bookkeeping in the state.
   */
  recordObserve?: (history: THistory, actor: string, observation: unknown) => THistory | undefined;
  /** Called for every message delivered that changed its target. */
  recordDeliver?: (history: THistory, envelope: Envelope) => THistory | undefined;
}

/**
 * A named property (docs/explorer.md, "Properties, counterexamples, replay"): `always` must hold in every reachable state (an invariant; a
 * state where it fails is a counterexample), `sometimes` must hold in at least one (a witness that
 * the search reaches what it claims to test).
 */
export interface ExploreProperty {
  name: string;
  kind: 'always' | 'sometimes';
  holds: (state: ExploreState) => boolean;
}

/** A model the explorer can search (see the file header). */
export interface ExploreModel {
  /** Its name in reports. */
  name: string;
  /** The actors, started in this order. */
  actors: readonly ExploreActor[];
  /** @defaultValue 'unordered-nonduplicating' */
  network?: NetworkSemantics;
  /**
   * On an `ordered` network, the (source, target) channels that keep no order: any message in
   * flight on them may be delivered next, as on an unordered network, while every other channel
   * stays FIFO (the simulator's links are FIFO, and a `reorderRatio` lets messages overtake).
   * Their messages count as a multiset in a state's fingerprint, and a delivery on them that
   * changes nothing is no transition, as on an unordered network. Under symmetry the predicate
   * must treat a group's actors alike. Ignored on the unordered networks. @defaultValue none
   */
  unorderedChannels?: (from: string, to: string) => boolean;
  /**
   * Whether in-flight messages may also be dropped (a choice per message): every message
   * (`true`), or those the predicate names, for a model with one lossy link among reliable ones
   * (a cross-region link, with the region's own traffic kept). Signals are never dropped.
   * @defaultValue false
   */
  lossy?: boolean | ((envelope: Envelope) => boolean);
  /** Faults the explorer may inject. @defaultValue [] */
  faults?: readonly ExploreFault[];
  /** How many `crash` and `event` faults one path may inject. @defaultValue 0 */
  faultBudget?: number;
  /**
   * Groups of interchangeable actor ids (each group's actors run the same machine with inputs
   * that differ only by ids of the group). With `symmetry` on, the explorer counts states equal
   * up to a renaming of each group's ids once (Stateright's `Representative`).
   */
  symmetry?: readonly (readonly string[])[];
  /**
   * What tells a symmetry group's actors apart when a state's representative sorts them:
   * `state`, each actor's own state and timers (Stateright's `representative()`, so counts match
   * its); `state-and-messages`, also the messages in flight to and from it, which merges more
   * symmetric states when actors with equal states differ only by their traffic (a segment whose
   * write is still in flight). Either is sound: a representative is always the state renamed.
   * @defaultValue 'state'
   */
  symmetrySortKey?: 'state' | 'state-and-messages';
  history?: ExploreHistory;
  /**
   * Most firings per path of each listed timer id, all actors together. Exploration has no time
   * (docs/explorer.md, "Time"), so a periodic timer that sends each time it fires (a gossip pull,
   * a retransmission) could fire forever and the state space would have no end; a limit bounds
   * it. Timers not listed fire without limit. @defaultValue {}
   */
  timerLimits?: Readonly<Record<string, number>>;
  properties: readonly ExploreProperty[];
}
