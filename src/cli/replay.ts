/**
 * `aurora-actors replay`: runs a recorded run again and stops at its first violation. Given a
 * trace file, it compares the new trace with it line by line and shows the first divergence; given
 * a seed and a scenario, it runs them. The run stops after the first kernel step at which a judge
 * that judges as the run goes files a violation (`replayRun`); a violation only the end-of-run
 * judges see (convergence, the read-back of acknowledged commits) is found at the scenario's end.
 * `verdict` lines are skipped by the comparison (see `src/testing/replay.ts`); with `--trace`, the
 * new trace has them, as `run --trace` writes them, and opens with the same header line.
 * It reports the virtual time it stopped at and the earliest violation (time, invariant, message),
 * then shrinks the failing run (`shrinkFailure`, same seed, kept while that invariant still fails)
 * to a smaller scenario with its own replay line (docs/testing.md). Exit 1 on a violation or a
 * divergence, 0 when the run is clean and matches, 2 on bad input.
 */
import { readFileSync } from 'node:fs';
import type { Scenario } from '../cluster/scenario.js';
import { isPlantName, PLANT_NAMES } from '../protocol/plants.js';
import type { PlantName } from '../protocol/plants.js';
import { parseScenario } from '../scenarios/schema.js';
import { replayLine } from '../testing/check.js';
import type { Violation } from '../testing/check.js';
import { parseTraceHeader, replayRun, traceHeaderLine } from '../testing/replay.js';
import type { TraceDivergence, TraceHeader } from '../testing/replay.js';
import { shrinkFailure } from '../testing/shrink.js';
import type { ShrinkResult } from '../testing/shrink.js';
import { closeOutputs, EXIT_OUTPUT_FAILED, loadScenario, openOutput, parse, parseSeed, UsageError } from './args.js';
import type { CliIo } from './args.js';

const FLAGS = {
  seed: { type: 'string' },
  scenario: { type: 'string' },
  plant: { type: 'string' },
  json: { type: 'boolean' },
  trace: { type: 'string' },
  'shrink-runs': { type: 'string' },
} as const;

/** The trace file given, read: its header (if any) and its event lines. */
interface RecordedTrace {
  path: string;
  header: TraceHeader | undefined;
  lines: string[];
  firstLine: number;
}

/** The JSON document `replay --json` prints. */
export interface ReplayReport {
  seed: number;
  scenario: string;
  plant?: PlantName;
  ok: boolean;
  /** The stopped run's traceHash and event count (a prefix of the full run's trace when it stopped early). */
  traceHash: string;
  traceEvents: number;
  /** Virtual ms the run reached: where it stopped, or the scenario's end. */
  simulatedMs: number;
  /** Where the run stopped before the scenario's end: at the first violation, naming it. */
  stopped?: { atMs: number; invariant: string };
  /**
   * The comparison with the trace file, when one was given: its lines after the header, how many of
   * them the comparison went through (all, unless it stopped early or diverged), verdict lines
   * included though the comparison skips them.
   */
  trace?: { path: string; lines: number; compared: number; matches: boolean; divergence?: TraceDivergence };
  violations: Violation[];
  /** The shrunk failing run, when a violation was found. */
  shrunk?: { scenario: Scenario; runs: number; removedFaults: number; replay: string };
  replay: string;
}

/** Runs `replay`; returns the exit code. */
export async function replayCommand(argv: readonly string[], { out, err }: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, FLAGS, 1);
  const recorded = positionals[0] === undefined ? undefined : readTrace(positionals[0]);
  const seedText = values.seed as string | undefined;
  if (seedText === undefined && recorded?.header === undefined) {
    throw new UsageError(
      recorded === undefined
        ? 'replay needs a trace file or --seed N (with --scenario <name|file.json|json>)'
        : `replay: the trace ${recorded.path} has no header line naming its seed and scenario; give --seed N and --scenario <name|file.json|json>`,
    );
  }
  const seed = parseSeed(seedText, recorded?.header?.seed ?? 1);
  const scenario = scenarioOf(values.scenario as string | undefined, recorded);
  const plant = plantOf(values.plant as string | undefined) ?? recorded?.header?.plant;
  const shrinkRuns = shrinkRunsOf(values['shrink-runs'] as string | undefined);
  const traceOut = openOutput('--trace', values.trace);
  err(`SEED=${seed}\n`);
  traceOut?.line(traceHeaderLine({ seed, scenario, ...(plant === undefined ? {} : { plant }) }));
  const outcome = replayRun({
    scenario,
    seed,
    ...(plant === undefined ? {} : { plant }),
    ...(recorded === undefined ? {} : { expected: { lines: recorded.lines, firstLine: recorded.firstLine } }),
    ...(traceOut === undefined ? {} : { sink: (line: string) => traceOut.line(line) }),
  });
  const { result, divergence, stoppedAtMs } = outcome;
  const first = result.violations[0];
  let shrunk: ShrinkResult | undefined;
  if (first !== undefined) {
    const where = stoppedAtMs === undefined ? `at the end (${scenario.durationMs} ms)` : `stopped at ${Math.round(stoppedAtMs)} of ${scenario.durationMs} ms`;
    err(`violation of ${first.invariant} found, ${where}; shrinking (at most ${shrinkRuns} runs of seed ${seed})\n`);
    // Each smaller scenario is kept while the invariant found first still fails; its run stops there.
    shrunk = shrinkFailure({ scenario, seed, ...(plant === undefined ? {} : { plant }) }, undefined, { maxRuns: shrinkRuns, invariant: first.invariant });
  }
  const report: ReplayReport = {
    seed,
    scenario: scenario.name,
    ...(plant === undefined ? {} : { plant }),
    ok: result.ok && divergence === undefined,
    traceHash: result.report.traceHash,
    traceEvents: result.report.traceEvents,
    simulatedMs: result.report.simulatedMs,
    ...(stoppedAtMs === undefined || first === undefined ? {} : { stopped: { atMs: stoppedAtMs, invariant: first.invariant } }),
    ...(recorded === undefined ? {} : { trace: { path: recorded.path, lines: recorded.lines.length, compared: outcome.comparedLines, matches: divergence === undefined, ...(divergence === undefined ? {} : { divergence }) } }),
    violations: result.violations,
    ...(shrunk === undefined ? {} : { shrunk: { scenario: shrunk.scenario, runs: shrunk.runs, removedFaults: shrunk.removedFaults.length, replay: replayLine(shrunk.scenario, seed, { plant }) } }),
    replay: replayLine(scenario, seed, { plant }),
  };
  out(values.json === true ? JSON.stringify(report, null, 2) + '\n' : formatReplay(report, shrunk));
  const written = closeOutputs([traceOut], err);
  return report.ok ? (written ? 0 : EXIT_OUTPUT_FAILED) : 1;
}

/** Reads a trace file; a missing or empty file is bad input. */
function readTrace(path: string): RecordedTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new UsageError(`trace ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory; give a .jsonl trace file' : 'cannot be read'} (${code})`);
  }
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new UsageError(`trace ${path}: is empty; give a trace written by run --trace or replay --trace`);
  let header: TraceHeader | undefined;
  try {
    header = parseTraceHeader(lines[0] ?? '');
  } catch (error) {
    throw new UsageError(`trace ${path}: line 1: ${(error as Error).message}`);
  }
  return header === undefined ? { path, header, lines, firstLine: 1 } : { path, header, lines: lines.slice(1), firstLine: 2 };
}

/** `--scenario` (a name, a .json file or JSON text), else the trace header's scenario. */
function scenarioOf(text: string | undefined, recorded: RecordedTrace | undefined): Scenario {
  if (text === undefined) {
    if (recorded?.header !== undefined) return recorded.header.scenario;
    throw new UsageError('replay --seed needs --scenario <name|file.json|json>');
  }
  if (!text.trimStart().startsWith('{')) return loadScenario(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--scenario is not valid JSON: ${(error as Error).message.split('\n')[0] ?? ''}`);
  }
  return parseScenario(json, 'scenario given to --scenario');
}

function plantOf(text: string | undefined): PlantName | undefined {
  if (text === undefined) return undefined;
  if (!isPlantName(text)) throw new UsageError(`--plant must be one of ${PLANT_NAMES.join(', ')}, got "${text}"`);
  return text;
}

function shrinkRunsOf(text: string | undefined): number {
  if (text === undefined) return 40;
  const runs = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(runs) || runs < 1) throw new UsageError(`--shrink-runs must be an integer >= 1, got "${text}"`);
  return runs;
}

/** The readable form of a replay. */
function formatReplay(report: ReplayReport, shrunk: ShrinkResult | undefined): string {
  const lines = [`replay      ${report.scenario}, seed ${report.seed}${report.plant === undefined ? '' : `, plant ${report.plant}`}: ${report.traceEvents} events, traceHash ${report.traceHash}`];
  if (report.stopped !== undefined) lines.push(`stopped     at ${Math.round(report.stopped.atMs)} ms, at the first violation (${report.stopped.invariant})`);
  if (report.trace !== undefined) {
    const { divergence } = report.trace;
    lines.push(
      divergence === undefined
        ? `trace       matches ${report.trace.path} (${report.stopped === undefined ? `${report.trace.lines} lines` : `its first ${report.trace.compared} of ${report.trace.lines} lines, up to the stop`})`
        : `trace       diverges from ${report.trace.path} at line ${divergence.line}:\n  expected  ${divergence.expected}\n  got       ${divergence.got}`,
    );
  }
  const first = report.violations[0];
  lines.push(first === undefined ? 'judges      every judge passed; no acknowledged commit lost' : `violation   at ${Math.round(first.atMs)} ms: ${first.invariant}: ${first.message}`);
  for (const other of report.violations.slice(1)) lines.push(`            also at ${Math.round(other.atMs)} ms: ${other.invariant}: ${other.message}`);
  if (shrunk !== undefined && report.shrunk !== undefined) {
    lines.push(`shrunk      in ${shrunk.runs} runs: ${shrunk.scenario.faults.length} faults left (${shrunk.removedFaults.length} removed), ${shrunk.scenario.workload.commitsPerS} commits/s from ${shrunk.scenario.workload.clients} clients, ${shrunk.scenario.durationMs} ms`);
    lines.push(...shrunk.scenario.faults.map((fault) => `  ${JSON.stringify(fault)}`));
    lines.push(`shrunk replay  ${report.shrunk.replay}`);
  }
  lines.push(`replay      ${report.replay}`, '');
  return lines.join('\n');
}
