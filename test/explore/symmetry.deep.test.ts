/**
 * Symmetry reduction is sound: two states it counts as one are always the same state up to a
 * renaming of the resource managers. Checked on every reachable state of two-phase commit with 3
 * RMs against a brute-force canonical form (the least canonical JSON over all 3! renamings).
 * About a second and a half, so it runs with `npm run test:deep`.
 */
import { describe, expect, it } from 'vitest';
import type { ExploreState } from '../../src/explore/explore-state.js';
import { ExploreWorld } from '../../src/explore/explore-world.js';
import { rmId, twoPhaseCommitModel } from '../../src/explore/reference/two-phase-commit.js';
import { canonicalJson } from '../../src/kernel/trace.js';

function permutations(items: readonly string[]): string[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

function renamed(value: unknown, rename: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return rename.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => renamed(item, rename));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [rename.get(key) ?? key, renamed(item, rename)]));
}

/** The state as plain data: actors by id, the network as a sorted multiset. */
function plainState(state: ExploreState): unknown {
  return {
    actors: Object.fromEntries(state.actors.map((slot) => [slot.id, { value: slot.snapshot.value, context: slot.snapshot.context, timers: slot.timers.map((timer) => timer.timerId).sort(), crashed: slot.crashed }])),
    network: state.network.map((envelope) => ({ from: envelope.from, to: envelope.to, message: envelope.message })),
  };
}

function orbitKey(state: ExploreState, rms: readonly string[]): string {
  const keys = permutations(rms).map((order) => {
    const data = renamed(plainState(state), new Map(rms.map((id, index) => [id, order[index] as string]))) as { actors: unknown; network: unknown[] };
    return canonicalJson({ actors: data.actors, network: data.network.map((item) => canonicalJson(item)).sort() });
  });
  return keys.sort()[0] as string;
}

describe('Explorer: symmetry reduction', () => {
  it('two-phase commit, 3 RMs: states sharing a representative share an orbit', () => {
    const model = twoPhaseCommitModel({ rms: 3 });
    const rms = [0, 1, 2].map(rmId);
    const plainWorld = new ExploreWorld(model);
    const symmetricWorld = new ExploreWorld(model, { symmetry: true });
    const seen = new Set<number>();
    const orbitOf = new Map<number, string>();
    const orbits = new Set<string>();
    const queue = [plainWorld.initial()];
    while (queue.length > 0) {
      const state = queue.pop() as ExploreState;
      const fingerprint = plainWorld.fingerprint(state);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      const orbit = orbitKey(state, rms);
      orbits.add(orbit);
      const representative = symmetricWorld.fingerprint(state);
      expect(orbitOf.get(representative) ?? orbit).toBe(orbit);
      orbitOf.set(representative, orbit);
      for (const choice of plainWorld.choices(state)) {
        const next = plainWorld.next(state, choice);
        if (next !== undefined) queue.push(next);
      }
    }
    expect(seen.size).toBe(288);
    // Sorting by state is not a perfect canonical form (Stateright's neither): at least one
    // representative per orbit, at most one per state.
    expect(orbitOf.size).toBeGreaterThanOrEqual(orbits.size);
    expect(orbitOf.size).toBeLessThan(seen.size);
  });
});
