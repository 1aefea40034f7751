/**
 * The writer-side rules of multi-writer clusters (src/protocol/multi-writer.ts): the pages a
 * transaction writes, a lost version read from the holders the segments named (won, void, open),
 * votes kept per block with a floor below which every change conflicts, commit stamps that rise
 * with page versions, and the conflict rate.
 */
import { describe, expect, it } from 'vitest';
import type { SegmentId } from '../../src/protocol/ids.js';
import { COLLECTED_HOLDER, EMPTY_PAGE, commitStampOf, conflictRatePer100, lostVersionOf, touchedPages, valuesAfter, voteKept } from '../../src/protocol/multi-writer.js';
import { blockOfKey } from '../../src/protocol/pages.js';
import { kOfN } from '../../src/protocol/quorum.js';

const MEMBERS = ['s1', 's2', 's3', 's4', 's5', 's6'];
const WRITE = kOfN(4, MEMBERS as SegmentId[]);
const A = { writer: 'a', txnId: 1 };
const B = { writer: 'b', txnId: 2 };

describe('Multi-writer rules', () => {
  it('a transaction writes each page once, blocks ascending, its puts in op order', () => {
    const layout = { pgCount: 2, blocksPerPg: 4 };
    const ops = [{ f: 'get', key: 'k1' }, { f: 'put', key: 'k7', value: 'x' }, { f: 'put', key: 'k3', value: 'y' }, { f: 'put', key: 'k7', value: 'z' }];
    const pages = touchedPages(layout, ops);
    expect(pages.map((page) => page.blockId)).toEqual([...new Set([blockOfKey(layout, 'k7'), blockOfKey(layout, 'k3')])].sort((a, b) => a - b));
    const k7 = pages.find((page) => page.blockId === blockOfKey(layout, 'k7'))!;
    expect(k7.puts.filter((put) => put.key === 'k7').map((put) => put.value)).toEqual(['x', 'z']);
    expect(k7.pg).toBe(Math.floor(k7.blockId / 4));
    const before = { k7: 'old' };
    expect(valuesAfter(before, k7.puts)).toMatchObject({ k7: 'z' });
    expect(before).toEqual({ k7: 'old' });
  });

  it('a lost version: won by a holder with a write quorum, void when no holder can reach one, open while one still can', () => {
    expect(lostVersionOf(WRITE, MEMBERS, { s1: B, s2: B, s3: B, s4: B })).toEqual({ kind: 'won', holder: B });
    expect(lostVersionOf(WRITE, MEMBERS, { s1: A, s2: A, s3: A, s4: B, s5: B, s6: B })).toEqual({ kind: 'void' });
    expect(lostVersionOf(WRITE, MEMBERS, { s1: A, s2: A, s3: A, s4: B, s5: B })).toEqual({ kind: 'open' });
    // Three for A, two for B, one for C: nobody can reach four.
    expect(lostVersionOf(WRITE, MEMBERS, { s1: A, s2: A, s3: A, s4: B, s5: B, s6: { writer: 'c', txnId: 3 } })).toEqual({ kind: 'void' });
  });

  it('votes are kept per block, the newest versions only; below the floor every change conflicts', () => {
    let blocks = {};
    for (let version = 0; version < 5; version++) blocks = voteKept(blocks, { writer: 'a', txnId: version, pg: 0, blockId: 7, baseVersion: version }, 3).blocks;
    const kept = (blocks as Record<number, { floor: number; votes: object }>)[7]!;
    expect(kept.floor).toBe(2);
    expect(Object.keys(kept.votes)).toEqual(['7@2', '7@3', '7@4']);
    const stale = voteKept(blocks, { writer: 'b', txnId: 9, pg: 0, blockId: 7, baseVersion: 1 }, 3);
    expect(stale).toMatchObject({ vote: 'conflict', holder: COLLECTED_HOLDER });
    expect(stale.blocks).toBe(blocks);
    expect(voteKept(blocks, { writer: 'a', txnId: 4, pg: 0, blockId: 7, baseVersion: 4 }, 3)).toMatchObject({ vote: 'accepted' });
    expect(voteKept(blocks, { writer: 'b', txnId: 8, pg: 0, blockId: 7, baseVersion: 4 }, 3)).toMatchObject({ vote: 'conflict', holder: { writer: 'a', txnId: 4 } });
  });

  it('a commit stamp is above the clock and every stamp on its pages; the conflict rate is per 100 writes', () => {
    expect(commitStampOf(3, [EMPTY_PAGE, { version: 2, values: {}, stamp: 9 }])).toBe(10);
    expect(commitStampOf(12, [{ version: 2, values: {}, stamp: 9 }])).toBe(13);
    expect(conflictRatePer100(7, 200)).toBe(3.5);
    expect(conflictRatePer100(0, 0)).toBe(0);
  });
});
