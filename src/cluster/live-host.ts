/**
 * The live interpreter: machines run as real xstate actors on the kernel's clock and network.
 *
 * This is what users embed and inspect (docs/architecture.md, "One machine, two interpreters").
 * Each actor is created with
 * `createActor(machine.provide({ actions: { send } }), { clock, id, systemId, inspect })`, where
 * the provided `send` hands `{ to, message }` to the kernel network; nothing is delivered through
 * xstate's `sendTo`, which is synchronous and depth first (the same section). Ids are explicit:
 * xstate's default session ids come from a process-wide counter and differ between replays in one
 * process.
 *
 * The trace gets, per actor, a `state` event whenever its state value changes and a `timer` event
 * whenever one of its delayed events fires, in exactly the places the stepped interpreter
 * (`src/explore/stepped-host.ts`) records them, so one schedule gives one trace under both.
 */
import { createActor } from 'xstate';
import type { Actor, AnyStateMachine, EventObject, InspectionEvent, Observer, SnapshotFrom } from 'xstate';
import type { TimerId, VirtualClock } from '../kernel/clock.js';
import type { Network } from '../kernel/network.js';
import type { Trace } from '../kernel/trace.js';
import { stateText } from '../kernel/trace.js';
import type { EffectsParams } from '../../models/effects.js';
import type { ActorHost, ActorSpec, EmitFn } from './host.js';
import { ActorFailedError } from '../kernel/actor-failed-error.js';

export { ActorFailedError } from '../kernel/actor-failed-error.js';

export type { ActorSpec } from './host.js';

/** Options of {@link LiveHost}. */
export interface LiveHostOptions {
  clock: VirtualClock;
  network: Network;
  trace?: Trace;
  /**
   * Where `observe` and `publish` effects go, in the order actions run (the simulation's world
   * stream). Called synchronously: subscribers must not call into actors.
   */
  emit?: EmitFn;
  /** The standard xstate inspect hook, handed to every actor (Stately's inspector works). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

interface Hosted {
  actor: Actor<AnyStateMachine>;
  lastStateKey: string;
  offline: boolean;
}

/** Runs machines live; see the file header. */
export class LiveHost implements ActorHost {
  private readonly hosted: Record<string, Hosted> = {};
  /** One provided machine per machine kind, shared by all its actors (providing is not free). */
  private readonly provided = new Map<AnyStateMachine, AnyStateMachine>();
  private readonly userInspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;

  constructor(private readonly options: LiveHostOptions) {
    this.userInspect = options.inspect;
  }

  /**
   * Creates every actor first and then starts them in order, so the first messages of one actor
   * never find a peer missing (assembly in bulk, never one child at a time).
   */
  spawnAll(specs: readonly ActorSpec[]): void {
    const created = specs.map((spec) => this.create(spec));
    for (const actor of created) actor.start();
  }

  /** Creates and starts one actor. */
  spawn<TMachine extends AnyStateMachine>(spec: ActorSpec<TMachine>): void {
    this.create(spec).start();
  }

  /** Delivers an external event (a fault, a client request) to an actor now. */
  inject(id: string, event: EventObject): void {
    this.get(id).actor.send(event);
  }

  /** The live actor, for users who subscribe to it or read its snapshot. */
  actor(id: string): Actor<AnyStateMachine> {
    return this.get(id).actor;
  }

  /** An actor's current snapshot. */
  snapshotOf<TMachine extends AnyStateMachine>(id: string): SnapshotFrom<TMachine> {
    return this.get(id).actor.getSnapshot() as SnapshotFrom<TMachine>;
  }

  /** Ids of the hosted actors, in spawn order. */
  ids(): string[] {
    return Object.keys(this.hosted);
  }

  private get(id: string): Hosted {
    const hosted = this.hosted[id];
    if (hosted === undefined) throw new Error(`live host: no actor ${id}`);
    return hosted;
  }

  private create(spec: ActorSpec): Actor<AnyStateMachine> {
    const { clock, network, trace } = this.options;
    if (this.hosted[spec.id] !== undefined) throw new Error(`live host: actor ${spec.id} already exists`);
    trace?.record({ kind: 'note', atMs: clock.now(), text: `spawn ${spec.id}` });
    const actor = createActor(this.provide(spec.machine), {
      clock,
      id: spec.id,
      systemId: spec.id,
      input: spec.input,
      inspect: this.userInspect,
    });
    this.takeOverTimers(spec.id, actor);
    const hosted: Hosted = { actor, lastStateKey: '', offline: false };
    this.hosted[spec.id] = hosted;
    network.attach(spec.id, spec.locality, (envelope) => actor.send(envelope.message as EventObject));
    this.afterTransition(spec.id, hosted, actor.getSnapshot());
    actor.subscribe({
      next: (snapshot) => this.afterTransition(spec.id, hosted, snapshot),
      error: (error) => {
        // xstate swallows errors thrown by observers, so fail the run from the clock instead.
        clock.scheduleAt(clock.now(), () => {
          throw new ActorFailedError(spec.id, error);
        });
      },
    });
    return actor;
  }

  /**
   * The machine with the kernel's effect implementations. Actions find their actor through `self`
   * (whose id is the systemId), so one provided machine serves every actor of its kind.
   */
  private provide(machine: AnyStateMachine): AnyStateMachine {
    const cached = this.provided.get(machine);
    if (cached !== undefined) return cached;
    const { clock, network, trace } = this.options;
    const send = ({ self }: { self: { id: string } }, params: { to: string; message: unknown }) => {
      network.send(self.id, params.to, params.message);
    };
    const signal = ({ self }: { self: { id: string } }, params: { to: string; event: EventObject }) => {
      // Network-free and immediate, but never re-entrant: it runs after this macrostep.
      clock.scheduleAt(clock.now(), () => {
        trace?.record({ kind: 'signal', atMs: clock.now(), from: self.id, to: params.to, type: params.event.type });
        this.get(params.to).actor.send(params.event);
      });
    };
    const observe = ({ self }: { self: { id: string } }, params: unknown) => this.options.emit?.(self.id, { kind: 'observe', observation: params });
    const publish = ({ self }: { self: { id: string } }, params: { stream: string; item: unknown }) =>
      this.options.emit?.(self.id, { kind: 'publish', stream: params.stream, item: params.item });
    const provided = machine.provide({
      actions: {
        send,
        signal,
        observe,
        publish,
        // One transition's effects as one list (models/effects.ts): the same paths, in list order.
        effects: (args: { self: { id: string } }, params: EffectsParams) => {
          for (const effect of params.effects) {
            if (effect.kind === 'send') send(args, effect);
            else if (effect.kind === 'observe') observe(args, effect.observation);
            else if (effect.kind === 'publish') publish(args, effect);
            else signal(args, effect);
          }
        },
      },
    });
    this.provided.set(machine, provided);
    return provided;
  }

  /**
   * Runs the actor's delayed events on the kernel clock ourselves, through the scheduler of its
   * (private) actor system, which is what xstate's `raise`/`cancel` call. So each timer is traced
   * with its actor and event type, a delayed event without an explicit id or one scheduled while
   * its id is pending fails the run (as in the stepped interpreter) instead of leaving an
   * uncancellable timer behind, and xstate's wall-clock `startedAt` bookkeeping stays out.
   */
  private takeOverTimers(id: string, actor: Actor<AnyStateMachine>): void {
    const { clock, trace } = this.options;
    const timers: Record<string, TimerId> = {};
    const system = actor.system as unknown as { scheduler: unknown };
    system.scheduler = {
      schedule: (_source: unknown, target: { send(event: EventObject): void }, event: EventObject, delay: number, timerId?: string) => {
        if (timerId === undefined) throw new Error(`${id}: delayed event ${event.type} has no explicit id (docs/determinism.md, "Where time and chance come from")`);
        if (timers[timerId] !== undefined) throw new Error(`${id}: timer ${timerId} scheduled while pending; cancel it first`);
        timers[timerId] = clock.setTimeout(() => {
          delete timers[timerId];
          trace?.record({ kind: 'timer', atMs: clock.now(), actor: id, type: event.type });
          target.send(event);
        }, delay);
      },
      cancel: (_source: unknown, timerId: string) => {
        const timer = timers[timerId];
        if (timer === undefined) return;
        clock.clearTimeout(timer);
        delete timers[timerId];
      },
      cancelAll: () => {
        for (const [timerId, timer] of Object.entries(timers)) {
          clock.clearTimeout(timer);
          delete timers[timerId];
        }
      },
    };
  }

  private afterTransition(id: string, hosted: Hosted, snapshot: SnapshotFrom<AnyStateMachine>): void {
    // A machine in a state tagged `offline` (crashed, its AZ out) is down on the network too.
    const offline = snapshot.status === 'active' && snapshot.hasTag('offline');
    if (offline !== hosted.offline) {
      hosted.offline = offline;
      this.options.network.setDown(id, offline);
    }
    const trace = this.options.trace;
    if (trace === undefined) return;
    const key = stateText(snapshot.value, snapshot.status);
    if (key !== hosted.lastStateKey) {
      hosted.lastStateKey = key;
      trace.record({ kind: 'state', atMs: this.options.clock.now(), actor: id, value: key });
    }
    if (trace.snapshotsEnabled) {
      trace.record({
        kind: 'snapshot',
        atMs: this.options.clock.now(),
        actor: id,
        snapshot: { value: snapshot.value, status: snapshot.status, context: snapshot.context },
      });
    }
  }
}
