/**
 * The isolation figures of docs/semantics.md ("Isolation"), from whole runs: replica-reads' writer
 * histories at seeds 3 and 11 (write-skew pairs, lost updates), az-plus-one's clean one, and the
 * same replica-reads runs with `writer.isolation: 'serializable'`, strict serializable.
 */
import { describe, expect, it } from 'vitest';
import { checkTxnHistory } from '../../../src/check/txn/index.js';
import type { TxnVerdict } from '../../../src/check/txn/index.js';
import { createSimulation, findScenario, withOverrides } from '../../../src/index.js';
import type { Scenario } from '../../../src/index.js';

function check(scenario: Scenario, seed: number): TxnVerdict {
  const sim = createSimulation({ seed, scenario });
  sim.runFor(scenario.durationMs);
  return checkTxnHistory(sim.history.entries, { model: 'strict-serializable', examplesPerClass: 100 });
}

/** Write-skew pairs: G2 cycles of two transactions, each reading what the other writes. */
const pairs = (verdict: TxnVerdict): number => verdict.anomalies.filter((anomaly) => anomaly.class === 'G2' && anomaly.cycle.length === 2).length;

describe('Isolation figures (whole runs)', () => {
  const replicaReads = findScenario('replica-reads')!;

  it.each([
    [3, { G2: 5, 'G-single': 2 }, 1],
    [11, { G2: 5, 'G-single': 4 }, 5],
  ] as const)('replica-reads seed %i: %o, %i write-skew pairs; none with writer.isolation serializable', (seed, counts, skewPairs) => {
    const plain = check(replicaReads, seed);
    expect(plain.counts).toEqual(counts);
    expect(pairs(plain)).toBe(skewPairs);
    const serializable = check(withOverrides(replicaReads, { writer: { isolation: 'serializable' } }), seed);
    expect(serializable).toMatchObject({ ok: true, counts: {} });
  });

  it('az-plus-one seed 3 (1,000 keys) is clean', () => {
    expect(check(findScenario('az-plus-one')!, 3)).toMatchObject({ ok: true, counts: {} });
  });
});
