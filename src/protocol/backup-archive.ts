/**
 * What the object store holds of one protection group: the continuous backup (docs/protocol.md
 * §10, continuous backup; SIGMOD'17 §3.3 step 6: segments "periodically stage log and new pages to
 * S3"). A pure value, updated by functions that return a new one and never write into the one
 * they were given (the object store statechart keeps it in its context).
 *
 * The reading (docs/protocol.md §13, B1):
 * - **staged log**: segments put the PG's records above the store's staged point, up to their SCL,
 *   with the truncation ranges they hold. The staged point is a complete prefix of the PG's log:
 *   a put is taken only from the staged point on, so the PG's records at or below it are all here.
 * - **page snapshots**: every snapshot period the store coalesces the staged log since the last
 *   snapshot into one base page per block, as garbage collection does in a segment. A restore
 *   starts from the newest snapshot at or below its point and replays the log above it.
 * - **retention**: what no restore inside the retention window can need is dropped: snapshots
 *   older than the newest one taken before the window opened, and the log at or below it.
 *
 * Sizes: a base page counts as one database page (16 KiB, the InnoDB page size) and a log record
 * as a 64-byte header plus its key and value; the transfer times of staging and restoring follow
 * from them (docs/semantics.md, "Backup and restore").
 */
import type { Lsn, VolumeEpoch } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { PagePayload } from './pages.js';
import type { StoredRecord, TruncationRange } from './recovery.js';
import { addTruncation, isAnnulled } from './recovery.js';

/** Bytes of one base page in a snapshot: a whole database page (InnoDB's 16 KiB). */
export const PAGE_BYTES = 16 * 1024;
/** Bytes of a log record's header, before its payload. */
export const RECORD_HEADER_BYTES = 64;

/** One put of the staged log: a run of the PG's records. */
export interface StagedObject {
  /** The staged point the put continued from: every record of the PG at or below it came earlier. */
  readonly afterLsn: Lsn;
  /** The staged point after it. */
  readonly throughLsn: Lsn;
  /** The store's clock when it was taken. */
  readonly stagedAtMs: number;
  readonly bytes: number;
  /** The records in (afterLsn, throughLsn], ascending (shared with the segment that sent them). */
  readonly records: readonly StoredRecord[];
}

/** The PG's pages at one LSN: one base record per block, as garbage collection leaves them. */
export interface PageSnapshot {
  readonly lsn: Lsn;
  /** The PG's last record at or below `lsn`: where a restored segment's SCL chain resumes. */
  readonly lastPgLsn: Lsn;
  readonly atMs: number;
  /** Block id → its base record (payload: the whole page). */
  readonly bases: Readonly<Record<number, StoredRecord>>;
  /** The whole PG's pages: what a restore from this snapshot transfers. */
  readonly bytes: number;
  /**
   * The pages written since the previous snapshot: what this one adds to backup storage, since
   * the store shares every unchanged page with the snapshot before (backups are incremental).
   */
  readonly newBytes: number;
}

/** One PG's backup. */
export interface PgBackup {
  /** Every record of the PG at or below it is held (in a snapshot or the staged log). */
  readonly stagedLsn: Lsn;
  /** The store's clock when `stagedLsn` last moved. */
  readonly stagedAtMs: number;
  /** Every truncation range a stager held: a restore filters the staged log by them (R2). */
  readonly truncations: readonly TruncationRange[];
  /** The highest volume epoch of any record or range staged. */
  readonly maxVolumeEpoch: VolumeEpoch;
  /** Ascending by LSN; the first is the oldest a restore may start from. */
  readonly snapshots: readonly PageSnapshot[];
  /** Ascending; only what lies above the oldest snapshot. */
  readonly log: readonly StagedObject[];
  /** Bytes of the staged log kept now. */
  readonly logBytes: number;
}

/** The backup of a PG nothing was staged for: the empty volume, at LSN 0. */
export function emptyPgBackup(): PgBackup {
  return {
    stagedLsn: LSN_ZERO,
    stagedAtMs: 0,
    truncations: [],
    maxVolumeEpoch: 1 as VolumeEpoch,
    snapshots: [{ lsn: LSN_ZERO, lastPgLsn: LSN_ZERO, atMs: 0, bases: {}, bytes: 0, newBytes: 0 }],
    log: [],
    logBytes: 0,
  };
}

/** The modelled size of a log record (see the file header). */
export function recordBytes(record: { readonly payload?: unknown }): number {
  const payload = record.payload as { kind?: string; key?: string; value?: string } | undefined;
  if (payload?.kind === 'page') return PAGE_BYTES;
  return RECORD_HEADER_BYTES + (payload?.key?.length ?? 0) + (payload?.value?.length ?? 0);
}

/** What one put did: the new backup and what it took. */
export interface StageResult {
  readonly backup: PgBackup;
  readonly records: number;
  readonly bytes: number;
}

/**
 * Takes a put of `records` in (afterLsn, throughLsn] (SIGMOD'17 §3.3 step 6). Stagers put only
 * records at or below a VDL some writer reached (models/segment.machine.ts), which no truncation
 * range learned later can annul: page snapshots coalesce the staged log on that premise. A put that starts
 * above the staged point would leave a hole and is refused (nothing taken); the part of a put at
 * or below the staged point is already held and skipped, so puts are idempotent and two stagers
 * racing each other do no harm.
 */
export function stageRecords(
  backup: PgBackup,
  put: { afterLsn: Lsn; throughLsn: Lsn; records: readonly StoredRecord[]; truncations: readonly TruncationRange[] },
  atMs: number,
): StageResult {
  let truncations = backup.truncations;
  let maxVolumeEpoch = backup.maxVolumeEpoch;
  for (const range of put.truncations) {
    truncations = addTruncation(truncations, range);
    if (range.volumeEpoch > maxVolumeEpoch) maxVolumeEpoch = range.volumeEpoch;
  }
  const learned = truncations === backup.truncations ? backup : { ...backup, truncations, maxVolumeEpoch };
  if (put.afterLsn > backup.stagedLsn || put.throughLsn <= backup.stagedLsn) return { backup: learned, records: 0, bytes: 0 };
  const records = put.records.filter((record) => record.lsn > backup.stagedLsn && record.lsn <= put.throughLsn);
  let bytes = 0;
  for (const record of records) {
    bytes += recordBytes(record);
    if (record.volumeEpoch > maxVolumeEpoch) maxVolumeEpoch = record.volumeEpoch;
  }
  const object: StagedObject = { afterLsn: backup.stagedLsn, throughLsn: put.throughLsn, stagedAtMs: atMs, bytes, records };
  return {
    backup: { ...learned, maxVolumeEpoch, stagedLsn: put.throughLsn, stagedAtMs: atMs, log: [...backup.log, object], logBytes: backup.logBytes + bytes },
    records: records.length,
    bytes,
  };
}

/** The staged, non-annulled records in (afterLsn, throughLsn], ascending. */
function loggedBetween(backup: PgBackup, afterLsn: Lsn, throughLsn: Lsn): StoredRecord[] {
  const out: StoredRecord[] = [];
  for (const object of backup.log) {
    if (object.throughLsn <= afterLsn || object.afterLsn >= throughLsn) continue;
    for (const record of object.records) {
      if (record.lsn > afterLsn && record.lsn <= throughLsn && !isAnnulled(record, backup.truncations)) out.push(record);
    }
  }
  return out;
}

/** The newest snapshot at or below `lsn`, or undefined when retention dropped it. */
function snapshotAtOrBelow(backup: PgBackup, lsn: Lsn): PageSnapshot | undefined {
  let found: PageSnapshot | undefined;
  for (const snapshot of backup.snapshots) if (snapshot.lsn <= lsn) found = snapshot;
  return found;
}

/** The KV values a base record carries. */
function pageValues(base: StoredRecord | undefined): Readonly<Record<string, string>> {
  const payload = base?.payload as PagePayload | undefined;
  return payload?.kind === 'page' ? payload.values : {};
}

/**
 * Coalesces the staged log above the newest snapshot into a new snapshot at the staged point
 * (the store's compaction; docs/protocol.md §13, B1). Blocks untouched since share their base
 * record with the previous snapshot. The same backup when nothing was staged since.
 */
export function takeSnapshot(backup: PgBackup, atMs: number): PgBackup {
  const previous = backup.snapshots[backup.snapshots.length - 1] as PageSnapshot;
  if (backup.stagedLsn <= previous.lsn) return backup;
  const snapshot = coalesceOnto(previous, loggedBetween(backup, previous.lsn, backup.stagedLsn), backup.stagedLsn, atMs);
  return { ...backup, snapshots: [...backup.snapshots, snapshot] };
}

/**
 * The PG's pages as of `lsn` as a snapshot of their own (a manual snapshot, docs/protocol.md §10):
 * the newest snapshot at or below it with the staged log up to it coalesced in. It shares nothing
 * that retention drops later. Refused like a restore.
 */
export function snapshotAt(backup: PgBackup, lsn: Lsn, atMs: number): PageSnapshot | { refused: RestoreRefusal } {
  if (lsn > backup.stagedLsn) return { refused: 'notStaged' };
  const start = snapshotAtOrBelow(backup, lsn);
  if (start === undefined) return { refused: 'beforeRetention' };
  return coalesceOnto(start, loggedBetween(backup, start.lsn, lsn), lsn, atMs);
}

/** What a restore from a snapshot taken by {@link snapshotAt} transfers: its pages, no log. */
export function imageOfSnapshot(snapshot: PageSnapshot): RestoreImage {
  return { bases: Object.values(snapshot.bases).sort((a, b) => a.lsn - b.lsn), baseline: { gcPoint: snapshot.lsn, lastPgLsnAtGc: snapshot.lastPgLsn }, records: [], bytes: snapshot.bytes };
}

/** `previous` with `records` (its PG's, ascending, above it and up to `lsn`) coalesced in: a snapshot at `lsn`. */
function coalesceOnto(previous: PageSnapshot, records: readonly StoredRecord[], lsn: Lsn, atMs: number): PageSnapshot {
  const bases: Record<number, StoredRecord> = { ...previous.bases };
  let bytes = previous.bytes;
  const touched: Record<number, Record<string, string>> = {};
  for (const record of records) {
    const payload = record.payload as { kind?: string; key?: string; value?: string; values?: Record<string, string> } | undefined;
    if (touched[record.blockId] === undefined) {
      if (bases[record.blockId] === undefined) bytes += PAGE_BYTES;
      touched[record.blockId] = { ...pageValues(bases[record.blockId]) };
    }
    const values = touched[record.blockId] as Record<string, string>;
    if (payload?.kind === 'page') touched[record.blockId] = { ...(payload.values ?? {}) };
    else if (payload?.kind === 'put' && payload.key !== undefined && payload.value !== undefined) values[payload.key] = payload.value;
    const page: PagePayload = { kind: 'page', values: touched[record.blockId] as Record<string, string> };
    bases[record.blockId] = { ...record, prevBlockLsn: LSN_ZERO, payload: page };
  }
  const lastPgLsn = records.length === 0 ? previous.lastPgLsn : (records[records.length - 1] as StoredRecord).lsn;
  return { lsn, lastPgLsn, atMs, bases, bytes, newBytes: Object.keys(touched).length * PAGE_BYTES };
}

/**
 * Drops what no restore to a point staged at or after `cutoffMs` needs (the retention window): the
 * newest snapshot taken at or before the cutoff stays as the oldest start, with everything after
 * it. A point staged after the cutoff lies above that snapshot, so it is still restorable.
 */
export function pruneBefore(backup: PgBackup, cutoffMs: number): PgBackup {
  let keepFrom = 0;
  for (let index = 0; index < backup.snapshots.length; index++) if ((backup.snapshots[index] as PageSnapshot).atMs <= cutoffMs) keepFrom = index;
  if (keepFrom === 0) return backup;
  const snapshots = backup.snapshots.slice(keepFrom);
  const oldest = (snapshots[0] as PageSnapshot).lsn;
  const log = backup.log.filter((object) => object.throughLsn > oldest);
  const logBytes = log.reduce((sum, object) => sum + object.bytes, 0);
  return { ...backup, snapshots, log, logBytes };
}

/**
 * Backup storage the PG holds: the staged log, plus the snapshots — the oldest in full, each later
 * one by the pages it changed (the rest are shared).
 */
export function retainedBytes(backup: PgBackup): { log: number; snapshots: number } {
  let snapshots = 0;
  for (const [index, snapshot] of backup.snapshots.entries()) snapshots += index === 0 ? snapshot.bytes : snapshot.newBytes;
  return { log: backup.logBytes, snapshots };
}

/** The lowest LSN a restore of this PG can start from: its oldest snapshot's. */
export function earliestRestorableLsn(backup: PgBackup): Lsn {
  return (backup.snapshots[0] as PageSnapshot).lsn;
}

/** What a restored segment of the PG is built from, at one LSN. */
export interface RestoreImage {
  /** The base pages of the snapshot the restore starts from (LSN ≤ `baseline.gcPoint`). */
  readonly bases: readonly StoredRecord[];
  readonly baseline: { readonly gcPoint: Lsn; readonly lastPgLsnAtGc: Lsn };
  /** The staged, non-annulled records above the snapshot, up to the restore point. */
  readonly records: readonly StoredRecord[];
  readonly bytes: number;
}

/** Why a PG cannot be restored to a point (or from a manual snapshot the store does not hold). */
export type RestoreRefusal = 'notStaged' | 'beforeRetention' | 'noSuchSnapshot';

/**
 * The PG as of `throughLsn`: the newest snapshot at or below it and the staged log above that, up
 * to it. Refused when the PG is not staged that far, or retention dropped every start below it.
 */
export function restoreImage(backup: PgBackup, throughLsn: Lsn): RestoreImage | { refused: RestoreRefusal } {
  if (throughLsn > backup.stagedLsn) return { refused: 'notStaged' };
  const snapshot = snapshotAtOrBelow(backup, throughLsn);
  if (snapshot === undefined) return { refused: 'beforeRetention' };
  const bases = Object.values(snapshot.bases).sort((a, b) => a.lsn - b.lsn);
  const records = loggedBetween(backup, snapshot.lsn, throughLsn);
  const bytes = snapshot.bytes + records.reduce((sum, record) => sum + recordBytes(record), 0);
  return { bases, baseline: { gcPoint: snapshot.lsn, lastPgLsnAtGc: snapshot.lastPgLsn }, records, bytes };
}
