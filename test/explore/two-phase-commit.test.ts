/**
 * Two-phase commit explored over its xstate machines must reach exactly as many unique states as
 * Stateright's `examples/2pc.rs` (`can_model_2pc`): 288 with 3 RMs and 665 with 5 under symmetry
 * reduction here; 8,832 with 5 without it in two-phase-commit.deep.test.ts (about a second). The counts come out of the search; a model or explorer change that
 * grows or shrinks the state space fails here (docs/explorer.md,
 * "Counts, and how they match Stateright").
 */
import { describe, expect, it } from 'vitest';
import { explore, replay } from '../../src/explore/explorer.js';
import { twoPhaseCommitModel } from '../../src/explore/reference/two-phase-commit.js';

function statusOf(result: ReturnType<typeof explore>, name: string): string | undefined {
  return result.properties.find((property) => property.name === name)?.status;
}

describe('Explorer: two-phase commit (Stateright examples/2pc.rs)', () => {
  it('3 RMs, BFS: 288 unique states; consistent holds; both agreements are reached', () => {
    const result = explore(twoPhaseCommitModel({ rms: 3 }), { strategy: 'bfs' });
    expect(result.uniqueStates).toBe(288);
    expect(result.complete).toBe(true);
    expect(statusOf(result, 'consistent')).toBe('held');
    expect(statusOf(result, 'abort agreement')).toBe('found');
    expect(statusOf(result, 'commit agreement')).toBe('found');
  });

  it('5 RMs, DFS with symmetry: 665 unique states, the same verdicts', () => {
    const result = explore(twoPhaseCommitModel({ rms: 5 }), { strategy: 'dfs', symmetry: true });
    expect(result.uniqueStates).toBe(665);
    expect(result.properties.map((property) => property.status)).toEqual(['found', 'found', 'held']);
  });

  it('the commit-agreement witness replays to a state where every RM has committed', () => {
    const model = twoPhaseCommitModel({ rms: 3 });
    const witness = explore(model).properties.find((property) => property.name === 'commit agreement');
    const states = replay(model, witness?.path ?? []);
    const last = states[states.length - 1];
    expect(last?.actors.filter((slot) => slot.id !== 'tm').map((slot) => slot.snapshot.value)).toEqual(['committed', 'committed', 'committed']);
    // BFS finds a shortest witness: 3 prepares, 3 deliveries to the TM, its commit, 3 deliveries.
    expect(states.length - 1).toBe(10);
  });
});
