/**
 * The structural fingerprint: equal plain values hash alike whatever their key order or identity,
 * and values that differ anywhere (a key, a value, an array's order, a multiset's counts) hash
 * apart; a renaming applies to values and keys alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, MultisetHash } from '../../src/explore/fingerprint.js';

/** The same record with its keys inserted in reverse order, recursively. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, item]) => [key, reversedKeys(item)]));
}

const plain = fc.jsonValue({ maxDepth: 3 });

describe('Fingerprint', () => {
  it('ignores key order and identity', () => {
    fc.assert(fc.property(plain, (value) => fingerprintOf(value) === fingerprintOf(reversedKeys(structuredClone(value)))), { numRuns: 100, seed: 7 });
  });

  it('tells values apart exactly when their canonical JSON differs (no collision in 100 pairs)', () => {
    fc.assert(
      fc.property(plain, plain, (a, b) => {
        const same = JSON.stringify(reversedKeys(sortKeys(a))) === JSON.stringify(reversedKeys(sortKeys(b)));
        return (fingerprintOf(a) === fingerprintOf(b)) === same;
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('distinguishes near misses: array order, key vs value, number vs string, nesting', () => {
    const values = [[1, 2], [2, 1], { a: 'b' }, { b: 'a' }, 1, '1', [[1]], [1], { a: undefined, b: 1 }, { a: null, b: 1 }, -0.5, 0.5, 2 ** 40];
    expect(new Set(values.map((value) => fingerprintOf(value))).size).toBe(values.length);
    // An undefined entry counts as absent, as in JSON.
    expect(fingerprintOf({ a: undefined, b: 1 })).toBe(fingerprintOf({ b: 1 }));
  });

  it('renames strings in values and keys', () => {
    const rename = new Map([['rm:0', 'rm:1'], ['rm:1', 'rm:0']]);
    expect(fingerprintOf({ 'rm:0': true, 'rm:1': false, to: 'rm:0' }, rename)).toBe(fingerprintOf({ 'rm:1': true, 'rm:0': false, to: 'rm:1' }));
  });

  it('multisets count duplicates and ignore order', () => {
    const hash = (items: number[]): number => {
      const set = new MultisetHash();
      for (const item of items) set.add(fingerprintOf(item));
      return set.value(1);
    };
    expect(hash([1, 2, 2])).toBe(hash([2, 1, 2]));
    expect(hash([1, 2, 2])).not.toBe(hash([1, 2]));
    expect(hash([1, 1])).not.toBe(hash([]));
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}
