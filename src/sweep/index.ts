/** Sweeps: one scenario over many seeds on worker threads, shards, and merging their summaries. */
export { jobSimulationOptions, rangeSize, SEEDS_PER_SWEEP_MAX, shardSeeds, SweepInputError } from './job.js';
export type { SeedRange, Shard, SweepJob } from './job.js';
export { runSeed, summarizeReport } from './run-seed.js';
export type { SeedSummary } from './run-seed.js';
export { determinismSample, DETERMINISM_SAMPLE_SIZE, scenarioHash, sweepPassed, SWEEP_SUMMARY_KIND, SWEEP_SUMMARY_VERSION } from './summary.js';
export type { DeterminismMismatch, SweepSummary } from './summary.js';
export { runSweep } from './sweep.js';
export type { SweepOptions, SweepProgress } from './sweep.js';
export { asSweepSummary, mergeSummaries, SweepMergeError } from './merge.js';
export type { NamedSummary } from './merge.js';
export { formatProgress, formatSweepSummary } from './format.js';
export { inProcessExecutor, workerExecutor } from './worker-pool.js';
export type { SeedExecutor } from './worker-pool.js';
