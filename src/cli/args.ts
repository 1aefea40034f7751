/**
 * What every command of the command line shares: usage errors, flag parsing, seeds, scenario
 * names or files, and output files. Each command lives in its own file (src/cli/*.ts, or
 * src/cli.ts for the oldest) and takes `(argv, io)`.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Scenario } from '../cluster/scenario.js';
import { findScenario, scenarioNames } from '../scenarios/builtin.js';
import { readJsonFile } from '../scenarios/json-file.js';
import { loadScenarioFile } from '../scenarios/schema.js';
import { parsePriceList, PriceListError } from '../simulation/prices.js';
import type { PriceList } from '../simulation/prices.js';
import { OutputFile } from './output-file.js';

/** Where the command line writes: `out` for the product (a report), `err` for people. */
export interface CliIo {
  /** Standard output: the report, and with `--json` nothing but the one JSON document. */
  out: (text: string) => void;
  /** Standard error: the seed line, progress and problems. */
  err: (text: string) => void;
  /** Wall milliseconds between `run`'s progress lines on `err` (src/cli/progress.ts). @defaultValue 1000 */
  progressEveryMs?: number;
}

/** Thrown for bad command-line input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flag specifications as `node:util`'s parseArgs takes them. */
export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses flags strictly; an unknown flag or extra argument is a usage error. */
export function parse(argv: readonly string[], options: FlagSpec, positionals = 0) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: positionals > 0, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/**
 * `--name -1` as `--name=-1` for string options: `parseArgs` refuses a value that starts with a
 * dash as ambiguous, though a negative number (or anything that is not one of our options) is
 * plainly the value, which the option's own check then judges.
 */
function joinNegativeValues(argv: readonly string[], options: FlagSpec): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const isStringOption = arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
    const nextIsOption = next !== undefined && next.startsWith('--') && options[next.slice(2).split('=')[0] ?? ''] !== undefined;
    if (isStringOption && (next === undefined || nextIsOption)) throw new UsageError(`${arg} needs a value`);
    if (isStringOption && next !== undefined && next.startsWith('-')) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/**
 * The seeds a run takes: every integer a JavaScript number holds exactly, −(2^53 − 1) to
 * 2^53 − 1. The PRNG hashes the seed's decimal text (`src/kernel/rng.ts`), so any of them gives
 * an independent stream, and the JSON report carries the seed back without rounding.
 */
export const SEED_RANGE = `an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER} (±(2^53 − 1))`;


/** Parses `--seed` (see {@link SEED_RANGE}), else a usage error naming the flag and the range. */
export function parseSeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  const seed = Number(trimmed);
  if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(seed)) {
    throw new UsageError(`--seed must be ${SEED_RANGE}, got "${text}"`);
  }
  // -0 is 0: the PRNG hashes the text "0" for both, so the report says 0.
  return seed === 0 ? 0 : seed;
}

/**
 * A built-in scenario by name, or a scenario file by path (a file whose name ends in .json). What
 * is neither is named for what it is: a directory, a file that is not a scenario file, a path to
 * nothing, or an unknown name.
 */
export function loadScenario(nameOrPath: string | undefined): Scenario {
  const builtins = `built-in scenarios: ${scenarioNames().join(', ')}`;
  if (nameOrPath === undefined) {
    throw new UsageError(`run needs a scenario: one of ${scenarioNames().join(', ')}, or a path to a .json file`);
  }
  const scenario = findScenario(nameOrPath);
  if (scenario !== undefined) return scenario;
  const kind = pathKind(nameOrPath);
  if (kind === 'directory') {
    throw new UsageError(`scenario "${nameOrPath}" is a directory; give a scenario file (a path ending in .json) or a built-in scenario's name (aurora-actors scenarios lists them)`);
  }
  if (nameOrPath.endsWith('.json')) return loadScenarioFile(nameOrPath);
  if (kind === 'file') {
    throw new UsageError(`scenario "${nameOrPath}" is a file but not a scenario file: scenario files are JSON and their names end in .json`);
  }
  if (/[/\\.]/.test(nameOrPath)) {
    throw new UsageError(`scenario "${nameOrPath}": no such file; give a path to a .json scenario file or a built-in scenario's name (aurora-actors scenarios lists them)`);
  }
  throw new UsageError(`unknown scenario "${nameOrPath}"; ${builtins} (or a path to a .json file)`);
}

/**
 * The price list a `--prices` file holds (docs/semantics.md, "Cost"; `aurora-actors prices` prints
 * the defaults as such a file), or one line naming the flag, the file and what is wrong.
 */
export function loadPrices(path: string | undefined): PriceList | undefined {
  if (path === undefined) return undefined;
  const source = `--prices ${path}`;
  const json = readJsonFile(path, source, (message) => new UsageError(message));
  try {
    return parsePriceList(json, source);
  } catch (error) {
    if (error instanceof PriceListError) throw new UsageError(error.message);
    throw error;
  }
}

/** What a path names on disk: a directory, a file (or anything else that is there), or nothing. */
function pathKind(path: string): 'directory' | 'file' | 'missing' {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 'missing';
  return stats.isDirectory() ? 'directory' : 'file';
}

/** Exit code of a run whose report was printed but an output file (`--trace`, `--history`) was not written whole. */
export const EXIT_OUTPUT_FAILED = 3;

/** Opens the file a flag names, or refuses the path as bad input; undefined when the flag is absent. */
export function openOutput(flag: string, path: unknown): OutputFile | undefined {
  if (path === undefined) return undefined;
  return new OutputFile(flag, String(path), (message) => new UsageError(message));
}

/** Closes the output files; says on stderr which could not be written. True iff all were. */
export function closeOutputs(files: readonly (OutputFile | undefined)[], err: (text: string) => void): boolean {
  let ok = true;
  for (const file of files) {
    const problem = file?.close();
    if (problem === undefined) continue;
    err(`aurora-actors: ${problem}\n`);
    ok = false;
  }
  return ok;
}
