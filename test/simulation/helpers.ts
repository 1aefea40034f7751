/**
 * Helpers for scenario tests: run a built-in scenario (optionally patched) and read its results.
 */
import { expect } from 'vitest';
import type { Scenario } from '../../src/cluster/scenario.js';
import type { QuorumPredicate } from '../../src/protocol/quorum.js';
import { satisfyingSets } from '../../src/protocol/quorum.js';
import type { ScenarioPatch } from '../../src/scenarios/builtin.js';
import { findScenario, withOverrides } from '../../src/scenarios/builtin.js';
import type { SimulationReport } from '../../src/simulation/report.js';
import { Simulation } from '../../src/simulation/simulation.js';
import type { HostHooks } from '../../src/simulation/simulation.js';
import { SteppedHost } from '../../src/explore/stepped-host.js';
import type { Kernel } from '../../src/kernel/kernel.js';

/** A built-in scenario, patched. */
export function scenario(name: string, patch: ScenarioPatch = {}): Scenario {
  const base = findScenario(name);
  if (base === undefined) throw new Error(`no built-in scenario ${name}`);
  return withOverrides(base, patch);
}

/** How far `npm test` runs each scenario under both interpreters; `npm run test:deep` runs them whole. */
export const QUICK_UNTIL_MS = 6_000;

/** Which interpreter runs the machines: xstate actors (live) or `transition()` on frozen snapshots. */
export type Interpreter = 'live' | 'stepped-frozen';

/**
 * Runs a scenario to its end, or to `untilMs` of virtual time, without keeping trace events (the
 * hash is still computed). The
 * stepped interpreter deep-freezes every snapshot and event, so a transition that writes into
 * what it was given fails the run (docs/determinism.md, "Pure transitions").
 */
export function runScenario(
  input: Scenario,
  seed: number,
  interpreter: Interpreter = 'live',
  untilMs: number = input.durationMs,
): { sim: Simulation; report: SimulationReport } {
  const host =
    interpreter === 'live' ? undefined : (kernel: Kernel, hooks: HostHooks) => new SteppedHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace, freeze: true, ...hooks });
  const sim = new Simulation({ seed, scenario: input, trace: { keepEvents: false }, ...(host === undefined ? {} : { host }) });
  sim.runFor(Math.min(untilMs, input.durationMs));
  return { sim, report: sim.report() };
}

/**
 * Runs a scenario live and stepped on deep-frozen snapshots and expects one run: the same
 * traceHash, trace length, commits and failovers.
 */
export function expectInterpretersAgree(input: Scenario, seed: number, untilMs: number = input.durationMs): SimulationReport {
  const live = runScenario(input, seed, 'live', untilMs).report;
  const stepped = runScenario(input, seed, 'stepped-frozen', untilMs).report;
  expect(stepped.traceHash, `${input.name} seed ${seed}`).toBe(live.traceHash);
  expect(stepped.traceEvents).toBe(live.traceEvents);
  expect(stepped.commits).toEqual(live.commits);
  expect(stepped.failovers).toEqual(live.failovers);
  return live;
}

/** Every judge passed and nothing acknowledged was lost; the message names the seed. */
export function expectSafe(report: SimulationReport): void {
  const failed = report.invariants.filter((result) => !result.ok).map((result) => `${result.name}: ${result.firstViolations.map((v) => v.message).join('; ')}`);
  expect(failed, `seed ${report.seed}: replay with aurora-actors run ${report.scenario} --seed ${report.seed}`).toEqual([]);
  expect(report.commits.lostAcknowledged, `seed ${report.seed}`).toBe(0);
}

/** The built-in scenarios that exercise crash recovery and failover. */
export const FAILOVER_SCENARIOS = [
  'writer-crash',
  'writer-crash-no-replica',
  'zombie-writer',
  'recovery-ragged-edge',
  'recovery-ragged-edge-annulled',
  'crash-during-recovery',
];

/** The built-in scenarios that exercise membership changes. */
/**
 * Scenarios built to reach the corners planted mistakes need (docs/plants.md): long or heavily
 * loaded, so the normal suite leaves them to `interpreters.deep.test.ts` and test/plants/.
 */
export const CORNER_SCENARIOS = ['az-plus-one-failover', 'zombie-writer-slow-fence', 'recovery-partial-mtr', 'hole-during-az-outage', 'lal-under-load'];

/**
 * The commits `instance` acknowledges from now on, with their LSNs and times, as its own
 * observations report them (independent of the report's arithmetic).
 */
export function acknowledgedBy(sim: Simulation, instance: string): { lsn: number; atMs: number }[] {
  const acknowledged: { lsn: number; atMs: number }[] = [];
  sim.streams.observations$.subscribe(({ atMs, actorId, observation }) => {
    if (actorId === instance && observation.kind === 'commitAck') acknowledged.push({ lsn: observation.commitLsn, atMs });
  });
  return acknowledged;
}

/**
 * Global Database scenarios: four volumes each, so the normal suite runs them shortened
 * (global.test.ts, determinism.test.ts) and the deep suite whole.
 */
export const GLOBAL_SCENARIOS = ['global-steady', 'global-cut-off', 'global-switchover', 'global-failover', 'global-detach-promote', 'global-rpo-limit', 'global-write-forwarding'];

/**
 * Multi-writer scenarios: every page change is voted by six segments, so the normal suite runs them
 * shortened (multi-writer.test.ts) and the deep suite whole under both interpreters
 * (multi-writer.deep.test.ts, interpreters.deep.test.ts).
 */
export const MULTI_WRITER_SCENARIOS = ['multi-writer-conflicts'];

export const MEMBERSHIP_SCENARIOS = ['segment-replacement', 'segment-replacement-reverted', 'az-plus-one-repair', 'double-replacement', 'az-extended-loss'];

/**
 * The fast-check seed of the simulation properties. CI runs with a fixed seed, so a run is
 * reproducible (docs/determinism.md, "Property tests and their seeds"); set
 * AURORA_PROPERTY_SEED=random to explore new schedules, or to a number to replay one.
 */
export function propertySeed(): number | undefined {
  const text = process.env.AURORA_PROPERTY_SEED;
  if (text === 'random') return undefined;
  return text === undefined ? 20_261_126 : Number(text);
}

/**
 * How many runs a simulation property makes. `npm test` makes `quick` runs so the suite stays
 * under five minutes on two cores; `npm run test:deep` (AURORA_DEEP=1, which CI also runs) makes
 * `deep`; AURORA_PROPERTY_RUNS overrides both, to explore longer or replay one run.
 */
export function propertyRuns(options: { quick: number; deep: number }): number {
  const override = process.env.AURORA_PROPERTY_RUNS;
  if (override !== undefined) return Number(override);
  return process.env.AURORA_DEEP === '1' ? options.deep : options.quick;
}

/** Same satisfying sets, whatever the order of members in the trees. */
export function equivalent(left: QuorumPredicate, right: QuorumPredicate): boolean {
  const canonical = (predicate: QuorumPredicate): string[] => satisfyingSets(predicate).map((set) => [...set].sort().join(' ')).sort();
  return JSON.stringify(canonical(left)) === JSON.stringify(canonical(right));
}
