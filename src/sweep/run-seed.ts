/**
 * One seed of a sweep: run the simulation to the scenario's end and keep only a small summary, so
 * a sweep of thousands of seeds holds a few hundred bytes per seed, not their reports.
 */
import { Simulation } from '../simulation/simulation.js';
import type { SimulationReport } from '../simulation/report.js';
import { jobSimulationOptions } from './job.js';
import type { SweepJob } from './job.js';

/** What a sweep keeps of one run. */
export interface SeedSummary {
  seed: number;
  /** The run's trace hash: the same for every run of this seed of this job (docs/determinism.md). */
  traceHash: string;
  /** No invariant violated, no acknowledged commit lost, and the run did not throw. */
  ok: boolean;
  /** The names of the invariants the run violated, in report order. */
  violated: string[];
  lostAcknowledged: number;
  /** Commits the clients saw acknowledged. */
  acknowledged: number;
  simulatedMs: number;
  /**
   * Wall-clock milliseconds the run took on its thread. A run is synchronous on a thread of its
   * own, so with no more workers than cores this is close to its CPU time (Node 20 has no
   * per-thread CPU clock). Not deterministic: merges and comparisons leave it out.
   */
  runMs: number;
  /** The error a run threw (a failure of the run: `ok` is false), when it threw. */
  error?: string;
}

/** The summary of a finished run's report. */
export function summarizeReport(report: SimulationReport, runMs: number): SeedSummary {
  const violated = report.invariants.filter((result) => !result.ok).map((result) => result.name);
  return {
    seed: report.seed,
    traceHash: report.traceHash,
    ok: violated.length === 0 && report.commits.lostAcknowledged === 0,
    violated,
    lostAcknowledged: report.commits.lostAcknowledged,
    acknowledged: report.commits.acknowledged,
    simulatedMs: report.simulatedMs,
    runMs,
  };
}

/** Runs one seed of a job; a run that throws is summarized as a failed run naming the error. */
export function runSeed(job: SweepJob, seed: number): SeedSummary {
  const startedMs = performance.now();
  try {
    const sim = new Simulation(jobSimulationOptions(job, seed));
    sim.run();
    return summarizeReport(sim.report(), Math.round(performance.now() - startedMs));
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      seed,
      traceHash: '',
      ok: false,
      violated: [],
      lostAcknowledged: 0,
      acknowledged: 0,
      simulatedMs: 0,
      runMs: Math.round(performance.now() - startedMs),
      error: message,
    };
  }
}
