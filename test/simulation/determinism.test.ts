/**
 * Determinism and the two interpreters (ARCHITECTURE §3–4): every built-in scenario run live
 * (xstate actors on the kernel) and stepped (xstate's pure `transition()` on deep-frozen snapshots)
 * gives one traceHash for one seed. The stepped run fails on any write into a snapshot or an event,
 * so this also proves every transition of every machine in the scenario pure; and since the two
 * runs share no actor state, equal hashes also show the run is a function of its seed.
 * More seeds and random fault plans: `interpreters.deep.test.ts` (`npm run test:deep`).
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS, findScenario } from '../../src/scenarios/builtin.js';
import { runScenario } from './helpers.js';

describe('Determinism: every built-in scenario, live and stepped', () => {
  it.each(BUILTIN_SCENARIOS.map((s) => [s.name, s] as const))('%s gives one traceHash for seed 3 under both interpreters', (_name, scenario) => {
    const live = runScenario(scenario, 3, 'live').report;
    const stepped = runScenario(scenario, 3, 'stepped-frozen').report;
    expect(stepped.traceHash).toBe(live.traceHash);
    expect(stepped.traceEvents).toBe(live.traceEvents);
    expect(stepped.commits).toEqual(live.commits);
    expect(stepped.failovers).toEqual(live.failovers);
  }, 300_000);

  it('gives a different traceHash for another seed', () => {
    const scenario = findScenario('slow-segment')!;
    expect(runScenario(scenario, 4).report.traceHash).not.toBe(runScenario(scenario, 3).report.traceHash);
  });
});
