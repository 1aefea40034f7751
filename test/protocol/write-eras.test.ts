/**
 * Write eras (docs/protocol.md §8, membership changes; §13, M3): when may a PG count on a new read
 * quorum? Brute force over every write set and read set, against an oracle that places a record on
 * a write set plus every caught-up member and asks whether each read set holds it.
 *
 * The safety argument for the 3/4 switch, pinned here: a record made durable under 4/6(ABCDEF) may
 * sit on only two of ABCD (on ABEF, say), so the 2/4 read CD misses it; once at least three of
 * ABCD are complete to the end of the 4/6 era, every pair of ABCD holds one of them, and a record
 * of the era is on it whatever its write set was. Two caught up are not enough (the other pair
 * misses). Records written from the joint configuration 4/6 ∧ 3/4 on are on three of ABCD and meet
 * every 2/4 read structurally.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lsn, SegmentId } from '../../src/protocol/ids.js';
import { segmentId } from '../../src/protocol/ids.js';
import { degradedConfig, jointConfig, replacementConfig, standardConfig } from '../../src/protocol/quorum-config.js';
import type { QuorumPredicate } from '../../src/protocol/quorum.js';
import { kOfN, quorumsIntersect, satisfyingSets } from '../../src/protocol/quorum.js';
import type { WriteEra } from '../../src/protocol/write-eras.js';
import { readSeesEveryEra, unseenWrite } from '../../src/protocol/write-eras.js';

const [A, B, C, D, E, F, G, H] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'].map(segmentId) as [SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId, SegmentId];
const SIX = [A, B, C, D, E, F];
const FOUR = [A, B, C, D];
const ERA_END = 100 as Lsn;

/** SCLs where the `caughtUp` segments hold everything to ERA_END and the others lag behind it. */
const scls = (caughtUp: readonly SegmentId[]): Record<string, Lsn> =>
  Object.fromEntries([...SIX, G, H].map((segment) => [segment, (caughtUp.includes(segment) ? ERA_END : 40) as Lsn]));

/** Oracle: a record on any write set of `write`, plus the caught-up members, is held by every read set. */
function oracleSees(write: QuorumPredicate, read: QuorumPredicate, caughtUp: readonly SegmentId[]): boolean {
  return satisfyingSets(write).every((writeSet) => {
    const holders = new Set([...writeSet, ...caughtUp]);
    return satisfyingSets(read).every((readSet) => readSet.some((segment) => holders.has(segment)));
  });
}

const subsetsOf = (items: readonly SegmentId[]): SegmentId[][] =>
  Array.from({ length: 1 << items.length }, (_, mask) => items.filter((_, bit) => ((mask >> bit) & 1) === 1));

describe('Write eras: the degraded 3/4 model (docs/protocol.md §13, M3)', () => {
  const before = standardConfig(SIX, 1 as never);
  const degraded = degradedConfig(FOUR, 3 as never);
  const joint = jointConfig(before, degraded);

  it('pins why the switch needs catch-up: a 2/4 read misses a 4/6 write, but not a joint one', () => {
    expect(quorumsIntersect(before.write, degraded.read)).toBe(false);
    expect(unseenWrite([{ write: before.write, lastLsn: ERA_END }], degraded.read, scls([]))).toMatchObject({ readSet: expect.any(Array) });
    // Written from the joint configuration on (W = 4/6 ∧ 3/4): three of ABCD, every 2/4 read sees it.
    expect(quorumsIntersect(joint.write, degraded.read)).toBe(true);
    // While the joint configuration is in force, reads keep 3/6(ABCDEF): E, F down leave three of ABCD.
    expect(quorumsIntersect(joint.write, before.read)).toBe(true);
    expect(quorumsIntersect(degraded.write, degraded.read)).toBe(true);
  });

  it('is safe exactly when at least three of ABCD hold the 4/6 era (all 16 caught-up sets, against the oracle)', () => {
    for (const caughtUp of subsetsOf(FOUR)) {
      const eras: WriteEra[] = [{ write: before.write, lastLsn: ERA_END }];
      const sees = readSeesEveryEra(eras, degraded.read, scls(caughtUp));
      expect(sees, `caught up: [${caughtUp.join(', ')}]`).toBe(oracleSees(before.write, degraded.read, caughtUp));
      expect(sees, `caught up: [${caughtUp.join(', ')}]`).toBe(caughtUp.length >= 3);
    }
  });

  it('restoring 4/6: the 3/6 read is safe once ABCD are complete, whatever E and F hold', () => {
    const eras: WriteEra[] = [
      { write: before.write, lastLsn: 50 as Lsn },
      { write: joint.write, lastLsn: 60 as Lsn },
      { write: degraded.write, lastLsn: ERA_END },
    ];
    expect(readSeesEveryEra(eras, before.read, scls(FOUR))).toBe(true);
    expect(readSeesEveryEra(eras, before.read, scls([A, B, C]))).toBe(false);
  });
});

describe('Write eras: a replacement F→G', () => {
  const before = standardConfig(SIX, 1 as never);
  const after = standardConfig([A, B, C, D, E, G], 3 as never);

  it('needs a caught-up member in every read set of ABCDEG that misses an old write: G, or enough of the others', () => {
    const eras: WriteEra[] = [{ write: before.write, lastLsn: ERA_END }];
    expect(readSeesEveryEra(eras, after.read, scls([]))).toBe(false);
    expect(readSeesEveryEra(eras, after.read, scls([G]))).toBe(true);
    for (const caughtUp of subsetsOf([A, B, C, D, E, G])) {
      expect(readSeesEveryEra(eras, after.read, scls(caughtUp))).toBe(oracleSees(before.write, after.read, caughtUp));
    }
  });

  it('an era with no record yet constrains nothing', () => {
    expect(readSeesEveryEra([{ write: before.write, lastLsn: 0 as Lsn }], after.read, {})).toBe(true);
  });
});

describe('Write eras: agrees with the oracle on random configurations (property)', () => {
  const configs = (() => {
    const start = standardConfig(SIX, 1 as never);
    const joint = replacementConfig(start, { from: F, to: G });
    return [start, joint, replacementConfig(joint, { from: E, to: H }), degradedConfig(FOUR, 2 as never), standardConfig([A, B, C, D, E, G], 3 as never), { write: kOfN(3, FOUR), read: kOfN(2, FOUR) }];
  })();

  it('unseenWrite is undefined iff every read set holds every record of every era', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: configs.length - 1 }),
        fc.integer({ min: 0, max: configs.length - 1 }),
        fc.subarray([A, B, C, D, E, F, G, H]),
        (eraIndex, readIndex, caughtUp) => {
          const era = configs[eraIndex]!;
          const read = configs[readIndex]!.read;
          const found = unseenWrite([{ write: era.write, lastLsn: ERA_END }], read, scls(caughtUp));
          expect(found === undefined).toBe(oracleSees(era.write, read, caughtUp));
          if (found !== undefined) {
            // The counterexample is real: a write set and a read set that share nothing, none caught up.
            expect(found.readSet.some((segment) => found.writeSet.includes(segment) || caughtUp.includes(segment))).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
