/**
 * Shrinking a failing run: an AZ outage plus one more segment of the PG takes the write quorum
 * (4 of 6) away, so writes stall (SIGMOD'17 §2.1: AZ+1 keeps reads, not writes). Among noise (a
 * second crash, a slow segment, message loss) the shrinker must end at the AZ outage and one crash,
 * keep the seed and stay within its run budget (`shrink.deep.test.ts` checks it twice).
 */
import { describe, expect, it } from 'vitest';
import type { FaultSpec, Scenario } from '../../src/cluster/scenario.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { faultUnits, NotFailingError, runScenarioCheck, shrinkFailure, smallScenario } from '../../src/testing/index.js';
import type { ScenarioCheckResult } from '../../src/testing/index.js';

const STALL_MS = 250;
/**
 * Writes stalled for at least STALL_MS while some commits went through: at 50 commits/s a gap that
 * long without faults has odds of e^-12.5, and a workload lowered until it commits nothing at all
 * no longer counts as the same failure.
 */
const writesStall = (result: ScenarioCheckResult): boolean =>
  result.report.commits.acknowledged >= 3 && result.report.writeStalls.some((s) => s.toMs - s.fromMs >= STALL_MS);

const faults: FaultSpec[] = [
  { atMs: 50, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 5 },
  { atMs: 100, kind: 'azOutage', az: 'us-east-1b' },
  { atMs: 150, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:1' },
  { atMs: 200, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:2' },
  { atMs: 600, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:2' },
  { atMs: 650, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 1 },
  { atMs: 700, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:1' },
  { atMs: 700, kind: 'azRecover', az: 'us-east-1b' },
];
const failing: Scenario = parseScenario(
  { ...smallScenario(), network: { lossRatio: 0.01 }, workload: { ...smallScenario().workload, commitsPerS: 50, stopMs: 900 }, durationMs: 900, faults },
  'test scenario',
);

describe('Testing: shrinkFailure', () => {
  it('pairs each fault with the fault that ends it', () => {
    expect(faultUnits(faults)).toEqual([
      { start: 0, end: 5 },
      { start: 1, end: 7 },
      { start: 2, end: 6 },
      { start: 3, end: 4 },
    ]);
  });

  const shrunk = shrinkFailure({ scenario: failing, seed: 4 }, writesStall, { maxRuns: 30 });

  it('ends at the AZ outage and one more crash of the PG, which still stalls writes', () => {
    const kinds = shrunk.scenario.faults.map((f) => f.kind).sort();
    expect(kinds).toEqual(['azOutage', 'azRecover', 'segmentCrash', 'segmentRestart']);
    expect(shrunk.scenario.network.lossRatio).toBe(0);
    expect(shrunk.removedFaults.map((f) => f.kind).sort()).toEqual(['segmentCrash', 'segmentRestart', 'slowSegment', 'slowSegment']);
    expect(shrunk.seed).toBe(4);
    expect(shrunk.runs).toBeLessThanOrEqual(30);
    // Shorter windows and a shorter run: the faults end earlier than they did, and so does the run.
    expect(Math.max(...shrunk.scenario.faults.map((f) => f.atMs))).toBeLessThan(700);
    expect(shrunk.scenario.durationMs).toBeLessThan(900);
    // The result is a scenario file that still fails the same way.
    const replayed = runScenarioCheck(parseScenario(JSON.parse(JSON.stringify(shrunk.scenario)), 'shrunk'), 4);
    expect(writesStall(replayed)).toBe(true);
  });

  it('refuses a run that does not fail', () => {
    expect(() => shrinkFailure({ scenario: smallScenario(), seed: 1 }, writesStall, { maxRuns: 2 })).toThrow(NotFailingError);
  });
});
