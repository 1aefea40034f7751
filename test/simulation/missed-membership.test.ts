/**
 * Regression: a member that misses the writer's membershipChange (a lost message) learns the new
 * configuration from the first peer that refuses its gossip pull, and converges. Before, every
 * peer refused it for the rest of the run and it kept the hole it had: the convergence judge
 * found it in the segment-replacement property at this seed and plan (seg:pg0:us-east-1b:1 at
 * SCL 1305 from 8 s to the end at 12 s, while its peers reached 1,528 and more).
 */
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../src/cluster/scenario.js';
import { withOverrides } from '../../src/scenarios/builtin.js';
import { Simulation } from '../../src/simulation/simulation.js';
import { replacementBase } from './fault-budget.js';

const FAULTS: FaultSpec[] = [
  { atMs: 117, kind: 'slowSegment', segment: 'seg:pg0:us-east-1a:2', factor: 60 },
  { atMs: 442, kind: 'azOutage', az: 'us-east-1b' },
  { atMs: 466, kind: 'segmentCrash', segment: 'seg:pg0:us-east-1a:2' },
  { atMs: 610, kind: 'azRecover', az: 'us-east-1b' },
];

describe('Membership: a member that missed the change', () => {
  it('adopts it from a peer\'s refusal and converges (seed 302519653, 1% loss)', () => {
    const sim = new Simulation({ seed: 302519653, scenario: withOverrides(replacementBase(), { network: { lossRatio: 0.01 }, faults: FAULTS }), trace: { keepEvents: false } });
    sim.run();
    const report = sim.report();
    const convergence = report.invariants.find((result) => result.name === 'segments converge after the last fault');
    expect(convergence).toMatchObject({ ok: true, vacuous: false });
    expect(report.invariants.filter((result) => !result.ok)).toEqual([]);
  });
});
