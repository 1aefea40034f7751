/**
 * Quorum predicates as a small serialisable tree, and the arithmetic built on them.
 *
 * Aurora never hard-codes "4 of 6": a PG's write and read quorums are Boolean combinations of
 * k-of-n clauses over named segments, so membership changes (SIGMOD'18 §4.1) and full/tail
 * segments (SIGMOD'18 §4.2) are just different trees. A tree is plain data (docs/architecture.md,
 * "Code conventions" 1): it can be frozen, hashed for the explorer and written into a trace.
 *
 * Invariants: every constructor rejects an empty or unsatisfiable clause (k < 1, k > members,
 * duplicate members), so every predicate here is monotone — adding acks never turns it false.
 * The brute-force checks (`satisfyingSets`, `quorumsIntersect`) rely on that monotonicity.
 */
import type { Lsn, SegmentId } from './ids.js';
import { LSN_ZERO } from './ids.js';

/** `k` distinct acks among `members` (docs/protocol.md §2, quorums: 4/6 write, 3/6 read). */
export interface KOfN {
  readonly kind: 'kOfN';
  /** How many of `members` must ack; 1 ≤ k ≤ members.length. */
  readonly k: number;
  /** Distinct segment ids. */
  readonly members: readonly SegmentId[];
}

/** Every term must hold (SIGMOD'18 §4.1: a write during a membership change). */
export interface AndPredicate {
  readonly kind: 'and';
  readonly terms: readonly QuorumPredicate[];
}

/** Some term must hold (SIGMOD'18 §4.1: a read during a membership change). */
export interface OrPredicate {
  readonly kind: 'or';
  readonly terms: readonly QuorumPredicate[];
}

/** A monotone quorum predicate over segment ids (docs/protocol.md §8, membership changes "simulation encoding"). */
export type QuorumPredicate = KOfN | AndPredicate | OrPredicate;

/**
 * The segments that acked, in whichever form the caller already holds.
 *
 * An array is fine for a PG (≤ 8 members, so `includes` beats hashing); a record
 * `{ [segmentId]: true }` or a function avoids any conversion on the per-ack hot path. A `Set` is
 * accepted for convenience in tests, but must not be kept in protocol state (docs/architecture.md,
 * "Code conventions" 1).
 */
export type AckSet =
  | readonly SegmentId[]
  | ReadonlySet<SegmentId>
  | Readonly<Record<string, boolean>>
  | ((segment: SegmentId) => boolean);

/** Brute-force checks enumerate 2^members subsets; 10 members is 1,024 subsets. */
export const BRUTE_FORCE_MEMBERS_MAX = 10;

/**
 * Builds a k-of-n clause.
 *
 * @throws RangeError if `k` is not an integer in 1..members.length or a member repeats — such a
 *   clause is either vacuous (k = 0 intersects nothing) or can never be met.
 */
export function kOfN(k: number, members: readonly SegmentId[]): KOfN {
  if (!Number.isInteger(k) || k < 1 || k > members.length) {
    throw new RangeError(`kOfN needs 1 <= k <= ${members.length} members, got k=${k}`);
  }
  if (new Set(members).size !== members.length) {
    throw new RangeError(`kOfN members must be distinct, got [${members.join(', ')}]`);
  }
  return { kind: 'kOfN', k, members: [...members] };
}

/** Builds the conjunction of `terms` (at least one). */
export function and(...terms: QuorumPredicate[]): AndPredicate {
  if (terms.length === 0) throw new RangeError('and() needs at least one term');
  return { kind: 'and', terms };
}

/** Builds the disjunction of `terms` (at least one). */
export function or(...terms: QuorumPredicate[]): OrPredicate {
  if (terms.length === 0) throw new RangeError('or() needs at least one term');
  return { kind: 'or', terms };
}

/** Turns any {@link AckSet} form into a membership test, without copying. */
function membershipOf(acks: AckSet): (segment: SegmentId) => boolean {
  if (typeof acks === 'function') return acks;
  if (Array.isArray(acks)) return (segment) => acks.includes(segment);
  if (acks instanceof Set) return (segment) => acks.has(segment);
  const table = acks as Readonly<Record<string, boolean>>;
  return (segment) => table[segment] === true;
}

/** Evaluates a predicate against a membership test; k-of-n clauses stop as soon as decided. */
function holds(predicate: QuorumPredicate, has: (segment: SegmentId) => boolean): boolean {
  switch (predicate.kind) {
    case 'kOfN': {
      // A hand-built (e.g. deserialised) 0-of-n clause is trivially met.
      if (predicate.k <= 0) return true;
      let count = 0;
      let missesLeft = predicate.members.length - predicate.k;
      for (const member of predicate.members) {
        if (has(member)) {
          count += 1;
          if (count >= predicate.k) return true;
        } else {
          missesLeft -= 1;
          if (missesLeft < 0) return false;
        }
      }
      return false;
    }
    case 'and':
      return predicate.terms.every((term) => holds(term, has));
    case 'or':
      return predicate.terms.some((term) => holds(term, has));
  }
}

/** True iff the acking segments meet `predicate`. Runs per ack, so it never allocates a set. */
export function satisfies(predicate: QuorumPredicate, acks: AckSet): boolean {
  return holds(predicate, membershipOf(acks));
}

/** Every segment named anywhere in `predicate`, each once, in first-seen order. */
export function membersOf(predicate: QuorumPredicate): SegmentId[] {
  const seen: Record<string, true> = {};
  const members: SegmentId[] = [];
  const visit = (node: QuorumPredicate): void => {
    if (node.kind !== 'kOfN') {
      node.terms.forEach(visit);
      return;
    }
    for (const member of node.members) {
      if (seen[member] === true) continue;
      seen[member] = true;
      members.push(member);
    }
  };
  visit(predicate);
  return members;
}

/**
 * PGCL for one PG: the largest x such that the segments with SCL ≥ x meet the write predicate.
 *
 * Aurora, SIGMOD'18 §2.3: PGCL advances once a write quorum reports SCL ≥ x. Because acks carry
 * SCL (all PG records ≤ SCL are held), the answer is always one of the reported SCLs (or 0); for
 * a k-of-n clause it is the k-th highest SCL. The predicate is monotone, so "x is covered" holds
 * exactly for x ≤ PGCL of each clause: an AND is covered up to the lowest of its terms' PGCLs and
 * an OR up to the highest — the same answer as trying every reported SCL in descending order,
 * without allocating per candidate. Segments with no report count as SCL 0.
 */
export function pgcl(predicate: QuorumPredicate, sclBySegment: Readonly<Record<string, Lsn>>): Lsn {
  switch (predicate.kind) {
    case 'kOfN': {
      const scls = predicate.members.map((segment) => sclBySegment[segment] ?? LSN_ZERO);
      return scls.sort((a, b) => b - a)[predicate.k - 1] ?? LSN_ZERO;
    }
    case 'and':
      return Math.min(...predicate.terms.map((term) => pgcl(term, sclBySegment))) as Lsn;
    case 'or':
      return Math.max(...predicate.terms.map((term) => pgcl(term, sclBySegment))) as Lsn;
  }
}

/** Bit index of each member, for subset enumeration. */
function indexOf(universe: readonly SegmentId[]): Record<string, number> {
  if (universe.length > BRUTE_FORCE_MEMBERS_MAX) {
    throw new RangeError(
      `brute-force quorum checks handle at most ${BRUTE_FORCE_MEMBERS_MAX} members, got ${universe.length}`,
    );
  }
  const index: Record<string, number> = {};
  universe.forEach((member, bit) => {
    index[member] = bit;
  });
  return index;
}

/** Bit masks (over `universe`) of every subset that satisfies `predicate`. */
function satisfyingMasks(predicate: QuorumPredicate, universe: readonly SegmentId[]): number[] {
  const index = indexOf(universe);
  const masks: number[] = [];
  for (let mask = 0; mask < 1 << universe.length; mask += 1) {
    const has = (segment: SegmentId): boolean => {
      const bit = index[segment];
      return bit !== undefined && ((mask >> bit) & 1) === 1;
    };
    if (holds(predicate, has)) masks.push(mask);
  }
  return masks;
}

/** Masks with no satisfying proper subset; for a monotone predicate every quorum contains one. */
function minimalMasks(predicate: QuorumPredicate, universe: readonly SegmentId[]): number[] {
  const masks = satisfyingMasks(predicate, universe);
  const satisfying: Record<number, true> = {};
  for (const mask of masks) satisfying[mask] = true;
  return masks.filter((mask) => {
    for (let bit = 0; bit < universe.length; bit += 1) {
      const smaller = mask & ~(1 << bit);
      if (smaller !== mask && satisfying[smaller] === true) return false;
    }
    return true;
  });
}

/** Decodes a bit mask back to segment ids, in universe order. */
function setOf(mask: number, universe: readonly SegmentId[]): SegmentId[] {
  return universe.filter((_, bit) => ((mask >> bit) & 1) === 1);
}

/** Every subset of `membersOf(predicate)` that satisfies it (≤ 10 members, so ≤ 1,024 subsets). */
export function satisfyingSets(predicate: QuorumPredicate): SegmentId[][] {
  const universe = membersOf(predicate);
  return satisfyingMasks(predicate, universe).map((mask) => setOf(mask, universe));
}

/** The minimal satisfying sets: removing any one member breaks the predicate. */
export function minimalSets(predicate: QuorumPredicate): SegmentId[][] {
  const universe = membersOf(predicate);
  return minimalMasks(predicate, universe).map((mask) => setOf(mask, universe));
}

/**
 * True iff every set satisfying `writePredicate` shares a segment with every set satisfying
 * `readPredicate` — the Vr + Vw > V rule of SIGMOD'17 §2.1, checked by brute force over the union
 * of both member lists (≤ 10). Checking minimal sets suffices because the predicates are monotone.
 * Vacuously true if either predicate has no satisfying set.
 */
export function quorumsIntersect(writePredicate: QuorumPredicate, readPredicate: QuorumPredicate): boolean {
  const universe = membersOf(or(writePredicate, readPredicate));
  const writeMasks = minimalMasks(writePredicate, universe);
  const readMasks = minimalMasks(readPredicate, universe);
  return writeMasks.every((writeMask) => readMasks.every((readMask) => (writeMask & readMask) !== 0));
}

/**
 * True iff every write set of `writePredicate` overlaps every write set of `otherWritePredicate`
 * (default: itself) — the Vw > V/2 rule of SIGMOD'17 §2.1, so two writes never miss each other.
 */
export function writeWriteIntersect(
  writePredicate: QuorumPredicate,
  otherWritePredicate: QuorumPredicate = writePredicate,
): boolean {
  return quorumsIntersect(writePredicate, otherWritePredicate);
}
