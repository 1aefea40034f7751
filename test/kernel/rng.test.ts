/**
 * Rng: replays must never change silently, and forks must be independent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, createRng } from '../../src/kernel/rng.js';

describe('Rng', () => {
  it('implements xoshiro128** exactly (reference vector from the C original, state 1,2,3,4)', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('pins the first outputs for seed 1, so an upgrade cannot silently change every replay', () => {
    const root = createRng(1);
    expect(Array.from({ length: 6 }, () => root.nextUint32())).toEqual([
      1943976120, 3456756115, 2913569637, 1596736779, 2202780632, 1301481754,
    ]);
    const network = createRng(1).fork('network');
    expect(Array.from({ length: 3 }, () => network.nextUint32())).toEqual([1245987039, 259545751, 437618798]);
    expect(createRng(1).next()).toBe(0.4526172116759326);
  });

  it('gives a fork the same numbers however much the parent and siblings have drawn', () => {
    const quiet = createRng(42);
    const busy = createRng(42);
    for (let i = 0; i < 1000; i++) busy.nextUint32();
    busy.fork('faults').next();
    busy.fork('a-new-consumer').next();
    const a = quiet.fork('network');
    const b = busy.fork('network');
    expect(Array.from({ length: 20 }, () => a.nextUint32())).toEqual(Array.from({ length: 20 }, () => b.nextUint32()));
  });

  it('gives different streams for different seeds and labels', () => {
    const first = (rng: Rng) => Array.from({ length: 4 }, () => rng.nextUint32()).join(',');
    const streams = [createRng(1), createRng(2), createRng(1).fork('a'), createRng(1).fork('b'), createRng(1).fork('a').fork('a')];
    expect(new Set(streams.map(first)).size).toBe(streams.length);
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => createRng(1.5)).toThrow(/seed must be an integer/);
    expect(() => createRng(Number.NaN)).toThrow(/seed must be an integer/);
  });

  it('draws integers within bounds and floats in [0, 1) (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 5000 }), (seed, min, span) => {
        const rng = createRng(seed);
        for (let i = 0; i < 20; i++) {
          const value = rng.int(min, min + span);
          expect(Number.isInteger(value) && value >= min && value <= min + span).toBe(true);
          const float = rng.next();
          expect(float >= 0 && float < 1).toBe(true);
        }
      }),
    );
  });

  it('is roughly uniform: a die rolled 60,000 times lands each face 10,000 ± 500 times', () => {
    const rng = createRng(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[rng.int(0, 5)]!++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('chance(0) and chance(1) draw nothing, so a switched-off fault does not shift the stream', () => {
    const a = createRng(3);
    const b = createRng(3);
    a.chance(0);
    a.chance(1);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('shuffles to a permutation and picks members', () => {
    const rng = createRng(9);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(items).toContain(rng.pick(items));
    expect(() => rng.pick([])).toThrow(RangeError);
  });
});
