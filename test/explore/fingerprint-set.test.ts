/**
 * The explorer's tables (src/explore/fingerprint-set.ts): the visited set and the pair memo keep
 * what they were given through growth, tell apart keys that share a word, and the memo empties
 * itself at its bound.
 */
import { describe, expect, it } from 'vitest';
import { FingerprintSet, PairMemo } from '../../src/explore/fingerprint-set.js';
import { fingerprintOf } from '../../src/explore/fingerprint.js';

const hashes = Array.from({ length: 3000 }, (_, index) => fingerprintOf(index));

describe('FingerprintSet', () => {
  it('keeps every fingerprint with its entry through growth, and nothing else', () => {
    const set = new FingerprintSet(4);
    expect(hashes.every((hash, entry) => set.add(hash, entry))).toBe(true);
    expect(set.add(hashes[7] as number, 99)).toBe(false);
    expect(set.size).toBe(hashes.length);
    expect(hashes.every((hash, entry) => set.get(hash) === entry)).toBe(true);
    expect(set.get(fingerprintOf('absent'))).toBe(-1);
  });
});

describe('PairMemo', () => {
  it('keeps every pair through growth; pairs sharing a first or a low word stay apart', () => {
    const memo = new PairMemo<string>(1 << 20, 2);
    for (const [index, hash] of hashes.entries()) {
      memo.set(hash, 1, `a${index}`);
      memo.set(hash, 2, `b${index}`);
    }
    // Same low 32 bits, different high words.
    memo.set(5, 2 ** 40 + 1, 'high one');
    memo.set(5, 2 ** 41 + 1, 'high two');
    expect(memo.size).toBe(hashes.length * 2 + 2);
    expect(hashes.every((hash, index) => memo.get(hash, 1) === `a${index}` && memo.get(hash, 2) === `b${index}`)).toBe(true);
    expect([memo.get(5, 2 ** 40 + 1), memo.get(5, 2 ** 41 + 1), memo.get(5, 1)]).toEqual(['high one', 'high two', undefined]);
  });

  it('empties itself when it reaches its bound', () => {
    const memo = new PairMemo<number>(100);
    for (let index = 0; index < 100; index++) memo.set(hashes[index] as number, 0, index);
    expect(memo.get(hashes[0] as number, 0)).toBe(0);
    memo.set(hashes[100] as number, 0, 100);
    expect(memo.size).toBe(1);
    expect([memo.get(hashes[0] as number, 0), memo.get(hashes[100] as number, 0)]).toEqual([undefined, 100]);
  });
});
