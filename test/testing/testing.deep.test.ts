/**
 * The testing layer at full size (`npm run test:deep`): generated AZ+1 scenarios on a two-PG
 * cluster pass every judge; scenarios beyond the budget may stall but never lose an acknowledged
 * commit; swarm scenarios run clean; shrinking gives the same answer twice.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/cluster/scenario.js';
import { parseScenario } from '../../src/scenarios/schema.js';
import { checkScenario, FAULT_FAMILIES, runScenarioCheck, scenario, shrinkFailure, smallScenario, swarmScenario } from '../../src/testing/index.js';
import type { ScenarioCheckResult } from '../../src/testing/index.js';

const twoPgs: Scenario = { ...smallScenario(), topology: { ...smallScenario().topology, pgCount: 2 } };

describe('Testing: generated scenarios (deep)', () => {
  it('within AZ+1, every family but writer crashes: every judge passes (property)', () => {
    checkScenario(scenario({ base: twoPgs, maxFaults: 3 }), { numRuns: 40, seed: 101 });
  }, 600_000);

  it('beyond the budget, writer crashes included: no acknowledged commit is lost (property)', () => {
    const lost = (result: ScenarioCheckResult) => result.report.commits.lostAcknowledged > 0;
    checkScenario(scenario({ base: twoPgs, budget: 'beyond', families: FAULT_FAMILIES, maxFaults: 4 }), { numRuns: 40, seed: 102, isFailure: lost });
  }, 600_000);

  it('swarm scenarios of 20 seeds over the small cluster pass every judge', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = runScenarioCheck(swarmScenario(twoPgs, seed), seed);
      expect(result.violations, `seed ${seed}: ${swarmScenario(twoPgs, seed).description}`).toEqual([]);
    }
  }, 600_000);

  it('shrinks the same failure to the same scenario in the same number of runs', () => {
    const faults = [
      { atMs: 50, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 5 },
      { atMs: 100, kind: 'azOutage', az: 'us-east-1b' },
      { atMs: 150, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:1' },
      { atMs: 200, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1c:2' },
      { atMs: 600, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:2' },
      { atMs: 650, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:1', factor: 1 },
      { atMs: 700, kind: 'segmentRestart', segment: 'seg:pg0:us-east-1c:1' },
      { atMs: 700, kind: 'azRecover', az: 'us-east-1b' },
    ];
    const failing = parseScenario({ ...smallScenario(), network: { lossRatio: 0.01 }, workload: { ...smallScenario().workload, commitsPerS: 50, stopMs: 900 }, durationMs: 900, faults }, 'test scenario');
    const stalls = (result: ScenarioCheckResult) => result.report.commits.acknowledged >= 3 && result.report.writeStalls.some((s) => s.toMs - s.fromMs >= 250);
    for (const seed of [3, 4, 5]) {
      const first = shrinkFailure({ scenario: failing, seed }, stalls, { maxRuns: 40 });
      const second = shrinkFailure({ scenario: failing, seed }, stalls, { maxRuns: 40 });
      expect(second.scenario).toEqual(first.scenario);
      expect(second.runs).toBe(first.runs);
      expect(first.scenario.faults.length).toBeLessThanOrEqual(4);
      expect(stalls(runScenarioCheck(first.scenario, seed))).toBe(true);
    }
  }, 600_000);
});
