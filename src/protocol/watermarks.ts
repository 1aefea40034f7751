/**
 * Consistency points: SCL on a segment; PGCL, VCL and VDL on the writer; read-point eligibility.
 *
 * Invariants (SIGMOD'18 §2.3; docs/semantics.md): every point is monotone within a volume epoch,
 * and on the writer VDL ≤ VCL ≤ maxAllocatedLsn, with VDL a CPL or the starting point. VCL is the
 * end of the quorum-durable prefix of *all* allocated records — not min(PGCL) (SIGMOD'18 Fig. 3,
 * docs/protocol.md §13, V6).
 *
 * Both structures here are immutable values. A segment's SclState keeps the links above its SCL in
 * a persistent integer map (`int-map.ts`), so taking a record copies a few small nodes. The
 * writer's DurabilityTracker (SIGMOD'18 §2.3: the writer's consistency points are its own ephemeral
 * state) likewise: every function here returns a new tracker and leaves the one it was given as it
 * was, so a snapshot that holds it can be kept and stepped again. Its queues of pending records and
 * CPLs grow with the records in flight, so they are chunked (`chunked.ts`): one record or ack
 * copies a chunk and the list of chunks, never the whole queue. All of it stays plain,
 * JSON-serialisable data (no Map/Set).
 */
import type { Lsn, PgId, SegmentId } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { IntMap } from './int-map.js';
import { emptyIntMap, intMapDeleteBelow, intMapGet, intMapIsEmpty, intMapSet } from './int-map.js';
import type { ChunkedQueue } from './chunked.js';
import { emptyQueue, queueAt, queueDrop, queuePush, queueSize } from './chunked.js';
import type { LogRecord } from './lsn.js';
import type { QuorumPredicate } from './quorum.js';
import { pgcl } from './quorum.js';

/**
 * A segment's completeness for its PG's chain: plain, immutable data. {@link receiveRecord}
 * returns a new state and never writes into the one it is given, so a snapshot that holds it
 * stays valid after the segment moves on (the explorer and the viewer keep old snapshots).
 */
export interface SclState {
  /** Segment Complete LSN: every record of the PG with LSN ≤ scl is held (SIGMOD'18 §2.3). */
  readonly scl: Lsn;
  /**
   * Records held above a hole in the chain, keyed by their prevPgLsn: bySuccessor[prev] = lsn. A
   * persistent trie (int-map.ts), so adding or consuming a link copies a few small nodes only.
   */
  readonly bySuccessor: IntMap<Lsn>;
}

/** Creates SCL state; `scl` is where the segment's chain already ends (e.g. after a truncation). */
export function createSclState(scl: Lsn = LSN_ZERO): SclState {
  return { scl, bySuccessor: emptyIntMap() };
}

/**
 * Takes one record into the segment chain; returns the new state (the same object if nothing
 * changed) and leaves `state` as it was. Duplicates are idempotent (SIGMOD'18 §2.3: storage
 * processing is idempotent). Annulled records must be filtered out first (see `isAnnulled`), or
 * two records could claim the same predecessor.
 *
 * The fast path is the common one: the record links to the SCL and nothing waits above it, so the
 * SCL just moves and `bySuccessor` is shared, not copied. A record above a hole adds one link; a
 * record that fills a hole walks the links it unblocks and drops them all at once (every link at
 * or below the new SCL is dead), so each record costs O(1) node copies whatever the log size.
 *
 * Aurora, SIGMOD'18 §2.3: SCL is the inclusive upper bound of records continuously linked through
 * the segment chain; the incremental form here follows each newly held record's PG backlink.
 */
export function receiveRecord(state: SclState, record: Pick<LogRecord, 'lsn' | 'prevPgLsn'>): SclState {
  if (record.lsn <= state.scl) return state;
  const empty = intMapIsEmpty(state.bySuccessor);
  if (record.prevPgLsn === state.scl && empty) return { scl: record.lsn, bySuccessor: state.bySuccessor };
  if (record.prevPgLsn !== state.scl) {
    // Above a hole: remember the link until the chain reaches it.
    if (intMapGet(state.bySuccessor, record.prevPgLsn) === record.lsn) return state;
    return { scl: state.scl, bySuccessor: intMapSet(state.bySuccessor, record.prevPgLsn, record.lsn) };
  }
  let scl = record.lsn;
  for (let next = intMapGet(state.bySuccessor, scl); next !== undefined; next = intMapGet(state.bySuccessor, scl)) scl = next;
  // The links walked are consumed: entries below the new SCL are never looked up again.
  return { scl, bySuccessor: intMapDeleteBelow(state.bySuccessor, scl + 1) };
}

/**
 * True iff a segment can serve a page read at `readPoint`: the simple, conservative form of
 * docs/protocol.md §13, V1, SCL ≥ read point (SIGMOD'17 §4.2.3). It may refuse a segment that is in
 * fact complete (its next PG record lies above the read point); the reader then picks another
 * segment.
 */
export function readPointEligible(sclOfSegment: Lsn, readPoint: Lsn): boolean {
  return sclOfSegment >= readPoint;
}

/** The writer's view of one PG. */
export interface PgDurability {
  /** The PG's current write quorum predicate. */
  readonly write: QuorumPredicate;
  /** Highest SCL each segment has acked (SCL only grows within an epoch). */
  readonly sclBySegment: Readonly<Record<string, Lsn>>;
  /** Protection Group Complete LSN (SIGMOD'18 §2.3). */
  readonly pgcl: Lsn;
}

/** A record waiting to come under VCL: its LSN and PG. */
export interface PendingRecord {
  readonly lsn: Lsn;
  readonly pg: PgId;
}

/**
 * The writer's durability bookkeeping. Immutable (see the file header).
 *
 * Records not yet under VCL wait in `pending`, CPLs not yet under VDL in `cpls`, both in allocation
 * (= LSN) order. Both are chunked queues, so a record or an ack copies O(32 + n / 32) entries
 * however many records are in flight, and each record is taken off once.
 */
export interface DurabilityTracker {
  /** Keyed by PG id: as many entries as the volume has PGs. */
  readonly pgs: Readonly<Record<number, PgDurability>>;
  readonly pending: ChunkedQueue<PendingRecord>;
  readonly cpls: ChunkedQueue<Lsn>;
  readonly maxAllocatedLsn: Lsn;
  /** Volume Complete LSN: highest allocated LSN at or below which every record is durable. */
  readonly vcl: Lsn;
  /** Volume Durable LSN: highest CPL ≤ VCL (SIGMOD'17 §4.1). */
  readonly vdl: Lsn;
}

/** Options for {@link createDurabilityTracker}. */
export interface DurabilityTrackerOptions {
  /** The write quorum predicate of each PG, keyed by PG id. */
  readonly writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
  /**
   * Everything at or below this LSN is durable and it is a CPL: VCL = VDL = maxAllocatedLsn start
   * here. After recovery it is VDL'. @defaultValue LSN_ZERO
   */
  readonly durableLsn?: Lsn;
}

/** A record as the tracker needs it; a {@link LogRecord} will do. */
export type AllocatedRecord = Pick<LogRecord, 'lsn' | 'pg' | 'isCpl'>;

/** A segment's write ack: it holds every record of `pg` with LSN ≤ `scl` (SIGMOD'18 §2.3). */
export interface SegmentAck {
  readonly pg: PgId;
  readonly segmentId: SegmentId;
  readonly scl: Lsn;
}

/** The writer's consistency points at one moment. */
export interface Watermarks {
  readonly vcl: Lsn;
  readonly vdl: Lsn;
  readonly maxAllocatedLsn: Lsn;
  /** Keyed by PG id. */
  readonly pgclByPg: Readonly<Record<number, Lsn>>;
}

/** Creates a tracker with every given PG empty. */
export function createDurabilityTracker(options: DurabilityTrackerOptions): DurabilityTracker {
  const durableLsn = options.durableLsn ?? LSN_ZERO;
  const pgs: Record<number, PgDurability> = {};
  for (const [pg, write] of Object.entries(options.writeQuorumByPg)) {
    pgs[Number(pg)] = { write, sclBySegment: {}, pgcl: LSN_ZERO };
  }
  return { pgs, pending: emptyQueue(), cpls: emptyQueue(), maxAllocatedLsn: durableLsn, vcl: durableLsn, vdl: durableLsn };
}

/** Moves VCL over the durable prefix of pending records, then VDL over the covered CPLs. */
function advance(tracker: DurabilityTracker): DurabilityTracker {
  // Aurora, SIGMOD'18 §2.3: VCL is the point below which *all* records have met quorum; a record
  // is durable once its PG's PGCL covers it, because acks carry SCL.
  let vcl = tracker.vcl;
  let durable = 0;
  for (const size = queueSize(tracker.pending); durable < size; durable++) {
    const record = queueAt(tracker.pending, durable) as PendingRecord;
    if (record.lsn > (tracker.pgs[record.pg] as PgDurability).pgcl) break;
    vcl = record.lsn;
  }
  // Aurora, SIGMOD'17 §4.1: VDL is the highest CPL ≤ VCL.
  let vdl = tracker.vdl;
  let covered = 0;
  for (const size = queueSize(tracker.cpls); covered < size; covered++) {
    const cpl = queueAt(tracker.cpls, covered) as Lsn;
    if (cpl > vcl) break;
    vdl = cpl;
  }
  if (durable === 0 && covered === 0) return tracker;
  return { pgs: tracker.pgs, pending: queueDrop(tracker.pending, durable), cpls: queueDrop(tracker.cpls, covered), maxAllocatedLsn: tracker.maxAllocatedLsn, vcl, vdl };
}

/** The tracker with `pg`'s state replaced (a literal: this runs once per ack). */
function withPg(tracker: DurabilityTracker, pg: PgId, pgState: PgDurability): DurabilityTracker {
  return { pgs: { ...tracker.pgs, [pg]: pgState }, pending: tracker.pending, cpls: tracker.cpls, maxAllocatedLsn: tracker.maxAllocatedLsn, vcl: tracker.vcl, vdl: tracker.vdl };
}

/** The tracker's state for `pg`, or a RangeError naming the missing PG. */
function pgStateOf(tracker: DurabilityTracker, pg: PgId): PgDurability {
  const pgState = tracker.pgs[pg];
  if (pgState === undefined) {
    throw new RangeError(`PG ${pg} is unknown to the durability tracker; add it with setPgWriteQuorum`);
  }
  return pgState;
}

/**
 * Adds a PG (volume growth) or installs its new write quorum (membership change, SIGMOD'18 §4.1).
 * PGCL never moves back: records already durable stay durable under the new configuration,
 * whose writes also satisfied the old one. VDL may advance: compare the result's `vdl`.
 */
export function setPgWriteQuorum(tracker: DurabilityTracker, pg: PgId, write: QuorumPredicate): DurabilityTracker {
  const pgState = tracker.pgs[pg];
  if (pgState === undefined) return withPg(tracker, pg, { write, sclBySegment: {}, pgcl: LSN_ZERO });
  const pgclNext = Math.max(pgState.pgcl, pgcl(write, pgState.sclBySegment)) as Lsn;
  return advance(withPg(tracker, pg, { write, sclBySegment: pgState.sclBySegment, pgcl: pgclNext }));
}

/**
 * Registers freshly allocated records, in increasing LSN order (SIGMOD'18 §2.1: the writer alone
 * allocates, monotonically). Registering a batch is the same as registering its records one by one.
 * @throws RangeError on an LSN not above maxAllocatedLsn (or the previous record) or an unknown PG;
 *   nothing is registered then.
 */
export function registerRecords(tracker: DurabilityTracker, records: readonly AllocatedRecord[]): DurabilityTracker {
  let maxAllocatedLsn = tracker.maxAllocatedLsn;
  const pending: PendingRecord[] = [];
  const cpls: Lsn[] = [];
  for (const record of records) {
    if (record.lsn <= maxAllocatedLsn) {
      throw new RangeError(`record ${record.lsn} is not above maxAllocatedLsn ${maxAllocatedLsn}`);
    }
    pgStateOf(tracker, record.pg);
    maxAllocatedLsn = record.lsn;
    pending.push({ lsn: record.lsn, pg: record.pg });
    if (record.isCpl) cpls.push(record.lsn);
  }
  // Only matters if acks outran registration; otherwise one comparison at the queue head.
  return advance({ pgs: tracker.pgs, pending: queuePush(tracker.pending, pending), cpls: queuePush(tracker.cpls, cpls), maxAllocatedLsn, vcl: tracker.vcl, vdl: tracker.vdl });
}

/** Registers one freshly allocated record; see {@link registerRecords}. */
export function registerRecord(tracker: DurabilityTracker, record: AllocatedRecord): DurabilityTracker {
  return registerRecords(tracker, [record]);
}

/**
 * Applies one segment ack: SCL → PGCL → VCL → VDL (SIGMOD'18 §2.3; docs/protocol.md §4, writes and
 * commits, step 6). Stale or duplicate acks (SCL not above the segment's last) return the tracker
 * given, so the result does not depend on the order acks arrive. When the result's `vdl` is above
 * the given one, it is the moment to ack commits and tell replicas.
 */
export function recordAck(tracker: DurabilityTracker, ack: SegmentAck): DurabilityTracker {
  const pgState = pgStateOf(tracker, ack.pg);
  const sclBefore = pgState.sclBySegment[ack.segmentId] ?? LSN_ZERO;
  if (ack.scl <= sclBefore) return tracker;
  const sclBySegment = { ...pgState.sclBySegment, [ack.segmentId]: ack.scl };
  // PGCL can only move if some segment's SCL passes it.
  const pgclNext = ack.scl <= pgState.pgcl ? pgState.pgcl : (Math.max(pgState.pgcl, pgcl(pgState.write, sclBySegment)) as Lsn);
  const next = withPg(tracker, ack.pg, { write: pgState.write, sclBySegment, pgcl: pgclNext });
  return pgclNext > pgState.pgcl ? advance(next) : next;
}

/** The PG's current PGCL. */
export function pgclOf(tracker: DurabilityTracker, pg: PgId): Lsn {
  return pgStateOf(tracker, pg).pgcl;
}

/** A snapshot of the writer's consistency points (copies the small per-PG table). */
export function watermarksOf(tracker: DurabilityTracker): Watermarks {
  const pgclByPg: Record<number, Lsn> = {};
  for (const [pg, pgState] of Object.entries(tracker.pgs)) pgclByPg[Number(pg)] = pgState.pgcl;
  return { vcl: tracker.vcl, vdl: tracker.vdl, maxAllocatedLsn: tracker.maxAllocatedLsn, pgclByPg };
}
