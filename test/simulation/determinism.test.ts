/**
 * Determinism (ARCHITECTURE §4): every built-in scenario gives the same traceHash twice for one
 * seed, and another seed gives another run.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS } from '../../src/scenarios/builtin.js';
import { runScenario } from './helpers.js';

describe('Determinism: built-in scenarios', () => {
  it.each(BUILTIN_SCENARIOS.map((s) => [s.name, s] as const))('%s gives the same traceHash twice for seed 3', (_name, scenario) => {
    const first = runScenario(scenario, 3).report;
    const second = runScenario(scenario, 3).report;
    expect(second.traceHash).toBe(first.traceHash);
    expect(second.traceEvents).toBe(first.traceEvents);
    expect(second.commits).toEqual(first.commits);
  });

  it('gives a different traceHash for another seed', () => {
    const scenario = BUILTIN_SCENARIOS[0]!;
    expect(runScenario(scenario, 4).report.traceHash).not.toBe(runScenario(scenario, 3).report.traceHash);
  });
});
