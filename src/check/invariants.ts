/**
 * The writer-side safety properties of docs/protocol.md §12, judged over the observation stream:
 * S1a LSN uniqueness, S2 LAL, S3 point ordering, S4 VDL durability (see `vdl-durability.ts`),
 * S5 commit rule and S7 one writer per epoch.
 *
 * Each property keeps its own bookkeeping and trusts no machine's memory: S2 and S5 compare the
 * writer's actions with the VDL the writer last *reported*, S3 and S5 with the CPLs it was *seen*
 * to allocate, S4 with what segments said they persisted.
 *
 * Invariants of the checkers themselves:
 * - memory grows with the LSN span (one bit per LSN), the number of writers, epochs and segments,
 *   and the records not yet passed by VDL — never with the number of records verified;
 * - keys are per (instance, volumeEpoch): a writer restarted at a new epoch starts afresh.
 *
 * Not judged here (no observation carries it): S1's "above the last truncation range", S5's
 * "epoch not fenced" (which S8 shows an old writer may legitimately miss), and the SCL, PGCL and
 * PGMRPL parts of S3.
 */
import type {
  AllocatedObservation,
  CommitAckObservation,
  Observation,
  WatermarksObservation,
} from '../protocol/observations.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { LsnSet } from './lsn-set.js';
import { createLsnSet } from './lsn-set.js';
import { lsnBounds } from './recovery-plan.js';
import type { PropertyChecker, PropertyResult } from './property.js';
import { always } from './property.js';
import { S4_VDL_DURABILITY, createVdlDurability } from './vdl-durability.js';

/** Property names, as results report them. */
export const INVARIANT_NAMES = {
  s1: 'S1a LSN uniqueness',
  s2: 'S2 LAL',
  s3: 'S3 point ordering',
  s4: S4_VDL_DURABILITY,
  s5: 'S5 commit rule',
  s7: 'S7 one writer per epoch',
} as const;

/** Options of {@link createInvariantChecker}. */
export interface InvariantCheckerOptions {
  /** LSN allocation limit, in LSNs: the scenario's configured value, not the writer's claim. */
  readonly lal: number;
  /** Each PG's write quorum predicate, keyed by PG id (S4). */
  readonly writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
}

/** The invariant checker of one run. */
export interface InvariantChecker {
  /** Judges one observation at virtual time `atMs`. */
  observe(atMs: number, observation: Observation): void;
  /** One result per property, in the order S1, S2, S3, S4, S5, S7. */
  results(): PropertyResult[];
  /** S4's per-record bookkeeping: records allocated and not yet passed by their writer's VDL. */
  pendingRecordCount(): number;
}

type WriterObservation = AllocatedObservation | WatermarksObservation | CommitAckObservation;

/** Bookkeeping key of one writer at one volume epoch. */
const keyOf = (o: WriterObservation): string => `${o.volumeEpoch}|${o.instance}`;
/** How messages name a writer at an epoch. */
const writerAt = (o: WriterObservation): string => `${o.instance} at volumeEpoch ${o.volumeEpoch}`;

/** The CPLs seen allocated, per volume epoch. */
function createCplTable(): { add(o: AllocatedObservation): void; has(volumeEpoch: number, lsn: number): boolean } {
  const byEpoch = new Map<number, LsnSet>();
  return {
    add(o) {
      let cpls = byEpoch.get(o.volumeEpoch);
      if (cpls === undefined) {
        cpls = createLsnSet();
        byEpoch.set(o.volumeEpoch, cpls);
      }
      for (const record of o.records) if (record.isCpl) cpls.add(record.lsn);
    },
    has: (volumeEpoch, lsn) => byEpoch.get(volumeEpoch)?.has(lsn) === true,
  };
}

/**
 * S1: per writer and epoch, allocations strictly increase; across everything seen, no LSN is
 * allocated twice (SIGMOD'18 §2.1: the writer alone allocates, monotonically). LSN 0 means "none"
 * and is never allocated.
 */
export function createLsnUniqueness(): PropertyChecker<Observation> {
  const lastByKey = new Map<string, number>();
  const allocated = createLsnSet();
  return always<Observation>(INVARIANT_NAMES.s1, (o, judgement) => {
    if (o.kind !== 'allocated') return;
    const key = keyOf(o);
    for (const { lsn } of o.records) {
      const valid = Number.isSafeInteger(lsn) && lsn >= 1;
      if (!judgement.check(valid, () => `${writerAt(o)} allocated LSN ${lsn} (expected a positive integer)`)) continue;
      const last = lastByKey.get(key);
      lastByKey.set(key, Math.max(last ?? 0, lsn));
      const firstTime = allocated.add(lsn);
      if (last !== undefined && lsn <= last) {
        // One violation per record: a repeat inside one writer's run is reported as disorder.
        judgement.check(false, () => `${writerAt(o)} allocated LSN ${lsn} after LSN ${last} (expected strictly increasing LSNs)`);
        continue;
      }
      judgement.check(firstTime, () => `${writerAt(o)} allocated LSN ${lsn}, which was already allocated (expected each LSN once)`);
    }
  });
}

/**
 * S2: every allocated LSN ≤ VDL + LAL (SIGMOD'17 §4.2.1), for the VDL the allocation claims and
 * for the VDL the writer last reported at that epoch. Before a writer's first report at an epoch
 * the checker has no VDL of its own for it (a recovered writer starts from its recovery's point,
 * which no observation carries), so only the claimed VDL bounds those allocations.
 */
export function createLalBound(lal: number): PropertyChecker<Observation> {
  const vdlByKey = new Map<string, number>();
  return always<Observation>(INVARIANT_NAMES.s2, (o, judgement) => {
    if (o.kind === 'watermarks') vdlByKey.set(keyOf(o), o.vdl);
    if (o.kind !== 'allocated' || o.records.length === 0) return;
    // Checking the highest LSN checks them all.
    const { lsnMax } = lsnBounds(o);
    judgement.check(
      lsnMax <= o.vdl + lal,
      () => `${writerAt(o)} allocated LSN ${lsnMax} > claimed VDL ${o.vdl} + LAL ${lal} = ${o.vdl + lal}`,
    );
    const reported = vdlByKey.get(keyOf(o));
    if (reported === undefined) return;
    judgement.check(
      lsnMax <= reported + lal,
      () => `${writerAt(o)} allocated LSN ${lsnMax} > last reported VDL ${reported} + LAL ${lal} = ${reported + lal}`,
    );
  });
}

/** The points a writer last reported at one epoch. */
interface Points {
  vdl: number;
  vcl: number;
  maxAllocated: number;
}

/**
 * S3: on every report, VDL ≤ VCL ≤ maxAllocated; VDL is 0 or a CPL seen allocated at that epoch
 * (SIGMOD'17 §4.1); VDL, VCL and maxAllocated never decrease within an epoch. A writer's first
 * report at an epoch may instead carry its starting point (recovery's VDL', or the end of its
 * truncation range), provided that lies below every LSN it was seen to allocate at that epoch.
 * A recovery's VDL' (`recovered`) is 0, its anchor, or a CPL allocated at an earlier epoch: it
 * truncates at the last complete MTR, never inside one (SIGMOD'17 §4.3).
 */
export function createPointOrdering(): PropertyChecker<Observation> {
  const cpls = createCplTable();
  const lowestByKey = new Map<string, number>();
  const pointsByKey = new Map<string, Points>();
  return always<Observation>(INVARIANT_NAMES.s3, (o, judgement) => {
    if (o.kind === 'allocated') {
      cpls.add(o);
      const lowest = Math.min(lowestByKey.get(keyOf(o)) ?? Infinity, lsnBounds(o).lsnMin);
      if (lowest !== Infinity) lowestByKey.set(keyOf(o), lowest);
      return;
    }
    if (o.kind === 'recovered') {
      const earlierCpl = (lsn: number): boolean => {
        for (let volumeEpoch = 1; volumeEpoch < o.volumeEpoch; volumeEpoch++) if (cpls.has(volumeEpoch, lsn)) return true;
        return false;
      };
      judgement.check(
        o.vdl === 0 || o.vdl === o.anchorLsn || earlierCpl(o.vdl),
        () => `${o.instance} recovered at volume epoch ${o.volumeEpoch} with VDL' ${o.vdl}: not a CPL an earlier writer allocated (expected the last complete MTR at or below VCL' ${o.vcl})`,
      );
      return;
    }
    if (o.kind !== 'watermarks') return;
    const key = keyOf(o);
    judgement.check(o.vdl <= o.vcl, () => `${writerAt(o)} reported VDL ${o.vdl} > VCL ${o.vcl} (expected VDL ≤ VCL)`);
    judgement.check(
      o.vcl <= o.maxAllocated,
      () => `${writerAt(o)} reported VCL ${o.vcl} > maxAllocated ${o.maxAllocated} (expected VCL ≤ maxAllocated)`,
    );
    const before = pointsByKey.get(key);
    pointsByKey.set(key, { vdl: o.vdl, vcl: o.vcl, maxAllocated: o.maxAllocated });
    if (before === undefined) {
      const lowest = lowestByKey.get(key);
      judgement.check(
        o.vdl === 0 || cpls.has(o.volumeEpoch, o.vdl) || lowest === undefined || o.vdl < lowest,
        () => `${writerAt(o)} first reported VDL ${o.vdl}: not a CPL it allocated and not below its first LSN ${lowest} (expected 0, a CPL or a starting point)`,
      );
      return;
    }
    for (const point of ['vdl', 'vcl', 'maxAllocated'] as const) {
      judgement.check(
        o[point] >= before[point],
        () => `${writerAt(o)} reported ${point} ${o[point]} after ${before[point]} (expected non-decreasing within an epoch)`,
      );
    }
    if (o.vdl === before.vdl) return;
    judgement.check(
      o.vdl === 0 || cpls.has(o.volumeEpoch, o.vdl),
      () => `${writerAt(o)} moved VDL to ${o.vdl}, which is not a CPL allocated at that epoch (expected VDL to be a CPL)`,
    );
  });
}

/**
 * S5: a commit is acknowledged only when the writer's last reported VDL at its epoch covers the
 * commit LSN (SIGMOD'17 §4.2.2: ack iff VDL ≥ commit LSN), and the commit LSN was allocated as a
 * CPL at that epoch (a commit record ends its MTR, docs/protocol.md §13, V4).
 */
export function createCommitRule(): PropertyChecker<Observation> {
  const cpls = createCplTable();
  const vdlByKey = new Map<string, number>();
  return always<Observation>(INVARIANT_NAMES.s5, (o, judgement) => {
    if (o.kind === 'allocated') cpls.add(o);
    if (o.kind === 'watermarks') vdlByKey.set(keyOf(o), o.vdl);
    if (o.kind !== 'commitAck') return;
    const reported = vdlByKey.get(keyOf(o));
    const acked = `${writerAt(o)} acknowledged txn ${o.txnId} at commit LSN ${o.commitLsn}`;
    judgement.check(reported !== undefined && o.commitLsn <= reported, () =>
      reported === undefined
        ? `${acked} before reporting any VDL at that epoch (expected a reported VDL ≥ ${o.commitLsn})`
        : `${acked} but last reported VDL ${reported} (expected VDL ≥ commit LSN)`,
    );
    judgement.check(
      cpls.has(o.volumeEpoch, o.commitLsn),
      () => `${acked}, an LSN not seen allocated as a CPL at that epoch (expected the commit record to be a CPL)`,
    );
  });
}

/**
 * S7: segments accept writes from one instance per volume epoch, and a segment never accepts a
 * write at an epoch below one it accepted before (SIGMOD'18 §2.4: the volume epoch fences old
 * writers). Every via-write observation counts, even one that stored no new record (an accepted
 * batch of duplicates is still an accepted request).
 */
export function createOneWriterPerEpoch(): PropertyChecker<Observation> {
  const firstWriterByEpoch = new Map<number, { source: string; segment: string; atMs: number }>();
  const epochBySegment = new Map<string, number>();
  return always<Observation>(INVARIANT_NAMES.s7, (o, judgement) => {
    if (o.kind !== 'persisted' || o.via !== 'write') return;
    const first = firstWriterByEpoch.get(o.volumeEpoch) ?? { source: o.source, segment: o.segment, atMs: judgement.atMs };
    firstWriterByEpoch.set(o.volumeEpoch, first);
    judgement.check(
      first.source === o.source,
      () => `${o.segment} persisted a write from ${o.source} at volumeEpoch ${o.volumeEpoch}, but ${first.source} wrote at that epoch first (${first.segment} at t=${first.atMs} ms; expected one writer per volumeEpoch)`,
    );
    const highest = epochBySegment.get(o.segment);
    judgement.check(
      highest === undefined || o.volumeEpoch >= highest,
      () => `${o.segment} persisted a write from ${o.source} at volumeEpoch ${o.volumeEpoch} after one at volumeEpoch ${highest} (expected a segment never to go back in epoch)`,
    );
    epochBySegment.set(o.segment, Math.max(highest ?? o.volumeEpoch, o.volumeEpoch));
  });
}

/** The actor an observation speaks for: the writer instance, the segment, the object store or the front door (the storage control plane for a geometry change). */
function actorOf(observation: Observation): string {
  if (observation.kind === 'geometryChanged') return 'storage-control-plane';
  if ('objectStore' in observation) return observation.objectStore;
  if ('job' in observation) return observation.job;
  if ('frontDoor' in observation) return observation.frontDoor;
  return 'segment' in observation ? observation.segment : 'instance' in observation ? observation.instance : observation.writer;
}

/**
 * Creates the checker of S1–S5 and S7 for one run. Feed it every observation in virtual-time
 * order; read `results()` at any time.
 */
export function createInvariantChecker(options: InvariantCheckerOptions): InvariantChecker {
  const vdlDurability = createVdlDurability(options.writeQuorumByPg);
  const properties: PropertyChecker<Observation>[] = [
    createLsnUniqueness(),
    createLalBound(options.lal),
    createPointOrdering(),
    vdlDurability,
    createCommitRule(),
    createOneWriterPerEpoch(),
  ];
  return {
    observe(atMs, observation) {
      const actorId = actorOf(observation);
      for (const property of properties) property.observe(atMs, actorId, observation);
    },
    results: () => properties.map((property) => property.result()),
    pendingRecordCount: () => vdlDurability.pendingRecordCount(),
  };
}
