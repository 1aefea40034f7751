/**
 * The stable figures of `aurora-actors bench --json` and their goals, from one run's measurements.
 *
 * Goals (docs/performance.md, "What limits it"): every scenario at half its limit or better; the
 * steady state at half the bare quorum ceiling in records/s and 20× real time; a saturated volume
 * at the bare ceiling or above; 1,000 PGs at 0.4 of their limit; and a heap that grows at most
 * 1.2× from 60 to 600 simulated seconds; the explorer at 100,000 unique states per CPU second on
 * two-phase commit with 5 resource managers (docs/explorer.md).
 */
import { goal } from './figure.js';
import type { BenchFigure, BenchReport, ScenarioBenchFigures, StableFigureName } from './figure.js';
import { scenarioFigures } from './scenario-bench.js';
import type { StorageMeasurements } from './storage-bench.js';
import type { ExploreBenchFigures } from './explore-bench.js';
import type { HistoryBenchFigures } from './history-bench.js';
import type { SweepBenchFigures } from './sweep-bench.js';

/** What a kernel event is, stated in every report. */
export const KERNEL_EVENT_DEFINITION =
  "one callback fired by the simulation's VirtualClock (clock.fired): a message delivery, a timer or delayed event, an rxjs scheduled action";

/** Everything one bench run measured. */
export interface BenchMeasurements {
  seed: number;
  quick: boolean;
  rawCeilingEventsPerS: number;
  storage: StorageMeasurements;
  explore: ExploreBenchFigures;
  history: HistoryBenchFigures;
  sweep: SweepBenchFigures;
  details: BenchFigure[];
}

/** Builds the report: stable figures, their goals and the per-scenario figures. */
export function buildBenchReport(measured: BenchMeasurements): BenchReport {
  const ceiling = measured.rawCeilingEventsPerS;
  const { storage } = measured;
  const scenarios: Record<string, ScenarioBenchFigures> = {};
  for (const [name, run] of Object.entries(storage.scenarios)) scenarios[name] = scenarioFigures(run, ceiling);
  const steady = scenarios['steady-state'];
  if (steady === undefined) throw new Error('bench: the steady-state scenario was not run');
  const pg1000 = scenarioFigures(storage.pg1000, ceiling);
  const bare = storage.bareQuorumCeilingRecordsPerS;
  // In the order of STABLE_FIGURE_NAMES, so two reports diff line by line.
  const figures: Record<StableFigureName, number> = {
    rawCeilingEventsPerS: ceiling,
    steadyStateSimPerWall: steady.simPerWall,
    steadyStateKernelEventsPerS: steady.kernelEventsPerS,
    steadyStateEventsPerCommit: steady.eventsPerCommit,
    steadyStateRecordsPerS: steady.recordsPerS,
    bareQuorumCeilingRecordsPerS: bare,
    saturatedRecordsPerS: scenarioFigures(storage.saturated, ceiling).recordsPerS,
    pg1000SimPerWall: pg1000.simPerWall,
    pg1000KernelEventsPerS: pg1000.kernelEventsPerS,
    pg1000FractionOfLimit: pg1000.fractionOfLimit,
    heapGrowth600sOver60s: storage.heap.ratio,
    explorerStatesPerS: measured.explore.explorerStatesPerS,
    historyOpsPerSRegister: measured.history.historyOpsPerSRegister,
    historyOpsPerSTxn: measured.history.historyOpsPerSTxn,
    sweepSeedsPerS1Worker: measured.sweep.sweepSeedsPerS1Worker,
    sweepSeedsPerS2Workers: measured.sweep.sweepSeedsPerS2Workers,
    sweepSpeedUp: measured.sweep.speedUp,
  };
  return {
    seed: measured.seed,
    node: process.version,
    quick: measured.quick,
    gcExposed: globalThis.gc !== undefined,
    kernelEvent: KERNEL_EVENT_DEFINITION,
    heapWindowS: storage.heapWindowS,
    figures,
    goals: {
      steadyStateSimPerWall: goal(figures.steadyStateSimPerWall, 20),
      steadyStateRecordsPerS: goal(figures.steadyStateRecordsPerS, 0.5 * bare),
      saturatedRecordsPerS: goal(figures.saturatedRecordsPerS, bare),
      pg1000FractionOfLimit: goal(figures.pg1000FractionOfLimit, 0.4),
      heapGrowth600sOver60s: goal(figures.heapGrowth600sOver60s, 1.2, '<='),
      explorerStatesPerS: goal(figures.explorerStatesPerS, measured.explore.explorerStatesPerSGoal),
    },
    scenarios,
    details: measured.details,
  };
}

