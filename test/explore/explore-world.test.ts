/**
 * The explorer's two ways to a successor agree (docs/explorer.md, "Speed"): a delivery or timer
 * firing fingerprinted from its parent's lane sums and a memoised move (`peek`, then `successor`)
 * gives the state, and the fingerprint, that building it the long way (`next`) gives, choice for
 * choice, in every reachable state of two-phase commit on both unordered networks.
 */
import { describe, expect, it } from 'vitest';
import type { NetworkSemantics } from '../../src/explore/explore-model.js';
import type { ExploreState } from '../../src/explore/explore-state.js';
import { ExploreWorld, NO_TRANSITION } from '../../src/explore/explore-world.js';
import { twoPhaseCommitModel } from '../../src/explore/reference/two-phase-commit.js';

/** What a state is made of, by hashes: actors' slots and messages in flight in order, and the rest. */
function parts(state: ExploreState): unknown {
  return {
    actors: state.actors.map((slot) => [slot.id, slot.hash, slot.snapshot.value, slot.timers.map((timer) => timer.timerId)]),
    network: state.network.map((envelope) => [envelope.from, envelope.to, envelope.message.type, envelope.hash]),
    historyHash: state.historyHash,
    faultsUsed: state.faultsUsed,
  };
}

describe('ExploreWorld: the incremental successor', () => {
  it.each(['unordered-duplicating', 'unordered-nonduplicating'] as const)('two-phase commit, 3 RMs, %s: peek and successor agree with next', (network: NetworkSemantics) => {
    const model = twoPhaseCommitModel({ rms: 3 });
    // One world peeks, another builds the long way, so neither's memos serve the other.
    const fast = new ExploreWorld(model, { network });
    const slow = new ExploreWorld(model, { network });
    const seen = new Set<number>();
    const queue = [fast.initial()];
    let compared = 0;
    let noTransitions = 0;
    // Disagreements, collected and asserted once (an expect per choice would dominate the run).
    const disagreements: string[] = [];
    while (queue.length > 0) {
      const state = queue.pop() as ExploreState;
      if (seen.has(fast.fingerprint(state))) continue;
      seen.add(fast.fingerprint(state));
      const offered = fast.enumerate(state);
      if (offered !== slow.choices(state).length) disagreements.push(`${offered} choices offered`);
      for (let k = 0; k < offered; k++) {
        const fingerprint = fast.peek(state, k);
        const built = slow.next(state, fast.choiceAt(state, k));
        if (built === undefined) {
          if (fingerprint !== NO_TRANSITION) disagreements.push('a peek where next finds no transition');
          noTransitions++;
          continue;
        }
        const next = fast.successor();
        const [fastParts, slowParts] = [JSON.stringify(parts(next)), JSON.stringify(parts(built))];
        if (fingerprint !== slow.fingerprint(built) || fast.fingerprint(next) !== fingerprint || fastParts !== slowParts) disagreements.push(`${fastParts} vs ${slowParts}`);
        compared++;
        queue.push(next);
      }
    }
    expect(disagreements).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
    expect(compared).toBeGreaterThan(seen.size);
    // Redelivering a decision changes nothing: some choices are no transition (duplicating only).
    if (network === 'unordered-duplicating') expect(noTransitions).toBeGreaterThan(0);
  });
});
