/**
 * Purity checks for machine transitions (docs/determinism.md, "Pure transitions"): stepping a
 * snapshot must leave it exactly as it was, because the explorer keeps old snapshots and tries a
 * second event from them, and the viewer scrubs back to them. A write in place would silently
 * corrupt both.
 *
 * `stepFrozen` deep-freezes the snapshot's context first (immer's `freeze(x, true)`), so any write
 * into it throws a TypeError at the line that writes (ES modules run in strict mode), and compares
 * its plain canonical text before and after as a second line of defence.
 */
import { freeze } from 'immer';
import type { AnyMachineSnapshot, AnyStateMachine, ContextFrom, EventFrom, EventObject, SnapshotFrom } from 'xstate';
import { SteppedActor } from '../../src/explore/stepped-actor.js';
import type { Effect } from '../../src/explore/stepped-actor.js';

/** JSON with sorted keys and no caching of any kind, so an array changed in place shows. */
export function plainText(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(plainText).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${plainText((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/** The parts of a snapshot a transition must not change. */
function textOf(snapshot: { value: unknown; status: string; context: unknown }): string {
  return plainText({ value: snapshot.value, status: snapshot.status, context: snapshot.context });
}

/**
 * Steps `snapshot` by `event` with xstate's pure transition, with the snapshot's context
 * deep-frozen; throws if the step wrote into the snapshot. Returns the next snapshot and effects.
 */
export function stepFrozen<TMachine extends AnyStateMachine>(
  machine: TMachine,
  snapshot: SnapshotFrom<TMachine>,
  event: EventObject,
): { next: SnapshotFrom<TMachine>; effects: Effect[] } {
  const held = snapshot as unknown as { value: unknown; status: string; context: unknown };
  const before = textOf(held);
  freeze(held.context, true);
  const actor = new SteppedActor('purity-probe', machine);
  actor.restore(snapshot);
  const effects = actor.step(event);
  const after = textOf(held);
  if (after !== before) throw new Error(`transition on ${event.type} changed the snapshot it was given`);
  return { next: actor.snapshot, effects };
}

/** Starts `machine` stepped with `input`; returns its first snapshot and effects. */
export function startStepped<TMachine extends AnyStateMachine>(
  machine: TMachine,
  input: unknown,
): { snapshot: SnapshotFrom<TMachine>; effects: Effect[] } {
  const actor = new SteppedActor('purity-probe', machine);
  const effects = actor.start(input as never);
  return { snapshot: actor.snapshot, effects };
}

/** Every event type the machine's chart handles (its transitions' event descriptors). */
export function handledEventTypes(machine: AnyStateMachine): string[] {
  return [...new Set(machine.root.events as string[])].filter((type) => !type.startsWith('xstate.')).sort();
}

/** A timer a step scheduled. */
export type Scheduled = Extract<Effect, { kind: 'schedule' }>;

/** A machine stepped only through `stepFrozen`, remembering which event types it was given. */
export class FrozenDriver<TMachine extends AnyStateMachine> {
  readonly covered = new Set<string>();
  readonly startEffects: Effect[];
  private snapshot: AnyMachineSnapshot;

  constructor(
    readonly machine: TMachine,
    input: unknown,
  ) {
    const started = startStepped(machine, input);
    this.snapshot = started.snapshot as AnyMachineSnapshot;
    this.startEffects = started.effects;
  }

  /** One step on a frozen snapshot; returns its effects. */
  step(event: EventFrom<TMachine>): Effect[] {
    return this.stepAny(event);
  }

  /** Fires a timer an earlier step scheduled (xstate's own `after` events included). */
  fire(timer: Scheduled): Effect[] {
    return this.stepAny(timer.event);
  }

  get context(): ContextFrom<TMachine> {
    return this.snapshot.context as ContextFrom<TMachine>;
  }

  /** The state value as text, e.g. `failingOver.promoting`. */
  get state(): string {
    const path = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => [key, ...path(child)]);
    return path(this.snapshot.value).join('.');
  }

  /** The event types the chart handles that this driver has not stepped (xstate's own excluded). */
  get uncovered(): string[] {
    return handledEventTypes(this.machine).filter((type) => !this.covered.has(type));
  }

  private stepAny(event: EventObject): Effect[] {
    const { next, effects } = stepFrozen(this.machine, this.snapshot as SnapshotFrom<TMachine>, event);
    this.snapshot = next as AnyMachineSnapshot;
    this.covered.add(event.type);
    return effects;
  }
}
