/**
 * The ABD register explored over its xstate machines must reach exactly Stateright's 544 unique
 * states (`examples/linearizable-register.rs`, `can_model_linearizable_register`), by BFS and by
 * DFS, with the history kept in the state and found linearizable in every state. The depth-first
 * witness of "value chosen" is Stateright's DFS discovery, delivery for delivery.
 */
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { abdRegisterModel } from '../../src/explore/reference/abd-register.js';

const model = abdRegisterModel();
const results = { bfs: explore(model, { strategy: 'bfs' }), dfs: explore(model, { strategy: 'dfs' }) };

describe('Explorer: ABD register (Stateright examples/linearizable-register.rs)', () => {
  it.each(['bfs', 'dfs'] as const)('2 clients, 2 servers, %s: 544 unique states, linearizable in all', (strategy) => {
    const result = results[strategy];
    expect(result.uniqueStates).toBe(544);
    expect(result.complete).toBe(true);
    expect(result.properties.map((property) => [property.name, property.status])).toEqual([
      ['linearizable', 'held'],
      ['value chosen', 'found'],
    ]);
  });

  it('DFS finds the value chosen along the path Stateright discovers', () => {
    const witness = results.dfs.properties[1];
    // Stateright's ids 0..3 are our server:0, server:1, client:2, client:3.
    expect(witness?.path?.map((choice) => (choice.kind === 'deliver' ? [choice.from, choice.to, choice.message.type] : choice.kind))).toEqual([
      ['client:3', 'server:1', 'put'],
      ['server:1', 'server:0', 'abd.query'],
      ['server:0', 'server:1', 'abd.ackQuery'],
      ['server:1', 'server:0', 'abd.record'],
      ['server:0', 'server:1', 'abd.ackRecord'],
      ['server:1', 'client:3', 'putOk'],
      ['client:3', 'server:0', 'get'],
      ['server:0', 'server:1', 'abd.query'],
      ['server:1', 'server:0', 'abd.ackQuery'],
      ['server:0', 'server:1', 'abd.record'],
      ['server:1', 'server:0', 'abd.ackRecord'],
    ]);
  });

  it('the witness replays to a state whose in-flight reply reads the written value B', () => {
    const witness = results.dfs.properties[1];
    const states = replay(model, witness?.path ?? []);
    const replies = states[states.length - 1]?.network.filter((envelope) => envelope.message.type === 'getOk');
    expect(replies?.map((envelope) => (envelope.message as unknown as { value: string }).value)).toEqual(['B']);
  });
});
