/**
 * Replaying a run: run a scenario and seed again, stopping at the first violation a judge files as
 * the run goes, and compare the new trace, line by line, with a trace written before, stopping the
 * comparison at the first line that differs. A run stopped early fires the same kernel steps as the
 * full run up to there, so its trace is a prefix of the full run's (docs/testing.md); the
 * comparison then covers that prefix and a longer file is no divergence. A trace file may
 * open with a header line that names its scenario and seed ({@link traceHeaderLine}); the header
 * is written beside the trace events, never recorded by the kernel, so `traceHash` does not
 * depend on it (docs/determinism.md).
 *
 * `verdict` lines (docs/trace-format.md) are skipped by the comparison on both sides, as the hash
 * skips them: they judge the run and are not part of it. So a trace with verdicts and one without
 * compare equal, and a replay stopped at the first violation, whose final verdicts come at the
 * stop, still matches the full run's file up to there.
 */
import type { Scenario } from '../cluster/scenario.js';
import { isVerdictLine } from '../kernel/trace.js';
import type { PlantName } from '../protocol/plants.js';
import { parseScenario } from '../scenarios/schema.js';
import { Simulation } from '../simulation/simulation.js';
import { runToStop, simulationOptions, verdictOf } from './check.js';
import type { ScenarioCheckResult } from './check.js';

/** The key that marks a trace file's header line. */
export const TRACE_HEADER_KEY = 'auroraActorsTrace';

/** What a trace header says. */
export interface TraceHeader {
  seed: number;
  scenario: Scenario;
  plant?: PlantName;
}

/** The header line of a trace file: one JSON object, no trailing newline. */
export function traceHeaderLine(header: TraceHeader): string {
  return JSON.stringify({ [TRACE_HEADER_KEY]: 1, seed: header.seed, ...(header.plant === undefined ? {} : { plant: header.plant }), scenario: header.scenario });
}

/**
 * The header of a trace file's first line, or undefined when the line is a trace event (as in
 * traces written by `demo --trace`, `explore --trace`, or by `run --trace` before it wrote one). Throws a TypeError naming the field when a header is malformed.
 */
export function parseTraceHeader(line: string): TraceHeader | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !(TRACE_HEADER_KEY in value)) return undefined;
  const header = value as { seed?: unknown; scenario?: unknown; plant?: unknown };
  if (typeof header.seed !== 'number' || !Number.isSafeInteger(header.seed)) throw new TypeError(`trace header: seed must be an integer, got ${JSON.stringify(header.seed)}`);
  const scenario = parseScenario(header.scenario, 'trace header scenario');
  return { seed: header.seed, scenario, ...(typeof header.plant === 'string' ? { plant: header.plant as PlantName } : {}) };
}

/** The first line where a replay's trace differs from the expected one (1-based file line numbers). */
export interface TraceDivergence {
  line: number;
  /** The line the file holds there, or `(end of trace)`. */
  expected: string;
  /** The line the replay wrote there, or `(end of trace)`. */
  got: string;
}

/** Options of {@link replayRun}. */
export interface ReplayRunOptions {
  scenario: Scenario;
  seed: number;
  plant?: PlantName;
  /** The trace to compare with: its event lines, and the file line number of the first. */
  expected?: { lines: readonly string[]; firstLine: number };
  /**
   * Receives every line of the new trace (e.g. to write a file): its events, and its verdicts, as
   * `run --trace` writes them (`traceVerdicts`, then `recordFinalVerdicts` where the run stopped).
   */
  sink?: (line: string) => void;
  /**
   * Stop after the first kernel step at which a judge that judges as the run goes has filed a
   * violation (`StopAt` 'first-violation'); the end-of-run judges are then read at that time.
   * @defaultValue true
   */
  stopAtFirstViolation?: boolean;
}

/** A replay's outcome: the run's verdict, and the first divergence from the expected trace. */
export interface ReplayOutcome {
  result: ScenarioCheckResult;
  divergence: TraceDivergence | undefined;
  /** Event lines the replay wrote (verdicts left out, as in `traceEvents`). */
  lines: number;
  /**
   * Lines of the expected trace the comparison went through, verdict lines among them: up to the
   * first divergence, the stop (with the verdicts written right after it) or the end.
   */
  comparedLines: number;
  /** The virtual time the run stopped at, when it stopped before the scenario's end. */
  stoppedAtMs: number | undefined;
}

const END = '(end of trace)';

/** Runs the scenario again, comparing each trace line as it is written. */
export function replayRun(options: ReplayRunOptions): ReplayOutcome {
  const { expected } = options;
  const expectedLines = expected?.lines ?? [];
  const firstLine = expected?.firstLine ?? 1;
  let index = 0;
  /** Position in `expectedLines`: past every line compared and every verdict line skipped. */
  let at = 0;
  let divergence: TraceDivergence | undefined;
  const skipVerdicts = (): void => {
    while (at < expectedLines.length && isVerdictLine(expectedLines[at] as string)) at++;
  };
  const compare = (line: string): void => {
    options.sink?.(line);
    if (options.sink !== undefined && isVerdictLine(line)) return;
    index++;
    if (expected !== undefined && divergence === undefined) {
      skipVerdicts();
      const want = expectedLines[at];
      if (want !== line) divergence = { line: firstLine + at, expected: want ?? END, got: line };
      else at++;
    }
  };
  const base = simulationOptions(options.scenario, options.seed, options.plant);
  // Verdicts only for a trace that is written: the comparison skips them anyway.
  const traced = options.sink !== undefined;
  const sim = new Simulation({ ...base, trace: { keepEvents: false, sink: compare }, traceVerdicts: traced });
  const stoppedAtMs = runToStop(sim, options.stopAtFirstViolation === false ? undefined : 'first-violation');
  const report = sim.report();
  if (traced) sim.recordFinalVerdicts(report);
  const result = verdictOf(report);
  if (expected !== undefined && divergence === undefined) {
    // The verdicts written after the last step compared: the stop's, or the final ones.
    skipVerdicts();
    // A run stopped early wrote a prefix of the full trace: the file may go on past it.
    if (stoppedAtMs === undefined && at < expectedLines.length) divergence = { line: firstLine + at, expected: expectedLines[at] ?? END, got: END };
  }
  return { result: stoppedAtMs === undefined ? result : { ...result, stoppedAtMs }, divergence, lines: index, comparedLines: at, stoppedAtMs };
}
