/**
 * The `aurora-actors` command line (ARCHITECTURE §5).
 *
 * Every run states `SEED=<n>` first, on stderr (STYLE rule 3), so with `--json` stdout is exactly
 * one JSON document (the seed is inside it too) that `jq` or `JSON.parse` can read; words for
 * people go to stderr. Bad input ends with one clear line naming the field and what is allowed,
 * exit code 2, no stack trace. A violated invariant or a lost acknowledged commit exits with 1; a
 * report printed while an output file could not be written whole, with 3.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchmarks } from './bench/kernel-bench.js';
import { formatBenchReport } from './bench/format.js';
import { formatHeartbeatReport, heartbeatReport } from './cli/heartbeat-report.js';
import { OutputFile } from './cli/output-file.js';
import { formatRunReport } from './cli/run-report.js';
import { ScenarioError } from './cluster/errors.js';
import type { Scenario } from './cluster/scenario.js';
import { runHeartbeatWorld } from './cluster/heartbeat-world.js';
import { BUILTIN_SCENARIOS, findScenario, scenarioNames } from './scenarios/builtin.js';
import { loadScenarioFile } from './scenarios/schema.js';
import { Simulation } from './simulation/simulation.js';

/** Thrown for bad command-line input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP = `aurora-actors: deterministic xstate actors modelling Amazon Aurora's storage and replication

Usage (SEED is an integer from -9007199254740991 to 9007199254740991, ±(2^53 − 1); default 1):
  aurora-actors scenarios
      Lists the built-in scenarios, one line each.
  aurora-actors run <scenario|file.json> [--seed N] [--json] [--trace out.jsonl] [--history out.jsonl]
      Runs a scenario: states SEED=N on stderr, then prints a readable report on stdout (with
      --json, stdout is exactly one JSON document: the report, which holds the seed).
      Exit 1 if an invariant is violated or an acknowledged commit is lost; 2 on bad input
      (including a --trace or --history path that cannot be written, refused before the run);
      3 if the report was printed but an output file could not be written whole.
  aurora-actors demo [--seed N] [--json] [--trace out.jsonl]
      Runs the kernel demo: a health monitor pinging three nodes across three AZs while one
      crashes and restarts; states the seed on stderr, prints a timeline and the trace hash.
  aurora-actors bench [--seed N] [--json] [--quick]
      Measures the kernel and the simulations in one run: xstate's raw event ceiling, clock and
      network rates, interpreter speed, write-path throughput, each built-in scenario against
      its limit, and heap growth over 600 simulated seconds; states SEED=N and progress on
      stderr, prints a readable table on stdout (with --json, one JSON document with stable
      figure names and goals). Run it with node --expose-gc (npm run bench does) so heap
      figures are taken after garbage collection. --quick: shorter runs, two scenarios, heap
      at 60 s over 6 s.
  aurora-actors help
`;

/** Where the command line writes: `out` for the product (a report), `err` for people. */
export interface CliIo {
  /** Standard output: the report, and with `--json` nothing but the one JSON document. */
  out: (text: string) => void;
  /** Standard error: the seed line, progress and problems. */
  err: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'scenarios':
        return listScenarios(rest, io);
      case 'run':
        return run(rest, io);
      case 'demo':
        return demo(rest, io);
      case 'bench':
        return bench(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"; allowed: scenarios, run, demo, bench, help`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ScenarioError) {
      io.err(`aurora-actors: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function parse(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>, positionals = 0) {
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
function joinNegativeValues(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): string[] {
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

function demo(argv: readonly string[], { out, err }: CliIo): number {
  const { values } = parse(argv, { seed: { type: 'string' }, json: { type: 'boolean' }, trace: { type: 'string' } });
  const seed = parseSeed(values.seed as string | undefined, 1);
  const trace = openOutput('--trace', values.trace);
  err(`SEED=${seed}\n`);
  const result = runHeartbeatWorld({
    seed,
    network: { lossRatio: 0.02 },
    trace: trace === undefined ? {} : { sink: (line) => trace.line(line) },
  });
  const report = heartbeatReport(result);
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatHeartbeatReport(report));
  return closeOutputs([trace], err) ? 0 : EXIT_OUTPUT_FAILED;
}

function bench(argv: readonly string[], { out, err }: CliIo): number {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv, { seed: { type: 'string' }, json: { type: 'boolean' }, quick: { type: 'boolean' } }));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new UsageError(`${error.message.replace(/\.$/, '')}; bench takes --seed N, --json and --quick`);
  }
  const seed = parseSeed(values.seed as string | undefined, 1);
  // As with run: the seed and progress are for people, on stderr; stdout holds only the report.
  err(`SEED=${seed}\n`);
  const report = runBenchmarks({ seed, quick: values.quick === true, progress: (line) => err(line + '\n') });
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatBenchReport(report));
  return 0;
}

function listScenarios(argv: readonly string[], { out }: CliIo): number {
  parse(argv, {});
  const width = Math.max(...scenarioNames().map((name) => name.length));
  for (const scenario of BUILTIN_SCENARIOS) out(`${scenario.name.padEnd(width)}  ${scenario.description}\n`);
  return 0;
}

/**
 * A built-in scenario by name, or a scenario file by path (a file whose name ends in .json). What
 * is neither is named for what it is: a directory, a file that is not a scenario file, a path to
 * nothing, or an unknown name.
 */
function loadScenario(nameOrPath: string | undefined): Scenario {
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

/** What a path names on disk: a directory, a file (or anything else that is there), or nothing. */
function pathKind(path: string): 'directory' | 'file' | 'missing' {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) return 'missing';
  return stats.isDirectory() ? 'directory' : 'file';
}

function run(argv: readonly string[], { out, err }: CliIo): number {
  const { values, positionals } = parse(
    argv,
    { seed: { type: 'string' }, json: { type: 'boolean' }, trace: { type: 'string' }, history: { type: 'string' } },
    1,
  );
  const seed = parseSeed(values.seed as string | undefined, 1);
  const scenario = loadScenario(positionals[0]);
  // Output paths are opened before the run: a path that cannot be written costs no simulated time.
  const trace = openOutput('--trace', values.trace);
  const history = openOutput('--history', values.history);
  // The seed comes first, before anything can fail, so every run can be replayed.
  err(`SEED=${seed}\n`);
  let sim: Simulation;
  let report: ReturnType<Simulation['report']>;
  try {
    sim = new Simulation({
      seed,
      scenario,
      trace: { keepEvents: false, sink: trace === undefined ? undefined : (line) => trace.line(line) },
      // Entries go to the file as they happen; the report needs only the history's counts.
      history: { keepEntries: false, sink: history === undefined ? undefined : (entry) => history.line(JSON.stringify(entry)) },
    });
    sim.run();
    report = sim.report();
  } catch (error) {
    // A run that breaks leaves its trace up to the break on disk: the first thing to read.
    closeOutputs([trace, history], err);
    throw error;
  }
  const replay = `aurora-actors run ${positionals[0]} --seed ${seed}`;
  // The report first: a file that could not be written must not lose it.
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatRunReport(report, scenario, replay));
  const written = closeOutputs([trace, history], err);
  const failed = report.commits.lostAcknowledged > 0 || report.invariants.some((result) => !result.ok);
  return failed ? 1 : written ? 0 : EXIT_OUTPUT_FAILED;
}

/** Exit code of a run whose report was printed but an output file (`--trace`, `--history`) was not written whole. */
export const EXIT_OUTPUT_FAILED = 3;

/** Opens the file a flag names, or refuses the path as bad input; undefined when the flag is absent. */
function openOutput(flag: string, path: unknown): OutputFile | undefined {
  if (path === undefined) return undefined;
  return new OutputFile(flag, String(path), (message) => new UsageError(message));
}

/** Closes the output files; says on stderr which could not be written. True iff all were. */
function closeOutputs(files: readonly (OutputFile | undefined)[], err: (text: string) => void): boolean {
  let ok = true;
  for (const file of files) {
    const problem = file?.close();
    if (problem === undefined) continue;
    err(`aurora-actors: ${problem}\n`);
    ok = false;
  }
  return ok;
}
