/**
 * The durability experiment's arithmetic (src/experiments/durability.ts): the closed form's binomial
 * tails against values worked by hand, the Monte Carlo against the closed form where it has events
 * enough to measure, and the AZ+1 claim (SIGMOD'17 §2.1) both ways.
 */
import { describe, expect, it } from 'vitest';
import { binomialTail, closedFormLoss, durability, monteCarloLoss, MTTF_S } from '../../src/experiments/durability.js';

const SIX = { label: 'six', azs: ['a', 'a', 'b', 'b', 'c', 'c'], write: 4, read: 3 };
const THREE = { label: 'three', azs: ['a', 'b', 'c'], write: 2, read: 2 };

describe('Experiments: durability', () => {
  it('computes binomial tails as worked by hand', () => {
    expect(binomialTail(4, 1, 0.1)).toBeCloseTo(1 - 0.9 ** 4, 12);
    expect(binomialTail(4, 2, 0.1)).toBeCloseTo(1 - 0.9 ** 4 - 4 * 0.1 * 0.9 ** 3, 12);
    expect(binomialTail(3, 2, 0.5)).toBeCloseTo(0.5, 12);
    expect(binomialTail(3, 0, 0.2)).toBe(1);
    expect(binomialTail(3, 4, 0.2)).toBe(0);
  });

  it('with an AZ out: six copies lose writes at one more failure and reads at two; three copies lose both at one', () => {
    const p = 0.01;
    expect(closedFormLoss(SIX, SIX.write, p, true)).toBeCloseTo(1 - 0.99 ** 4, 12);
    expect(closedFormLoss(SIX, SIX.read, p, true)).toBeCloseTo(1 - 0.99 ** 4 - 4 * 0.01 * 0.99 ** 3, 12);
    expect(closedFormLoss(THREE, THREE.read, p, true)).toBeCloseTo(1 - 0.99 ** 2, 12);
    // AZ+1: reads survive far more often with six copies.
    expect(closedFormLoss(SIX, SIX.read, p, true)).toBeLessThan(closedFormLoss(THREE, THREE.read, p, true) / 10);
  });

  it('agrees with the closed form within sampling error where double faults are common enough to count', () => {
    const mttrS = 3_600;
    const p = mttrS / (MTTF_S + mttrS);
    let write = 0;
    let read = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const one = monteCarloLoss(SIX, MTTF_S, mttrS, 300 * MTTF_S, seed, true);
      write += one.write / 4;
      read += one.read / 4;
    }
    expect(write / closedFormLoss(SIX, SIX.write, p, true)).toBeGreaterThan(0.9);
    expect(write / closedFormLoss(SIX, SIX.write, p, true)).toBeLessThan(1.1);
    expect(read / closedFormLoss(SIX, SIX.read, p, true)).toBeGreaterThan(0.7);
    expect(read / closedFormLoss(SIX, SIX.read, p, true)).toBeLessThan(1.3);
  });

  it('is a function of its seed', () => {
    expect(monteCarloLoss(THREE, MTTF_S, 600, 50 * MTTF_S, 7, false)).toEqual(monteCarloLoss(THREE, MTTF_S, 600, 50 * MTTF_S, 7, false));
    expect(monteCarloLoss(THREE, MTTF_S, 600, 50 * MTTF_S, 7, false)).not.toEqual(monteCarloLoss(THREE, MTTF_S, 600, 50 * MTTF_S, 8, false));
  });

  it('gives a table per condition with the closed form beside each Monte Carlo figure, and a figure', () => {
    const result = durability.run({ seed: 1, quick: true });
    expect(result.tables).toHaveLength(2);
    for (const table of result.tables) {
      expect(table.columns).toHaveLength(7);
      expect(table.rows.map((row) => row[0])).toEqual([10, 60, 600, 3_600, 21_600]);
    }
    expect(result.figures[0]!.series.map((series) => series.label)).toEqual(['6 copies (Monte Carlo)', '6 copies (closed form)', '3 copies (Monte Carlo)', '3 copies (closed form)']);
  });
});
