/**
 * The stepped interpreter on the kernel: the same world as `src/cluster/live-host.ts`, but every
 * actor is a plain snapshot advanced by {@link SteppedActor} and every effect is performed here.
 *
 * It exists so the differential test can hold the two interpreters to one trace (docs/architecture.md, "One machine, two interpreters"),
 * and it is the base of the explorer, which replaces the clock's choice of the next event by its
 * own. Timer semantics follow xstate's live scheduler: a timer fires once unless cancelled first;
 * scheduling an id that is still pending is refused, because live xstate would then leave the first
 * timer running and un-cancellable (a model bug we want to see, not replay).
 */
import { freeze } from 'immer';
import type { AnyStateMachine, EventObject, InputFrom, SnapshotFrom } from 'xstate';
import { ActorFailedError } from '../kernel/actor-failed-error.js';
import type { TimerId, VirtualClock } from '../kernel/clock.js';
import type { Locality, Network } from '../kernel/network.js';
import { stateText } from '../kernel/trace.js';
import type { Trace } from '../kernel/trace.js';
import { SteppedActor } from './stepped-actor.js';
import type { Effect } from './stepped-actor.js';

/** What to run: one actor of the world (the same shape the live host takes). */
export interface SteppedActorSpec<TMachine extends AnyStateMachine = AnyStateMachine> {
  id: string;
  machine: TMachine;
  input?: InputFrom<TMachine>;
  locality: Locality;
}

/** Options of {@link SteppedHost}. */
export interface SteppedHostOptions {
  clock: VirtualClock;
  network: Network;
  trace?: Trace;
  /**
   * Where `observe` and `publish` effects go, in the order they were performed: the same hook as
   * the live host's `emit` (`src/cluster/host.ts`, `EmitFn`).
   */
  emit?: (actorId: string, emission: Extract<Effect, { kind: 'observe' | 'publish' }>) => void;
  /**
   * Deep-freeze every snapshot's context and every delivered event (immer's `freeze(x, true)`),
   * so a transition that writes into what it was given throws at the write. The explorer keeps old
   * snapshots and steps them again; a write in place would corrupt them silently. Freezing walks
   * only objects not frozen before, so shared structure costs nothing twice. @defaultValue false
   */
  freeze?: boolean;
}

interface Stepped {
  actor: SteppedActor;
  /** Effects of the initial transition, performed when the actor starts. */
  initialEffects: Effect[];
  lastStateText: string;
  offline: boolean;
  timers: Record<string, TimerId>;
}

/** Runs machines stepped; see the file header. */
export class SteppedHost {
  private readonly hosted: Record<string, Stepped> = {};

  constructor(private readonly options: SteppedHostOptions) {}

  /** Creates every actor, then starts them in order (as the live host does). */
  spawnAll(specs: readonly SteppedActorSpec[]): void {
    const created = specs.map((spec) => this.create(spec));
    for (const [index, stepped] of created.entries()) this.start((specs[index] as SteppedActorSpec).id, stepped);
  }

  /** Creates and starts one actor. */
  spawn<TMachine extends AnyStateMachine>(spec: SteppedActorSpec<TMachine>): void {
    this.start(spec.id, this.create(spec));
  }

  /** Delivers an external event to an actor now. */
  inject(id: string, event: EventObject): void {
    this.deliver(id, event);
  }

  /** An actor's current snapshot. */
  snapshotOf<TMachine extends AnyStateMachine>(id: string): SnapshotFrom<TMachine> {
    return this.get(id).actor.snapshot as SnapshotFrom<TMachine>;
  }

  /** Ids of the hosted actors, in spawn order. */
  ids(): string[] {
    return Object.keys(this.hosted);
  }

  private get(id: string): Stepped {
    const stepped = this.hosted[id];
    if (stepped === undefined) throw new Error(`stepped host: no actor ${id}`);
    return stepped;
  }

  private create(spec: SteppedActorSpec): Stepped {
    const { clock, network, trace } = this.options;
    if (this.hosted[spec.id] !== undefined) throw new Error(`stepped host: actor ${spec.id} already exists`);
    trace?.record({ kind: 'note', atMs: clock.now(), text: `spawn ${spec.id}` });
    const actor = new SteppedActor(spec.id, spec.machine);
    // Like live xstate, compute the initial snapshot at creation and run its actions at start.
    const stepped: Stepped = { actor, initialEffects: this.guarded(spec.id, actor, () => actor.start(spec.input)), lastStateText: '', offline: false, timers: {} };
    this.hosted[spec.id] = stepped;
    network.attach(spec.id, spec.locality, (envelope) => this.deliver(spec.id, envelope.message as EventObject));
    this.record(spec.id, stepped);
    return stepped;
  }

  private start(id: string, stepped: Stepped): void {
    const effects = stepped.initialEffects;
    stepped.initialEffects = [];
    this.perform(id, stepped, effects);
    // The live actor reports its snapshot again when it starts.
    this.record(id, stepped);
  }

  private deliver(id: string, event: EventObject): void {
    const stepped = this.get(id);
    if (stepped.actor.snapshot.status !== 'active') return; // a stopped actor ignores events, as live
    if (this.options.freeze === true) freeze(event, true);
    const effects = this.guarded(id, stepped.actor, () => stepped.actor.step(event));
    this.perform(id, stepped, effects);
    this.record(id, stepped);
  }

  /**
   * Runs one transition; a throw or an error snapshot fails the run naming the actor, as the live
   * host's error observer does (docs/determinism.md, "When an actor fails").
   */
  private guarded(id: string, actor: SteppedActor, transition: () => Effect[]): Effect[] {
    let effects: Effect[];
    try {
      effects = transition();
    } catch (error) {
      throw new ActorFailedError(id, error);
    }
    const current = actor.snapshot as { status: string; error?: unknown; context: unknown };
    if (current.status === 'error') throw new ActorFailedError(id, current.error);
    if (this.options.freeze === true) freeze(current.context, true);
    return effects;
  }

  private perform(id: string, stepped: Stepped, effects: readonly Effect[]): void {
    const { clock, network, trace } = this.options;
    for (const effect of effects) {
      if (effect.kind === 'send') {
        network.send(id, effect.to, effect.message);
      } else if (effect.kind === 'signal') {
        const { to, event } = effect;
        clock.scheduleAt(clock.now(), () => {
          trace?.record({ kind: 'signal', atMs: clock.now(), from: id, to, type: event.type });
          this.deliver(to, event);
        });
      } else if (effect.kind === 'observe' || effect.kind === 'publish') {
        this.options.emit?.(id, effect);
      } else if (effect.kind === 'schedule') {
        if (stepped.timers[effect.timerId] !== undefined) {
          throw new Error(`${id}: timer ${effect.timerId} scheduled while pending; cancel it first`);
        }
        stepped.timers[effect.timerId] = clock.setTimeout(() => {
          delete stepped.timers[effect.timerId];
          trace?.record({ kind: 'timer', atMs: clock.now(), actor: id, type: effect.event.type });
          this.deliver(id, effect.event);
        }, effect.delayMs);
      } else {
        const timer = stepped.timers[effect.timerId];
        if (timer !== undefined) {
          clock.clearTimeout(timer);
          delete stepped.timers[effect.timerId];
        }
      }
    }
    // A final state stops the live actor, which cancels its pending timers.
    if (stepped.actor.snapshot.status !== 'active') {
      for (const timer of Object.values(stepped.timers)) clock.clearTimeout(timer);
      stepped.timers = {};
    }
  }

  private record(id: string, stepped: Stepped): void {
    const { clock, trace } = this.options;
    const snapshot = stepped.actor.snapshot;
    const offline = snapshot.status === 'active' && snapshot.hasTag('offline');
    if (offline !== stepped.offline) {
      stepped.offline = offline;
      this.options.network.setDown(id, offline);
    }
    if (trace === undefined) return;
    const text = stateText(snapshot.value, snapshot.status);
    if (text !== stepped.lastStateText) {
      stepped.lastStateText = text;
      trace.record({ kind: 'state', atMs: clock.now(), actor: id, value: text });
    }
    if (trace.snapshotsEnabled) {
      trace.record({
        kind: 'snapshot',
        atMs: clock.now(),
        actor: id,
        snapshot: { value: snapshot.value, status: snapshot.status, context: snapshot.context },
      });
    }
  }
}
