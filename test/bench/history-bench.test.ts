/**
 * `historyBenchFigures`: the figures the bench report will show, by name and type (never by
 * speed), and the generated history it times: deterministic in its seed, concurrent, and
 * linearizable by construction.
 */
import { describe, expect, it } from 'vitest';
import { generateRegisterHistory, historyBenchFigures } from '../../src/bench/history-bench.js';

describe('Bench: history checker figures', () => {
  it('the generated history is a function of the seed, with concurrent operations on every key', () => {
    const history = generateRegisterHistory({ seed: 5, operations: 2_000, keys: 10 });
    expect(generateRegisterHistory({ seed: 5, operations: 2_000, keys: 10 })).toEqual(history);
    expect(generateRegisterHistory({ seed: 6, operations: 2_000, keys: 10 })).not.toEqual(history);
    expect(history).toHaveLength(4_000);
    expect(new Set(history.map((entry) => entry.key)).size).toBe(10);
    // Concurrency: at some point several operations are open at once.
    let open = 0;
    let openMax = 0;
    for (const entry of history) {
      open += entry.type === 'invoke' ? 1 : -1;
      openMax = Math.max(openMax, open);
    }
    expect(openMax).toBeGreaterThan(5);
    expect(history.some((entry) => entry.type === 'info')).toBe(true);
    expect(history.some((entry) => entry.type === 'fail')).toBe(true);
  });

  it('reports the checker rate on 10,000 operations over 100 keys and the etcd corpus', () => {
    const figures = historyBenchFigures({ seed: 1, quick: true });
    expect(figures).toMatchObject({ historyOperations: 10_000, historyKeys: 100, historyVerdict: 'ok', etcdCorpusFiles: 50, etcdCorpusAgreeing: 50 });
    expect(figures.historyOpsPerSRegister).toBeGreaterThan(0);
    expect(Number.isFinite(figures.historyOpsPerSRegister)).toBe(true);
    expect(figures.etcdCorpusMs).toBeGreaterThan(0);
  });
});
