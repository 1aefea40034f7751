/**
 * The named `effects` action: everything one action of a transition asks the world to do, as one
 * list (docs/architecture.md, "One machine, two interpreters": effects are data; only the kernel
 * delivers).
 *
 * A transition that sends a message, reports an observation and publishes a redo batch runs one
 * `effects` action whose params list the three, in the order the interpreter must perform them,
 * instead of one named action each. Both interpreters perform the list exactly as they perform the
 * single `send`, `signal`, `observe` and `publish` actions, in list order, so the run's trace is
 * the same; but xstate resolves one action instead of several (docs/performance.md: each resolved
 * action costs a lookup, an argument object and an inspection event). Timers stay xstate's
 * delayed `raise` and `cancel`, which both interpreters schedule at the end of the step.
 *
 * Helpers here build the list; none of them writes into anything but the list it was handed.
 */
import type { EventObject } from 'xstate';

/** One effect in an `effects` action; the kinds match the single named actions. */
export type ModelEffect =
  /** A message over the kernel network (as the named `send` action). */
  | { kind: 'send'; to: string; message: unknown }
  /** An immediate, network-free event to another actor (as the named `signal` action). */
  | { kind: 'signal'; to: string; event: EventObject }
  /** A report to the judges (as the named `observe` action, whose params are the observation). */
  | { kind: 'observe'; observation: unknown }
  /** An item for an rxjs stream (as the named `publish` action). */
  | { kind: 'publish'; stream: string; item: unknown };

/** Params of the named `effects` action. */
export interface EffectsParams {
  effects: readonly ModelEffect[];
}

/** The `effects` action performing `effects` in order. */
export function effectsAction(effects: readonly ModelEffect[]): { type: 'effects'; params: EffectsParams } {
  return { type: 'effects', params: { effects } };
}

/**
 * Thrown by an effect action the embedder did not provide (docs/embedding.md). A machine never
 * performs an effect itself (docs/architecture.md, "One machine, two interpreters"), so an
 * interpreter that forgets one would otherwise run a model that silently never talks: each
 * machine's `setup` names its effect actions with `unprovidedEffect` as their bodies, and
 * every interpreter replaces them with `machine.provide({ actions })`. The stepped interpreter
 * collects actions through its scope's `actionExecutor`, so these bodies never run there.
 */
export class EffectNotProvidedError extends Error {
  override readonly name = 'EffectNotProvidedError';

  constructor(
    /** The machine's id, e.g. `segment`. */
    readonly machine: string,
    /** The effect action's name, e.g. `send`. */
    readonly action: string,
  ) {
    super(`${machine}: the \`${action}\` action is not provided: give it with machine.provide({ actions: { ${action} } }) (docs/embedding.md)`);
  }
}

/** The body of an effect action until it is provided: throws {@link EffectNotProvidedError}. */
export function unprovidedEffect<TParams>(machine: string, action: string): (_args: unknown, _params: TParams) => never {
  return () => {
    throw new EffectNotProvidedError(machine, action);
  };
}
