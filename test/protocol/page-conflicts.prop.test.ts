/**
 * Multi-writer page conflicts (docs/protocol.md §11.2; §13, MM1): the segment's vote, a change's
 * outcome from the votes, and S19 judging them. The property: however the changes of several
 * writers to one page version reach the six segments of a PG (each segment in its own order, some
 * never), at most one is approved under 4 of 6, and S19, counting with its own quorum, agrees. A
 * writer that counted 3 of 6 as a write quorum could approve two: S19 catches it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentId } from '../../src/protocol/ids.js';
import type { PageChange, PageVersionVotes } from '../../src/protocol/page-conflicts.js';
import { pageChangeOutcome, votePageChange } from '../../src/protocol/page-conflicts.js';
import { kOfN } from '../../src/protocol/quorum.js';
import { createPageConflictChecker } from '../../src/check/page-conflicts.js';

const MEMBERS = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'] as SegmentId[];
const WRITE = kOfN(4, MEMBERS);
const change = (writer: string, txnId: number, baseVersion = 7): PageChange => ({ writer, txnId, pg: 0, blockId: 3, baseVersion });

describe('votePageChange: a segment accepts the first change per page version', () => {
  it('accepts the first, accepts its resend, and votes conflict on another change of the same version', () => {
    const empty: PageVersionVotes = Object.freeze({});
    const first = votePageChange(empty, change('w1', 1));
    expect(first.vote).toBe('accepted');
    expect(empty).toEqual({});
    const frozen = Object.freeze(first.votes);
    expect(votePageChange(frozen, change('w1', 1))).toMatchObject({ vote: 'accepted', votes: frozen });
    expect(votePageChange(frozen, change('w2', 5))).toMatchObject({ vote: 'conflict', holder: { writer: 'w1', txnId: 1 } });
    // Another base version of the page is another version: no conflict.
    expect(votePageChange(frozen, change('w2', 5, 8)).vote).toBe('accepted');
  });
});

describe('pageChangeOutcome under 4 of 6', () => {
  it('approves at four accepts, rejects at three conflicts, and leaves the rest undecided', () => {
    expect(pageChangeOutcome(WRITE, MEMBERS, MEMBERS.slice(0, 4), [])).toBe('approved');
    expect(pageChangeOutcome(WRITE, MEMBERS, MEMBERS.slice(0, 3), MEMBERS.slice(3, 5))).toBe('undecided');
    expect(pageChangeOutcome(WRITE, MEMBERS, MEMBERS.slice(0, 3), MEMBERS.slice(3))).toBe('rejected');
    // A split vote rejects both: nothing promises a winner.
    expect(pageChangeOutcome(WRITE, MEMBERS, MEMBERS.slice(3), MEMBERS.slice(0, 3))).toBe('rejected');
  });
});

/** Each segment hears some of the changes, in an order of its own. */
const deliveriesArb = fc.integer({ min: 2, max: 4 }).chain((writers) =>
  fc.tuple(
    fc.constant(writers),
    fc.array(fc.shuffledSubarray(Array.from({ length: writers }, (_, i) => i)), { minLength: 6, maxLength: 6 }),
  ),
);

describe('page conflicts: at most one approved change per page version (property)', () => {
  it('under 4 of 6, whatever the orders, and S19 agrees; a 3-of-6 counter can approve two, and S19 says so', () => {
    let twoApprovedUnderThree = 0;
    fc.assert(
      fc.property(deliveriesArb, ([writers, orders]) => {
        const changes = Array.from({ length: writers }, (_, i) => change(`w${i}`, 100 + i));
        const accepted = changes.map(() => [] as SegmentId[]);
        const conflicted = changes.map(() => [] as SegmentId[]);
        const judge = createPageConflictChecker({ 0: MEMBERS });
        orders.forEach((order, s) => {
          let votes: PageVersionVotes = {};
          for (const i of order) {
            const result = votePageChange(votes, changes[i]!);
            votes = result.votes;
            (result.vote === 'accepted' ? accepted : conflicted)[i]!.push(MEMBERS[s]!);
            judge.observe(s, { kind: 'pageVote', segment: MEMBERS[s]!, change: changes[i]!, vote: result.vote });
          }
        });
        const approved = changes.filter((_, i) => pageChangeOutcome(WRITE, MEMBERS, accepted[i]!, conflicted[i]!) === 'approved');
        expect(approved.length).toBeLessThanOrEqual(1);
        // Every approved writer may commit; S19 finds nothing wrong with that.
        for (const winner of approved) judge.observe(10, { kind: 'txnCommitted', writer: winner.writer, txnId: winner.txnId });
        expect(judge.result().ok).toBe(true);
        // A writer counting 3 of 6: two changes can each have three accepts.
        const weak = kOfN(3, MEMBERS);
        const weakApproved = changes.filter((_, i) => pageChangeOutcome(weak, MEMBERS, accepted[i]!, conflicted[i]!) === 'approved');
        if (weakApproved.length > 1) {
          twoApprovedUnderThree++;
          for (const loser of weakApproved) judge.observe(20, { kind: 'txnCommitted', writer: loser.writer, txnId: loser.txnId });
          expect(judge.result().ok).toBe(false);
        }
      }),
      { numRuns: 300, seed: 19 },
    );
    // Not vacuous: the weakened count did approve two changes in some schedules.
    expect(twoApprovedUnderThree).toBeGreaterThan(0);
  });

  it('S19 flags two approvals of one version, counted with its own majority, and a commit holding a lost change', () => {
    const judge = createPageConflictChecker({ 0: MEMBERS });
    // A faulty segment layer that accepted both changes on four segments each (it should not).
    for (const segment of MEMBERS.slice(0, 4)) judge.observe(1, { kind: 'pageVote', segment, change: change('w1', 1), vote: 'accepted' });
    for (const segment of MEMBERS.slice(2)) judge.observe(2, { kind: 'pageVote', segment, change: change('w2', 2), vote: 'accepted' });
    judge.observe(3, { kind: 'txnCommitted', writer: 'w2', txnId: 2 });
    const result = judge.result();
    expect(result.ok).toBe(false);
    expect(result.firstViolations.map((violation) => violation.message)).toEqual([
      'PG 0 block 3 version 7: w2#2 approved by 4 of 6 segments after w1#1 was (expected one change per page version)',
      'w2#2 committed with its change to pg0:3@7 lost to w1#1',
    ]);
  });

  it('S19 holds a rollback whole: each change it won is followed by its compensation; a rollback without one, or a commit after giving up, is flagged', () => {
    const accept = (judge: ReturnType<typeof createPageConflictChecker>, atMs: number, proposed: PageChange): void => {
      for (const segment of MEMBERS.slice(0, 4)) judge.observe(atMs, { kind: 'pageVote', segment, change: proposed, vote: 'accepted' });
    };
    // w1#1 won version 7 of block 3, then lost another page: given up, compensated at version 8.
    const whole = createPageConflictChecker({ 0: MEMBERS });
    accept(whole, 1, change('w1', 1));
    whole.observe(2, { kind: 'txnAborted', writer: 'w1', txnId: 1 });
    accept(whole, 3, change('w1', 1, 8));
    whole.observe(4, { kind: 'txnRolledBack', writer: 'w1', txnId: 1 });
    expect(whole.result()).toMatchObject({ ok: true, vacuous: false });

    // The same rollback reported complete with no compensation approved: its write stays visible.
    const partial = createPageConflictChecker({ 0: MEMBERS });
    accept(partial, 1, change('w1', 1));
    partial.observe(2, { kind: 'txnAborted', writer: 'w1', txnId: 1 });
    for (const segment of MEMBERS.slice(0, 3)) partial.observe(3, { kind: 'pageVote', segment, change: change('w1', 1, 8), vote: 'accepted' });
    partial.observe(4, { kind: 'txnRolledBack', writer: 'w1', txnId: 1 });
    partial.observe(5, { kind: 'txnCommitted', writer: 'w1', txnId: 1 });
    expect(partial.result().firstViolations.map((violation) => violation.message)).toEqual([
      'w1#1 rolled back with its change to PG 0 block 3 version 7 still visible: version 8 approved for no change, not by its compensating change',
      'w1#1 committed after it was given up',
      'w1#1 committed with its change to pg0:3@8 approved by no write quorum',
    ]);
  });
});
