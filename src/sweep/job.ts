/**
 * What a sweep runs: one scenario over a range of seeds, or one shard of that range, each seed a
 * whole simulation of its own. {@link jobSimulationOptions} is the one place a (job, seed) pair
 * becomes a simulation's options, in the main thread and in every worker alike.
 */
import type { Scenario } from '../cluster/scenario.js';
import type { PlantName } from '../protocol/plants.js';
import type { SimulationOptions } from '../simulation/simulation.js';
import { swarmScenario } from '../testing/swarm.js';

/** An inclusive range of seeds, `from..to`. */
export interface SeedRange {
  from: number;
  to: number;
}

/** One of `count` shards: the seeds whose position in the range (seed − from) is ≡ `index` (mod `count`). */
export interface Shard {
  /** 0-based, below `count`. */
  index: number;
  count: number;
}

/** What every seed of a sweep shares; sent to each worker once. */
export interface SweepJob {
  scenario: Scenario;
  /** Whether each seed draws its own subset of fault families from the scenario (`--swarm`). */
  swarm: boolean;
  /** The planted mistake every run switches on (`--plant`), or none. */
  plant: PlantName | null;
}

/** Bad sweep input that only the sweep itself can judge; the command line prints it as a usage error. */
export class SweepInputError extends Error {
  override readonly name = 'SweepInputError';
}

/** The most seeds one sweep process takes; a larger range is spread with shards. */
export const SEEDS_PER_SWEEP_MAX = 1_000_000;

/** How many seeds a range holds (exactly, though from..to may span more than 2^53). */
export function rangeSize(range: SeedRange): bigint {
  return BigInt(range.to) - BigInt(range.from) + 1n;
}

/** The seeds of `range` that `shard` takes, ascending (every seed when there is no shard). */
export function shardSeeds(range: SeedRange, shard: Shard | null): number[] {
  const { index, count } = shard ?? { index: 0, count: 1 };
  const size = rangeSize(range);
  const taken = size <= BigInt(index) ? 0n : (size - BigInt(index) + BigInt(count) - 1n) / BigInt(count);
  if (taken > BigInt(SEEDS_PER_SWEEP_MAX)) {
    throw new SweepInputError(
      `--seeds ${range.from}..${range.to} gives ${taken} seeds to one process; at most ${SEEDS_PER_SWEEP_MAX}: split it with --shard i/n`,
    );
  }
  const seeds: number[] = [];
  for (let k = 0n; k < taken; k++) seeds.push(Number(BigInt(range.from) + BigInt(index) + k * BigInt(count)));
  return seeds;
}

/**
 * The options of the simulation that runs `seed` of `job`: every run of a sweep, first runs and
 * determinism reruns, in-process or on a worker, is built here and nowhere else.
 */
export function jobSimulationOptions(job: SweepJob, seed: number): SimulationOptions {
  // The one place a sweep's flags change a run: --swarm draws this seed's fault plan from a
  // random subset of fault families (src/testing/swarm.ts); --plant switches a mistake on.
  const scenario = job.swarm ? swarmScenario(job.scenario, seed) : job.scenario;
  return { seed, scenario, trace: { keepEvents: false }, history: { keepEntries: false }, ...(job.plant === null ? {} : { plant: job.plant }) };
}
