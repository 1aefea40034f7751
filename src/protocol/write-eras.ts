/**
 * Write eras: may a PG start counting on a new read quorum? (docs/protocol.md §8, membership
 * changes; §12, S15; §13, M3.)
 *
 * Every configuration a PG has been in is a *write era*: records made durable while it was in
 * force met its write predicate, and all of them have LSNs at or below the highest LSN the writer
 * had allocated for the PG when the era ended (`lastLsn`; later records were written under a later
 * configuration). A read quorum is sound for the PG iff every read set meets, for every era,
 * either
 * - every write set of that era (the structural Vr + Vw > V overlap, SIGMOD'17 §2.1), or
 * - a *caught-up* member: one whose SCL is at least the era's `lastLsn`, so it holds every PG
 *   record the era could have made durable (SCL covers the whole PG chain, SIGMOD'18 §2.3).
 *
 * Why the second clause: the structural overlap fails exactly where a change needs data to move
 * first. Replacing F by G, an old 4/6(ABCDEF) write on CDEF misses the read set ABG of
 * 3/6(ABCDEG) unless A, B or G holds it. Degrading 4/6(ABCDEF) to 3/4(ABCD) (M3), a record made
 * durable on ABEF sits on only two of ABCD, and the 2/4 read set CD misses it — unless C or D has
 * caught up to the point where the old model ended. The check is brute force over minimal sets
 * (≤ 10 members); a caught-up member holds everything of the era, so any read set containing one
 * sees every durable record of it, whatever its write set was.
 *
 * Invariant used by both the writer (before it proposes a configuration) and the S15 judge
 * (with SCLs from the segments' own `persisted` observations).
 */
import type { Lsn, SegmentId } from './ids.js';
import { LSN_ZERO } from './ids.js';
import type { QuorumPredicate } from './quorum.js';
import { minimalSets } from './quorum.js';

/** One configuration's time in force, as far as durability goes. */
export interface WriteEra {
  /** The configuration's write predicate. */
  readonly write: QuorumPredicate;
  /** Highest LSN of the PG allocated while it was in force (when the next one took over). */
  readonly lastLsn: Lsn;
}

/** A read set that could miss a durable record of an era, and a write set that shows how. */
export interface UnseenWrite {
  /** Index of the era in the list given. */
  readonly era: number;
  readonly readSet: readonly SegmentId[];
  readonly writeSet: readonly SegmentId[];
}

/**
 * The first read set of `read` that could miss a durable record of one of `eras`: it shares no
 * segment with some write set of the era and holds no member caught up to the era's `lastLsn`.
 * Undefined iff `read` sees every era (see the file header).
 */
export function unseenWrite(
  eras: readonly WriteEra[],
  read: QuorumPredicate,
  sclBySegment: Readonly<Record<string, Lsn>>,
): UnseenWrite | undefined {
  const readSets = minimalSets(read);
  for (const [index, era] of eras.entries()) {
    const caughtUp = (segment: SegmentId): boolean => (sclBySegment[segment] ?? LSN_ZERO) >= era.lastLsn;
    const blind = readSets.filter((readSet) => !readSet.some(caughtUp));
    if (blind.length === 0) continue;
    for (const writeSet of minimalSets(era.write)) {
      const readSet = blind.find((candidate) => !candidate.some((segment) => writeSet.includes(segment)));
      if (readSet !== undefined) return { era: index, readSet, writeSet };
    }
  }
  return undefined;
}

/** True iff every read set of `read` sees every durable record of every era. */
export function readSeesEveryEra(
  eras: readonly WriteEra[],
  read: QuorumPredicate,
  sclBySegment: Readonly<Record<string, Lsn>>,
): boolean {
  return unseenWrite(eras, read, sclBySegment) === undefined;
}
