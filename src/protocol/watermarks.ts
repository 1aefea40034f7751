/**
 * Consistency points: SCL on a segment; PGCL, VCL and VDL on the writer; read-point eligibility.
 *
 * Invariants (PROTOCOL §2.4, §4 S3): every point is monotone within a volume epoch, and on the
 * writer VDL ≤ VCL ≤ maxAllocatedLsn, with VDL a CPL or the starting point. VCL is the end of the
 * quorum-durable prefix of *all* allocated records — not min(PGCL) (SIGMOD'18 Fig. 3, §5 V6).
 *
 * Both structures here run once per record or per ack, so they are owner-private and mutated in
 * place: the segment owns its SclState, the writer owns its DurabilityTracker (SIGMOD'18 §2.3:
 * the writer's consistency points are its own ephemeral state). They stay plain, JSON-serialisable
 * records and arrays (no Map/Set); a caller that keeps old snapshots, such as the explorer, must
 * `structuredClone` before calling, and an immer caller passes a draft.
 */
import type { Lsn, PgId, SegmentId } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { IntMap } from './int-map.js';
import { emptyIntMap, intMapDeleteBelow, intMapGet, intMapIsEmpty, intMapSet } from './int-map.js';
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
 * PROTOCOL §5 V1, SCL ≥ read point (SIGMOD'17 §4.2.3). It may refuse a segment that is in fact
 * complete (its next PG record lies above the read point); the reader then picks another segment.
 */
export function readPointEligible(sclOfSegment: Lsn, readPoint: Lsn): boolean {
  return sclOfSegment >= readPoint;
}

/** The writer's view of one PG. */
export interface PgDurability {
  /** The PG's current write quorum predicate. */
  write: QuorumPredicate;
  /** Highest SCL each segment has acked (SCL only grows within an epoch). */
  sclBySegment: Record<string, Lsn>;
  /** Protection Group Complete LSN (SIGMOD'18 §2.3). */
  pgcl: Lsn;
}

/**
 * The writer's durability bookkeeping. Owner-private, mutated in place (see the file header).
 *
 * Pending records wait in two parallel arrays, in allocation (= LSN) order, read from
 * `pendingHead`; CPLs not yet covered by VDL wait in `cplLsns` from `cplHead`. Consumed prefixes
 * are dropped once they are at least half of the array, so each record costs O(1) amortised.
 */
export interface DurabilityTracker {
  /** Keyed by PG id. */
  pgs: Record<number, PgDurability>;
  pendingLsns: Lsn[];
  pendingPgs: PgId[];
  pendingHead: number;
  cplLsns: Lsn[];
  cplHead: number;
  maxAllocatedLsn: Lsn;
  /** Volume Complete LSN: highest allocated LSN at or below which every record is durable. */
  vcl: Lsn;
  /** Volume Durable LSN: highest CPL ≤ VCL (SIGMOD'17 §4.1). */
  vdl: Lsn;
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
  return {
    pgs,
    pendingLsns: [],
    pendingPgs: [],
    pendingHead: 0,
    cplLsns: [],
    cplHead: 0,
    maxAllocatedLsn: durableLsn,
    vcl: durableLsn,
    vdl: durableLsn,
  };
}

/** Drops a consumed prefix once it is at least half the array (amortised O(1)). */
function compact<T>(items: T[], head: number): number {
  if (head < 1024 || head * 2 < items.length) return head;
  items.splice(0, head);
  return 0;
}

/**
 * Moves VCL over the durable prefix of pending records, then VDL over the covered CPLs.
 * Returns true iff VDL advanced.
 */
function advance(tracker: DurabilityTracker): boolean {
  const { pendingLsns, pendingPgs, cplLsns } = tracker;
  let head = tracker.pendingHead;
  // Aurora, SIGMOD'18 §2.3: VCL is the point below which *all* records have met quorum; a record
  // is durable once its PG's PGCL covers it, because acks carry SCL.
  while (head < pendingLsns.length) {
    const recordLsn = pendingLsns[head] as Lsn;
    const pgState = tracker.pgs[pendingPgs[head] as PgId] as PgDurability;
    if (recordLsn > pgState.pgcl) break;
    tracker.vcl = recordLsn;
    head += 1;
  }
  tracker.pendingHead = compact(pendingLsns, head);
  if (tracker.pendingHead !== head) pendingPgs.splice(0, head);
  // Aurora, SIGMOD'17 §4.1: VDL is the highest CPL ≤ VCL.
  const vdlBefore = tracker.vdl;
  let cplHead = tracker.cplHead;
  while (cplHead < cplLsns.length && (cplLsns[cplHead] as Lsn) <= tracker.vcl) {
    tracker.vdl = cplLsns[cplHead] as Lsn;
    cplHead += 1;
  }
  tracker.cplHead = compact(cplLsns, cplHead);
  return tracker.vdl > vdlBefore;
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
 * whose writes also satisfied the old one. Returns true iff VDL advanced.
 */
export function setPgWriteQuorum(tracker: DurabilityTracker, pg: PgId, write: QuorumPredicate): boolean {
  const pgState = tracker.pgs[pg];
  if (pgState === undefined) {
    tracker.pgs[pg] = { write, sclBySegment: {}, pgcl: LSN_ZERO };
    return false;
  }
  pgState.write = write;
  pgState.pgcl = Math.max(pgState.pgcl, pgcl(write, pgState.sclBySegment)) as Lsn;
  return advance(tracker);
}

/**
 * Registers a freshly allocated record; records must arrive in increasing LSN order
 * (SIGMOD'18 §2.1: the writer alone allocates, monotonically).
 * @throws RangeError on an LSN not above maxAllocatedLsn or an unknown PG.
 */
export function registerRecord(tracker: DurabilityTracker, record: AllocatedRecord): void {
  if (record.lsn <= tracker.maxAllocatedLsn) {
    throw new RangeError(`record ${record.lsn} is not above maxAllocatedLsn ${tracker.maxAllocatedLsn}`);
  }
  pgStateOf(tracker, record.pg);
  tracker.maxAllocatedLsn = record.lsn;
  tracker.pendingLsns.push(record.lsn);
  tracker.pendingPgs.push(record.pg);
  if (record.isCpl) tracker.cplLsns.push(record.lsn);
  // Only matters if acks outran registration; otherwise one comparison at the queue head.
  advance(tracker);
}

/** Registers every record of an MTR (or batch), in order. */
export function registerRecords(tracker: DurabilityTracker, records: readonly AllocatedRecord[]): void {
  for (const record of records) registerRecord(tracker, record);
}

/**
 * Applies one segment ack: SCL → PGCL → VCL → VDL (SIGMOD'18 §2.3; PROTOCOL §2.5 step 6).
 * Stale or duplicate acks (SCL not above the segment's last) change nothing, so the result does
 * not depend on the order acks arrive. Returns true iff VDL advanced — the moment to ack commits
 * and tell replicas.
 */
export function recordAck(tracker: DurabilityTracker, ack: SegmentAck): boolean {
  const pgState = pgStateOf(tracker, ack.pg);
  const sclBefore = pgState.sclBySegment[ack.segmentId] ?? LSN_ZERO;
  if (ack.scl <= sclBefore) return false;
  pgState.sclBySegment[ack.segmentId] = ack.scl;
  // PGCL can only move if some segment's SCL passes it.
  if (ack.scl <= pgState.pgcl) return false;
  const pgclNext = pgcl(pgState.write, pgState.sclBySegment);
  if (pgclNext <= pgState.pgcl) return false;
  pgState.pgcl = pgclNext;
  return advance(tracker);
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
