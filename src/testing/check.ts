/**
 * Running a scenario as a check: one run's verdict (`runScenarioCheck`), and a property over
 * generated scenarios × seeds for vitest users (`checkScenario`) whose failure message holds the
 * shrunk scenario and a one-line command that replays it (docs/architecture.md, "Code conventions" 4: the seed is the bug
 * report).
 */
import fc from 'fast-check';
import type { Scenario } from '../cluster/scenario.js';
import type { PlantName } from '../protocol/plants.js';
import { canonicalJson } from '../kernel/trace.js';
import { findScenario } from '../scenarios/builtin.js';
import type { SimulationReport } from '../simulation/report.js';
import { Simulation } from '../simulation/simulation.js';
import type { SimulationOptions } from '../simulation/simulation.js';

/** One failed judge of a run: its name, when it first failed, and what it saw. */
export interface Violation {
  /** The judge's name as the report gives it, e.g. `no lost acknowledged commit`. */
  invariant: string;
  /** Virtual time of its first violation (the end of the run for end-of-run judges). */
  atMs: number;
  message: string;
  /** How many times it failed in the run. */
  count: number;
}

/** The verdict of one run. */
export interface ScenarioCheckResult {
  /** No judge failed and no acknowledged commit was lost. */
  ok: boolean;
  /** The failed judges, earliest first. */
  violations: Violation[];
  report: SimulationReport;
  /** The virtual time the run stopped at, when a `stopAt` stopped it before the scenario's end. */
  stoppedAtMs?: number;
}

/**
 * Where a run may stop before the scenario's end: after the first kernel step at which a judge
 * that judges as the run goes has filed a violation (`'first-violation'`), or that judge by name
 * (`Simulation.violatedSoFar`). A violation only the end-of-run judges see is found at the end.
 */
export type StopAt = 'first-violation' | { invariant: string };

/** Options of {@link runScenarioCheck}. */
export interface RunScenarioCheckOptions {
  /** A planted protocol mistake (`src/protocol/plants.ts`) to run with. @defaultValue none */
  plant?: PlantName;
  /**
   * Stop early (see {@link StopAt}); the verdict is then read at that time, and the run's trace is
   * the full run's up to there. @defaultValue run to the scenario's end
   */
  stopAt?: StopAt;
}

/** The options of one run: no trace or history kept (a check needs only the report), the plant if given. */
export function simulationOptions(scenario: Scenario, seed: number, plant: PlantName | undefined): SimulationOptions {
  return { seed, scenario, trace: { keepEvents: false }, history: { keepEntries: false }, ...(plant === undefined ? {} : { plant }) };
}

/** Runs `scenario` with `seed` to its end, or to where `stopAt` stops it, and judges it. */
export function runScenarioCheck(scenario: Scenario, seed: number, options: RunScenarioCheckOptions = {}): ScenarioCheckResult {
  const sim = new Simulation(simulationOptions(scenario, seed, options.plant));
  const stoppedAtMs = runToStop(sim, options.stopAt);
  const result = verdictOf(sim.report());
  return stoppedAtMs === undefined ? result : { ...result, stoppedAtMs };
}

/** Runs `sim` to its end or to where `stopAt` stops it; the time it stopped at, if early. */
export function runToStop(sim: Simulation, stopAt: StopAt | undefined): number | undefined {
  if (stopAt === undefined) {
    sim.run();
    return undefined;
  }
  const stop = stopAt === 'first-violation' ? (run: Simulation) => run.violatedSoFar().size > 0 : (run: Simulation) => run.violatedSoFar().has(stopAt.invariant);
  return sim.runUntil(stop) ? sim.kernel.clock.now() : undefined;
}

/** The verdict of a finished run's report: its failed judges, earliest first. */
export function verdictOf(report: SimulationReport): ScenarioCheckResult {
  const violations: Violation[] = report.invariants
    .filter((result) => !result.ok)
    .map((result) => {
      const first = result.firstViolations[0];
      return { invariant: result.name, atMs: first?.atMs ?? report.simulatedMs, message: first?.message ?? '(no message)', count: result.violations };
    });
  // The durability judge reports lost commits; this is a second look at the same count, so a
  // report that lost one can never pass.
  if (report.commits.lostAcknowledged > 0 && violations.length === 0) {
    violations.push({ invariant: 'no lost acknowledged commit', atMs: report.simulatedMs, message: `${report.commits.lostAcknowledged} acknowledged commits lost`, count: report.commits.lostAcknowledged });
  }
  violations.sort((a, b) => a.atMs - b.atMs);
  return { ok: violations.length === 0, violations, report };
}

/** Quotes a word for POSIX shells (single quotes; a single quote inside becomes `'\''`). */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Options of {@link replayLine}. */
export interface ReplayLineOptions {
  /** A path or built-in name to name the scenario by, instead of its JSON text. */
  scenarioPath?: string;
  plant?: PlantName;
  /** The command's start. @defaultValue 'npx aurora-actors' */
  command?: string;
}

/**
 * One copy-pasteable line that replays a run: `npx aurora-actors replay --seed N --scenario '<json>'`.
 * The JSON is the whole scenario, a valid scenario file, so the line replays the same run.
 */
export function replayLine(scenario: Scenario, seed: number, options: ReplayLineOptions = {}): string {
  // A built-in scenario left as it is goes by its name; anything else as its whole JSON.
  const builtin = findScenario(scenario.name);
  const unchanged = builtin !== undefined && canonicalJson(builtin) === canonicalJson(scenario);
  const source = options.scenarioPath ?? (unchanged ? scenario.name : JSON.stringify(scenario));
  const plant = options.plant === undefined ? '' : ` --plant ${options.plant}`;
  return `${options.command ?? 'npx aurora-actors'} replay --seed ${seed} --scenario ${shellQuote(source)}${plant}`;
}

/** Options of {@link checkScenario}. */
export interface CheckScenarioOptions {
  /** Generated cases. @defaultValue 20 */
  numRuns?: number;
  /** fast-check's own seed, for a reproducible property run. @defaultValue fast-check's choice */
  seed?: number;
  /** The run seeds: an arbitrary of integers. @defaultValue fc.integer() */
  runSeeds?: fc.Arbitrary<number>;
  plant?: PlantName;
  /**
   * When a run counts as a failure. @defaultValue any failed judge or lost acknowledged commit
   * (`!result.ok`)
   */
  isFailure?: (result: ScenarioCheckResult, scenario: Scenario) => boolean;
}

/** A counterexample found by {@link checkScenario}: the shrunk scenario, its seed and its verdict. */
export interface ScenarioCounterexample {
  scenario: Scenario;
  seed: number;
  result: ScenarioCheckResult;
}

/**
 * Runs every generated scenario with a generated seed and throws when any run fails: the error
 * message states the shrunk fault plan and workload, the first violations and one line that
 * replays the run. Use it inside a vitest `it`.
 */
export function checkScenario(arb: fc.Arbitrary<Scenario>, options: CheckScenarioOptions = {}): void {
  const isFailure = options.isFailure ?? ((result: ScenarioCheckResult) => !result.ok);
  const runSeeds = options.runSeeds ?? fc.integer();
  const details = fc.check(
    fc.property(arb, runSeeds, (scenario, seed) => !isFailure(runScenarioCheck(scenario, seed, { plant: options.plant }), scenario)),
    { numRuns: options.numRuns ?? 20, ...(options.seed === undefined ? {} : { seed: options.seed }) },
  );
  if (!details.failed) return;
  if (details.counterexample === null) throw new Error(`checkScenario: the property threw (fast-check seed ${details.seed}): ${String(details.errorInstance)}`);
  const [scenario, seed] = details.counterexample;
  const context = { plant: options.plant, fastCheckSeed: details.seed, shrinks: details.numShrinks };
  let result: ScenarioCheckResult;
  try {
    result = runScenarioCheck(scenario, seed, { plant: options.plant });
  } catch (error) {
    // The run itself broke (an actor failed): say how, and still give the line that replays it.
    const text = error instanceof Error ? error.message : String(error);
    throw new Error(`scenario check failed: seed ${seed}: the run threw: ${text.split('\n')[0] ?? ''}\nreplay: ${replayLine(scenario, seed, context)}`, { cause: error });
  }
  throw new Error(formatCounterexample({ scenario, seed, result }, context));
}

/** The failure message of {@link checkScenario}. */
export function formatCounterexample(
  { scenario, seed, result }: ScenarioCounterexample,
  context: { plant?: PlantName; fastCheckSeed?: number; shrinks?: number } = {},
): string {
  const { workload } = scenario;
  const lines = [
    `scenario check failed: seed ${seed}${context.fastCheckSeed === undefined ? '' : ` (fast-check seed ${context.fastCheckSeed}, ${context.shrinks ?? 0} shrinks)`}`,
    ...result.violations.slice(0, 5).map((v) => `  ${v.invariant}: at ${Math.round(v.atMs)} ms: ${v.message} (${v.count} violations)`),
    ...(result.violations.length === 0 ? ['  (the failure predicate held; every judge passed)'] : []),
    `faults (${scenario.faults.length}), loss ratio ${scenario.network.lossRatio ?? 0}:`,
    ...scenario.faults.map((fault) => `  ${JSON.stringify(fault)}`),
    `workload: ${workload.commitsPerS} commits/s from ${workload.clients} clients, ${workload.putsPerTxn} puts + ${workload.getsPerTxn} gets per transaction, ${workload.startMs}–${workload.stopMs} ms of ${scenario.durationMs} ms`,
    `replay: ${replayLine(scenario, seed, { plant: context.plant })}`,
  ];
  return lines.join('\n');
}
