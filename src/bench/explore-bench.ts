/**
 * Explorer speed on the reference models (docs/explorer.md, "Speed"): unique states per second of
 * this process's CPU time (user + system, `process.cpuUsage`), for a complete search. CPU time,
 * not wall time, because the explorer is single-threaded and the bench machine is shared: another
 * process's load stretches wall time, not the CPU time the search itself used (GC helper threads
 * count, which errs low). Each figure is the median of several searches after a warm-up of
 * repeated searches, so the JIT has compiled the explorer and the machines: a search of two-phase
 * commit takes a few tens of milliseconds, and the first ten or so run at a third to a half of the
 * steady speed, which is what a long search runs at (docs/explorer.md, "Speed"). The goal is
 * 100,000 unique states/s (`explorerStatesPerS`, two-phase commit with 5 RMs, no symmetry).
 */
import type { ExploreModel } from '../explore/explore-model.js';
import { explore } from '../explore/explorer.js';
import type { ExploreOptions } from '../explore/explorer.js';
import { abdRegisterModel } from '../explore/reference/abd-register.js';
import { twoPhaseCommitModel } from '../explore/reference/two-phase-commit.js';

/** The explorer's figures for the bench report. */
export interface ExploreBenchFigures {
  /** Two-phase commit, 5 RMs (8,832 states), BFS, no symmetry: unique states/s. The headline figure. */
  explorerStatesPerS: number;
  /** The same search: transitions (choices that led to a state, new or not) per second. */
  explorerTransitionsPerS: number;
  /** Two-phase commit, 5 RMs, DFS with symmetry (665 representatives): unique states/s. */
  explorerSymmetryStatesPerS: number;
  /** ABD register, 2 clients and 2 servers (544 states, linearizability checked in each): unique states/s. */
  explorerAbdStatesPerS: number;
  /** The goal for {@link ExploreBenchFigures.explorerStatesPerS}. */
  explorerStatesPerSGoal: number;
}

/** CPU seconds of warm-up searches before each figure's measured searches. */
const WARM_UP_CPU_S = 1;

/** CPU seconds used since `started` (a `process.cpuUsage()`). */
function cpuSecondsSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

/** Median unique states/s and transitions/s of `runs` complete searches, after a warm-up (see the file header). */
function measure(model: ExploreModel, options: ExploreOptions, runs: number, warmUpS: number): { statesPerS: number; transitionsPerS: number } {
  const warmUp = process.cpuUsage();
  do explore(model, options);
  while (cpuSecondsSince(warmUp) < warmUpS);
  const samples: { statesPerS: number; transitionsPerS: number }[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.cpuUsage();
    const result = explore(model, options);
    const elapsedS = cpuSecondsSince(started);
    samples.push({ statesPerS: result.uniqueStates / elapsedS, transitionsPerS: result.transitions / elapsedS });
  }
  samples.sort((a, b) => a.statesPerS - b.statesPerS);
  return samples[Math.floor(samples.length / 2)] as { statesPerS: number; transitionsPerS: number };
}

/** Measures the explorer (see the file header). `quick`: fewer searches per figure. */
export function exploreBenchFigures(options: { quick: boolean }): ExploreBenchFigures {
  const runs = options.quick ? 3 : 9;
  const warmUpS = options.quick ? WARM_UP_CPU_S / 4 : WARM_UP_CPU_S;
  const twoPhase = twoPhaseCommitModel({ rms: 5 });
  const plain = measure(twoPhase, { strategy: 'bfs' }, runs, warmUpS);
  const symmetric = measure(twoPhase, { strategy: 'dfs', symmetry: true }, runs, warmUpS);
  const abd = measure(abdRegisterModel(), { strategy: 'bfs' }, runs * 4, warmUpS);
  return {
    explorerStatesPerS: Math.round(plain.statesPerS),
    explorerTransitionsPerS: Math.round(plain.transitionsPerS),
    explorerSymmetryStatesPerS: Math.round(symmetric.statesPerS),
    explorerAbdStatesPerS: Math.round(abd.statesPerS),
    explorerStatesPerSGoal: 100_000,
  };
}
