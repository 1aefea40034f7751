/**
 * `replayLive` (src/explore/live-replay.ts): explored paths replayed with real xstate actors reach
 * the stepped interpreter's states, and a machine that is not pure is caught.
 */
import { assign, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ExploreModel } from '../../src/explore/explore-model.js';
import { explore } from '../../src/explore/explorer.js';
import { replayLive } from '../../src/explore/live-replay.js';
import { abdRegisterModel } from '../../src/explore/reference/abd-register.js';
import { tinyVolumeModel } from '../../src/explore/reference/tiny-volume.js';

describe('replayLive', () => {
  it('tiny-volume: the ignore-volume-epoch counterexample (a crash, a restart, a promotion) replays live state for state', () => {
    const model = tinyVolumeModel({ plant: 'ignore-volume-epoch', crashes: 1 });
    const path = explore(model, { maxStates: 50_000 }).properties.find((property) => property.status === 'violated')?.path ?? [];
    expect(path.some((choice) => choice.kind === 'fault')).toBe(true);
    expect(replayLive(model, path)).toEqual({ steps: path.length, matches: true });
  });

  it('tiny-volume: the recovery witness (a writer reopened at a newer volume epoch) replays live', () => {
    const model = tinyVolumeModel({ crashes: 1 });
    const path = explore(model, { strategy: 'dfs', maxStates: 20_000 }).properties.find((property) => property.name === 'recovered')?.path ?? [];
    expect(path.length).toBeGreaterThan(10);
    expect(replayLive(model, path)).toEqual({ steps: path.length, matches: true });
  });

  it('ABD: the witness replays live on its network', () => {
    const model = abdRegisterModel();
    const witness = explore(model).properties.find((property) => property.path !== undefined)?.path ?? [];
    expect(witness.length).toBeGreaterThan(0);
    expect(replayLive(model, witness).matches).toBe(true);
  });

  it('an impure machine (an assign that reads a module counter) diverges, and the report says where', () => {
    let counter = 0;
    const impure = setup({ actions: { send: (_, _params: { to: string; message: unknown }) => {} } }).createMachine({
      context: { n: 0 },
      initial: 'idle',
      states: {
        idle: { entry: { type: 'send', params: { to: 'b', message: { type: 'ping' } } } },
      },
      on: { ping: { actions: assign({ n: () => ++counter }) } },
    });
    const model: ExploreModel = {
      name: 'impure',
      actors: [
        { id: 'a', machine: impure },
        { id: 'b', machine: impure },
      ],
      properties: [{ name: 'pinged', kind: 'sometimes', holds: (state) => state.network.length === 0 }],
    };
    const path = explore(model).properties[0]?.path ?? [];
    expect(path.length).toBe(2);
    const live = replayLive(model, path);
    expect(live.matches).toBe(false);
    expect(live.divergence).toMatchObject({ step: 1, what: expect.stringMatching(/context differs/) });
  });
});
