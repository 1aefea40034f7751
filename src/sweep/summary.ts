/**
 * The summary of a sweep (or of one shard of it): a JSON document that `merge` can combine with
 * the other shards' summaries, and that refuses to be combined with another scenario's.
 */
import { createHash } from 'node:crypto';
import type { Scenario } from '../cluster/scenario.js';
import { canonicalJson } from '../kernel/trace.js';
import type { SeedRange, Shard } from './job.js';
import type { SeedSummary } from './run-seed.js';

/** The summary format's kind and version; a merge refuses any other. */
export const SWEEP_SUMMARY_KIND = 'aurora-actors/sweep';
export const SWEEP_SUMMARY_VERSION = 1;

/** A seed whose rerun gave another trace hash than its first run. */
export interface DeterminismMismatch {
  seed: number;
  firstHash: string;
  rerunHash: string;
}

/** What `sweep --json` prints, and what `merge` reads and prints. */
export interface SweepSummary {
  kind: typeof SWEEP_SUMMARY_KIND;
  version: typeof SWEEP_SUMMARY_VERSION;
  /** The scenario's name, and the SHA-256 of its canonical JSON: two files of one name can differ. */
  scenario: { name: string; hash: string };
  plant: string | null;
  swarm: boolean;
  seeds: SeedRange;
  /** The shard this summary covers, or null for the whole range (and for a merge). */
  shard: Shard | null;
  /** One summary per seed run, sorted by seed. */
  runs: SeedSummary[];
  /** How many runs failed (a violated invariant, a lost acknowledged commit, or an error). */
  violations: number;
  failingSeeds: number[];
  /** The self-check: the seeds run twice, and whether every rerun gave the first run's trace hash. */
  determinism: { sampled: number[]; ok: boolean; mismatches: DeterminismMismatch[] };
  totals: {
    runs: number;
    acknowledged: number;
    lostAcknowledged: number;
    simulatedMs: number;
    /** The sum of the runs' `runMs`. */
    runMs: number;
    /** Wall-clock milliseconds of the sweep (for a merge, the sum over its inputs). */
    wallMs: number;
  };
  /** Only in a merge: the seeds of `seeds` that no input ran. */
  missingSeeds?: number[];
}

/** The SHA-256 (hex) of a scenario's canonical JSON. */
export function scenarioHash(scenario: Scenario): string {
  return createHash('sha256').update(canonicalJson(scenario)).digest('hex');
}

/** How many seeds the self-check reruns at most, spread evenly over the seeds, first and last included. */
export const DETERMINISM_SAMPLE_SIZE = 8;

/**
 * The seeds the self-check reruns: the first and the last, and evenly spaced ones between them,
 * {@link DETERMINISM_SAMPLE_SIZE} in all (every seed when there are fewer). A fixed rule, so a
 * sweep's sample is a function of its seeds.
 */
export function determinismSample(seeds: readonly number[]): number[] {
  const count = Math.min(seeds.length, DETERMINISM_SAMPLE_SIZE);
  if (count <= 1) return seeds.slice(0, count);
  const sample = new Set<number>();
  for (let k = 0; k < count; k++) sample.add(seeds[Math.round((k * (seeds.length - 1)) / (count - 1))] as number);
  return [...sample];
}

/** The parts of a summary that follow from its runs and checks. */
export function summarizeRuns(
  runs: readonly SeedSummary[],
  determinism: { sampled: readonly number[]; mismatches: readonly DeterminismMismatch[] },
  wallMs: number,
): Pick<SweepSummary, 'runs' | 'violations' | 'failingSeeds' | 'determinism' | 'totals'> {
  const sorted = [...runs].sort((a, b) => a.seed - b.seed);
  const failingSeeds = sorted.filter((run) => !run.ok).map((run) => run.seed);
  const sum = (field: 'acknowledged' | 'lostAcknowledged' | 'simulatedMs' | 'runMs') => sorted.reduce((total, run) => total + run[field], 0);
  return {
    runs: sorted,
    violations: failingSeeds.length,
    failingSeeds,
    determinism: {
      sampled: [...determinism.sampled].sort((a, b) => a - b),
      ok: determinism.mismatches.length === 0,
      mismatches: [...determinism.mismatches].sort((a, b) => a.seed - b.seed),
    },
    totals: {
      runs: sorted.length,
      acknowledged: sum('acknowledged'),
      lostAcknowledged: sum('lostAcknowledged'),
      simulatedMs: sum('simulatedMs'),
      runMs: sum('runMs'),
      wallMs: Math.round(wallMs),
    },
  };
}

/** Whether a sweep (or merge) passed: no failed run, a passed self-check, no missing seed. */
export function sweepPassed(summary: SweepSummary): boolean {
  return summary.violations === 0 && summary.determinism.ok && (summary.missingSeeds?.length ?? 0) === 0;
}
