/**
 * Determinism and the two interpreters (docs/architecture.md, "One machine, two interpreters";
 * docs/determinism.md, "The checks"), storage scenarios: each built-in scenario run live (xstate
 * actors on the kernel) and stepped (xstate's pure `transition()` on deep-frozen snapshots) gives
 * one traceHash for one seed over its first 6 virtual seconds, where these scenarios start their
 * faults. The stepped run fails on any write into a snapshot or an event, so this also shows the
 * transitions it reaches pure; and since the two runs share no actor state, one hash also shows the
 * run is a function of its seed. Failover and membership scenarios: `determinism-failover.test.ts`.
 * Whole runs at three seeds and random fault plans: `interpreters.deep.test.ts`
 * (`npm run test:deep`). To keep `npm test` within its time, this file takes every third storage
 * scenario (in the built-in order), and runs one without faults for 2 virtual seconds (the same
 * steps repeat after that); the deep file runs every one of them whole.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIOS, findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import { CORNER_SCENARIOS, FAILOVER_SCENARIOS, GLOBAL_SCENARIOS, MEMBERSHIP_SCENARIOS, MULTI_WRITER_SCENARIOS, QUICK_UNTIL_MS, expectInterpretersAgree, runScenario } from './helpers.js';

describe('Determinism: built-in storage scenarios, live and stepped', () => {
  const storage = BUILTIN_SCENARIOS.filter(
    (s) =>
      !FAILOVER_SCENARIOS.includes(s.name) && !MEMBERSHIP_SCENARIOS.includes(s.name) && !CORNER_SCENARIOS.includes(s.name) && !GLOBAL_SCENARIOS.includes(s.name) && !MULTI_WRITER_SCENARIOS.includes(s.name),
  )
    .filter((_, index) => index % 3 === 0)
    // storage-growth has its own case below, through its geometry changes.
    .filter((s) => s.name !== 'storage-growth');
  it.each(storage.map((s) => [s.name, s] as const))('%s gives one traceHash for seed 3 under both interpreters', (_name, scenario) => {
    expectInterpretersAgree(scenario, 3, scenario.faults.length === 0 ? 2_000 : QUICK_UNTIL_MS);
  }, 300_000);

  it('global-cut-off, shortened, gives one traceHash for seed 3 under both interpreters: shipping, loss, a partition and the catch-up', () => {
    const scenario = withOverrides(findScenario('global-cut-off')!, {
      faults: [
        { atMs: 300, kind: 'partition', sideA: ['us-east-1'], sideB: ['eu-west-1'] },
        { atMs: 900, kind: 'heal' },
      ],
      durationMs: 1_500,
    });
    const report = expectInterpretersAgree(scenario, 3);
    expect(report.global?.secondaries.every((secondary) => secondary.durableLsn > 0)).toBe(true);
  }, 300_000);

  it('storage-growth gives one traceHash for seed 3 under both interpreters through several geometry changes (storage growth, protocol §1.1)', () => {
    const report = expectInterpretersAgree(findScenario('storage-growth')!, 3, 4_000);
    expect(report.growth!.changes.length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('gives a different traceHash for another seed', () => {
    const scenario = findScenario('slow-segment')!;
    expect(runScenario(scenario, 4, 'live', 2_000).report.traceHash).not.toBe(runScenario(scenario, 3, 'live', 2_000).report.traceHash);
  });
});
