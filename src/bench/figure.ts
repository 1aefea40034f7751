/**
 * One benchmark figure and the report `aurora-actors bench --json` prints.
 *
 * The report's `figures` carry stable names (units last), so a script can compare
 * runs; `details` is the readable table, whose wording may change. A kernel event is one callback
 * fired by the run's `VirtualClock` (`clock.fired`): a message delivery, a timer or delayed event,
 * an rxjs scheduled action. Every events/s figure and every limit uses that definition.
 */

/** One measured figure of the readable table. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/**
 * A figure beside its goal: `met` is `value >= goal` when `comparison` is `>=`, `value <= goal`
 * when it is `<=`.
 */
export interface BenchGoal {
  value: number;
  goal: number;
  comparison: '>=' | '<=';
  met: boolean;
}

/** What one scenario's run measured; wall time is that of the run, after assembly. */
export interface ScenarioBenchFigures {
  /** Simulated ms per wall ms. */
  simPerWall: number;
  /** Kernel events (clock callbacks fired) per wall second. */
  kernelEventsPerS: number;
  /** Kernel events per simulated second: the run's load on the kernel. */
  eventsPerSimS: number;
  /**
   * The run's speed as a fraction of its limit, the simulated seconds per wall second it would
   * reach at `rawCeilingEventsPerS`; equal to `kernelEventsPerS / rawCeilingEventsPerS`.
   */
  fractionOfLimit: number;
  /** `rawCeilingEventsPerS / eventsPerSimS`: simulated seconds per wall second at the ceiling. */
  limitSimPerWall: number;
  /** Records allocated by the writer, per wall second. */
  recordsPerS: number;
  /** Kernel events per acknowledged transaction (0 when none was acknowledged). */
  eventsPerCommit: number;
  simulatedMs: number;
  wallMs: number;
  assemblyMs: number;
  kernelEvents: number;
  records: number;
  commitsAcknowledged: number;
  goals: { fractionOfLimit: BenchGoal };
}

/** The stable names of `figures`, each a finite positive number in every run. */
export const STABLE_FIGURE_NAMES = [
  'rawCeilingEventsPerS',
  'steadyStateSimPerWall',
  'steadyStateKernelEventsPerS',
  'steadyStateEventsPerCommit',
  'steadyStateRecordsPerS',
  'bareQuorumCeilingRecordsPerS',
  'saturatedRecordsPerS',
  'pg1000SimPerWall',
  'pg1000KernelEventsPerS',
  'pg1000FractionOfLimit',
  'heapGrowth600sOver60s',
  'explorerStatesPerS',
  'historyOpsPerSRegister',
  'historyOpsPerSTxn',
  'sweepSeedsPerS1Worker',
  'sweepSeedsPerS2Workers',
  'sweepSpeedUp',
] as const;

/** One of {@link STABLE_FIGURE_NAMES}. */
export type StableFigureName = (typeof STABLE_FIGURE_NAMES)[number];

/** What `bench --json` prints. */
export interface BenchReport {
  /** Seed of every simulation and random draw in the run. */
  seed: number;
  node: string;
  /** Shorter runs and fewer scenarios (`--quick`); the heap window is then 2 s to 6 s, which only shows the figure is produced. */
  quick: boolean;
  /** Whether `gc()` was available (`node --expose-gc`); without it heap figures include garbage. */
  gcExposed: boolean;
  /** What a kernel event is, for every `*EventsPerS` and limit below. */
  kernelEvent: string;
  /** Simulated seconds at which the steady-state heap was taken for `heapGrowth600sOver60s`. */
  heapWindowS: { from: number; to: number };
  figures: Record<StableFigureName, number>;
  /** Goals of the figures that have one, keyed by figure name. */
  goals: Partial<Record<StableFigureName, BenchGoal>>;
  /** Per built-in scenario, keyed by its name. */
  scenarios: Record<string, ScenarioBenchFigures>;
  /** The readable table's figures. */
  details: BenchFigure[];
}

/** A figure beside its goal. */
export function goal(value: number, target: number, comparison: '>=' | '<=' = '>='): BenchGoal {
  return { value, goal: target, comparison, met: comparison === '>=' ? value >= target : value <= target };
}
