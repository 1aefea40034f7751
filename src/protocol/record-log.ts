/**
 * A persistent log of records ordered by LSN: plain, immutable, structurally shared data. Every
 * update returns a new log and leaves the one it was given untouched, and the two share every
 * chunk the update did not touch.
 *
 * Layout: records sit in chunks of up to {@link CHUNK_RECORDS}, ascending by LSN. New records
 * almost always arrive above everything held (the writer alone allocates LSNs, monotonically,
 * SIGMOD'18 §2.1), so they go to the open `tail` chunk: an append copies that small chunk and
 * nothing else, at 1,000 records as at 1,000,000. A full tail is sealed into the two-level
 * `groups` directory, copying the last group (at most {@link GROUP_CHUNKS} chunk references) and
 * the list of groups (one reference per 4,096 records) once per {@link CHUNK_RECORDS} appends.
 * Sealed chunks are never written again: a record arriving below the highest LSN (gossip filling
 * a hole, SIGMOD'17 §3.3 step 4) copies the one chunk it joins, split past twice its size, and the
 * directory entries above it; a rewrite of an LSN range (truncation, garbage collection) rebuilds
 * only the chunks whose records change, merging ones left small, and shares the rest.
 *
 * A lookup by LSN is a binary search over group boundaries, then chunk boundaries, then within a
 * chunk. Arrays and records only (docs/architecture.md, "Code conventions" 1), so a log serialises
 * as JSON and deep-freezes.
 */
import type { Lsn } from './ids.js';

/** Records per chunk: the tail is sealed when full. */
export const CHUNK_RECORDS = 64;
/** Chunks per group of the sealed directory. */
export const GROUP_CHUNKS = 64;

/** What the log orders: anything with an LSN. */
export interface Sequenced {
  readonly lsn: Lsn;
}

type Chunk<R> = readonly R[];
type Group<R> = readonly Chunk<R>[];

/** See the file header. Neither a group nor a sealed chunk is ever empty. */
export interface RecordLog<R extends Sequenced> {
  /** Sealed chunks in groups, ascending; every record below every `tail` record. */
  readonly groups: readonly Group<R>[];
  /** The open chunk: at most {@link CHUNK_RECORDS} records. */
  readonly tail: Chunk<R>;
  /** Number of records held. */
  readonly count: number;
}

/** An empty log. */
export function emptyLog<R extends Sequenced>(): RecordLog<R> {
  return { groups: [], tail: [], count: 0 };
}

/** The record with the highest LSN, or undefined. */
export function lastRecord<R extends Sequenced>(log: RecordLog<R>): R | undefined {
  if (log.tail.length > 0) return log.tail[log.tail.length - 1];
  const group = log.groups[log.groups.length - 1];
  const chunk = group?.[group.length - 1];
  return chunk?.[chunk.length - 1];
}

/** Index of the last item whose first LSN is ≤ `lsn` (0 if none is), by binary search. */
function lastStartingAtOrBelow<T>(items: readonly T[], lsn: number, firstLsn: (item: T) => number): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (firstLsn(items[mid] as T) <= lsn) low = mid + 1;
    else high = mid;
  }
  return Math.max(0, low - 1);
}

/** Index of the first record in a chunk with LSN > `lsn`. */
function upperBound<R extends Sequenced>(chunk: Chunk<R>, lsn: number): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((chunk[mid] as R).lsn <= lsn) low = mid + 1;
    else high = mid;
  }
  return low;
}

const groupFirst = <R extends Sequenced>(group: Group<R>): number => ((group[0] as Chunk<R>)[0] as R).lsn;
const chunkFirst = <R extends Sequenced>(chunk: Chunk<R>): number => (chunk[0] as R).lsn;

/** Where a record with `lsn` is or would go: the tail (group -1), or a sealed group and chunk. */
function locate<R extends Sequenced>(log: RecordLog<R>, lsn: number): { group: number; chunk: number } {
  const { groups, tail } = log;
  if (groups.length === 0 || (tail.length > 0 && chunkFirst(tail) <= lsn)) return { group: -1, chunk: 0 };
  const group = lastStartingAtOrBelow(groups, lsn, groupFirst);
  return { group, chunk: lastStartingAtOrBelow(groups[group] as Group<R>, lsn, chunkFirst) };
}

function chunkAt<R extends Sequenced>(log: RecordLog<R>, at: { group: number; chunk: number }): Chunk<R> {
  return at.group < 0 ? log.tail : ((log.groups[at.group] as Group<R>)[at.chunk] as Chunk<R>);
}

/** The record at `lsn`, or undefined. O(log n). */
export function recordAtLsn<R extends Sequenced>(log: RecordLog<R>, lsn: number): R | undefined {
  const chunk = chunkAt(log, locate(log, lsn));
  const index = upperBound(chunk, lsn) - 1;
  const record = chunk[index];
  return record !== undefined && record.lsn === lsn ? record : undefined;
}

/**
 * A log holding `record`: appended if above everything held (copies the tail only), inserted in
 * its chunk otherwise (copies that chunk), replacing a record with the same LSN.
 */
export function putRecord<R extends Sequenced>(log: RecordLog<R>, record: R): RecordLog<R> {
  const last = lastRecord(log);
  if (last === undefined || last.lsn < record.lsn) {
    if (log.tail.length >= CHUNK_RECORDS) return { groups: sealChunk(log.groups, log.tail), tail: [record], count: log.count + 1 };
    const tail = log.tail.slice();
    tail.push(record);
    return { groups: log.groups, tail, count: log.count + 1 };
  }
  const at = locate(log, record.lsn);
  const chunk = chunkAt(log, at);
  const index = upperBound(chunk, record.lsn);
  const replaces = chunk[index - 1]?.lsn === record.lsn;
  const next = [...chunk.slice(0, replaces ? index - 1 : index), record, ...chunk.slice(index)];
  const count = log.count + (replaces ? 0 : 1);
  if (at.group < 0) {
    // The tail stays at most one chunk long: a full tail seals its lower part.
    if (next.length <= CHUNK_RECORDS) return { groups: log.groups, tail: next, count };
    return { groups: sealChunk(log.groups, next.slice(0, CHUNK_RECORDS)), tail: next.slice(CHUNK_RECORDS), count };
  }
  const group = log.groups[at.group] as Group<R>;
  const pieces = next.length > 2 * CHUNK_RECORDS ? [next.slice(0, CHUNK_RECORDS), next.slice(CHUNK_RECORDS)] : [next];
  const chunks = [...group.slice(0, at.chunk), ...pieces, ...group.slice(at.chunk + 1)];
  const groups = chunks.length > 2 * GROUP_CHUNKS ? [chunks.slice(0, GROUP_CHUNKS), chunks.slice(GROUP_CHUNKS)] : [chunks];
  return { groups: [...log.groups.slice(0, at.group), ...groups, ...log.groups.slice(at.group + 1)], tail: log.tail, count };
}

/** The directory with `chunk` sealed after everything in it. */
function sealChunk<R extends Sequenced>(groups: readonly Group<R>[], chunk: Chunk<R>): readonly Group<R>[] {
  const last = groups[groups.length - 1];
  if (last === undefined || last.length >= GROUP_CHUNKS) return [...groups, [chunk]];
  return [...groups.slice(0, -1), [...last, chunk]];
}

/**
 * Visits records with LSN > `afterLsn` in ascending order until `visit` returns false. Reads
 * only: the cost is the records visited plus O(log n) to find the first.
 */
export function forEachAbove<R extends Sequenced>(log: RecordLog<R>, afterLsn: number, visit: (record: R) => boolean | void): void {
  const start = locate(log, afterLsn);
  if (start.group >= 0) {
    for (let g = start.group; g < log.groups.length; g++) {
      const group = log.groups[g] as Group<R>;
      for (let c = g === start.group ? start.chunk : 0; c < group.length; c++) {
        const chunk = group[c] as Chunk<R>;
        for (let i = upperBound(chunk, afterLsn); i < chunk.length; i++) if (visit(chunk[i] as R) === false) return;
      }
    }
  }
  const { tail } = log;
  for (let i = upperBound(tail, afterLsn); i < tail.length; i++) if (visit(tail[i] as R) === false) return;
}

/** Records with LSN > `afterLsn`, ascending, at most `maxCount`. */
export function recordsAfter<R extends Sequenced>(log: RecordLog<R>, afterLsn: number, maxCount: number): R[] {
  const result: R[] = [];
  if (maxCount <= 0) return result;
  forEachAbove(log, afterLsn, (record) => result.push(record) < maxCount);
  return result;
}

/** The record with the highest LSN ≤ `lsn`, or undefined. */
export function lastAtOrBelow<R extends Sequenced>(log: RecordLog<R>, lsn: number): R | undefined {
  // `locate` finds the chunk whose first record is the last at or below `lsn`; only below the
  // log's first record is there none.
  const chunk = chunkAt(log, locate(log, lsn));
  return chunk[upperBound(chunk, lsn) - 1];
}

/**
 * Rewrites the records with LSN in [fromLsn, toLsn]: `rewrite` returns the record unchanged (the
 * same object), a replacement with the same LSN, or undefined to drop it. Chunks and groups with
 * no change are shared; changed ones are rebuilt, and small neighbours merged so the log does not
 * fragment after garbage collection. Returns the same log if nothing changed.
 */
export function rewriteRange<R extends Sequenced>(log: RecordLog<R>, fromLsn: number, toLsn: number, rewrite: (record: R) => R | undefined): RecordLog<R> {
  let removed = 0;
  let changed = false;
  const groups: Group<R>[] = [];
  for (const group of log.groups) {
    const last = group[group.length - 1] as Chunk<R>;
    if (groupFirst(group) > toLsn || (last[last.length - 1] as R).lsn < fromLsn) {
      groups.push(group);
      continue;
    }
    const chunks = group.map((chunk) => rewriteChunk(chunk, fromLsn, toLsn, rewrite));
    if (chunks.every((chunk, i) => chunk === group[i])) {
      groups.push(group);
      continue;
    }
    changed = true;
    chunks.forEach((chunk, i) => (removed += (group[i] as Chunk<R>).length - chunk.length));
    const merged = mergeSmall(chunks.filter((chunk) => chunk.length > 0), CHUNK_RECORDS, (chunk) => chunk.length, (a, b) => [...a, ...b]);
    if (merged.length > 0) groups.push(merged);
  }
  const tail = rewriteChunk(log.tail, fromLsn, toLsn, rewrite);
  if (!changed && tail === log.tail) return log;
  removed += log.tail.length - tail.length;
  const directory = changed ? mergeSmall(groups, GROUP_CHUNKS, (group) => group.length, (a, b) => [...a, ...b]) : log.groups;
  return { groups: directory, tail, count: log.count - removed };
}

/** The chunk with its records in [fromLsn, toLsn] rewritten; the same chunk if none changed. */
function rewriteChunk<R extends Sequenced>(chunk: Chunk<R>, fromLsn: number, toLsn: number, rewrite: (record: R) => R | undefined): Chunk<R> {
  let next: R[] | undefined;
  for (let i = upperBound(chunk, fromLsn - 1); i < chunk.length; i++) {
    const record = chunk[i] as R;
    if (record.lsn > toLsn) break;
    const kept = rewrite(record);
    if (kept === record && next === undefined) continue;
    next ??= chunk.slice(0, i);
    if (kept !== undefined) next.push(kept);
  }
  if (next === undefined) return chunk;
  for (let i = upperBound(chunk, toLsn); i < chunk.length; i++) next.push(chunk[i] as R);
  return next;
}

/**
 * Merges neighbours whose sizes add up to at most `limit` when one of them is under half of it,
 * keeping full items (and their sharing) as they are.
 */
function mergeSmall<T>(items: readonly T[], limit: number, size: (item: T) => number, join: (a: T, b: T) => T): T[] {
  const result: T[] = [];
  for (const item of items) {
    const previous = result[result.length - 1];
    const small = previous !== undefined && (size(previous) < limit / 2 || size(item) < limit / 2);
    if (previous !== undefined && small && size(previous) + size(item) <= limit) result[result.length - 1] = join(previous, item);
    else result.push(item);
  }
  return result;
}
