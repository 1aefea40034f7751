/**
 * LSN allocation under the LAL (SIGMOD'17 §4.2.1) and MTR construction with the three backlinks
 * and the CPL tag (SIGMOD'17 §4.1, SIGMOD'18 §2.2).
 */
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, tableRecord } from '../../src/protocol/chunked.js';
import { LSN_ZERO, blockId, lsn, pgId } from '../../src/protocol/ids.js';
import type { LsnAllocation } from '../../src/protocol/lsn.js';
import {
  DEFAULT_LAL,
  allocate,
  buildMtr,
  canAllocate,
  createBacklinkState,
  createLsnAllocator,
  lastBlockLsnOf,
} from '../../src/protocol/lsn.js';

const PG1 = pgId(1);
const PG2 = pgId(2);

/** Allocates or fails the test. */
function mustAllocate(...args: Parameters<typeof allocate>): ReturnType<typeof allocate> & { kind: 'allocated' } {
  const result = allocate(...args);
  if (result.kind !== 'allocated') throw new Error(`expected an allocation, got ${JSON.stringify(result)}`);
  return result;
}

describe('lsn: allocation under the LAL', () => {
  it('defaults to LAL = 10 million and starts at LSN 1', () => {
    const allocator = createLsnAllocator();
    expect(allocator).toEqual({ nextLsn: 1, lal: DEFAULT_LAL });
    expect(DEFAULT_LAL).toBe(10_000_000);
  });

  it('hands out contiguous runs', () => {
    const first = mustAllocate(createLsnAllocator({ lal: 10 }), LSN_ZERO, 2);
    expect(first.allocation).toEqual({ lsnFirst: 1, lsnLast: 2 });
    const second = mustAllocate(first.state, LSN_ZERO, 2);
    expect(second.allocation).toEqual({ lsnFirst: 3, lsnLast: 4 });
    expect(second.state.nextLsn).toBe(5);
  });

  it('refuses past VDL + LAL and resumes once VDL advances (back-pressure)', () => {
    const allocator = createLsnAllocator({ lal: 10, nextLsn: lsn(9) });
    // 9 and 10 fit under 0 + 10; 11 would not.
    expect(canAllocate(allocator, LSN_ZERO, 2)).toBe(true);
    expect(canAllocate(allocator, LSN_ZERO, 3)).toBe(false);
    expect(allocate(allocator, LSN_ZERO, 3)).toEqual({ kind: 'refused', reason: 'lalExceeded', lsnLimit: 10 });
    expect(mustAllocate(allocator, lsn(1), 3).allocation).toEqual({ lsnFirst: 9, lsnLast: 11 });
  });

  it('rejects bad counts and bad options', () => {
    expect(() => allocate(createLsnAllocator(), LSN_ZERO, 0)).toThrow(RangeError);
    expect(() => allocate(createLsnAllocator(), LSN_ZERO, 1.5)).toThrow(RangeError);
    expect(() => createLsnAllocator({ lal: 0 })).toThrow(RangeError);
    expect(() => createLsnAllocator({ nextLsn: LSN_ZERO })).toThrow(RangeError);
  });
});

describe('lsn: MTRs and backlinks', () => {
  it('builds the MTRs of the ragged edge example (docs/protocol.md §7.2) with all three chains', () => {
    const backlinks = createBacklinkState();
    const mtr1: LsnAllocation = { lsnFirst: lsn(1), lsnLast: lsn(2) };
    const mtr2: LsnAllocation = { lsnFirst: lsn(3), lsnLast: lsn(4) };
    const built1 = buildMtr(backlinks, mtr1, [
      { pg: PG1, blockId: blockId(10) },
      { pg: PG2, blockId: blockId(20) },
    ], { mtrId: 1 });
    const built2 = buildMtr(built1.backlinks, mtr2, [
      { pg: PG1, blockId: blockId(10), payload: 'x=1' },
      { pg: PG1, blockId: blockId(11), isCommit: true },
    ], { mtrId: 2, txnId: 1 });
    const links = [...built1.records, ...built2.records].map((r) => [
      r.lsn, r.pg, r.prevVolumeLsn, r.prevPgLsn, r.prevBlockLsn, r.isCpl, r.isCommit,
    ]);
    expect(links).toEqual([
      [1, PG1, 0, 0, 0, false, false],
      [2, PG2, 1, 0, 0, true, false],
      [3, PG1, 2, 1, 1, false, false],
      [4, PG1, 3, 3, 0, true, true],
    ]);
    expect(built2.records[0]).toMatchObject({ mtrId: 2, txnId: 1, payload: 'x=1' });
    const { lastVolumeLsn, lastPgLsnByPg, lastBlockLsns } = built2.backlinks;
    expect({ lastVolumeLsn, lastPgLsnByPg, lastBlockLsnByBlock: tableRecord(lastBlockLsns) }).toEqual({
      lastVolumeLsn: 4,
      lastPgLsnByPg: { 1: 4, 2: 2 },
      lastBlockLsnByBlock: { 10: 3, 11: 4, 20: 2 },
    });
    expect(lastBlockLsnOf(built2.backlinks, 12)).toBe(LSN_ZERO);
  });

  it('leaves the backlink state it was given as it was, and shares the chunks it did not touch', () => {
    const seed = { lastVolumeLsn: lsn(2), lastPgLsnByPg: { 1: lsn(2) }, lastBlockLsnByBlock: { 10: lsn(1), 200: lsn(2) } };
    const backlinks = freeze(createBacklinkState(seed), true);
    const before = JSON.stringify(backlinks);
    const built = buildMtr(backlinks, { lsnFirst: lsn(3), lsnLast: lsn(4) }, [
      { pg: PG1, blockId: blockId(10) },
      { pg: PG2, blockId: blockId(100) },
    ], { mtrId: 1 });
    expect(JSON.stringify(backlinks)).toBe(before);
    expect(built.records.map((r) => r.prevBlockLsn)).toEqual([1, 0]);
    expect([10, 100, 200].map((block) => lastBlockLsnOf(built.backlinks, block))).toEqual([3, 4, 2]);
    // Block 200's chunk was not written: the new state holds the very same chunk.
    const chunkOf200 = Math.floor(200 / CHUNK_SIZE);
    expect(built.backlinks.lastBlockLsns[chunkOf200]).toBe(backlinks.lastBlockLsns[chunkOf200]);
  });

  it('links across a truncation gap to the seeded backlinks (after recovery)', () => {
    // Recovery outcome B of the ragged edge example (docs/protocol.md §7.2): VDL' = 2, next LSN 13.
    const backlinks = createBacklinkState({ lastVolumeLsn: lsn(2), lastPgLsnByPg: { 1: lsn(1), 2: lsn(2) } });
    const [record] = buildMtr(backlinks, { lsnFirst: lsn(13), lsnLast: lsn(13) }, [
      { pg: PG1, blockId: blockId(10) },
    ], { mtrId: 3 }).records;
    expect(record).toMatchObject({ lsn: 13, prevVolumeLsn: 2, prevPgLsn: 1, isCpl: true });
  });

  it('rejects a size mismatch and an allocation below the chain', () => {
    const backlinks = createBacklinkState({ lastVolumeLsn: lsn(5) });
    const input = [{ pg: PG1, blockId: blockId(1) }];
    expect(() => buildMtr(backlinks, { lsnFirst: lsn(6), lsnLast: lsn(7) }, input, { mtrId: 1 })).toThrow(RangeError);
    expect(() => buildMtr(backlinks, { lsnFirst: lsn(5), lsnLast: lsn(5) }, input, { mtrId: 1 })).toThrow(RangeError);
    expect(() => buildMtr(backlinks, { lsnFirst: lsn(6), lsnLast: lsn(5) }, [], { mtrId: 1 })).toThrow(RangeError);
  });
});
