/**
 * A read replica's working state (PROTOCOL §2.8; SIGMOD'17 §4.2.4; SIGMOD'18 §3.2–3.4).
 *
 * The writer ships its redo records (whole MTRs) and VDL control records. The replica:
 * - applies records in LSN order, whole MTRs at a time, and only once the MTR's CPL is at or below
 *   the VDL it knows (PROTOCOL §5 V3): no reader ever sees part of an MTR or anything not durable;
 * - updates only blocks in its cache and discards records for other blocks (they can be read from
 *   storage later, `replica-reads.ts`) — except blocks whose page read is in flight: their records
 *   wait in `loading` and are replayed over the page when it arrives, so a block enters the cache
 *   exactly at the applied point;
 * - serves reads at its applied VDL, its read point.
 * Applying costs `applyMsPerRecord` of replica time per record; the machine runs one apply step at
 * a time, so a writer faster than the replica builds a backlog, which is replica lag.
 *
 * Invariant: every cached block's values in `pages` are those of the volume at `appliedLsn`.
 *
 * Plain data, owner-private to the instance machine and updated in place.
 */
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import type { RedoPayload, RedoRecord } from './messages.js';
import type { ReadState } from './read-state.js';
import { createReadState, isCached } from './read-state.js';

/** A put applied while its block's page read was in flight. */
export interface BufferedPut {
  lsn: Lsn;
  key: string;
  value: string;
}

/** What a replica keeps. */
export interface ReplicaState {
  /** The writer's volume epoch the stream comes from; a newer one means a new writer. */
  volumeEpoch: VolumeEpoch;
  /** The VDL the replica knows from the writer's control records. */
  knownVdl: Lsn;
  /** Everything up to here is applied: the replica's read point. */
  appliedLsn: Lsn;
  /** Received records not yet applied, in LSN order, read from `pendingHead`. */
  pending: RedoRecord[];
  pendingHead: number;
  /** Highest LSN received (records at or below it are duplicates). */
  receivedLsn: Lsn;
  /** Blocks the cache holds after a restart (0 = every block of the volume). */
  cacheBlocks: number;
  /** Blocks in the volume. */
  blockCount: number;
  /** The buffer cache and its page reads (shared with the writer, `read-state.ts`). */
  reads: ReadState;
  /** Key values of each cached block, as of `appliedLsn` (a block absent here has none). */
  pages: Record<number, Record<string, string>>;
  /** Per block whose page read is in flight: the puts applied since it was issued, in LSN order. */
  loading: Record<number, BufferedPut[]>;
  /**
   * Per PG, its last record at or below `appliedLsn`, where known since the last restart: the SCL
   * a segment needs to serve a read at the read point (PROTOCOL §5 V1).
   */
  lastPgLsnByPg: Record<number, Lsn>;
  /**
   * Every record above this LSN reaches the replica: 0 from the volume's start; after a restart,
   * the predecessor of the first record taken (unknown, {@link STREAM_UNKNOWN}, until one arrives).
   * A restart may skip records, so until the applied point reaches it a page read at the read point
   * could not be brought forward: the replica serves no reads then (see {@link servesReads}).
   */
  streamFromLsn: Lsn;
  /** Records applied / discarded so far (discarded: block not cached). */
  applied: number;
  discarded: number;
  /** Puts replayed over a page that arrived after they were applied (the read race). */
  replayed: number;
}

/** Options of {@link createReplicaState}. */
export interface ReplicaCacheOptions {
  /** Blocks the cache holds; 0 = every block of the volume. */
  cacheBlocks: number;
  blockCount: number;
  /** Per PG, its full segments: the ones that serve pages (SIGMOD'18 §4.2). */
  fullMembers: Record<number, readonly string[]>;
}

/**
 * A replica following the stream from the volume's start. A cache of every block starts warm: at
 * LSN 0 each block is empty, so every block is known. A bounded cache starts cold.
 */
export function createReplicaState(volumeEpoch: VolumeEpoch, options: ReplicaCacheOptions): ReplicaState {
  return {
    volumeEpoch,
    knownVdl: 0 as Lsn,
    appliedLsn: 0 as Lsn,
    pending: [],
    pendingHead: 0,
    receivedLsn: 0 as Lsn,
    cacheBlocks: options.cacheBlocks,
    blockCount: options.blockCount,
    reads: createReadState(options.cacheBlocks, options.fullMembers),
    pages: {},
    loading: {},
    lastPgLsnByPg: {},
    streamFromLsn: 0 as Lsn,
    applied: 0,
    discarded: 0,
    replayed: 0,
  };
}

/**
 * Takes a shipment: new records (in LSN order) and the writer's VDL. Returns false when a record
 * does not follow the last one received (`prevVolumeLsn`): part of the stream was lost, and the
 * caller must start over with a cold cache rather than apply around the hole.
 */
export function receiveShipment(state: ReplicaState, records: readonly RedoRecord[], vdl: Lsn): boolean {
  for (const record of records) {
    // After a reset the cache is cold at the read point: an older record might hide a newer one
    // that was missed, so only records above it may warm the cache.
    if (record.lsn <= state.receivedLsn || record.lsn <= state.appliedLsn) continue;
    if (record.prevVolumeLsn !== state.receivedLsn && state.receivedLsn !== FOLLOW_ANY) return false;
    if (state.receivedLsn === FOLLOW_ANY) state.streamFromLsn = record.prevVolumeLsn;
    state.pending.push(record);
    state.receivedLsn = record.lsn;
  }
  if (vdl > state.knownVdl) state.knownVdl = vdl;
  return true;
}

/** `receivedLsn` after a reset: the next record is taken wherever the stream now is. */
const FOLLOW_ANY = -1 as Lsn;

/** `streamFromLsn` after a reset, until a record arrives. */
export const STREAM_UNKNOWN = Number.MAX_SAFE_INTEGER as Lsn;

/** True iff the replica has every record above its applied point: it may serve reads there. */
export function servesReads(state: ReplicaState): boolean {
  return state.appliedLsn >= state.streamFromLsn;
}

/**
 * The next batch of whole MTRs that may be applied: every pending record up to the last CPL at or
 * below the known VDL, at most about `maxRecords` (never splitting an MTR). Returns how many
 * records, 0 when nothing is applicable.
 */
export function applicableCount(state: ReplicaState, maxRecords: number): number {
  let count = 0;
  let lastCplEnd = 0;
  for (let i = state.pendingHead; i < state.pending.length; i++) {
    const record = state.pending[i] as RedoRecord;
    if (record.lsn > state.knownVdl) break;
    count++;
    if (record.isCpl) {
      lastCplEnd = count;
      if (count >= maxRecords) break;
    }
  }
  return lastCplEnd;
}

/**
 * Applies the next `count` pending records (whole MTRs) to the cached blocks; a block whose page
 * read is in flight keeps its records for when the page arrives.
 */
export function applyRecords(state: ReplicaState, count: number): void {
  const end = state.pendingHead + count;
  for (let i = state.pendingHead; i < end; i++) {
    const record = state.pending[i] as RedoRecord;
    const payload = record.payload as RedoPayload | undefined;
    state.lastPgLsnByPg[record.pg] = record.lsn;
    if (payload?.kind === 'put') {
      if (isCached(state.reads, record.blockId)) {
        (state.pages[record.blockId] ??= {})[payload.key] = payload.value;
        state.applied++;
      } else if (state.reads.byBlock[record.blockId] !== undefined) {
        (state.loading[record.blockId] ??= []).push({ lsn: record.lsn, key: payload.key, value: payload.value });
      } else {
        state.discarded++;
      }
    }
    if (record.lsn > state.appliedLsn) state.appliedLsn = record.lsn;
  }
  state.pendingHead = end;
  if (state.pendingHead > 1024 && state.pendingHead * 2 > state.pending.length) {
    state.pending.splice(0, state.pendingHead);
    state.pendingHead = 0;
  }
}

/**
 * Starts over (a restart after excessive lag, or a new writer): cache, page reads and backlog
 * dropped; the replica follows the stream from what arrives next, at the given VDL. The cache is
 * cold: records it missed may have changed any block, so every block is read from storage again,
 * and reads wait until the applied point passes where the stream resumed ({@link servesReads}).
 * Request ids keep counting, so a late answer to a dropped read matches nothing.
 */
export function resetReplica(state: ReplicaState, volumeEpoch: VolumeEpoch, vdl: Lsn): void {
  state.volumeEpoch = volumeEpoch;
  state.pending = [];
  state.pendingHead = 0;
  state.knownVdl = vdl;
  state.appliedLsn = vdl;
  state.receivedLsn = FOLLOW_ANY;
  const { nextRequestId, issued, hedged, fullMembers, tails } = state.reads;
  state.reads = { ...createReadState(state.cacheBlocks === 0 ? state.blockCount : state.cacheBlocks, fullMembers, tails), nextRequestId, issued, hedged };
  state.pages = {};
  state.loading = {};
  state.lastPgLsnByPg = {};
  state.streamFromLsn = STREAM_UNKNOWN;
}
