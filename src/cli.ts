/**
 * The `aurora-actors` command line (ARCHITECTURE §5).
 *
 * Every run prints `SEED=<n>` first. Bad input ends with one clear line naming the field and what
 * is allowed, exit code 2, no stack trace. Commands available today: `demo`, `bench`, `help`.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runBenchmarks } from './bench/kernel-bench.js';
import { formatBenchReport } from './bench/format.js';
import { formatHeartbeatReport, heartbeatReport } from './cli/heartbeat-report.js';
import { runHeartbeatWorld } from './cluster/heartbeat-world.js';

/** Thrown for bad command-line input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const HELP = `aurora-actors: deterministic xstate actors modelling Amazon Aurora's storage and replication

Usage:
  aurora-actors demo [--seed N] [--json] [--trace out.jsonl]
      Runs the kernel demo: a health monitor pinging three nodes across three AZs while one
      crashes and restarts; prints the seed, a timeline and the trace hash.
  aurora-actors bench [--json]
      Measures the kernel: xstate's raw event ceiling, clock operations and network envelopes
      per second, and live vs stepped interpreter speed, all in one run.
  aurora-actors help
`;

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'demo':
        return demo(rest, out);
      case 'bench':
        return bench(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"; allowed: demo, bench, help`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`aurora-actors: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function parse(argv: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

/** Parses `--seed`: an integer (negative allowed), else a usage error naming the flag. */
export function parseSeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed must be an integer, got "${text}"`);
  }
  return Number(text);
}

function demo(argv: readonly string[], out: (text: string) => void): number {
  const values = parse(argv, { seed: { type: 'string' }, json: { type: 'boolean' }, trace: { type: 'string' } });
  const seed = parseSeed(values.seed as string | undefined, 1);
  out(`SEED=${seed}\n`);
  const lines: string[] = [];
  const tracePath = values.trace as string | undefined;
  const result = runHeartbeatWorld({
    seed,
    network: { lossRatio: 0.02 },
    trace: tracePath === undefined ? {} : { sink: (line) => lines.push(line) },
  });
  if (tracePath !== undefined) writeFileSync(tracePath, lines.join('\n') + '\n');
  const report = heartbeatReport(result);
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatHeartbeatReport(report));
  return 0;
}

async function bench(argv: readonly string[], out: (text: string) => void): Promise<number> {
  const values = parse(argv, { json: { type: 'boolean' } });
  const report = runBenchmarks((line) => {
    if (values.json !== true) out(line + '\n');
  });
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatBenchReport(report));
  return 0;
}
