/**
 * A sweep: one job over many seeds, spread over executors (this thread, or worker threads), with
 * a determinism self-check. Each sampled seed (see `determinismSample`), and the first two seeds
 * that fail, run a second time, on another worker than their first run whenever there are two or
 * more, and must give the same trace hash; a mismatch fails the sweep.
 */
import type { SeedRange, Shard, SweepJob } from './job.js';
import { shardSeeds } from './job.js';
import type { SeedSummary } from './run-seed.js';
import { determinismSample, scenarioHash, SWEEP_SUMMARY_KIND, SWEEP_SUMMARY_VERSION, summarizeRuns } from './summary.js';
import type { DeterminismMismatch, SweepSummary } from './summary.js';
import { inProcessExecutor, workerExecutor } from './worker-pool.js';
import type { SeedExecutor } from './worker-pool.js';

/** How far a sweep has come, after each run. */
export interface SweepProgress {
  /** First runs finished, of `total`. */
  done: number;
  total: number;
  /** Failed first runs so far. */
  violations: number;
  /** Self-check reruns finished, of those scheduled so far. */
  rechecksDone: number;
  rechecks: number;
  elapsedMs: number;
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  job: SweepJob;
  seeds: SeedRange;
  /** The shard of `seeds` to run. @defaultValue null: every seed */
  shard?: Shard | null;
  /**
   * Worker threads; 'in-process' runs every seed in this thread (what `--workers 1` does). At most
   * one worker per seed is started. @defaultValue 'in-process'
   */
  workers?: number | 'in-process';
  /**
   * Starts the executors when `workers` is a number. @defaultValue worker threads
   * (`workerExecutor`); a test gives its own to see where each run went.
   */
  executor?: (job: SweepJob, size: number) => Promise<SeedExecutor>;
  /** Called after each run finishes. */
  progress?: (progress: SweepProgress) => void;
}

/** How many failing seeds the self-check reruns besides its sample. */
const FAILING_RECHECKS_MAX = 2;

/** A run waiting for an executor: a seed's first run, or its rerun, kept off the executor of the first. */
interface PendingRun {
  seed: number;
  rerunOf?: { executor: number; summary: SeedSummary };
}

/** Runs the sweep; resolves to its summary. */
export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const startedMs = performance.now();
  const shard = options.shard ?? null;
  const seeds = shardSeeds(options.seeds, shard);
  const workers = options.workers ?? 'in-process';
  const start = options.executor ?? workerExecutor;
  const executor =
    workers === 'in-process' || seeds.length === 0 ? inProcessExecutor(options.job) : await start(options.job, Math.max(1, Math.min(workers, seeds.length)));
  const sampled = new Set(determinismSample(seeds));
  const runs: SeedSummary[] = [];
  const mismatches: DeterminismMismatch[] = [];
  const progress: SweepProgress = { done: 0, total: seeds.length, violations: 0, rechecksDone: 0, rechecks: 0, elapsedMs: 0 };
  let failingRechecked = 0;
  const onFinished = (run: PendingRun, executorIndex: number, summary: SeedSummary): PendingRun[] => {
    if (run.rerunOf !== undefined) {
      progress.rechecksDone++;
      if (summary.traceHash !== run.rerunOf.summary.traceHash || run.rerunOf.summary.traceHash === '') {
        mismatches.push({ seed: run.seed, firstHash: run.rerunOf.summary.traceHash, rerunHash: summary.traceHash });
      }
      return [];
    }
    runs.push(summary);
    progress.done++;
    if (!summary.ok) progress.violations++;
    const recheck = sampled.has(run.seed) || (!summary.ok && failingRechecked < FAILING_RECHECKS_MAX);
    if (!recheck) return [];
    if (!sampled.has(run.seed)) {
      failingRechecked++;
      sampled.add(run.seed);
    }
    progress.rechecks++;
    return [{ seed: run.seed, rerunOf: { executor: executorIndex, summary } }];
  };
  try {
    await dispatch(executor, seeds.map((seed) => ({ seed })), (run, index, summary) => {
      const more = onFinished(run, index, summary);
      progress.elapsedMs = performance.now() - startedMs;
      options.progress?.({ ...progress });
      return more;
    });
  } finally {
    await executor.close();
  }
  return {
    kind: SWEEP_SUMMARY_KIND,
    version: SWEEP_SUMMARY_VERSION,
    scenario: { name: options.job.scenario.name, hash: scenarioHash(options.job.scenario) },
    plant: options.job.plant,
    swarm: options.job.swarm,
    seeds: { ...options.seeds },
    shard: shard === null ? null : { ...shard },
    ...summarizeRuns(runs, { sampled: [...sampled], mismatches }, performance.now() - startedMs),
  };
}

/**
 * Hands runs to idle executors until none is left: each idle executor takes the first run it may
 * take (a rerun never goes to the executor of its first run, unless there is only one), and the
 * runs `onFinished` returns join the end of the queue.
 */
function dispatch(
  executor: SeedExecutor,
  queue: PendingRun[],
  onFinished: (run: PendingRun, executorIndex: number, summary: SeedSummary) => PendingRun[],
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const idle = Array.from({ length: executor.size }, (_, index) => index);
    let running = 0;
    let failed = false;
    const pump = () => {
      for (let i = 0; i < idle.length && queue.length > 0 && !failed; ) {
        const index = idle[i] as number;
        const at = queue.findIndex((run) => run.rerunOf === undefined || executor.size === 1 || run.rerunOf.executor !== index);
        if (at < 0) {
          i++;
          continue;
        }
        const [run] = queue.splice(at, 1) as [PendingRun];
        idle.splice(i, 1);
        running++;
        executor.run(index, run.seed).then(
          (summary) => {
            running--;
            idle.push(index);
            queue.push(...onFinished(run, index, summary));
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      if (running === 0 && queue.length === 0 && !failed) resolve();
    };
    pump();
  });
}
