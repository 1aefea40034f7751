/**
 * Sweep rates for `aurora-actors bench`: seeds per wall second of `aurora-actors sweep az-plus-one`
 * in-process (`--workers 1`) and on two worker threads, and the speed-up between them. Each sweep
 * runs as the real command in a child process (a worker pool needs the event loop, and the
 * benchmarks are synchronous), and its rate is taken from the summary's own wall time, which
 * counts worker start-up and the determinism reruns but not the child's start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findScenario } from '../scenarios/builtin.js';

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

/** Runs `sweep <scenario>` over `count` seeds from `seed`; returns seeds per wall second. */
function sweepRate(options: { scenario: string; seed: number; count: number; workers: number }): number {
  const seeds = `${options.seed}..${options.seed + options.count - 1}`;
  const result = spawnSync(process.execPath, [binPath(), 'sweep', options.scenario, '--seeds', seeds, '--workers', String(options.workers), '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`bench: sweep az-plus-one --seeds ${seeds} --workers ${options.workers} exited ${result.status}: ${result.stderr.trim().split('\n').at(-1)}`);
  const summary = JSON.parse(result.stdout) as { totals: { runs: number; wallMs: number } };
  return summary.totals.runs / (summary.totals.wallMs / 1000);
}

/**
 * Measures the sweep rates over 16 seeds of az-plus-one. `quick` sweeps 2 seeds of az-plus-one cut
 * at 4.5 simulated seconds (the AZ outage at 3 s and the extra crash at 4 s still happen), so a
 * test can run the whole bench; its rates only show the figures are produced.
 */
export function sweepBenchFigures(options: { seed: number; quick: boolean }): SweepBenchFigures {
  const count = options.quick ? 2 : 16;
  const folder = options.quick ? mkdtempSync(join(tmpdir(), 'aurora-sweep-bench-')) : undefined;
  try {
    const scenario = folder === undefined ? 'az-plus-one' : quickScenarioFile(folder);
    const sweepSeedsPerS1Worker = sweepRate({ scenario, seed: options.seed, count, workers: 1 });
    const sweepSeedsPerS2Workers = sweepRate({ scenario, seed: options.seed, count, workers: 2 });
    return { sweepSeedsPerS1Worker, sweepSeedsPerS2Workers, speedUp: sweepSeedsPerS2Workers / sweepSeedsPerS1Worker };
  } finally {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  }
}

/** az-plus-one cut at 4.5 s, written as a scenario file in `folder`; returns its path. */
function quickScenarioFile(folder: string): string {
  const base = findScenario('az-plus-one');
  if (base === undefined) throw new Error('bench: the az-plus-one scenario is missing');
  const durationMs = 4_500;
  const scenario = {
    ...base,
    name: 'az-plus-one-cut',
    durationMs,
    workload: { ...base.workload, stopMs: Math.min(base.workload.stopMs, durationMs) },
    faults: base.faults.filter((fault) => fault.atMs < durationMs),
  };
  const path = join(folder, 'az-plus-one-cut.json');
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}
