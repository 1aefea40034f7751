/**
 * An effect action the embedder did not provide fails loudly (docs/embedding.md, "When an effect
 * is missing"): every machine's `setup` gives its effect actions a body that throws
 * EffectNotProvidedError naming the machine and the action, so a machine embedded without them
 * stops at its first effect instead of running on silently, talking to no one.
 */
import { createActor } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CLUSTER_STATECHARTS } from '../../src/cluster/statecharts.js';
import { EffectNotProvidedError, azMachine, monitorMachine } from '../../src/index.js';

const EFFECT_ACTIONS = ['send', 'signal', 'observe', 'publish', 'effects'];

/** The effect actions a machine declares, with the body it has until provided. */
function effectActionsOf(machine: AnyStateMachine): [string, (...args: unknown[]) => unknown][] {
  const actions = machine.implementations.actions as Record<string, unknown>;
  return EFFECT_ACTIONS.filter((name) => typeof actions[name] === 'function').map((name) => [name, actions[name] as (...args: unknown[]) => unknown]);
}

describe('Effect actions not provided', () => {
  it.each(CLUSTER_STATECHARTS.map((chart) => [chart.name, chart.machine] as const))('%s: each effect action throws, naming the machine and the action', (_name, machine) => {
    const declared = effectActionsOf(machine);
    expect(declared.length).toBeGreaterThan(0);
    for (const [action, body] of declared) {
      let thrown: unknown;
      try {
        body({}, {});
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(EffectNotProvidedError);
      expect(thrown).toMatchObject({ machine: machine.id, action });
      expect((thrown as Error).message).toBe(`${machine.id}: the \`${action}\` action is not provided: give it with machine.provide({ actions: { ${action} } }) (docs/embedding.md)`);
    }
  });

  it('a monitor started without `send` fails at its first ping; provided, it pings', () => {
    const input = { self: 'monitor', targets: ['node:1'] };
    const bare = createActor(monitorMachine, { input });
    const errors: unknown[] = [];
    bare.subscribe({ error: (error) => errors.push(error) });
    bare.start();
    expect(bare.getSnapshot().status).toBe('error');
    expect((errors[0] as Error).message).toMatch(/^monitor: the `send` action is not provided/);

    const sent: unknown[] = [];
    const provided = createActor(monitorMachine.provide({ actions: { send: (_, params) => void sent.push(params) } }), { input }).start();
    expect(provided.getSnapshot().status).toBe('active');
    expect(sent).toEqual([{ to: 'node:1', message: { type: 'ping', from: 'monitor', round: 1 } }]);
    provided.stop();
  });

  it('an AZ without `signal` runs until its outage must reach its members, then fails', () => {
    const bare = createActor(azMachine, { input: { self: 'az:a', members: ['node:a:1'] } });
    const errors: unknown[] = [];
    bare.subscribe({ error: (error) => errors.push(error) });
    bare.start();
    expect(bare.getSnapshot().status).toBe('active'); // nothing to signal yet
    bare.send({ type: 'outage', cause: 'az' });
    expect(bare.getSnapshot().status).toBe('error');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toMatch(/^az: the `signal` action is not provided/);
  });
});
