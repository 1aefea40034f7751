/**
 * `tiny-volume` (src/explore/reference/tiny-volume.ts): the symmetric search is sound and complete
 * against the plain one, and the S1–S9 judges over explored states (volume-judges.ts) have teeth.
 * The pinned plain counts and the crash searches are in tiny-volume.deep.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explorer.js';
import type { ExploreState } from '../../src/explore/explore-state.js';
import { ExploreWorld } from '../../src/explore/explore-world.js';
import { pathTrace } from '../../src/explore/path-trace.js';
import { tinyVolumeModel } from '../../src/explore/reference/tiny-volume.js';
import { VOLUME_INVARIANTS } from '../../src/explore/reference/volume-judges.js';

const statusOf = (result: ReturnType<typeof explore>): Record<string, string> =>
  Object.fromEntries(result.properties.map((property) => [property.name, property.status]));

describe('Explorer: tiny-volume', () => {
  it('one write with symmetry: 801 states, and they are exactly the representatives of every plainly reachable state', () => {
    const model = tinyVolumeModel();
    const symmetric = explore(model, { symmetry: true });
    expect(symmetric.complete).toBe(true);
    expect(symmetric.uniqueStates).toBe(801);
    // Every state the plain search reaches, fingerprinted as its representative: the symmetric
    // search must have met each (complete) and nothing else (sound).
    const plain = new ExploreWorld(model);
    const representatives = new ExploreWorld(model, { symmetry: true });
    const seen = new Set<number>();
    const orbits = new Set<number>();
    const queue: ExploreState[] = [plain.initial()];
    seen.add(plain.fingerprint(queue[0] as ExploreState));
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head] as ExploreState;
      orbits.add(representatives.fingerprint(state));
      for (const choice of plain.choices(state)) {
        const next = plain.next(state, choice);
        if (next === undefined) continue;
        const fingerprint = plain.fingerprint(next);
        if (seen.has(fingerprint)) continue;
        seen.add(fingerprint);
        queue.push(next);
      }
    }
    expect(seen.size).toBe(8_193);
    expect(orbits.size).toBe(801);
  });

  it('one write: S1–S9 hold in every state, and the search reaches an acknowledged commit', () => {
    const result = explore(tinyVolumeModel(), { symmetry: true });
    for (const name of Object.values(VOLUME_INVARIANTS)) expect(statusOf(result)[name]).toBe('held');
    expect(statusOf(result)['commit acknowledged']).toBe('found');
  });

  it('write-quorum-3of6: the judges keep their own 4 of 6, so S4 and S6 fail after the third acknowledgement (10 choices)', () => {
    const result = explore(tinyVolumeModel({ plant: 'write-quorum-3of6' }), { symmetry: true, stopAtViolation: false });
    expect(statusOf(result)).toMatchObject({ [VOLUME_INVARIANTS.s4]: 'violated', [VOLUME_INVARIANTS.s6]: 'violated', [VOLUME_INVARIANTS.s8]: 'held' });
    const s4 = result.properties.find((property) => property.name === VOLUME_INVARIANTS.s4);
    expect(s4?.path).toHaveLength(10);
    expect(s4?.path?.filter((choice) => choice.kind === 'deliver' && choice.message.type === 'writeAck')).toHaveLength(3);
  });

  it('write-quorum-3of6: the counterexample\'s path trace says S4 first fails at its last step, and ends with every property\'s verdict', () => {
    const model = tinyVolumeModel({ plant: 'write-quorum-3of6' });
    const result = explore(model, { symmetry: true });
    expect(result.uniqueStates).toBe(381);
    const counterexample = result.properties.find((property) => property.status === 'violated');
    const path = counterexample?.path ?? [];
    expect(path.length).toBeGreaterThan(0);
    const events = pathTrace(model, path);
    const verdicts = events.filter((event) => event.kind === 'verdict');
    const online = verdicts.filter((verdict) => verdict.final !== true);
    const s4 = online.find((verdict) => verdict.invariant === VOLUME_INVARIANTS.s4);
    expect(s4).toEqual({ kind: 'verdict', atMs: path.length, invariant: VOLUME_INVARIANTS.s4, ok: false });
    // Every property that failed along the path failed in its last state only: the search is breadth-first.
    expect(online.every((verdict) => verdict.atMs === path.length && !verdict.ok)).toBe(true);
    // The step's verdicts come after its other events, and before the final ones.
    const lastStep = events.filter((event) => event.atMs === path.length);
    expect(lastStep.slice(-(online.length + model.properties.length)).every((event) => event.kind === 'verdict')).toBe(true);
    const finals = verdicts.filter((verdict) => verdict.final === true);
    expect(events.slice(-finals.length)).toEqual(finals);
    expect(finals.map((verdict) => verdict.invariant)).toEqual(model.properties.map((property) => property.name));
    expect(finals.find((verdict) => verdict.invariant === VOLUME_INVARIANTS.s4)).toMatchObject({ atMs: path.length, ok: false, violations: 1 });
    expect(finals.find((verdict) => verdict.invariant === VOLUME_INVARIANTS.s8)).toMatchObject({ ok: true, violations: 0 });
    for (const verdict of finals) {
      const property = model.properties.find((candidate) => candidate.name === verdict.invariant);
      if (property?.kind === 'always') expect(verdict.ok).toBe(!online.some((failed) => failed.invariant === verdict.invariant));
      else expect(verdict.violations).toBe(0);
    }
  });

  it('ignore-volume-epoch with a writer crash: S8, a segment fenced by recovery persists the old writer\'s write', () => {
    const result = explore(tinyVolumeModel({ plant: 'ignore-volume-epoch', crashes: 1 }), { maxStates: 50_000 });
    expect(result.violated).toBe(true);
    const s8 = result.properties.find((property) => property.name === VOLUME_INVARIANTS.s8);
    expect(s8?.status).toBe('violated');
    expect(s8?.path?.some((choice) => choice.kind === 'fault' && choice.fault === 'promote writer')).toBe(true);
  });

  it('refuses options outside their ranges, naming the field', () => {
    expect(() => tinyVolumeModel({ writes: 0 })).toThrow(/writes must be a positive integer, got 0/);
    expect(() => tinyVolumeModel({ crashes: -1 })).toThrow(/crashes must be a non-negative integer, got -1/);
    expect(() => tinyVolumeModel({ lal: 1.5 })).toThrow(/lal must be a positive integer, got 1.5/);
  });
});
