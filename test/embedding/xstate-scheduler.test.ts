/**
 * A built-in scenario on xstate's own scheduler (docs/embedding.md, "A whole simulation on xstate's
 * scheduler"): the world's machines as plain `createActor(machine.provide(...), { clock })`
 * actors (xstate-scheduler-host.ts) give the live host's run, report for report. Longer runs,
 * through an AZ+1 outage and a failover: xstate-scheduler.deep.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { expectSameRunOnXstateScheduler } from './xstate-scheduler-host.js';

describe("A built-in scenario on xstate's own scheduler", () => {
  it('writer-crash (its first second, seed 3): the same report as under the live host, but for the trace', () => {
    const report = expectSameRunOnXstateScheduler(findScenario('writer-crash')!, 3, 1_000);
    // Something happened: commits acknowledged, and every judge passing.
    expect(report.commits.acknowledged).toBeGreaterThan(0);
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
  }, 120_000);
});
