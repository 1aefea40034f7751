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
import { combineOrdered, fingerprintOf, hashString, mixPair, MultisetHash, RenameCache } from './fingerprint.js';
import type { Rename } from './fingerprint.js';
import { SteppedActor } from './stepped-actor.js';
import type { Effect } from './stepped-actor.js';

const SEED_STATE = 0x3243f6a8;
const SEED_NETWORK = 0x13198a2e;
const SEED_TIMERS = 0x03707344;

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
  /** Per slot or message: its hash with symmetric ids blinded, and per renaming, renamed. */
  private readonly blindSlotHashes = new WeakMap<ActorSlot, number>();
  private readonly blindEnvelopeHashes = new WeakMap<InFlight, number>();
  private readonly renamedSlotHashes = new WeakMap<ActorSlot, Map<string, number>>();
  private readonly renamedEnvelopeHashes = new WeakMap<InFlight, Map<string, number>>();
  private readonly faults: readonly ExploreFault[];
  private readonly faultBudget: number;
  private readonly timerLimits: Readonly<Record<string, number>>;
  private readonly hasTimerLimits: boolean;

  constructor(
    readonly model: ExploreModel,
    options: ExploreWorldOptions = {},
  ) {
    this.network = options.network ?? model.network ?? 'unordered-nonduplicating';
    this.symmetry = options.symmetry === true;
    this.stepped = model.actors.map((actor) => new SteppedActor(actor.id, actor.machine));
    this.memo = model.actors.map(() => new Map());
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
    const choices: Choice[] = [];
    const network = state.network;
    const ordered = this.network === 'ordered';
    for (let position = 0; position < network.length; position++) {
      const envelope = network[position] as InFlight;
      // Offer each channel's head only (ordered), or each distinct message once (unordered).
      if (this.offeredBefore(network, position, ordered)) continue;
      const target = this.indexById.get(envelope.to);
      if (target === undefined || (state.actors[target] as ActorSlot).crashed) continue;
      const { from, to, message, hash } = envelope;
      choices.push({ kind: 'deliver', from, to, message, messageHash: hash });
      if (this.model.lossy === true && !envelope.signal) choices.push({ kind: 'drop', from, to, message, messageHash: hash });
    }
    for (const slot of state.actors) {
      if (slot.crashed) continue;
      for (const timer of slot.timers) {
        const limit = this.timerLimits[timer.timerId];
        if (limit !== undefined && (state.timerFirings[timer.timerId] ?? 0) >= limit) continue;
        choices.push({ kind: 'timer', actor: slot.id, timerId: timer.timerId });
      }
    }
    for (const fault of this.faults) {
      if (this.faultEnabled(state, fault)) choices.push({ kind: 'fault', fault: fault.name, actor: fault.actor });
    }
    return choices;
  }

  /** True iff an earlier message shares `position`'s channel (ordered) or equals it (unordered). */
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
    let a = SEED_STATE;
    for (const slot of state.actors) a = mixPair(a, slot.hash);
    return mixPair(mixPair(mixPair(mixPair(a, this.networkHash(state.network)), state.historyHash), state.faultsUsed), this.firingsHash(state));
  }

  private readonly networkSet = new MultisetHash();
  /** Per actor: (snapshot hash, event hash) → the step's outcome. */
  private readonly memo: Map<number, StepResult>[];

  /** Hash of the limited timers' firings (a constant when the model limits none). */
  private firingsHash(state: ExploreState): number {
    return this.hasTimerLimits ? fingerprintOf(state.timerFirings) : 0;
  }

  private networkHash(network: readonly InFlight[], hashes?: readonly number[]): number {
    const set = this.networkSet.reset();
    if (this.network !== 'ordered') {
      for (const [index, envelope] of network.entries()) set.add(hashes?.[index] ?? envelope.hash);
      return set.value(SEED_NETWORK);
    }
    // Ordered: each message counts with its position in its channel.
    const positions = new Map<string, number>();
    for (const [index, envelope] of network.entries()) {
      const channel = `${envelope.from}\u0000${envelope.to}`;
      const position = positions.get(channel) ?? 0;
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
    const rename = new Map<string, string>();
    const order = state.actors.map((_, index) => index);
    const blind = this.blind;
    const traffic = this.sortsByMessages ? this.trafficKeys(state) : undefined;
    for (const group of this.groups) {
      const keys = new Map<number, number>();
      for (const index of group) {
        const slot = state.actors[index] as ActorSlot;
        let own = this.blindSlotHashes.get(slot);
        if (own === undefined) {
          own = slotHashOf(snapshotHashOf(slot.snapshot, blind, this.renameCache), slot.timers, slot.crashed, blind, this.renameCache);
          this.blindSlotHashes.set(slot, own);
        }
        keys.set(index, traffic === undefined ? own : mixPair(own, traffic.get(slot.id)?.value(SEED_NETWORK) ?? 0));
      }
      const sorted = group.slice().sort((x, y) => (keys.get(x) as number) - (keys.get(y) as number) || x - y);
      for (const [k, index] of sorted.entries()) {
        const position = group[k] as number;
        rename.set((state.actors[index] as ActorSlot).id, (state.actors[position] as ActorSlot).id);
        order[position] = index;
      }
    }
    // Slots and messages are shared by many states and meet few renamings: their renamed hashes
    // are kept per renaming (named by the image of every symmetric id, in group order).
    let renaming = '';
    for (const id of this.blind.keys()) renaming += `${rename.get(id) ?? id}\u0001`;
    const actorHashes = order.map((index) => {
      const slot = state.actors[index] as ActorSlot;
      return this.renamedHash(this.renamedSlotHashes, slot, renaming, () => slotHashOf(snapshotHashOf(slot.snapshot, rename, this.renameCache), slot.timers, slot.crashed, rename, this.renameCache));
    });
    const network = this.network === 'ordered' ? this.renamedNetwork(state.network, rename) : state.network;
    const envelopeHashes =
      this.network === 'ordered'
        ? network.map((envelope) => envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, rename, this.renameCache))
        : network.map((envelope) => this.renamedHash(this.renamedEnvelopeHashes, envelope, renaming, () => envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, rename, this.renameCache)));
    const history = fingerprintOf(state.history, rename, this.renameCache);
    return mixPair(mixPair(mixPair(mixPair(combineOrdered(actorHashes, SEED_STATE), this.networkHash(network, envelopeHashes)), history), state.faultsUsed), this.firingsHash(state));
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
      let hash = this.blindEnvelopeHashes.get(envelope);
      if (hash === undefined) {
        hash = envelopeHashOf(envelope.from, envelope.to, envelope.message, envelope.signal, this.blind, this.renameCache);
        this.blindEnvelopeHashes.set(envelope, hash);
      }
      add(envelope.to, mixPair(hash, 1));
      add(envelope.from, mixPair(hash, 2));
    }
    return keys;
  }

  private renamedHash<T extends object>(table: WeakMap<T, Map<string, number>>, item: T, renaming: string, compute: () => number): number {
    let byRenaming = table.get(item);
    if (byRenaming === undefined) table.set(item, (byRenaming = new Map()));
    let hash = byRenaming.get(renaming);
    if (hash === undefined) byRenaming.set(renaming, (hash = compute()));
    return hash;
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
    if (effects.length === 0 && snapshotHash === slot.snapshotHash && this.network !== 'ordered') return undefined;
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
    const memo = this.memo[index] as Map<number, StepResult>;
    const key = mixPair(slot.snapshotHash, eventHash);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const stepped = this.stepped[index] as SteppedActor;
    stepped.restore(slot.snapshot);
    const effects = this.guarded(stepped.id, () => stepped.step(event));
    const result = { snapshot: stepped.snapshot, snapshotHash: snapshotHashOf(stepped.snapshot), effects };
    if (memo.size >= MEMO_ENTRIES_MAX) memo.clear();
    memo.set(key, result);
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
    return { actors: draft.actors, network: draft.network, history: draft.history, historyHash, faultsUsed, timerFirings: draft.timerFirings };
  }
}
