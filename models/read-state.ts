/**
 * The writer's buffer cache and its page reads from storage (PROTOCOL §2.7; SIGMOD'17 §4.2.3;
 * SIGMOD'18 §3.1).
 *
 * Pages are served from the cache; on a miss the instance reads the block from storage at a read
 * point, the VDL when the read is issued. No quorum: it picks one segment it knows is complete to
 * that point from its own write bookkeeping (an acked SCL at or above min(read point, PGCL): every
 * PG record at or below the read point is durable, so at or below PGCL — PROTOCOL §5 V1), among
 * full segments (tail segments hold no blocks, SIGMOD'18 §4.2). If the answer has not come after
 * `hedgeAfterMs` it asks a second segment and takes whichever answers first (SIGMOD'18 §3.1).
 * The cache holds `capacity` blocks and evicts the oldest.
 *
 * Plain data, owner-private to the writer and updated in place.
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
  missing: Record<number, true>;
  /** Values its gets read from storage, by key. */
  values: Record<string, string | null>;
}

/** The cache and the reads. */
export interface ReadState {
  /** Blocks the cache holds at most; 0 = every block (no storage reads). */
  capacity: number;
  cached: Record<number, true>;
  /** Cached blocks, oldest first. */
  order: number[];
  nextRequestId: number;
  inflight: Record<number, InflightRead>;
  /** The read in flight for a block, if any. */
  byBlock: Record<number, number>;
  parked: Record<number, ParkedTxn>;
  /** Per PG: the full members (the only ones that hold blocks). */
  fullMembers: Record<number, readonly string[]>;
  issued: number;
  hedged: number;
}

/** A fresh cache. */
export function createReadState(capacity: number, fullMembers: Record<number, readonly string[]>): ReadState {
  return { capacity, cached: {}, order: [], nextRequestId: 1, inflight: {}, byBlock: {}, parked: {}, fullMembers, issued: 0, hedged: 0 };
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

/** Puts a block in the cache, evicting the oldest when full. */
export function cacheBlock(state: ReadState, block: number): void {
  if (state.capacity === 0 || state.cached[block] === true) return;
  state.cached[block] = true;
  state.order.push(block);
  while (state.order.length > state.capacity) {
    const evicted = state.order.shift() as number;
    delete state.cached[evicted];
  }
}

/** Segments that can serve a read of `pg` at `readPoint`, from the writer's acked SCLs. */
export function eligibleSegments(state: ReadState, tracker: DurabilityTracker, pg: number, readPoint: Lsn): string[] {
  const pgState = tracker.pgs[pg];
  if (pgState === undefined) return [];
  const needed = Math.min(readPoint, pgState.pgcl);
  return (state.fullMembers[pg] ?? []).filter((segment) => (pgState.sclBySegment[segment] ?? 0) >= needed);
}

/** The read request to a segment not tried yet for this read, if any. */
export function nextAttempt(state: ReadState, tracker: DurabilityTracker, requestId: number, self: string, volumeEpoch: VolumeEpoch): { to: string; message: WireMessage } | undefined {
  const read = state.inflight[requestId];
  if (read === undefined) return undefined;
  const candidates = eligibleSegments(state, tracker, read.pg, read.readPoint).filter((segment) => !read.tried.includes(segment));
  if (candidates.length === 0) return undefined;
  const to = candidates[requestId % candidates.length] as string;
  read.tried.push(to);
  return { to, message: { type: 'readPage', from: self, requestId, pg: read.pg as PgId, blockId: read.blockId, readPoint: read.readPoint, volumeEpoch } };
}

/** Parks a transaction on its missing blocks; returns the new reads to issue (by request id). */
export function parkTransaction(state: ReadState, layout: PageLayout, request: TxnRequestMessage, missing: readonly number[], readPoint: Lsn): number[] {
  const parked: ParkedTxn = { request, missing: {}, values: {} };
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

/** A page arrived: cache it, hand its values to the waiting transactions; returns those now complete. */
export function pageArrived(state: ReadState, layout: PageLayout, requestId: number, values: Readonly<Record<string, string>>): ParkedTxn[] {
  const read = state.inflight[requestId];
  if (read === undefined) return [];
  delete state.inflight[requestId];
  delete state.byBlock[read.blockId];
  cacheBlock(state, read.blockId);
  const ready: ParkedTxn[] = [];
  for (const txnId of read.txns) {
    const parked = state.parked[txnId];
    if (parked === undefined) continue;
    for (const op of parked.request.ops) {
      if (op.f === 'get' && blockOfKey(layout, op.key) === read.blockId) parked.values[op.key] = values[op.key] ?? null;
    }
    delete parked.missing[read.blockId];
    if (Object.keys(parked.missing).length === 0) {
      delete state.parked[txnId];
      ready.push(parked);
    }
  }
  return ready;
}
