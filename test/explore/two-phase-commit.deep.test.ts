/**
 * Two-phase commit with 5 RMs and no symmetry reduction: Stateright's 8,832 unique states
 * (`examples/2pc.rs`), by DFS and BFS. About a second each, so it runs with `npm run test:deep`.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import { twoPhaseCommitModel } from '../../src/explore/reference/two-phase-commit.js';

describe('Explorer: two-phase commit, 5 RMs (deep)', () => {
  it.each(['dfs', 'bfs'] as const)('%s: 8,832 unique states; consistent holds', (strategy) => {
    const result = explore(twoPhaseCommitModel({ rms: 5 }), { strategy });
    expect(result.uniqueStates).toBe(8_832);
    expect(result.complete).toBe(true);
    expect(result.properties.map((property) => property.status)).toEqual(['found', 'found', 'held']);
  });
});
