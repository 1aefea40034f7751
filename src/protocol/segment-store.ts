/**
 * A segment's persisted state: its hot log of one PG's records, its SCL, its truncation ranges,
 * and the page view materialised from block chains (SIGMOD'17 §3.3, §4.2; SIGMOD'18 §2.3).
 *
 * Invariants:
 * - the segment holds every non-annulled record of its PG with LSN ≤ scl (SIGMOD'18 §2.3);
 * - persisting is idempotent (SIGMOD'18 §2.3: storage processing is idempotent);
 * - an annulled record (see `isAnnulled`, SIGMOD'17 §4.3) is never stored, counted in SCL,
 *   gossiped or materialised;
 * - garbage collection (SIGMOD'17 §3.3 steps 5 and 7, §4.2.3; SIGMOD'18 §3.4) coalesces every
 *   record at or below `gcPoint` into one base record per block — the block's newest record there,
 *   its payload replaced by the whole page (`PagePayload`) and its block backlink cut — and drops
 *   the rest. `gcPoint` ≤ SCL, so the segment held all of them: it still "holds" every PG record
 *   ≤ SCL, some of them only inside a base page. A read below `gcPoint` can no longer be served.
 *
 * The store is a persistent value. Every update takes a store and returns a new one with its
 * result (`{ store, stored }`, `{ store, dropped }`), and never writes into the store, records or
 * arrays it was given: a segment's transition is a pure function of its snapshot and the event,
 * so the explorer can step one snapshot twice and the viewer can scrub back to an old one
 * (docs/determinism.md). Copying the log per record would make that cost O(log size), so the
 * store is built from structurally shared parts that an update copies only a few small nodes of:
 * - `log` (record-log.ts): records by LSN in chunks of 64 under a two-level directory. An append
 *   copies the open tail chunk; sealing a full tail copies one group of chunk references; a record
 *   filling a hole copies the chunk it joins; truncation and garbage collection rebuild the chunks
 *   they change and share the rest;
 * - `latestByBlock` and the SCL chain's links (int-map.ts): radix tries of three levels, so moving
 *   a block's head or adding a link copies at most three small nodes; a record that extends the
 *   SCL shares the links unchanged (watermarks.ts `receiveRecord`).
 * Appending therefore costs the same at 1,000 and at 1,000,000 records (`aurora-actors bench`,
 * "hot-log append"). Everything is plain records and arrays (docs/architecture.md,
 * "Code conventions" 1): a store serialises as JSON and can be deep-frozen.
 */
import type { BlockId, Lsn, PgId, VolumeEpoch } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { IntMap } from './int-map.js';
import { emptyIntMap, intMapDelete, intMapGet, intMapSet } from './int-map.js';
import type { LogRecord } from './lsn.js';
import type { PagePayload } from './pages.js';
import { materializePage } from './pages.js';
import type { RecordLog } from './record-log.js';
import { emptyLog, forEachAbove, lastAtOrBelow, lastRecord, putRecord, recordAtLsn, recordsAfter, rewriteRange } from './record-log.js';
import type { StoredRecord, TruncationRange } from './recovery.js';
import { addTruncation, isAnnulled } from './recovery.js';
import type { SclState } from './watermarks.js';
import { createSclState, receiveRecord } from './watermarks.js';

/** One segment's persisted log: an immutable value (see the file header). */
export interface SegmentStore<Payload = unknown> {
  readonly pg: PgId;
  /** Persisted, non-annulled records, ascending by LSN. */
  readonly log: RecordLog<StoredRecord<Payload>>;
  /** SCL and the links of records held above it. */
  readonly chain: SclState;
  /** Latest held LSN of each block (by block id), the head of its block chain. */
  readonly latestByBlock: IntMap<Lsn>;
  /** Epoch-versioned truncation ranges received (SIGMOD'17 §4.3), by volume epoch. */
  readonly truncations: readonly TruncationRange[];
  /** Records at or below it are coalesced into base pages (0: nothing collected yet). */
  readonly gcPoint: Lsn;
  /** The PG's last record at or below `gcPoint`: where the SCL chain resumes above it. */
  readonly lastPgLsnAtGc: Lsn;
  /** The backtrack in force (docs/protocol.md §10, backtrack): the LSN ranges it hides. Absent before any. */
  readonly backtrack?: BacktrackVisibility;
  /** The records the backtrack in force hides: kept for a later one to bring back, never read, gossiped or collected. */
  readonly hiddenLog?: RecordLog<StoredRecord<Payload>>;
}

/**
 * What a backtrack to a time makes of the volume (docs/protocol.md §10, backtrack): the LSN ranges
 * no read sees, the whole set at once. A later backtrack replaces it, so moving forward again
 * shows what an earlier one hid. Ranges are absolute in LSN: no writer ever allocates again below
 * the top of a range (the next writer starts above it), so a range needs no epoch per record.
 */
export interface BacktrackVisibility {
  /** The volume epoch of the backtrack: an older one never replaces a newer one. */
  readonly volumeEpoch: VolumeEpoch;
  /** Hidden LSN ranges, inclusive, ascending and disjoint. */
  readonly hidden: readonly { readonly fromLsn: Lsn; readonly toLsn: Lsn }[];
}

/** True iff a range of `visibility` covers `lsn`. */
export function isHiddenLsn(visibility: BacktrackVisibility | undefined, lsn: Lsn): boolean {
  if (visibility === undefined) return false;
  for (const range of visibility.hidden) if (range.fromLsn <= lsn && lsn <= range.toLsn) return true;
  return false;
}

/** Creates an empty store for one PG. */
export function createSegmentStore<Payload = unknown>(pg: PgId): SegmentStore<Payload> {
  return { pg, log: emptyLog(), chain: createSclState(), latestByBlock: emptyIntMap(), truncations: [], gcPoint: LSN_ZERO, lastPgLsnAtGc: LSN_ZERO };
}

/** The segment's SCL. */
export function sclOf(store: SegmentStore): Lsn {
  return store.chain.scl;
}

/** Number of records held. */
export function recordCount(store: SegmentStore): number {
  return store.log.count;
}

/** Highest LSN held, or 0. */
export function highestLsn(store: SegmentStore): Lsn {
  return lastRecord(store.log)?.lsn ?? LSN_ZERO;
}

/** The record held at `lsn` (a base page at or below the GC point), or undefined. O(log n). */
export function recordAt<Payload>(store: SegmentStore<Payload>, lsn: Lsn): StoredRecord<Payload> | undefined {
  return recordAtLsn(store.log, lsn);
}

/** Every record held, ascending by LSN (a fresh array; the records are shared). */
export function heldRecords<Payload>(store: SegmentStore<Payload>): StoredRecord<Payload>[] {
  return recordsAfter(store.log, LSN_ZERO, store.log.count);
}

/** A store and the LSNs an update newly stored. */
export interface Persisted<Payload> {
  readonly store: SegmentStore<Payload>;
  readonly stored: Lsn[];
}

/**
 * Persists records delivered at `volumeEpoch` and advances SCL. Returns the new store and the
 * LSNs newly stored (duplicates, records of another PG and annulled records are skipped); the
 * same store if none was.
 */
export function persistRecords<Payload>(store: SegmentStore<Payload>, records: readonly LogRecord<Payload>[], volumeEpoch: VolumeEpoch): Persisted<Payload> {
  const growing = growingFrom(store);
  const stored: Lsn[] = [];
  for (const record of records) if (persistOne(store, growing, record, volumeEpoch)) stored.push(record.lsn);
  return { store: stored.length === 0 && growing.hiddenLog === store.hiddenLog ? store : { ...store, ...growing }, stored };
}

/** A store and the LSNs persisted, grouped by the volume epoch they were first written at. */
export interface PersistedByEpoch<Payload> {
  readonly store: SegmentStore<Payload>;
  readonly storedByEpoch: Record<number, Lsn[]>;
}

/**
 * Persists records that already carry the volume epoch they were first written at (gossip copies
 * them between peers unchanged). Returns the new store and the LSNs newly stored, by volume epoch.
 */
export function persistStoredRecords<Payload>(store: SegmentStore<Payload>, records: readonly StoredRecord<Payload>[]): PersistedByEpoch<Payload> {
  const growing = growingFrom(store);
  const storedByEpoch: Record<number, Lsn[]> = {};
  let changed = false;
  for (const record of records) {
    if (!persistOne(store, growing, record, record.volumeEpoch)) continue;
    (storedByEpoch[record.volumeEpoch] ??= []).push(record.lsn);
    changed = true;
  }
  return { store: changed || growing.hiddenLog !== store.hiddenLog ? { ...store, ...growing } : store, storedByEpoch };
}

/** The parts of a store that persisting replaces, in a fresh object one update may reassign. */
type Growing<Payload> = { log: SegmentStore<Payload>['log']; chain: SclState; latestByBlock: IntMap<Lsn>; hiddenLog?: RecordLog<StoredRecord<Payload>> };

function growingFrom<Payload>(store: SegmentStore<Payload>): Growing<Payload> {
  return { log: store.log, chain: store.chain, latestByBlock: store.latestByBlock, ...(store.hiddenLog === undefined ? {} : { hiddenLog: store.hiddenLog }) };
}

/**
 * Takes one record, stamped with `volumeEpoch`, into `growing` (a fresh object of this update,
 * never the caller's store): false if skipped. A record that already carries the epoch (a gossip
 * copy) is shared as it is: records are never written into. At or below the GC point the segment
 * already holds everything, coalesced (file header).
 */
function persistOne<Payload>(store: SegmentStore<Payload>, growing: Growing<Payload>, record: LogRecord<Payload>, volumeEpoch: VolumeEpoch): boolean {
  if (record.pg !== store.pg || record.lsn <= store.gcPoint) return false;
  const last = lastRecord(growing.log);
  if (last !== undefined && record.lsn <= last.lsn && recordAtLsn(growing.log, record.lsn) !== undefined) return false;
  const stamped = (record as Partial<StoredRecord<Payload>>).volumeEpoch === volumeEpoch;
  const held: StoredRecord<Payload> = stamped ? (record as StoredRecord<Payload>) : { ...record, volumeEpoch };
  if (store.truncations.length > 0 && isAnnulled(held, store.truncations)) return false;
  if (store.backtrack !== undefined && isHiddenLsn(store.backtrack, held.lsn)) {
    // A copy of a record the backtrack in force hides (a peer that had not applied it yet): kept
    // hidden with the others, not stored for reads (the caller's `hiddenLog` change is its own).
    const hidden = growing.hiddenLog ?? emptyLog();
    if (recordAtLsn(hidden, held.lsn) === undefined) growing.hiddenLog = putRecord(hidden, held);
    return false;
  }
  growing.log = putRecord(growing.log, held);
  growing.latestByBlock = withBlockHead(growing.latestByBlock, held.blockId, held.lsn);
  growing.chain = receiveRecord(growing.chain, held);
  return true;
}

/** The block heads with `lsn` as the head of `blockId` if it is newer than the one held. */
function withBlockHead(heads: IntMap<Lsn>, blockId: BlockId, lsn: Lsn): IntMap<Lsn> {
  const latest = intMapGet(heads, blockId);
  return latest === undefined || latest < lsn ? intMapSet(heads, blockId, lsn) : heads;
}

/**
 * What a gossip peer complete to `peerScl` is missing, as far as this segment knows: every held
 * record above `peerScl`, ascending, at most `maxCount` (SIGMOD'17 §3.3 step 4: segments gossip
 * to fill holes; records in (sclA, sclB] plus any held above sclB).
 */
export function recordsAbove<Payload>(store: SegmentStore<Payload>, peerScl: Lsn, maxCount: number): StoredRecord<Payload>[] {
  return recordsAfter(store.log, peerScl, maxCount);
}

/** Every held record of `blockId` with LSN ≤ `readPoint`, newest first. */
export function blockChainAt<Payload>(store: SegmentStore<Payload>, blockId: number, readPoint: Lsn): StoredRecord<Payload>[] {
  const chain: StoredRecord<Payload>[] = [];
  let cursor = intMapGet(store.latestByBlock, blockId) ?? LSN_ZERO;
  while (cursor !== LSN_ZERO) {
    const record = recordAtLsn(store.log, cursor);
    if (record === undefined) return scanBlock(store, blockId, readPoint); // a hole in the block chain
    if (record.lsn <= readPoint) chain.push(record);
    cursor = record.prevBlockLsn;
  }
  return chain;
}

/** The slow path of {@link blockChainAt} when the block chain has a hole: scan the log. */
function scanBlock<Payload>(store: SegmentStore<Payload>, blockId: number, readPoint: Lsn): StoredRecord<Payload>[] {
  const chain: StoredRecord<Payload>[] = [];
  forEachAbove(store.log, LSN_ZERO, (record) => {
    if (record.lsn > readPoint) return false;
    if (record.blockId === blockId) chain.push(record);
    return true;
  });
  return chain.reverse();
}

/** A store and the LSNs an update dropped, ascending. */
export interface Truncated<Payload> {
  readonly store: SegmentStore<Payload>;
  readonly dropped: Lsn[];
}

/**
 * Applies a truncation range (SIGMOD'17 §4.3): drops the records it annuls, moves SCL back to the
 * last surviving record below the range if it had passed into it, then lets it advance again over
 * records of the new epoch already held above the range. Returns the new store and the LSNs
 * dropped. Records outside the range are shared untouched: no earlier range annuls a held record,
 * because persisting filters by every range held.
 */
export function truncate<Payload>(store: SegmentStore<Payload>, range: TruncationRange): Truncated<Payload> {
  const truncations = addTruncation(store.truncations, range);
  const dropped: StoredRecord<Payload>[] = [];
  const log = rewriteRange(store.log, range.fromLsn, range.toLsn, (record) => {
    if (!isAnnulled(record, truncations)) return record;
    dropped.push(record);
    return undefined;
  });
  if (dropped.length === 0) return { store: { ...store, truncations }, dropped: [] };
  const sclBefore = store.chain.scl;
  // A range starts above a VDL, and the GC point never passes a VDL: nothing coalesced is annulled.
  const rolledBack = sclBefore >= range.fromLsn ? (lastAtOrBelow(log, range.fromLsn - 1)?.lsn ?? store.lastPgLsnAtGc) : sclBefore;
  const chain = chainFrom(log, Math.min(rolledBack, sclBefore) as Lsn);
  const latestByBlock = blockHeadsWithout(store.latestByBlock, log, dropped);
  return { store: { ...store, log, chain, latestByBlock, truncations }, dropped: dropped.map((record) => record.lsn) };
}

/** SCL state resuming at `scl` and taking every held record above it, in LSN order. */
function chainFrom(log: RecordLog<StoredRecord>, scl: Lsn): SclState {
  let chain = createSclState(scl);
  forEachAbove(log, scl, (record) => {
    chain = receiveRecord(chain, record);
  });
  return chain;
}

/** The block heads after `dropped` left the log: a block whose head went gets its newest left. */
function blockHeadsWithout(heads: IntMap<Lsn>, log: RecordLog<StoredRecord>, dropped: readonly StoredRecord[]): IntMap<Lsn> {
  const orphaned: Record<number, true> = {};
  let next = heads;
  for (const record of dropped) {
    if (intMapGet(heads, record.blockId) !== record.lsn) continue;
    orphaned[record.blockId] = true;
    next = intMapDelete(next, record.blockId);
  }
  if (Object.keys(orphaned).length === 0) return next;
  forEachAbove(log, LSN_ZERO, (record) => {
    if (orphaned[record.blockId] === true) next = withBlockHead(next, record.blockId, record.lsn);
  });
  return next;
}

/** True iff the store already holds a range at this volume epoch. */
export function holdsTruncation(store: SegmentStore, range: TruncationRange): boolean {
  return store.truncations.some((held) => held.volumeEpoch === range.volumeEpoch);
}

/** Where a segment's coalesced prefix ends: what a lagging peer adopts with the base pages. */
export interface Baseline {
  readonly gcPoint: Lsn;
  readonly lastPgLsnAtGc: Lsn;
}

/** A store after a backtrack's hidden set, and how many records moved each way. */
export interface Backtracked<Payload> {
  readonly store: SegmentStore<Payload>;
  readonly hidden: number;
  readonly shown: number;
}

/**
 * Installs a backtrack's hidden set (docs/protocol.md §10, backtrack): the records in its ranges
 * leave the log for the hidden log, and those the previous set hid and this one does not come
 * back; SCL and block heads are taken again from what the log then holds. A set of an epoch at or
 * below the one in force changes nothing (backtracks are retried and arrive more than once).
 * Nothing is dropped: moving forward again needs every record back.
 * @throws RangeError if a range reaches at or below the GC point: coalesced records cannot be
 *   hidden or brought back apart, so the segment's GC must stay below every point a backtrack in
 *   its window may reach (the caller's floor).
 */
export function applyBacktrack<Payload>(store: SegmentStore<Payload>, visibility: BacktrackVisibility): Backtracked<Payload> {
  if (store.backtrack !== undefined && store.backtrack.volumeEpoch >= visibility.volumeEpoch) return { store, hidden: 0, shown: 0 };
  const reaching = visibility.hidden.find((range) => range.toLsn >= range.fromLsn && range.fromLsn <= store.gcPoint && store.gcPoint > LSN_ZERO);
  if (reaching !== undefined) throw new RangeError(`backtrack at volumeEpoch ${visibility.volumeEpoch} hides [${reaching.fromLsn}, ${reaching.toLsn}], at or below the GC point ${store.gcPoint}`);
  const live = recordsAfter(store.log, LSN_ZERO, store.log.count);
  const before = store.hiddenLog === undefined ? [] : recordsAfter(store.hiddenLog, LSN_ZERO, store.hiddenLog.count);
  let log: RecordLog<StoredRecord<Payload>> = emptyLog();
  let hiddenLog: RecordLog<StoredRecord<Payload>> = emptyLog();
  let hidden = 0;
  let shown = 0;
  // Both inputs ascend and share no LSN: merge them, so each log is built in LSN order.
  let i = 0;
  let j = 0;
  while (i < live.length || j < before.length) {
    const fromLive = j >= before.length || (i < live.length && (live[i] as StoredRecord<Payload>).lsn < (before[j] as StoredRecord<Payload>).lsn);
    const record = (fromLive ? live[i++] : before[j++]) as StoredRecord<Payload>;
    if (isHiddenLsn(visibility, record.lsn)) {
      hiddenLog = putRecord(hiddenLog, record);
      if (fromLive) hidden++;
    } else {
      log = putRecord(log, record);
      if (!fromLive) shown++;
    }
  }
  let latestByBlock: IntMap<Lsn> = emptyIntMap();
  forEachAbove(log, LSN_ZERO, (record) => {
    latestByBlock = withBlockHead(latestByBlock, record.blockId, record.lsn);
  });
  const chain = chainFrom(log, store.lastPgLsnAtGc);
  return { store: { ...store, log, chain, latestByBlock, backtrack: visibility, hiddenLog }, hidden, shown };
}

/** The LSN of the highest record (or base page) the store holds at or below `lsn`; 0 if none. */
export function lastHeldAtOrBelow(store: SegmentStore, lsn: Lsn): Lsn {
  return lastAtOrBelow(store.log, lsn)?.lsn ?? LSN_ZERO;
}

/** The segment's baseline. */
export function baselineOf(store: SegmentStore): Baseline {
  return { gcPoint: store.gcPoint, lastPgLsnAtGc: store.lastPgLsnAtGc };
}

/** A store and the number of its own records an update dropped. */
export interface Collected<Payload> {
  readonly store: SegmentStore<Payload>;
  readonly dropped: number;
}

/**
 * Garbage collection (SIGMOD'17 §4.2.3; SIGMOD'18 §3.4): coalesces every record at or below
 * `gcPoint` into base pages and drops the rest (see the file header). The caller has checked
 * `gcPoint` against the PGMRPL and the staged point; this checks what the store alone can: the
 * point must lie within the SCL (the segment must hold everything it coalesces) and above the
 * current GC point. Returns the new store and the number of records dropped (the same store and 0
 * when the point is not eligible).
 */
export function collectGarbage<Payload>(store: SegmentStore<Payload>, gcPoint: Lsn): Collected<Payload> {
  if (gcPoint <= store.gcPoint || gcPoint > sclOf(store)) return { store, dropped: 0 };
  return coalesce(store, gcPoint, store.gcPoint);
}

/**
 * Full-segment repair from a block baseline (SIGMOD'18 §4.2): a peer that has collected past this
 * segment's SCL sends its base pages above that SCL and its baseline. The segment takes the bases,
 * moves its SCL up to the baseline (it now holds every record at or below the GC point, inside a
 * base page or in its own log) and coalesces its own older records with them. Returns the new
 * store and the number of own records dropped; the same store if it is already at or past the
 * baseline.
 */
export function installBaseline<Payload>(store: SegmentStore<Payload>, baseline: Baseline, bases: readonly StoredRecord<Payload>[]): Collected<Payload> {
  if (baseline.gcPoint <= store.gcPoint || sclOf(store) >= baseline.gcPoint) return { store, dropped: 0 };
  let { log, latestByBlock } = store;
  for (const base of bases) {
    if (base.pg !== store.pg || base.lsn > baseline.gcPoint || isAnnulled(base, store.truncations)) continue;
    log = putRecord(log, base);
    latestByBlock = withBlockHead(latestByBlock, base.blockId, base.lsn);
  }
  const chain = chainFrom(log, baseline.lastPgLsnAtGc);
  const collected = coalesce({ ...store, log, latestByBlock, chain }, baseline.gcPoint, LSN_ZERO);
  if (collected.store.lastPgLsnAtGc >= baseline.lastPgLsnAtGc) return collected;
  return { store: { ...collected.store, lastPgLsnAtGc: baseline.lastPgLsnAtGc }, dropped: collected.dropped };
}

/** Coalesces the blocks with records in (fromLsn, gcPoint] into base records at gcPoint. */
function coalesce<Payload>(store: SegmentStore<Payload>, gcPoint: Lsn, fromLsn: Lsn): Collected<Payload> {
  const baseByBlock: Record<number, StoredRecord<Payload>> = {};
  forEachAbove(store.log, fromLsn, (record) => {
    if (record.lsn > gcPoint) return false;
    if (baseByBlock[record.blockId] !== undefined) return true;
    const chain = blockChainAt(store, record.blockId, gcPoint);
    const head = chain[0] as StoredRecord<Payload>;
    const page: PagePayload = { kind: 'page', values: materializePage(chain) };
    baseByBlock[record.blockId] = { ...head, prevBlockLsn: LSN_ZERO, payload: page as unknown as Payload };
    return true;
  });
  let dropped = 0;
  const log = rewriteRange(store.log, LSN_ZERO, gcPoint, (record) => {
    const base = baseByBlock[record.blockId];
    if (base === undefined) return record;
    if (base.lsn === record.lsn) return base;
    dropped++;
    return undefined;
  });
  const lastPgLsnAtGc = lastAtOrBelow(store.log, gcPoint)?.lsn ?? store.lastPgLsnAtGc;
  return { store: { ...store, log, gcPoint, lastPgLsnAtGc }, dropped };
}

/** The base records (whole pages) at or below the GC point above `afterLsn`, ascending. */
export function basesAbove<Payload>(store: SegmentStore<Payload>, afterLsn: Lsn): StoredRecord<Payload>[] {
  const result: StoredRecord<Payload>[] = [];
  forEachAbove(store.log, afterLsn, (record) => {
    if (record.lsn > store.gcPoint) return false;
    result.push(record);
    return true;
  });
  return result;
}
