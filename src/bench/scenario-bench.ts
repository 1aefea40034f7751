/**
 * Scenario runs for `aurora-actors bench`: how fast a whole simulation goes against the kernel's
 * limit, and how its heap grows over a long steady state.
 *
 * A run's limit is the raw xstate ceiling divided by the run's kernel events per simulated second:
 * no run of actors on one thread can fire its events faster than a trivial toggle actor takes
 * them. Wall time is read here, outside the simulated path.
 */
import { performance } from 'node:perf_hooks';
import { findScenario, withOverrides } from '../scenarios/builtin.js';
import { Simulation } from '../simulation/simulation.js';
import { goal } from './figure.js';
import type { ScenarioBenchFigures } from './figure.js';

/** What one timed run of a scenario did. */
export interface ScenarioRun {
  /** Wall ms of the run itself, after assembly. */
  wallMs: number;
  assemblyMs: number;
  simulatedMs: number;
  /** Kernel events: callbacks the clock fired during the run. */
  kernelEvents: number;
  /** Records allocated by the writer (LSNs jump by the LAL at each recovery, so not the last LSN). */
  records: number;
  commitsAcknowledged: number;
}

/**
 * Runs a built-in scenario, optionally patched, at `seed`, to its end or to `untilMs` of simulated
 * time when that comes first; times the run apart from assembly.
 */
export function timeScenario(name: string, seed: number, patch: Parameters<typeof withOverrides>[1] = {}, untilMs = Infinity): ScenarioRun {
  const base = findScenario(name);
  if (base === undefined) throw new Error(`bench: no built-in scenario "${name}"`);
  const scenario = withOverrides(base, patch);
  const assemblyStart = performance.now();
  const sim = new Simulation({ seed, scenario, trace: { keepEvents: false } });
  let records = 0;
  sim.streams.redo$.subscribe((batch) => (records += batch.length));
  const firedBefore = sim.kernel.clock.fired;
  const start = performance.now();
  sim.runFor(Math.min(untilMs, scenario.durationMs));
  const wallMs = performance.now() - start;
  const commitsAcknowledged = sim.history.counts.ok;
  return {
    wallMs,
    assemblyMs: start - assemblyStart,
    simulatedMs: sim.kernel.clock.now(),
    kernelEvents: sim.kernel.clock.fired - firedBefore,
    records,
    commitsAcknowledged,
  };
}

/** Goal for a run's fraction of its limit (docs/performance.md, "What limits it"). */
export const FRACTION_OF_LIMIT_GOAL = 0.5;

/** A run's figures against the raw ceiling (kernel events/s of a trivial toggle actor). */
export function scenarioFigures(run: ScenarioRun, rawCeilingEventsPerS: number): ScenarioBenchFigures {
  const kernelEventsPerS = (run.kernelEvents / run.wallMs) * 1000;
  const eventsPerSimS = (run.kernelEvents / run.simulatedMs) * 1000;
  const fractionOfLimit = kernelEventsPerS / rawCeilingEventsPerS;
  return {
    simPerWall: run.simulatedMs / run.wallMs,
    kernelEventsPerS,
    eventsPerSimS,
    fractionOfLimit,
    limitSimPerWall: rawCeilingEventsPerS / eventsPerSimS,
    recordsPerS: (run.records / run.wallMs) * 1000,
    eventsPerCommit: run.commitsAcknowledged === 0 ? 0 : run.kernelEvents / run.commitsAcknowledged,
    simulatedMs: run.simulatedMs,
    wallMs: run.wallMs,
    assemblyMs: run.assemblyMs,
    kernelEvents: run.kernelEvents,
    records: run.records,
    commitsAcknowledged: run.commitsAcknowledged,
    goals: { fractionOfLimit: goal(fractionOfLimit, FRACTION_OF_LIMIT_GOAL) },
  };
}

/** Heap of a steady-state run at two simulated times, after `gc()` when Node exposes it. */
export interface HeapGrowth {
  heapMbFrom: number;
  heapMbTo: number;
  /** `heapMbTo / heapMbFrom`. */
  ratio: number;
  simulatedMs: number;
  wallMs: number;
}

/**
 * Runs the steady-state scenario to `toS` simulated seconds and compares the heap there with the
 * heap at `fromS`. A bounded run holds about as much at both; growth means something keeps every
 * record or event. Configured as `run` configures a run: no trace events and no history entries
 * kept in memory (both stream to files when asked).
 */
export function heapGrowth(seed: number, fromS: number, toS: number): HeapGrowth {
  const scenario = withOverrides(findScenario('steady-state')!, { durationMs: toS * 1000 });
  const start = performance.now();
  const sim = new Simulation({ seed, scenario, trace: { keepEvents: false }, history: { keepEntries: false } });
  sim.runFor(fromS * 1000);
  const heapMbFrom = heapMb();
  sim.runFor((toS - fromS) * 1000);
  const heapMbTo = heapMb();
  // The simulation is read after the second measurement, so it is alive (and counted) at both.
  const simulatedMs = sim.kernel.clock.now();
  return { heapMbFrom, heapMbTo, ratio: heapMbTo / heapMbFrom, simulatedMs, wallMs: performance.now() - start };
}

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
