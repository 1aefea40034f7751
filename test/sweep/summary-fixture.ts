/** A one-seed sweep summary (seed 1 of the `tiny` scenario, clean) for merge tests to vary. */
import type { SweepSummary } from '../../src/sweep/index.js';

export function sweepSummary(patch: Partial<SweepSummary> = {}): SweepSummary {
  return {
    kind: 'aurora-actors/sweep',
    version: 1,
    scenario: { name: 'tiny', hash: 'f'.repeat(64) },
    plant: null,
    swarm: false,
    seeds: { from: 1, to: 1 },
    shard: null,
    runs: [{ seed: 1, traceHash: 'a', ok: true, violated: [], lostAcknowledged: 0, acknowledged: 1, simulatedMs: 1, runMs: 1 }],
    violations: 0,
    failingSeeds: [],
    determinism: { sampled: [1], ok: true, mismatches: [] },
    totals: { runs: 1, acknowledged: 1, lostAcknowledged: 0, simulatedMs: 1, runMs: 1, wallMs: 1 },
    ...patch,
  } as SweepSummary;
}
