/**
 * An instance's buffer cache and its page reads from storage (PROTOCOL §2.7; SIGMOD'17 §4.2.3;
 * SIGMOD'18 §3.1).
 *
 * Pages are served from the cache; on a miss the instance reads the block from storage at a read
 * point, the VDL when the read is issued. No quorum: the writer picks one segment it knows is
 * complete to that point from its own write bookkeeping (an acked SCL at or above min(read point,
 * PGCL): every PG record at or below the read point is durable, so at or below PGCL — PROTOCOL §5
 * V1), among full segments (tail segments hold no blocks, SIGMOD'18 §4.2). If the answer has not
 * come after `hedgeAfterMs` it asks a second segment and takes whichever answers first
 * (SIGMOD'18 §3.1).
 *
 * The cache holds `capacity` blocks and evicts the oldest clean one. Every redo record the writer
 * generates dirties its block in the cache (PROTOCOL §2.5 step 1) with the record's LSN as the
 * block's page LSN; Aurora never writes pages back, so a dirty block (page LSN > VDL) stays until
 * its redo is durable (WAL, PROTOCOL §2.7, §5 V2: evict only if pageLSN ≤ VDL; S11). While every
 * cached block is dirty the cache runs over capacity, and shrinks back on the next insertions once
 * VDL has passed them.
 *
 * Replicas use the same cache and reads (see `replica-reads.ts`): their pages are never dirty.
 *
 * Plain data, owner-private to its instance and updated in place.
 */
import type { Lsn, PgId, VolumeEpoch } from '../src/protocol/ids.js';
import type { PageLayout } from '../src/protocol/pages.js';
import { blockOfKey, pgOfBlock } from '../src/protocol/pages.js';
import type { DurabilityTracker } from '../src/protocol/watermarks.js';
import type { TxnRequestMessage, WireMessage } from './messages.js';

/** A read in flight. */
export interface InflightRead {
  pg: number;
  blockId: number;
  readPoint: Lsn;
  tried: string[];
  /** Transactions waiting for this block. */
  txns: number[];
}

/** A transaction waiting for pages. */
export interface ParkedTxn {
  request: TxnRequestMessage;
  /** The read point of its gets (a replica serves all of them at this one point). */
  readPoint: Lsn;
  missing: Record<number, true>;
  /** Values its gets read from storage, by key. */
  values: Record<string, string | null>;
}

/** A block dropped from the cache (reported as a `cacheEvicted` observation, S11). */
export interface CacheEviction {
  blockId: number;
  pageLsn: Lsn;
  /** Older blocks passed over because they were dirty (page LSN above VDL). */
  dirtySkipped: number;
}

/** The cache and the reads. */
export interface ReadState {
  /** Blocks the cache holds at most; 0 = every block (no storage reads). */
  capacity: number;
  cached: Record<number, true>;
  /** Cached blocks, oldest first. */
  order: number[];
  /** Page LSN of each cached block: the newest record it reflects (an upper bound for read pages). */
  pageLsn: Record<number, Lsn>;
  nextRequestId: number;
  inflight: Record<number, InflightRead>;
  /** The read in flight for a block, if any. */
  byBlock: Record<number, number>;
  parked: Record<number, ParkedTxn>;
  /** Per PG: the members that may hold blocks (full segments; SIGMOD'18 §4.2). */
  fullMembers: Record<number, readonly string[]>;
  /**
   * Segments known to hold no blocks (tail segments): from the topology, or learned from a
   * `tailSegment` refusal (a replacement is the kind it replaces, which its reader may not know).
   */
  tails: Record<string, true>;
  issued: number;
  hedged: number;
}

/** A fresh cache. */
export function createReadState(capacity: number, fullMembers: Record<number, readonly string[]>, tails: Record<string, true> = {}): ReadState {
  return { capacity, cached: {}, order: [], pageLsn: {}, nextRequestId: 1, inflight: {}, byBlock: {}, parked: {}, fullMembers, tails, issued: 0, hedged: 0 };
}

/** Blocks of the transaction's gets that are not cached (none when the cache holds everything). */
export function missingBlocks(state: ReadState, layout: PageLayout, request: TxnRequestMessage): number[] {
  if (state.capacity === 0) return [];
  const missing: number[] = [];
  for (const op of request.ops) {
    if (op.f !== 'get') continue;
    const block = blockOfKey(layout, op.key);
    if (state.cached[block] !== true && !missing.includes(block)) missing.push(block);
  }
  return missing;
}

/** What a cache of every block evicts: nothing (shared, so the write path allocates nothing). */
const NO_EVICTIONS: readonly CacheEviction[] = Object.freeze([]);

/**
 * Puts a block in the cache at `pageLsn` (or raises the page LSN of a cached one), then evicts the
 * oldest clean blocks while over capacity. A block is clean iff its page LSN ≤ `vdl`: a dirty one
 * is never dropped, since its redo is not durable yet (PROTOCOL §2.7, §5 V2; S11). Returns the
 * evictions.
 */
export function cacheBlock(state: ReadState, block: number, pageLsn: Lsn, vdl: Lsn): readonly CacheEviction[] {
  if (state.capacity === 0) return NO_EVICTIONS;
  if (state.cached[block] !== true) {
    state.cached[block] = true;
    state.order.push(block);
  }
  if (pageLsn > (state.pageLsn[block] ?? 0)) state.pageLsn[block] = pageLsn;
  const evictions: CacheEviction[] = [];
  let dirtySkipped = 0;
  for (let i = 0; state.order.length > state.capacity && i < state.order.length; ) {
    const candidate = state.order[i] as number;
    const candidateLsn = state.pageLsn[candidate] ?? (0 as Lsn);
    if (candidateLsn > vdl || candidate === block) {
      if (candidate !== block) dirtySkipped++;
      i++;
      continue;
    }
    state.order.splice(i, 1);
    delete state.cached[candidate];
    delete state.pageLsn[candidate];
    evictions.push({ blockId: candidate, pageLsn: candidateLsn, dirtySkipped });
  }
  return evictions;
}

/** True iff the block is in the cache (a capacity of 0 caches every block). */
export function isCached(state: ReadState, block: number): boolean {
  return state.capacity === 0 || state.cached[block] === true;
}

/** Segments that can serve a read of `pg` at `readPoint`, from the writer's acked SCLs. */
export function eligibleSegments(state: ReadState, tracker: DurabilityTracker, pg: number, readPoint: Lsn): string[] {
  const pgState = tracker.pgs[pg];
  if (pgState === undefined) return [];
  const needed = Math.min(readPoint, pgState.pgcl);
  return (state.fullMembers[pg] ?? []).filter((segment) => (pgState.sclBySegment[segment] ?? 0) >= needed);
}

/** Who is reading: the instance and the volume epoch its requests carry. */
export interface Reader {
  self: string;
  volumeEpoch: VolumeEpoch;
}

/** The writer's read request to a segment not tried yet for this read, if any. */
export function nextAttempt(state: ReadState, tracker: DurabilityTracker, requestId: number, self: string, volumeEpoch: VolumeEpoch): { to: string; message: WireMessage } | undefined {
  const read = state.inflight[requestId];
  if (read === undefined) return undefined;
  const pgcl = tracker.pgs[read.pg]?.pgcl ?? read.readPoint;
  // Every PG record at or below the read point is durable, so at or below PGCL (PROTOCOL §5 V1).
  const sclMin = Math.min(read.readPoint, pgcl) as Lsn;
  return attemptAmong(state, requestId, eligibleSegments(state, tracker, read.pg, read.readPoint), { self, volumeEpoch }, sclMin);
}

/**
 * The read request to one of `candidates` not tried yet for this read, if any: the segment is
 * told the SCL it needs (`sclMin`) and refuses with `notComplete` below it.
 */
export function attemptAmong(state: ReadState, requestId: number, candidates: readonly string[], reader: Reader, sclMin: Lsn): { to: string; message: WireMessage } | undefined {
  const read = state.inflight[requestId];
  if (read === undefined) return undefined;
  const untried = candidates.filter((segment) => !read.tried.includes(segment) && state.tails[segment] !== true);
  if (untried.length === 0) return undefined;
  const to = untried[requestId % untried.length] as string;
  read.tried.push(to);
  const message: WireMessage = { type: 'readPage', from: reader.self, requestId, pg: read.pg as PgId, blockId: read.blockId, readPoint: read.readPoint, volumeEpoch: reader.volumeEpoch, sclMin };
  return { to, message };
}

/** Parks a transaction on its missing blocks; returns the new reads to issue (by request id). */
export function parkTransaction(state: ReadState, layout: PageLayout, request: TxnRequestMessage, missing: readonly number[], readPoint: Lsn): number[] {
  const parked: ParkedTxn = { request, readPoint, missing: {}, values: {} };
  const newReads: number[] = [];
  for (const block of missing) {
    parked.missing[block] = true;
    const existing = state.byBlock[block];
    if (existing !== undefined) {
      state.inflight[existing]?.txns.push(request.txnId);
      continue;
    }
    const requestId = state.nextRequestId++;
    state.inflight[requestId] = { pg: pgOfBlock(layout, block as never), blockId: block, readPoint, tried: [], txns: [request.txnId] };
    state.byBlock[block] = requestId;
    state.issued++;
    newReads.push(requestId);
  }
  state.parked[request.txnId] = parked;
  return newReads;
}

/** A page as a segment returned it. */
export interface ArrivedPage {
  requestId: number;
  blockId: number;
  readPoint: Lsn;
  values: Readonly<Record<string, string>>;
}

/** Options of {@link pageArrived}. */
export interface PageArrivalOptions {
  /** The reader's VDL now: which cached blocks are clean (may be evicted). */
  vdl: Lsn;
  /**
   * The block's values at a waiting transaction's read point. @defaultValue the page's own values
   * (the writer serves its gets at the page's read point)
   */
  valuesAt?: (readPoint: Lsn) => Readonly<Record<string, string>>;
}

/**
 * A page arrived: cache it, hand its values to the waiting transactions. Returns those now
 * complete, and the blocks evicted to make room. A reply that does not match the read in flight
 * under its request id (a late answer to an earlier incarnation's read) is ignored.
 */
export function pageArrived(state: ReadState, layout: PageLayout, page: ArrivedPage, options: PageArrivalOptions): { ready: ParkedTxn[]; evictions: readonly CacheEviction[] } {
  const read = state.inflight[page.requestId];
  if (read === undefined || read.blockId !== page.blockId || read.readPoint !== page.readPoint) return { ready: [], evictions: NO_EVICTIONS };
  delete state.inflight[page.requestId];
  delete state.byBlock[read.blockId];
  const evictions = cacheBlock(state, read.blockId, read.readPoint, options.vdl);
  const ready: ParkedTxn[] = [];
  for (const txnId of read.txns) {
    const parked = state.parked[txnId];
    if (parked === undefined) continue;
    const values = options.valuesAt?.(parked.readPoint) ?? page.values;
    for (const op of parked.request.ops) {
      if (op.f === 'get' && blockOfKey(layout, op.key) === read.blockId) parked.values[op.key] = values[op.key] ?? null;
    }
    delete parked.missing[read.blockId];
    if (Object.keys(parked.missing).length === 0) {
      delete state.parked[txnId];
      ready.push(parked);
    }
  }
  return { ready, evictions };
}
