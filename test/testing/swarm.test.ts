/**
 * Swarm scenarios (Groce et al. 2012): one seed, one scenario, drawn from the kernel Rng; seeds
 * differ in which fault families they switch on, and every swarm scenario is a valid scenario.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenarios/schema.js';
import { findScenario } from '../../src/scenarios/builtin.js';
import { FAULT_FAMILIES, smallScenario, swarmFamilies, swarmScenario } from '../../src/testing/index.js';

describe('Testing: swarmScenario', () => {
  const base = smallScenario();

  it('is deterministic per seed', () => {
    expect(swarmScenario(base, 42)).toEqual(swarmScenario(base, 42));
    expect(swarmScenario(base, -7, { budget: 'beyond' })).toEqual(swarmScenario(base, -7, { budget: 'beyond' }));
  });

  it('varies across seeds: different family subsets and different plans', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const subsets = new Set(seeds.map((seed) => swarmFamilies(seed, FAULT_FAMILIES).join(',')));
    expect(subsets.size).toBeGreaterThanOrEqual(10);
    const plans = new Set(seeds.map((seed) => JSON.stringify(swarmScenario(base, seed).faults)));
    expect(plans.size).toBe(seeds.length);
    // Every seed switches on at least one family.
    for (const seed of seeds) expect(swarmFamilies(seed, FAULT_FAMILIES).length).toBeGreaterThan(0);
  });

  it('draws only from the families switched on, within the base topology and duration', () => {
    const base2 = findScenario('az-plus-one')!;
    for (let seed = 1; seed <= 20; seed++) {
      const swarm = swarmScenario(base2, seed, { families: ['segment-crash', 'slow-segment'] });
      expect(parseScenario(JSON.parse(JSON.stringify(swarm)), 'swarm')).toEqual(swarm);
      expect(swarm.topology).toEqual(base2.topology);
      expect(swarm.durationMs).toBe(base2.durationMs);
      expect(swarm.network.lossRatio ?? 0).toBe(0);
      for (const fault of swarm.faults) expect(['segmentCrash', 'segmentRestart', 'slowSegment']).toContain(fault.kind);
      const on = swarmFamilies(seed, ['segment-crash', 'slow-segment']);
      if (!on.includes('slow-segment')) expect(swarm.faults.some((f) => f.kind === 'slowSegment')).toBe(false);
      expect(swarm.description).toContain(`seed ${seed}`);
    }
  });
});
