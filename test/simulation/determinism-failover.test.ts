/**
 * Determinism and the two interpreters (ARCHITECTURE §3–4), failover and membership scenarios:
 * live and stepped on deep-frozen snapshots give one traceHash for one seed over the first 6
 * virtual seconds (crashes, partitions and segment losses start there; detection and recovery
 * come later and run whole in `interpreters.deep.test.ts`, and step by step from frozen snapshots
 * in `test/models/instance-purity.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { FAILOVER_SCENARIOS, MEMBERSHIP_SCENARIOS, QUICK_UNTIL_MS, runScenario } from './helpers.js';

describe('Determinism: built-in failover and membership scenarios, live and stepped', () => {
  it.each([...FAILOVER_SCENARIOS, ...MEMBERSHIP_SCENARIOS])('%s gives one traceHash for seed 3 under both interpreters', (name) => {
    const scenario = findScenario(name)!;
    const live = runScenario(scenario, 3, 'live', QUICK_UNTIL_MS).report;
    const stepped = runScenario(scenario, 3, 'stepped-frozen', QUICK_UNTIL_MS).report;
    expect(stepped.traceHash).toBe(live.traceHash);
    expect(stepped.commits).toEqual(live.commits);
    expect(stepped.failovers).toEqual(live.failovers);
  }, 300_000);
});
