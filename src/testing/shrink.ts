/**
 * Deterministic shrinking of one failing run: keep the seed, and make the scenario smaller for as
 * long as the run still fails the same way. No randomness, so the same failure always shrinks to
 * the same scenario, and the budget is counted in runs.
 *
 * Steps, each kept only while the run still fails:
 * 1. remove faults by delta debugging (Zeller and Hildebrandt, 2002): chunks of half the plan,
 *    then quarters, down to single faults; a crash and its restart (an outage and its recovery, a
 *    partition and its heal) are removed together, so no step leaves a fault that never ends;
 * 2. drop message loss;
 * 3. shorten each remaining fault window by halving it;
 * 4. lower the workload: halve the commit rate, then the clients;
 * 5. shorten the run to just past its last fault, then halve what is left.
 *
 * Judged by invariant (the default), a run stops once that judge has filed a violation (`StopAt`
 * in `check.ts`): the rest of a run that already fails cannot unfail it, and the run is the full
 * run up to there, so the shrunk scenario fails the same way when run to its end.
 */
import type { FaultSpec, Scenario } from '../cluster/scenario.js';
import type { PlantName } from '../protocol/plants.js';
import { parseScenario } from '../scenarios/schema.js';
import { runScenarioCheck } from './check.js';
import type { ScenarioCheckResult, StopAt } from './check.js';

/** A failing run to shrink. */
export interface FailingRun {
  scenario: Scenario;
  seed: number;
  plant?: PlantName;
}

/** Options of {@link shrinkFailure}. */
export interface ShrinkOptions {
  /** Most simulation runs to spend, counting the first. @defaultValue 60 */
  maxRuns?: number;
  /**
   * Without `isFailure`: the judge that must keep failing, by name. @defaultValue the original
   * run's earliest failed invariant, read where that run stops, at its first violation
   */
  invariant?: string;
}

/** What {@link shrinkFailure} found. */
export interface ShrinkResult {
  /** The smallest scenario found that still fails with the same seed. */
  scenario: Scenario;
  seed: number;
  plant?: PlantName;
  /** Simulation runs spent, counting the first. */
  runs: number;
  /** The faults delta debugging removed from the plan (the kept ones may then have shorter windows). */
  removedFaults: FaultSpec[];
  /** The failing verdict of the shrunk scenario (read where its run stopped, by default). */
  result: ScenarioCheckResult;
  /** The invariant the default predicate kept failing (`options.invariant` or the original's earliest), if any. */
  invariant: string | undefined;
}

/** Thrown when the run given to {@link shrinkFailure} does not fail. */
export class NotFailingError extends Error {
  override readonly name = 'NotFailingError';
}

/**
 * Shrinks a failing run. `isFailure` says whether a run still fails, and each run goes to its end;
 * by default, whether its violations include `options.invariant` or else the original run's
 * earliest failed invariant (same name), and each run stops once that judge has failed. Throws
 * {@link NotFailingError} when the given run does not fail.
 */
export function shrinkFailure(run: FailingRun, isFailure?: (result: ScenarioCheckResult) => boolean, options: ShrinkOptions = {}): ShrinkResult {
  const maxRuns = options.maxRuns ?? 60;
  const firstStop: StopAt | undefined = isFailure !== undefined ? undefined : options.invariant === undefined ? 'first-violation' : { invariant: options.invariant };
  const first = runScenarioCheck(run.scenario, run.seed, { plant: run.plant, stopAt: firstStop });
  const invariant = isFailure === undefined ? (options.invariant ?? first.violations[0]?.invariant) : undefined;
  const stopAt: StopAt | undefined = invariant === undefined ? undefined : { invariant };
  const fails = isFailure ?? ((result: ScenarioCheckResult) => result.violations.some((v) => v.invariant === invariant));
  if (!fails(first)) {
    throw new NotFailingError(`shrinkFailure: seed ${run.seed} of scenario ${run.scenario.name} does not fail${isFailure === undefined ? ' (no invariant was violated)' : ' (the failure predicate is false)'}`);
  }
  const state = { scenario: run.scenario, result: first, runs: 1 };
  /** Runs a candidate and keeps it when it still fails; false when it does not or the budget is spent. */
  const attempt = (candidate: Scenario | undefined): boolean => {
    if (candidate === undefined || state.runs >= maxRuns) return false;
    state.runs++;
    let result: ScenarioCheckResult;
    try {
      result = runScenarioCheck(candidate, run.seed, { plant: run.plant, stopAt });
    } catch {
      // A candidate whose run breaks (an actor fails) fails differently: it is not kept.
      return false;
    }
    if (!fails(result)) return false;
    state.scenario = candidate;
    state.result = result;
    return true;
  };
  removeFaults(state, attempt);
  const removedFaults = removedFrom(run.scenario.faults, state.scenario.faults);
  attempt(state.scenario.network.lossRatio ? revalidate(state.scenario, { network: { ...state.scenario.network, lossRatio: 0 } }) : undefined);
  shortenWindows(state, attempt);
  lowerWorkload(state, attempt);
  shortenRun(state, attempt);
  return {
    scenario: state.scenario,
    seed: run.seed,
    ...(run.plant === undefined ? {} : { plant: run.plant }),
    runs: state.runs,
    removedFaults,
    result: state.result,
    invariant,
  };
}

/** The faults of `before` that `after` no longer holds (counting duplicates). */
function removedFrom(before: readonly FaultSpec[], after: readonly FaultSpec[]): FaultSpec[] {
  const left = after.map((fault) => JSON.stringify(fault));
  return before.filter((fault) => {
    const i = left.indexOf(JSON.stringify(fault));
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

type ShrinkState = { scenario: Scenario; result: ScenarioCheckResult; runs: number };
type Attempt = (candidate: Scenario | undefined) => boolean;

/** `scenario` with `patch` applied and checked by the schema; undefined if that makes it invalid. */
function revalidate(scenario: Scenario, patch: Partial<Scenario>): Scenario | undefined {
  try {
    return parseScenario({ ...scenario, ...patch }, `shrunk scenario ${scenario.name}`);
  } catch {
    return undefined;
  }
}

/** A fault with the index of the fault that ends it, if any. */
interface FaultUnit {
  start: number;
  end: number | undefined;
}

/** Pairs each fault with the next fault that ends it (crash → restart, outage → recovery, …). */
export function faultUnits(faults: readonly FaultSpec[]): FaultUnit[] {
  const used = new Set<number>();
  const units: FaultUnit[] = [];
  for (const [i, fault] of faults.entries()) {
    if (used.has(i)) continue;
    const end = faults.findIndex((other, j) => j > i && !used.has(j) && ends(fault, other));
    if (end >= 0) used.add(end);
    units.push({ start: i, end: end >= 0 ? end : undefined });
  }
  return units;
}

/** Whether `other` ends `fault`. */
function ends(fault: FaultSpec, other: FaultSpec): boolean {
  switch (fault.kind) {
    case 'azOutage':
      return other.kind === 'azRecover' && other.az === fault.az;
    case 'regionOutage':
      return other.kind === 'regionRecover' && other.region === fault.region;
    case 'segmentCrash':
      return other.kind === 'segmentRestart' && other.segment === fault.segment;
    case 'nodeCrash':
      return other.kind === 'nodeRestart' && other.node === fault.node;
    case 'instanceCrash':
      return other.kind === 'instanceRestart' && other.instance === fault.instance;
    case 'slowSegment':
      return fault.factor > 1 && other.kind === 'slowSegment' && other.segment === fault.segment && other.factor === 1;
    case 'partition':
      return other.kind === 'heal';
    default:
      return false;
  }
}

function withoutUnits(scenario: Scenario, units: readonly FaultUnit[]): Scenario | undefined {
  const drop = new Set(units.flatMap((unit) => (unit.end === undefined ? [unit.start] : [unit.start, unit.end])));
  return revalidate(scenario, { faults: scenario.faults.filter((_, i) => !drop.has(i)) });
}

/** Delta debugging over fault units: chunks of n/2, n/4, …, 1; a removal that keeps failing restarts at that size. */
function removeFaults(state: ShrinkState, attempt: Attempt): void {
  let units = faultUnits(state.scenario.faults);
  let size = Math.ceil(units.length / 2);
  while (size >= 1 && units.length > 0) {
    let removed = false;
    for (let from = 0; from < units.length; from += size) {
      if (attempt(withoutUnits(state.scenario, units.slice(from, from + size)))) {
        removed = true;
        break;
      }
    }
    units = faultUnits(state.scenario.faults);
    if (!removed) size = size === 1 ? 0 : Math.ceil(size / 2);
    else size = Math.min(size, Math.ceil(units.length / 2));
  }
}

/** Halves each fault's window (its end moves towards its start) while the run still fails. */
function shortenWindows(state: ShrinkState, attempt: Attempt): void {
  for (let u = 0; u < faultUnits(state.scenario.faults).length; u++) {
    for (let step = 0; step < 6; step++) {
      const unit = faultUnits(state.scenario.faults)[u];
      if (unit?.end === undefined) break;
      const faults = state.scenario.faults;
      const startMs = faults[unit.start]!.atMs;
      const endMs = faults[unit.end]!.atMs;
      const shorterMs = startMs + Math.floor((endMs - startMs) / 2);
      if (endMs - startMs < 2) break;
      const next = faults.map((fault, i) => (i === unit.end ? { ...fault, atMs: shorterMs } : fault)).sort((a, b) => a.atMs - b.atMs);
      if (!attempt(revalidate(state.scenario, { faults: next }))) break;
    }
  }
}

/** Halves the commit rate, then the clients, while the run still fails. */
function lowerWorkload(state: ShrinkState, attempt: Attempt): void {
  for (const field of ['commitsPerS', 'clients'] as const) {
    for (let step = 0; step < 6; step++) {
      const value = state.scenario.workload[field];
      const lower = Math.max(1, Math.floor(value / 2));
      if (lower === value) break;
      if (!attempt(revalidate(state.scenario, { workload: { ...state.scenario.workload, [field]: lower } }))) break;
    }
  }
}

/** Ends the run just after its last fault, then halves what is left after it, while the run still fails. */
function shortenRun(state: ShrinkState, attempt: Attempt): void {
  for (let step = 0; step < 4; step++) {
    const { durationMs, faults, workload } = state.scenario;
    const lastFaultMs = faults.reduce((latest, fault) => Math.max(latest, fault.atMs), 0);
    const shorterMs = Math.max(lastFaultMs + 1, Math.floor((lastFaultMs + durationMs) / 2), 1);
    if (shorterMs >= durationMs) break;
    const stopMs = Math.min(workload.stopMs, shorterMs);
    const candidate = revalidate(state.scenario, { durationMs: shorterMs, workload: { ...workload, stopMs, startMs: Math.min(workload.startMs, stopMs) } });
    if (!attempt(candidate)) break;
  }
}
