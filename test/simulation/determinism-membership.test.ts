/**
 * Determinism (ARCHITECTURE §4) of the membership-change scenarios: the same traceHash twice for
 * one seed, through segment replacements that provision new actors while the world runs.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { MEMBERSHIP_SCENARIOS, runScenario } from './helpers.js';

describe('Determinism: built-in membership scenarios', () => {
  it.each(MEMBERSHIP_SCENARIOS)('%s gives the same traceHash twice for seed 3', (name) => {
    const scenario = findScenario(name)!;
    const first = runScenario(scenario, 3).report;
    const second = runScenario(scenario, 3).report;
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.commits).toEqual(first.commits);
  });
});
