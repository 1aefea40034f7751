/**
 * The judges' own statement of the write quorum rule, independent of the configuration code the
 * writer runs (`src/protocol/quorum-config.ts`): a judge that took its quorum sizes from that code
 * would be weakened by the very mistake it should catch (a writer counting 3 of 6 acks).
 *
 * The rule (SIGMOD'17 §2.1; docs/semantics.md, Membership changes): a write quorum of V copies
 * needs Vw > V/2 of them — 4 of 6 in the standard model, 3 of 4 in the degraded one, every full
 * segment of three in the full/tail rule's second clause. The judges take a configuration's
 * members and its shape (which clauses must all hold, which may hold instead of another) from
 * what the writer reports, but never its thresholds: each k-of-n clause counts as at least a
 * majority of its n members. A joint configuration's conjunction is kept as reported; S4 ORs every
 * configuration in force since the run began (docs/semantics.md, Judges).
 */
import type { QuorumPredicate } from '../protocol/quorum.js';
import { and, kOfN, or } from '../protocol/quorum.js';

/** The smallest write quorum of `n` copies the rule allows: a strict majority. */
export function writeQuorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * `predicate` with every k-of-n clause raised to at least a strict majority of its members: the
 * write quorum the judges hold a writer to, whatever thresholds the writer itself used.
 */
export function judgedWriteQuorum(predicate: QuorumPredicate): QuorumPredicate {
  if (predicate.kind === 'kOfN') {
    const k = Math.max(predicate.k, writeQuorumSize(predicate.members.length));
    return k === predicate.k ? predicate : kOfN(k, predicate.members);
  }
  const terms = predicate.terms.map(judgedWriteQuorum);
  return predicate.kind === 'and' ? and(...terms) : or(...terms);
}
