/**
 * Storage growth's pure parts (docs/protocol.md §1.1): the `append` placement never moves a key
 * when PGs are added, commit records stay in the first PG, and the writer's decision for a
 * transaction's puts (fits, grow to N PGs, refused past the maximum) follows the placement.
 */
import { describe, expect, it } from 'vitest';
import { GIB_BYTES, TIB_BYTES, VOLUME_BYTES_MAX_DEFAULT, geometryEpochOf, growthNeedOf, pageLayoutOf, pgCountMaxOf, volumeBytesOf } from '../../src/protocol/geometry.js';
import { blockOfKey, commitBlockOf, keyIndexOf, pgOfBlock } from '../../src/protocol/pages.js';

describe('Geometry: append placement', () => {
  const small = pageLayoutOf({ pgCount: 1, blocksPerPg: 8, growth: { keysPerBlock: 4 } });
  const grown = { ...small, pgCount: 50 };

  it('places k<n> on block floor(n / keysPerBlock), whatever the PG count', () => {
    for (let n = 0; n < 2_000; n += 7) {
      expect(blockOfKey(small, `k${n}`)).toBe(Math.floor(n / 4));
      expect(blockOfKey(grown, `k${n}`)).toBe(blockOfKey(small, `k${n}`));
    }
    expect(pgOfBlock(small, blockOfKey(small, 'k31'))).toBe(0);
    expect(pgOfBlock(small, blockOfKey(small, 'k32'))).toBe(1);
  });

  it('keeps other names and commit records in the first PG, which every volume has', () => {
    for (const key of ['user:1', 'k', 'k01', 'k-3', 'kx']) expect(pgOfBlock(grown, blockOfKey(grown, key))).toBe(0);
    for (let txnId = 1; txnId < 500; txnId++) expect(pgOfBlock(grown, commitBlockOf(grown, txnId))).toBe(0);
    expect([keyIndexOf('k0'), keyIndexOf('k12'), keyIndexOf('k01'), keyIndexOf('x1')]).toEqual([0, 12, undefined, undefined]);
  });

  it('leaves the hashed placement of a volume that does not grow as it was', () => {
    const hashed = pageLayoutOf({ pgCount: 4, blocksPerPg: 64 });
    expect(hashed).toEqual({ pgCount: 4, blocksPerPg: 64 });
    const blocks = new Set(Array.from({ length: 1_000 }, (_, n) => blockOfKey(hashed, `k${n}`)));
    expect(Math.max(...blocks)).toBeGreaterThan(64 * 3);
  });
});

describe('Geometry: what a transaction needs', () => {
  const layout = pageLayoutOf({ pgCount: 2, blocksPerPg: 8, growth: { keysPerBlock: 4 } });
  const limits = { pgCount: 2, pgCountMax: 4 };

  it('fits, grows to the highest PG a put needs, or is refused past the maximum', () => {
    expect(growthNeedOf(layout, limits, ['k0', 'k63'])).toEqual({ kind: 'fits' });
    expect(growthNeedOf(layout, limits, ['k0', 'k64'])).toEqual({ kind: 'grow', pgCount: 3 });
    expect(growthNeedOf(layout, limits, ['k100', 'k64'])).toEqual({ kind: 'grow', pgCount: 4 });
    expect(growthNeedOf(layout, limits, ['k1', 'k128'])).toEqual({ kind: 'full', pg: 4 });
    expect(growthNeedOf(layout, limits, [])).toEqual({ kind: 'fits' });
  });

  it('counts 10 GiB per PG: 128 TiB is 13,107 PGs; one geometry epoch per added PG', () => {
    expect(VOLUME_BYTES_MAX_DEFAULT).toBe(128 * TIB_BYTES);
    expect(pgCountMaxOf(VOLUME_BYTES_MAX_DEFAULT)).toBe(13_107);
    expect(pgCountMaxOf(60 * GIB_BYTES - 1)).toBe(5);
    expect(volumeBytesOf(6_400)).toBe(64_000 * GIB_BYTES);
    expect([geometryEpochOf(4, 4), geometryEpochOf(4, 9)]).toEqual([1, 6]);
  });
});
