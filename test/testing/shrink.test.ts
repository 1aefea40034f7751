/**
 * Shrinking a failing run: an AZ outage plus one more segment of the PG takes the write quorum
 * (4 of 6) away, so writes stall (SIGMOD'17 §2.1: AZ+1 keeps reads, not writes). Among noise (a
 * second crash, a slow segment, message loss) the shrinker must end at the AZ outage and one crash,
 * keep the seed and stay within its run budget (testing.deep.test.ts checks it is the same twice).
 */
import { describe, expect, it } from 'vitest';
import { faultUnits, NotFailingError, runScenarioCheck, shrinkFailure, smallScenario } from '../../src/testing/index.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { failing, faults, writesStall } from './stall-fixture.js';

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
