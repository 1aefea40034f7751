/**
 * The live interpreter: machines run as real xstate actors on the kernel's clock and network.
 *
 * This is what users embed and inspect (ARCHITECTURE §3). Each actor is created with
 * `createActor(machine.provide({ actions: { send } }), { clock, id, systemId, inspect })`, where the
 * provided `send` hands `{ to, message }` to the kernel network; nothing is delivered through
 * xstate's `sendTo`, which is synchronous and depth first (STYLE rule 1). Ids are explicit: xstate's
 * default session ids come from a process-wide counter and differ between replays in one process.
 *
 * The trace gets, per actor, a `state` event whenever its state value changes and a `timer` event
 * whenever one of its delayed events fires, in exactly the places the stepped interpreter
 * (`src/explore/stepped-host.ts`) records them, so one schedule gives one trace under both.
 */
import { createActor } from 'xstate';
import type { Actor, AnyStateMachine, EventObject, InspectionEvent, Observer, SnapshotFrom } from 'xstate';
import type { VirtualClock } from '../kernel/clock.js';
import type { Network } from '../kernel/network.js';
import type { Trace } from '../kernel/trace.js';
import { stateText } from '../kernel/trace.js';
import type { ActorHost, ActorSpec } from './host.js';

export type { ActorSpec } from './host.js';

/** Options of {@link LiveHost}. */
export interface LiveHostOptions {
  clock: VirtualClock;
  network: Network;
  trace?: Trace;
  /** The standard xstate inspect hook, handed to every actor (Stately's inspector works). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

/** Thrown (on the clock, so out of `runFor`) when an actor fails. */
export class ActorFailedError extends Error {
  override readonly name = 'ActorFailedError';
  constructor(
    readonly actorId: string,
    override readonly cause: unknown,
  ) {
    super(`actor ${actorId} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

interface Hosted {
  actor: Actor<AnyStateMachine>;
  lastStateKey: string;
}

/** Runs machines live; see the file header. */
export class LiveHost implements ActorHost {
  private readonly hosted: Record<string, Hosted> = {};
  private readonly userInspect: ((event: InspectionEvent) => void) | undefined;

  constructor(private readonly options: LiveHostOptions) {
    const inspect = options.inspect;
    this.userInspect = typeof inspect === 'function' ? inspect : inspect?.next?.bind(inspect);
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
    const machine = spec.machine.provide({
      actions: {
        send: (_: unknown, params: { to: string; message: unknown }) => {
          network.send(spec.id, params.to, params.message);
        },
      },
    });
    const actor = createActor(machine, {
      clock,
      id: spec.id,
      systemId: spec.id,
      input: spec.input,
      inspect: (event: InspectionEvent) => this.onInspection(spec.id, event),
    });
    const hosted: Hosted = { actor, lastStateKey: '' };
    this.hosted[spec.id] = hosted;
    this.recordState(spec.id, hosted, actor.getSnapshot());
    actor.subscribe({
      next: (snapshot) => this.recordState(spec.id, hosted, snapshot),
      error: (error) => {
        // xstate swallows errors thrown by observers, so fail the run from the clock instead.
        clock.scheduleAt(clock.now(), () => {
          throw new ActorFailedError(spec.id, error);
        });
      },
    });
    network.attach(spec.id, spec.locality, (envelope) => actor.send(envelope.message as EventObject));
    return actor;
  }

  private onInspection(id: string, event: InspectionEvent): void {
    // A delayed event an actor scheduled for itself arrives with itself as the source.
    if (event.type === '@xstate.event' && event.sourceRef !== undefined && event.sourceRef === event.actorRef) {
      this.options.trace?.record({ kind: 'timer', atMs: this.options.clock.now(), actor: id, type: event.event.type });
    }
    this.userInspect?.(event);
  }

  private recordState(id: string, hosted: Hosted, snapshot: SnapshotFrom<AnyStateMachine>): void {
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
