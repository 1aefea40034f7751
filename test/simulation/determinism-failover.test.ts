/**
 * Determinism (ARCHITECTURE §4) of the failover scenarios: the same traceHash twice for one seed,
 * through crashes, recoveries, fencing and endpoint switches.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { FAILOVER_SCENARIOS, runScenario } from './helpers.js';

describe('Determinism: built-in failover scenarios', () => {
  it.each(FAILOVER_SCENARIOS)('%s gives the same traceHash twice for seed 3', (name) => {
    const scenario = findScenario(name)!;
    const first = runScenario(scenario, 3).report;
    const second = runScenario(scenario, 3).report;
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.failovers).toEqual(first.failovers);
    expect(second.commits).toEqual(first.commits);
  });
});
