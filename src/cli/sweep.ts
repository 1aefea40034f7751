/**
 * `aurora-actors sweep <scenario|file.json> --seeds A..B [--workers N] [--shard i/n] [--swarm]
 * [--plant M] [--json]`: one scenario over a range of seeds (docs/sweeps.md), on worker threads,
 * with a determinism self-check. States `SEEDS=A..B` (and the shard, workers, plant, swarm) first
 * on stderr, then progress lines there; stdout holds the summary (with --json, one JSON document
 * that `aurora-actors merge` reads). Exit 0 when no run failed and the
 * self-check passed, 1 otherwise, 2 on bad input.
 */
import { availableParallelism } from 'node:os';
import { isPlantName, PLANT_NAMES } from '../protocol/plants.js';
import type { PlantName } from '../protocol/plants.js';
import { formatProgress, formatSweepSummary } from '../sweep/format.js';
import { jobSimulationOptions, shardSeeds, SweepInputError } from '../sweep/job.js';
import type { SeedRange, Shard, SweepJob } from '../sweep/job.js';
import { sweepPassed } from '../sweep/summary.js';
import { runSweep } from '../sweep/sweep.js';
import type { SweepProgress } from '../sweep/sweep.js';
import { loadScenario, parse, SEED_RANGE, UsageError } from './args.js';
import type { CliIo } from './args.js';

/** The most worker threads a sweep starts. */
const WORKERS_MAX = 256;

const FLAGS = {
  seeds: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
  swarm: { type: 'boolean' },
  plant: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Parses `--seeds A..B`: two seeds (see SEED_RANGE), A ≤ B; the message names the part that is wrong. */
export function parseSeedRange(text: string | undefined): SeedRange {
  if (text === undefined) throw new UsageError('sweep needs --seeds A..B (for example --seeds 1..200)');
  const match = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$/.exec(text);
  if (match === null) throw new UsageError(`--seeds must be A..B, two seeds and two dots (for example 1..200), got "${text}"`);
  const [from, to] = [Number(match[1]), Number(match[2])];
  if (!Number.isSafeInteger(from)) throw new UsageError(`--seeds: the first seed A must be ${SEED_RANGE}, got "${match[1]}"`);
  if (!Number.isSafeInteger(to)) throw new UsageError(`--seeds: the last seed B must be ${SEED_RANGE}, got "${match[2]}"`);
  if (from > to) throw new UsageError(`--seeds A..B needs A ≤ B, got ${from}..${to}`);
  return { from: from === 0 ? 0 : from, to: to === 0 ? 0 : to };
}

/** Parses `--shard i/n`: n ≥ 1 shards, 0 ≤ i < n; the message names the part that is wrong. */
export function parseShard(text: string | undefined): Shard | null {
  if (text === undefined) return null;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) throw new UsageError(`--shard must be i/n, a 0-based shard index and the shard count (for example 0/4), got "${text}"`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard i/n: the shard count n must be an integer ≥ 1, got "${match[2]}"`);
  if (!Number.isSafeInteger(index) || index >= count) throw new UsageError(`--shard i/n: the index i must be an integer from 0 to n − 1 = ${count - 1}, got "${match[1]}"`);
  return { index, count };
}

/** Parses `--workers N`, 1 to {@link WORKERS_MAX}; without it, the available parallelism. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const workers = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || workers < 1 || workers > WORKERS_MAX) {
    throw new UsageError(`--workers must be an integer from 1 to ${WORKERS_MAX}, got "${text}"`);
  }
  return workers;
}

/** Parses `--plant NAME`: one of the plantable mistakes (src/protocol/plants.ts). */
export function parsePlant(text: string | undefined): PlantName | null {
  if (text === undefined) return null;
  if (!isPlantName(text)) throw new UsageError(`--plant must name a plantable mistake, got "${text}"; allowed: ${PLANT_NAMES.join(', ')}`);
  return text;
}

/** Runs the `sweep` command; returns the exit code. */
export async function sweepCommand(argv: readonly string[], { out, err }: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, 1);
  const text = (flag: keyof typeof FLAGS) => values[flag] as string | undefined;
  if (positionals[0] === undefined) throw new UsageError('sweep needs a scenario: a built-in scenario\'s name (aurora-actors scenarios lists them) or a path to a .json file');
  const scenario = loadScenario(positionals[0]);
  const seeds = parseSeedRange(text('seeds'));
  const shard = parseShard(text('shard'));
  const workers = parseWorkers(text('workers'));
  const job: SweepJob = { scenario, swarm: values.swarm === true, plant: parsePlant(text('plant')) };
  try {
    shardSeeds(seeds, shard);
    // The runs are built in one place (jobSimulationOptions); building the first here refuses
    // what this build cannot run yet before any worker starts.
    jobSimulationOptions(job, seeds.from);
  } catch (error) {
    if (error instanceof SweepInputError) throw new UsageError(error.message);
    throw error;
  }
  const shardText = shard === null ? '' : ` SHARD=${shard.index}/${shard.count}`;
  err(`SEEDS=${seeds.from}..${seeds.to}${shardText} WORKERS=${workers}${job.plant === null ? '' : ` PLANT=${job.plant}`}${job.swarm ? ' SWARM' : ''}\n`);
  const summary = await runSweep({ job, seeds, shard, workers: workers === 1 ? 'in-process' : workers, progress: progressWriter(err) });
  const replay = (seed: number) => `aurora-actors run ${positionals[0]} --seed ${seed}${job.plant === null ? '' : ` --plant ${job.plant}`}${job.swarm ? ' --swarm' : ''}`;
  out(values.json === true ? JSON.stringify(summary, null, 2) + '\n' : formatSweepSummary(summary, replay));
  for (const mismatch of summary.determinism.mismatches) {
    err(`aurora-actors: determinism self-check failed: seed ${mismatch.seed} gave trace hash ${mismatch.firstHash || '(it threw)'}, then ${mismatch.rerunHash || '(it threw)'}\n`);
  }
  return sweepPassed(summary) ? 0 : 1;
}

/**
 * Progress on stderr: rewritten in place on a terminal; otherwise (a CI log, a file) one line at
 * each twentieth of the seeds and at the end, so a log stays short.
 */
function progressWriter(err: (text: string) => void): (progress: SweepProgress) => void {
  const terminal = process.stderr.isTTY === true;
  let printedStep = -1;
  return (progress) => {
    const finished = progress.done === progress.total && progress.rechecksDone === progress.rechecks;
    if (terminal) {
      err(`\r${formatProgress(progress)}${finished ? '\n' : ''}`);
      return;
    }
    const step = Math.floor((progress.done * 20) / Math.max(1, progress.total));
    if (step === printedStep && !finished) return;
    printedStep = step;
    err(`${formatProgress(progress)}\n`);
  };
}
