/**
 * The judges' write quorum rule (src/check/quorum-rule.ts): thresholds never weaker than a strict
 * majority, whatever the writer's configuration says; shapes kept.
 */
import { describe, expect, it } from 'vitest';
import { judgedWriteQuorum, writeQuorumSize } from '../../src/check/quorum-rule.js';
import type { SegmentId } from '../../src/protocol/ids.js';
import { and, kOfN, or, satisfies } from '../../src/protocol/quorum.js';

const six = ['A', 'B', 'C', 'D', 'E', 'F'] as SegmentId[];
const acked = (...ids: string[]) => (id: SegmentId) => ids.includes(id);

describe('Judges: their own write quorum rule', () => {
  it('is 4 of 6, 3 of 4 and 2 of 3', () => {
    expect([writeQuorumSize(6), writeQuorumSize(4), writeQuorumSize(3)]).toEqual([4, 3, 2]);
  });

  it('raises a writer\'s 3 of 6 to 4 of 6: three acks no longer count', () => {
    const judged = judgedWriteQuorum(kOfN(3, six));
    expect(satisfies(kOfN(3, six), acked('A', 'B', 'C'))).toBe(true);
    expect(satisfies(judged, acked('A', 'B', 'C'))).toBe(false);
    expect(satisfies(judged, acked('A', 'B', 'C', 'D'))).toBe(true);
  });

  it('keeps stronger thresholds and the shape: a joint configuration stays a conjunction', () => {
    const joint = and(kOfN(4, six), kOfN(4, ['A', 'B', 'C', 'D', 'E', 'G'] as SegmentId[]));
    expect(judgedWriteQuorum(joint)).toEqual(joint);
    expect(judgedWriteQuorum(kOfN(6, six))).toEqual(kOfN(6, six));
    const weakJoint = and(kOfN(3, six), kOfN(2, ['A', 'B', 'C', 'D'] as SegmentId[]));
    expect(judgedWriteQuorum(weakJoint)).toEqual(and(kOfN(4, six), kOfN(3, ['A', 'B', 'C', 'D'] as SegmentId[])));
    const fullTail = or(kOfN(4, six), kOfN(3, ['A', 'C', 'E'] as SegmentId[]));
    expect(judgedWriteQuorum(fullTail)).toEqual(fullTail);
  });
});
