/**
 * `tiny-volume`: the real segment, writer and metadata machines under the explorer. One write
 * without crashes is a complete search whose count is pinned; with a writer crash (restart and
 * promotion) the space passes 4 GB of heap, so a bounded depth-first search must reach a
 * recovered writer without an acknowledged write falling below the PG's complete LSN.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { tinyVolumeModel } from '../../src/explore/reference/tiny-volume.js';

const statusOf = (result: ReturnType<typeof explore>): Record<string, string> =>
  Object.fromEntries(result.properties.map((property) => [property.name, property.status]));

describe('Explorer: tiny-volume (deep)', () => {
  it('one write, no crash: 8,193 states; the write is acknowledged and durable in every state', () => {
    const result = explore(tinyVolumeModel());
    expect(result.uniqueStates).toBe(8_193);
    expect(result.complete).toBe(true);
    expect(statusOf(result)).toMatchObject({ 'acknowledged writes durable': 'held', 'commit acknowledged': 'found', recovered: 'not-found' });
  });

  it('one write, one writer crash, 20,000 states depth-first: recovery reopens the writer; acknowledged writes stay durable', () => {
    const result = explore(tinyVolumeModel({ crashes: 1 }), { strategy: 'dfs', maxStates: 20_000 });
    expect(result.uniqueStates).toBe(20_000);
    expect(statusOf(result)).toMatchObject({ 'acknowledged writes durable': 'held', 'commit acknowledged': 'found', recovered: 'found' });
  });
});
