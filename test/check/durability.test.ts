/**
 * S6 "no lost acknowledged commit" read back from segments (docs/protocol.md §12, S6): a commit
 * survives iff each of its records meets every read quorum of its PG. Standard 4/6 + 3/6 (on 4 of 6
 * it survives; on 3 of 6 the other 3 are a read quorum that misses it), full/tail (3 fulls suffice,
 * 3 tails do not), annulled records count as missing, and availability is reported apart.
 */
import { describe, expect, it } from 'vitest';
import type { CommitPayload, DurabilityInput, DurabilityPg, DurabilitySegment } from '../../src/check/durability.js';
import { checkAcknowledgedCommits, durabilityResult } from '../../src/check/durability.js';
import { LSN_ZERO, blockId, lsn, membershipEpoch, pgId, segmentId, volumeEpoch } from '../../src/protocol/ids.js';
import { fullTailConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import type { QuorumPredicate } from '../../src/protocol/quorum.js';
import type { StoredRecord, TruncationRange } from '../../src/protocol/recovery.js';

const SIX = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];
const STANDARD = standardConfig(SIX.map(segmentId), membershipEpoch(0));
/** Fulls a1, b1, c1; tails a2, b2, c2 (one of each per AZ, docs/protocol.md §13, M2). */
const FULL_TAIL = fullTailConfig(['a1', 'b1', 'c1'].map(segmentId), ['a2', 'b2', 'c2'].map(segmentId), membershipEpoch(0));

function stored(
  at: number,
  pg: number,
  txnId: number,
  payload: CommitPayload,
  epoch = 1,
): StoredRecord<CommitPayload> {
  return {
    lsn: lsn(at),
    pg: pgId(pg),
    blockId: blockId(0),
    prevVolumeLsn: LSN_ZERO,
    prevPgLsn: LSN_ZERO,
    prevBlockLsn: LSN_ZERO,
    isCpl: payload.kind === 'commit',
    mtrId: txnId,
    txnId,
    isCommit: payload.kind === 'commit',
    payload,
    volumeEpoch: volumeEpoch(epoch),
  };
}

/** Txn 1 puts k0=v on PG 0 (LSN 1) and commits on PG 0 (LSN 2); txn 2 puts k1=w on PG 1 (LSN 3), commits on PG 0 (LSN 4). */
const PUT_1 = stored(1, 0, 1, { kind: 'put', key: 'k0', value: 'v' });
const COMMIT_1 = stored(2, 0, 1, { kind: 'commit', txnId: 1 });
const PUT_2 = stored(3, 1, 2, { kind: 'put', key: 'k1', value: 'w' });
const COMMIT_2 = stored(4, 0, 2, { kind: 'commit', txnId: 2 });

const COMMITS = [
  { txnId: 1, commitLsn: 2, puts: [{ key: 'k0', value: 'v' }] },
  { txnId: 2, commitLsn: 4, puts: [{ key: 'k1', value: 'w' }] },
];

/** A PG whose listed segments hold `records` where `holds(segment)` says so. */
function pgOf(
  pg: number,
  read: QuorumPredicate,
  records: readonly StoredRecord<CommitPayload>[],
  holders: readonly string[],
  options: { unavailable?: readonly string[]; truncations?: Record<string, TruncationRange[]> } = {},
): DurabilityPg {
  const segments: DurabilitySegment[] = SIX.map((id) => ({
    id,
    available: !(options.unavailable ?? []).includes(id),
    records: holders.includes(id) ? records : [],
    truncations: options.truncations?.[id] ?? [],
  }));
  return { pg, read, segments };
}

function input(pgs: DurabilityPg[], commits = COMMITS): DurabilityInput {
  return { pgs, commits, pgOfKey: (key) => Number(key.slice(1)), commitPgOf: () => 0 };
}

describe('Durability: standard 4/6 + 3/6', () => {
  it('keeps commits whose records are on 4 of 6', () => {
    const report = checkAcknowledgedCommits(
      input([pgOf(0, STANDARD.read, [PUT_1, COMMIT_1, COMMIT_2], ['a1', 'a2', 'b1', 'c2']), pgOf(1, STANDARD.read, [PUT_2], SIX.slice(2))]),
    );
    expect(report).toEqual({ checked: 2, lost: [], unavailablePgs: [] });
    expect(durabilityResult(report)).toEqual({
      name: 'no lost acknowledged commit',
      kind: 'always',
      ok: true,
      violations: 0,
      firstViolations: [],
      vacuous: false,
    });
  });

  it('loses a commit record on 3 of 6: the other 3 are a read quorum', () => {
    const report = checkAcknowledgedCommits(
      input([pgOf(0, STANDARD.read, [PUT_1, COMMIT_1, COMMIT_2], ['a1', 'b1', 'c1']), pgOf(1, STANDARD.read, [PUT_2], SIX)]),
    );
    expect(report.lost.map((l) => l.txnId)).toEqual([1, 1, 2]);
    expect(report.lost[0]?.missing).toBe(
      'commit record LSN 2 of txn 1 on PG 0: held (not annulled) by 3 of 6 segments [a1, b1, c1]; ' +
        'the other 3 [a2, b2, c2] form a read quorum (expected it in every read quorum)',
    );
    const result = durabilityResult(report, 500);
    expect(result).toMatchObject({ ok: false, violations: 3 });
    expect(result.firstViolations[0]).toEqual({ atMs: 500, message: report.lost[0]?.missing });
  });

  it('loses a put whose own PG has it on 3 of 6, even though its commit record is safe', () => {
    const report = checkAcknowledgedCommits(
      input([pgOf(0, STANDARD.read, [PUT_1, COMMIT_1, COMMIT_2], SIX), pgOf(1, STANDARD.read, [PUT_2], ['a1', 'a2', 'b1'])]),
    );
    expect(report.lost).toEqual([{ txnId: 2, missing: expect.stringContaining('put k1=w of txn 2 on PG 1: held (not annulled) by 3 of 6') }]);
  });

  it('loses a record stored with another value or on another transaction', () => {
    const wrongValue = stored(1, 0, 1, { kind: 'put', key: 'k0', value: 'old' });
    const report = checkAcknowledgedCommits(input([pgOf(0, STANDARD.read, [wrongValue, COMMIT_1], SIX)], [COMMITS[0]!]));
    expect(report.lost).toEqual([{ txnId: 1, missing: expect.stringContaining('put k0=v of txn 1 on PG 0: held (not annulled) by 0 of 6') }]);
  });

  it('reports a PG that is not in the input', () => {
    const report = checkAcknowledgedCommits(input([pgOf(0, STANDARD.read, [PUT_1, COMMIT_1, COMMIT_2], SIX)]));
    expect(report.lost).toEqual([{ txnId: 2, missing: 'put k1=w of txn 2 on PG 1: that PG is not in the input' }]);
  });

  it('is vacuous with no acknowledged commits', () => {
    const report = checkAcknowledgedCommits(input([pgOf(0, STANDARD.read, [], [])], []));
    expect(durabilityResult(report)).toMatchObject({ ok: true, vacuous: true });
  });
});

describe('Durability: annulled records count as missing', () => {
  const truncation = (epoch: number): TruncationRange => ({ volumeEpoch: volumeEpoch(epoch), fromLsn: lsn(2), toLsn: lsn(11) });

  it('loses a record a later recovery’s range covers, even if only one segment holds the range', () => {
    const pg0 = pgOf(0, STANDARD.read, [PUT_1, COMMIT_1], SIX, { truncations: { c2: [truncation(2)] } });
    const report = checkAcknowledgedCommits(input([pg0], [COMMITS[0]!]));
    expect(report.lost).toEqual([{ txnId: 1, missing: expect.stringContaining('commit record LSN 2 of txn 1 on PG 0: held (not annulled) by 0 of 6') }]);
  });

  it('keeps a record whose range is from its own epoch (the writer the recovery opened)', () => {
    const pg0 = pgOf(0, STANDARD.read, [PUT_1, COMMIT_1], SIX, { truncations: { a1: [truncation(1)] } });
    expect(checkAcknowledgedCommits(input([pg0], [COMMITS[0]!])).lost).toEqual([]);
  });
});

describe('Durability: full/tail (R = 3/6 ∧ 1/3 full)', () => {
  const commitOnly = [{ txnId: 1, commitLsn: 2, puts: [] }];

  it('keeps a record on the 3 fulls: every read quorum has a full', () => {
    const report = checkAcknowledgedCommits(input([pgOf(0, FULL_TAIL.read, [COMMIT_1], ['a1', 'b1', 'c1'])], commitOnly));
    expect(report.lost).toEqual([]);
  });

  it('loses a record on the 3 tails: the 3 fulls are a read quorum', () => {
    const report = checkAcknowledgedCommits(input([pgOf(0, FULL_TAIL.read, [COMMIT_1], ['a2', 'b2', 'c2'])], commitOnly));
    expect(report.lost).toHaveLength(1);
    expect(report.lost[0]?.missing).toContain('the other 3 [a1, b1, c1] form a read quorum');
  });

  it('loses a record on 2 fulls and a tail: the third full and 2 tails are a read quorum', () => {
    const report = checkAcknowledgedCommits(input([pgOf(0, FULL_TAIL.read, [COMMIT_1], ['a1', 'b1', 'a2'])], commitOnly));
    expect(report.lost[0]?.missing).toContain('the other 3 [b2, c1, c2] form a read quorum');
  });
});

describe('Durability: availability', () => {
  it('reports PGs whose available segments are no read quorum, and still judges their data', () => {
    const pg0 = pgOf(0, STANDARD.read, [PUT_1, COMMIT_1, COMMIT_2], SIX, { unavailable: ['a1', 'a2', 'b1', 'b2'] });
    const pg1 = pgOf(1, STANDARD.read, [PUT_2], SIX, { unavailable: ['a1', 'a2', 'b1'] });
    const report = checkAcknowledgedCommits(input([pg1, pg0]));
    expect(report).toEqual({ checked: 2, lost: [], unavailablePgs: [0] });
  });
});

describe('Durability: scale', () => {
  it('checks 20 PGs × 6 segments × 20k records in one pass', () => {
    // Arrange: each PG holds 20k puts of 20k transactions on all six; commits live on PG 0.
    const perPg = 20_000;
    const pgs: DurabilityPg[] = [];
    const commits: { txnId: number; commitLsn: number; puts: { key: string; value: string }[] }[] = [];
    const commitRecords: StoredRecord<CommitPayload>[] = [];
    for (let pg = 0; pg < 20; pg += 1) {
      const records: StoredRecord<CommitPayload>[] = [];
      for (let i = 0; i < perPg; i += 1) {
        const txnId = pg * perPg + i + 1;
        records.push(stored(2 * txnId - 1, pg, txnId, { kind: 'put', key: `k${pg}`, value: `${txnId}` }));
        if (i % 10 === 0) {
          commitRecords.push(stored(2 * txnId, 0, txnId, { kind: 'commit', txnId }));
          commits.push({ txnId, commitLsn: 2 * txnId, puts: [{ key: `k${pg}`, value: `${txnId}` }] });
        }
      }
      pgs.push(pgOf(pg, STANDARD.read, records, SIX.slice(0, pg === 7 ? 3 : 4)));
    }
    pgs[0] = { ...pgs[0]!, segments: pgs[0]!.segments.map((s) => ({ ...s, records: [...s.records, ...commitRecords] })) };
    // Act.
    const report = checkAcknowledgedCommits(input(pgs, commits));
    // Assert: only PG 7's puts (on 3 of 6) are lost.
    expect(report.checked).toBe(commits.length);
    expect(report.lost).toHaveLength(perPg / 10);
    expect(report.lost.every((l) => l.missing.includes('on PG 7'))).toBe(true);
  });
});
