/**
 * The testing layer at full size (`npm run test:deep`): generated AZ+1 scenarios on a two-PG
 * cluster pass every judge; scenarios beyond the budget may stall but never lose an acknowledged
 * commit; swarm scenarios run clean; shrinking gives the same answer twice.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../src/cluster/scenario.js';
import { checkScenario, FAULT_FAMILIES, runScenarioCheck, scenario, shrinkFailure, smallScenario, swarmScenario } from '../../src/testing/index.js';
import type { ScenarioCheckResult } from '../../src/testing/index.js';
import { failing, writesStall } from './stall-fixture.js';

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
    for (const seed of [3, 4, 5]) {
      const first = shrinkFailure({ scenario: failing, seed }, writesStall, { maxRuns: 40 });
      const second = shrinkFailure({ scenario: failing, seed }, writesStall, { maxRuns: 40 });
      expect(second.scenario).toEqual(first.scenario);
      expect(second.runs).toBe(first.runs);
      expect(first.scenario.faults.length).toBeLessThanOrEqual(4);
      expect(writesStall(runScenarioCheck(first.scenario, seed))).toBe(true);
    }
  }, 600_000);
});
