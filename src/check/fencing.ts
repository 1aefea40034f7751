/**
 * S8 fencing (docs/protocol.md §12, S8; §7, crash recovery), in the two forms one run can check.
 * The naive form, "the old writer acknowledges no commit after the fence", is false: a record that
 * some fenced segment persisted before adopting e+1 can still gain its last ack from an unfenced
 * one, harmlessly, because recovery reads that fenced segment. What does hold:
 *
 * - S8a: a segment never accepts a write at a volume epoch below its own (SIGMOD'18 §2.4: storage
 *   nodes reject stale epochs). Its own epoch is the highest it was seen to hold, from
 *   `epochAdopted` and from the `segmentVolumeEpoch` its `persisted` reports carry.
 * - S8b: per PG p and epoch e', the fence instant Tf(p, e') is the first observation after which
 *   the segments of p that adopted ≥ e' meet p's read quorum. A record an epoch-e writer (e < e')
 *   allocated after Tf(p, e') never reaches p's write quorum at epoch e: 4 acks need one of the
 *   fenced 3 (Vr + Vw > V), and those reject it. (S8c, the zombie's commits, is part of S6.)
 *
 * Bookkeeping stays small: one epoch per segment, one fence history per PG (one step per epoch),
 * and only the records allocated after a fence at a lower epoch — none in a healthy run, at most
 * about LAL per zombie writer otherwise. Only via-write copies count towards S8b's quorum, as the
 * old writer's own acks do; a copy that arrives by gossip is S9's business.
 */
import type { SegmentId } from '../protocol/ids.js';
import { segmentId } from '../protocol/ids.js';
import type { Observation } from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { satisfies } from '../protocol/quorum.js';
import type { PropertyChecker } from './property.js';
import { always } from './property.js';

/** The property names, as results report them. */
export const S8A_FENCED_SEGMENTS = 'S8a fenced segments persist no old-epoch writes';
export const S8B_NO_QUORUM_AFTER_FENCE = 'S8b no write quorum for records first sent after the fence';

/** Bookkeeping key of one segment (PG first, so test ids like `s1` may repeat across PGs). */
const segmentKey = (pg: number, segment: string): string => `${pg}|${segment}`;

/** The highest volume epoch a segment was seen to hold, and where that was seen. */
interface SegmentEpoch {
  volumeEpoch: number;
  /** How it was seen: `epochAdopted via …` or `a persisted report`. */
  seenVia: string;
  atMs: number;
}

/**
 * S8a: every via-write `persisted` carries a volume epoch ≥ the segment's own — the epoch it
 * reports with the write and the highest it was seen to hold before (an accepted batch of
 * duplicates is still an accepted request, so empty `lsns` count too).
 */
export function createFencedSegments(): PropertyChecker<Observation> {
  const epochByKey = new Map<string, SegmentEpoch>();
  const raise = (key: string, volumeEpoch: number, seenVia: string, atMs: number): void => {
    const known = epochByKey.get(key);
    if (known === undefined || volumeEpoch > known.volumeEpoch) epochByKey.set(key, { volumeEpoch, seenVia, atMs });
  };
  return always<Observation>(S8A_FENCED_SEGMENTS, (o, judgement) => {
    if (o.kind === 'epochAdopted') {
      raise(segmentKey(o.pg, o.segment), o.volumeEpoch, `epochAdopted via ${o.via}`, judgement.atMs);
      return;
    }
    if (o.kind !== 'persisted') return;
    const key = segmentKey(o.pg, o.segment);
    if (o.via === 'write') {
      const known = epochByKey.get(key);
      const write = `${o.segment} (PG ${o.pg}) persisted a write from ${o.source} at volumeEpoch ${o.volumeEpoch}`;
      judgement.check(
        o.volumeEpoch >= o.segmentVolumeEpoch,
        () => `${write} while reporting its own volumeEpoch ${o.segmentVolumeEpoch} (expected a fenced segment to reject writes below its epoch)`,
      );
      if (known !== undefined) {
        judgement.check(
          o.volumeEpoch >= known.volumeEpoch,
          () => `${write} after it had volumeEpoch ${known.volumeEpoch} (${known.seenVia} at t=${known.atMs} ms; expected a fenced segment to reject writes below its epoch)`,
        );
      }
    }
    raise(key, o.segmentVolumeEpoch, 'a persisted report', judgement.atMs);
  });
}

/** One step of a PG's fence: from `atMs` on, a read quorum holds volume epoch ≥ `volumeEpoch`. */
interface FenceStep {
  readonly volumeEpoch: number;
  readonly atMs: number;
}

/** What S8b knows of one PG: each segment's adopted epoch and the fence steps so far. */
interface PgFence {
  readonly adopted: Map<SegmentId, number>;
  /** Ascending in both epoch and time; the last step is the PG's fenced epoch now. */
  readonly steps: FenceStep[];
}

/** A record an old-epoch writer allocated after its PG's fence. */
interface PostFenceRecord {
  readonly pg: number;
  readonly instance: string;
  readonly allocatedAtMs: number;
  /** The first fence step above the record's epoch: Tf(pg, e+1). */
  readonly fence: FenceStep;
  /** Segments that persisted it via write at its epoch, each once. */
  readonly holders: SegmentId[];
}

/** Options of {@link createFenceQuorum}: each PG's predicates, keyed by PG id. */
export interface FenceQuorumOptions {
  /** Read quorums define the fence instant; a PG without one is never fenced. */
  readonly readQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
  /** Write quorums define what a post-fence record must never reach; a PG without one is not judged. */
  readonly writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
}

/** The highest epoch E > `above` such that the segments holding ≥ E meet `read`, if any. */
function fencedEpochAbove(fence: PgFence, read: QuorumPredicate, above: number): number | undefined {
  const candidates = [...new Set(fence.adopted.values())].filter((e) => e > above).sort((a, b) => b - a);
  for (const candidate of candidates) {
    if (satisfies(read, (segment) => (fence.adopted.get(segment) ?? -Infinity) >= candidate)) return candidate;
  }
  return undefined;
}

/** Creates the S8b checker. */
export function createFenceQuorum(options: FenceQuorumOptions): PropertyChecker<Observation> {
  const fences = new Map<number, PgFence>();
  /** Post-fence records not yet on a write quorum, by volume epoch, then LSN. */
  const postFenceByEpoch = new Map<number, Map<number, PostFenceRecord>>();
  const fencedEpochOf = (pg: number): number => fences.get(pg)?.steps.at(-1)?.volumeEpoch ?? -Infinity;

  return always<Observation>(S8B_NO_QUORUM_AFTER_FENCE, (o, judgement) => {
    switch (o.kind) {
      case 'epochAdopted': {
        const read = options.readQuorumByPg[o.pg];
        let fence = fences.get(o.pg);
        if (fence === undefined) {
          fence = { adopted: new Map(), steps: [] };
          fences.set(o.pg, fence);
        }
        const holder = segmentId(o.segment);
        fence.adopted.set(holder, Math.max(fence.adopted.get(holder) ?? o.volumeEpoch, o.volumeEpoch));
        if (read === undefined) return;
        const fenced = fencedEpochAbove(fence, read, fencedEpochOf(o.pg));
        if (fenced !== undefined) fence.steps.push({ volumeEpoch: fenced, atMs: judgement.atMs });
        return;
      }
      case 'allocated': {
        for (const record of o.records) {
          if (fencedEpochOf(record.pg) <= o.volumeEpoch) continue;
          const step = fences.get(record.pg)?.steps.find((s) => s.volumeEpoch > o.volumeEpoch) as FenceStep;
          let records = postFenceByEpoch.get(o.volumeEpoch);
          if (records === undefined) {
            records = new Map();
            postFenceByEpoch.set(o.volumeEpoch, records);
          }
          // A second allocation of one LSN is S1's to report; S8b judges the first.
          if (records.has(record.lsn)) continue;
          records.set(record.lsn, { pg: record.pg, instance: o.instance, allocatedAtMs: judgement.atMs, fence: step, holders: [] });
        }
        return;
      }
      case 'persisted': {
        // Judged: every old-epoch write that lands after its PG's fence (allowed for records
        // allocated before the fence, as in docs/protocol.md §12, S8's 10-step run).
        if (o.via !== 'write' || fencedEpochOf(o.pg) <= o.volumeEpoch) return;
        const write = options.writeQuorumByPg[o.pg];
        if (write === undefined) return;
        const records = postFenceByEpoch.get(o.volumeEpoch);
        const holder = segmentId(o.segment);
        let quorumReached = false;
        for (const lsnHeld of o.lsns) {
          const record = records?.get(lsnHeld);
          if (records === undefined || record === undefined || record.pg !== o.pg) continue;
          if (!record.holders.includes(holder)) record.holders.push(holder);
          if (!satisfies(write, record.holders)) continue;
          quorumReached = true;
          records.delete(lsnHeld);
          judgement.check(
            false,
            () =>
              `record LSN ${lsnHeld} (PG ${o.pg}) allocated by ${record.instance} at volumeEpoch ${o.volumeEpoch} at ` +
              `t=${record.allocatedAtMs} ms, after PG ${o.pg}'s read quorum adopted volumeEpoch ${record.fence.volumeEpoch} ` +
              `at t=${record.fence.atMs} ms, reached a write quorum at volumeEpoch ${o.volumeEpoch} when ${o.segment} persisted it: ` +
              `${record.holders.length} segment(s) [${record.holders.join(', ')}] (expected no write quorum for a record first sent after the fence)`,
          );
        }
        if (!quorumReached) judgement.check(true, () => '');
        return;
      }
      default:
        return;
    }
  });
}
