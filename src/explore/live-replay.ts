/**
 * A path of choices replayed with the machines running live: real xstate actors (`createActor`,
 * `actor.send`), their `send`, `signal`, `observe`, `publish` and `effects` actions provided as
 * the live interpreter provides them (src/cluster/live-host.ts), their delayed events caught by
 * the actor system's scheduler. The explorer advances snapshots with the stepped interpreter
 * (`machine.transition`); a counterexample is only as good as the claim that the machines a user
 * embeds behave the same, so {@link replayLive} runs the path live and compares every actor's
 * state, the messages in flight and the pending timers with the stepped replay after every
 * choice (docs/explorer.md, "Properties, counterexamples, replay").
 *
 * Time never passes here either: a timer fires when the path says so, as in the explorer.
 */
import { createActor } from 'xstate';
import type { Actor, AnyStateMachine, EventObject } from 'xstate';
import type { EffectsParams } from '../../models/effects.js';
import type { ExploreModel, NetworkSemantics } from './explore-model.js';
import type { Choice, ExploreState } from './explore-state.js';
import { describeChoice, replay } from './explorer.js';
import { fingerprintOf } from './fingerprint.js';

/** Options of {@link replayLive}. */
export interface LiveReplayOptions {
  /** Overrides the model's network semantics (as the search did). */
  network?: NetworkSemantics;
}

/** Where the live run first differed from the stepped replay. */
export interface LiveDivergence {
  /** Choices applied before it was seen (0: the initial state). */
  step: number;
  /** The choice just applied, in a few words (absent at step 0). */
  choice?: string;
  /** What differed: an actor's state, the messages in flight or the pending timers. */
  what: string;
}

/** The outcome of {@link replayLive}. */
export interface LiveReplayResult {
  /** Choices applied live. */
  steps: number;
  /** True iff every state along the path matched the stepped replay. */
  matches: boolean;
  divergence?: LiveDivergence;
}

interface LiveMessage {
  from: string;
  to: string;
  message: EventObject;
  hash: number;
}

interface LiveActor {
  actor: Actor<AnyStateMachine>;
  timers: Map<string, EventObject>;
  crashed: boolean;
}

/** Runs `model`'s machines live along `path`; see the file header. */
export function replayLive(model: ExploreModel, path: readonly Choice[], options: LiveReplayOptions = {}): LiveReplayResult {
  const network = options.network ?? model.network ?? 'unordered-nonduplicating';
  const stepped = replay(model, path, { network });
  const inFlight: LiveMessage[] = [];
  const actors = new Map<string, LiveActor>();

  const post = (from: string, to: string, message: EventObject): void => {
    const hash = fingerprintOf([from, to, message]);
    if (network === 'unordered-duplicating' && inFlight.some((envelope) => envelope.hash === hash)) return;
    inFlight.push({ from, to, message, hash });
  };
  const provide = (machine: AnyStateMachine): AnyStateMachine => {
    const send = ({ self }: { self: { id: string } }, params: { to: string; message: unknown }) => post(self.id, params.to, params.message as EventObject);
    const signal = ({ self }: { self: { id: string } }, params: { to: string; event: EventObject }) => post(self.id, params.to, params.event);
    return machine.provide({
      actions: {
        send,
        signal,
        observe: () => {},
        publish: () => {},
        effects: (args: { self: { id: string } }, params: EffectsParams) => {
          for (const effect of params.effects) {
            if (effect.kind === 'send') send(args, effect);
            else if (effect.kind === 'signal') signal(args, effect);
          }
        },
      },
    });
  };
  const provided = new Map(model.actors.map((spec) => [spec.id, provide(spec.machine)]));
  const create = (id: string): LiveActor => {
    const spec = model.actors.find((candidate) => candidate.id === id);
    if (spec === undefined) throw new Error(`replayLive: model ${model.name} has no actor ${id}`);
    const actor = createActor(provided.get(id) as AnyStateMachine, { id, systemId: id, input: spec.input });
    const live: LiveActor = { actor, timers: new Map(), crashed: false };
    // The actor system's scheduler is what xstate's delayed raise and cancel call (as the live
    // interpreter's clock takes them over); here a pending timer waits for the path to fire it.
    (actor.system as unknown as { scheduler: unknown }).scheduler = {
      schedule: (_source: unknown, _target: unknown, event: EventObject, _delay: number, timerId?: string) => {
        if (timerId === undefined) throw new Error(`${id}: delayed event ${event.type} has no explicit id`);
        live.timers.set(timerId, event);
      },
      cancel: (_source: unknown, timerId: string) => live.timers.delete(timerId),
      cancelAll: () => live.timers.clear(),
    };
    actors.set(id, live);
    return live;
  };

  const compare = (step: number, state: ExploreState, choice: Choice | undefined): LiveDivergence | undefined => {
    const at = (what: string): LiveDivergence => ({ step, ...(choice === undefined ? {} : { choice: describeChoice(choice) }), what });
    for (const slot of state.actors) {
      const live = actors.get(slot.id) as LiveActor;
      if (live.crashed !== slot.crashed) return at(`${slot.id} is ${live.crashed ? '' : 'not '}crashed live`);
      if (slot.crashed) continue;
      const snapshot = live.actor.getSnapshot();
      if (snapshot.status !== slot.snapshot.status) return at(`${slot.id}'s status is ${snapshot.status} live, ${slot.snapshot.status} stepped`);
      if (fingerprintOf(snapshot.value) !== fingerprintOf(slot.snapshot.value)) return at(`${slot.id}'s state is ${JSON.stringify(snapshot.value)} live, ${JSON.stringify(slot.snapshot.value)} stepped`);
      if (fingerprintOf(snapshot.context) !== fingerprintOf(slot.snapshot.context)) return at(`${slot.id}'s context differs`);
      const liveTimers = [...live.timers.keys()].sort();
      const steppedTimers = slot.timers.map((timer) => timer.timerId).sort();
      if (liveTimers.join(',') !== steppedTimers.join(',')) return at(`${slot.id}'s pending timers are [${liveTimers.join(', ')}] live, [${steppedTimers.join(', ')}] stepped`);
    }
    const liveMessages = inFlight.map((envelope) => envelope.hash).sort((a, b) => a - b);
    const steppedMessages = state.network.map((envelope) => fingerprintOf([envelope.from, envelope.to, envelope.message])).sort((a, b) => a - b);
    if (liveMessages.join(',') !== steppedMessages.join(',')) return at(`${inFlight.length} messages in flight live, ${state.network.length} stepped`);
    return undefined;
  };

  // Every actor is created before any starts, so no entry action finds a peer missing.
  for (const spec of model.actors) create(spec.id);
  for (const live of actors.values()) live.actor.start();
  const initialDivergence = compare(0, stepped[0] as ExploreState, undefined);
  if (initialDivergence !== undefined) return { steps: 0, matches: false, divergence: initialDivergence };

  for (const [index, choice] of path.entries()) {
    const live = actors.get(choice.kind === 'deliver' || choice.kind === 'drop' ? choice.to : choice.actor);
    if (live === undefined) throw new Error(`replayLive: step ${index + 1} (${describeChoice(choice)}) names no actor of ${model.name}`);
    switch (choice.kind) {
      case 'deliver':
      case 'drop': {
        const hash = fingerprintOf([choice.from, choice.to, choice.message]);
        const position = inFlight.findIndex((envelope) => envelope.hash === hash);
        if (position < 0) return { steps: index, matches: false, divergence: { step: index + 1, choice: describeChoice(choice), what: 'the message is not in flight live' } };
        const [envelope] = network === 'unordered-duplicating' && choice.kind === 'deliver' ? [inFlight[position]] : inFlight.splice(position, 1);
        if (choice.kind === 'deliver') live.actor.send((envelope as LiveMessage).message);
        break;
      }
      case 'timer': {
        const event = live.timers.get(choice.timerId);
        if (event === undefined) return { steps: index, matches: false, divergence: { step: index + 1, choice: describeChoice(choice), what: `${choice.actor} has no pending timer ${choice.timerId} live` } };
        live.timers.delete(choice.timerId);
        live.actor.send(event);
        break;
      }
      case 'fault': {
        const fault = model.faults?.find((candidate) => candidate.name === choice.fault);
        if (fault === undefined) throw new Error(`replayLive: model ${model.name} has no fault ${choice.fault}`);
        if (fault.kind === 'crash') {
          live.actor.stop();
          live.timers.clear();
          live.crashed = true;
        } else if (fault.kind === 'restart') {
          create(fault.actor).actor.start();
        } else {
          live.actor.send(fault.event);
        }
        break;
      }
    }
    // A final state stops the actor, and with it its timers (as in the explorer).
    const after = actors.get(live.actor.id) as LiveActor;
    if (!after.crashed && after.actor.getSnapshot().status !== 'active') after.timers.clear();
    const divergence = compare(index + 1, stepped[index + 1] as ExploreState, choice);
    if (divergence !== undefined) return { steps: index + 1, matches: false, divergence };
  }
  return { steps: path.length, matches: true };
}
