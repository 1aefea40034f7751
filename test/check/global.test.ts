/**
 * The Global Database judges, S17 prefix and S18 fencing (docs/protocol.md §12; §11.1, the rules we
 * take; §13, G2, G3, G5), on small hand-written streams over three regions: us-east-1 (primary),
 * eu-west-1 and ap-southeast-2. Records are one per LSN with digest `d<lsn>`; even LSNs end MTRs
 * and are commits. Each judge passes a correct stream and catches a planted wrong one; a fence that
 * timed out is reported as a split-brain window, not as a violation. A property test builds random
 * healthy runs (MTRs of 1–3 records, shipments and durable reports at random points) that S17 must
 * pass, and must fail once one reported record's digest is changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GlobalPrefixOptions } from '../../src/check/global.js';
import { S17_GLOBAL_PREFIX, S18_GLOBAL_FENCING, createGlobalFencing, createGlobalPrefix } from '../../src/check/global.js';
import type { PropertyChecker, PropertyResult } from '../../src/check/property.js';
import type { GlobalObservation, RecordDigest } from '../../src/protocol/global.js';
import type { RegionId } from '../../src/protocol/ids.js';
import { lsn, regionId } from '../../src/protocol/ids.js';

const EAST = regionId('us-east-1');
const EU = regionId('eu-west-1');
const AP = regionId('ap-southeast-2');

const records = (from: number, to: number): RecordDigest[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ lsn: lsn(from + i), digest: `d${from + i}`, isCpl: (from + i) % 2 === 0 }));
const primaryVdl = (region: RegionId, vdl: number, from: number): GlobalObservation => ({ kind: 'primaryVdl', region, vdl: lsn(vdl), records: records(from, vdl) });
const shipped = (from: RegionId, to: RegionId, vdl: number): GlobalObservation => ({ kind: 'shipped', from, to, primaryVdl: lsn(vdl) });
const durable = (region: RegionId, durableLsn: number, held: RecordDigest[]): GlobalObservation => ({ kind: 'secondaryDurable', region, durableLsn: lsn(durableLsn), records: held });
const commit = (region: RegionId, commitLsn: number): GlobalObservation => ({ kind: 'commitAcknowledged', region, commitLsn: lsn(commitLsn) });
const switchover = (region: RegionId, oldPrimary: RegionId, vdl: number): GlobalObservation => ({ kind: 'promoted', region, oldPrimary, vdl: lsn(vdl), how: 'switchover' });
const failover = (region: RegionId, oldPrimary: RegionId, vdl: number, failureAtMs: number): GlobalObservation => ({ kind: 'promoted', region, oldPrimary, vdl: lsn(vdl), how: 'failover', failureAtMs });

/** Feeds `stream` ([atMs, observation] pairs) to a fresh checker and returns its verdict. */
function judge<R extends PropertyResult>(checker: Omit<PropertyChecker<GlobalObservation>, 'result'> & { result(): R }, stream: [number, GlobalObservation][]): R {
  for (const [atMs, observation] of stream) checker.observe(atMs, 'test', observation);
  return checker.result();
}

const prefix = (options: Partial<GlobalPrefixOptions> = {}): PropertyChecker<GlobalObservation> =>
  createGlobalPrefix({ primaryRegion: EAST, secondaryRegions: [EU, AP], ...options });

/** A healthy run up to t = 60 ms: us-east-1 makes LSNs 1–4 durable and commits 2 and 4. */
const healthy: [number, GlobalObservation][] = [
  [10, primaryVdl(EAST, 2, 1)],
  [10, commit(EAST, 2)],
  [20, shipped(EAST, EU, 2)],
  [20, shipped(EAST, AP, 2)],
  [30, durable(EU, 2, records(1, 2))],
  [40, primaryVdl(EAST, 4, 3)],
  [40, commit(EAST, 4)],
  [50, shipped(EAST, EU, 4)],
  [60, durable(EU, 4, records(3, 4))],
  [60, durable(AP, 2, records(1, 2))],
];

describe('S17 global prefix', () => {
  it('passes a healthy run, a switchover and the new primary shipping back to the old one', () => {
    const result = judge(prefix({ rpoLimitMs: 100 }), [
      ...healthy,
      [100, switchover(EU, EAST, 4)],
      [110, primaryVdl(EU, 6, 5)],
      [110, commit(EU, 6)],
      [120, shipped(EU, EAST, 6)],
      [120, shipped(EU, AP, 6)],
      [130, durable(EAST, 6, records(5, 6))],
      [130, durable(AP, 6, records(3, 6))],
    ]);
    expect(result).toMatchObject({ name: S17_GLOBAL_PREFIX, ok: true, violations: 0, vacuous: false });
  });

  it('catches a secondary ahead of the primary VDL shipped to it', () => {
    const result = judge(prefix(), [...healthy, [70, durable(AP, 4, records(3, 4))]]);
    expect(result.ok).toBe(false);
    expect(result.firstViolations[0]?.message).toBe(
      'ap-southeast-2 reports durable LSN 4 above the primary VDL 2 us-east-1 shipped to it (expected durable ≤ shipped primary VDL)',
    );
  });

  it('catches a record that differs from the primary log, and a missing one', () => {
    const altered = records(1, 2).map((r) => (r.lsn === 1 ? { ...r, digest: 'zz' } : r));
    const wrong = judge(prefix(), [...healthy.slice(0, 4), [30, durable(EU, 2, altered)]]);
    expect(wrong.violations).toBe(1);
    expect(wrong.firstViolations[0]?.message).toContain("holds LSN 1 with digest zz, the primary's is d1");
    const missing = judge(prefix(), [...healthy.slice(0, 4), [30, durable(EU, 2, records(2, 2))]]);
    expect(missing.firstViolations[0]?.message).toContain("holds LSN 2 where the primary's log has LSN 1");
  });

  it('ignores shipments from a region that is not the primary', () => {
    const result = judge(prefix(), [...healthy, [70, shipped(AP, EU, 9)], [80, durable(EU, 6, records(5, 6))]]);
    expect(result.firstViolations[0]?.message).toContain('eu-west-1 reports durable LSN 6 above the primary VDL 4');
  });

  it('catches a switchover that lost a commit', () => {
    // us-east-1 reached VDL 4 and acknowledged commit 4; eu-west-1 starts at 2.
    const result = judge(prefix(), [...healthy.slice(0, 7), [100, switchover(EU, EAST, 2)]]);
    expect(result.violations).toBe(1);
    expect(result.firstViolations[0]?.message).toBe("switchover to eu-west-1 started at VDL 2, the old primary us-east-1's final VDL was 4 (expected equal)");
  });

  it('passes a failover that loses only what the promoted region did not hold at the failure instant', () => {
    // eu-west-1 held up to 2 when us-east-1 failed at 45 ms; commit 4 (40 ms) is lost, within its lag of 35 ms.
    const result = judge(prefix(), [...healthy.slice(0, 7), [45, failover(EU, EAST, 2, 45)], [50, primaryVdl(EU, 12, 11)], [50, commit(EU, 12)]]);
    expect(result).toMatchObject({ ok: true, violations: 0 });
  });

  it('catches a failover that drops a commit the promoted region held, and one that starts off a CPL', () => {
    const lostHeld = judge(prefix(), [...healthy, [70, failover(EU, EAST, 2, 65)]]);
    expect(lostHeld.violations).toBe(1);
    expect(lostHeld.firstViolations[0]?.message).toBe(
      'failover to eu-west-1 at VDL 2 lost commit LSN 4 (acknowledged at t=40 ms), which eu-west-1 held durably (durable LSN 4) ' +
        'at the failure instant t=65 ms; expected a loss within its RPO lag of 0 ms',
    );
    const offCpl = judge(prefix(), [...healthy, [70, failover(EU, EAST, 3, 65)]]);
    expect(offCpl.firstViolations[0]?.message).toContain('started at VDL 3, not a CPL us-east-1 reached');
  });

  it('catches a commit acknowledged while every secondary lags more than the RPO limit', () => {
    // At 40 ms neither secondary holds commit 2 (10 ms): both lag 40 ms > 20 ms.
    const stale = judge(prefix({ rpoLimitMs: 20 }), [healthy[0], healthy[1], healthy[5], healthy[6]] as [number, GlobalObservation][]);
    expect(stale.violations).toBe(1);
    expect(stale.firstViolations[0]).toEqual({
      atMs: 40,
      message: "us-east-1 acknowledged commit LSN 4 while every secondary's RPO lag was above 20 ms: eu-west-1 40 ms, ap-southeast-2 40 ms (expected commits to wait)",
    });
    // eu-west-1 holding commit 2 at 30 ms makes its lag 0: the same commit is allowed.
    expect(judge(prefix({ rpoLimitMs: 20 }), healthy).ok).toBe(true);
  });

  it('with an RPO limit and no secondary, judges every commit as acknowledged too early', () => {
    const result = judge(prefix({ rpoLimitMs: 20, secondaryRegions: [] }), healthy.slice(0, 2));
    expect(result.firstViolations[0]?.message).toBe('us-east-1 acknowledged commit LSN 2 while it had no secondary (expected commits to wait)');
    expect(judge(prefix({ secondaryRegions: [] }), healthy.slice(0, 2)).ok).toBe(true);
  });
});

describe('S18 global fencing', () => {
  it('passes when the fenced region acknowledges nothing after the fence', () => {
    const result = judge(createGlobalFencing(), [[40, commit(EAST, 4)], [50, { kind: 'fenced', region: EAST }], [60, commit(EU, 6)]]);
    expect(result).toMatchObject({ name: S18_GLOBAL_FENCING, kind: 'always', ok: true, violations: 0, splitBrain: [] });
  });

  it('catches a commit acknowledged after a successful fence', () => {
    const result = judge(createGlobalFencing(), [[50, { kind: 'fenced', region: EAST }], [55, commit(EAST, 6)]]);
    expect(result.ok).toBe(false);
    expect(result.firstViolations[0]).toEqual({
      atMs: 55,
      message: 'us-east-1 acknowledged commit LSN 6 after its fence reported success at t=50 ms (expected no acknowledgement after a successful fence)',
    });
  });

  it('reports a timed-out fence as a split-brain window, not a violation, until a fence succeeds', () => {
    const result = judge(createGlobalFencing(), [
      [50, { kind: 'fenceTimedOut', region: EAST }],
      [55, commit(EAST, 6)],
      [58, commit(EAST, 8)],
      [60, commit(EU, 6)],
      [70, { kind: 'fenced', region: EAST }],
    ]);
    expect(result.ok).toBe(true);
    expect(result.splitBrain).toEqual([
      {
        region: EAST,
        fromMs: 50,
        toMs: 70,
        commits: 2,
        firstCommitLsns: [6, 8],
        message: 'split brain possible in us-east-1: its fence timed out at t=50 ms, closed by a successful fence at t=70 ms; 2 commit(s) acknowledged by it since (LSNs 6, 8)',
      },
    ]);
    const open = judge(createGlobalFencing(), [[50, { kind: 'fenceTimedOut', region: EAST }]]);
    expect(open.splitBrain[0]?.message).toBe('split brain possible in us-east-1: its fence timed out at t=50 ms, still open; 0 commit(s) acknowledged by it since');
  });
});

/** One step of a random healthy run: the primary commits its next MTR, or ships to / reports a secondary. */
type Step = { kind: 'commit'; size: number } | { kind: 'ship'; to: 0 | 1 } | { kind: 'durable'; of: 0 | 1; pick: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), size: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('ship' as const), to: fc.constantFrom<0 | 1>(0, 1) }),
  fc.record({ kind: fc.constant('durable' as const), of: fc.constantFrom<0 | 1>(0, 1), pick: fc.nat() }),
);

/** The stream of a healthy run: each secondary's durable LSN is a CPL at or below what it was shipped. */
function healthyRun(steps: readonly Step[]): [number, GlobalObservation][] {
  const secondaries = [EU, AP] as const;
  const stream: [number, GlobalObservation][] = [];
  const cpls: number[] = [];
  let vdl = 0;
  const shippedVdl = [0, 0];
  const durableLsn = [0, 0];
  steps.forEach((step, atMs) => {
    if (step.kind === 'commit') {
      const from = vdl + 1;
      vdl += step.size;
      cpls.push(vdl);
      const mtr = records(from, vdl).map((r) => ({ ...r, isCpl: r.lsn === vdl }));
      stream.push([atMs, { kind: 'primaryVdl', region: EAST, vdl: lsn(vdl), records: mtr }], [atMs, commit(EAST, vdl)]);
    } else if (step.kind === 'ship') {
      shippedVdl[step.to] = vdl;
      stream.push([atMs, shipped(EAST, secondaries[step.to], vdl)]);
    } else {
      const choices = cpls.filter((c) => c > (durableLsn[step.of] as number) && c <= (shippedVdl[step.of] as number));
      const next = choices[step.pick % Math.max(1, choices.length)];
      if (next === undefined) return;
      stream.push([atMs, durable(secondaries[step.of], next, records((durableLsn[step.of] as number) + 1, next))]);
      durableLsn[step.of] = next;
    }
  });
  return stream;
}

describe('S17 global prefix on random runs', () => {
  it('passes every healthy run and fails it once a reported record is altered', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 40 }), fc.nat(), (steps, which) => {
        const stream = healthyRun(steps);
        expect(judge(prefix({ rpoLimitMs: undefined }), stream).ok).toBe(true);
        const reports = stream.flatMap(([, o], i) => (o.kind === 'secondaryDurable' && o.records.length > 0 ? [i] : []));
        const index = reports[which % Math.max(1, reports.length)];
        if (index === undefined) return;
        const [atMs, report] = stream[index] as [number, Extract<GlobalObservation, { kind: 'secondaryDurable' }>];
        const altered = report.records.map((r, i) => (i === which % report.records.length ? { ...r, digest: `${r.digest}'` } : r));
        const broken = stream.map((entry, i): [number, GlobalObservation] => (i === index ? [atMs, { ...report, records: altered }] : entry));
        expect(judge(prefix(), broken).violations).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
