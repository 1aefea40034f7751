/**
 * The explored world's transition relation: which choices a state offers, the state each choice
 * leads to, and the state's fingerprint. Actors are real xstate machines advanced by
 * {@link SteppedActor} (one reused scope per actor; a stored snapshot is restored, then stepped),
 * and their effects are read as data (docs/architecture.md, "One machine, two interpreters").
 *
 * Modelling choices follow Stateright's actor model (`src/actor/model.rs`), so that our counts
 * can be held to its counts (docs/explorer.md):
 * - a delivery or timer that changes nothing (same snapshot, no effects) is not a transition at
 *   all, except on an ordered network, where it still consumes the message;
 * - timers are untimed: any pending timer may fire at any step, before or after any delivery;
 * - `record*` history hooks run on deliveries that are transitions, then on the sends that follow.
 */
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import { ActorFailedError } from '../kernel/actor-failed-error.js';
import type { Envelope, ExploreFault, ExploreModel, NetworkSemantics } from './explore-model.js';
import type { ActorSlot, Choice, ExploreState, InFlight, PendingTimer } from './explore-state.js';
import { combineOrdered, fingerprintOf, hashString, high, low, mixPair, MultisetHash, multisetValue, RenameCache } from './fingerprint.js';
import type { Rename } from './fingerprint.js';
import { PairMemo } from './fingerprint-set.js';
import { SteppedActor } from './stepped-actor.js';
import type { Effect } from './stepped-actor.js';

const SEED_STATE = 0x3243f6a8;
const SEED_NETWORK = 0x13198a2e;
const SEED_TIMERS = 0x03707344;
const SEED_RENAME = 0x299f31d0;

/** Options of {@link ExploreWorld}. */
export interface ExploreWorldOptions {
  /** Overrides the model's network semantics. */
  network?: NetworkSemantics;
  /** Count states equal up to a renaming of each symmetry group once. @defaultValue false */
  symmetry?: boolean;
}

/** Hash of a snapshot's status, value and context. */
function snapshotHashOf(snapshot: AnyMachineSnapshot, rename?: Rename, cache?: RenameCache): number {
  return mixPair(mixPair(hashString(snapshot.status), fingerprintOf(snapshot.value, rename, cache)), fingerprintOf(snapshot.context, rename, cache));
}

const timerSet = new MultisetHash();

function timerHashOf(timerId: string, event: EventObject, rename?: Rename, cache?: RenameCache): number {
  return mixPair(hashString(timerId), fingerprintOf(event, rename, cache));
}

function slotHashOf(snapshotHash: number, timers: readonly PendingTimer[], crashed: boolean, rename?: Rename, cache?: RenameCache): number {
  timerSet.reset();
  for (const timer of timers) timerSet.add(rename === undefined ? timer.hash : timerHashOf(timer.timerId, timer.event, rename, cache));
  return mixPair(mixPair(snapshotHash, timerSet.value(SEED_TIMERS)), crashed ? 1 : 0);
}

/** A transition's outcome, memoised per actor (see {@link ExploreWorld} `step`). */
interface StepResult {
  snapshot: AnyMachineSnapshot;
  snapshotHash: number;
  effects: Effect[];
}

/** Memo entries per actor before the memo is cleared: bounds its memory. */
const MEMO_ENTRIES_MAX = 1 << 20;

/**
 * What one delivery to, or timer firing at, an actor does to the explored state, memoised per
 * actor by (slot hash, event hash) so that a successor's fingerprint is known before the
 * successor is built (docs/explorer.md, "Speed"): the actor's new slot (its timers already
 * changed by the step's effects), the messages it sends, and how the actors' lane sums move.
 */
interface Move {
  /** `none`: the step changes nothing, so it is no transition; `slow`: built the long way (see {@link ExploreWorld.peek}). */
  kind: 'none' | 'slow' | 'fast';
  slot: ActorSlot | undefined;
  /** The sends, each in flight once (a later equal send is dropped on a duplicating network, as in `perform`). */
  sends: readonly InFlight[];
  actorsLow: number;
  actorsHigh: number;
}

const NO_MOVE: Move = { kind: 'none', slot: undefined, sends: [], actorsLow: 0, actorsHigh: 0 };
const SLOW_MOVE: Move = { kind: 'slow', slot: undefined, sends: [], actorsLow: 0, actorsHigh: 0 };

/** Choice kinds in the world's choice list (see {@link ExploreWorld.enumerate}). */
const CHOICE_DELIVER = 0;
const CHOICE_DROP = 1;
const CHOICE_TIMER = 2;
const CHOICE_FAULT = 3;
/** What {@link ExploreWorld.peek} returns for a choice that is no transition. */
export const NO_TRANSITION = -1;
const TAKE_SLOW_PATH = -2;

function envelopeHashOf(from: string, to: string, message: unknown, signal: boolean, rename?: Rename, cache?: RenameCache): number {
  const source = rename?.get(from) ?? from;
  const target = rename?.get(to) ?? to;
  return mixPair(mixPair(mixPair(hashString(source), hashString(target)), fingerprintOf(message, rename, cache)), signal ? 1 : 0);
}

function makeSlot(id: string, snapshot: AnyMachineSnapshot, timers: readonly PendingTimer[], crashed: boolean, snapshotHash = snapshotHashOf(snapshot)): ActorSlot {
  return { id, snapshot, timers, crashed, snapshotHash, hash: slotHashOf(snapshotHash, timers, crashed) };
}

/** What one step is building: copies of the parts it changes. */
interface Draft {
  actors: ActorSlot[];
  timerFirings: Readonly<Record<string, number>>;
  network: InFlight[];
  history: unknown;
  historyChanged: boolean;
}

/** The transition relation of one model (see the file header). */
export class ExploreWorld {
  readonly network: NetworkSemantics;
  readonly symmetry: boolean;
  private readonly stepped: SteppedActor[];
  private readonly indexById = new Map<string, number>();
  private readonly groups: number[][];
  /** Every symmetric id to its group's placeholder, for sort keys. */
  private readonly blind: Rename;
  /** Whether sort keys include the messages in flight to and from each actor. */
  private readonly sortsByMessages: boolean;
  /** Hashes of subtrees naming no symmetric actor, shared by every renaming. */
  private readonly renameCache: RenameCache;
  /** Message hash → the message hashed with every symmetric id blinded (traffic sort keys). */
  private readonly blindEnvelopes = new PairMemo<number>(MEMO_ENTRIES_MAX);
  private readonly faults: readonly ExploreFault[];
  private readonly faultBudget: number;
  private readonly timerLimits: Readonly<Record<string, number>>;
  private readonly hasTimerLimits: boolean;
  /**
   * True iff a successor's fingerprint can be computed from its parent's lane sums: no symmetry
   * (a representative is hashed whole), an unordered network (an ordered one hashes positions)
   * and no history (its hooks run per state).
   */
  private readonly incremental: boolean;
  /** The last enumerated choices: kind, then two operands (see {@link ExploreWorld.enumerate}). */
  private choiceKinds: Int32Array = new Int32Array(64);
  private choiceFirst: Int32Array = new Int32Array(64);
  private choiceSecond: Int32Array = new Int32Array(64);
  /** The successor the last {@link ExploreWorld.peek} fingerprinted, built or still to build. */
  private pendingState: ExploreState | undefined;
  private pendingParent: ExploreState | undefined;
  private pendingMove: Move = NO_MOVE;
  private pendingIndex = 0;
  private pendingRemoved = -1;
  private pendingActorsLow = 0;
  private pendingActorsHigh = 0;
  private pendingNetworkLow = 0;
  private pendingNetworkHigh = 0;
  private pendingFingerprint = 0;
  /** Per actor: (slot hash, event hash) → the move of a delivery, and of a timer firing. */
  private readonly deliveries: PairMemo<Move>[];
  private readonly firings: PairMemo<Move>[];

  constructor(
    readonly model: ExploreModel,
    options: ExploreWorldOptions = {},
  ) {
    this.network = options.network ?? model.network ?? 'unordered-nonduplicating';
    this.symmetry = options.symmetry === true;
    this.stepped = model.actors.map((actor) => new SteppedActor(actor.id, actor.machine));
    this.memo = model.actors.map(() => new PairMemo(MEMO_ENTRIES_MAX));
    for (const [index, actor] of model.actors.entries()) {
      if (this.indexById.has(actor.id)) throw new Error(`explore: actor ${actor.id} appears twice in model ${model.name}`);
      this.indexById.set(actor.id, index);
    }
    this.groups = (model.symmetry ?? []).map((group) => group.map((id) => this.indexOf(id)));
    // One blind for every group: each id becomes its group's placeholder, so that an actor's key
    // reads the same whoever its peers in other groups are called.
    this.blind = new Map((model.symmetry ?? []).flatMap((group, groupIndex) => group.map((id) => [id, `\u0000group${groupIndex}`] as const)));
    this.sortsByMessages = model.symmetrySortKey === 'state-and-messages';
    this.renameCache = new RenameCache(new Set(this.blind.keys()));
    this.faults = model.faults ?? [];
    for (const fault of this.faults) this.indexOf(fault.actor);
    this.faultBudget = model.faultBudget ?? 0;
    this.timerLimits = model.timerLimits ?? {};
    this.hasTimerLimits = Object.keys(this.timerLimits).length > 0;
    this.incremental = !(this.symmetry && this.groups.length > 0) && this.network !== 'ordered' && model.history === undefined;
    this.deliveries = model.actors.map(() => new PairMemo(MEMO_ENTRIES_MAX));
    this.renamedSlots = model.actors.map(() => new PairMemo(MEMO_ENTRIES_MAX));
    this.blindHashes = model.actors.map(() => new PairMemo(MEMO_ENTRIES_MAX));
    this.firings = model.actors.map(() => new PairMemo(MEMO_ENTRIES_MAX));
  }

  /** The index of actor `id` in every state's `actors`. */
  indexOf(id: string): number {
    const index = this.indexById.get(id);
    if (index === undefined) throw new Error(`explore: model ${this.model.name} has no actor ${id}`);
    return index;
  }

  /** The initial state: every actor started in order, its initial effects performed. */
  initial(): ExploreState {
    const draft: Draft = { actors: [], timerFirings: {}, network: [], history: this.model.history?.initial, historyChanged: false };
    const effectsByActor: Effect[][] = [];
    for (const [index, actor] of this.model.actors.entries()) {
      const stepped = this.stepped[index] as SteppedActor;
      effectsByActor.push(this.guarded(actor.id, () => stepped.start(actor.input)));
      draft.actors.push(makeSlot(actor.id, stepped.snapshot, [], false));
    }
    for (const [index, effects] of effectsByActor.entries()) this.perform(draft, index, effects);
    return this.finish(draft, 0);
  }

  /** Every choice `state` offers, in a fixed order: deliveries, drops, timers, faults. */
  choices(state: ExploreState): Choice[] {
    const count = this.enumerate(state);
    const choices: Choice[] = [];
    for (let k = 0; k < count; k++) choices.push(this.choiceAt(state, k));
    return choices;
  }

  /**
   * Lists `state`'s choices (in {@link ExploreWorld.choices}' order) into the world's own typed
   * arrays and returns how many; {@link ExploreWorld.peek} and {@link ExploreWorld.choiceAt} take
   * their positions. No choice object is made for a choice that leads to a state seen before.
   */
  enumerate(state: ExploreState): number {
    let count = 0;
    const network = state.network;
    const ordered = this.network === 'ordered';
    // A duplicating network holds each message once, so no earlier equal one needs looking for.
    const checkEarlier = this.network !== 'unordered-duplicating';
    const lossy = this.model.lossy ?? false;
    for (let position = 0; position < network.length; position++) {
      const envelope = network[position] as InFlight;
      // Offer each channel's head only (ordered), or each distinct message once (unordered).
      if (checkEarlier && this.offeredBefore(network, position, ordered && !this.unorderedChannel(envelope))) continue;
      const target = this.indexById.get(envelope.to);
      if (target === undefined || (state.actors[target] as ActorSlot).crashed) continue;
      count = this.listChoice(count, CHOICE_DELIVER, position, target);
      if (lossy !== false && !envelope.signal && (lossy === true || lossy(envelope))) count = this.listChoice(count, CHOICE_DROP, position, target);
    }
    for (let index = 0; index < state.actors.length; index++) {
      const slot = state.actors[index] as ActorSlot;
      if (slot.crashed) continue;
      for (let position = 0; position < slot.timers.length; position++) {
        if (this.hasTimerLimits) {
          const timerId = (slot.timers[position] as PendingTimer).timerId;
          const limit = this.timerLimits[timerId];
          if (limit !== undefined && (state.timerFirings[timerId] ?? 0) >= limit) continue;
        }
        count = this.listChoice(count, CHOICE_TIMER, index, position);
      }
    }
    for (let position = 0; position < this.faults.length; position++) {
      if (this.faultEnabled(state, this.faults[position] as ExploreFault)) count = this.listChoice(count, CHOICE_FAULT, position, 0);
    }
    return count;
  }

  private listChoice(count: number, kind: number, first: number, second: number): number {
    if (count === this.choiceKinds.length) {
      const grown = (from: Int32Array): Int32Array => {
        const to = new Int32Array(from.length * 2);
        to.set(from);
        return to;
      };
      this.choiceKinds = grown(this.choiceKinds);
      this.choiceFirst = grown(this.choiceFirst);
      this.choiceSecond = grown(this.choiceSecond);
    }
    this.choiceKinds[count] = kind;
    this.choiceFirst[count] = first;
    this.choiceSecond[count] = second;
    return count + 1;
  }

  /** The `k`-th choice of the last {@link ExploreWorld.enumerate} of `state`, as a replayable {@link Choice}. */
  choiceAt(state: ExploreState, k: number): Choice {
    const first = this.choiceFirst[k] as number;
    switch (this.choiceKinds[k]) {
      case CHOICE_DELIVER:
      case CHOICE_DROP: {
        const { from, to, message, hash } = state.network[first] as InFlight;
        return { kind: this.choiceKinds[k] === CHOICE_DELIVER ? 'deliver' : 'drop', from, to, message, messageHash: hash };
      }
      case CHOICE_TIMER: {
        const slot = state.actors[first] as ActorSlot;
        return { kind: 'timer', actor: slot.id, timerId: (slot.timers[this.choiceSecond[k] as number] as PendingTimer).timerId };
      }
      default: {
        const fault = this.faults[first] as ExploreFault;
        return { kind: 'fault', fault: fault.name, actor: fault.actor };
      }
    }
  }

  /**
   * The fingerprint of the state the `k`-th choice of the last {@link ExploreWorld.enumerate} of
   * `state` leads to, or {@link NO_TRANSITION}; {@link ExploreWorld.successor} then builds that
   * state. Where the world is incremental, a delivery or timer firing is fingerprinted from the
   * parent's lane sums and the memoised {@link Move}, and nothing is built: most successors of a
   * search were seen before (docs/explorer.md, "Speed"). Any other choice, and a step with
   * effects besides sends and timers, is built first and fingerprinted whole.
   */
  peek(state: ExploreState, k: number): number {
    this.pendingState = undefined;
    this.pendingParent = undefined;
    if (this.incremental) {
      const kind = this.choiceKinds[k];
      const first = this.choiceFirst[k] as number;
      const second = this.choiceSecond[k] as number;
      let fingerprint = TAKE_SLOW_PATH;
      if (kind === CHOICE_DELIVER) {
        const envelope = state.network[first] as InFlight;
        const move = this.move(this.deliveries, second, state.actors[second] as ActorSlot, envelope.message, envelope.hash, undefined);
        fingerprint = this.peekMove(state, second, move, this.network === 'unordered-duplicating' ? -1 : first);
      } else if (kind === CHOICE_TIMER) {
        const slot = state.actors[first] as ActorSlot;
        const timer = slot.timers[second] as PendingTimer;
        // A limited timer's firing changes the firing counts, which are hashed whole.
        if (this.timerLimits[timer.timerId] === undefined) fingerprint = this.peekMove(state, first, this.move(this.firings, first, slot, timer.event, timer.hash, timer), -1);
      }
      if (fingerprint !== TAKE_SLOW_PATH) return fingerprint;
    }
    const next = this.next(state, this.choiceAt(state, k));
    if (next === undefined) return NO_TRANSITION;
    this.pendingState = next;
    return this.fingerprint(next);
  }

  /** The state the last {@link ExploreWorld.peek} fingerprinted (built now if it was not yet). */
  successor(): ExploreState {
    if (this.pendingState !== undefined) return this.pendingState;
    const parent = this.pendingParent;
    if (parent === undefined) throw new Error('explore: no successor was peeked');
    const move = this.pendingMove;
    const actors = parent.actors.slice();
    actors[this.pendingIndex] = move.slot as ActorSlot;
    const network: InFlight[] = [];
    for (let position = 0; position < parent.network.length; position++) {
      if (position !== this.pendingRemoved) network.push(parent.network[position] as InFlight);
    }
    const duplicating = this.network === 'unordered-duplicating';
    for (const send of move.sends) if (!(duplicating && inFlight(parent.network, send.hash))) network.push(send);
    this.pendingState = {
      actors,
      network,
      history: parent.history,
      historyHash: parent.historyHash,
      faultsUsed: parent.faultsUsed,
      timerFirings: parent.timerFirings,
      actorsLow: this.pendingActorsLow,
      actorsHigh: this.pendingActorsHigh,
      networkLow: this.pendingNetworkLow,
      networkHigh: this.pendingNetworkHigh,
      fingerprint: this.pendingFingerprint,
    };
    return this.pendingState;
  }

  /** Fingerprints `state` after `move` of actor `index`, the message at `removed` consumed (-1: none); see {@link ExploreWorld.peek}. */
  private peekMove(state: ExploreState, index: number, move: Move, removed: number): number {
    if (move.kind === 'none') return NO_TRANSITION;
    if (move.kind === 'slow') return TAKE_SLOW_PATH;
    const network = state.network;
    let networkLow = state.networkLow;
    let networkHigh = state.networkHigh;
    let count = network.length;
    if (removed >= 0) {
      const hash = (network[removed] as InFlight).hash;
      networkLow = (networkLow - low(hash)) | 0;
      networkHigh = (networkHigh - high(hash)) | 0;
      count--;
    }
    const duplicating = this.network === 'unordered-duplicating';
    for (const send of move.sends) {
      if (duplicating && inFlight(network, send.hash)) continue;
      networkLow = (networkLow + low(send.hash)) | 0;
      networkHigh = (networkHigh + high(send.hash)) | 0;
      count++;
    }
    const actorsLow = (state.actorsLow + move.actorsLow) | 0;
    const actorsHigh = (state.actorsHigh + move.actorsHigh) | 0;
    const networkHash = multisetValue(networkLow, networkHigh, count, SEED_NETWORK);
    if (state !== this.restParent) {
      this.restParent = state;
      this.restHash = this.restHashOf(state.historyHash, state.faultsUsed, state.timerFirings);
    }
    const fingerprint = this.plainFingerprint(actorsLow, actorsHigh, networkHash, this.restHash);
    this.pendingParent = state;
    this.pendingMove = move;
    this.pendingIndex = index;
    this.pendingRemoved = removed;
    this.pendingActorsLow = actorsLow;
    this.pendingActorsHigh = actorsHigh;
    this.pendingNetworkLow = networkLow;
    this.pendingNetworkHigh = networkHigh;
    this.pendingFingerprint = fingerprint;
    return fingerprint;
  }

  /**
   * The move of actor `index` from `slot` on `event` (a delivery, or the firing of `fired`),
   * memoised like {@link ExploreWorld.step}. Its slot and sends come from `perform` on a draft that
   * holds only this actor, so they are what the long way (`deliver`, `fire`) would build.
   */
  private move(memos: PairMemo<Move>[], index: number, slot: ActorSlot, event: EventObject, eventHash: number, fired: PendingTimer | undefined): Move {
    const memo = memos[index] as PairMemo<Move>;
    const known = memo.get(slot.hash, eventHash);
    if (known !== undefined) return known;
    const { snapshot, snapshotHash, effects } = this.step(index, slot, event, eventHash);
    let move: Move;
    if (
      snapshotHash === slot.snapshotHash &&
      (fired === undefined ? effects.length === 0 : effects.every((effect) => effect.kind === 'schedule' && effect.timerId === fired.timerId))
    ) {
      move = NO_MOVE;
    } else if (effects.some((effect) => effect.kind === 'observe')) {
      // An observation may feed hooks that read the whole state; such steps take the long way.
      move = SLOW_MOVE;
    } else {
      const timers = fired === undefined ? slot.timers : slot.timers.filter((pending) => pending !== fired);
      const actors: ActorSlot[] = [];
      actors[index] = makeSlot(slot.id, snapshot, timers, false, snapshotHash);
      const draft: Draft = { actors, timerFirings: {}, network: [], history: undefined, historyChanged: false };
      this.perform(draft, index, effects);
      const next = draft.actors[index] as ActorSlot;
      const before = mixPair(slot.hash, index);
      const after = mixPair(next.hash, index);
      move = { kind: 'fast', slot: next, sends: draft.network, actorsLow: (low(after) - low(before)) | 0, actorsHigh: (high(after) - high(before)) | 0 };
    }
    memo.set(slot.hash, eventHash, move);
    return move;
  }

  /** True iff an earlier message shares `position`'s channel (ordered) or equals it (unordered). */
  /** True iff the model lets `envelope`'s channel deliver out of order on an ordered network. */
  private unorderedChannel(envelope: Pick<InFlight, 'from' | 'to'>): boolean {
    return this.model.unorderedChannels?.(envelope.from, envelope.to) === true;
  }

  private offeredBefore(network: readonly InFlight[], position: number, ordered: boolean): boolean {
    const envelope = network[position] as InFlight;
    for (let earlier = 0; earlier < position; earlier++) {
      const other = network[earlier] as InFlight;
      if (ordered ? other.from === envelope.from && other.to === envelope.to : other.hash === envelope.hash) return true;
    }
    return false;
  }

  /** The state `choice` leads to from `state`; undefined when the choice changes nothing. */
  next(state: ExploreState, choice: Choice): ExploreState | undefined {
    switch (choice.kind) {
      case 'deliver':
        return this.deliver(state, choice);
      case 'drop':
        return this.drop(state, choice.messageHash);
      case 'timer':
        return this.fire(state, choice.actor, choice.timerId);
      case 'fault':
        return this.inject(state, choice.fault);
    }
  }

  /** The state's fingerprint; under symmetry, the fingerprint of its representative. */
  fingerprint(state: ExploreState): number {
    if (this.symmetry && this.groups.length > 0) return this.representativeFingerprint(state);
    return state.fingerprint;
  }

  /** The fingerprint without symmetry: the actors' lane sums, the network's hash and the rest. */
  private plainFingerprint(actorsLow: number, actorsHigh: number, networkHash: number, restHash: number): number {
    return mixPair(mixPair(multisetValue(actorsLow, actorsHigh, this.stepped.length, SEED_STATE), networkHash), restHash);
  }

  /** Hash of the parts a delivery or timer firing leaves alone: history, faults used, limited firings. */
  private restHashOf(historyHash: number, faultsUsed: number, timerFirings: Readonly<Record<string, number>>): number {
    return mixPair(mixPair(historyHash, faultsUsed), this.firingsHash(timerFirings));
  }

  /** The rest hash (see {@link ExploreWorld.restHashOf}) of the state whose choices are being peeked. */
  private restParent: ExploreState | undefined;
  private restHash = 0;

  private readonly networkSet = new MultisetHash();
  /** Per actor: (snapshot hash, event hash) → the step's outcome. */
  private readonly memo: PairMemo<StepResult>[];

  /** Hash of the limited timers' firings (a constant when the model limits none). */
  private firingsHash(timerFirings: Readonly<Record<string, number>>): number {
    return this.hasTimerLimits ? fingerprintOf(timerFirings) : 0;
  }

  private networkHash(network: readonly InFlight[], hashes?: readonly number[]): number {
    const set = this.networkSet.reset();
    if (this.network !== 'ordered') {
      for (const [index, envelope] of network.entries()) set.add(hashes?.[index] ?? envelope.hash);
      return set.value(SEED_NETWORK);
    }
    // Ordered: each message counts with its position in its channel; on a channel that keeps no
    // order (`unorderedChannels`) the position changes nothing, so there it counts as a multiset.
    const positions = new Map<string, number>();
    for (const [index, envelope] of network.entries()) {
      const channel = `${envelope.from}\u0000${envelope.to}`;
      const position = this.unorderedChannel(envelope) ? 0 : (positions.get(channel) ?? 0);
      positions.set(channel, position + 1);
      set.add(mixPair(hashes?.[index] ?? envelope.hash, position));
    }
    return set.value(SEED_NETWORK);
  }

  /**
   * Stateright's `representative()`: within each group, sort the actors by their own state
   * (ties keep id order; the group's ids are blinded in the sort key, so that an actor's own id
   * in its context does not tell it from its peers), give the k-th sorted actor the group's k-th id, and hash the whole
   * state under that renaming: actor states, messages (endpoints and contents) and history.
   */
  private representativeFingerprint(state: ExploreState): number {
    const actors = state.actors;
    const order = actors.map((_, index) => index);
    const traffic = this.sortsByMessages ? this.trafficKeys(state) : undefined;
    const keyOf = (index: number): number => {
      const own = this.blindHash(actors, index);
      return traffic === undefined ? own : mixPair(own, traffic.get((actors[index] as ActorSlot).id)?.value(SEED_NETWORK) ?? 0);
    };
    for (const group of this.groups) {
      const keys = new Map<number, number>();
      for (const index of group) keys.set(index, keyOf(index));
      const sorted = group.slice().sort((x, y) => (keys.get(x) as number) - (keys.get(y) as number) || x - y);
      for (const [k, index] of sorted.entries()) order[group[k] as number] = index;
    }
    // A slot's or message's hash under a renaming depends only on it and the renaming, which
    // `order` determines; both are memoised, so a state's parts are walked again only when new.
    const renameKey = combineOrdered(order, SEED_RENAME);
    let rename: Map<string, string> | undefined;
    const renameOf = (): Rename => {
      if (rename === undefined) {
        rename = new Map();
        for (const group of this.groups) for (const position of group) rename.set((actors[order[position] as number] as ActorSlot).id, (actors[position] as ActorSlot).id);
      }
      return rename;
    };
    const actorHashes = order.map((index) => {
      const slot = actors[index] as ActorSlot;
      const memo = this.renamedSlots[index] as PairMemo<number>;
      let hash = memo.get(slot.hash, renameKey);
      if (hash === undefined) {
        const renaming = renameOf();
        hash = slotHashOf(snapshotHashOf(slot.snapshot, renaming, this.renameCache), slot.timers, slot.crashed, renaming, this.renameCache);
        memo.set(slot.hash, renameKey, hash);
      }
      return hash;
    });
    let networkHash: number;
    if (this.network === 'ordered') {
      const network = this.renamedNetwork(state.network, renameOf());
      networkHash = this.networkHash(
        network,
        network.map((envelope) => envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, renameOf(), this.renameCache)),
      );
    } else {
      let networkLow = 0;
      let networkHigh = 0;
      for (const envelope of state.network) {
        let hash = this.renamedEnvelopes.get(envelope.hash, renameKey);
        if (hash === undefined) {
          hash = envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, renameOf(), this.renameCache);
          this.renamedEnvelopes.set(envelope.hash, renameKey, hash);
        }
        networkLow = (networkLow + low(hash)) | 0;
        networkHigh = (networkHigh + high(hash)) | 0;
      }
      networkHash = multisetValue(networkLow, networkHigh, state.network.length, SEED_NETWORK);
    }
    let history = this.renamedHistories.get(state.historyHash, renameKey);
    if (history === undefined) {
      history = fingerprintOf(state.history, renameOf(), this.renameCache);
      this.renamedHistories.set(state.historyHash, renameKey, history);
    }
    return mixPair(mixPair(mixPair(mixPair(combineOrdered(actorHashes, SEED_STATE), networkHash), history), state.faultsUsed), this.firingsHash(state.timerFirings));
  }

  /** Per actor: (slot hash, renaming) → the slot's hash under the renaming (see {@link ExploreWorld.representativeFingerprint}). */
  private readonly renamedSlots: PairMemo<number>[];
  /** (message hash, renaming) → the message's hash under the renaming. */
  private readonly renamedEnvelopes = new PairMemo<number>(MEMO_ENTRIES_MAX);
  /** (history hash, renaming) → the history's hash under the renaming. */
  private readonly renamedHistories = new PairMemo<number>(MEMO_ENTRIES_MAX);
  /** Per actor: slot hash → its sort key, the slot hashed with every symmetric id blinded. */
  private readonly blindHashes: PairMemo<number>[];

  private blindHash(actors: readonly ActorSlot[], index: number): number {
    const slot = actors[index] as ActorSlot;
    const memo = this.blindHashes[index] as PairMemo<number>;
    let hash = memo.get(slot.hash, 0);
    if (hash === undefined) {
      hash = slotHashOf(snapshotHashOf(slot.snapshot, this.blind, this.renameCache), slot.timers, slot.crashed, this.blind, this.renameCache);
      memo.set(slot.hash, 0, hash);
    }
    return hash;
  }

  /**
   * Per symmetric actor, the multiset of blinded messages in flight to it and from it: with
   * `symmetrySortKey: 'state-and-messages'`, actors whose own states tie are told apart by their
   * traffic, so a state and its image under a renaming more often sort alike.
   */
  private trafficKeys(state: ExploreState): Map<string, MultisetHash> {
    const keys = new Map<string, MultisetHash>();
    const add = (id: string, hash: number): void => {
      if (!this.blind.has(id)) return;
      let set = keys.get(id);
      if (set === undefined) keys.set(id, (set = new MultisetHash()));
      set.add(hash);
    };
    for (const envelope of state.network) {
      if (!this.blind.has(envelope.to) && !this.blind.has(envelope.from)) continue;
      let hash = this.blindEnvelopes.get(envelope.hash, 0);
      if (hash === undefined) {
        hash = envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, this.blind, this.renameCache);
        this.blindEnvelopes.set(envelope.hash, 0, hash);
      }
      add(envelope.to, mixPair(hash, 1));
      add(envelope.from, mixPair(hash, 2));
    }
    return keys;
  }

  /** Endpoints renamed, so that ordered channels are keyed by their renamed ends. */
  private renamedNetwork(network: readonly InFlight[], rename: Rename): InFlight[] {
    return network.map((envelope) => ({ ...envelope, from: rename.get(envelope.from) ?? envelope.from, to: rename.get(envelope.to) ?? envelope.to }));
  }

  private faultEnabled(state: ExploreState, fault: ExploreFault): boolean {
    const slot = state.actors[this.indexOf(fault.actor)] as ActorSlot;
    if (fault.kind === 'restart') return slot.crashed;
    return !slot.crashed && state.faultsUsed < this.faultBudget;
  }

  private deliver(state: ExploreState, choice: Extract<Choice, { kind: 'deliver' }>): ExploreState | undefined {
    const position = state.network.findIndex((envelope) => envelope.hash === choice.messageHash);
    if (position < 0) throw new Error(`explore: no message ${choice.message.type} from ${choice.from} to ${choice.to} in flight`);
    const envelope = state.network[position] as InFlight;
    const index = this.indexOf(envelope.to);
    const slot = state.actors[index] as ActorSlot;
    const { snapshot, snapshotHash, effects } = this.step(index, slot, envelope.message, envelope.hash);
    if (effects.length === 0 && snapshotHash === slot.snapshotHash && (this.network !== 'ordered' || this.unorderedChannel(envelope))) return undefined;
    const draft = this.draftOf(state);
    if (this.network !== 'unordered-duplicating') draft.network.splice(position, 1);
    this.record(draft, 'recordDeliver', envelope);
    draft.actors[index] = makeSlot(slot.id, snapshot, slot.timers, false, snapshotHash);
    this.perform(draft, index, effects);
    return this.finish(draft, state.faultsUsed, state);
  }

  private drop(state: ExploreState, messageHash: number): ExploreState {
    const draft = this.draftOf(state);
    const position = draft.network.findIndex((envelope) => envelope.hash === messageHash);
    if (position < 0) throw new Error('explore: the message to drop is not in flight');
    draft.network.splice(position, 1);
    return this.finish(draft, state.faultsUsed, state);
  }

  private fire(state: ExploreState, actorId: string, timerId: string): ExploreState | undefined {
    const index = this.indexOf(actorId);
    const slot = state.actors[index] as ActorSlot;
    const timer = slot.timers.find((pending) => pending.timerId === timerId);
    if (timer === undefined) throw new Error(`explore: ${actorId} has no pending timer ${timerId}`);
    const { snapshot, snapshotHash, effects } = this.step(index, slot, timer.event, timer.hash);
    // Stateright's `is_no_op_with_timer`: unchanged, and at most the same timer set again.
    const renewsOnly = effects.every((effect) => effect.kind === 'schedule' && effect.timerId === timerId);
    if (snapshotHash === slot.snapshotHash && renewsOnly) return undefined;
    const draft = this.draftOf(state);
    const timers = slot.timers.filter((pending) => pending !== timer);
    draft.actors[index] = makeSlot(slot.id, snapshot, timers, false, snapshotHash);
    if (this.timerLimits[timerId] !== undefined) draft.timerFirings = { ...state.timerFirings, [timerId]: (state.timerFirings[timerId] ?? 0) + 1 };
    this.perform(draft, index, effects);
    return this.finish(draft, state.faultsUsed, state);
  }

  private inject(state: ExploreState, name: string): ExploreState | undefined {
    const fault = this.faults.find((candidate) => candidate.name === name);
    if (fault === undefined) throw new Error(`explore: model ${this.model.name} has no fault ${name}`);
    const index = this.indexOf(fault.actor);
    const slot = state.actors[index] as ActorSlot;
    const draft = this.draftOf(state);
    if (fault.kind === 'crash') {
      draft.actors[index] = makeSlot(slot.id, slot.snapshot, [], true, slot.snapshotHash);
      return this.finish(draft, state.faultsUsed + 1, state);
    }
    if (fault.kind === 'restart') {
      const stepped = this.stepped[index] as SteppedActor;
      const input = (this.model.actors[index] as { input?: unknown }).input;
      const effects = this.guarded(slot.id, () => stepped.start(input));
      draft.actors[index] = makeSlot(slot.id, stepped.snapshot, [], false);
      this.perform(draft, index, effects);
      return this.finish(draft, state.faultsUsed, state);
    }
    const { snapshot, snapshotHash, effects } = this.step(index, slot, fault.event, fingerprintOf(fault.event));
    // Like a delivery, an event that changes nothing is no transition (and spends no budget).
    if (effects.length === 0 && snapshotHash === slot.snapshotHash) return undefined;
    draft.actors[index] = makeSlot(slot.id, snapshot, slot.timers, false, snapshotHash);
    this.perform(draft, index, effects);
    return this.finish(draft, state.faultsUsed + 1, state);
  }

  /**
   * One transition of actor `index` from its slot's snapshot on `event` (whose hash is
   * `eventHash`). Transitions are pure functions of (snapshot, event) (docs/determinism.md, "Pure
   * transitions"), and an actor meets the same snapshot and event in many explored states, so
   * the outcome is memoised by their hashes: most steps of a search never reach xstate.
   */
  private step(index: number, slot: ActorSlot, event: EventObject, eventHash: number): StepResult {
    const memo = this.memo[index] as PairMemo<StepResult>;
    const known = memo.get(slot.snapshotHash, eventHash);
    if (known !== undefined) return known;
    const stepped = this.stepped[index] as SteppedActor;
    stepped.restore(slot.snapshot);
    const effects = this.guarded(stepped.id, () => stepped.step(event));
    const result = { snapshot: stepped.snapshot, snapshotHash: snapshotHashOf(stepped.snapshot), effects };
    memo.set(slot.snapshotHash, eventHash, result);
    return result;
  }

  /** Runs one transition; a throw or an error snapshot names the actor (as the stepped host). */
  private guarded(id: string, transition: () => Effect[]): Effect[] {
    let effects: Effect[];
    try {
      effects = transition();
    } catch (error) {
      throw new ActorFailedError(id, error);
    }
    const snapshot = (this.stepped[this.indexOf(id)] as SteppedActor).snapshot as { status: string; error?: unknown };
    if (snapshot.status === 'error') throw new ActorFailedError(id, snapshot.error);
    return effects;
  }

  private draftOf(state: ExploreState): Draft {
    return { actors: state.actors.slice(), timerFirings: state.timerFirings, network: state.network.slice(), history: state.history, historyChanged: false };
  }

  /** Performs one actor's effects on the draft, in order (as the stepped host performs them). */
  private perform(draft: Draft, index: number, effects: readonly Effect[]): void {
    const slot = draft.actors[index] as ActorSlot;
    let timers = slot.timers;
    for (const effect of effects) {
      if (effect.kind === 'send' || effect.kind === 'signal') {
        const signal = effect.kind === 'signal';
        const message = (signal ? effect.event : effect.message) as EventObject;
        const hash = envelopeHashOf(slot.id, effect.to, message, signal);
        if (this.network === 'unordered-duplicating' && draft.network.some((envelope) => envelope.hash === hash)) continue;
        draft.network.push({ from: slot.id, to: effect.to, message, signal, hash });
        this.record(draft, 'recordSend', { from: slot.id, to: effect.to, message });
      } else if (effect.kind === 'schedule') {
        if (timers.some((pending) => pending.timerId === effect.timerId)) {
          throw new ActorFailedError(slot.id, new Error(`timer ${effect.timerId} scheduled while pending; cancel it first`));
        }
        timers = [...timers, { timerId: effect.timerId, event: effect.event, hash: timerHashOf(effect.timerId, effect.event) }];
      } else if (effect.kind === 'cancel') {
        timers = timers.filter((pending) => pending.timerId !== effect.timerId);
      } else if (effect.kind === 'observe') {
        this.recordObservation(draft, slot.id, effect.observation);
      }
      // `publish` reports to streams outside the explored state.
    }
    // A final state stops the actor, which cancels its timers (as live xstate does).
    if (slot.snapshot.status !== 'active') timers = [];
    if (timers !== slot.timers) draft.actors[index] = makeSlot(slot.id, slot.snapshot, timers, slot.crashed, slot.snapshotHash);
  }

  private recordObservation(draft: Draft, actor: string, observation: unknown): void {
    const recorder = this.model.history?.recordObserve;
    if (recorder === undefined) return;
    const history = recorder(draft.history, actor, observation);
    if (history === undefined) return;
    draft.history = history;
    draft.historyChanged = true;
  }

  private record(draft: Draft, hook: 'recordSend' | 'recordDeliver', envelope: Envelope): void {
    const recorder = this.model.history?.[hook];
    if (recorder === undefined) return;
    const history = recorder(draft.history, envelope);
    if (history === undefined) return;
    draft.history = history;
    draft.historyChanged = true;
  }

  private finish(draft: Draft, faultsUsed: number, parent?: ExploreState): ExploreState {
    const historyHash = parent === undefined || draft.historyChanged ? fingerprintOf(draft.history) : parent.historyHash;
    const { actors, network, history, timerFirings } = draft;
    let actorsLow = 0;
    let actorsHigh = 0;
    for (let index = 0; index < actors.length; index++) {
      const term = mixPair((actors[index] as ActorSlot).hash, index);
      actorsLow = (actorsLow + low(term)) | 0;
      actorsHigh = (actorsHigh + high(term)) | 0;
    }
    let networkLow = 0;
    let networkHigh = 0;
    for (const envelope of network) {
      networkLow = (networkLow + low(envelope.hash)) | 0;
      networkHigh = (networkHigh + high(envelope.hash)) | 0;
    }
    const networkHash = this.network === 'ordered' ? this.networkHash(network) : multisetValue(networkLow, networkHigh, network.length, SEED_NETWORK);
    const fingerprint = this.plainFingerprint(actorsLow, actorsHigh, networkHash, this.restHashOf(historyHash, faultsUsed, timerFirings));
    return { actors, network, history, historyHash, faultsUsed, timerFirings, actorsLow, actorsHigh, networkLow, networkHigh, fingerprint };
  }
}

/** True iff a message with `hash` is in flight. */
function inFlight(network: readonly InFlight[], hash: number): boolean {
  for (const envelope of network) if (envelope.hash === hash) return true;
  return false;
}
