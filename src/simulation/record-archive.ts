/**
 * Every record any segment ever persisted, kept outside the segments: the oracle S10 and S14 replay
 * pages from. Segments coalesce their logs into base pages (garbage collection), so an oracle that
 * read their stores would trust the very coalescing it is meant to judge.
 *
 * Filled from `persisted` observations, which carry the records as the segment stored them (base
 * pages are never reported as persisted); one without them (built by hand) is looked up in the
 * segment's store. One copy per LSN: an LSN is allocated once (S1), so every copy is the same
 * record.
 *
 * Memory: a page at read point p is the newest non-annulled put of each key at or below p. Below
 * the PG's floor — the lowest GC point of its members, read when the archive compacts — no segment
 * may serve a page (docs/protocol.md §5, reads; §13, V11: a read below a GC point is refused; S14
 * judges it) and S14 checks base pages at GC points, which never lie below it. So once the floor
 * passes a block's records, the archive keeps only the newest put of each key among them and drops
 * the rest (older puts, commit records). What it keeps is bounded by the keys written and the
 * records above the floor, not by the run's length. A question it can no longer answer exactly — a
 * read point below the floor where something was dropped, or a truncation range reaching at or
 * below the floor that was not in force when it dropped (recovery truncates only above VDL′, which
 * no GC point passes, docs/protocol.md §6, gossip, repair and GC) — gets `undefined`, which the
 * judges report as a violation.
 */
import type { Lsn } from '../protocol/ids.js';
import type { PersistedObservation } from '../protocol/observations.js';
import { materializePage } from '../protocol/pages.js';
import type { StoredRecord, TruncationRange } from '../protocol/recovery.js';
import { isAnnulled } from '../protocol/recovery.js';
import type { SegmentStore } from '../protocol/segment-store.js';
import { recordAt } from '../protocol/segment-store.js';
import { createLsnSet } from '../check/lsn-set.js';

/** Records a PG takes between two compactions: amortises the pass over its blocks. */
const COMPACT_EVERY_RECORDS = 4_096;

/** One block's archived records, and how far they were compacted. */
interface BlockArchive {
  records: StoredRecord[];
  /** The floor at which something of this block was last dropped (0: nothing ever was); ≤ the PG's. */
  droppedBelow: number;
}

/** One PG's compaction state. */
interface PgArchive {
  readonly blocks: Map<number, BlockArchive>;
  /** The floor of the last compaction. */
  floor: number;
  /** The truncation ranges reaching at or below `floor` when it was set, by key. */
  rangesBelowFloor: string;
  addedSinceCompaction: number;
}

const rangeKey = (range: TruncationRange): string => `${range.volumeEpoch}:${range.fromLsn}:${range.toLsn}`;

/** The keys of the ranges that reach at or below `floor`, sorted: what a compaction relied on. */
function rangesAtOrBelow(ranges: readonly TruncationRange[], floor: number): string {
  return ranges.filter((range) => range.fromLsn <= floor).map(rangeKey).sort().join(',');
}

/** See the file header. */
export class RecordArchive {
  private readonly byPg = new Map<number, PgArchive>();
  private readonly held = createLsnSet();
  private retained = 0;

  /**
   * @param storeOf a segment's store, by id
   * @param rangesOf the truncation ranges to apply to a PG's records (those its members hold)
   * @param gcPointsOf the GC points of every segment that is or was a member of a PG; without it
   *   the archive keeps every record
   */
  constructor(
    private readonly storeOf: (segment: string) => SegmentStore,
    private readonly rangesOf: (pg: number) => readonly TruncationRange[],
    private readonly gcPointsOf?: (pg: number) => readonly number[],
  ) {}

  /** Records held now, over all blocks (for memory tests and probes). */
  retainedRecordCount(): number {
    return this.retained;
  }

  /** Archives the records a `persisted` observation names. */
  add(observation: PersistedObservation): void {
    const archive = this.pgArchive(observation.pg);
    for (let index = 0; index < observation.lsns.length; index++) {
      const lsn = observation.lsns[index] as Lsn;
      if (this.held.has(lsn)) continue;
      const record = observation.records?.[index] ?? recordAt(this.storeOf(observation.segment), lsn);
      if (record === undefined) continue;
      this.held.add(lsn);
      let block = archive.blocks.get(record.blockId);
      if (block === undefined) archive.blocks.set(record.blockId, (block = { records: [], droppedBelow: 0 }));
      block.records.push(record);
      this.retained++;
      archive.addedSinceCompaction++;
    }
    if (archive.addedSinceCompaction >= COMPACT_EVERY_RECORDS) this.compact(observation.pg, archive);
  }

  /**
   * The block materialised at `readPoint` from every non-annulled archived record of it, or
   * undefined when the archive dropped what that answer needs (see the file header).
   */
  page(pg: number, blockId: number, readPoint: number): Record<string, string> | undefined {
    const ranges = this.rangesOf(pg);
    const archive = this.byPg.get(pg);
    const block = archive?.blocks.get(blockId);
    if (archive === undefined || block === undefined) return {};
    // The ranges at or below the latest floor cover those at or below any block's older one.
    if (block.droppedBelow > 0 && (readPoint < block.droppedBelow || rangesAtOrBelow(ranges, archive.floor) !== archive.rangesBelowFloor)) return undefined;
    const records = block.records.filter((record) => record.lsn <= readPoint && !isAnnulled(record, ranges));
    return materializePage(records.sort((a, b) => b.lsn - a.lsn));
  }

  private pgArchive(pg: number): PgArchive {
    let archive = this.byPg.get(pg);
    if (archive === undefined) this.byPg.set(pg, (archive = { blocks: new Map(), floor: 0, rangesBelowFloor: '', addedSinceCompaction: 0 }));
    return archive;
  }

  /** Drops what no exact answer at or above the PG's floor needs. */
  private compact(pg: number, archive: PgArchive): void {
    archive.addedSinceCompaction = 0;
    const gcPoints = this.gcPointsOf?.(pg) ?? [];
    const floor = gcPoints.length === 0 ? 0 : Math.min(...gcPoints);
    if (floor <= archive.floor) return;
    const ranges = this.rangesOf(pg);
    const rangesBelowFloor = rangesAtOrBelow(ranges, floor);
    // Ranges below the old floor changed since it was set: answers there are already refused, and
    // the new floor must not hide that.
    if (archive.floor > 0 && rangesAtOrBelow(ranges, archive.floor) !== archive.rangesBelowFloor) return;
    archive.floor = floor;
    archive.rangesBelowFloor = rangesBelowFloor;
    for (const block of archive.blocks.values()) {
      const kept = keepNewestPutPerKey(block.records, floor, ranges);
      if (kept.length === block.records.length) continue;
      this.retained -= block.records.length - kept.length;
      block.records = kept;
      block.droppedBelow = floor;
    }
  }
}

/**
 * The records above `floor`, plus, at or below it, the newest non-annulled put of each key: all a
 * page at a read point at or above `floor` reads. Order is not kept (`page` sorts).
 */
function keepNewestPutPerKey(records: readonly StoredRecord[], floor: number, ranges: readonly TruncationRange[]): StoredRecord[] {
  const newestByKey = new Map<string, StoredRecord>();
  const kept: StoredRecord[] = [];
  for (const record of records) {
    if (record.lsn > floor) {
      kept.push(record);
      continue;
    }
    const put = record.payload as { kind?: string; key?: string; value?: string } | undefined;
    if (put?.kind !== 'put' || put.key === undefined || put.value === undefined || isAnnulled(record, ranges)) continue;
    const newest = newestByKey.get(put.key);
    if (newest === undefined || newest.lsn < record.lsn) newestByKey.set(put.key, record);
  }
  return [...kept, ...newestByKey.values()];
}
