/**
 * Volume: a latency outlier. One segment of the PG is 50x slower. A 4/6 write quorum masks it and
 * commit p99 stays put; the control arm, which waits for all 6 acks, pays for it. This is the
 * paper's reason for 4/6 (SIGMOD'17 §2.1, §3.3).
 */
import { describe, expect, it } from 'vitest';
import { expectSafe, runScenario, scenario } from './helpers.js';

describe('Volume: slow segment (50x disk latency)', () => {
  const seed = 5;
  const baseline = runScenario(scenario('slow-segment', { faults: [] }), seed).report;
  const slow = runScenario(scenario('slow-segment'), seed).report;
  const controlBaseline = runScenario(scenario('slow-segment', { faults: [], writer: { durability: 'all' } }), seed).report;
  const control = runScenario(scenario('slow-segment', { writer: { durability: 'all' } }), seed).report;

  it('leaves commit p99 unchanged under the 4/6 quorum', () => {
    expectSafe(slow);
    expect(slow.latencyMs.commitP99).toBeLessThan(1.2 * baseline.latencyMs.commitP99);
  });

  it('costs the control arm that waits for all 6 acks several times its p99', () => {
    expectSafe(control);
    expect(control.latencyMs.commitP99).toBeGreaterThan(3 * controlBaseline.latencyMs.commitP99);
    expect(control.latencyMs.commitP99).toBeGreaterThan(3 * slow.latencyMs.commitP99);
  });
});
