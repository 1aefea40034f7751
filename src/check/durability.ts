/**
 * S6 "no lost acknowledged commit", read back from storage (docs/protocol.md §12, S6): every commit
 * the writer acknowledged — its commit record and each of its puts — must be readable through every
 * read quorum of its PG, judged only on what the segments persisted, never on the writer's memory.
 *
 * The core test. A record is "present in the union of every read quorum" iff the set H of
 * segments holding it meets every set that satisfies the read predicate R. Its negation is "some
 * read quorum Q lies inside N", where N is the listed segments outside H. R is monotone (every
 * constructor in `quorum.ts` guarantees it), so a satisfying Q ⊆ N exists iff N itself satisfies
 * R. Hence
 *
 *     present  ⟺  ¬R(N)                                   ({@link heldByEveryReadQuorum})
 *
 * one predicate evaluation per record instead of enumerating up to 2^n quorums. The property
 * test in `test/check/durability.prop.test.ts` pins this against brute-force enumeration.
 *
 * Judgement calls:
 * - read quorums are formed from the segments listed for the PG (the caller lists every segment
 *   of it, available or not); a predicate member that is not listed holds nothing and joins no
 *   quorum;
 * - `available` only decides `unavailablePgs`; durability is judged on every listed segment's data;
 * - truncation ranges are volume-wide (recovery writes each to every PG, and the metadata service
 *   stores it first), so a record is annulled if a range held by *any* segment annuls it;
 * - a put is matched by (txnId, key, value) on the key's PG, the commit record by (txnId, LSN,
 *   isCommit) on the commit PG; two puts of one transaction with equal key and value are one;
 * - a segment holds every record of a transaction whose commit LSN is at or below its GC point:
 *   it held them all when it coalesced them into base pages (a GC point never passes the SCL), and
 *   a transaction's puts and commit record form one MTR, which a GC point never splits from below
 *   (the commit record is its last). What the base pages say is judged by S14.
 *
 * Cost: instead of a lookup set per segment, the acknowledged records are indexed once (by PG,
 * then txnId) and every stored record is visited once with one map lookup; only records of an
 * acknowledged transaction go further. Holder sets are bit masks over the PG's listed segments
 * (at most `SEGMENTS_PER_PG_MAX`), and the verdict is computed once per distinct mask per
 * PG (≤ 64 for six segments). 20 PGs × 6 segments × 100k records (12M visits, 200k commits)
 * takes about 0.5–1 s on one core.
 */
import type { SegmentId } from '../protocol/ids.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import { satisfies } from '../protocol/quorum.js';
import type { StoredRecord, TruncationRange } from '../protocol/recovery.js';
import { isAnnulled } from '../protocol/recovery.js';
import type { PropertyResult } from './property.js';
import { FIRST_VIOLATIONS_KEPT } from './property.js';

/** The property name, as results report it. */
export const NO_LOST_ACKNOWLEDGED_COMMIT = 'no lost acknowledged commit';

/** Holder sets are 31-bit masks. */
export const SEGMENTS_PER_PG_MAX = 31;

/** What the workload writes: a key's new value, or a transaction's commit. */
export type CommitPayload =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'commit'; readonly txnId: number };

/** One segment's persisted state, as read back at the end of a run. */
export interface DurabilitySegment {
  readonly id: string;
  /** Whether it can answer now; decides only `unavailablePgs`. */
  readonly available: boolean;
  readonly records: readonly StoredRecord<CommitPayload>[];
  readonly truncations: readonly TruncationRange[];
  /** Its GC point: every PG record at or below it is held, inside base pages. @defaultValue 0 */
  readonly gcPoint?: number;
}

/** One PG: its read quorum and every one of its segments. */
export interface DurabilityPg {
  readonly pg: number;
  readonly read: QuorumPredicate;
  readonly segments: readonly DurabilitySegment[];
}

/** A commit the writer acknowledged to a client (from commitAck observations). */
export interface AcknowledgedCommit {
  readonly txnId: number;
  readonly commitLsn: number;
  readonly puts: readonly { readonly key: string; readonly value: string }[];
}

/** Input to {@link checkAcknowledgedCommits}. */
export interface DurabilityInput {
  readonly pgs: readonly DurabilityPg[];
  readonly commits: readonly AcknowledgedCommit[];
  /** The PG a key's records go to. */
  readonly pgOfKey: (key: string) => number;
  /** The PG a transaction's commit record goes to. */
  readonly commitPgOf: (txnId: number) => number;
}

/** One record of an acknowledged commit that some read quorum cannot see. */
export interface LostCommit {
  readonly txnId: number;
  /** Which record, on which PG, who holds it and who does not, with the numbers. */
  readonly missing: string;
}

/** The verdict of {@link checkAcknowledgedCommits}. */
export interface DurabilityReport {
  /** Acknowledged commits checked. */
  readonly checked: number;
  /** One entry per missing record (a commit may have several). */
  readonly lost: readonly LostCommit[];
  /** PGs whose available segments do not satisfy the read predicate, ascending. */
  readonly unavailablePgs: readonly number[];
}

/**
 * True iff every set satisfying the monotone predicate `read` contains a holder — equivalently,
 * the non-holders do not satisfy `read` (see the file header). Segments outside `universe` hold
 * nothing and join no quorum; without `universe`, every segment counts.
 */
export function heldByEveryReadQuorum(
  read: QuorumPredicate,
  isHolder: (segment: SegmentId) => boolean,
  universe?: (segment: SegmentId) => boolean,
): boolean {
  const inUniverse = universe ?? (() => true);
  return !satisfies(read, (segment) => inUniverse(segment) && !isHolder(segment));
}

/** One record we look for, and the segments (bit mask) found holding it. Plain data: no closures. */
interface Wanted {
  readonly txnId: number;
  readonly pg: number;
  readonly kind: 'commit' | 'put';
  /** The transaction's commit LSN: the LSN of the commit record. */
  readonly commitLsn: number;
  /** The put's key and value (empty for the commit record). */
  readonly key: string;
  readonly value: string;
  holders: number;
}

/** True iff `record` (already known to be of the item's transaction and PG) is the wanted one. */
function isWanted(item: Wanted, record: StoredRecord<CommitPayload>): boolean {
  if (item.kind === 'commit') return record.isCommit && record.lsn === item.commitLsn;
  const payload = record.payload;
  return payload !== undefined && payload.kind === 'put' && payload.key === item.key && payload.value === item.value;
}

/** How messages name a wanted record. */
function describeWanted(item: Wanted): string {
  return item.kind === 'commit'
    ? `commit record LSN ${item.commitLsn} of txn ${item.txnId}`
    : `put ${item.key}=${item.value} of txn ${item.txnId}`;
}

/** Every wanted record, by PG, then transaction id. */
function indexWanted(input: DurabilityInput): { byPg: Map<number, Map<number, Wanted[]>>; all: Wanted[] } {
  const byPg = new Map<number, Map<number, Wanted[]>>();
  const all: Wanted[] = [];
  const want = (wanted: Wanted): void => {
    let byTxn = byPg.get(wanted.pg);
    if (byTxn === undefined) byPg.set(wanted.pg, (byTxn = new Map()));
    let items = byTxn.get(wanted.txnId);
    if (items === undefined) byTxn.set(wanted.txnId, (items = []));
    items.push(wanted);
    all.push(wanted);
  };
  for (const { txnId, commitLsn, puts } of input.commits) {
    want({ txnId, pg: input.commitPgOf(txnId), kind: 'commit', commitLsn, key: '', value: '', holders: 0 });
    for (const { key, value } of puts) want({ txnId, pg: input.pgOfKey(key), kind: 'put', commitLsn, key, value, holders: 0 });
  }
  return { byPg, all };
}

/**
 * Every distinct annulling range held by any segment of the volume. A backtrack's range hides and
 * annuls nothing (docs/protocol.md §10, backtrack): which commits a backtrack undid the caller
 * decides from its own account of the timeline, and leaves them out of the commits it asks for.
 */
function volumeTruncations(pgs: readonly DurabilityPg[]): TruncationRange[] {
  const byKey = new Map<string, TruncationRange>();
  for (const pg of pgs) {
    for (const segment of pg.segments) {
      for (const range of segment.truncations) if (range.hides !== true) byKey.set(`${range.volumeEpoch}:${range.fromLsn}:${range.toLsn}`, range);
    }
  }
  return [...byKey.values()];
}

/** Marks, for each wanted record of this PG, which segments hold it non-annulled. */
function scanPg(pg: DurabilityPg, wantedByTxn: Map<number, Wanted[]>, ranges: readonly TruncationRange[]): void {
  for (let index = 0; index < pg.segments.length; index += 1) {
    const bit = 1 << index;
    const segment = pg.segments[index] as DurabilitySegment;
    const gcPoint = segment.gcPoint ?? 0;
    if (gcPoint > 0) {
      // Unless a truncation range annulled it first: a range's LSNs are never allocated again
      // (S1b), so a commit inside one was written before it, and a later GC point does not bring
      // it back (a Global Database region that follows a new primary annuls above the new start).
      const annulled = (lsn: number): boolean => ranges.some((range) => lsn >= range.fromLsn && lsn <= range.toLsn);
      for (const items of wantedByTxn.values()) {
        for (const item of items) if (item.commitLsn <= gcPoint && !annulled(item.commitLsn)) item.holders |= bit;
      }
    }
    const records = segment.records;
    for (let r = 0; r < records.length; r += 1) {
      const record = records[r] as StoredRecord<CommitPayload>;
      if (record.txnId === undefined) continue;
      const items = wantedByTxn.get(record.txnId);
      if (items === undefined) continue;
      for (const item of items) {
        if ((item.holders & bit) !== 0 || !isWanted(item, record)) continue;
        if (ranges.length > 0 && isAnnulled(record, ranges)) continue;
        item.holders |= bit;
      }
    }
  }
}

/**
 * The verdict for each holder mask of one PG, computed once per distinct mask (at most 2^n, 64
 * for six segments): undefined if every read quorum holds a holder, else who holds and who not.
 */
function createMaskJudge(pg: DurabilityPg): (holders: number) => string | undefined {
  const ids = pg.segments.map((segment) => segment.id);
  const bitById = new Map<string, number>();
  ids.forEach((id, index) => bitById.set(id, 1 << index));
  const verdicts = new Map<number, string | undefined>();
  return (holders) => {
    if (verdicts.has(holders)) return verdicts.get(holders);
    const isHolder = (segment: string): boolean => ((bitById.get(segment) ?? 0) & holders) !== 0;
    let verdict: string | undefined;
    if (!heldByEveryReadQuorum(pg.read, isHolder, (segment) => bitById.has(segment))) {
      const held = ids.filter(isHolder);
      const others = ids.filter((id) => !isHolder(id));
      verdict =
        `held (not annulled) by ${held.length} of ${ids.length} segments [${held.join(', ')}]; ` +
        `the other ${others.length} [${others.join(', ')}] form a read quorum (expected it in every read quorum)`;
    }
    verdicts.set(holders, verdict);
    return verdict;
  };
}

/**
 * Checks that every acknowledged commit survives in every read quorum of its PGs, from the
 * segments' persisted records alone (see the file header for the test and its cost).
 * @throws RangeError if a PG lists more than `SEGMENTS_PER_PG_MAX` segments.
 */
export function checkAcknowledgedCommits(input: DurabilityInput): DurabilityReport {
  for (const pg of input.pgs) {
    if (pg.segments.length > SEGMENTS_PER_PG_MAX) {
      throw new RangeError(`PG ${pg.pg} lists ${pg.segments.length} segments; at most ${SEGMENTS_PER_PG_MAX} are supported`);
    }
  }
  const { byPg, all } = indexWanted(input);
  const ranges = volumeTruncations(input.pgs);
  for (const pg of input.pgs) {
    const wantedByTxn = byPg.get(pg.pg);
    if (wantedByTxn !== undefined) scanPg(pg, wantedByTxn, ranges);
  }
  const judges = new Map<number, (holders: number) => string | undefined>();
  for (const pg of input.pgs) judges.set(pg.pg, createMaskJudge(pg));
  const lost: LostCommit[] = [];
  for (const item of all) {
    const judge = judges.get(item.pg);
    const verdict = judge === undefined ? 'that PG is not in the input' : judge(item.holders);
    if (verdict !== undefined) lost.push({ txnId: item.txnId, missing: `${describeWanted(item)} on PG ${item.pg}: ${verdict}` });
  }
  const unavailablePgs = input.pgs
    .filter((pg) => !satisfies(pg.read, (segment) => pg.segments.some((s) => s.id === segment && s.available)))
    .map((pg) => pg.pg)
    .sort((a, b) => a - b);
  return { checked: input.commits.length, lost, unavailablePgs };
}

/**
 * The report as a property result. `atMs` stamps the violations: the virtual time the storage
 * was read back. @defaultValue atMs 0
 */
export function durabilityResult(report: DurabilityReport, atMs = 0): PropertyResult {
  return {
    name: NO_LOST_ACKNOWLEDGED_COMMIT,
    kind: 'always',
    ok: report.lost.length === 0,
    violations: report.lost.length,
    firstViolations: report.lost.slice(0, FIRST_VIOLATIONS_KEPT).map(({ missing }) => ({ atMs, message: missing })),
    vacuous: report.checked === 0,
  };
}
