/**
 * The Serverless v2 decider and load model (`src/protocol/serverless.ts`; docs/protocol.md §11.3):
 * capacities are 0.5 ACU steps within the range, the target keeps the stated headroom, one period
 * moves one increment towards the target and never past it, and a larger capacity moves in larger
 * increments (the User Guide's "the larger the current capacity … the faster scaling can happen").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LOAD_MODEL_DEFAULTS,
  acuUtilizationPercentOf,
  cacheBlocksAt,
  ceilToAcuStep,
  demandAcuOf,
  floorToAcuStep,
  isAcuStep,
  loadPercentOf,
  nextCapacityAcu,
  runningFloorAcu,
  scaleIncrementAcu,
  targetCapacityAcu,
} from '../../src/protocol/serverless.js';

const RANGE = { minAcu: 0, maxAcu: 16 };

describe('Serverless v2: the load model', () => {
  it('counts commits and gets at their per-ACU rates', () => {
    // 40 commits/s at 10 per ACU and 40 gets/s at 100 per ACU.
    expect(demandAcuOf({ commitsPerS: 40, getsPerS: 40 }, LOAD_MODEL_DEFAULTS)).toBeCloseTo(4.4, 9);
    expect(demandAcuOf({ commitsPerS: 0, getsPerS: 0 }, LOAD_MODEL_DEFAULTS)).toBe(0);
  });

  it('aims at the demand with its headroom, rounded up to a step, within [running floor, max]', () => {
    // 4.4 ACU at 70 %: 6.29, so 6.5.
    expect(targetCapacityAcu(4.4, RANGE, LOAD_MODEL_DEFAULTS)).toBe(6.5);
    expect(targetCapacityAcu(0, RANGE, LOAD_MODEL_DEFAULTS)).toBe(0.5);
    expect(targetCapacityAcu(0, { minAcu: 2, maxAcu: 16 }, LOAD_MODEL_DEFAULTS)).toBe(2);
    expect(targetCapacityAcu(100, RANGE, LOAD_MODEL_DEFAULTS)).toBe(16);
  });

  it('reports ACUUtilization against the maximum and the load against the capacity', () => {
    expect(acuUtilizationPercentOf(4, 16)).toBe(25);
    expect(loadPercentOf(3, 2)).toBe(150);
    expect(loadPercentOf(3, 0)).toBe(0);
  });
});

describe('Serverless v2: the decider', () => {
  it('rounds to 0.5 ACU steps', () => {
    expect([isAcuStep(1.5), isAcuStep(1.25), isAcuStep(0)]).toEqual([true, false, true]);
    expect([ceilToAcuStep(1.01), ceilToAcuStep(1.5), floorToAcuStep(1.49)]).toEqual([1.5, 1.5, 1]);
    expect(runningFloorAcu({ minAcu: 0, maxAcu: 4 })).toBe(0.5);
  });

  it('moves in larger increments from larger capacities, up faster than down', () => {
    expect([0.5, 1, 2, 4, 16, 64].map((acu) => scaleIncrementAcu(acu, 'up'))).toEqual([0.5, 0.5, 1, 2, 8, 32]);
    expect([0.5, 1, 2, 4, 16, 64].map((acu) => scaleIncrementAcu(acu, 'down'))).toEqual([0.5, 0.5, 0.5, 1, 4, 16]);
  });

  it('ramps from 0.5 to 16 ACU in 9 periods, each increment at least the one before', () => {
    const seen = [0.5];
    while (seen[seen.length - 1]! < 16) seen.push(nextCapacityAcu(seen[seen.length - 1]!, 16, RANGE));
    expect(seen).toEqual([0.5, 1, 1.5, 2, 3, 4.5, 6.5, 9.5, 14, 16]);
    const increments = seen.slice(1).map((acu, i) => acu - seen[i]!);
    for (let i = 1; i < increments.length - 1; i++) expect(increments[i]!).toBeGreaterThanOrEqual(increments[i - 1]!);
  });

  it('takes one increment towards the target, never past it, always a step within the range (property)', () => {
    const acu = fc.integer({ min: 0, max: 512 }).map((halves) => halves / 2);
    fc.assert(
      fc.property(acu, acu, fc.integer({ min: 2, max: 512 }), fc.boolean(), (current, target, maxHalves, pausable) => {
        const range = { minAcu: pausable ? 0 : Math.min(1, maxHalves / 2), maxAcu: maxHalves / 2 };
        const next = nextCapacityAcu(current, target, range);
        expect(isAcuStep(next)).toBe(true);
        expect(next).toBeGreaterThanOrEqual(runningFloorAcu(range));
        expect(next).toBeLessThanOrEqual(range.maxAcu);
        const from = Math.min(range.maxAcu, Math.max(runningFloorAcu(range), current));
        const to = Math.min(range.maxAcu, Math.max(runningFloorAcu(range), target));
        // Towards the target and not past it; within one increment of where it was.
        expect(Math.abs(to - next)).toBeLessThanOrEqual(Math.abs(to - from));
        expect((next - from) * (to - from)).toBeGreaterThanOrEqual(0);
        expect(Math.abs(next - from)).toBeLessThanOrEqual(scaleIncrementAcu(from, next > from ? 'up' : 'down'));
      }),
      { numRuns: 500, seed: 21 },
    );
  });

  it('gives a cache of at least one block, in proportion to capacity', () => {
    expect([0.5, 1, 16].map((acu) => cacheBlocksAt(acu, 4))).toEqual([2, 4, 64]);
    expect(cacheBlocksAt(0.5, 1)).toBe(1);
  });
});
