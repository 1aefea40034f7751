/**
 * A read replica's working state (PROTOCOL §2.8; SIGMOD'17 §4.2.4; SIGMOD'18 §3.2–3.4).
 *
 * The writer ships its redo records (whole MTRs) and VDL control records. The replica:
 * - applies records in LSN order, whole MTRs at a time, and only once the MTR's CPL is at or below
 *   the VDL it knows (PROTOCOL §5 V3): no reader ever sees part of an MTR or anything not durable;
 * - updates only blocks in its cache and discards records for other blocks (they can be read from
 *   storage later);
 * - serves reads at its applied VDL, its read point.
 * Applying costs `applyMsPerRecord` of replica time per record; the machine runs one apply step at
 * a time, so a writer faster than the replica builds a backlog, which is replica lag.
 *
 * Plain data, owner-private to the instance machine and updated in place.
 */
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import type { RedoPayload, RedoRecord } from './messages.js';

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
  /** Cached blocks (those the replica keeps up to date). */
  cachedBlocks: Record<number, true>;
  /** Key values of the cached blocks, as of `appliedLsn`. */
  values: Record<string, string>;
  /** Records applied / discarded so far (discarded: block not cached). */
  applied: number;
  discarded: number;
}

/** A replica caching the given blocks. */
export function createReplicaState(volumeEpoch: VolumeEpoch, cachedBlocks: readonly number[]): ReplicaState {
  const cached: Record<number, true> = {};
  for (const block of cachedBlocks) cached[block] = true;
  return { volumeEpoch, knownVdl: 0 as Lsn, appliedLsn: 0 as Lsn, pending: [], pendingHead: 0, receivedLsn: 0 as Lsn, cachedBlocks: cached, values: {}, applied: 0, discarded: 0 };
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
    state.pending.push(record);
    state.receivedLsn = record.lsn;
  }
  if (vdl > state.knownVdl) state.knownVdl = vdl;
  return true;
}

/** `receivedLsn` after a reset: the next record is taken wherever the stream now is. */
const FOLLOW_ANY = -1 as Lsn;

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

/** Applies the next `count` pending records (whole MTRs) to the cached blocks. */
export function applyRecords(state: ReplicaState, count: number): void {
  const end = state.pendingHead + count;
  for (let i = state.pendingHead; i < end; i++) {
    const record = state.pending[i] as RedoRecord;
    const payload = record.payload as RedoPayload | undefined;
    if (state.cachedBlocks[record.blockId] === true && payload?.kind === 'put') {
      state.values[payload.key] = payload.value;
      state.applied++;
    } else if (payload?.kind === 'put') {
      state.discarded++;
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
 * Starts over (a restart after excessive lag, or a new writer): cache and backlog dropped; the
 * replica follows the stream from what arrives next, at the given VDL.
 */
export function resetReplica(state: ReplicaState, volumeEpoch: VolumeEpoch, vdl: Lsn): void {
  state.volumeEpoch = volumeEpoch;
  state.pending = [];
  state.pendingHead = 0;
  state.values = {};
  state.knownVdl = vdl;
  state.appliedLsn = vdl;
  state.receivedLsn = FOLLOW_ANY;
}
