/**
 * Every experiment that runs scenarios (src/experiments/), in quick mode: each gives its tables,
 * every run it made passed its judges (an unsafe run throws), and each shows the shape of the claim
 * it sets beside the published figure. The figures themselves are in docs/experiments.md.
 */
import { describe, expect, it } from 'vitest';
import { findExperiment } from '../../src/experiments/index.js';
import type { ExperimentResult } from '../../src/experiments/index.js';

const run = (name: string): ExperimentResult => findExperiment(name)!.run({ seed: 1, quick: true });
const column = (result: ExperimentResult, table: number, heading: string): (string | number | null)[] => {
  const index = result.tables[table]!.columns.indexOf(heading);
  expect(index, heading).toBeGreaterThanOrEqual(0);
  return result.tables[table]!.rows.map((row) => row[index]!);
};

describe('Experiments (quick)', () => {
  it('quorum-tail: waiting for all six copies stretches the tail under a slow segment; 4 of 6 does not notice it', () => {
    const result = run('quorum-tail');
    const p99 = column(result, 0, 'p99') as number[];
    // Rows: no fault (4/6, 6/6), slow segment (4/6, 6/6), outliers (4/6, 6/6).
    const [noneQuorum, , slowQuorum, slowAll, outliersQuorum, outliersAll] = p99;
    expect(slowAll!).toBeGreaterThan(3 * slowQuorum!);
    expect(slowQuorum!).toBeLessThan(1.5 * noneQuorum!);
    expect(outliersAll!).toBeGreaterThan(outliersQuorum!);
  }, 300_000);

  it('replica-lag: lag in milliseconds at every rate, growing from the lowest rate to the highest', () => {
    const result = run('replica-lag');
    const p50 = column(result, 0, 'ours p50') as number[];
    expect(p50.every((lag) => lag > 0 && lag < 20)).toBe(true);
    expect(p50[p50.length - 1]!).toBeGreaterThan(p50[0]!);
  }, 300_000);

  it('io-per-txn: the mirrored pair writes each row\'s page twice and more I/Os per transaction than Aurora, which commits more at the same clients', () => {
    const result = run('io-per-txn');
    const [mirroredIos, auroraIos] = column(result, 0, 'ours I/Os per txn') as number[];
    const [mirroredTxns, auroraTxns] = column(result, 0, 'ours (30 min, extrapolated)') as number[];
    expect(mirroredIos!).toBeGreaterThan(7);
    expect(auroraIos!).toBeLessThan(mirroredIos! / 2);
    expect(auroraTxns!).toBeGreaterThan(2 * mirroredTxns!);
    // Boxcarring: more clients, fewer batches per transaction.
    const byClients = column(result, 1, 'Aurora I/Os per txn') as number[];
    expect(byClients[byClients.length - 1]!).toBeLessThan(byClients[0]!);
    const kinds = Object.fromEntries(result.tables[2]!.rows.map(([kind, perTxn]) => [kind, perTxn]));
    expect(kinds['dataPage']).toBeCloseTo(kinds['doubleWrite'] as number, 1);
  }, 300_000);

  it('replica-lag: the binlog replica keeps up at 1,000 writes/s and falls further behind at 10,000 than at 5,000', () => {
    const result = run('replica-lag');
    const at300S = column(result, 1, 'ours after 300 s (extrapolated)');
    expect(at300S[0]).toBe('— (keeps up)');
    expect(at300S[3] as number).toBeGreaterThan(at300S[2] as number);
    expect(at300S[2] as number).toBeGreaterThan(10_000);
  }, 300_000);

  it('aurora-vs-rds: every row has both topologies, the mirrored failover is the longer, and neither loses a commit', () => {
    const result = run('aurora-vs-rds');
    const rows = result.tables[0]!.rows;
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(['Failover: crash to writable', 'Backups']));
    const failover = rows.find((row) => row[0] === 'Failover: crash to writable')!;
    const seconds = (cell: unknown): number => Number(/^([\d.]+) s/.exec(String(cell))![1]);
    expect(seconds(failover[2])).toBeGreaterThan(seconds(failover[1]));
    expect(String(failover[1])).toContain('0 acknowledged commits lost');
    expect(String(failover[2])).toContain('0 acknowledged commits lost');
  }, 300_000);

  it('failover: writable within the documented 60 s with a replica and 10 min without; a switchover loses nothing', () => {
    const result = run('failover');
    const writable = column(result, 0, 'writable (endpoint switched)') as number[];
    expect(writable[0]!).toBeLessThan(60);
    expect(writable[1]!).toBeLessThan(600);
    expect(writable[1]!).toBeGreaterThan(writable[0]!);
    expect(column(result, 1, 'RPO: commits lost (span, ms)')[1]).toBe('0 (0)');
  }, 300_000);

  it('recovery: under the paper\'s 10 s at every rate', () => {
    const result = run('recovery');
    const recovery = column(result, 0, 'recovery (ms)') as number[];
    expect(recovery.every((ms) => ms > 0 && ms < 10_000)).toBe(true);
  }, 300_000);
});
