/**
 * The isolation the writer gives, checked on real runs (docs/semantics.md, "Isolation"): every
 * built-in scenario's history is read committed; replica-reads shows write skew at the default
 * level, and none of it with `writer.isolation: 'serializable'`, whose histories are strict
 * serializable. Runs are cut short to keep the suite cheap; isolation.deep.test.ts runs them whole.
 */
import { describe, expect, it } from 'vitest';
import { checkTxnHistory } from '../../../src/check/txn/index.js';
import { BUILTIN_SCENARIOS, createSimulation, findScenario, withOverrides } from '../../../src/index.js';
import type { Scenario } from '../../../src/index.js';

const SEED = 3;
/**
 * Each built-in runs until its history holds this many acknowledged transactions (or for
 * `RUN_MS_MAX`: long enough for the light load of the hours-long `backtrack`, 2 commits/s).
 */
const ACKNOWLEDGED_MIN = 10;
const RUN_MS_MAX = 10_000;

function historyOf(scenario: Scenario, seed: number, runMs: number, acknowledgedMin = Infinity) {
  const sim = createSimulation({ seed, scenario });
  for (let ranMs = 0; ranMs < runMs && sim.history.counts.ok < acknowledgedMin; ranMs += 5) sim.runFor(5);
  return sim.history.entries;
}

describe('Isolation: the writer gives read committed', () => {
  it.each(BUILTIN_SCENARIOS.map((scenario) => [scenario.name, scenario] as const))('%s: its history is read committed', (_name, scenario) => {
    const verdict = checkTxnHistory(historyOf(scenario, SEED, RUN_MS_MAX, ACKNOWLEDGED_MIN), { model: 'read-committed' });
    // Not vacuous: the cut holds acknowledged transactions.
    expect(verdict.transactions.ok).toBeGreaterThanOrEqual(ACKNOWLEDGED_MIN);
    expect(verdict.violations).toEqual([]);
    expect(verdict.ok).toBe(true);
  });
});

describe('Isolation: writer.isolation serializable', () => {
  const base = findScenario('replica-reads')!;
  // Seed 11's first write-skew pair commits within 60 ms; 150 ms also gives the option aborts to show.
  const runMs = 150;

  it('replica-reads at seed 11: write skew (G2) at the default level, none with the option, at the price of aborts', () => {
    const plainEntries = historyOf(base, 11, runMs);
    const plain = checkTxnHistory(plainEntries, { model: 'strict-serializable' });
    expect(plain.counts.G2 ?? 0).toBeGreaterThan(0);
    expect(plain.violations).toContain('G2');
    // The same history at the level the writer claims: the write skew is reported, not forbidden.
    const claimed = checkTxnHistory(plainEntries, { model: 'read-committed' });
    expect(claimed.ok).toBe(true);
    expect(claimed.anomalies.some((anomaly) => anomaly.class === 'G2' && !anomaly.forbidden)).toBe(true);

    const serializable = withOverrides(base, { writer: { isolation: 'serializable' } });
    const entries = historyOf(serializable, 11, runMs);
    const verdict = checkTxnHistory(entries, { model: 'strict-serializable' });
    expect(verdict).toMatchObject({ ok: true, counts: {} });
    expect(verdict.transactions.fail).toBeGreaterThan(0);
    expect(entries.filter((entry) => entry.type === 'fail').every((entry) => entry.error === 'serializationFailure')).toBe(true);
  });
});
