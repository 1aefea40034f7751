/**
 * Determinism and the two interpreters (docs/architecture.md, "One machine, two interpreters";
 * docs/determinism.md, "The checks"), failover and membership scenarios: live and stepped on
 * deep-frozen snapshots give one traceHash for one seed over the first 6 virtual seconds (crashes,
 * partitions and segment losses start there; detection and recovery come later and run whole in
 * `interpreters.deep.test.ts`, and step by step from frozen snapshots in
 * `test/models/instance-purity.test.ts`). To keep `npm test` within its time, this file takes every
 * third one of these scenarios; the deep file runs every one of them whole.
 */
import { describe, it } from 'vitest';
import { findScenario } from '../../src/scenarios/builtin.js';
import { FAILOVER_SCENARIOS, MEMBERSHIP_SCENARIOS, QUICK_UNTIL_MS, expectInterpretersAgree } from './helpers.js';

describe('Determinism: built-in failover and membership scenarios, live and stepped', () => {
  it.each([...FAILOVER_SCENARIOS, ...MEMBERSHIP_SCENARIOS].filter((_, index) => index % 3 === 0))('%s gives one traceHash for seed 3 under both interpreters', (name) => {
    expectInterpretersAgree(findScenario(name)!, 3, QUICK_UNTIL_MS);
  }, 300_000);
});
