/**
 * A path of choices as a trace (docs/determinism.md, "Reading a trace"), so that a counterexample
 * opens in the same tools as a simulated run. The path is replayed from the initial state and each
 * step becomes the events it caused: the delivery, timer or fault chosen, the messages sent, the
 * actors' state changes, and (with `snapshots`) every changed actor's full snapshot.
 *
 * Exploration has no time (docs/explorer.md, "Time"): `atMs` is the step's index along the path,
 * 0 for the initial state. Envelope ids are numbered along the path, in send order.
 *
 * The model's properties are judged in every state along the path, as the explorer judges them,
 * and written as `verdict` events (docs/trace-format.md, `verdict`): `ok: false` as the last event
 * of the step whose state first fails an `always` property, and at the end one final verdict per
 * property, in the model's order. An `always` property is ok iff it held in every state of the
 * path, its `violations` the states where it failed; a `sometimes` property, which one path can
 * witness but never refute, is ok iff some state of the path witnessed it, with no violations.
 */
import { stateText } from '../kernel/trace.js';
import type { TraceEvent } from '../kernel/trace.js';
import type { ExploreModel } from './explore-model.js';
import type { ActorSlot, Choice, ExploreState } from './explore-state.js';
import { describeChoice, replay } from './explorer.js';
import type { ReplayOptions } from './explorer.js';

/** Options of {@link pathTrace}. */
export interface PathTraceOptions extends ReplayOptions {
  /** Add a `snapshot` event for every actor a step changed. @defaultValue false */
  snapshots?: boolean;
}

/** The trace events of `path` replayed on `model` (see the file header). */
export function pathTrace(model: ExploreModel, path: readonly Choice[], options: PathTraceOptions = {}): TraceEvent[] {
  const states = replay(model, path, options);
  const events: TraceEvent[] = [{ kind: 'note', atMs: 0, text: `explore ${model.name}: a path of ${path.length} choices` }];
  let nextId = 0;
  // Envelope ids, aligned with each state's `network` array.
  let ids: number[] = [];
  const initial = states[0] as ExploreState;
  for (const slot of initial.actors) events.push(...slotEvents(0, undefined, slot, options.snapshots === true));
  for (const envelope of initial.network) {
    ids.push(nextId);
    events.push({ kind: 'send', atMs: 0, id: nextId++, from: envelope.from, to: envelope.to, message: envelope.message });
  }
  const judge = pathJudge(model);
  events.push(...judge.step(0, initial));
  for (const [index, choice] of path.entries()) {
    const atMs = index + 1;
    const before = states[index] as ExploreState;
    const after = states[index + 1] as ExploreState;
    events.push({ kind: 'note', atMs, text: describeChoice(choice) });
    let removed = -1;
    if (choice.kind === 'deliver' || choice.kind === 'drop') {
      const position = before.network.findIndex((envelope) => envelope.hash === choice.messageHash);
      const id = ids[position] as number;
      if (choice.kind === 'deliver') {
        events.push({ kind: 'deliver', atMs, id, from: choice.from, to: choice.to, type: choice.message.type });
        if (after.network.length < before.network.length || before.network[position] !== after.network[position]) removed = position;
      } else {
        events.push({ kind: 'drop', atMs, id, from: choice.from, to: choice.to, type: choice.message.type, reason: 'loss' });
        removed = position;
      }
    } else if (choice.kind === 'timer') {
      const timer = (before.actors.find((slot) => slot.id === choice.actor) as ActorSlot).timers.find((pending) => pending.timerId === choice.timerId);
      events.push({ kind: 'timer', atMs, actor: choice.actor, type: timer?.event.type ?? choice.timerId });
    } else {
      events.push({ kind: 'fault', atMs, fault: choice.fault, target: choice.actor });
    }
    for (const [slotIndex, slot] of after.actors.entries()) {
      events.push(...slotEvents(atMs, before.actors[slotIndex], slot, options.snapshots === true));
    }
    ids = removed >= 0 ? [...ids.slice(0, removed), ...ids.slice(removed + 1)] : ids.slice();
    for (const envelope of after.network.slice(ids.length)) {
      ids.push(nextId);
      events.push({ kind: 'send', atMs, id: nextId++, from: envelope.from, to: envelope.to, message: envelope.message });
    }
    events.push(...judge.step(atMs, after));
  }
  events.push(...judge.final(path.length));
  return events;
}

/** The model's properties judged state by state along a path (see the file header). */
function pathJudge(model: ExploreModel): { step(atMs: number, state: ExploreState): TraceEvent[]; final(atMs: number): TraceEvent[] } {
  const tallies = model.properties.map((property) => ({ property, failures: 0, firstAtMs: undefined as number | undefined }));
  let states = 0;
  return {
    step(atMs, state) {
      states++;
      const verdicts: TraceEvent[] = [];
      for (const tally of tallies) {
        const holds = tally.property.holds(state);
        if (tally.property.kind === 'always' ? holds : !holds) continue;
        if (tally.property.kind === 'always') tally.failures++;
        if (tally.firstAtMs !== undefined) continue;
        tally.firstAtMs = atMs;
        if (tally.property.kind === 'always') verdicts.push({ kind: 'verdict', atMs, invariant: tally.property.name, ok: false });
      }
      return verdicts;
    },
    final(atMs) {
      return tallies.map(({ property, failures, firstAtMs }): TraceEvent => {
        if (property.kind === 'always') {
          const message = firstAtMs === undefined ? undefined : `failed in ${failures} of the path's ${states} states, first at step ${firstAtMs}`;
          return { kind: 'verdict', atMs, invariant: property.name, ok: failures === 0, final: true, violations: failures, ...(message === undefined ? {} : { message }) };
        }
        const message = firstAtMs === undefined ? `not witnessed along this path of ${states} states (one path cannot refute a sometimes property)` : `witnessed at step ${firstAtMs}`;
        return { kind: 'verdict', atMs, invariant: property.name, ok: firstAtMs !== undefined, final: true, violations: 0, message };
      });
    },
  };
}

/** A `state` event if the actor's state value changed, and its snapshot if asked. */
function slotEvents(atMs: number, before: ActorSlot | undefined, after: ActorSlot, snapshots: boolean): TraceEvent[] {
  if (before === after) return [];
  const events: TraceEvent[] = [];
  const text = stateText(after.snapshot.value, after.crashed ? 'crashed' : after.snapshot.status);
  const previous = before === undefined ? undefined : stateText(before.snapshot.value, before.crashed ? 'crashed' : before.snapshot.status);
  if (text !== previous) events.push({ kind: 'state', atMs, actor: after.id, value: text });
  if (snapshots && before?.snapshotHash !== after.snapshotHash) {
    const { value, status, context } = after.snapshot;
    events.push({ kind: 'snapshot', atMs, actor: after.id, snapshot: { value, status, context } });
  }
  return events;
}
