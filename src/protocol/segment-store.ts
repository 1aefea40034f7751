/**
 * A segment's persisted state: its hot log of one PG's records, its SCL, its truncation ranges,
 * and the page view materialised from block chains (PROTOCOL §2.3–2.6; SIGMOD'17 §3.3).
 *
 * Invariants:
 * - the segment holds every non-annulled record of its PG with LSN ≤ scl (SIGMOD'18 §2.3);
 * - persisting is idempotent (SIGMOD'18 §2.3: storage processing is idempotent);
 * - an annulled record (R2 rule, see `isAnnulled`) is never stored, counted in SCL, gossiped or
 *   materialised (S9);
 * - garbage collection (PROTOCOL §2.6 activity 7, §2.7, §5 V11) coalesces every record at or below
 *   `gcPoint` into one base record per block — the block's newest record there, its payload
 *   replaced by the whole page (`PagePayload`) and its block backlink cut — and drops the rest.
 *   `gcPoint` ≤ SCL, so the segment held all of them: it still "holds" every PG record ≤ SCL,
 *   some of them only inside a base page. A read below `gcPoint` can no longer be served.
 *
 * Appending costs the same at 1,000 and at 1,000,000 records: the store is owner-private and
 * mutated in place (records by LSN, an ascending LSN list that records almost always join at its
 * end, the SCL chain of `watermarks.ts`), never copied per record. It stays plain,
 * JSON-serialisable data; a caller that keeps old snapshots (the explorer) must `structuredClone`
 * it before stepping.
 */
import type { Lsn, PgId, VolumeEpoch } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { LogRecord } from './lsn.js';
import type { PagePayload } from './pages.js';
import { materializePage } from './pages.js';
import type { StoredRecord, TruncationRange } from './recovery.js';
import { addTruncation, isAnnulled } from './recovery.js';
import type { SclState } from './watermarks.js';
import { createSclState, receiveRecord } from './watermarks.js';

/** One segment's persisted log. Owner-private, mutated in place (see the file header). */
export interface SegmentStore<Payload = unknown> {
  readonly pg: PgId;
  /** Persisted, non-annulled records by LSN. */
  records: Record<number, StoredRecord<Payload>>;
  /** The LSNs of `records`, ascending. */
  lsns: Lsn[];
  /** SCL and the links of records held above it. */
  chain: SclState;
  /** Latest held LSN of each block, the head of its block chain. */
  latestByBlock: Record<number, Lsn>;
  /** Epoch-versioned truncation ranges received (PROTOCOL §5 R2). */
  truncations: TruncationRange[];
  /** Records at or below it are coalesced into base pages (0: nothing collected yet). */
  gcPoint: Lsn;
  /** The PG's last record at or below `gcPoint`: where the SCL chain resumes above it. */
  lastPgLsnAtGc: Lsn;
}

/** Creates an empty store for one PG. */
export function createSegmentStore<Payload = unknown>(pg: PgId): SegmentStore<Payload> {
  return { pg, records: {}, lsns: [], chain: createSclState(), latestByBlock: {}, truncations: [], gcPoint: LSN_ZERO, lastPgLsnAtGc: LSN_ZERO };
}

/** The segment's SCL. */
export function sclOf(store: SegmentStore): Lsn {
  return store.chain.scl;
}

/** Number of records held. */
export function recordCount(store: SegmentStore): number {
  return store.lsns.length;
}

/** Highest LSN held, or 0. */
export function highestLsn(store: SegmentStore): Lsn {
  return store.lsns[store.lsns.length - 1] ?? LSN_ZERO;
}

/**
 * Persists records delivered at `volumeEpoch` and advances SCL. Returns the LSNs newly stored
 * (duplicates, records of another PG and annulled records are skipped).
 */
export function persistRecords<Payload>(
  store: SegmentStore<Payload>,
  records: readonly LogRecord<Payload>[],
  volumeEpoch: VolumeEpoch,
): Lsn[] {
  const stored: Lsn[] = [];
  for (const record of records) {
    // At or below the GC point the segment already holds everything, coalesced (file header).
    if (record.pg !== store.pg || record.lsn <= store.gcPoint || store.records[record.lsn] !== undefined) continue;
    const held: StoredRecord<Payload> = { ...record, volumeEpoch };
    if (store.truncations.length > 0 && isAnnulled(held, store.truncations)) continue;
    store.records[record.lsn] = held;
    insertAscending(store.lsns, record.lsn);
    const latest = store.latestByBlock[record.blockId];
    if (latest === undefined || latest < record.lsn) store.latestByBlock[record.blockId] = record.lsn;
    receiveRecord(store.chain, record);
    stored.push(record.lsn);
  }
  return stored;
}

/** Inserts into an ascending list; records nearly always arrive in order, so this is O(1). */
function insertAscending(list: Lsn[], value: Lsn): void {
  let index = list.length;
  while (index > 0 && (list[index - 1] as Lsn) > value) index--;
  if (index === list.length) list.push(value);
  else list.splice(index, 0, value);
}

/** Index of the first LSN in `list` greater than `value` (binary search). */
function upperBound(list: readonly Lsn[], value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((list[mid] as Lsn) <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * What a gossip peer complete to `peerScl` is missing, as far as this segment knows: every held
 * record above `peerScl`, ascending, at most `maxCount` (PROTOCOL §2.6: records in (sclA, sclB]
 * plus any held above sclB).
 */
export function recordsAbove<Payload>(store: SegmentStore<Payload>, peerScl: Lsn, maxCount: number): StoredRecord<Payload>[] {
  const start = upperBound(store.lsns, peerScl);
  const end = Math.min(store.lsns.length, start + maxCount);
  const result: StoredRecord<Payload>[] = [];
  for (let i = start; i < end; i++) result.push(store.records[store.lsns[i] as Lsn] as StoredRecord<Payload>);
  return result;
}

/** Every held record of `blockId` with LSN ≤ `readPoint`, newest first. */
export function blockChainAt<Payload>(store: SegmentStore<Payload>, blockId: number, readPoint: Lsn): StoredRecord<Payload>[] {
  const chain: StoredRecord<Payload>[] = [];
  let cursor = store.latestByBlock[blockId] ?? LSN_ZERO;
  while (cursor !== LSN_ZERO) {
    const record = store.records[cursor];
    if (record === undefined) return scanBlock(store, blockId, readPoint); // a hole in the block chain
    if (record.lsn <= readPoint) chain.push(record);
    cursor = record.prevBlockLsn;
  }
  return chain;
}

/** The slow path of {@link blockChainAt} when the block chain has a hole: scan the log. */
function scanBlock<Payload>(store: SegmentStore<Payload>, blockId: number, readPoint: Lsn): StoredRecord<Payload>[] {
  const chain: StoredRecord<Payload>[] = [];
  for (let i = upperBound(store.lsns, readPoint) - 1; i >= 0; i--) {
    const record = store.records[store.lsns[i] as Lsn] as StoredRecord<Payload>;
    if (record.blockId === blockId) chain.push(record);
  }
  return chain;
}

/**
 * Applies a truncation range (SIGMOD'17 §4.3): drops the records it annuls, moves SCL back to the
 * last surviving record below the range if it had passed into it, then lets it advance again over
 * records of the new epoch already held above the range. Returns the LSNs dropped.
 */
export function truncate(store: SegmentStore, range: TruncationRange): Lsn[] {
  store.truncations = addTruncation(store.truncations, range);
  const annulled = store.lsns.filter((l) => isAnnulled(store.records[l] as StoredRecord, store.truncations));
  if (annulled.length === 0) return annulled;
  for (const l of annulled) delete store.records[l];
  store.lsns = store.lsns.filter((l) => store.records[l] !== undefined);
  const sclBefore = store.chain.scl;
  // A range starts above a VDL, and the GC point never passes a VDL: nothing coalesced is annulled.
  const rolledBack = sclBefore >= range.fromLsn ? (store.lsns[upperBound(store.lsns, range.fromLsn - 1) - 1] ?? store.lastPgLsnAtGc) : sclBefore;
  store.chain = createSclState(Math.min(rolledBack, sclBefore) as Lsn);
  for (const l of store.lsns) {
    if (l > store.chain.scl) receiveRecord(store.chain, store.records[l] as StoredRecord);
  }
  rebuildBlockHeads(store, annulled);
  return annulled;
}

/** True iff the store already holds a range at this volume epoch. */
export function holdsTruncation(store: SegmentStore, range: TruncationRange): boolean {
  return store.truncations.some((held) => held.volumeEpoch === range.volumeEpoch);
}

function rebuildBlockHeads(store: SegmentStore, annulled: readonly Lsn[]): void {
  const gone: Record<number, true> = {};
  for (const l of annulled) gone[l] = true;
  for (const [block, head] of Object.entries(store.latestByBlock)) {
    if (gone[head] !== true) continue;
    delete store.latestByBlock[Number(block)];
  }
  for (const l of store.lsns) {
    const record = store.records[l] as StoredRecord;
    const head = store.latestByBlock[record.blockId];
    if (head === undefined || head < l) store.latestByBlock[record.blockId] = l;
  }
}

/**
 * Persists records that already carry the volume epoch they were first written at (gossip copies
 * them between peers unchanged). Returns the LSNs newly stored, grouped by volume epoch.
 */
export function persistStoredRecords<Payload>(
  store: SegmentStore<Payload>,
  records: readonly StoredRecord<Payload>[],
): Record<number, Lsn[]> {
  const storedByEpoch: Record<number, Lsn[]> = {};
  for (const record of records) {
    const stored = persistRecords(store, [record], record.volumeEpoch);
    if (stored.length === 0) continue;
    (storedByEpoch[record.volumeEpoch] ??= []).push(...stored);
  }
  return storedByEpoch;
}

/** Where a segment's coalesced prefix ends: what a lagging peer adopts with the base pages. */
export interface Baseline {
  readonly gcPoint: Lsn;
  readonly lastPgLsnAtGc: Lsn;
}

/** The segment's baseline. */
export function baselineOf(store: SegmentStore): Baseline {
  return { gcPoint: store.gcPoint, lastPgLsnAtGc: store.lastPgLsnAtGc };
}

/**
 * Garbage collection (PROTOCOL §2.6 activity 7, §5 V11; S14): coalesces every record at or below
 * `gcPoint` into base pages and drops the rest (see the file header). The caller has checked
 * `gcPoint` against the PGMRPL and the staged point; this checks what the store alone can: the
 * point must lie within the SCL (the segment must hold everything it coalesces) and above the
 * current GC point. Returns the number of records dropped (0 when the point is not eligible).
 */
export function collectGarbage<Payload>(store: SegmentStore<Payload>, gcPoint: Lsn): number {
  if (gcPoint <= store.gcPoint || gcPoint > sclOf(store)) return 0;
  return coalesce(store, gcPoint, store.gcPoint);
}

/**
 * Full-segment repair from a block baseline (PROTOCOL §2.6, SIGMOD'18 §4.2): a peer that has
 * collected past this segment's SCL sends its base pages above that SCL and its baseline. The
 * segment takes the bases, moves its SCL up to the baseline (it now holds every record at or below
 * the GC point, inside a base page or in its own log) and coalesces its own older records with
 * them. Returns the number of own records dropped; does nothing if it is already at or past the
 * baseline.
 */
export function installBaseline<Payload>(store: SegmentStore<Payload>, baseline: Baseline, bases: readonly StoredRecord<Payload>[]): number {
  if (baseline.gcPoint <= store.gcPoint || sclOf(store) >= baseline.gcPoint) return 0;
  for (const base of bases) {
    if (base.pg !== store.pg || base.lsn > baseline.gcPoint || isAnnulled(base, store.truncations)) continue;
    if (store.records[base.lsn] === undefined) insertAscending(store.lsns, base.lsn);
    store.records[base.lsn] = base;
    const latest = store.latestByBlock[base.blockId];
    if (latest === undefined || latest < base.lsn) store.latestByBlock[base.blockId] = base.lsn;
  }
  store.chain = createSclState(baseline.lastPgLsnAtGc);
  for (const l of store.lsns) {
    if (l > store.chain.scl) receiveRecord(store.chain, store.records[l] as StoredRecord);
  }
  const dropped = coalesce(store, baseline.gcPoint, LSN_ZERO);
  if (store.lastPgLsnAtGc < baseline.lastPgLsnAtGc) store.lastPgLsnAtGc = baseline.lastPgLsnAtGc;
  return dropped;
}

/** Coalesces the blocks with records in (fromLsn, gcPoint] into base records at gcPoint. */
function coalesce<Payload>(store: SegmentStore<Payload>, gcPoint: Lsn, fromLsn: Lsn): number {
  const end = upperBound(store.lsns, gcPoint);
  const start = upperBound(store.lsns, fromLsn);
  const baseByBlock: Record<number, Lsn> = {};
  for (let i = start; i < end; i++) {
    const record = store.records[store.lsns[i] as Lsn] as StoredRecord<Payload>;
    if (baseByBlock[record.blockId] !== undefined) continue;
    const chain = blockChainAt(store, record.blockId, gcPoint);
    const head = chain[0] as StoredRecord<Payload>;
    const page: PagePayload = { kind: 'page', values: materializePage(chain) };
    store.records[head.lsn] = { ...head, prevBlockLsn: LSN_ZERO, payload: page as unknown as Payload };
    baseByBlock[record.blockId] = head.lsn;
  }
  let dropped = 0;
  const kept: Lsn[] = [];
  for (let i = 0; i < end; i++) {
    const l = store.lsns[i] as Lsn;
    const record = store.records[l] as StoredRecord<Payload>;
    const base = baseByBlock[record.blockId];
    if (base === undefined || base === l) kept.push(l);
    else {
      delete store.records[l];
      dropped++;
    }
  }
  store.lastPgLsnAtGc = (store.lsns[end - 1] ?? store.lastPgLsnAtGc) as Lsn;
  store.lsns = end === 0 ? store.lsns : kept.concat(store.lsns.slice(end));
  store.gcPoint = gcPoint;
  return dropped;
}

/** The base records (whole pages) at or below the GC point above `afterLsn`, ascending. */
export function basesAbove<Payload>(store: SegmentStore<Payload>, afterLsn: Lsn): StoredRecord<Payload>[] {
  const result: StoredRecord<Payload>[] = [];
  for (let i = upperBound(store.lsns, afterLsn); i < store.lsns.length; i++) {
    const l = store.lsns[i] as Lsn;
    if (l > store.gcPoint) break;
    result.push(store.records[l] as StoredRecord<Payload>);
  }
  return result;
}
