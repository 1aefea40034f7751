/**
 * Property of the object store's backup (src/protocol/backup-archive.ts): whatever puts arrive —
 * racing stagers continuing from stale staged points, repeats, holes, a truncation range sent with
 * some and not others — with snapshots and retention at any moment, the staged point only grows, and every point
 * still restorable replays to exactly the PG's committed state there: the records at or below it
 * that no range annuls, newest put per key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lsn, VolumeEpoch } from '../../src/protocol/ids.js';
import { materializePage } from '../../src/protocol/pages.js';
import type { StoredRecord, TruncationRange } from '../../src/protocol/recovery.js';
import { isAnnulled } from '../../src/protocol/recovery.js';
import { earliestRestorableLsn, emptyPgBackup, imageOfSnapshot, pruneBefore, restoreImage, snapshotAt, stageRecords, takeSnapshot } from '../../src/protocol/backup-archive.js';
import type { PgBackup, RestoreImage } from '../../src/protocol/backup-archive.js';
import { putChain } from '../support/put-chain.js';
import { propertySeed } from '../simulation/helpers.js';

const BLOCKS = 3;
const LENGTH = 40;
/**
 * A recovery at volume epoch 2 annulled 15..20. Stagers put only records at or below a VDL some
 * writer reached, which no range annuls (models/segment.machine.ts): the log they stage skips the
 * range, whose records the segments dropped, and the range comes with some puts.
 */
const RANGE: TruncationRange = { volumeEpoch: 2 as VolumeEpoch, fromLsn: 15 as Lsn, toLsn: 20 as Lsn };
const LOG: StoredRecord[] = putChain(1, LENGTH, BLOCKS)
  .filter((record) => record.lsn < 15 || record.lsn > 20)
  .map((record) => ({ ...record, volumeEpoch: (record.lsn > 20 ? 2 : 1) as VolumeEpoch }));

type Step =
  | { kind: 'put'; after: number; through: number; withRange: boolean }
  | { kind: 'snapshot' }
  | { kind: 'prune'; keepLast: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), after: fc.integer({ min: 0, max: LENGTH }), through: fc.integer({ min: 0, max: LENGTH }), withRange: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('prune' as const), keepLast: fc.integer({ min: 1, max: 3 }) }) },
);

function pagesOf(image: RestoreImage): Record<number, Record<string, string>> {
  const pages: Record<number, Record<string, string>> = {};
  for (let block = 0; block < BLOCKS; block++) pages[block] = materializePage([...image.bases, ...image.records].filter((record) => record.blockId === block).sort((a, b) => b.lsn - a.lsn));
  return pages;
}

function expectedPages(lsn: number, ranges: readonly TruncationRange[]): Record<number, Record<string, string>> {
  const pages: Record<number, Record<string, string>> = {};
  for (let block = 0; block < BLOCKS; block++) pages[block] = {};
  for (const record of LOG) {
    if (record.lsn > lsn || isAnnulled(record, ranges)) continue;
    const put = record.payload as { key: string; value: string };
    (pages[record.blockId] as Record<string, string>)[put.key] = put.value;
  }
  return pages;
}

describe('backup archive (property)', () => {
  it('the staged point only grows, and every restorable point replays exactly', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let backup: PgBackup = emptyPgBackup();
        let clock = 0;

        for (const next of steps) {
          clock += 100;
          const before = backup.stagedLsn;
          if (next.kind === 'put') {
            // A stager holds the PG complete to `through`; one that learned the range sends it.
            const records = LOG.filter((record) => record.lsn > next.after && record.lsn <= next.through);
            backup = stageRecords(backup, { afterLsn: next.after as Lsn, throughLsn: next.through as Lsn, records, truncations: next.withRange ? [RANGE] : [] }, clock).backup;
            if (next.after <= before && next.through > before) expect(backup.stagedLsn).toBe(next.through);
            else expect(backup.stagedLsn).toBe(before);
          } else if (next.kind === 'snapshot') {
            backup = takeSnapshot(backup, clock);
          } else {
            const snapshots = backup.snapshots;
            const cutoff = (snapshots[Math.max(0, snapshots.length - next.keepLast)] ?? snapshots[0])!.atMs;
            backup = pruneBefore(backup, cutoff);
          }
          expect(backup.stagedLsn).toBeGreaterThanOrEqual(before);
        }
        const ranges = [RANGE];
        for (let lsn = earliestRestorableLsn(backup); lsn <= backup.stagedLsn; lsn++) {
          const image = restoreImage(backup, lsn as Lsn);
          if ('refused' in image) throw new Error(`LSN ${lsn} refused: ${image.refused}`);
          expect(pagesOf(image)).toEqual(expectedPages(lsn, ranges));
          const copy = snapshotAt(backup, lsn as Lsn, clock);
          if ('refused' in copy) throw new Error(`snapshot at ${lsn} refused: ${copy.refused}`);
          expect(pagesOf(imageOfSnapshot(copy))).toEqual(expectedPages(lsn, ranges));
        }
        expect(restoreImage(backup, (backup.stagedLsn + 1) as Lsn)).toEqual({ refused: 'notStaged' });
      }),
      { numRuns: 300, seed: propertySeed() },
    );
  });
});
