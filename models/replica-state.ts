/**
 * A read replica's working state (docs/protocol.md §5, read replicas; SIGMOD'17 §4.2.4; SIGMOD'18
 * §3.2–3.4).
 *
 * The writer ships its redo records (whole MTRs) and VDL control records. The replica:
 * - applies records in LSN order, whole MTRs at a time, and only once the MTR's CPL is at or below
 *   the VDL it knows (docs/protocol.md §13, V3): no reader ever sees part of an MTR or anything
 *   not durable;
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
 * Plain, immutable data: every function returns the next state and leaves the one it was given
 * as it was. The backlog (`pending`) grows without bound while the replica lags, and `pages` holds
 * up to every block of the volume, so both are chunked (`src/protocol/chunked.ts`): a shipment or
 * an apply step copies the chunks it touches, never the whole backlog or cache. The other tables
 * are bounded by the PGs and the page reads in flight, and are copied with spreads.
 */
import type { ChunkedQueue, ChunkedTable } from '../src/protocol/chunked.js';
import { emptyQueue, queueAt, queueDrop, queuePush, queueSize, tableGet, tableUpdate } from '../src/protocol/chunked.js';
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import type { RedoPayload, RedoRecord } from './messages.js';
import type { ReadState } from './read-state.js';
import { createReadState, isCached } from './read-state.js';
import { overlay } from './overlay.js';

/** A put applied while its block's page read was in flight. */
export interface BufferedPut {
  readonly lsn: Lsn;
  readonly key: string;
  readonly value: string;
}

/** The key values of one cached block. */
export type PageValues = Readonly<Record<string, string>>;

/** What a replica keeps. */
export interface ReplicaState {
  /** The writer's volume epoch the stream comes from; a newer one means a new writer. */
  readonly volumeEpoch: VolumeEpoch;
  /** The VDL the replica knows from the writer's control records. */
  readonly knownVdl: Lsn;
  /** Everything up to here is applied: the replica's read point. */
  readonly appliedLsn: Lsn;
  /** Received records not yet applied, in LSN order (chunked: it grows while the replica lags). */
  readonly pending: ChunkedQueue<RedoRecord>;
  /** Highest LSN received (records at or below it are duplicates). */
  readonly receivedLsn: Lsn;
  /** Blocks the cache holds after a restart (0 = every block of the volume). */
  readonly cacheBlocks: number;
  /** Blocks in the volume. */
  readonly blockCount: number;
  /** The buffer cache and its page reads (shared with the writer, `read-state.ts`). */
  readonly reads: ReadState;
  /**
   * Key values of each cached block, as of `appliedLsn`, keyed by block id (a block absent here
   * has none). Read it with {@link pageOf}.
   */
  readonly pages: ChunkedTable<PageValues>;
  /** Per block whose page read is in flight: the puts applied since it was issued, in LSN order. */
  readonly loading: Readonly<Record<number, readonly BufferedPut[]>>;
  /**
   * Per PG, its last record at or below `appliedLsn`, where known since the last restart: the SCL
   * a segment needs to serve a read at the read point (docs/protocol.md §13, V1).
   */
  readonly lastPgLsnByPg: Readonly<Record<number, Lsn>>;
  /**
   * Every record above this LSN reaches the replica: 0 from the volume's start; after a restart,
   * the predecessor of the first record taken (unknown, {@link STREAM_UNKNOWN}, until one arrives).
   * A restart may skip records, so until the applied point reaches it a page read at the read point
   * could not be brought forward: the replica serves no reads then (see {@link servesReads}).
   */
  readonly streamFromLsn: Lsn;
  /** Records applied / discarded so far (discarded: block not cached). */
  readonly applied: number;
  readonly discarded: number;
  /** Puts replayed over a page that arrived after they were applied (the read race). */
  readonly replayed: number;
}

/**
 * `state` with the fields of `patch` replaced, as a new object copied through one literal: a
 * spread with overrides becomes a slow copy in V8 when made over and over from its own result
 * (see `withWriter` in `writer-state.ts`), and a replica makes one per shipment and per apply step.
 */
export function withReplica(state: ReplicaState, patch: Partial<ReplicaState>): ReplicaState {
  const next: { -readonly [K in keyof ReplicaState]: ReplicaState[K] } = {
    volumeEpoch: state.volumeEpoch,
    knownVdl: state.knownVdl,
    appliedLsn: state.appliedLsn,
    pending: state.pending,
    receivedLsn: state.receivedLsn,
    cacheBlocks: state.cacheBlocks,
    blockCount: state.blockCount,
    reads: state.reads,
    pages: state.pages,
    loading: state.loading,
    lastPgLsnByPg: state.lastPgLsnByPg,
    streamFromLsn: state.streamFromLsn,
    applied: state.applied,
    discarded: state.discarded,
    replayed: state.replayed,
  };
  return overlay(next, patch);
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
    pending: emptyQueue(),
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

/** The values of a cached block (undefined when it holds none). */
export function pageOf(state: ReplicaState, blockId: number): PageValues | undefined {
  return tableGet(state.pages, blockId);
}

/**
 * Takes a shipment: new records (in LSN order) and the writer's VDL. Returns the next state, or
 * undefined when a record does not follow the last one received (`prevVolumeLsn`): part of the
 * stream was lost, and the caller must start over with a cold cache rather than apply around the
 * hole.
 */
export function receiveShipment(state: ReplicaState, records: readonly RedoRecord[], vdl: Lsn): ReplicaState | undefined {
  const taken: RedoRecord[] = [];
  let receivedLsn = state.receivedLsn;
  let streamFromLsn = state.streamFromLsn;
  for (const record of records) {
    // After a reset the cache is cold at the read point: an older record might hide a newer one
    // that was missed, so only records above it may warm the cache.
    if (record.lsn <= receivedLsn || record.lsn <= state.appliedLsn) continue;
    if (record.prevVolumeLsn !== receivedLsn && receivedLsn !== FOLLOW_ANY) return undefined;
    if (receivedLsn === FOLLOW_ANY) streamFromLsn = record.prevVolumeLsn;
    taken.push(record);
    receivedLsn = record.lsn;
  }
  const knownVdl = vdl > state.knownVdl ? vdl : state.knownVdl;
  if (taken.length === 0 && knownVdl === state.knownVdl && streamFromLsn === state.streamFromLsn) return state;
  return withReplica(state, { pending: queuePush(state.pending, taken), receivedLsn, streamFromLsn, knownVdl });
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
export function applicableCount(state: ReplicaState, maxRecords: number, ignoreVdl = false): number {
  let count = 0;
  let lastCplEnd = 0;
  for (const size = queueSize(state.pending); count < size; ) {
    const record = queueAt(state.pending, count) as RedoRecord;
    // `ignoreVdl` is the planted mistake replica-applies-above-vdl (docs/plants.md).
    if (record.lsn > state.knownVdl && !ignoreVdl) break;
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
 * read is in flight keeps its records for when the page arrives. Each block touched is copied
 * once per call, however many of its records the step applies.
 */
export function applyRecords(state: ReplicaState, count: number): ReplicaState {
  if (count <= 0) return state;
  const lastPgLsnByPg: Record<number, Lsn> = { ...state.lastPgLsnByPg };
  // Blocks and loading lists copied by this call: written while it builds them.
  const touched: Record<number, Record<string, string>> = {};
  const updates: [blockId: number, values: Record<string, string>][] = [];
  const buffering: Record<number, BufferedPut[]> = {};
  let { appliedLsn, applied, discarded } = state;
  for (let i = 0; i < count; i++) {
    const record = queueAt(state.pending, i) as RedoRecord;
    const payload = record.payload as RedoPayload | undefined;
    lastPgLsnByPg[record.pg] = record.lsn;
    if (payload?.kind === 'put') {
      if (isCached(state.reads, record.blockId)) {
        let values = touched[record.blockId];
        if (values === undefined) {
          values = { ...pageOf(state, record.blockId) };
          touched[record.blockId] = values;
          updates.push([record.blockId, values]);
        }
        values[payload.key] = payload.value;
        applied++;
      } else if (state.reads.byBlock[record.blockId] !== undefined) {
        (buffering[record.blockId] ??= [...(state.loading[record.blockId] ?? [])]).push({ lsn: record.lsn, key: payload.key, value: payload.value });
      } else {
        discarded++;
      }
    }
    if (record.lsn > appliedLsn) appliedLsn = record.lsn;
  }
  return withReplica(state, {
    pending: queueDrop(state.pending, count),
    pages: tableUpdate(state.pages, updates),
    loading: Object.keys(buffering).length === 0 ? state.loading : { ...state.loading, ...buffering },
    lastPgLsnByPg,
    appliedLsn,
    applied,
    discarded,
  });
}

/**
 * Starts over (a restart after excessive lag, or a new writer): cache, page reads and backlog
 * dropped; the replica follows the stream from what arrives next, at the given VDL. The cache is
 * cold: records it missed may have changed any block, so every block is read from storage again,
 * and reads wait until the applied point passes where the stream resumed ({@link servesReads}).
 * Request ids keep counting, so a late answer to a dropped read matches nothing.
 */
export function resetReplica(state: ReplicaState, volumeEpoch: VolumeEpoch, vdl: Lsn): ReplicaState {
  const { nextRequestId, issued, hedged, fullMembers, tails } = state.reads;
  return withReplica(state, {
    volumeEpoch,
    pending: emptyQueue(),
    knownVdl: vdl,
    appliedLsn: vdl,
    receivedLsn: FOLLOW_ANY,
    reads: { ...createReadState(state.cacheBlocks === 0 ? state.blockCount : state.cacheBlocks, fullMembers, tails), nextRequestId, issued, hedged },
    pages: {},
    loading: {},
    lastPgLsnByPg: {},
    streamFromLsn: STREAM_UNKNOWN,
  });
}
