/**
 * S4 VDL durability (docs/protocol.md §12, S4): when a writer's VDL moves to v, every
 * record it allocated at that volume epoch with LSN ≤ v has been persisted, at that same epoch, by
 * a set of segments that meets its PG's write quorum. Aurora, SIGMOD'17 §4.1: VDL is the highest
 * CPL ≤ VCL, and VCL the point below which every record met quorum.
 *
 * The writer's claim (a watermarks observation) is judged against what the segments themselves
 * reported (persisted observations, via write or gossip): the checker keeps its own holder sets
 * and never reads the writer's acks.
 *
 * Memory stays bounded over millions of records: a record's holder list is dropped the moment it
 * meets quorum (it can no longer fail), and its LSN leaves the per-writer queue once VDL passes
 * it. What remains is the records allocated but not yet passed by VDL — at most about LAL for a
 * writer that obeys S2. Persisted observations for records no longer held (already verified, or
 * already quorum-durable) are ignored.
 */
import type { SegmentId } from '../protocol/ids.js';
import { segmentId } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { satisfies } from '../protocol/quorum.js';
import type { PropertyChecker } from './property.js';
import { always } from './property.js';

/** The property name, as results report it. */
export const S4_VDL_DURABILITY = 'S4 VDL durability';

/** A record that has not met quorum yet. */
interface UndurableRecord {
  readonly pg: number;
  /** Segments that persisted it at its allocation epoch, each once. */
  readonly holders: SegmentId[];
}

/** One writer's allocations at one epoch, in LSN order, from `head` (a consumed prefix before). */
interface AllocationQueue {
  lsns: number[];
  head: number;
}

/** The S4 checker, plus a probe of its bookkeeping for memory tests. */
export interface VdlDurabilityChecker extends PropertyChecker<Observation> {
  /** Records allocated whose LSN no VDL of their writer has passed yet (the per-record state). */
  pendingRecordCount(): number;
}

/** Drops a consumed prefix once it is at least half the array (amortised O(1) per record). */
function compact(queue: AllocationQueue): void {
  if (queue.head < 1024 || queue.head * 2 < queue.lsns.length) return;
  queue.lsns.splice(0, queue.head);
  queue.head = 0;
}

/** Inserts keeping `lsns` ascending; allocations arrive in order (S1), so this is O(1). */
function enqueue(queue: AllocationQueue, value: number): void {
  const lsns = queue.lsns;
  let index = lsns.length;
  while (index > queue.head && (lsns[index - 1] as number) > value) index -= 1;
  if (index === lsns.length) lsns.push(value);
  else lsns.splice(index, 0, value);
}

/** Creates the S4 checker for a volume whose PGs have the given write quorums. */
export function createVdlDurability(
  writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>,
): VdlDurabilityChecker {
  /** Not yet quorum-durable records, by volume epoch, then LSN. */
  const undurableByEpoch = new Map<number, Map<number, UndurableRecord>>();
  /** Allocations awaiting VDL, by `${volumeEpoch}|${instance}`. */
  const queues = new Map<string, AllocationQueue>();
  /** Last VDL judged per writer and epoch. */
  const vdlByKey = new Map<string, number>();
  let pending = 0;

  const undurableAt = (volumeEpoch: number): Map<number, UndurableRecord> => {
    let records = undurableByEpoch.get(volumeEpoch);
    if (records === undefined) {
      records = new Map();
      undurableByEpoch.set(volumeEpoch, records);
    }
    return records;
  };

  const checker = always<Observation>(S4_VDL_DURABILITY, (o, judgement) => {
    switch (o.kind) {
      case 'allocated': {
        const key = `${o.volumeEpoch}|${o.instance}`;
        let queue = queues.get(key);
        if (queue === undefined) {
          queue = { lsns: [], head: 0 };
          queues.set(key, queue);
        }
        const records = undurableAt(o.volumeEpoch);
        for (const record of o.records) {
          // A second allocation of one LSN is S1's to report; S4 judges the first.
          if (records.has(record.lsn)) continue;
          records.set(record.lsn, { pg: record.pg, holders: [] });
          enqueue(queue, record.lsn);
          pending += 1;
        }
        return;
      }
      case 'persisted': {
        const records = undurableByEpoch.get(o.volumeEpoch);
        if (records === undefined) return;
        const write = writeQuorumByPg[o.pg];
        const holder = segmentId(o.segment);
        for (const lsnHeld of o.lsns) {
          const record = records.get(lsnHeld);
          if (record === undefined || record.pg !== o.pg) continue;
          if (!record.holders.includes(holder)) record.holders.push(holder);
          // Quorum met: the record can no longer fail S4, so its holder list goes now.
          if (write !== undefined && satisfies(write, record.holders)) records.delete(lsnHeld);
        }
        return;
      }
      case 'watermarks': {
        const key = `${o.volumeEpoch}|${o.instance}`;
        const before = vdlByKey.get(key);
        if (before !== undefined && o.vdl <= before) return;
        vdlByKey.set(key, o.vdl);
        const queue = queues.get(key);
        if (queue === undefined) return;
        const records = undurableAt(o.volumeEpoch);
        const where = `${o.instance} at volumeEpoch ${o.volumeEpoch}`;
        while (queue.head < queue.lsns.length && (queue.lsns[queue.head] as number) <= o.vdl) {
          const lsnPassed = queue.lsns[queue.head] as number;
          queue.head += 1;
          pending -= 1;
          const record = records.get(lsnPassed);
          records.delete(lsnPassed);
          // Judge with the quorum in force now: a membership change may have installed a
          // configuration whose write quorum these holders meet (docs/protocol.md §8, membership
          // changes).
          const writeNow = record === undefined ? undefined : writeQuorumByPg[record.pg];
          const durableNow = record !== undefined && writeNow !== undefined && satisfies(writeNow, record.holders);
          judgement.check(record === undefined || durableNow, () => {
            const { pg, holders } = record as UndurableRecord;
            const quorum = writeQuorumByPg[pg] === undefined ? 'no write quorum is configured for that PG' : "that is not its PG's write quorum";
            return (
              `${where} moved VDL to ${o.vdl}, but record LSN ${lsnPassed} (PG ${pg}) was persisted at that ` +
              `epoch by ${holders.length} segment(s) [${holders.join(', ')}] and ${quorum} ` +
              `(expected every record ≤ VDL on a write quorum)`
            );
          });
        }
        compact(queue);
        return;
      }
      case 'commitAck':
        return;
    }
  });

  return { ...checker, pendingRecordCount: () => pending };
}
