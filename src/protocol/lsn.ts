/**
 * LSN allocation under the LSN allocation limit (LAL), and the log record with its three backlinks.
 *
 * Invariants:
 * - the writer alone allocates LSNs, one per record, strictly increasing (SIGMOD'18 §2.1);
 * - no LSN is allocated above VDL + LAL (SIGMOD'17 §4.2.1), which bounds every LSN a crashed
 *   writer could have used and so bounds recovery's truncation range (SIGMOD'17 §4.3);
 * - an MTR's records get contiguous LSNs and its last record is the CPL (SIGMOD'17 §4.1).
 *
 * "No previous record" is written as LSN_ZERO, never null: LSN 0 is never allocated, so it is
 * unambiguous, and records stay plain numbers all the way through.
 */
import type { BlockId, Lsn, PgId } from './ids.js';
import { LSN_ZERO, lsn } from './ids.js';
import type { ChunkedTable } from './chunked.js';
import { tableGet, tableOf, tableUpdate } from './chunked.js';

/** SIGMOD'17 §4.2.1: the LAL is "currently set to 10 million" (in LSNs, docs/protocol.md §13, V7). */
export const DEFAULT_LAL = 10_000_000;

/** The writer's allocator. Plain data; every function here returns a new value. */
export interface LsnAllocator {
  /** The LSN the next record will get. Starts at 1 (0 means "none"). */
  readonly nextLsn: Lsn;
  /** LSN allocation limit, in LSNs. @defaultValue {@link DEFAULT_LAL} */
  readonly lal: number;
}

/** Options for {@link createLsnAllocator}. */
export interface LsnAllocatorOptions {
  /** First LSN to hand out; after recovery this is VDL' + LAL + 1. @defaultValue 1 */
  readonly nextLsn?: Lsn;
  /** LSN allocation limit, in LSNs; small values force back-pressure in tests. @defaultValue {@link DEFAULT_LAL} */
  readonly lal?: number;
}

/** A run of contiguous LSNs, both ends inclusive. */
export interface LsnAllocation {
  readonly lsnFirst: Lsn;
  readonly lsnLast: Lsn;
}

/** Result of {@link allocate}: the new allocator and the LSNs, or why there are none. */
export type AllocationResult =
  | { readonly kind: 'allocated'; readonly state: LsnAllocator; readonly allocation: LsnAllocation }
  | {
      readonly kind: 'refused';
      /** Allocating would pass VDL + LAL; wait for VDL to advance (back-pressure). */
      readonly reason: 'lalExceeded';
      /** The highest LSN allocatable at the VDL given: VDL + LAL. */
      readonly lsnLimit: Lsn;
    };

/** Creates an allocator. */
export function createLsnAllocator(options: LsnAllocatorOptions = {}): LsnAllocator {
  const lal = options.lal ?? DEFAULT_LAL;
  if (!Number.isSafeInteger(lal) || lal < 1) throw new RangeError(`lal must be a positive integer, got ${lal}`);
  const nextLsn = options.nextLsn ?? lsn(1);
  if (nextLsn < 1) throw new RangeError(`nextLsn must be >= 1 (LSN 0 means "none"), got ${nextLsn}`);
  return { nextLsn, lal };
}

/**
 * True iff `count` more LSNs fit under the limit: nextLsn + count − 1 ≤ vdl + lal.
 * Aurora, SIGMOD'17 §4.2.1: the writer may not allocate an LSN above VDL + LAL, which throttles
 * it when storage falls behind.
 */
export function canAllocate(state: LsnAllocator, vdl: Lsn, count: number): boolean {
  return state.nextLsn + count - 1 <= vdl + state.lal;
}

/**
 * Allocates `count` contiguous LSNs, or refuses with `lalExceeded` (back-pressure).
 * @throws RangeError if `count` is not a positive integer.
 */
export function allocate(state: LsnAllocator, vdl: Lsn, count: number): AllocationResult {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`allocate needs a positive integer count, got ${count}`);
  }
  if (!canAllocate(state, vdl, count)) {
    return { kind: 'refused', reason: 'lalExceeded', lsnLimit: lsn(vdl + state.lal) };
  }
  const lsnFirst = state.nextLsn;
  const lsnLast = lsn(lsnFirst + count - 1);
  return {
    kind: 'allocated',
    state: { nextLsn: lsn(lsnLast + 1), lal: state.lal },
    allocation: { lsnFirst, lsnLast },
  };
}

/**
 * One redo log record (docs/protocol.md §3, log and consistency points; SIGMOD'17 §4.2.1, SIGMOD'18
 * §2.2). Backlinks use LSN_ZERO for "no previous record". Epochs travel on requests, not on the
 * record.
 */
export interface LogRecord<Payload = unknown> {
  /** Volume-wide, unique, increasing. */
  readonly lsn: Lsn;
  /** Destination protection group. */
  readonly pg: PgId;
  readonly blockId: BlockId;
  /** Previous record of the whole volume: recovery's completeness check (docs/protocol.md §7, crash recovery). */
  readonly prevVolumeLsn: Lsn;
  /** Previous record of this PG: the segment chain that defines SCL (SIGMOD'18 §2.3). */
  readonly prevPgLsn: Lsn;
  /** Previous record of this block: the chain a page is materialised from. */
  readonly prevBlockLsn: Lsn;
  /** Last record of its MTR: a consistency point (SIGMOD'17 §4.1). */
  readonly isCpl: boolean;
  /** Mini-transaction id (a simulation convenience). */
  readonly mtrId: number;
  /** Transaction id, when the record belongs to one. */
  readonly txnId?: number;
  /** The transaction's commit record: its LSN is the commit LSN / SCN (docs/protocol.md §3, log and consistency points). */
  readonly isCommit: boolean;
  readonly payload?: Payload;
}

/**
 * The writer's last LSN per chain, to fill the backlinks of the next record: the writer's
 * ephemeral bookkeeping (SIGMOD'18 §2.3), never shared or sent. Immutable: {@link buildMtr}
 * returns the next state. The per-block table has an entry per block ever written, up to the
 * whole volume, so it is a chunked table (`chunked.ts`): an MTR copies the chunks of the blocks it
 * writes, not the table, and costs O(records), not O(blocks).
 */
export interface BacklinkState {
  readonly lastVolumeLsn: Lsn;
  /** Keyed by PG id. A missing PG means no record yet (LSN_ZERO). */
  readonly lastPgLsnByPg: Readonly<Record<number, Lsn>>;
  /** Keyed by block id (read it with {@link lastBlockLsnOf}). A missing block means no record yet. */
  readonly lastBlockLsns: ChunkedTable<Lsn>;
}

/** Where backlinks start: the last LSN of the volume, of each PG and of each block. */
export interface BacklinkSeed {
  readonly lastVolumeLsn?: Lsn;
  /** Keyed by PG id. */
  readonly lastPgLsnByPg?: Readonly<Record<number, Lsn>>;
  /** Keyed by block id. */
  readonly lastBlockLsnByBlock?: Readonly<Record<number, Lsn>>;
}

/**
 * Creates backlink state, empty or seeded — after recovery, from VDL' and the last surviving
 * record of each PG (see `RecoveryPlan.lastPgLsnByPg`) and each block (the cached page LSNs).
 */
export function createBacklinkState(seed: BacklinkSeed = {}): BacklinkState {
  return {
    lastVolumeLsn: seed.lastVolumeLsn ?? LSN_ZERO,
    lastPgLsnByPg: { ...seed.lastPgLsnByPg },
    lastBlockLsns: tableOf(seed.lastBlockLsnByBlock ?? {}),
  };
}

/** The block's last record, or LSN_ZERO if it has none yet. */
export function lastBlockLsnOf(state: BacklinkState, blockId: number): Lsn {
  return tableGet(state.lastBlockLsns, blockId) ?? LSN_ZERO;
}

/** One change of an MTR before it has an LSN. */
export interface MtrRecordInput<Payload = unknown> {
  readonly pg: PgId;
  readonly blockId: BlockId;
  readonly payload?: Payload;
  /** Marks the transaction's commit record. @defaultValue false */
  readonly isCommit?: boolean;
}

/** Identifiers stamped on every record of one MTR. */
export interface MtrIds {
  readonly mtrId: number;
  /** @defaultValue undefined (not part of a transaction) */
  readonly txnId?: number;
}

/** An MTR's records and the backlink state after them. */
export interface BuiltMtr<Payload> {
  readonly records: LogRecord<Payload>[];
  readonly backlinks: BacklinkState;
}

/**
 * Turns one MTR into log records: contiguous LSNs from `allocation`, the three backlinks filled
 * from `state`, and the last record tagged CPL. Returns the records and the next backlink state;
 * `state` is left as it was. O(records).
 *
 * Aurora, SIGMOD'17 §4.1: "the final log record in each MTR is a CPL"; SIGMOD'18 §3.3: the
 * writer allocates a batch of contiguous LSNs per MTR and shards its records by PG.
 *
 * @throws RangeError if the allocation size differs from `records.length`, or the allocation
 *   does not lie above the last record already linked.
 */
export function buildMtr<Payload>(
  state: BacklinkState,
  allocation: LsnAllocation,
  records: readonly MtrRecordInput<Payload>[],
  ids: MtrIds,
): BuiltMtr<Payload> {
  const count = allocation.lsnLast - allocation.lsnFirst + 1;
  if (records.length === 0 || count !== records.length) {
    throw new RangeError(`buildMtr got ${records.length} records for ${count} allocated LSNs`);
  }
  if (allocation.lsnFirst <= state.lastVolumeLsn) {
    throw new RangeError(
      `buildMtr allocation starts at ${allocation.lsnFirst}, not above ${state.lastVolumeLsn}`,
    );
  }
  let lastVolumeLsn = state.lastVolumeLsn;
  const lastPgLsnByPg: Record<number, Lsn> = { ...state.lastPgLsnByPg };
  // This MTR's blocks so far: a later record of the same block links to the earlier one.
  const lastBlockLsnByBlock: Record<number, Lsn> = {};
  const blockUpdates: [blockId: number, blockLsn: Lsn][] = [];
  const built = records.map((input, index) => {
    const recordLsn = lsn(allocation.lsnFirst + index);
    const record: LogRecord<Payload> = {
      lsn: recordLsn,
      pg: input.pg,
      blockId: input.blockId,
      prevVolumeLsn: lastVolumeLsn,
      prevPgLsn: lastPgLsnByPg[input.pg] ?? LSN_ZERO,
      prevBlockLsn: lastBlockLsnByBlock[input.blockId] ?? lastBlockLsnOf(state, input.blockId),
      isCpl: index === records.length - 1,
      mtrId: ids.mtrId,
      // Optional fields are always present (possibly undefined) so every record has one shape.
      txnId: ids.txnId,
      isCommit: input.isCommit ?? false,
      payload: input.payload,
    };
    lastVolumeLsn = recordLsn;
    lastPgLsnByPg[input.pg] = recordLsn;
    lastBlockLsnByBlock[input.blockId] = recordLsn;
    blockUpdates.push([input.blockId, recordLsn]);
    return record;
  });
  return { records: built, backlinks: { lastVolumeLsn, lastPgLsnByPg, lastBlockLsns: tableUpdate(state.lastBlockLsns, blockUpdates) } };
}
