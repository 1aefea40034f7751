/**
 * Multi-writer page conflicts, the storage side (docs/protocol.md §11.2; §13, MM1): pure rules over
 * plain values, for the multi-writer cluster to run on.
 *
 * Several writers change pages optimistically. Each change to a page names the page version it was
 * derived from, its **base version**. A segment accepts the first change it hears of per (block,
 * base version) and votes `conflict` on any other; hearing the same change again (a resend) is
 * the same vote. A change is **approved** once a write quorum of the PG's members accepted it, and
 * **rejected** once so many members voted `conflict` that no write quorum of the rest remains: its
 * writer then rolls the whole transaction back (a deadlock error to the client, MySQL 1213, in the
 * User Guide's "Working with Aurora multi-master clusters").
 *
 * Write quorums meet (SIGMOD'17 §2.1, Vw > V/2), so two changes of one base version are never both
 * approved: some member of each quorum would have accepted both, and a segment accepts one. Nothing
 * promises the earliest change wins, or that one wins at all: split votes (three segments for each
 * of two writers, under 4 of 6) reject both, and both writers retry, as Aurora's do.
 */
import type { SegmentId } from './ids.js';
import type { QuorumPredicate } from './quorum.js';
import { satisfies } from './quorum.js';

/** A writer's change to one page, derived from `baseVersion`. */
export interface PageChange {
  readonly writer: string;
  readonly txnId: number;
  readonly pg: number;
  readonly blockId: number;
  readonly baseVersion: number;
}

/** Who holds a page version at a segment: the change it accepted first. */
export interface PageVersionHolder {
  readonly writer: string;
  readonly txnId: number;
}

/** A segment's first accepted change per (block, base version), keyed by {@link pageVersionKey}. */
export type PageVersionVotes = Readonly<Record<string, PageVersionHolder>>;

/** A segment's vote on one change. */
export type PageVote = 'accepted' | 'conflict';

/** How a change stands from the votes so far. */
export type PageChangeOutcome = 'approved' | 'rejected' | 'undecided';

/** The key of one page version of a PG's block. */
export function pageVersionKey(blockId: number, baseVersion: number): string {
  return `${blockId}@${baseVersion}`;
}

/**
 * A segment's vote on `change`, and its table after: the first change per (block, base version) is
 * accepted and remembered, the same change again is accepted again, any other is a conflict. The
 * table given is never written into.
 */
export function votePageChange(votes: PageVersionVotes, change: PageChange): { votes: PageVersionVotes; vote: PageVote; holder: PageVersionHolder } {
  const key = pageVersionKey(change.blockId, change.baseVersion);
  const holder = votes[key];
  if (holder === undefined) {
    const first = { writer: change.writer, txnId: change.txnId };
    return { votes: { ...votes, [key]: first }, vote: 'accepted', holder: first };
  }
  const same = holder.writer === change.writer && holder.txnId === change.txnId;
  return { votes, vote: same ? 'accepted' : 'conflict', holder };
}

/**
 * How a change stands given the members that `accepted` it and those that voted `conflict`:
 * approved once the accepting members satisfy the write quorum, rejected once the members that have
 * not voted against it no longer can, undecided in between.
 */
export function pageChangeOutcome(write: QuorumPredicate, members: readonly SegmentId[], accepted: readonly SegmentId[], conflicted: readonly SegmentId[]): PageChangeOutcome {
  if (satisfies(write, accepted)) return 'approved';
  const against = new Set<string>(conflicted);
  return satisfies(write, (member) => members.includes(member) && !against.has(member)) ? 'undecided' : 'rejected';
}
