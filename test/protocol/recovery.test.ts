/**
 * Recovery from read-quorum responses (docs/protocol.md §7, crash recovery) and epoch-versioned
 * truncation (§13, R2). Reproduces both outcomes of the worked example of docs/protocol.md §7.2,
 * the ragged edge: LAL = 10; MTR1 = {1:PG1, 2:PG2 (CPL)}, MTR2 = {3:PG1, 4:PG1 (CPL, commit T1)};
 * LSN1–3 reached 4/6, LSN4 only 3/6.
 */
import { describe, expect, it } from 'vitest';
import type { PgId, SegmentId, VolumeEpoch } from '../../src/protocol/ids.js';
import { LSN_ZERO, blockId, lsn, membershipEpoch, pgId, segmentId, volumeEpoch } from '../../src/protocol/ids.js';
import { buildMtr, createBacklinkState } from '../../src/protocol/lsn.js';
import { fullTailConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import type { PgRecoveryInput, RecoveryOutcome, RecoveryPlan, StoredRecord, TruncationRange } from '../../src/protocol/recovery.js';
import {
  addTruncation,
  applyTruncations,
  hasReadQuorum,
  isAnnulled,
  planRecovery,
} from '../../src/protocol/recovery.js';

const PG1 = pgId(1);
const PG2 = pgId(2);
const e1 = volumeEpoch(1);
const e2 = volumeEpoch(2);
const e3 = volumeEpoch(3);
const seg = (pg: number, index: number): SegmentId => segmentId(`seg:pg${pg}:${index}`);
const segmentsOf = (pg: number): SegmentId[] => [0, 1, 2, 3, 4, 5].map((i) => seg(pg, i));

/** The micro-trace's four records, written at volume epoch 1. */
function microTraceRecords(): StoredRecord[] {
  const backlinks = createBacklinkState();
  const mtr1 = buildMtr(backlinks, { lsnFirst: lsn(1), lsnLast: lsn(2) }, [
    { pg: PG1, blockId: blockId(10) },
    { pg: PG2, blockId: blockId(20) },
  ], { mtrId: 1 });
  const mtr2 = buildMtr(mtr1.backlinks, { lsnFirst: lsn(3), lsnLast: lsn(4) }, [
    { pg: PG1, blockId: blockId(10) },
    { pg: PG1, blockId: blockId(11), isCommit: true },
  ], { mtrId: 2, txnId: 1 });
  return [...mtr1.records, ...mtr2.records].map((record) => ({ ...record, volumeEpoch: e1 }));
}

/**
 * What each segment holds after the acks of the example: LSN1 and LSN3 on PG1 segments 0–3, LSN4 on
 * PG1 segments 0–2, LSN2 on PG2 segments 0–3.
 */
function holdings(records: StoredRecord[]): Record<string, StoredRecord[]> {
  const [r1, r2, r3, r4] = records as [StoredRecord, StoredRecord, StoredRecord, StoredRecord];
  return {
    [seg(1, 0)]: [r1, r3, r4], [seg(1, 1)]: [r1, r3, r4], [seg(1, 2)]: [r1, r3, r4], [seg(1, 3)]: [r1, r3],
    [seg(2, 0)]: [r2], [seg(2, 1)]: [r2], [seg(2, 2)]: [r2], [seg(2, 3)]: [r2],
  };
}

/** The PG input for responders `indexes`; a segment's SCL is its highest chained record. */
function pgInput(pg: PgId, indexes: number[], held: Record<string, StoredRecord[]>): PgRecoveryInput {
  const responses = indexes.map((index) => {
    const records = held[seg(pg, index)] ?? [];
    const chained = records.filter((r, i) => r.prevPgLsn === (i === 0 ? LSN_ZERO : records[i - 1]?.lsn));
    return { segmentId: seg(pg, index), scl: chained[chained.length - 1]?.lsn ?? LSN_ZERO, records };
  });
  return { pg, config: standardConfig(segmentsOf(pg), membershipEpoch(0)), responses };
}

/** Unwraps a planned recovery or fails the test. */
function planned(outcome: RecoveryOutcome): RecoveryPlan {
  if (outcome.kind !== 'planned') throw new Error(`expected a plan, got ${JSON.stringify(outcome)}`);
  return outcome.plan;
}

const lsnsOf = (plan: RecoveryPlan): Record<number, number[]> =>
  Object.fromEntries(plan.reReplication.map((r) => [r.pg, r.records.map((record) => record.lsn)]));

describe('recovery: the ragged edge example (docs/protocol.md §7.2)', () => {
  it('outcome A: the read quorum sees LSN4 → VCL\' = VDL\' = 4, truncate 5..14, next LSN 15', () => {
    const held = holdings(microTraceRecords());
    const plan = planned(planRecovery({
      volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10,
      pgs: [pgInput(PG1, [0, 1, 2, 3], held), pgInput(PG2, [0, 1, 4], held)],
    }));
    expect([plan.vcl, plan.vdl, plan.nextLsn]).toEqual([4, 4, 15]);
    expect(plan.truncation).toEqual({ volumeEpoch: e2, fromLsn: 5, toLsn: 14 });
    // T1's commit survives (allowed: it was never acked); LSN4 goes to a write quorum. PG2's
    // responders show LSN2 on only two segments, so recovery re-sends it too (idempotent).
    expect(lsnsOf(plan)).toEqual({ 1: [4], 2: [2] });
    expect(plan.lastPgLsnByPg).toEqual({ 1: 4, 2: 2 });
  });

  it('a backtrack\'s recovery plans the same range, marked as hiding: it annuls nothing', () => {
    const held = holdings(microTraceRecords());
    const plan = planned(planRecovery({
      volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10, backtrack: true, capLsn: lsn(2),
      pgs: [pgInput(PG1, [0, 1, 2, 3], held), pgInput(PG2, [0, 1, 4], held)],
    }));
    expect(plan.truncation).toEqual({ volumeEpoch: e2, fromLsn: 3, toLsn: 12, hides: true });
    expect(isAnnulled({ lsn: lsn(4), volumeEpoch: e1 }, [plan.truncation])).toBe(false);
    expect(isAnnulled({ lsn: lsn(4), volumeEpoch: e1 }, [{ ...plan.truncation, hides: undefined } as TruncationRange])).toBe(true);
  });

  it('outcome B: it does not → VCL\' = 3, VDL\' = 2, truncate 3..12, next LSN 13', () => {
    const records = microTraceRecords();
    const held = holdings(records);
    const plan = planned(planRecovery({
      volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10,
      pgs: [pgInput(PG1, [3, 4, 5], held), pgInput(PG2, [0, 1, 2, 3], held)],
    }));
    // LSN3 is durable but mid-MTR, so VDL' stops at the CPL 2.
    expect([plan.vcl, plan.vdl, plan.nextLsn]).toEqual([3, 2, 13]);
    expect(plan.truncation).toEqual({ volumeEpoch: e2, fromLsn: 3, toLsn: 12 });
    expect(lsnsOf(plan)).toEqual({ 1: [1] });
    expect(plan.lastPgLsnByPg).toEqual({ 1: 1, 2: 2 });
    // LSN3 and LSN4 are annulled everywhere; T1 is treated as uncommitted.
    expect(applyTruncations(records, [plan.truncation]).map((r) => r.lsn)).toEqual([1, 2]);
  });

  it('waits while a PG lacks a read quorum (docs/protocol.md §12, L3)', () => {
    const held = holdings(microTraceRecords());
    const outcome = planRecovery({
      volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10,
      pgs: [pgInput(PG1, [0, 1, 2], held), pgInput(PG2, [0, 1], held)],
    });
    expect(outcome).toEqual({ kind: 'noReadQuorum', pgs: [PG2] });
  });
});

describe('recovery: a second recovery that sees nothing new', () => {
  it('extends the range past the previous range end + LAL, so the previous writer\'s LSNs stay annulled', () => {
    // Recovery at epoch 2 truncated 5..14 and opened a writer at LSN 15 whose VDL starts at 14,
    // so it may allocate up to 14 + 10 = 24. It crashed before anything became durable; recovery
    // at epoch 3 computes the same VDL' = 4. VDL' + LAL = 14 would leave 15..24 unannulled and
    // hand them out again (found by test/simulation/failover.prop.test.ts).
    const records = microTraceRecords();
    const held = holdings(records);
    const first: TruncationRange = { volumeEpoch: e2, fromLsn: lsn(5), toLsn: lsn(14) };
    const plan = planned(planRecovery({
      volumeEpoch: volumeEpoch(3), anchorLsn: LSN_ZERO, lal: 10, priorTruncations: [first],
      pgs: [pgInput(PG1, [0, 1, 2, 3], held), pgInput(PG2, [0, 1, 4], held)],
    }));
    expect(plan.vdl).toBe(4);
    expect(plan.truncation).toEqual({ volumeEpoch: 3, fromLsn: 5, toLsn: 24 });
    expect(plan.nextLsn).toBe(25);
  });
});

describe('recovery: the volume chain', () => {
  it('stops VCL\' at a hole even if later records are present', () => {
    const [r1, r2, , r4] = microTraceRecords() as [StoredRecord, StoredRecord, StoredRecord, StoredRecord];
    const held = { [seg(1, 0)]: [r1, r4], [seg(2, 0)]: [r2] };
    const plan = planned(planRecovery({
      volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10,
      pgs: [pgInput(PG1, [0, 1, 2], held), pgInput(PG2, [0, 1, 2], held)],
    }));
    expect([plan.vcl, plan.vdl]).toEqual([2, 2]);
  });

  it('drops stale records an earlier truncation annulled, or it would cut acked writes (R2)', () => {
    // After outcome B (epoch 2, range 3..12) the new writer wrote LSN13 (PG1, CPL) at epoch 2.
    // PG1 segment 0 missed the truncation and still holds LSN3 and LSN4 from epoch 1.
    const [r1, r2, r3, r4] = microTraceRecords() as [StoredRecord, StoredRecord, StoredRecord, StoredRecord];
    const r13: StoredRecord = { ...r3, lsn: lsn(13), prevVolumeLsn: lsn(2), prevPgLsn: lsn(1), isCpl: true, volumeEpoch: e2 };
    const held = { [seg(1, 0)]: [r1, r3, r4, r13], [seg(1, 1)]: [r1, r13], [seg(2, 0)]: [r2] };
    const rangeB: TruncationRange = { volumeEpoch: e2, fromLsn: lsn(3), toLsn: lsn(12) };
    const input = {
      volumeEpoch: e3, anchorLsn: LSN_ZERO, lal: 10,
      pgs: [pgInput(PG1, [0, 1, 2], held), pgInput(PG2, [0, 1, 2], held)],
    };
    expect(planned(planRecovery({ ...input, priorTruncations: [rangeB] })).vdl).toBe(13);
    // Without the earlier range the stale chain 1-2-3-4 wins and LSN13 would be annulled.
    expect(planned(planRecovery(input)).vdl).toBe(4);
  });

  it('starts at the anchor and ignores records at or below it', () => {
    const records = microTraceRecords();
    const held = holdings(records);
    const plan = planned(planRecovery({
      volumeEpoch: e3, anchorLsn: lsn(2), lal: 10,
      pgs: [{ ...pgInput(PG1, [0, 1, 2, 3], held), lastPgLsnAtAnchor: lsn(1) }, { ...pgInput(PG2, [0, 4, 5], held), lastPgLsnAtAnchor: lsn(2) }],
    }));
    expect([plan.vcl, plan.vdl, plan.nextLsn]).toEqual([4, 4, 15]);
    expect(lsnsOf(plan)).toEqual({ 1: [4] });
    expect(plan.lastPgLsnByPg).toEqual({ 1: 4, 2: 2 });
  });

  it('needs a full segment in a full/tail read quorum (SIGMOD\'18 §4.2)', () => {
    const { read } = fullTailConfig([seg(1, 0), seg(1, 2), seg(1, 4)], [seg(1, 1), seg(1, 3), seg(1, 5)], membershipEpoch(0));
    expect(hasReadQuorum(read, [{ segmentId: seg(1, 1) }, { segmentId: seg(1, 3) }, { segmentId: seg(1, 5) }])).toBe(false);
    expect(hasReadQuorum(read, [{ segmentId: seg(1, 1) }, { segmentId: seg(1, 3) }, { segmentId: seg(1, 4) }])).toBe(true);
  });
});

describe('recovery: truncation ranges (docs/protocol.md §13, R2)', () => {
  const stamp = (value: number, written: VolumeEpoch): { lsn: ReturnType<typeof lsn>; volumeEpoch: VolumeEpoch } => ({
    lsn: lsn(value),
    volumeEpoch: written,
  });
  const range2: TruncationRange = { volumeEpoch: e2, fromLsn: lsn(3), toLsn: lsn(12) };
  const range3: TruncationRange = { volumeEpoch: e3, fromLsn: lsn(2), toLsn: lsn(11) };

  it('annuls only records of a lower epoch, both ends inclusive', () => {
    expect(isAnnulled(stamp(3, e1), [range2])).toBe(true);
    expect(isAnnulled(stamp(12, e1), [range2])).toBe(true);
    expect(isAnnulled(stamp(13, e1), [range2])).toBe(false);
    expect(isAnnulled(stamp(2, e1), [range2])).toBe(false);
    // Written by (or re-replicated by) the recovery that wrote the range: not annulled.
    expect(isAnnulled(stamp(5, e2), [range2])).toBe(false);
  });

  it('lets a later recovery annul what an interrupted one re-replicated, without reviving anything', () => {
    // Recovery at epoch 2 re-replicated LSN2 at epoch 2, then crashed; epoch 3 chose VDL' = 1.
    const ranges = addTruncation(addTruncation([], range3), range2);
    expect(ranges.map((r) => r.volumeEpoch)).toEqual([2, 3]);
    expect(isAnnulled(stamp(2, e2), ranges)).toBe(true);
    // LSN12 of epoch 1 stays annulled by range2 though range3 ends at 11.
    expect(isAnnulled(stamp(12, e1), ranges)).toBe(true);
    // The epoch-3 writer starts at 12 (VDL' 1 + LAL 10 + 1): range2 does not touch it.
    expect(isAnnulled(stamp(12, e3), ranges)).toBe(false);
  });

  it('adds idempotently and refuses two different ranges at one epoch', () => {
    expect(addTruncation([range2], range2)).toEqual([range2]);
    expect(() => addTruncation([range2], { ...range2, toLsn: lsn(13) })).toThrow(RangeError);
  });
});

describe('recovery: garbage-collected segments move the anchor', () => {
  it('walks from the highest GC point reported, and takes each PG\'s last LSN below it from the responders', () => {
    const records = microTraceRecords();
    const held = holdings(records);
    const [r1, r2] = records as [StoredRecord, StoredRecord];
    // Every PG2 responder and one PG1 responder collected at the read point 2 (a CPL): below it
    // they list only base pages (the block's newest record there, carrying the page).
    const page = (record: StoredRecord): StoredRecord => ({ ...record, prevBlockLsn: LSN_ZERO, payload: { kind: 'page', values: {} } });
    const pg1 = pgInput(PG1, [0, 1, 2, 3], held);
    const pg2 = pgInput(PG2, [0, 1, 4], held);
    const collected = {
      ...pg1,
      responses: pg1.responses.map((response, index) => (index === 0 ? { ...response, records: [page(r1), ...response.records.filter((r) => r.lsn > 2)], gcPoint: lsn(2), lastPgLsnAtGc: lsn(1) } : response)),
    };
    const collected2 = {
      ...pg2,
      responses: pg2.responses.map((response) => ({ ...response, records: response.records.length > 0 ? [page(r2)] : [], gcPoint: response.records.length > 0 ? lsn(2) : LSN_ZERO, lastPgLsnAtGc: response.records.length > 0 ? lsn(2) : LSN_ZERO })),
    };
    const plan = planned(planRecovery({ volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10, pgs: [collected, collected2] }));
    expect(plan.anchorLsn).toBe(2);
    expect([plan.vcl, plan.vdl, plan.nextLsn]).toEqual([4, 4, 15]);
    // Nothing at or below the anchor is re-replicated: it is durable by construction.
    expect(lsnsOf(plan)).toEqual({ 1: [4] });
    // PG2 has nothing above the anchor: its backlink seed comes from the responders' baseline.
    expect(plan.lastPgLsnByPg).toEqual({ 1: 4, 2: 2 });
  });
});

describe('recovery: a GC point that is not a record', () => {
  it('walks from the volume\'s last record below it (a recovered writer\'s first VDL is its range end)', () => {
    // Recovery at epoch 2 found VDL' = 4 and annulled 5..14; its writer opened with VDL 14 (the
    // range end, where no record lies), reported 14 as its read point, and segments collected to
    // 14, keeping base pages of block 10 (at LSN 3), 11 (at 4) and 20 (at 2). Its first record, LSN 15, links back to 4. Recovery at epoch 3 must walk from 4, not 14:
    // starting at 14, the first record's backlink (4) would not match and the walk would stop,
    // annulling LSN 15 and everything the epoch-2 writer acknowledged after it.
    const records = microTraceRecords();
    const [, r2, r3, r4] = records as [StoredRecord, StoredRecord, StoredRecord, StoredRecord];
    const backlinks = createBacklinkState({ lastVolumeLsn: lsn(4), lastPgLsnByPg: { 1: lsn(4), 2: lsn(2) } });
    const [r15] = buildMtr(backlinks, { lsnFirst: lsn(15), lsnLast: lsn(15) }, [{ pg: PG2, blockId: blockId(20) }], { mtrId: 3 }).records.map((r) => ({ ...r, volumeEpoch: e2 }));
    const page = (record: StoredRecord): StoredRecord => ({ ...record, prevBlockLsn: LSN_ZERO, payload: { kind: 'page', values: {} } });
    const range: TruncationRange = { volumeEpoch: e2, fromLsn: lsn(5), toLsn: lsn(14) };
    const pg1: PgRecoveryInput = {
      pg: PG1,
      config: standardConfig(segmentsOf(1), membershipEpoch(0)),
      responses: [0, 1, 2].map((i) => ({ segmentId: seg(1, i), scl: lsn(4), records: [page(r3), page(r4)], gcPoint: lsn(14), lastPgLsnAtGc: lsn(4) })),
    };
    const pg2: PgRecoveryInput = {
      pg: PG2,
      config: standardConfig(segmentsOf(2), membershipEpoch(0)),
      responses: [0, 1, 2, 3].map((i) => ({ segmentId: seg(2, i), scl: lsn(15), records: [page(r2), r15!], gcPoint: lsn(14), lastPgLsnAtGc: lsn(2) })),
    };
    const plan = planned(planRecovery({ volumeEpoch: e3, anchorLsn: LSN_ZERO, lal: 10, priorTruncations: [range], pgs: [pg1, pg2] }));
    expect(plan.anchorLsn).toBe(4);
    expect([plan.vcl, plan.vdl]).toEqual([15, 15]);
    expect(plan.truncation).toEqual({ volumeEpoch: e3, fromLsn: 16, toLsn: 25 });
  });
});

/**
 * Three one-record MTRs on PG1, CPLs at 3, 6 and 9 (LSNs 1–9, each MTR three records, the last a
 * CPL), held by four segments: a union with VCL' = VDL' = 9.
 */
function threeMtrs(): Record<string, StoredRecord[]> {
  let backlinks = createBacklinkState();
  const records: StoredRecord[] = [];
  for (const first of [1, 4, 7]) {
    const mtr = buildMtr(backlinks, { lsnFirst: lsn(first), lsnLast: lsn(first + 2) }, [
      { pg: PG1, blockId: blockId(10) },
      { pg: PG1, blockId: blockId(11) },
      { pg: PG1, blockId: blockId(12), isCommit: true },
    ], { mtrId: first, txnId: first });
    backlinks = mtr.backlinks;
    records.push(...mtr.records.map((record) => ({ ...record, volumeEpoch: e1 })));
  }
  return Object.fromEntries([0, 1, 2, 3].map((index) => [seg(1, index), records]));
}

/** A recovery of {@link threeMtrs} at e2 with LAL 10, with the optional fields `extra` adds. */
function capped(extra: { capLsn?: number; truncateThroughLsn?: number }): RecoveryPlan {
  return planned(planRecovery({
    volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10,
    pgs: [pgInput(PG1, [0, 1, 2, 3], threeMtrs())],
    ...(extra.capLsn === undefined ? {} : { capLsn: lsn(extra.capLsn) }),
    ...(extra.truncateThroughLsn === undefined ? {} : { truncateThroughLsn: lsn(extra.truncateThroughLsn) }),
  }));
}

describe('recovery: capped at a durable LSN (a promoted Global Database secondary, docs/protocol.md §11.1)', () => {
  it('without a cap opens at the walked VDL\' = 9', () => {
    const plan = capped({});
    expect(plan).toMatchObject({ vcl: 9, vdl: 9, truncation: { fromLsn: 10, toLsn: 19 }, nextLsn: 20 });
  });

  it('cap 7 → VDL\' 6, the last CPL at or below it; survivors ≤ 6; the range starts at 7', () => {
    const plan = capped({ capLsn: 7 });
    // The walked VCL' stays: it is what storage holds (see RecoveryPlan.vcl).
    expect(plan).toMatchObject({ vcl: 9, vdl: 6, truncation: { volumeEpoch: e2, fromLsn: 7, toLsn: 16 }, nextLsn: 17 });
    expect(plan.lastPgLsnByPg[PG1]).toBe(6);
    // Four of six hold them: a write quorum, nothing to re-replicate, and nothing above 6 anyway.
    expect(plan.reReplication).toEqual([]);
  });

  it('re-replicates only survivors at or below the capped VDL\'', () => {
    const held = threeMtrs();
    // Three segments only (a read quorum, not a write quorum): every survivor is re-replicated.
    const plan = planned(planRecovery({ volumeEpoch: e2, anchorLsn: LSN_ZERO, lal: 10, capLsn: lsn(7), pgs: [pgInput(PG1, [0, 1, 2], held)] }));
    expect(plan.vdl).toBe(6);
    expect(lsnsOf(plan)).toEqual({ [PG1]: [1, 2, 3, 4, 5, 6] });
  });

  it('cap 2, below every CPL above the anchor → VDL\' is the anchor, 0', () => {
    const plan = capped({ capLsn: 2 });
    expect(plan).toMatchObject({ vcl: 9, vdl: 0, truncation: { fromLsn: 1, toLsn: 10 }, nextLsn: 11, lastPgLsnByPg: { [PG1]: 0 } });
  });

  it('a cap at or above the walked VDL\' plans exactly as no cap', () => {
    expect(capped({ capLsn: 100 })).toEqual(capped({}));
    expect(capped({ capLsn: 9 })).toEqual(capped({}));
  });

  it('truncateThroughLsn above VDL\' + LAL extends the range and the next LSN; below it changes nothing', () => {
    expect(capped({ capLsn: 7, truncateThroughLsn: 500 })).toMatchObject({ vdl: 6, truncation: { fromLsn: 7, toLsn: 500 }, nextLsn: 501 });
    expect(capped({ truncateThroughLsn: 500 })).toMatchObject({ vdl: 9, truncation: { fromLsn: 10, toLsn: 500 }, nextLsn: 501 });
    expect(capped({ truncateThroughLsn: 3 })).toEqual(capped({}));
    expect(capped({ capLsn: 7, truncateThroughLsn: 3 })).toEqual(capped({ capLsn: 7 }));
  });
});
