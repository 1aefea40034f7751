/**
 * Quorum predicates and configurations: evaluation in every ack form, PGCL, the brute-force
 * intersection checks, and the exact trees of SIGMOD'17 §2.1 and SIGMOD'18 §4.1–4.2.
 */
import { describe, expect, it } from 'vitest';
import type { Lsn, SegmentId } from '../../src/protocol/ids.js';
import { lsn, membershipEpoch, segmentId } from '../../src/protocol/ids.js';
import {
  degradedConfig,
  fullTailConfig,
  jointConfig,
  replacementConfig,
  standardConfig,
} from '../../src/protocol/quorum-config.js';
import {
  and,
  kOfN,
  membersOf,
  minimalSets,
  or,
  pgcl,
  quorumsIntersect,
  satisfies,
  satisfyingSets,
  writeWriteIntersect,
} from '../../src/protocol/quorum.js';

const A = segmentId('A');
const B = segmentId('B');
const C = segmentId('C');
const D = segmentId('D');
const E = segmentId('E');
const F = segmentId('F');
const G = segmentId('G');
const H = segmentId('H');
const SIX = [A, B, C, D, E, F];
const e0 = membershipEpoch(0);

const sclTable = (entries: [SegmentId, number][]): Record<string, Lsn> =>
  Object.fromEntries(entries.map(([segment, value]) => [segment, lsn(value)]));

describe('quorum: predicates', () => {
  it('evaluates 4/6 the same for an array, a Set, a record and a function', () => {
    const write = kOfN(4, SIX);
    const four = [A, B, C, D];
    const three = [A, B, C];
    for (const acks of [four, new Set(four), { A: true, B: true, C: true, D: true }, (s: SegmentId) => four.includes(s)]) {
      expect(satisfies(write, acks)).toBe(true);
    }
    for (const acks of [three, new Set(three), { A: true, B: true, C: true, D: false }]) {
      expect(satisfies(write, acks)).toBe(false);
    }
  });

  it('ignores acks from non-members', () => {
    expect(satisfies(kOfN(4, SIX), [A, B, C, G, H])).toBe(false);
  });

  it('rejects vacuous or impossible clauses and empty combinators', () => {
    expect(() => kOfN(0, SIX)).toThrow(RangeError);
    expect(() => kOfN(7, SIX)).toThrow(RangeError);
    expect(() => kOfN(2, [A, A, B])).toThrow(RangeError);
    expect(() => and()).toThrow(RangeError);
    expect(() => or()).toThrow(RangeError);
  });

  it('lists members once each in first-seen order', () => {
    expect(membersOf(and(kOfN(4, SIX), kOfN(4, [A, B, C, D, E, G])))).toEqual([A, B, C, D, E, F, G]);
  });

  it('is plain JSON data', () => {
    const config = fullTailConfig([A, C, E], [B, D, F], e0);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});

describe('quorum: PGCL', () => {
  it('is the 4th-highest SCL for 4/6 (SIGMOD\'18 §2.3)', () => {
    const scls = sclTable([[A, 10], [B, 9], [C, 8], [D, 7], [E, 3], [F, 1]]);
    expect(pgcl(kOfN(4, SIX), scls)).toBe(7);
  });

  it('counts segments that never acked as SCL 0', () => {
    expect(pgcl(kOfN(4, SIX), sclTable([[A, 5], [B, 5], [C, 5]]))).toBe(0);
    expect(pgcl(kOfN(4, SIX), sclTable([[A, 5], [B, 5], [C, 5], [D, 4]]))).toBe(4);
  });

  it('lets three full segments alone advance PGCL under full/tail (SIGMOD\'18 §4.2)', () => {
    const { write } = fullTailConfig([A, C, E], [B, D, F], e0);
    // Fulls at 9, tails behind: 3/3 full holds at 9 while 4/6 any holds only at 2.
    expect(pgcl(write, sclTable([[A, 9], [C, 9], [E, 9], [B, 2], [D, 1], [F, 0]]))).toBe(9);
    // One full behind: 4/6 any decides (A, C, B, D all ≥ 4).
    expect(pgcl(write, sclTable([[A, 9], [C, 9], [E, 1], [B, 5], [D, 4], [F, 0]]))).toBe(4);
  });

  it('takes the lower of two 4/6 clauses under a joint configuration', () => {
    const { write } = replacementConfig(standardConfig(SIX, e0), { from: F, to: G });
    // ABCDEF at 8 (F high), but ABCDEG needs G or a 4th of ABCDE: only A, B, C are ≥ 8.
    const scls = sclTable([[A, 8], [B, 8], [C, 8], [D, 5], [E, 5], [F, 8], [G, 0]]);
    expect(pgcl(write, scls)).toBe(5);
  });
});

describe('quorum: brute force', () => {
  it('enumerates C(6,4) = 15 minimal write sets and 22 satisfying sets for 4/6', () => {
    expect(minimalSets(kOfN(4, SIX))).toHaveLength(15);
    expect(satisfyingSets(kOfN(4, SIX))).toHaveLength(15 + 6 + 1);
  });

  it('standard 4/6 + 3/6 intersect (SIGMOD\'17 §2.1: Vr + Vw > V, Vw > V/2)', () => {
    const config = standardConfig(SIX, e0);
    expect(quorumsIntersect(config.write, config.read)).toBe(true);
    expect(writeWriteIntersect(config.write)).toBe(true);
  });

  it('detects 3/6 + 3/6 as non-intersecting', () => {
    expect(quorumsIntersect(kOfN(3, SIX), kOfN(3, SIX))).toBe(false);
    expect(writeWriteIntersect(kOfN(3, SIX))).toBe(false);
  });

  it('refuses more than 10 members', () => {
    const eleven = 'abcdefghijk'.split('').map(segmentId);
    expect(() => satisfyingSets(kOfN(6, eleven))).toThrow(RangeError);
  });
});

describe('quorum: configurations', () => {
  it('full/tail: W = 4/6 any OR 3/3 full, R = 3/6 any AND 1/3 full (SIGMOD\'18 §4.2)', () => {
    const config = fullTailConfig([A, C, E], [B, D, F], e0);
    expect(config.write).toEqual(or(kOfN(4, [A, C, E, B, D, F]), kOfN(3, [A, C, E])));
    expect(config.read).toEqual(and(kOfN(3, [A, C, E, B, D, F]), kOfN(1, [A, C, E])));
    expect(satisfies(config.read, [B, D, F])).toBe(false);
    expect(satisfies(config.write, [A, C, E])).toBe(true);
    expect(quorumsIntersect(config.write, config.read)).toBe(true);
    expect(writeWriteIntersect(config.write)).toBe(true);
  });

  it('replacement F→G: W = 4/6 ABCDEF AND 4/6 ABCDEG, R = the OR, epoch + 1 (SIGMOD\'18 Fig. 5)', () => {
    const joint = replacementConfig(standardConfig(SIX, e0), { from: F, to: G });
    expect(joint.membershipEpoch).toBe(1);
    expect(joint.write).toEqual(and(kOfN(4, SIX), kOfN(4, [A, B, C, D, E, G])));
    expect(joint.read).toEqual(or(kOfN(3, SIX), kOfN(3, [A, B, C, D, E, G])));
  });

  it('double failure E→H during F→G nests as the paper writes it (SIGMOD\'18 §4.1)', () => {
    const first = replacementConfig(standardConfig(SIX, e0), { from: F, to: G });
    const second = replacementConfig(first, { from: E, to: H });
    expect(second.membershipEpoch).toBe(2);
    expect(second.write).toEqual(
      and(
        and(kOfN(4, SIX), kOfN(4, [A, B, C, D, E, G])),
        and(kOfN(4, [A, B, C, D, H, F]), kOfN(4, [A, B, C, D, H, G])),
      ),
    );
    expect(second.read).toEqual(
      or(
        or(kOfN(3, SIX), kOfN(3, [A, B, C, D, E, G])),
        or(kOfN(3, [A, B, C, D, H, F]), kOfN(3, [A, B, C, D, H, G])),
      ),
    );
    // "Writing to ABCD alone satisfies every clause in both cases."
    expect(satisfies(second.write, [A, B, C, D])).toBe(true);
    expect(quorumsIntersect(second.write, second.read)).toBe(true);
  });

  it('refuses to replace a non-member or add an existing member', () => {
    const config = standardConfig(SIX, e0);
    expect(() => replacementConfig(config, { from: G, to: H })).toThrow(RangeError);
    expect(() => replacementConfig(config, { from: F, to: A })).toThrow(RangeError);
  });

  it('degraded 3/4 via a joint configuration (docs/protocol.md §13, M3)', () => {
    const standard = standardConfig(SIX, e0);
    const degraded = degradedConfig([A, B, C, D], membershipEpoch(2));
    const joint = jointConfig(standard, degraded);
    expect(degraded.write).toEqual(kOfN(3, [A, B, C, D]));
    expect(degraded.read).toEqual(kOfN(2, [A, B, C, D]));
    expect(joint.membershipEpoch).toBe(1);
    // With az-c (E, F) gone, the joint write needs all of ABCD; the degraded one any 3.
    expect(satisfies(joint.write, [A, B, C, D])).toBe(true);
    expect(satisfies(joint.write, [A, B, C])).toBe(false);
    expect(satisfies(degraded.write, [A, B, C])).toBe(true);
    for (const config of [joint, degraded]) expect(quorumsIntersect(config.write, config.read)).toBe(true);
    expect(quorumsIntersect(joint.write, standard.read)).toBe(true);
    expect(quorumsIntersect(joint.write, degraded.read)).toBe(true);
  });

  it('validates member counts', () => {
    expect(() => standardConfig([A, B, C, D, E], e0)).toThrow(RangeError);
    expect(() => standardConfig([A, B, C, D, E, E], e0)).toThrow(RangeError);
    expect(() => fullTailConfig([A, B, C], [C, D, E], e0)).toThrow(RangeError);
    expect(() => degradedConfig([A, B, C], e0)).toThrow(RangeError);
  });
});
