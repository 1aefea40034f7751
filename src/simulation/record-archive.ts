/**
 * Every record any segment ever persisted, kept outside the segments: the oracle S10 and S14 replay
 * pages from. Segments coalesce their logs into base pages (garbage collection), so an oracle that
 * read their stores would trust the very coalescing it is meant to judge.
 *
 * Filled from `persisted` observations, which carry the records as the segment stored them (base
 * pages are never reported as persisted); one without them (built by hand) is looked up in the
 * segment's store. One copy per LSN: an LSN is allocated once (S1), so every copy is the same
 * record.
 */
import type { Lsn } from '../protocol/ids.js';
import type { PersistedObservation } from '../protocol/observations.js';
import { materializePage } from '../protocol/pages.js';
import type { StoredRecord, TruncationRange } from '../protocol/recovery.js';
import { isAnnulled } from '../protocol/recovery.js';
import type { SegmentStore } from '../protocol/segment-store.js';
import { recordAt } from '../protocol/segment-store.js';

/** See the file header. */
export class RecordArchive {
  private readonly byBlock = new Map<number, StoredRecord[]>();
  private readonly held = new Set<number>();

  /**
   * @param storeOf a segment's store, by id
   * @param rangesOf the truncation ranges to apply to a PG's records (those its members hold)
   */
  constructor(
    private readonly storeOf: (segment: string) => SegmentStore,
    private readonly rangesOf: (pg: number) => readonly TruncationRange[],
  ) {}

  /** Archives the records a `persisted` observation names. */
  add(observation: PersistedObservation): void {
    for (let index = 0; index < observation.lsns.length; index++) {
      const lsn = observation.lsns[index] as Lsn;
      if (this.held.has(lsn)) continue;
      const record = observation.records?.[index] ?? recordAt(this.storeOf(observation.segment), lsn);
      if (record === undefined) continue;
      this.held.add(lsn);
      let chain = this.byBlock.get(record.blockId);
      if (chain === undefined) this.byBlock.set(record.blockId, (chain = []));
      chain.push(record);
    }
  }

  /** The block materialised at `readPoint` from every non-annulled archived record of it. */
  page(pg: number, blockId: number, readPoint: number): Record<string, string> {
    const ranges = this.rangesOf(pg);
    const records = (this.byBlock.get(blockId) ?? []).filter((record) => record.lsn <= readPoint && !isAnnulled(record, ranges));
    return materializePage(records.sort((a, b) => b.lsn - a.lsn));
  }
}
