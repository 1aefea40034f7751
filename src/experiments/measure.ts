/**
 * Runs the experiments share: a scenario run whose report must be safe (every judge passes, no
 * acknowledged commit lost: an experiment's figures from an unsafe run would mean nothing), and
 * the commit latencies of its write transactions, from the history.
 */
import { entryTimeMs } from '../cluster/history.js';
import type { Scenario } from '../cluster/scenario.js';
import type { SimulationReport } from '../simulation/report.js';
import { quantile } from '../simulation/quantile.js';
import { Simulation } from '../simulation/simulation.js';

/** A measured run. */
export interface MeasuredRun {
  report: SimulationReport;
  /** Invoke to ok of every acknowledged write transaction, ms, ascending. */
  commitLatenciesMs: number[];
  /** When each write transaction was acknowledged, virtual ms, ascending. */
  commitAtMs: number[];
}

/** How many runs of each kind {@link remembered} keeps, oldest dropped first. */
const RUNS_KEPT = 64;

/**
 * `make()` once per key: a run is a pure function of its arguments, so experiments that show the
 * same run (`experiment all`) make it once. `kept` holds the runs of one kind, bounded.
 */
export function remembered<T>(kept: Map<string, T>, key: string, make: () => T): T {
  const made = kept.get(key);
  if (made !== undefined) return made;
  const run = make();
  if (kept.size >= RUNS_KEPT) kept.delete(kept.keys().next().value!);
  kept.set(key, run);
  return run;
}

const runs = new Map<string, MeasuredRun>();

/** An experiment's run failed a judge or lost a commit: its figures are not reported. */
export class UnsafeRunError extends Error {
  constructor(scenario: string, seed: number, what: string) {
    super(`experiment run ${scenario} at seed ${seed} is not safe (${what}): replay it with aurora-actors run, its figures are not reported`);
    this.name = 'UnsafeRunError';
  }
}

/** Runs `scenario` at `seed` to its end, checks it is safe, and collects its commit latencies. */
export function measure(scenario: Scenario, seed: number): MeasuredRun {
  return remembered(runs, `${seed} ${JSON.stringify(scenario)}`, () => measureAfresh(scenario, seed));
}

function measureAfresh(scenario: Scenario, seed: number): MeasuredRun {
  const sim = new Simulation({ seed, scenario, trace: { keepEvents: false } });
  const invokedAtMs = new Map<number, number>();
  const latencies: number[] = [];
  const commitAtMs: number[] = [];
  sim.run();
  for (const entry of sim.history.entries) {
    const writes = entry.value.some(([f]) => f === 'w');
    if (entry.type === 'invoke' && writes) invokedAtMs.set(entry.txnId, entryTimeMs(entry));
    else if (entry.type === 'ok' && invokedAtMs.has(entry.txnId)) {
      latencies.push(entryTimeMs(entry) - invokedAtMs.get(entry.txnId)!);
      commitAtMs.push(entryTimeMs(entry));
    }
  }
  const report = sim.report();
  const failed = report.invariants.filter((result) => !result.ok).map((result) => result.name);
  if (failed.length > 0) throw new UnsafeRunError(scenario.name, seed, `failed ${failed.join(', ')}`);
  if (report.commits.lostAcknowledged > 0) throw new UnsafeRunError(scenario.name, seed, `${report.commits.lostAcknowledged} acknowledged commits lost`);
  return { report, commitLatenciesMs: latencies.sort((a, b) => a - b), commitAtMs: commitAtMs.sort((a, b) => a - b) };
}

/** p50, p99 and p99.9 of ascending samples (nearest rank). */
export function tailOf(sorted: readonly number[]): { p50: number; p99: number; p999: number } {
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), p999: quantile(sorted, 0.999) };
}

/** A number rounded to `digits` significant digits, for tables (exact figures stay in the JSON). */
export function round(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}
