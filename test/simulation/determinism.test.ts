/**
 * Determinism (ARCHITECTURE §4): every built-in storage scenario gives the same traceHash twice
 * for one seed, and another seed gives another run. (Failover scenarios: determinism-failover.)
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS, findScenario } from '../../src/scenarios/builtin.js';
import { FAILOVER_SCENARIOS, MEMBERSHIP_SCENARIOS, runScenario } from './helpers.js';

describe('Determinism: built-in storage scenarios', () => {
  const storage = BUILTIN_SCENARIOS.filter((s) => !FAILOVER_SCENARIOS.includes(s.name) && !MEMBERSHIP_SCENARIOS.includes(s.name));
  it.each(storage.map((s) => [s.name, s] as const))('%s gives the same traceHash twice for seed 3', (_name, scenario) => {
    const first = runScenario(scenario, 3).report;
    const second = runScenario(scenario, 3).report;
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.traceEvents).toBe(first.traceEvents);
    expect(second.commits).toEqual(first.commits);
  });

  it('gives a different traceHash for another seed', () => {
    const scenario = findScenario('slow-segment')!;
    expect(runScenario(scenario, 4).report.traceHash).not.toBe(runScenario(scenario, 3).report.traceHash);
  });
});
