/**
 * The multi-writer conflict-rate table (docs/protocol.md §11.2): deadlock errors per 100 attempted
 * write transactions, by writer count (rows) and key skew (columns), each cell one seeded run of
 * the same workload on a cluster of that many writers. The load is the same in every cell: the
 * same clients, rate and transactions, dealt over more writers. `npm run conflict-rate` prints it.
 */
import type { Scenario } from '../cluster/scenario.js';
import { findScenario, withOverrides } from '../scenarios/builtin.js';
import { Simulation } from '../simulation/simulation.js';

/** A column of the table: how skewed the keys are. */
export interface SkewColumn {
  readonly name: string;
  /** Absent: every key uniformly. */
  readonly hotKeys?: { share: number; keys: number };
}

/** The columns the documented table uses. */
export const SKEW_COLUMNS: readonly SkewColumn[] = [
  { name: 'uniform' },
  { name: 'moderate (30 % on 16 keys)', hotKeys: { share: 0.3, keys: 16 } },
  { name: 'heavy (80 % on 16 keys)', hotKeys: { share: 0.8, keys: 16 } },
];

/** Options of {@link conflictRateTable}. */
export interface ConflictRateOptions {
  seed: number;
  writers: readonly number[];
  columns?: readonly SkewColumn[];
  /** Simulated ms of each run. @defaultValue 5000 */
  durationMs?: number;
}

/** One cell: the run's deadlocks and attempted writes, and their rate per 100. */
export interface ConflictRateCell {
  writers: number;
  column: string;
  deadlocks: number;
  attemptedWrites: number;
  conflictRatePer100: number;
  /** Every judge passed and nothing acknowledged was lost. */
  safe: boolean;
}

/** The scenario of one cell: `multi-writer-conflicts` without its crash, at that writer count and skew. */
export function conflictRateScenario(writers: number, column: SkewColumn, durationMs: number): Scenario {
  const base = findScenario('multi-writer-conflicts')!;
  const { hotKeys: _hot, ...workload } = base.workload;
  const patched: Scenario = { ...base, workload: column.hotKeys === undefined ? workload : { ...workload, hotKeys: column.hotKeys }, faults: [] };
  return withOverrides(patched, { name: `conflict-rate-w${writers}`, durationMs, topology: { multiWriter: { writers } }, workload: { stopMs: durationMs } });
}

/** Runs every cell, row by row. */
export function conflictRateTable(options: ConflictRateOptions): ConflictRateCell[] {
  const durationMs = options.durationMs ?? 5_000;
  const cells: ConflictRateCell[] = [];
  for (const writers of options.writers) {
    for (const column of options.columns ?? SKEW_COLUMNS) {
      const sim = new Simulation({ seed: options.seed, scenario: conflictRateScenario(writers, column, durationMs), trace: { keepEvents: false } });
      sim.run();
      const report = sim.report();
      const mw = report.multiWriter!;
      const safe = report.invariants.every((result) => result.ok) && report.commits.lostAcknowledged === 0;
      cells.push({ writers, column: column.name, deadlocks: mw.deadlocks, attemptedWrites: mw.attemptedWrites, conflictRatePer100: mw.conflictRatePer100, safe });
    }
  }
  return cells;
}

/** The table as Markdown: one row per writer count, one column per skew. */
export function conflictRateMarkdown(cells: readonly ConflictRateCell[]): string {
  const columns = [...new Set(cells.map((cell) => cell.column))];
  const rows = [...new Set(cells.map((cell) => cell.writers))];
  const lines = [`| writers | ${columns.join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`];
  for (const writers of rows) {
    const values = columns.map((column) => {
      const cell = cells.find((candidate) => candidate.writers === writers && candidate.column === column);
      return cell === undefined ? '' : `${cell.conflictRatePer100.toFixed(1)} (${cell.deadlocks}/${cell.attemptedWrites})${cell.safe ? '' : ' UNSAFE'}`;
    });
    lines.push(`| ${writers} | ${values.join(' | ')} |`);
  }
  return lines.join('\n');
}
