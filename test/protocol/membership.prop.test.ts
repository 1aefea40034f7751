/**
 * Membership-change sequences checked by brute force (docs/protocol.md §8, membership changes; §12,
 * S15; SIGMOD'18 §4.1–4.2), over random segment names, replaced members and full/tail placements:
 * - every configuration: W ∩ R ≠ ∅ and W ∩ W ≠ ∅;
 * - consecutive configurations: W ∩ W' ≠ ∅; entering a joint (AND/OR) configuration, its writes
 *   meet the reads of the configuration it leaves; settling (forward or rolled back), the joint
 *   configuration's writes meet the reads of the result;
 * - each step bumps the membership epoch by exactly one;
 * - full/tail: every 4 of 6 holds a full segment.
 *
 * Pinned finding: the literal S15 wording "every write set of one intersects every read set of
 * the next" fails when *entering* a joint configuration — an old write on C,D,E,F misses the new
 * read quorum A,B,G — because the joint read counts G before it has hydrated. Reads that count the
 * new member are only sound once it has caught up (docs/protocol.md §12, L4); see
 * `replacementConfig`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentId } from '../../src/protocol/ids.js';
import { membershipEpoch, segmentId } from '../../src/protocol/ids.js';
import type { QuorumConfig } from '../../src/protocol/quorum-config.js';
import {
  degradedConfig,
  fullTailConfig,
  jointConfig,
  replacementConfig,
  standardConfig,
} from '../../src/protocol/quorum-config.js';
import { kOfN, quorumsIntersect, satisfyingSets, writeWriteIntersect } from '../../src/protocol/quorum.js';

/** A configuration and whether it is a joint (intermediate) one. */
interface Step { config: QuorumConfig; joint: boolean }

interface Names {
  /** The six current members. */
  members: SegmentId[];
  /** Two spare segments: G and H. */
  spares: [SegmentId, SegmentId];
  /** Indexes into `members` of the first (F) and second (E) member to replace. */
  first: number;
  second: number;
  /** Indexes into `members` of the three full segments. */
  fullIndexes: number[];
}

const namesArb: fc.Arbitrary<Names> = fc
  .record({
    names: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 8, maxLength: 8 }),
    order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
  })
  .map(({ names, order }) => {
    const ids = names.map(segmentId);
    return {
      members: ids.slice(0, 6),
      spares: [ids[6], ids[7]] as [SegmentId, SegmentId],
      first: order[0] as number,
      second: order[1] as number,
      fullIndexes: order.slice(2, 5),
    };
  });

const swap = (members: readonly SegmentId[], from: SegmentId, to: SegmentId): SegmentId[] =>
  members.map((m) => (m === from ? to : m));
const at = (members: readonly SegmentId[], index: number): SegmentId => members[index] as SegmentId;

/** The sequences of SIGMOD'18 §4.1: forward, rolled back, a second failure, and 4/6 → 3/4. */
function sequences(names: Names): Record<string, Step[]> {
  const { members, spares } = names;
  const [G, H] = spares;
  const F = at(members, names.first);
  const E = at(members, names.second);
  const e = (n: number) => membershipEpoch(n);
  const start = standardConfig(members, e(0));
  const joint = replacementConfig(start, { from: F, to: G });
  const double = replacementConfig(joint, { from: E, to: H });
  const degradedMembers = members.filter((m) => m !== F && m !== E);
  const toDegraded = jointConfig(start, degradedConfig(degradedMembers, e(1)));
  return {
    forward: [{ config: start, joint: false }, { config: joint, joint: true }, { config: standardConfig(swap(members, F, G), e(2)), joint: false }],
    rollback: [{ config: start, joint: false }, { config: joint, joint: true }, { config: standardConfig(members, e(2)), joint: false }],
    doubleFailure: [
      { config: start, joint: false },
      { config: joint, joint: true },
      { config: double, joint: true },
      { config: standardConfig(swap(swap(members, F, G), E, H), e(3)), joint: false },
    ],
    degraded: [{ config: start, joint: false }, { config: toDegraded, joint: true }, { config: degradedConfig(degradedMembers, e(2)), joint: false }],
    fullTail: fullTailSequence(names),
  };
}

/** Replace a full segment by a new full one, under the full/tail quorum (docs/protocol.md §13, M2). */
function fullTailSequence(names: Names): Step[] {
  const fulls = names.fullIndexes.map((i) => at(names.members, i));
  const tails = names.members.filter((m) => !fulls.includes(m));
  const F = at(fulls, 0);
  const start = fullTailConfig(fulls, tails, membershipEpoch(0));
  const joint = replacementConfig(start, { from: F, to: names.spares[0] });
  const end = fullTailConfig(swap(fulls, F, names.spares[0]), tails, membershipEpoch(2));
  return [{ config: start, joint: false }, { config: joint, joint: true }, { config: end, joint: false }];
}

/** Consecutive pairs of each sequence. */
function pairs(names: Names): [string, Step, Step][] {
  return Object.entries(sequences(names)).flatMap(([name, steps]) =>
    steps.slice(1).map((next, i): [string, Step, Step] => [name, steps[i] as Step, next]),
  );
}

describe('membership: quorum sets across a change (brute force)', () => {
  it('every configuration intersects itself: W ∩ R and W ∩ W', () => {
    fc.assert(
      fc.property(namesArb, (names) => {
        for (const steps of Object.values(sequences(names))) {
          for (const { config } of steps) {
            expect(quorumsIntersect(config.write, config.read)).toBe(true);
            expect(writeWriteIntersect(config.write)).toBe(true);
          }
        }
      }),
    );
  });

  it('consecutive configurations: writes overlap, joint writes meet both neighbours\' reads, epoch + 1', () => {
    fc.assert(
      fc.property(namesArb, (names) => {
        for (const [, previous, next] of pairs(names)) {
          expect(next.config.membershipEpoch).toBe(previous.config.membershipEpoch + 1);
          expect(writeWriteIntersect(previous.config.write, next.config.write)).toBe(true);
          // Entering a joint configuration (also a second one nested in the first): its writes are
          // visible to the read quorum it leaves.
          if (next.joint) expect(quorumsIntersect(next.config.write, previous.config.read)).toBe(true);
          // Settling (forward or back): writes made during the change are visible to the result.
          else if (previous.joint) expect(quorumsIntersect(previous.config.write, next.config.read)).toBe(true);
        }
      }),
    );
  });

  it('pins the finding: a joint read that counts the unhydrated new member can miss an older write', () => {
    fc.assert(
      fc.property(namesArb, (names) => {
        for (const [, previous, next] of pairs(names)) {
          if (next.joint) expect(quorumsIntersect(previous.config.write, next.config.read)).toBe(false);
        }
      }),
    );
  });

  it('full/tail: every 4 of 6 holds a full segment (SIGMOD\'18 §4.2)', () => {
    fc.assert(
      fc.property(namesArb, (names) => {
        const fulls = names.fullIndexes.map((i) => at(names.members, i));
        for (const fourOrMore of satisfyingSets(kOfN(4, names.members))) {
          expect(fourOrMore.some((segment) => fulls.includes(segment))).toBe(true);
        }
      }),
    );
  });
});
