/**
 * An instance's buffer cache and its page reads from storage (docs/protocol.md §5, reads; SIGMOD'17
 * §4.2.3; SIGMOD'18 §3.1).
 *
 * Pages are served from the cache; on a miss the instance reads the block from storage at a read
 * point, the VDL when the read is issued. No quorum: the writer picks one segment it knows is
 * complete to that point from its own write bookkeeping (an acked SCL at or above min(read point,
 * PGCL): every PG record at or below the read point is durable, so at or below PGCL —
 * docs/protocol.md §13, V1), among full segments (tail segments hold no blocks, SIGMOD'18 §4.2). If
 * the answer has not come after `hedgeAfterMs` it asks a second segment and takes whichever answers
 * first (SIGMOD'18 §3.1).
 *
 * The cache holds `capacity` blocks and evicts the oldest clean one. Every redo record the writer
 * generates dirties its block in the cache (docs/protocol.md §4, writes and commits, step 1) with
 * the record's LSN as the block's page LSN; Aurora never writes pages back, so a dirty block (page
 * LSN > VDL) stays until its redo is durable (WAL, docs/protocol.md §5, reads; §13, V2: evict only
 * if pageLSN ≤ VDL; S11). While every cached block is dirty the cache runs over capacity, and
 * shrinks back on the next insertions once VDL has passed them.
 *
 * Replicas use the same cache and reads (see `replica-reads.ts`): their pages are never dirty.
 *
 * Plain, immutable data: every function here returns the next state and leaves the one it was
 * given as it was. Its tables are bounded by the cache's capacity and by the reads in flight, so
 * an update copies them with spreads; parking a transaction changes several nested tables at once
 * (a read's waiting list, the new reads, the parked transaction), so it uses immer's `produce`.
 */
import { castDraft, produce } from 'immer';
import type { Lsn, PgId, VolumeEpoch } from '../src/protocol/ids.js';
import type { PageLayout } from '../src/protocol/pages.js';
import { blockOfKey, pgOfBlock } from '../src/protocol/pages.js';
import type { DurabilityTracker } from '../src/protocol/watermarks.js';
import type { TxnRequestMessage, WireMessage } from './messages.js';
import { overlay } from './overlay.js';

/** A read in flight. */
export interface InflightRead {
  readonly pg: number;
  readonly blockId: number;
  readonly readPoint: Lsn;
  readonly tried: readonly string[];
  /** Transactions waiting for this block. */
  readonly txns: readonly number[];
}

/** A transaction waiting for pages. */
export interface ParkedTxn {
  readonly request: TxnRequestMessage;
  /** The read point of its gets (a replica serves all of them at this one point). */
  readonly readPoint: Lsn;
  readonly missing: Readonly<Record<number, true>>;
  /** Values its gets read from storage, by key. */
  readonly values: Readonly<Record<string, string | null>>;
}

/** A block dropped from the cache (reported as a `cacheEvicted` observation, S11). */
export interface CacheEviction {
  readonly blockId: number;
  readonly pageLsn: Lsn;
  /** Older blocks passed over because they were dirty (page LSN above VDL). */
  readonly dirtySkipped: number;
}

/** The cache and the reads. */
export interface ReadState {
  /** Blocks the cache holds at most; 0 = every block (no storage reads). */
  readonly capacity: number;
  readonly cached: Readonly<Record<number, true>>;
  /** Cached blocks, oldest first. */
  readonly order: readonly number[];
  /** Page LSN of each cached block: the newest record it reflects (an upper bound for read pages). */
  readonly pageLsn: Readonly<Record<number, Lsn>>;
  readonly nextRequestId: number;
  readonly inflight: Readonly<Record<number, InflightRead>>;
  /** The read in flight for a block, if any. */
  readonly byBlock: Readonly<Record<number, number>>;
  readonly parked: Readonly<Record<number, ParkedTxn>>;
  /** Per PG: the members that may hold blocks (full segments; SIGMOD'18 §4.2). */
  readonly fullMembers: Readonly<Record<number, readonly string[]>>;
  /**
   * Segments known to hold no blocks (tail segments): from the topology, or learned from a
   * `tailSegment` refusal (a replacement is the kind it replaces, which its reader may not know).
   */
  readonly tails: Readonly<Record<string, true>>;
  readonly issued: number;
  readonly hedged: number;
}

/**
 * `state` with the fields of `patch` replaced, as a new object copied through one literal: a
 * spread with overrides becomes a slow copy in V8 when made over and over from its own result
 * (see `withWriter` in `writer-state.ts`).
 */
export function withReads(state: ReadState, patch: Partial<ReadState>): ReadState {
  const next: { -readonly [K in keyof ReadState]: ReadState[K] } = {
    capacity: state.capacity,
    cached: state.cached,
    order: state.order,
    pageLsn: state.pageLsn,
    nextRequestId: state.nextRequestId,
    inflight: state.inflight,
    byBlock: state.byBlock,
    parked: state.parked,
    fullMembers: state.fullMembers,
    tails: state.tails,
    issued: state.issued,
    hedged: state.hedged,
  };
  return overlay(next, patch);
}

/** A fresh cache. */
export function createReadState(capacity: number, fullMembers: Readonly<Record<number, readonly string[]>>, tails: Readonly<Record<string, true>> = {}): ReadState {
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

/** A cache step: the next read state and the blocks it evicted. */
export interface CacheStep {
  reads: ReadState;
  evictions: readonly CacheEviction[];
}

/**
 * Evicts the oldest clean blocks (page LSN ≤ `vdl`) while more than `keep` are cached, skipping
 * `pinned` (the block just cached). Works on the caller's fresh copies, never on a state's own
 * records. Returns the evictions, each with the dirty blocks passed over before it.
 */
function evictClean(order: number[], cached: Record<number, true>, pageLsns: Record<number, Lsn>, keep: number, vdl: Lsn, pinned?: number): readonly CacheEviction[] {
  const evictions: CacheEviction[] = [];
  let dirtySkipped = 0;
  for (let i = 0; order.length > keep && i < order.length; ) {
    const candidate = order[i] as number;
    const candidateLsn = pageLsns[candidate] ?? (0 as Lsn);
    if (candidateLsn > vdl || candidate === pinned) {
      if (candidate !== pinned) dirtySkipped++;
      i++;
      continue;
    }
    order.splice(i, 1);
    delete cached[candidate];
    delete pageLsns[candidate];
    evictions.push({ blockId: candidate, pageLsn: candidateLsn, dirtySkipped });
  }
  return evictions.length === 0 ? NO_EVICTIONS : evictions;
}

/**
 * Puts a block in the cache at `pageLsn` (or raises the page LSN of a cached one), then evicts the
 * oldest clean blocks while over capacity. A block is clean iff its page LSN ≤ `vdl`: a dirty one
 * is never dropped, since its redo is not durable yet (docs/protocol.md §5, reads; §13, V2; §12,
 * S11). Returns the next state (the one given when nothing changes) and the evictions.
 */
export function cacheBlock(state: ReadState, block: number, pageLsn: Lsn, vdl: Lsn): CacheStep {
  if (state.capacity === 0) return { reads: state, evictions: NO_EVICTIONS };
  const isNew = state.cached[block] !== true;
  const raised = pageLsn > (state.pageLsn[block] ?? 0);
  if (!isNew && !raised && state.order.length <= state.capacity) return { reads: state, evictions: NO_EVICTIONS };
  // Copies, bounded by the capacity plus the dirty blocks it runs over by.
  const cached = { ...state.cached };
  const order = [...state.order];
  const pageLsns = { ...state.pageLsn };
  if (isNew) {
    cached[block] = true;
    order.push(block);
  }
  if (raised) pageLsns[block] = pageLsn;
  const evictions = evictClean(order, cached, pageLsns, state.capacity, vdl, block);
  return { reads: withReads(state, { cached, order, pageLsn: pageLsns }), evictions };
}

/**
 * The cache resized to hold `capacity` blocks (an Aurora Serverless v2 instance's cache follows its
 * capacity, docs/protocol.md §11.3): the oldest clean blocks leave while more than `keep` are cached
 * (the new capacity; 0 empties it of every clean block, as a pause does). Dirty blocks stay until
 * VDL passes them (WAL, S11), as on any eviction. Returns the next state and the evictions.
 */
export function resizeCache(state: ReadState, capacity: number, vdl: Lsn, keep: number = capacity): CacheStep {
  if (capacity === state.capacity && state.order.length <= keep) return { reads: state, evictions: NO_EVICTIONS };
  const order = [...state.order];
  const cached = { ...state.cached };
  const pageLsns = { ...state.pageLsn };
  const evictions = evictClean(order, cached, pageLsns, keep, vdl);
  return { reads: withReads(state, { capacity, cached, order, pageLsn: pageLsns }), evictions };
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

/** A read attempt: the next read state (the segment asked is marked tried) and the request, if any. */
export interface ReadAttempt {
  reads: ReadState;
  attempt: { to: string; message: WireMessage } | undefined;
}

/** The writer's read request to a segment not tried yet for this read, if any. */
export function nextAttempt(state: ReadState, tracker: DurabilityTracker, requestId: number, self: string, volumeEpoch: VolumeEpoch): ReadAttempt {
  const read = state.inflight[requestId];
  if (read === undefined) return { reads: state, attempt: undefined };
  const pgcl = tracker.pgs[read.pg]?.pgcl ?? read.readPoint;
  // Every PG record at or below the read point is durable, so at or below PGCL (docs/protocol.md
  // §13, V1).
  const sclMin = Math.min(read.readPoint, pgcl) as Lsn;
  return attemptAmong(state, requestId, eligibleSegments(state, tracker, read.pg, read.readPoint), { self, volumeEpoch }, sclMin);
}

/**
 * The read request to one of `candidates` not tried yet for this read, if any: the segment is
 * told the SCL it needs (`sclMin`) and refuses with `notComplete` below it.
 */
export function attemptAmong(state: ReadState, requestId: number, candidates: readonly string[], reader: Reader, sclMin: Lsn): ReadAttempt {
  const read = state.inflight[requestId];
  if (read === undefined) return { reads: state, attempt: undefined };
  const untried = candidates.filter((segment) => !read.tried.includes(segment) && state.tails[segment] !== true);
  if (untried.length === 0) return { reads: state, attempt: undefined };
  const to = untried[requestId % untried.length] as string;
  const message: WireMessage = { type: 'readPage', from: reader.self, requestId, pg: read.pg as PgId, blockId: read.blockId, readPoint: read.readPoint, volumeEpoch: reader.volumeEpoch, sclMin };
  return { reads: withRead(state, requestId, { ...read, tried: [...read.tried, to] }), attempt: { to, message } };
}

/** The read state with the read in flight under `requestId` replaced. */
export function withRead(state: ReadState, requestId: number, read: InflightRead): ReadState {
  return withReads(state, { inflight: { ...state.inflight, [requestId]: read } });
}

/**
 * Parks a transaction on its missing blocks, with the values its gets already read (`values`, by
 * key). Returns the next state and the new reads to issue (by request id).
 */
export function parkTransaction(
  state: ReadState,
  layout: PageLayout,
  request: TxnRequestMessage,
  missing: readonly number[],
  readPoint: Lsn,
  values: Readonly<Record<string, string | null>> = {},
): { reads: ReadState; newReads: number[] } {
  const newReads: number[] = [];
  const reads = produce(state, (draft) => {
    const waitingFor: Record<number, true> = {};
    for (const block of missing) {
      waitingFor[block] = true;
      const existing = draft.byBlock[block];
      if (existing !== undefined) {
        draft.inflight[existing]?.txns.push(request.txnId);
        continue;
      }
      const requestId = draft.nextRequestId++;
      draft.inflight[requestId] = { pg: pgOfBlock(layout, block as never), blockId: block, readPoint, tried: [], txns: [request.txnId] };
      draft.byBlock[block] = requestId;
      draft.issued++;
      newReads.push(requestId);
    }
    draft.parked[request.txnId] = castDraft({ request, readPoint, missing: waitingFor, values: { ...values } });
  });
  return { reads, newReads };
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

/** What a page's arrival did: the next state, the transactions now complete, the evictions. */
export interface PageArrival {
  reads: ReadState;
  ready: ParkedTxn[];
  evictions: readonly CacheEviction[];
}

/**
 * A page arrived: cache it, hand its values to the waiting transactions. Returns those now
 * complete, and the blocks evicted to make room. A reply that does not match the read in flight
 * under its request id (a late answer to an earlier incarnation's read) is ignored.
 */
export function pageArrived(state: ReadState, layout: PageLayout, page: ArrivedPage, options: PageArrivalOptions): PageArrival {
  const read = state.inflight[page.requestId];
  if (read === undefined || read.blockId !== page.blockId || read.readPoint !== page.readPoint) return { reads: state, ready: [], evictions: NO_EVICTIONS };
  // The cache step touches only the cache's tables, so it may run before the read is retired.
  const { reads: cachedState, evictions } = cacheBlock(state, read.blockId, read.readPoint, options.vdl);
  // Copies bounded by the reads and transactions in flight.
  const inflight = { ...cachedState.inflight };
  delete inflight[page.requestId];
  const byBlock = { ...cachedState.byBlock };
  delete byBlock[read.blockId];
  const parkedNext = { ...cachedState.parked };
  const ready: ParkedTxn[] = [];
  for (const txnId of read.txns) {
    const parked = parkedNext[txnId];
    if (parked === undefined) continue;
    const values = options.valuesAt?.(parked.readPoint) ?? page.values;
    const filled = { ...parked.values };
    for (const op of parked.request.ops) {
      if (op.f === 'get' && blockOfKey(layout, op.key) === read.blockId) filled[op.key] = values[op.key] ?? null;
    }
    const missing = { ...parked.missing };
    delete missing[read.blockId];
    const next: ParkedTxn = { ...parked, missing, values: filled };
    if (Object.keys(missing).length === 0) {
      delete parkedNext[txnId];
      ready.push(next);
    } else {
      parkedNext[txnId] = next;
    }
  }
  return { reads: withReads(cachedState, { inflight, byBlock, parked: parkedNext }), ready, evictions };
}
