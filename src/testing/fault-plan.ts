/**
 * Fault plans as data: the constraint object users write, the plain draw a generator makes (a few
 * numbers per fault, which fast-check shrinks and the swarm draws from the kernel Rng), and the
 * one pure function that turns a draw into `FaultSpec`s within a scenario's topology.
 *
 * The budget (SIGMOD'17 §2.1; docs/semantics.md): under `'az+1'` at any moment at most one AZ is
 * out, never the writer's, plus at most one more segment of any PG (a segment crash, a storage
 * node crash, which holds at most one segment of each PG, or a segment isolated by a partition),
 * outside the failed AZ. A slow segment is slow, not missing, and a writer crash takes no storage
 * away, so neither counts. Under `'beyond'` extra failures may overlap, land in the failed AZ, and
 * the outage may take the writer's AZ: the judges may then report writes stalled or reads
 * unavailable, but never a lost acknowledged commit.
 */
import type { FaultSpec, ResolvedTopology, Scenario } from '../cluster/scenario.js';
import { resolveTopology } from '../cluster/topology.js';
import { findScenario, withOverrides } from '../scenarios/builtin.js';

/** A kind of fault a plan may hold. */
export type FaultFamily = 'az-outage' | 'segment-crash' | 'node-crash' | 'isolate' | 'slow-segment' | 'loss' | 'writer-crash';

/** Every fault family, in a stable order. */
export const FAULT_FAMILIES: readonly FaultFamily[] = ['az-outage', 'segment-crash', 'node-crash', 'isolate', 'slow-segment', 'loss', 'writer-crash'];

/**
 * The families plans use unless told otherwise: all but `writer-crash`, whose failover takes the
 * control plane 15 s or more to notice (`failover.healthCheckPeriodMs × missesToFail`), longer
 * than the short runs a property can afford.
 */
export const DEFAULT_FAULT_FAMILIES: readonly FaultFamily[] = ['az-outage', 'segment-crash', 'node-crash', 'isolate', 'slow-segment', 'loss'];

/** The families drawn as extra faults (all but the AZ outage and message loss). */
export type ExtraFaultFamily = Exclude<FaultFamily, 'az-outage' | 'loss'>;

/** How much may fail at once: within AZ+1, or beyond it. */
export type FaultBudget = 'az+1' | 'beyond';

/** What a fault plan may hold; every field is optional. */
export interface FaultPlanConstraints {
  /** The scenario whose topology and duration the faults target. @defaultValue {@link smallScenario}() */
  base?: Scenario;
  /** Which families may appear. @defaultValue {@link DEFAULT_FAULT_FAMILIES} */
  families?: readonly FaultFamily[];
  /** `'az+1'` keeps every moment within the AZ+1 budget; `'beyond'` may exceed it. @defaultValue 'az+1' */
  budget?: FaultBudget;
  /** Most extra faults (segment, node, isolate, slow, writer) besides the one AZ outage. @defaultValue 3 */
  maxFaults?: number;
  /** Shortest fault window, in virtual ms (a generated window shrinks towards it). @defaultValue 50 */
  windowMsMin?: number;
  /** Longest fault window, in virtual ms. @defaultValue healByMs */
  windowMsMax?: number;
  /**
   * Every fault has healed by then (virtual ms), so a property can also ask that writes resume
   * afterwards (safety, then liveness). At most the base's `durationMs`. @defaultValue 60% of durationMs
   */
  healByMs?: number;
  /** Highest message loss ratio the `loss` family draws (uniform in per-mille steps). @defaultValue 0.05 */
  lossRatioMax?: number;
  /** Highest slow-segment factor (the disk latency multiplier; uniform from 2). @defaultValue 100 */
  slowFactorMax?: number;
}

/** The constraints with every default filled in and checked. */
export interface ResolvedFaultPlanConstraints {
  base: Scenario;
  families: readonly FaultFamily[];
  budget: FaultBudget;
  maxFaults: number;
  windowMsMin: number;
  windowMsMax: number;
  healByMs: number;
  lossRatioMax: number;
  slowFactorMax: number;
}

/** A fault window as drawn: its start and length in virtual ms. */
export interface WindowDraw {
  fromMs: number;
  lengthMs: number;
}

/** One extra fault as drawn: `pick` indexes the family's candidate targets (modulo their count). */
export interface ExtraFaultDraw extends WindowDraw {
  family: ExtraFaultFamily;
  pick: number;
  /** The slow-segment factor (ignored by other families). */
  factor: number;
}

/** A whole plan as drawn: plain numbers, so fast-check can shrink it and an Rng can draw it. */
export interface FaultPlanDraw {
  /** The AZ outage, if any: `pick` indexes the AZs the budget allows. */
  az: (WindowDraw & { pick: number }) | undefined;
  extras: ExtraFaultDraw[];
  /** Message loss in thousandths. */
  lossPerMille: number;
}

/** A fault plan: the faults, in time order, and the network's message loss ratio. */
export interface FaultPlan {
  faults: FaultSpec[];
  lossRatio: number;
}

/**
 * The small cluster properties run by default: one PG on two storage nodes per AZ, four clients
 * at 20 commits/s for one virtual second (about 0.1 s of CPU per run). Clients time out after
 * 300 ms so a lost request cannot hold a client past the run.
 */
export function smallScenario(): Scenario {
  // The steady-state scenario cut down, so every default it does not name stays the project's.
  const base = findScenario('steady-state');
  if (base === undefined) throw new Error('the steady-state scenario is missing');
  return {
    ...withOverrides(base, {
      topology: { pgCount: 1, storageNodesPerAz: 2 },
      workload: { clients: 4, commitsPerS: 20, keys: 100, txnTimeoutMs: 300, stopMs: 1_000 },
      durationMs: 1_000,
    }),
    name: 'small',
    description: 'one PG, 20 commits/s for 1 s: the default base of generated scenarios',
  };
}

/** Fills the defaults and checks the constraints; a RangeError names the field and what it allows. */
export function resolveFaultPlanConstraints(constraints: FaultPlanConstraints = {}): ResolvedFaultPlanConstraints {
  const base = constraints.base ?? smallScenario();
  const healByMs = constraints.healByMs ?? Math.floor(base.durationMs * 0.6);
  const windowMsMin = constraints.windowMsMin ?? Math.min(50, healByMs);
  const resolved: ResolvedFaultPlanConstraints = {
    base,
    families: constraints.families ?? DEFAULT_FAULT_FAMILIES,
    budget: constraints.budget ?? 'az+1',
    maxFaults: constraints.maxFaults ?? 3,
    windowMsMin,
    windowMsMax: constraints.windowMsMax ?? healByMs,
    healByMs,
    lossRatioMax: constraints.lossRatioMax ?? 0.05,
    slowFactorMax: constraints.slowFactorMax ?? 100,
  };
  const problem = constraintProblem(resolved);
  if (problem !== undefined) throw new RangeError(`fault plan constraints: ${problem}`);
  return resolved;
}

function constraintProblem(c: ResolvedFaultPlanConstraints): string | undefined {
  const unknown = c.families.find((family) => !FAULT_FAMILIES.includes(family));
  if (unknown !== undefined) return `families must list only ${FAULT_FAMILIES.join(', ')}, got "${String(unknown)}"`;
  if (c.budget !== 'az+1' && c.budget !== 'beyond') return `budget must be 'az+1' or 'beyond', got "${String(c.budget)}"`;
  if (!Number.isInteger(c.maxFaults) || c.maxFaults < 0) return `maxFaults must be an integer >= 0, got ${c.maxFaults}`;
  for (const field of ['healByMs', 'windowMsMin', 'windowMsMax'] as const) {
    if (!Number.isSafeInteger(c[field])) return `${field} must be an integer (virtual ms), got ${c[field]}`;
  }
  if (!(c.healByMs > 0 && c.healByMs <= c.base.durationMs)) return `healByMs must be in (0, durationMs = ${c.base.durationMs}], got ${c.healByMs}`;
  if (!(c.windowMsMin >= 1 && c.windowMsMin <= c.windowMsMax)) return `windowMsMin must be >= 1 and <= windowMsMax (${c.windowMsMax}), got ${c.windowMsMin}`;
  if (!(c.windowMsMax <= c.healByMs)) return `windowMsMax must be <= healByMs (${c.healByMs}), got ${c.windowMsMax}`;
  if (!(c.lossRatioMax >= 0 && c.lossRatioMax <= 1)) return `lossRatioMax must be a ratio in [0, 1], got ${c.lossRatioMax}`;
  if (!(c.slowFactorMax >= 2)) return `slowFactorMax must be >= 2, got ${c.slowFactorMax}`;
  return undefined;
}

/** The extra families among `families`, in the order of {@link FAULT_FAMILIES}. */
export function extraFamiliesOf(families: readonly FaultFamily[]): ExtraFaultFamily[] {
  return FAULT_FAMILIES.filter((family): family is ExtraFaultFamily => family !== 'az-outage' && family !== 'loss' && families.includes(family));
}

/** The AZs an outage may take: the PGs' AZs, without the writer's under AZ+1. */
export function outageAzs(topology: ResolvedTopology, budget: FaultBudget): string[] {
  return budget === 'az+1' ? topology.azs.filter((az) => az !== topology.writer.azId) : [...topology.azs];
}

/** Turns a draw into a plan within the constraints' topology, budget and heal-by time. */
export function buildFaultPlan(draw: FaultPlanDraw, constraints: ResolvedFaultPlanConstraints): FaultPlan {
  const { base, budget } = constraints;
  const topology = resolveTopology(base.topology, base.workload.clients);
  const faults: FaultSpec[] = [];
  const azs = outageAzs(topology, budget);
  const outAz = draw.az === undefined ? undefined : azs[draw.az.pick % azs.length];
  if (draw.az !== undefined && outAz !== undefined) {
    const [fromMs, toMs] = clip(draw.az, Infinity, constraints.healByMs);
    faults.push({ atMs: fromMs, kind: 'azOutage', az: outAz }, { atMs: toMs, kind: 'azRecover', az: outAz });
  }
  // Under AZ+1 the failures that take storage away never overlap and stay out of the failed AZ,
  // so at most one more segment of any PG is gone at a time (SIGMOD'17 §2.1).
  const withinBudget = budget === 'az+1';
  const away = [...draw.extras].filter((extra) => takesStorage(extra.family)).sort((a, b) => a.fromMs - b.fromMs);
  for (const [index, extra] of away.entries()) {
    const nextFromMs = withinBudget ? (away[index + 1]?.fromMs ?? Infinity) : Infinity;
    faults.push(...extraFaults(extra, clip(extra, nextFromMs, constraints.healByMs), topology, withinBudget ? outAz : undefined));
  }
  for (const extra of draw.extras.filter((e) => !takesStorage(e.family))) {
    faults.push(...extraFaults(extra, clip(extra, Infinity, constraints.healByMs), topology, undefined));
  }
  // Stable: a fault and its recovery at one instant keep that order.
  faults.sort((a, b) => a.atMs - b.atMs);
  const lossRatio = constraints.families.includes('loss') ? Math.min(draw.lossPerMille / 1000, constraints.lossRatioMax) : 0;
  return { faults, lossRatio };
}

/** `base` with the plan's faults (replacing its own) and loss ratio; validated by the scenario schema. */
export function applyFaultPlan(base: Scenario, plan: FaultPlan): Scenario {
  return withOverrides(base, { faults: plan.faults, network: { lossRatio: plan.lossRatio } });
}

function takesStorage(family: ExtraFaultFamily): boolean {
  return family === 'segment-crash' || family === 'node-crash' || family === 'isolate';
}

/** The window [from, to] cut at the next failure's start and at the heal-by time. */
function clip(window: WindowDraw, nextFromMs: number, healByMs: number): [number, number] {
  const fromMs = Math.min(window.fromMs, healByMs);
  const toMs = Math.min(window.fromMs + window.lengthMs, nextFromMs, healByMs);
  return [fromMs, Math.max(fromMs, toMs)];
}

/** One extra fault and its end; targets outside `outAz` (when given). */
function extraFaults(extra: ExtraFaultDraw, [fromMs, toMs]: [number, number], topology: ResolvedTopology, outAz: string | undefined): FaultSpec[] {
  const segments = topology.segments.filter((s) => s.azId !== outAz).map((s) => s.id);
  switch (extra.family) {
    case 'segment-crash': {
      const segment = segments[extra.pick % segments.length]!;
      return [{ atMs: fromMs, kind: 'segmentCrash', segment }, { atMs: toMs, kind: 'segmentRestart', segment }];
    }
    case 'node-crash': {
      const nodes = topology.nodes.filter((n) => n.azId !== outAz).map((n) => n.id);
      const node = nodes[extra.pick % nodes.length]!;
      return [{ atMs: fromMs, kind: 'nodeCrash', node }, { atMs: toMs, kind: 'nodeRestart', node }];
    }
    case 'isolate': {
      // `heal` ends every partition; under AZ+1 isolations never overlap, so it ends only this one.
      const segment = segments[extra.pick % segments.length]!;
      return [{ atMs: fromMs, kind: 'partition', sideA: [segment] }, { atMs: toMs, kind: 'heal' }];
    }
    case 'slow-segment': {
      const all = topology.segments.map((s) => s.id);
      const segment = all[extra.pick % all.length]!;
      return [{ atMs: fromMs, kind: 'slowSegment', segment, factor: extra.factor }, { atMs: toMs, kind: 'slowSegment', segment, factor: 1 }];
    }
    case 'writer-crash': {
      const instance = topology.writer.id;
      return [{ atMs: fromMs, kind: 'instanceCrash', instance }, { atMs: toMs, kind: 'instanceRestart', instance }];
    }
  }
}
