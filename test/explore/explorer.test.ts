/**
 * The explorer's semantics on worlds small enough to count by hand: each network semantics, drops,
 * faults with a budget, the depth and state limits, replay and the counterexample trace. Every
 * expected count is derived in the comment beside it.
 */
import { assign, raise, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ExploreFault, ExploreModel, NetworkSemantics } from '../../src/explore/explore-model.js';
import { explore, replay } from '../../src/explore/explorer.js';
import { pathTrace } from '../../src/explore/path-trace.js';
import { abdRegisterModel } from '../../src/explore/reference/abd-register.js';
import { model as unreplicatedRegister } from '../fixtures/explore/unreplicated-register.model.js';

type Note = { type: 'note'; name: string };

const senderBase = setup({
  types: { input: {} as { to: string; notes: readonly string[] }, context: {} as { to: string; notes: readonly string[] } },
  actions: { send: (_, _params: { to: string; message: Note }) => {} },
});

/** Sends its notes to `to` when it starts. */
const sender = senderBase.createMachine({
  context: ({ input }) => input,
  entry: senderBase.enqueueActions(({ context, enqueue }) => {
    for (const name of context.notes) enqueue({ type: 'send', params: { to: context.to, message: { type: 'note', name } } });
  }),
});

/** Keeps the notes it got, in order; a note it has already changes nothing. */
const receiver = setup({ types: { context: {} as { received: readonly string[] }, events: {} as Note } }).createMachine({
  context: { received: [] },
  on: {
    note: {
      guard: ({ context, event }) => !context.received.includes(event.name),
      actions: assign({ received: ({ context, event }) => [...context.received, event.name] }),
    },
  },
});

function notesModel(notes: readonly string[], extra: Partial<ExploreModel> = {}): ExploreModel {
  return {
    name: 'notes',
    actors: [
      { id: 'a', machine: sender, input: { to: 'b', notes } },
      { id: 'b', machine: receiver },
    ],
    properties: [],
    ...extra,
  };
}

describe('Explorer: network semantics', () => {
  it.each([
    // Unordered: nothing, m1, m2, m1 then m2, m2 then m1.
    ['unordered-nonduplicating', 5],
    // Duplicating: the same five; redelivering a note changes nothing, so it is no transition.
    ['unordered-duplicating', 5],
    // Ordered: m1 must come first: nothing, m1, m1 then m2.
    ['ordered', 3],
  ] as const)('two notes a → b, %s: %i states', (network: NetworkSemantics, states: number) => {
    const result = explore(notesModel(['m1', 'm2']), { network });
    expect(result.uniqueStates).toBe(states);
    expect(result.complete).toBe(true);
  });

  it('lossy: each note in flight, dropped or delivered (9 pairs), both delivered in two orders: 10 states', () => {
    expect(explore(notesModel(['m1', 'm2'], { lossy: true })).uniqueStates).toBe(10);
  });

  it('lossy as a predicate: only the messages it names may be dropped: 7 states', () => {
    // The five of the unordered network, plus m1 dropped with m2 in flight, and with m2 delivered.
    expect(explore(notesModel(['m1', 'm2'], { lossy: (envelope) => (envelope.message as Note).name === 'm1' })).uniqueStates).toBe(7);
  });

  it('ordered with unorderedChannels: the channels named deliver in any order, as unordered; the others stay FIFO', () => {
    // a → b keeps no order: the five states of the unordered network, and a second m1 that
    // changes nothing is no transition (2 states, not the ordered network's 3).
    expect(explore(notesModel(['m1', 'm2'], { network: 'ordered', unorderedChannels: (from) => from === 'a' })).uniqueStates).toBe(5);
    expect(explore(notesModel(['m1', 'm1'], { network: 'ordered', unorderedChannels: (from) => from === 'a' })).uniqueStates).toBe(2);
    // Another channel named: a → b is still FIFO (3 states).
    expect(explore(notesModel(['m1', 'm2'], { network: 'ordered', unorderedChannels: (from) => from === 'c' })).uniqueStates).toBe(3);
  });

  it('ordered: a delivery that changes nothing still consumes its message; unordered: it is no transition', () => {
    // m1, m1 on one channel: nothing, first m1, second m1 consumed (no change to b, but the queue shrinks).
    expect(explore(notesModel(['m1', 'm1']), { network: 'ordered' }).uniqueStates).toBe(3);
    // Unordered: the second m1 changes nothing at b, so it is never a transition: 2 states.
    expect(explore(notesModel(['m1', 'm1'])).uniqueStates).toBe(2);
  });
});

describe('Explorer: faults with a budget', () => {
  const faults: ExploreFault[] = [
    { kind: 'crash', name: 'crash b', actor: 'b' },
    { kind: 'restart', name: 'restart b', actor: 'b' },
  ];
  it('one note, b may crash once and restart: 7 states', () => {
    // Budget 0: in flight, delivered (2). Budget 1 adds: crashed with the note in flight; restarted
    // with it in flight; then delivered; crashed after delivery; restarted after delivery (5).
    expect(explore(notesModel(['m1'], { faults })).uniqueStates).toBe(2);
    expect(explore(notesModel(['m1'], { faults, faultBudget: 1 })).uniqueStates).toBe(7);
  });

  it('a crashed actor takes no message until it restarts', () => {
    const result = explore(notesModel(['m1'], { faults, faultBudget: 1 }));
    expect(result.complete).toBe(true);
    const states = replay(notesModel(['m1'], { faults, faultBudget: 1 }), [{ kind: 'fault', fault: 'crash b', actor: 'b' }]);
    expect(states[1]?.actors[1]?.crashed).toBe(true);
  });
});

/** Counts its ticks; each tick sets the next (a periodic timer, as gossip's). */
const ticker = setup({ types: { context: {} as { ticks: number } } }).createMachine({
  context: { ticks: 0 },
  entry: raise({ type: 'tick' }, { delay: 10, id: 'tick' }),
  on: { tick: { actions: [assign({ ticks: ({ context }) => context.ticks + 1 }), raise({ type: 'tick' }, { delay: 10, id: 'tick' })] } },
});

describe('Explorer: timers', () => {
  it('a periodic timer limited to 3 firings per path: 4 states (0 to 3 ticks), then no choice is left', () => {
    const result = explore({ name: 'ticker', actors: [{ id: 't', machine: ticker }], timerLimits: { tick: 3 }, properties: [] });
    expect(result.uniqueStates).toBe(4);
    expect(result.complete).toBe(true);
  });
});

describe('Explorer: limits', () => {
  it('--max-depth: no state deeper than the limit, and the search says it was cut short', () => {
    const result = explore(abdRegisterModel(), { maxDepth: 3 });
    expect(result.depthMax).toBe(3);
    expect(result.complete).toBe(false);
    expect(result.uniqueStates).toBeLessThan(544);
  });

  it('--max-states: stops at exactly the limit', () => {
    const result = explore(abdRegisterModel(), { maxStates: 100, strategy: 'dfs' });
    expect(result.uniqueStates).toBe(100);
    expect(result.complete).toBe(false);
  });
});

describe('Explorer: counterexamples', () => {
  const result = explore(unreplicatedRegister);
  const violation = result.properties[0];

  it('an unreplicated register is not linearizable: the shortest stale read is found', () => {
    expect(result.violated).toBe(true);
    expect(violation?.status).toBe('violated');
    expect(violation?.path?.map((choice) => (choice.kind === 'deliver' ? `${choice.message.type}@${choice.to}` : choice.kind))).toEqual([
      'put@s0',
      'putOk@c',
      'get@s1',
      'getOk@c',
    ]);
  });

  it('the path replays to a state where the invariant fails, and not before', () => {
    const states = replay(unreplicatedRegister, violation?.path ?? []);
    const holds = states.map((state) => unreplicatedRegister.properties[0]?.holds(state));
    expect(holds).toEqual([true, true, true, true, false]);
  });

  it('the trace of the path pairs every delivery with its send, step by step', () => {
    const events = pathTrace(unreplicatedRegister, violation?.path ?? []);
    const sends = new Map(events.flatMap((event) => (event.kind === 'send' ? [[event.id, event] as const] : [])));
    const deliveries = events.filter((event) => event.kind === 'deliver');
    expect(deliveries.map((event) => event.atMs)).toEqual([1, 2, 3, 4]);
    for (const delivery of deliveries) {
      const send = sends.get(delivery.id);
      expect(send?.to).toBe(delivery.to);
      expect(send?.atMs).toBeLessThan(delivery.atMs);
    }
  });

  it('a replay refuses a choice the state does not offer', () => {
    expect(() => replay(unreplicatedRegister, [{ kind: 'timer', actor: 'c', timerId: 'none' }])).toThrow(/no pending timer/);
  });
});
