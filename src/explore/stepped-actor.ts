/**
 * The stepped interpreter's core: advance one machine snapshot by one event with xstate's pure
 * `machine.transition()`, and read the effects it asked for as data.
 *
 * One actor scope is built once per actor and reused for every step. xstate's exported
 * `transition()` builds a throw-away actor per call (about 80k steps/s here, against about 400k/s
 * with a reused scope). The scope's `actionExecutor` collects executable actions instead of running
 * them; we then translate them into {@link Effect}s:
 * - the named `send` action (params `{ to, message }`) becomes a network send; the named `signal`,
 *   `observe` and `publish` actions become the matching effects, and the named `effects` action
 *   (params `{ effects }`, models/effects.ts) becomes its list, in order;
 * - a delayed `raise` becomes a timer with its explicit id; `cancel` cancels one.
 * Live xstate runs custom actions during the macrostep and defers scheduling (raise/cancel) to its
 * end; {@link effectsOf} orders effects the same way, so both interpreters consume clock sequence
 * numbers in the same order and give the same trace.
 */
import { createActor } from 'xstate';
import type { AnyActorScope, AnyStateMachine, EventObject, InputFrom, SnapshotFrom } from 'xstate';
import type { EffectsParams } from '../../models/effects.js';

/** What a machine asked the world to do, as data. */
export type Effect =
  /** A message over the kernel network (the named `send` action). */
  | { kind: 'send'; to: string; message: unknown }
  /** An immediate, network-free event to another actor (the named `signal` action): power cuts. */
  | { kind: 'signal'; to: string; event: EventObject }
  /** A report to the judges (the named `observe` action). */
  | { kind: 'observe'; observation: unknown }
  /** An item for an rxjs stream (the named `publish` action), e.g. the redo stream. */
  | { kind: 'publish'; stream: string; item: unknown }
  | { kind: 'schedule'; timerId: string; delayMs: number; event: EventObject }
  | { kind: 'cancel'; timerId: string };

/** The shape of an executable action handed to an actor scope's `actionExecutor`. */
interface ExecutableAction {
  type: string;
  params: unknown;
}

/** Thrown when a machine uses an effect the stepped interpreter cannot replay. */
export class UnsupportedEffectError extends Error {
  override readonly name = 'UnsupportedEffectError';
}

/**
 * Translates collected executable actions into effects: sends in action order first, then timer
 * changes in action order (the order live xstate performs them).
 */
export function effectsOf(actions: readonly ExecutableAction[]): Effect[] {
  const sends: Effect[] = [];
  const timers: Effect[] = [];
  for (const action of actions) {
    if (action.type === 'send') {
      const params = action.params as { to: string; message: unknown };
      sends.push({ kind: 'send', to: params.to, message: params.message });
    } else if (action.type === 'signal') {
      const params = action.params as { to: string; event: EventObject };
      sends.push({ kind: 'signal', to: params.to, event: params.event });
    } else if (action.type === 'observe') {
      sends.push({ kind: 'observe', observation: action.params });
    } else if (action.type === 'publish') {
      const params = action.params as { stream: string; item: unknown };
      sends.push({ kind: 'publish', stream: params.stream, item: params.item });
    } else if (action.type === 'effects') {
      // One transition's effects as one list (models/effects.ts), performed in list order.
      for (const effect of (action.params as EffectsParams).effects) sends.push(effect);
    } else if (action.type === 'xstate.raise') {
      const params = action.params as { event: EventObject; delay?: number; id?: string };
      if (typeof params.delay !== 'number') continue; // an immediate raise stays inside the step
      if (params.id === undefined) {
        throw new UnsupportedEffectError(`a delayed raise of ${params.event.type} has no explicit id (docs/determinism.md, "Where time and chance come from")`);
      }
      timers.push({ kind: 'schedule', timerId: params.id, delayMs: params.delay, event: params.event });
    } else if (action.type === 'xstate.cancel') {
      timers.push({ kind: 'cancel', timerId: (action.params as { sendId: string }).sendId });
    } else if (action.type === 'xstate.sendTo' || action.type === 'xstate.sendParent') {
      throw new UnsupportedEffectError(`${action.type} delivers outside the kernel; use the named send action`);
    }
  }
  return sends.concat(timers);
}

/** One machine advanced by hand. */
export class SteppedActor<TMachine extends AnyStateMachine = AnyStateMachine> {
  private collected: ExecutableAction[] = [];
  private readonly scope: AnyActorScope;
  private current: SnapshotFrom<TMachine> | undefined;

  constructor(
    readonly id: string,
    readonly machine: TMachine,
  ) {
    // An unstarted actor serves as `self` and owns the system; its own initial snapshot is unused
    // (without input it may even be an error snapshot, which xstate catches).
    const self = createActor(machine as AnyStateMachine, { id, systemId: id });
    this.scope = {
      self,
      id,
      sessionId: id,
      logger: () => {},
      defer: () => {},
      system: self.system,
      stopChild: () => {},
      emit: () => {},
      actionExecutor: (action: ExecutableAction) => {
        this.collected.push(action);
      },
    } as unknown as AnyActorScope;
  }

  /** The current snapshot; throws before {@link SteppedActor.start}. */
  get snapshot(): SnapshotFrom<TMachine> {
    if (this.current === undefined) throw new Error(`stepped actor ${this.id} has not started`);
    return this.current;
  }

  /** Computes the initial snapshot and the effects of its entry actions. */
  start(input?: InputFrom<TMachine>): Effect[] {
    this.collected = [];
    this.current = this.machine.getInitialSnapshot(this.scope, input) as SnapshotFrom<TMachine>;
    return effectsOf(this.collected);
  }

  /** Replaces the snapshot, e.g. when an explorer restores a stored state. */
  restore(snapshot: SnapshotFrom<TMachine>): void {
    this.current = snapshot;
  }

  /** Advances by one event; returns the effects the transition asked for. */
  step(event: EventObject): Effect[] {
    this.collected = [];
    this.current = this.machine.transition(this.snapshot, event, this.scope) as SnapshotFrom<TMachine>;
    return effectsOf(this.collected);
  }
}
