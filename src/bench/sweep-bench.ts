/**
 * Sweep rates for `aurora-actors bench`: seeds per wall second of `aurora-actors sweep az-plus-one`
 * in-process (`--workers 1`) and on two worker threads, and the speed-up between them. Each sweep
 * runs as the real command in a child process (a worker pool needs the event loop, and the
 * benchmarks are synchronous), and its rate is taken from the summary's own wall time, which
 * counts worker start-up and the determinism reruns but not the child's start.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The sweep figures the bench report shows. */
export interface SweepBenchFigures {
  /** Seeds per wall second, `--workers 1` (in-process). */
  sweepSeedsPerS1Worker: number;
  /** Seeds per wall second, `--workers 2`. */
  sweepSeedsPerS2Workers: number;
  /** The ratio of the two rates; at most 2, lower when the self-check's reruns or a busy core weigh. */
  speedUp: number;
}

/** The command's entry, from src/bench (tsx) or dist/src/bench (compiled). */
function binPath(): string {
  const up = import.meta.url.endsWith('.ts') ? '../../bin/aurora-actors.js' : '../../../bin/aurora-actors.js';
  return fileURLToPath(new URL(up, import.meta.url));
}

/** Runs `sweep az-plus-one` over `count` seeds from `seed`; returns seeds per wall second. */
function sweepRate(options: { seed: number; count: number; workers: number }): number {
  const seeds = `${options.seed}..${options.seed + options.count - 1}`;
  const result = spawnSync(process.execPath, [binPath(), 'sweep', 'az-plus-one', '--seeds', seeds, '--workers', String(options.workers), '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench: sweep az-plus-one --seeds ${seeds} --workers ${options.workers} exited ${result.status}: ${result.stderr.trim().split('\n').at(-1)}`);
  const summary = JSON.parse(result.stdout) as { totals: { runs: number; wallMs: number } };
  return summary.totals.runs / (summary.totals.wallMs / 1000);
}

/** Measures the sweep rates; `quick` sweeps 4 seeds, otherwise 16. */
export function sweepBenchFigures(options: { seed: number; quick: boolean }): SweepBenchFigures {
  const count = options.quick ? 4 : 16;
  const sweepSeedsPerS1Worker = sweepRate({ seed: options.seed, count, workers: 1 });
  const sweepSeedsPerS2Workers = sweepRate({ seed: options.seed, count, workers: 2 });
  return { sweepSeedsPerS1Worker, sweepSeedsPerS2Workers, speedUp: sweepSeedsPerS2Workers / sweepSeedsPerS1Worker };
}
