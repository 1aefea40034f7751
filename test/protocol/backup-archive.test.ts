/**
 * The object store's per-PG backup (src/protocol/backup-archive.ts): puts continue the staged
 * prefix or are refused, snapshots coalesce the staged log, a restore image replays to exactly the
 * requested point with annulled records left out, and retention keeps every point staged inside
 * the window restorable while dropping older ones.
 */
import { describe, expect, it } from 'vitest';
import type { Lsn, VolumeEpoch } from '../../src/protocol/ids.js';
import { materializePage } from '../../src/protocol/pages.js';
import type { StoredRecord, TruncationRange } from '../../src/protocol/recovery.js';
import {
  PAGE_BYTES,
  RECORD_HEADER_BYTES,
  earliestRestorableLsn,
  emptyPgBackup,
  imageOfSnapshot,
  snapshotAt,
  pruneBefore,
  restoreImage,
  retainedBytes,
  stageRecords,
  takeSnapshot,
} from '../../src/protocol/backup-archive.js';
import type { PgBackup, RestoreImage } from '../../src/protocol/backup-archive.js';
import { putChain } from '../support/put-chain.js';

const BLOCKS = 4;
const stored = (from: number, to: number, volumeEpoch = 1): StoredRecord[] => putChain(from, to, BLOCKS).map((record) => ({ ...record, volumeEpoch: volumeEpoch as VolumeEpoch }));
const put = (afterLsn: number, throughLsn: number, records = stored(afterLsn + 1, throughLsn), truncations: TruncationRange[] = []) => ({
  afterLsn: afterLsn as Lsn,
  throughLsn: throughLsn as Lsn,
  records,
  truncations,
});

/** Every block's values in a restore image, replayed as a restored segment would read them. */
function pagesOf(image: RestoreImage): Record<number, Record<string, string>> {
  const pages: Record<number, Record<string, string>> = {};
  for (let block = 0; block < BLOCKS; block++) {
    const chain = [...image.bases, ...image.records].filter((record) => record.blockId === block).sort((a, b) => b.lsn - a.lsn);
    pages[block] = materializePage(chain);
  }
  return pages;
}

/** The pages an independent replay of records 1..lsn gives (record i puts k<i%4> = v<i>). */
function expectedPages(lsn: number, annulled: (lsn: number) => boolean = () => false): Record<number, Record<string, string>> {
  const pages: Record<number, Record<string, string>> = {};
  for (let block = 0; block < BLOCKS; block++) pages[block] = {};
  for (let i = 1; i <= lsn; i++) if (!annulled(i)) (pages[i % BLOCKS] as Record<string, string>)[`k${i % BLOCKS}`] = `v${i}`;
  return pages;
}

function imageAt(backup: PgBackup, lsn: number): RestoreImage {
  const image = restoreImage(backup, lsn as Lsn);
  if ('refused' in image) throw new Error(`refused: ${image.refused}`);
  return image;
}

describe('backup archive: staging', () => {
  it('takes puts that continue the staged prefix, skips what it holds, refuses a hole', () => {
    let backup = stageRecords(emptyPgBackup(), put(0, 10), 100).backup;
    expect(backup.stagedLsn).toBe(10);
    // Overlapping: only 11..15 are new.
    const overlap = stageRecords(backup, put(5, 15, stored(6, 15)), 200);
    expect(overlap.records).toBe(5);
    expect(overlap.bytes).toBe(5 * (RECORD_HEADER_BYTES + 2 + 3));
    backup = overlap.backup;
    expect(backup.stagedLsn).toBe(15);
    expect(backup.stagedAtMs).toBe(200);
    // Starting above the staged point would leave 16..19 out: refused, nothing moves.
    const hole = stageRecords(backup, put(19, 25), 300);
    expect(hole.records).toBe(0);
    expect(hole.backup.stagedLsn).toBe(15);
    // Wholly held already: nothing.
    expect(stageRecords(backup, put(0, 12), 300).records).toBe(0);
  });

  it('restores any staged point exactly, from the log alone or from a snapshot plus the log', () => {
    let backup = stageRecords(emptyPgBackup(), put(0, 20), 100).backup;
    for (const lsn of [1, 7, 20]) expect(pagesOf(imageAt(backup, lsn))).toEqual(expectedPages(lsn));
    backup = takeSnapshot(backup, 1_000);
    backup = stageRecords(backup, put(20, 30), 1_100).backup;
    const image = imageAt(backup, 27);
    expect(image.baseline.gcPoint).toBe(20);
    expect(image.bases).toHaveLength(BLOCKS);
    expect(image.records.map((record) => record.lsn)).toEqual([21, 22, 23, 24, 25, 26, 27]);
    expect(image.bytes).toBe(BLOCKS * PAGE_BYTES + 7 * (RECORD_HEADER_BYTES + 2 + 3));
    expect(pagesOf(image)).toEqual(expectedPages(27));
    // A point below the snapshot still restores from the older start.
    expect(pagesOf(imageAt(backup, 13))).toEqual(expectedPages(13));
    expect(restoreImage(backup, 31 as Lsn)).toEqual({ refused: 'notStaged' });
  });

  it('leaves out records a truncation range annuls, whether the range came before or after them', () => {
    // Records 11..14 of epoch 1 were staged, then a recovery at epoch 2 annulled 11..50.
    const range: TruncationRange = { volumeEpoch: 2 as VolumeEpoch, fromLsn: 11 as Lsn, toLsn: 50 as Lsn };
    let backup = stageRecords(emptyPgBackup(), put(0, 14), 100).backup;
    const after = stored(51, 55, 2).map((record, index) => (index === 0 ? { ...record, prevPgLsn: 14 as Lsn, prevBlockLsn: 0 as Lsn } : record));
    backup = stageRecords(backup, put(14, 55, after, [range]), 200).backup;
    expect(backup.maxVolumeEpoch).toBe(2);
    const annulled = (lsn: number): boolean => lsn >= 11 && lsn <= 50;
    expect(pagesOf(imageAt(backup, 55))).toEqual(expectedPages(55, annulled));
    backup = takeSnapshot(backup, 1_000);
    expect(pagesOf(imageAt(backup, 55))).toEqual(expectedPages(55, annulled));
    expect(backup.snapshots[1]?.lastPgLsn).toBe(55);
  });
});

describe('backup archive: retention', () => {
  it('keeps the newest snapshot at or before the cutoff and everything after; older points are refused', () => {
    let backup = emptyPgBackup();
    for (let round = 0; round < 4; round++) {
      backup = stageRecords(backup, put(round * 10, round * 10 + 10), round * 1_000 + 500).backup;
      backup = takeSnapshot(backup, round * 1_000 + 1_000);
    }
    // Snapshots at LSN 0 (t 0), 10 (t 1000), 20 (t 2000), 30 (t 3000), 40 (t 4000).
    const pruned = pruneBefore(backup, 2_500);
    expect(earliestRestorableLsn(pruned)).toBe(20);
    expect(pruned.snapshots.map((snapshot) => snapshot.lsn)).toEqual([20, 30, 40]);
    expect(pruned.log.every((object) => object.throughLsn > 20)).toBe(true);
    expect(restoreImage(pruned, 15 as Lsn)).toEqual({ refused: 'beforeRetention' });
    for (const lsn of [20, 25, 40]) expect(pagesOf(imageAt(pruned, lsn))).toEqual(expectedPages(lsn));
    // Storage: the oldest snapshot in full, later ones by the pages they changed.
    const held = retainedBytes(pruned);
    expect(held.snapshots).toBe(BLOCKS * PAGE_BYTES * 3);
    // The log objects (20, 30] and (30, 40]: 20 records of key k<n> and value v<lsn>.
    expect(held.log).toBe(20 * (RECORD_HEADER_BYTES + 2 + 3));
    expect(pruneBefore(pruned, 2_500)).toBe(pruned);
  });

  it('a manual snapshot copies the pages at its point and outlives retention', () => {
    let backup = stageRecords(emptyPgBackup(), put(0, 10), 100).backup;
    backup = takeSnapshot(backup, 1_000);
    backup = stageRecords(backup, put(10, 20), 1_500).backup;
    const manual = snapshotAt(backup, 17 as Lsn, 1_600);
    if ('refused' in manual) throw new Error('refused');
    expect(manual.lsn).toBe(17);
    expect(manual.bytes).toBe(BLOCKS * PAGE_BYTES);
    const image = imageOfSnapshot(manual);
    expect(image.records).toEqual([]);
    expect(pagesOf(image)).toEqual(expectedPages(17));
    // Retention drops what the continuous backup held at 17; the manual copy does not depend on it.
    backup = takeSnapshot(stageRecords(backup, put(20, 30), 2_000).backup, 3_000);
    const pruned = pruneBefore(backup, 3_000);
    expect(restoreImage(pruned, 17 as Lsn)).toEqual({ refused: 'beforeRetention' });
    expect(pagesOf(imageOfSnapshot(manual))).toEqual(expectedPages(17));
    expect(snapshotAt(backup, 31 as Lsn, 3_100)).toEqual({ refused: 'notStaged' });
  });

  it('a snapshot with nothing new staged is not taken', () => {
    const backup = takeSnapshot(stageRecords(emptyPgBackup(), put(0, 5), 100).backup, 1_000);
    expect(takeSnapshot(backup, 2_000)).toBe(backup);
  });
});
