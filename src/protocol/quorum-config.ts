/**
 * PG quorum configurations: the standard 4/6 + 3/6, full/tail segments, the degraded 3/4 model,
 * and the joint (AND-write / OR-read) configurations that carry a PG through a membership change.
 *
 * Invariants (checked by brute force in test/protocol/membership.prop.test.ts):
 * - every configuration's write sets intersect its own read sets and its own write sets, and
 *   consecutive configurations' write sets intersect;
 * - a joint configuration's write sets intersect the read sets of the configuration it was
 *   entered from, and of either configuration it settles on, so a change can go forward or be
 *   rolled back without losing a write made during it (SIGMOD'18 §4.1);
 * - NOT guaranteed: an older write meeting a joint read quorum that counts the new, still
 *   hydrating member (see {@link replacementConfig}).
 *
 * Each change bumps the PG's membership epoch by exactly one (docs/protocol.md §8, membership
 * changes; §12, S15).
 */
import type { MembershipEpoch, SegmentId } from './ids.js';
import { membershipEpoch as toMembershipEpoch } from './ids.js';
import type { QuorumPredicate } from './quorum.js';
import { and, kOfN, membersOf, or } from './quorum.js';

/** A PG's quorum rules at one membership epoch. Plain data; safe to freeze and trace. */
export interface QuorumConfig {
  /** Bumped by one on every membership change (SIGMOD'18 §4.1). */
  readonly membershipEpoch: MembershipEpoch;
  /** Acks that make a record durable (and that an epoch-bump write must reach). */
  readonly write: QuorumPredicate;
  /** Responses that recovery needs to see every durable record (docs/protocol.md §7, crash recovery). */
  readonly read: QuorumPredicate;
}

/** Which member a replacement swaps out (`from`) and the new member that takes its place (`to`). */
export interface Replacement {
  /** The suspect segment, e.g. F. */
  readonly from: SegmentId;
  /** The new segment that hydrates from peers, e.g. G. */
  readonly to: SegmentId;
}

/** Checks a fixed-size, duplicate-free member list. */
function requireMembers(segments: readonly SegmentId[], count: number, what: string): void {
  if (segments.length !== count || new Set(segments).size !== count) {
    throw new RangeError(`${what} needs ${count} distinct segments, got [${segments.join(', ')}]`);
  }
}

/**
 * The standard configuration of six segments, two per AZ: W = 4/6, R = 3/6.
 * Aurora, SIGMOD'17 §2.1: V = 6, Vw = 4, Vr = 3 — survives AZ+1 for reads, an AZ for writes.
 */
export function standardConfig(
  segments: readonly SegmentId[],
  membershipEpoch: MembershipEpoch,
): QuorumConfig {
  requireMembers(segments, 6, 'standardConfig');
  return { membershipEpoch, write: kOfN(4, segments), read: kOfN(3, segments) };
}

/**
 * Three full segments (log + blocks) and three tail segments (log only):
 * W = 4/6 any ∨ 3/3 full, R = 3/6 any ∧ 1/3 full.
 * Aurora, SIGMOD'18 §4.2: any 4 of 6 include a full segment, so blocks are always materialised
 * somewhere durable; a read quorum must include a full segment to rebuild blocks.
 */
export function fullTailConfig(
  fulls: readonly SegmentId[],
  tails: readonly SegmentId[],
  membershipEpoch: MembershipEpoch,
): QuorumConfig {
  requireMembers(fulls, 3, 'fullTailConfig fulls');
  requireMembers(tails, 3, 'fullTailConfig tails');
  const all = [...fulls, ...tails];
  requireMembers(all, 6, 'fullTailConfig');
  return {
    membershipEpoch,
    write: or(kOfN(4, all), kOfN(3, fulls)),
    read: and(kOfN(3, all), kOfN(1, fulls)),
  };
}

/**
 * The degraded model for an extended AZ loss: four segments, W = 3/4, R = 2/4.
 * Aurora, SIGMOD'18 §4.1 (docs/protocol.md §13, M3): reached from 4/6 through {@link jointConfig}.
 */
export function degradedConfig(
  segments: readonly SegmentId[],
  membershipEpoch: MembershipEpoch,
): QuorumConfig {
  requireMembers(segments, 4, 'degradedConfig');
  return { membershipEpoch, write: kOfN(3, segments), read: kOfN(2, segments) };
}

/**
 * The intermediate configuration between `current` and `target`, at current's epoch + 1:
 * W = current.W ∧ target.W, R = current.R ∨ target.R.
 *
 * Aurora, SIGMOD'18 §4.1: every write made here already satisfies both the configuration being
 * left and the one being entered, so the next step may go either way. `target.membershipEpoch`
 * is ignored. The next step installs `target` (or `current` again) at epoch + 2.
 */
export function jointConfig(current: QuorumConfig, target: QuorumConfig): QuorumConfig {
  return {
    membershipEpoch: toMembershipEpoch(current.membershipEpoch + 1),
    write: and(current.write, target.write),
    read: or(current.read, target.read),
  };
}

/** Renames one segment everywhere in a predicate (same shape, same thresholds). */
export function renameMember(predicate: QuorumPredicate, replacement: Replacement): QuorumPredicate {
  if (predicate.kind === 'kOfN') {
    const members = predicate.members.map((m) => (m === replacement.from ? replacement.to : m));
    return kOfN(predicate.k, members);
  }
  const terms = predicate.terms.map((term) => renameMember(term, replacement));
  return predicate.kind === 'and' ? and(...terms) : or(...terms);
}

/**
 * Starts replacing `from` by `to`: the joint configuration of `current` and `current` with the
 * member renamed. From 4/6(ABCDEF) replacing F by G this gives
 * W = 4/6(ABCDEF) ∧ 4/6(ABCDEG), R = 3/6(ABCDEF) ∨ 3/6(ABCDEG) (SIGMOD'18 §4.1, Fig. 5).
 *
 * Applied again during the first change (E also bad, replaced by H) it gives
 * W = (4/6 ABCDEF ∧ 4/6 ABCDEG) ∧ (4/6 ABCDHF ∧ 4/6 ABCDHG), R = the OR of the four 3/6s —
 * the paper's double-failure case; writing to ABCD alone still meets every clause.
 *
 * Caution: R of the joint configuration counts `to` before it has hydrated. A read quorum that
 * relies on `to` sees only writes made since the change began; reads of older data must wait
 * until `to` has caught up (SCL_to ≥ the PGCL at the change, docs/protocol.md §12, L4).
 *
 * @throws RangeError if `from` is not a member or `to` already is one.
 */
export function replacementConfig(current: QuorumConfig, replacement: Replacement): QuorumConfig {
  const members = membersOf(or(current.write, current.read));
  if (!members.includes(replacement.from)) {
    throw new RangeError(`cannot replace ${replacement.from}: not a member of the configuration`);
  }
  if (members.includes(replacement.to)) {
    throw new RangeError(`cannot add ${replacement.to}: already a member of the configuration`);
  }
  const renamed: QuorumConfig = {
    membershipEpoch: current.membershipEpoch,
    write: renameMember(current.write, replacement),
    read: renameMember(current.read, replacement),
  };
  return jointConfig(current, renamed);
}
