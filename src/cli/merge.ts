/**
 * `aurora-actors merge FILE... [--json]`: combines the summaries of a sweep's shards (docs/sweeps.md)
 * into one, refusing different scenarios, plants, swarm settings and versions, and seeds run twice,
 * and lists the seeds of the range no shard ran. Exit 0 when every seed of the range ran, none
 * failed and every shard's self-check passed; 1 otherwise; 2 on bad input.
 */
import { readFileSync } from 'node:fs';
import { findScenario } from '../scenarios/builtin.js';
import { formatSweepSummary } from '../sweep/format.js';
import { asSweepSummary, mergeSummaries, SweepMergeError } from '../sweep/merge.js';
import type { NamedSummary } from '../sweep/merge.js';
import { sweepPassed } from '../sweep/summary.js';
import { parse, UsageError } from './args.js';
import type { CliIo } from './args.js';

/** Reads one summary file, or refuses it as bad input naming the file. */
function readSummary(path: string): NamedSummary {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON; give the files aurora-actors sweep --json wrote`);
  }
  return { source: path, summary: asSweepSummary(value, path) };
}

/** Runs the `merge` command; returns the exit code. */
export async function mergeCommand(argv: readonly string[], { out, err }: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, Number.MAX_SAFE_INTEGER);
  if (positionals.length === 0) throw new UsageError('merge needs one or more sweep summary files (written by aurora-actors sweep --json)');
  let summary;
  try {
    summary = mergeSummaries(positionals.map(readSummary));
  } catch (error) {
    if (error instanceof SweepMergeError) throw new UsageError(error.message);
    throw error;
  }
  const missing = summary.missingSeeds ?? [];
  if (missing.length > 0) err(`aurora-actors: ${missing.length} seeds of ${summary.seeds.from}..${summary.seeds.to} are in no file, the first ${missing[0]}\n`);
  // A summary names its scenario, not the file it came from: a file's path is for the reader to fill in.
  const scenario = findScenario(summary.scenario.name) === undefined ? `<the file of scenario "${summary.scenario.name}">` : summary.scenario.name;
  const plant = summary.plant === null ? '' : ` --plant ${summary.plant}`;
  const replay = (seed: number) => `aurora-actors run ${scenario} --seed ${seed}${plant}${summary.swarm ? ' --swarm' : ''}`;
  out(values.json === true ? JSON.stringify(summary, null, 2) + '\n' : formatSweepSummary(summary, replay));
  return sweepPassed(summary) ? 0 : 1;
}
