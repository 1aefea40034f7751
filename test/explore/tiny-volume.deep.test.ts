/**
 * `tiny-volume`: the real segment, writer and metadata machines under the explorer, with S1–S9
 * judged in every state (src/explore/reference/volume-judges.ts). One write without crashes is a
 * complete search whose count is pinned; with a writer crash (restart and promotion) or two
 * writes the space passes four million states (docs/explorer.md, "tiny-volume"), so bounded
 * searches must hold every invariant while reaching what they claim to test.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { tinyVolumeModel } from '../../src/explore/reference/tiny-volume.js';
import { VOLUME_INVARIANTS } from '../../src/explore/reference/volume-judges.js';

const statusOf = (result: ReturnType<typeof explore>): Record<string, string> =>
  Object.fromEntries(result.properties.map((property) => [property.name, property.status]));

const allHeld = (result: ReturnType<typeof explore>): void => {
  for (const name of Object.values(VOLUME_INVARIANTS)) expect(statusOf(result)[name], name).toBe('held');
};

describe('Explorer: tiny-volume (deep)', () => {
  it('one write, no crash: 8,193 states, complete; S1–S9 hold in every one and the commit is acknowledged', () => {
    const result = explore(tinyVolumeModel());
    expect(result.uniqueStates).toBe(8_193);
    expect(result.complete).toBe(true);
    allHeld(result);
    expect(statusOf(result)).toMatchObject({ 'commit acknowledged': 'found', recovered: 'not-found' });
  });

  it('one write, one writer crash, 20,000 states depth-first: recovery reopens the writer; S1–S9 hold', () => {
    const result = explore(tinyVolumeModel({ crashes: 1 }), { strategy: 'dfs', maxStates: 20_000 });
    expect(result.uniqueStates).toBe(20_000);
    allHeld(result);
    expect(statusOf(result)).toMatchObject({ 'commit acknowledged': 'found', recovered: 'found' });
  });

  it('two writes one at a time, with symmetry: 75,005 states, complete; S1–S9 hold in every one and both commits are acknowledged', () => {
    const result = explore(tinyVolumeModel({ writes: 2, client: 'one-at-a-time' }), { symmetry: true });
    expect(result.uniqueStates).toBe(75_005);
    expect(result.complete).toBe(true);
    allHeld(result);
    expect(statusOf(result)['commit acknowledged']).toBe('found');
    expect(statusOf(result)['both commits acknowledged']).toBe('found');
  });

  it('two writes, 200,000 states depth-first: S1–S9 hold and a commit is acknowledged', () => {
    const result = explore(tinyVolumeModel({ writes: 2 }), { strategy: 'dfs', maxStates: 200_000 });
    expect(result.uniqueStates).toBe(200_000);
    allHeld(result);
    expect(statusOf(result)['commit acknowledged']).toBe('found');
  });

  it('vcl-ignores-holes with two writes: depth-first within 30,000 states, a segment reports its SCL past a hole and an acknowledged commit is lost (S6)', () => {
    const result = explore(tinyVolumeModel({ writes: 2, plant: 'vcl-ignores-holes' }), { strategy: 'dfs', maxStates: 30_000 });
    expect(result.violated).toBe(true);
    expect(statusOf(result)[VOLUME_INVARIANTS.s6]).toBe('violated');
  });
});
