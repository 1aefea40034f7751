/**
 * Merging sweep summaries: the shards of one sweep (or sweeps of one job over neighbouring
 * ranges) become one summary over the span of their ranges. A merge refuses summaries of another
 * kind or version, of different scenarios, plants or swarm settings, and summaries that ran the
 * same seed, naming the files; it lists the seeds of the span that no input ran.
 */
import { rangeSize, SEEDS_PER_SWEEP_MAX } from './job.js';
import type { SeedSummary } from './run-seed.js';
import { SWEEP_SUMMARY_KIND, SWEEP_SUMMARY_VERSION, summarizeRuns } from './summary.js';
import type { SweepSummary } from './summary.js';

/** A summary and where it came from (a file name), for the messages. */
export interface NamedSummary {
  source: string;
  summary: SweepSummary;
}

/** Summaries that cannot be merged; the message names the inputs and the field. */
export class SweepMergeError extends Error {
  override readonly name = 'SweepMergeError';
}

/** Checks that a parsed JSON value is a sweep summary this version reads; returns it typed. */
export function asSweepSummary(value: unknown, source: string): SweepSummary {
  const record = value as Partial<SweepSummary> | null;
  if (typeof record !== 'object' || record === null || record.kind !== SWEEP_SUMMARY_KIND) {
    throw new SweepMergeError(`${source} is not a sweep summary (kind must be "${SWEEP_SUMMARY_KIND}"; write one with aurora-actors sweep --json)`);
  }
  if (record.version !== SWEEP_SUMMARY_VERSION) {
    throw new SweepMergeError(`${source} is a sweep summary of version ${String(record.version)}; this build reads version ${SWEEP_SUMMARY_VERSION}`);
  }
  if (!Array.isArray(record.runs) || typeof record.seeds !== 'object' || typeof record.scenario !== 'object' || typeof record.determinism !== 'object') {
    throw new SweepMergeError(`${source} is a damaged sweep summary: runs, seeds, scenario and determinism are required`);
  }
  return record as SweepSummary;
}

/** The job fields every input must share, as text for comparison and messages. */
function jobOf(summary: SweepSummary): Record<string, string> {
  return {
    scenario: `${summary.scenario.name} (${summary.scenario.hash.slice(0, 12)})`,
    plant: summary.plant ?? 'none',
    swarm: String(summary.swarm),
  };
}

/** Merges summaries into one over the span of their seed ranges. */
export function mergeSummaries(inputs: readonly NamedSummary[]): SweepSummary {
  const [first] = inputs;
  if (first === undefined) throw new SweepMergeError('merge needs at least one sweep summary file');
  const expected = jobOf(first.summary);
  for (const input of inputs.slice(1)) {
    const job = jobOf(input.summary);
    for (const field of Object.keys(expected)) {
      if (job[field] !== expected[field]) {
        throw new SweepMergeError(`${first.source} and ${input.source} differ in ${field}: ${expected[field]} vs ${job[field]}; only summaries of one sweep merge`);
      }
    }
  }
  const bySeed = new Map<number, { source: string; run: SeedSummary }>();
  for (const { source, summary } of inputs) {
    for (const run of summary.runs) {
      const other = bySeed.get(run.seed);
      if (other !== undefined) throw new SweepMergeError(`seed ${run.seed} is in both ${other.source} and ${source}; shards of one sweep never share a seed`);
      bySeed.set(run.seed, { source, run });
    }
  }
  const seeds = { from: Math.min(...inputs.map(({ summary }) => summary.seeds.from)), to: Math.max(...inputs.map(({ summary }) => summary.seeds.to)) };
  const runs = [...bySeed.values()].map(({ run }) => run);
  const merged = summarizeRuns(
    runs,
    {
      sampled: inputs.flatMap(({ summary }) => summary.determinism.sampled),
      mismatches: inputs.flatMap(({ summary }) => summary.determinism.mismatches ?? []),
    },
    inputs.reduce((total, { summary }) => total + summary.totals.wallMs, 0),
  );
  // A summary of an older run may say ok: false without its mismatches: keep its verdict.
  if (inputs.some(({ summary }) => !summary.determinism.ok)) merged.determinism.ok = false;
  return {
    kind: SWEEP_SUMMARY_KIND,
    version: SWEEP_SUMMARY_VERSION,
    scenario: { ...first.summary.scenario },
    plant: first.summary.plant,
    swarm: first.summary.swarm,
    seeds,
    shard: null,
    ...merged,
    missingSeeds: missingSeeds(seeds, bySeed),
  };
}

/** The seeds of `range` that no input ran, ascending. */
function missingSeeds(range: { from: number; to: number }, ran: ReadonlyMap<number, unknown>): number[] {
  if (rangeSize(range) > BigInt(SEEDS_PER_SWEEP_MAX)) {
    throw new SweepMergeError(`the merged range ${range.from}..${range.to} holds more than ${SEEDS_PER_SWEEP_MAX} seeds; merge at most that many at once`);
  }
  const missing: number[] = [];
  for (let seed = range.from; seed <= range.to; seed++) if (!ran.has(seed)) missing.push(seed);
  return missing;
}
