/**
 * The record archive (the S10/S14 oracle) keeps only what a page at or above its PG's floor (the
 * lowest member GC point) needs: every answer it still gives equals the answer of an archive that
 * keeps everything, and a question it can no longer answer exactly gets `undefined`, which the
 * judges report, instead of a wrong page.
 */
import { describe, expect, it } from 'vitest';
import type { PersistedObservation } from '../../src/protocol/observations.js';
import type { StoredRecord, TruncationRange } from '../../src/protocol/recovery.js';
import type { SegmentStore } from '../../src/protocol/segment-store.js';
import { RecordArchive } from '../../src/simulation/record-archive.js';
import { ReadJudge } from '../../src/simulation/read-judge.js';

const BLOCKS = 4;
const KEYS = 6;

/** Record `lsn`: a put of key `k{lsn % KEYS}` on block `lsn % BLOCKS`, every third a commit record. */
function record(lsn: number, volumeEpoch = 1): StoredRecord {
  const commit = lsn % 3 === 0;
  return {
    lsn, pg: 0, blockId: lsn % BLOCKS, volumeEpoch, prevVolumeLsn: lsn - 1, prevPgLsn: lsn - 1, prevBlockLsn: 0, isCpl: commit, mtrId: lsn, isCommit: commit,
    payload: commit ? { kind: 'commit', txnId: lsn } : { kind: 'put', key: `k${lsn % KEYS}`, value: `v${lsn}` },
  } as unknown as StoredRecord;
}

const persisted = (records: StoredRecord[]): PersistedObservation => ({
  kind: 'persisted', segment: 's1', pg: 0, source: 'w', via: 'write', volumeEpoch: 1, segmentVolumeEpoch: 1, lsns: records.map((r) => r.lsn), scl: 0, records,
});

const noStore = (): SegmentStore => {
  throw new Error('every observation carries its records');
};

/** An archive over `gcPoints` and `ranges` (both read live), and one that never compacts. */
function archives(gcPoints: { value: number }, ranges: TruncationRange[] = []) {
  return {
    compacting: new RecordArchive(noStore, () => ranges, () => [gcPoints.value, gcPoints.value + 5]),
    full: new RecordArchive(noStore, () => ranges),
  };
}

function fill(target: RecordArchive[], fromLsn: number, toLsn: number): void {
  for (let lsn = fromLsn; lsn <= toLsn; lsn += 100) {
    const batch = Array.from({ length: Math.min(100, toLsn - lsn + 1) }, (_, i) => record(lsn + i));
    for (const archive of target) archive.add(persisted(batch));
  }
}

describe('RecordArchive: bounded by the members\' GC points', () => {
  it('keeps a bounded number of records however many pass below the floor', () => {
    const gc = { value: 0 };
    const { compacting, full } = archives(gc);
    const retained: number[] = [];
    for (let round = 0; round < 10; round++) {
      fill([compacting, full], round * 10_000 + 1, (round + 1) * 10_000);
      // GC trails the newest record by 1,000 LSNs.
      gc.value = (round + 1) * 10_000 - 1_000;
      retained.push(compacting.retainedRecordCount());
    }
    expect(full.retainedRecordCount()).toBe(100_000);
    // Above the floor: at most the records since it, plus one put per key below it.
    for (const count of retained.slice(1)) expect(count).toBeLessThan(20_000);
    expect(Math.max(...retained.slice(5))).toBeLessThanOrEqual(Math.max(...retained.slice(1, 5)));
  });

  it('answers every read at or above the floor exactly as an archive that keeps everything', () => {
    const gc = { value: 0 };
    const { compacting, full } = archives(gc);
    fill([compacting, full], 1, 9_000);
    gc.value = 6_000;
    // The compaction runs on the next add; these records land above the floor.
    fill([compacting, full], 9_001, 13_200);
    expect(compacting.retainedRecordCount()).toBeLessThan(full.retainedRecordCount());
    for (const readPoint of [6_000, 6_001, 7_500, 9_000, 13_200]) {
      for (let block = 0; block < BLOCKS; block++) expect(compacting.page(0, block, readPoint)).toEqual(full.page(0, block, readPoint));
    }
  });

  it('refuses a read below the floor, which it can no longer replay', () => {
    const gc = { value: 0 };
    const { compacting, full } = archives(gc);
    fill([compacting, full], 1, 5_000);
    gc.value = 4_000;
    fill([compacting, full], 5_001, 9_200);
    expect(full.page(0, 1, 3_000)).toBeDefined();
    expect(compacting.page(0, 1, 3_000)).toBeUndefined();
  });

  it('merges a record that arrives below the floor after the compaction', () => {
    const gc = { value: 0 };
    const { compacting, full } = archives(gc);
    // LSN 2,001 (block 1, key k3) is held back and persisted late.
    const missing = 2_001;
    for (const archive of [compacting, full]) {
      for (let lsn = 1; lsn <= 9_200; lsn += 100) archive.add(persisted(Array.from({ length: 100 }, (_, i) => record(lsn + i)).filter((r) => r.lsn !== missing)));
    }
    gc.value = 8_000;
    fill([compacting, full], 9_301, 13_500);
    for (const archive of [compacting, full]) archive.add(persisted([record(missing)]));
    for (let block = 0; block < BLOCKS; block++) expect(compacting.page(0, block, 8_000)).toEqual(full.page(0, block, 8_000));
  });

  it('refuses every read once a truncation range reaches below the floor it compacted at', () => {
    const gc = { value: 0 };
    const ranges: TruncationRange[] = [];
    const { compacting } = archives(gc, ranges);
    fill([compacting], 1, 5_000);
    gc.value = 4_000;
    fill([compacting], 5_001, 9_200);
    expect(compacting.page(0, 1, 9_000)).toBeDefined();
    // A recovery that annuls durable records the segments already coalesced (docs/protocol.md §6
    // forbids it: collection keeps only what is durable and staged).
    ranges.push({ volumeEpoch: 2, fromLsn: 3_500, toLsn: 4_500 } as unknown as TruncationRange);
    expect(compacting.page(0, 1, 9_000)).toBeUndefined();
  });

  it('S10 reports a page it cannot replay as a violation', () => {
    const gc = { value: 0 };
    const { compacting } = archives(gc);
    fill([compacting], 1, 5_000);
    gc.value = 4_000;
    fill([compacting], 5_001, 9_200);
    const judge = new ReadJudge((pg, blockId, readPoint) => compacting.page(pg, blockId, readPoint));
    judge.observe(10, { kind: 'pageServed', segment: 's1', pg: 0, blockId: 1, readPoint: 3_000, segmentKind: 'full', values: {} });
    const [s10] = judge.results();
    expect(s10).toMatchObject({ ok: false, violations: 1 });
    expect(s10!.firstViolations[0]!.message).toContain('cannot replay');
  });
});
