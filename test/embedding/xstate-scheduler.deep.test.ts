/**
 * Whole stretches of built-in scenarios on xstate's own scheduler (see xstate-scheduler.test.ts):
 * an AZ+1 outage and a writer failover give the live host's report.
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { expectSameRunOnXstateScheduler } from './xstate-scheduler-host.js';

describe("Built-in scenarios on xstate's own scheduler, longer", () => {
  it('az-plus-one, its first 6 s (the AZ out at 3 s, one more PG 0 segment at 4 s)', () => {
    const report = expectSameRunOnXstateScheduler(findScenario('az-plus-one')!, 3, 6_000);
    expect(report.writeStalls.length).toBeGreaterThan(0);
  }, 600_000);

  it('writer-crash, its first 25 s: the crash at 5 s, detection, promotion and recovery', () => {
    const report = expectSameRunOnXstateScheduler(findScenario('writer-crash')!, 3, 25_000);
    expect(report.failovers.length).toBeGreaterThan(0);
    expect(report.failovers[0]?.writerOpenAtMs).toBeGreaterThan(5_000);
  }, 600_000);
});
