/**
 * Volume recovery from read-quorum responses (docs/protocol.md §7, crash recovery) and
 * epoch-versioned truncation ranges (§13, R2).
 *
 * Invariants:
 * - recovery needs a read quorum of every PG; because Vr + Vw > V it then sees every record that
 *   could have reached a write quorum (SIGMOD'17 §4.1, SIGMOD'18 §2.4);
 * - VDL' is a CPL (or the anchor) and VCL' ≥ VDL'; the truncation range starts right above VDL'
 *   and ends at VDL' + LAL, at or above any LSN the previous writer could have allocated
 *   (SIGMOD'17 §4.3, docs/protocol.md §13, V5: truncate above VDL, not VCL);
 * - a promoted Global Database secondary caps VDL' at its durable LSN and extends the range through
 *   the highest LSN written to its volume (`capLsn`, `truncateThroughLsn`; docs/protocol.md §11.1);
 * - new LSNs start above the range (SIGMOD'18 §2.4).
 *
 * Garbage collection moves the anchor. A segment's GC point is at most some instance's read point,
 * itself at most a VDL some writer reached: every record at or below it is durable and never
 * annulled, and the segment keeps them only as base pages. Recovery therefore takes the highest GC
 * point any responder reports (or the stored anchor, if higher) and walks the chain from the
 * volume's last record at or below it — the highest of the PGs' last records there, which the
 * responders report. That record, not the GC point itself, must start the walk: a GC point need
 * not be a record. A writer opened by recovery starts with its VDL at the end of the truncation
 * range, where no record lies, and that VDL is a read point (the failover property found this: a
 * walk that started at such a point stopped at once and annulled acknowledged commits). Above the
 * start every responder still lists its records one by one, because none has collected past the
 * GC point and no record lies between the start and the GC point.
 *
 * Annulment rule (R2). A stored record carries the volume epoch of the write that delivered it.
 * A record is annulled iff its LSN lies in a truncation range whose volumeEpoch is strictly greater
 * than the record's. Ranges are kept as a list and never dropped. So a later recovery supersedes an
 * earlier one by annulling, inside its own range, records of every lower epoch — including records
 * an interrupted recovery re-replicated at its epoch — while the writer that recovery opens writes
 * at that epoch, above the range, untouched by older ranges. Nothing an earlier range annulled is
 * ever revived, because recovery drops annulled records before it computes VCL' (see
 * {@link planRecovery}); the metadata service must therefore store each range before it is
 * written to segments, so every later recovery knows it.
 */
import type { Lsn, PgId, SegmentId, VolumeEpoch } from './ids.js';
import { LSN_ZERO, lsn } from './ids.js';
import type { LogRecord } from './lsn.js';
import { DEFAULT_LAL } from './lsn.js';
import type { QuorumConfig } from './quorum-config.js';
import type { QuorumPredicate } from './quorum.js';
import { satisfies } from './quorum.js';
import type { PlantName } from './plants.js';

/** LSNs annulled by the recovery that ran at `volumeEpoch`. Both ends inclusive. */
export interface TruncationRange {
  readonly volumeEpoch: VolumeEpoch;
  /** First annulled LSN: VDL' + 1. */
  readonly fromLsn: Lsn;
  /** Last annulled LSN: VDL' + LAL, or higher (see {@link planRecovery}). */
  readonly toLsn: Lsn;
  /**
   * A backtrack's range (docs/protocol.md §10, backtrack): its records are hidden, not annulled —
   * the backtrack's hidden set keeps them for a later one to bring back — so it annuls nothing; it
   * still bounds the LSNs earlier writers used, for later recoveries' ranges.
   */
  readonly hides?: true;
}

/** A record as a segment stores it: with the volume epoch of the write that delivered it. */
export type StoredRecord<Payload = unknown> = LogRecord<Payload> & { readonly volumeEpoch: VolumeEpoch };

/** What {@link isAnnulled} needs of a record. */
export type EpochStampedLsn = Pick<StoredRecord, 'lsn' | 'volumeEpoch'>;

/** True iff some range of a higher volume epoch covers the record's LSN (the R2 rule above). */
export function isAnnulled(record: EpochStampedLsn, ranges: readonly TruncationRange[]): boolean {
  for (const range of ranges) {
    if (range.hides !== true && range.volumeEpoch > record.volumeEpoch && range.fromLsn <= record.lsn && record.lsn <= range.toLsn) {
      return true;
    }
  }
  return false;
}

/** The records that survive `ranges`, in their original order (SIGMOD'17 §4.3). */
export function applyTruncations<R extends EpochStampedLsn>(
  records: readonly R[],
  ranges: readonly TruncationRange[],
): R[] {
  return records.filter((record) => !isAnnulled(record, ranges));
}

/**
 * Adds a range to a list, keeping it sorted by volume epoch. Idempotent for a range already held
 * (truncations are retried and delivered more than once).
 * @throws RangeError on a different range at an epoch already held: one recovery per epoch (S7).
 */
export function addTruncation(
  ranges: readonly TruncationRange[],
  range: TruncationRange,
): TruncationRange[] {
  const held = ranges.find((r) => r.volumeEpoch === range.volumeEpoch);
  if (held !== undefined) {
    if (held.fromLsn === range.fromLsn && held.toLsn === range.toLsn) return [...ranges];
    throw new RangeError(
      `two truncation ranges at volumeEpoch ${range.volumeEpoch}: ` +
        `[${held.fromLsn}, ${held.toLsn}] and [${range.fromLsn}, ${range.toLsn}]`,
    );
  }
  return [...ranges, range].sort((a, b) => a.volumeEpoch - b.volumeEpoch);
}

/** One segment's answer to RecoveryOpen (docs/protocol.md §7.1, recovery step 2). */
export interface RecoveryResponse {
  readonly segmentId: SegmentId;
  /** The segment holds every record of its PG with LSN ≤ scl. */
  readonly scl: Lsn;
  /** Every record it holds above the anchor (annulled ones are dropped by recovery). */
  readonly records: readonly StoredRecord[];
  /** Its GC point: at or below it, `records` holds base pages only. @defaultValue LSN_ZERO */
  readonly gcPoint?: Lsn;
  /** Its PG's last record at or below `gcPoint`. @defaultValue LSN_ZERO */
  readonly lastPgLsnAtGc?: Lsn;
}

/** What recovery gathered for one PG. */
export interface PgRecoveryInput {
  readonly pg: PgId;
  /** The PG's current configuration: read quorum to check, write quorum to repair to. */
  readonly config: QuorumConfig;
  readonly responses: readonly RecoveryResponse[];
  /**
   * LSN of the PG's last record at or below the anchor, to seed the writer's PG backlink. Known
   * from the previous recovery's `lastPgLsnByPg`. @defaultValue LSN_ZERO (right when anchor is 0)
   */
  readonly lastPgLsnAtAnchor?: Lsn;
}

/** Input to {@link planRecovery}. */
export interface RecoveryInput {
  /** e', the volume epoch this recovery already holds (docs/protocol.md §7.1, recovery step 1). */
  readonly volumeEpoch: VolumeEpoch;
  /** Every record at or below it is durable and it is a CPL: the last recovery's VDL', or 0. */
  readonly anchorLsn: Lsn;
  /** LSN allocation limit, in LSNs. @defaultValue {@link DEFAULT_LAL} */
  readonly lal?: number;
  /** Every truncation range written so far (from the metadata service). @defaultValue [] */
  readonly priorTruncations?: readonly TruncationRange[];
  /** One entry per PG of the volume. */
  readonly pgs: readonly PgRecoveryInput[];
  /** A planted mistake to plan with (docs/plants.md); absent in every ordinary run. */
  readonly plant?: PlantName;
  /**
   * Open at most here: VDL' is the highest CPL of the walked chain at or below both the walked VDL
   * and this LSN (or the anchor). A promoted Global Database secondary passes its durable LSN: the
   * records above it are not known durable for the primary, so they are annulled (docs/protocol.md
   * §11.1, managed failover). @defaultValue no cap: VDL' is the walked VDL
   */
  readonly capLsn?: Lsn;
  /**
   * The truncation range ends at or above this LSN. A promoted Global Database secondary passes the
   * highest LSN its replication agent wrote to the volume: some segment may hold a record up to
   * there that the read quorum did not show (docs/protocol.md §11.1). @defaultValue no bound
   */
  readonly truncateThroughLsn?: Lsn;
  /** A backtrack's recovery: its range hides rather than annuls (see {@link TruncationRange}). @defaultValue false */
  readonly backtrack?: boolean;
}

/** Records of one PG, ≤ VDL', that the responders do not hold on a write quorum. */
export interface PgReReplication {
  readonly pg: PgId;
  readonly records: readonly StoredRecord[];
}

/** What the recovering writer must do before it opens the volume. */
export interface RecoveryPlan {
  readonly volumeEpoch: VolumeEpoch;
  /**
   * Where the walk started: the stored anchor, or, if a responder reports a higher GC point, the
   * volume's last record at or below that point.
   */
  readonly anchorLsn: Lsn;
  /**
   * VCL': the end of the unbroken volume chain above the anchor. Under a cap it stays the walked
   * VCL (what storage holds), which may lie above the capped VDL'; VDL' ≤ VCL' still holds.
   */
  readonly vcl: Lsn;
  /** VDL': the highest CPL ≤ VCL' (and ≤ the cap, if any), or the anchor. */
  readonly vdl: Lsn;
  /** Write it to a write quorum of every PG (docs/protocol.md §7.1, step 4). */
  readonly truncation: TruncationRange;
  /** The first LSN the new writer allocates: right above the truncation range (VDL' + LAL + 1). */
  readonly nextLsn: Lsn;
  /** Per PG with work to do, in input order (docs/protocol.md §7.1, step 5). */
  readonly reReplication: readonly PgReReplication[];
  /** The PG backlink seed for the new writer: each PG's last record ≤ VDL'. Keyed by PG id. */
  readonly lastPgLsnByPg: Readonly<Record<number, Lsn>>;
}

/** Result of {@link planRecovery}. */
export type RecoveryOutcome =
  | { readonly kind: 'planned'; readonly plan: RecoveryPlan }
  /** Some PG has no read quorum yet: wait for more responses (docs/protocol.md §12, L3). */
  | { readonly kind: 'noReadQuorum'; readonly pgs: readonly PgId[] };

/** True iff the responders meet the PG's read quorum (SIGMOD'18 §2.4: enough to recover). */
export function hasReadQuorum(
  read: QuorumPredicate,
  responses: readonly Pick<RecoveryResponse, 'segmentId'>[],
): boolean {
  return satisfies(read, (segment) => responses.some((response) => response.segmentId === segment));
}

/** The walk's start: the stored anchor, or the highest GC point a responder reports (file header). */
function effectiveAnchor(input: RecoveryInput): Lsn {
  let anchor = input.anchorLsn;
  for (const pgInput of input.pgs) {
    for (const response of pgInput.responses) if ((response.gcPoint ?? LSN_ZERO) > anchor) anchor = response.gcPoint as Lsn;
  }
  return anchor;
}

/** The PG's last record at or below the anchor, from what its responders report. */
function lastPgLsnAtAnchor(pgInput: PgRecoveryInput, anchorLsn: Lsn, ranges: readonly TruncationRange[]): Lsn {
  let last = pgInput.lastPgLsnAtAnchor ?? LSN_ZERO;
  for (const response of pgInput.responses) {
    if ((response.lastPgLsnAtGc ?? LSN_ZERO) > last) last = response.lastPgLsnAtGc as Lsn;
    for (const record of response.records) {
      if (record.lsn > last && record.lsn <= anchorLsn && !isAnnulled(record, ranges)) last = record.lsn;
    }
  }
  return last;
}

/** U: the non-annulled records above the anchor from every responder, one per LSN, by LSN. */
function unionAboveAnchor(input: RecoveryInput, ranges: readonly TruncationRange[]): StoredRecord[] {
  const byLsn: Record<number, StoredRecord> = {};
  const union: StoredRecord[] = [];
  for (const pgInput of input.pgs) {
    for (const response of pgInput.responses) {
      for (const record of response.records) {
        if (record.lsn <= input.anchorLsn || byLsn[record.lsn] !== undefined) continue;
        if (isAnnulled(record, ranges)) continue;
        byLsn[record.lsn] = record;
        union.push(record);
      }
    }
  }
  return union.sort((a, b) => a.lsn - b.lsn);
}

/**
 * Walks the volume chain up from the anchor: VCL' is the last record reached through unbroken
 * prevVolumeLsn links, VDL' the last CPL on the way (docs/protocol.md §7.1, recovery step 3). A
 * record whose predecessor is missing from U ends the walk: the hole may hide a record that never
 * reached quorum, so nothing above it is known complete. Under a cap, VDL' is the last CPL on the
 * way at or below `capLsn`: the walk's CPLs rise, so that is the highest CPL ≤ min(VDL', capLsn);
 * with no cap (Infinity) it is the ordinary VDL'.
 */
function walkVolumeChain(union: readonly StoredRecord[], anchorLsn: Lsn, capLsn: number): { vcl: Lsn; vdl: Lsn } {
  let vcl = anchorLsn;
  let vdl = anchorLsn;
  for (const record of union) {
    if (record.prevVolumeLsn !== vcl) break;
    vcl = record.lsn;
    // Aurora, SIGMOD'17 §4.1: VDL is the highest CPL ≤ VCL (§11.1: and ≤ the cap, if any).
    if (record.isCpl && record.lsn <= capLsn) vdl = record.lsn;
  }
  return { vcl, vdl };
}

/** Records of one PG in (anchor, VDL'] that the responders do not hold on a write quorum. */
function underReplicated(
  pgInput: PgRecoveryInput,
  survivors: readonly StoredRecord[],
  ranges: readonly TruncationRange[],
): StoredRecord[] {
  const holdersByLsn: Record<number, SegmentId[]> = {};
  for (const response of pgInput.responses) {
    for (const record of response.records) {
      if (isAnnulled(record, ranges)) continue;
      (holdersByLsn[record.lsn] ??= []).push(response.segmentId);
    }
  }
  return survivors.filter((record) => {
    const holders = holdersByLsn[record.lsn] ?? [];
    // A segment whose SCL covers the record holds it even if it did not list it.
    const held = (segment: SegmentId): boolean =>
      holders.includes(segment) ||
      pgInput.responses.some((r) => r.segmentId === segment && r.scl >= record.lsn);
    return !satisfies(pgInput.config.write, held);
  });
}

/**
 * Plans volume recovery from read-quorum responses (docs/protocol.md §7.1, recovery steps 3–5): U,
 * VCL', VDL', the truncation range, the next LSN, the records to re-replicate and the PG backlinks.
 * Pure: the caller performs the writes and then opens the volume.
 */
export function planRecovery(input: RecoveryInput): RecoveryOutcome {
  const missing = input.pgs.filter((pgInput) => !hasReadQuorum(pgInput.config.read, pgInput.responses));
  if (missing.length > 0) return { kind: 'noReadQuorum', pgs: missing.map((pgInput) => pgInput.pg) };
  const lal = input.lal ?? DEFAULT_LAL;
  const ranges = input.priorTruncations ?? [];
  const collectedTo = effectiveAnchor(input);
  const anchorLsn = collectedTo === input.anchorLsn
    ? collectedTo
    : lsn(input.pgs.reduce<number>((last, pgInput) => Math.max(last, lastPgLsnAtAnchor(pgInput, collectedTo, ranges)), input.anchorLsn));
  const union = unionAboveAnchor({ ...input, anchorLsn }, ranges);
  const walked = walkVolumeChain(union, anchorLsn, input.capLsn ?? Infinity);
  // Under a cap, plan.vcl stays the walked VCL': it is what storage holds, and nothing downstream
  // reads it as tight above VDL' (the `recovered` observation only names it in a message; the
  // writer starts from VDL' and the range end). VDL' ≤ walked VDL ≤ VCL' keeps VDL' ≤ VCL'.
  const { vcl } = walked;
  // The planted mistake truncate-at-vcl cuts at VCL' and keeps a partial MTR (docs/plants.md),
  // cap or no cap; SIGMOD'17 §4.3 cuts at VDL', the last CPL at or below it — and a promoted Global
  // Database secondary at the last one at or below its durable LSN too (docs/protocol.md §11.1).
  // Every use of `vdl` below (survivors, re-replication, PG backlinks, the range) takes the capped
  // VDL', so records above it are annulled as if the walk had stopped there.
  const vdl = input.plant === 'truncate-at-vcl' ? vcl : walked.vdl;
  const survivorsByPg: Record<number, StoredRecord[]> = {};
  for (const record of union) {
    if (record.lsn > vdl) break;
    (survivorsByPg[record.pg] ??= []).push(record);
  }
  // Every earlier writer started at its recovery's range end and allocated at most LAL beyond its
  // VDL, which started there: so no old LSN passes max(VDL', highest earlier range end) + LAL.
  // VDL' + LAL alone is not enough: a writer that opened at the previous epoch and made nothing
  // durable leaves VDL' unchanged but may have allocated up to its own range end + LAL.
  const priorEnd = ranges.reduce((end, range) => Math.max(end, range.toLsn), 0);
  // A promoted Global Database secondary's volume may hold records its replication agent wrote up
  // to `truncateThroughLsn` that no read quorum showed (a write that reached one segment only). Those
  // LSNs are the primary writer's, bounded by no LAL above this VDL', so the range must reach that
  // LSN too, or such a record could surface above VDL' later (docs/protocol.md §11.1). At or below
  // VDL' + LAL the bound changes nothing, so an ordinary recovery plans exactly as before.
  const truncationEnd = Math.max(Math.max(vdl, priorEnd) + lal, input.truncateThroughLsn ?? 0);
  const reReplication: PgReReplication[] = [];
  const lastPgLsnByPg: Record<number, Lsn> = {};
  for (const pgInput of input.pgs) {
    const survivors = survivorsByPg[pgInput.pg] ?? [];
    const lastSurvivor = survivors[survivors.length - 1];
    lastPgLsnByPg[pgInput.pg] = lastSurvivor?.lsn ?? lastPgLsnAtAnchor(pgInput, collectedTo, ranges);
    const records = underReplicated(pgInput, survivors, ranges);
    if (records.length > 0) reReplication.push({ pg: pgInput.pg, records });
  }
  return {
    kind: 'planned',
    plan: {
      volumeEpoch: input.volumeEpoch,
      anchorLsn,
      vcl,
      vdl,
      // Aurora, SIGMOD'17 §4.3: annul everything above VDL' up to a bound no old LSN can pass.
      truncation: { volumeEpoch: input.volumeEpoch, fromLsn: lsn(vdl + 1), toLsn: lsn(truncationEnd), ...(input.backtrack === true ? { hides: true as const } : {}) },
      nextLsn: lsn(truncationEnd + 1),
      reReplication,
      lastPgLsnByPg,
    },
  };
}
