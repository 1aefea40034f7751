/**
 * Property tests of the Global Database rules (docs/protocol.md §11.1, the rules we take; §13, G1,
 * G5) against references written straight from the definitions:
 * - the durable point is the largest shipped CPL at or below both the shipped primary VDL and the
 *   secondary's VCL, or 0; so it is at most each bound, a shipped CPL or 0, and never moves back
 *   when the bounds rise and more CPLs are shipped;
 * - RPO lag is 0 when the secondary holds the newest commit and never negative;
 * - the kept prefix followed by the lost suffix is the whole history, and a promotion at or above
 *   the secondary's durable LSN loses no more than its RPO lag at the failure instant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LsnTime } from '../../src/protocol/global.js';
import { durabilityLagMs, lostSuffix, lostSuffixWithinLag, rpoLagMs, secondaryDurableLsn, visibilityLagMs } from '../../src/protocol/global.js';
import type { Lsn } from '../../src/protocol/ids.js';
import { lsn } from '../../src/protocol/ids.js';

const RUNS = 300;

/** Distinct ascending LSNs in 1..300. */
const cplsArb = fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { maxLength: 40 }).map((values) => values.sort((a, b) => a - b).map(lsn));

/** Commits: ascending LSNs with times that never decrease. */
const commitsArb: fc.Arbitrary<LsnTime[]> = fc
  .tuple(cplsArb, fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 40, maxLength: 40 }))
  .map(([lsns, gaps]) => {
    let atMs = 0;
    return lsns.map((at, i) => {
      atMs += gaps[i] as number;
      return { lsn: at, atMs };
    });
  });

const bound = fc.integer({ min: 0, max: 320 }).map(lsn);

describe('Global Database properties: the durable point', () => {
  it('is the largest shipped CPL under both bounds, or 0', () => {
    fc.assert(
      fc.property(cplsArb, bound, bound, (shippedCpls, shippedPrimaryVdl, secondaryVcl) => {
        const durable = secondaryDurableLsn({ shippedPrimaryVdl, secondaryVcl, shippedCpls });
        expect(durable).toBeLessThanOrEqual(shippedPrimaryVdl);
        expect(durable).toBeLessThanOrEqual(secondaryVcl);
        expect(durable === 0 || shippedCpls.includes(durable)).toBe(true);
        const reference = Math.max(0, ...shippedCpls.filter((c) => c <= shippedPrimaryVdl && c <= secondaryVcl));
        expect(durable).toBe(reference);
      }),
      { numRuns: RUNS },
    );
  });

  it('never moves back when the bounds rise and more CPLs are shipped', () => {
    fc.assert(
      fc.property(cplsArb, cplsArb, bound, bound, fc.nat(50), fc.nat(50), (cpls, more, vdl, vcl, vdlRise, vclRise) => {
        const before = secondaryDurableLsn({ shippedPrimaryVdl: vdl, secondaryVcl: vcl, shippedCpls: cpls });
        const grown = [...new Set([...cpls, ...more])].sort((a, b) => a - b) as Lsn[];
        const after = secondaryDurableLsn({ shippedPrimaryVdl: lsn(vdl + vdlRise), secondaryVcl: lsn(vcl + vclRise), shippedCpls: grown });
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('Global Database properties: lags', () => {
  it('RPO lag is never negative, 0 when caught up, and counts from the newest held commit', () => {
    fc.assert(
      fc.property(commitsArb, bound, fc.nat(100), (commits, durable, afterMs) => {
        const nowMs = (commits[commits.length - 1]?.atMs ?? 0) + afterMs;
        const lag = rpoLagMs(commits, durable, nowMs);
        expect(lag).toBeGreaterThanOrEqual(0);
        const newer = commits.some((c) => c.lsn > durable);
        if (!newer) expect(lag).toBe(0);
        else expect(lag).toBe(nowMs - Math.max(0, ...commits.filter((c) => c.lsn <= durable).map((c) => c.atMs)));
      }),
      { numRuns: RUNS },
    );
  });

  it('durability and visibility lags are never negative, and 0 when caught up', () => {
    fc.assert(
      fc.property(commitsArb, bound, bound, (commits, a, b) => {
        expect(durabilityLagMs(commits, a, b)).toBeGreaterThanOrEqual(0);
        expect(visibilityLagMs(commits, a, b)).toBeGreaterThanOrEqual(0);
        expect(durabilityLagMs(commits, b, b)).toBe(0);
        expect(visibilityLagMs(commits, a, a)).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('Global Database properties: the lost suffix', () => {
  it('kept prefix + lost suffix = the old history', () => {
    fc.assert(
      fc.property(commitsArb, bound, (commits, promotedVdl) => {
        const lost = lostSuffix(commits, promotedVdl);
        const kept = commits.slice(0, lost.keptCount);
        const gone = commits.slice(lost.keptCount);
        expect(lost.keptCount + lost.lostCount).toBe(commits.length);
        expect(kept.every((c) => c.lsn <= promotedVdl)).toBe(true);
        expect(gone.every((c) => c.lsn > promotedVdl)).toBe(true);
        expect([...kept, ...gone]).toEqual(commits);
        if (gone.length === 0) expect(lost.lostLsns).toBeUndefined();
        else expect(lost.lostLsns).toEqual({ fromLsn: gone[0]?.lsn, toLsn: gone[gone.length - 1]?.lsn });
      }),
      { numRuns: RUNS },
    );
  });

  it('a promotion at or above the durable LSN loses no more than the RPO lag at the failure instant', () => {
    fc.assert(
      fc.property(commitsArb, bound, fc.nat(50), fc.nat(100), (commits, durable, above, afterMs) => {
        const failureAtMs = (commits[commits.length - 1]?.atMs ?? 0) + afterMs;
        const lost = lostSuffix(commits, lsn(durable + above));
        expect(lostSuffixWithinLag(lost, rpoLagMs(commits, durable, failureAtMs))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
