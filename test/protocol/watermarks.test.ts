/**
 * Consistency points: incremental SCL on a segment; PGCL → VCL → VDL on the writer. Reproduces
 * SIGMOD'18 Fig. 3 (VCL above a PGCL), SIGMOD'17 §4.1 ("complete to 1007 but durable to 1000") and
 * the ack half of the ragged edge example (docs/protocol.md §7.2).
 */
import { freeze } from 'immer';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, queueSize } from '../../src/protocol/chunked.js';
import type { PgId, SegmentId } from '../../src/protocol/ids.js';
import { LSN_ZERO, lsn, membershipEpoch, pgId, segmentId } from '../../src/protocol/ids.js';
import { emptyIntMap, intMapGet, intMapIsEmpty, intMapSet } from '../../src/protocol/int-map.js';
import { replacementConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import { kOfN } from '../../src/protocol/quorum.js';
import type { AllocatedRecord, DurabilityTracker } from '../../src/protocol/watermarks.js';
import {
  createDurabilityTracker,
  createSclState,
  pgclOf,
  readPointEligible,
  receiveRecord,
  recordAck,
  registerRecord,
  registerRecords,
  setPgWriteQuorum,
  watermarksOf,
} from '../../src/protocol/watermarks.js';

const PG1 = pgId(1);
const PG2 = pgId(2);
const segmentsOf = (pg: number): SegmentId[] => [0, 1, 2, 3, 4, 5].map((i) => segmentId(`seg:pg${pg}:${i}`));
const seg = (pg: number, index: number): SegmentId => segmentId(`seg:pg${pg}:${index}`);
const e0 = membershipEpoch(0);

/** Tracker over two standard PGs. */
function twoPgTracker(durableLsn = 0): DurabilityTracker {
  return createDurabilityTracker({
    writeQuorumByPg: { 1: standardConfig(segmentsOf(1), e0).write, 2: standardConfig(segmentsOf(2), e0).write },
    durableLsn: lsn(durableLsn),
  });
}

/** Segments `indexes` of `pg` ack SCL `scl`, in order; returns the tracker after. */
function ackFrom(tracker: DurabilityTracker, pg: PgId, indexes: number[], scl: number): DurabilityTracker {
  return indexes.reduce((next, index) => recordAck(next, { pg, segmentId: seg(pg, index), scl: lsn(scl) }), tracker);
}

/** Registers each record in turn; returns the tracker after. */
function registerAll(tracker: DurabilityTracker, records: AllocatedRecord[]): DurabilityTracker {
  return records.reduce(registerRecord, tracker);
}

describe('watermarks: SCL (SIGMOD\'18 §2.3, docs/protocol.md §3, log and consistency points)', () => {
  // One PG's chain: 1 ← 3 ← 4 ← 7 (other LSNs belong to other PGs).
  const chain = [
    { lsn: lsn(1), prevPgLsn: LSN_ZERO },
    { lsn: lsn(3), prevPgLsn: lsn(1) },
    { lsn: lsn(4), prevPgLsn: lsn(3) },
    { lsn: lsn(7), prevPgLsn: lsn(4) },
  ] as const;

  it('stops at a hole and jumps over it once the hole is filled', () => {
    const states = [createSclState()];
    for (const index of [0, 2, 3, 1]) states.push(receiveRecord(states[states.length - 1]!, chain[index]!));
    expect(states.map((state) => state.scl)).toEqual([0, 1, 1, 1, 7]);
    // Consumed links are dropped, so the table holds only records above SCL.
    expect(intMapIsEmpty(states[4]!.bySuccessor)).toBe(true);
    // Each state is a value: the ones before the hole was filled still read as they did.
    expect(states[3]).toEqual({ scl: 1, bySuccessor: intMapSet(intMapSet(emptyIntMap(), 3, lsn(4)), 4, lsn(7)) });
  });

  it('is idempotent under duplicates', () => {
    let state = createSclState();
    for (const index of [2, 2, 0, 0]) state = receiveRecord(state, chain[index]!);
    expect(state.scl).toBe(1);
    expect(intMapGet(state.bySuccessor, 3)).toBe(4);
    expect(receiveRecord(state, chain[2]!)).toBe(state);
    expect(receiveRecord(state, chain[1]!).scl).toBe(4);
  });

  it('moves SCL along the chain without copying the link table (the append fast path)', () => {
    const start = createSclState();
    const next = receiveRecord(start, chain[0]!);
    expect(next.scl).toBe(1);
    expect(next.bySuccessor).toBe(start.bySuccessor);
  });

  it('never writes into the state it is given', () => {
    const held = freeze(receiveRecord(createSclState(), chain[2]!), true);
    const copy = structuredClone(held);
    expect(receiveRecord(receiveRecord(held, chain[0]!), chain[1]!).scl).toBe(4);
    expect(receiveRecord(held, chain[3]!).scl).toBe(0);
    expect(held).toEqual(copy);
  });

  it('continues from a starting SCL (e.g. after a truncation)', () => {
    const state = createSclState(lsn(4));
    expect(receiveRecord(state, { lsn: lsn(15), prevPgLsn: lsn(4) }).scl).toBe(15);
  });

  it('read eligibility is the conservative SCL ≥ read point (docs/protocol.md §13, V1)', () => {
    expect(readPointEligible(lsn(10), lsn(10))).toBe(true);
    expect(readPointEligible(lsn(9), lsn(10))).toBe(false);
  });
});

describe('watermarks: writer durability', () => {
  it('SIGMOD\'18 Fig. 3: PGCL1 = 103, PGCL2 = 104, VCL = 104 (not min PGCL)', () => {
    // Odd LSNs go to PG1, even to PG2; 105 and 106 have not met quorum.
    let tracker = twoPgTracker(100);
    for (let n = 101; n <= 106; n += 1) tracker = registerRecord(tracker, { lsn: lsn(n), pg: n % 2 === 1 ? PG1 : PG2, isCpl: true });
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3], 103);
    tracker = ackFrom(tracker, PG1, [4, 5], 105);
    tracker = ackFrom(tracker, PG2, [0, 1, 2, 3], 104);
    tracker = ackFrom(tracker, PG2, [3, 4, 5], 106);
    expect(watermarksOf(tracker)).toEqual({ vcl: 104, vdl: 104, maxAllocatedLsn: 106, pgclByPg: { 1: 103, 2: 104 } });
  });

  it('SIGMOD\'17 §4.1: complete to 1007 with CPLs 900/1000/1100 is durable to 1000', () => {
    let tracker = twoPgTracker(800);
    for (let n = 801; n <= 1100; n += 1) tracker = registerRecord(tracker, { lsn: lsn(n), pg: PG1, isCpl: n % 100 === 0 });
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3], 1007);
    tracker = ackFrom(tracker, PG1, [4], 1100);
    expect(tracker.vcl).toBe(1007);
    expect(tracker.vdl).toBe(1000);
  });

  it('ragged edge example (docs/protocol.md §7.2), acks: VCL = VDL = 2, then VCL = 3 while VDL stays 2 (3 is mid-MTR)', () => {
    let tracker = registerAll(twoPgTracker(), [
      { lsn: lsn(1), pg: PG1, isCpl: false },
      { lsn: lsn(2), pg: PG2, isCpl: true },
      { lsn: lsn(3), pg: PG1, isCpl: false },
      { lsn: lsn(4), pg: PG1, isCpl: true },
    ]);
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3], 1);
    tracker = recordAck(tracker, { pg: PG2, segmentId: seg(2, 0), scl: lsn(2) });
    expect(tracker.vdl).toBe(0);
    tracker = ackFrom(tracker, PG2, [1, 2], 2);
    // The 4th ack makes LSN2 durable: VDL advances.
    tracker = recordAck(tracker, { pg: PG2, segmentId: seg(2, 3), scl: lsn(2) });
    expect([tracker.vcl, tracker.vdl]).toEqual([2, 2]);
    tracker = ackFrom(tracker, PG1, [0, 1, 2], 4);
    tracker = ackFrom(tracker, PG1, [3], 3);
    expect([tracker.vcl, tracker.vdl, pgclOf(tracker, PG1)]).toEqual([3, 2, 3]);
  });

  it('ignores stale and duplicate acks: they return the very tracker given', () => {
    let tracker = registerAll(twoPgTracker(), [
      { lsn: lsn(1), pg: PG1, isCpl: true },
      { lsn: lsn(2), pg: PG1, isCpl: true },
    ]);
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3], 2);
    expect(ackFrom(tracker, PG1, [0, 1, 2, 3, 4, 5], 1)).not.toBe(tracker); // 4 and 5 are new
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3, 4, 5], 1);
    expect(ackFrom(tracker, PG1, [0, 1, 2, 3], 2)).toBe(tracker);
    expect(watermarksOf(tracker)).toMatchObject({ vcl: 2, vdl: 2, pgclByPg: { 1: 2 } });
    expect(tracker.pgs[PG1]?.sclBySegment[seg(1, 0)]).toBe(2);
  });

  it('keeps PGCL under a new write quorum and needs G for later records (SIGMOD\'18 §4.1)', () => {
    let tracker = registerRecord(twoPgTracker(), { lsn: lsn(1), pg: PG1, isCpl: true });
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 3], 1);
    const joint = replacementConfig(standardConfig(segmentsOf(1), e0), { from: seg(1, 5), to: segmentId('G') });
    tracker = setPgWriteQuorum(tracker, PG1, joint.write);
    expect(pgclOf(tracker, PG1)).toBe(1);
    tracker = registerRecord(tracker, { lsn: lsn(2), pg: PG1, isCpl: true });
    // 0..3 and the old member 5 ack: 4/6 ABCDEF holds, but 4/6 ABCDEG needs a 4th of 0..4 or G.
    tracker = ackFrom(tracker, PG1, [0, 1, 2, 5], 2);
    expect(tracker.vdl).toBe(1);
    tracker = recordAck(tracker, { pg: PG1, segmentId: segmentId('G'), scl: lsn(2) });
    expect(tracker.vdl).toBe(2);
  });

  it('adds a PG on volume growth and rejects unknown PGs and out-of-order records', () => {
    let tracker = twoPgTracker();
    expect(() => registerRecord(tracker, { lsn: lsn(1), pg: pgId(3), isCpl: true })).toThrow(RangeError);
    tracker = setPgWriteQuorum(tracker, pgId(3), standardConfig(segmentsOf(3), e0).write);
    tracker = registerRecord(tracker, { lsn: lsn(1), pg: pgId(3), isCpl: true });
    expect(() => registerRecord(tracker, { lsn: lsn(1), pg: PG1, isCpl: true })).toThrow(RangeError);
    // A batch is all or nothing: the bad second record leaves the first unregistered too.
    expect(() => registerRecords(tracker, [{ lsn: lsn(2), pg: PG1, isCpl: true }, { lsn: lsn(2), pg: PG1, isCpl: true }])).toThrow(RangeError);
    expect(tracker.maxAllocatedLsn).toBe(1);
    expect(() => recordAck(tracker, { pg: pgId(9), segmentId: seg(9, 0), scl: lsn(1) })).toThrow(RangeError);
  });

  it('never writes into the tracker it is given: every step on a deep-frozen tracker works', () => {
    let tracker = freeze(twoPgTracker(), true);
    for (let n = 1; n <= 300; n += 1) {
      const before = JSON.stringify(tracker);
      const pg = n % 2 === 1 ? PG1 : PG2;
      const next = ackFrom(registerRecord(tracker, { lsn: lsn(n), pg, isCpl: n % 3 === 0 }), pg, [0, 1, 2, 3], n);
      expect(JSON.stringify(tracker)).toBe(before);
      tracker = freeze(next, true);
    }
    expect([tracker.vcl, tracker.vdl]).toEqual([300, 300]);
    const joint = setPgWriteQuorum(tracker, PG1, kOfN(6, segmentsOf(1)));
    expect(pgclOf(joint, PG1)).toBe(pgclOf(tracker, PG1));
  });

  it('copies little per record over a long run: the pending queue is chunked and emptied as VCL passes', () => {
    let tracker = twoPgTracker();
    for (let n = 1; n <= 50_000; n += 1) {
      const pg = n % 2 === 1 ? PG1 : PG2;
      tracker = registerRecord(tracker, { lsn: lsn(n), pg, isCpl: n % 3 === 0 });
      // Acks lag 1,000 records behind: that many wait in the queue, in chunks.
      if (n > 1_000) tracker = ackFrom(tracker, n % 2 === 1 ? PG1 : PG2, [0, 1, 2, 3], n - 1_000);
    }
    expect(queueSize(tracker.pending)).toBe(1_000);
    expect(tracker.pending.chunks.length).toBeLessThanOrEqual(Math.ceil(1_000 / CHUNK_SIZE) + 1);
    for (const pg of [PG1, PG2]) tracker = ackFrom(tracker, pg, [0, 1, 2, 3], 50_000);
    expect([tracker.vcl, tracker.vdl]).toEqual([50_000, 49_998]);
    expect(queueSize(tracker.pending)).toBe(0);
    expect(queueSize(tracker.cpls)).toBe(0);
  });
});
