/**
 * fast-check arbitraries over scenarios: fault plans within (or beyond) the AZ+1 budget, client
 * workloads, and whole scenarios that always pass the scenario schema (`src/scenarios/schema.ts`).
 *
 * Each arbitrary draws plain numbers (see `fault-plan.ts`) and maps them to `FaultSpec`s, so
 * fast-check shrinks the structure: fewer faults (arrays shrink by removing items, the AZ outage
 * to none), shorter and earlier windows (integers shrink towards their minimum), lower loss,
 * slower rates, fewer clients.
 */
import fc from 'fast-check';
import type { Scenario, WorkloadSpec } from '../cluster/scenario.js';
import { withOverrides } from '../scenarios/builtin.js';
import { applyFaultPlan, buildFaultPlan, extraFamiliesOf, resolveFaultPlanConstraints } from './fault-plan.js';
import type { ExtraFaultDraw, FaultPlan, FaultPlanConstraints, FaultPlanDraw, ResolvedFaultPlanConstraints, WindowDraw } from './fault-plan.js';

/** What a generated workload may be; every field is optional. Rates shrink towards their minimum. */
export interface WorkloadConstraints {
  /** The run's length: the workload issues from 0 to here (virtual ms). @defaultValue 1000 */
  durationMs?: number;
  /** Lowest target commits per second (Poisson arrivals). @defaultValue 1 */
  commitsPerSMin?: number;
  /** Highest target commits per second. @defaultValue 50 */
  commitsPerSMax?: number;
  /** Most client processes (at least 1). @defaultValue 8 */
  clientsMax?: number;
  /** Most puts per transaction (at least 1). @defaultValue 3 */
  putsPerTxnMax?: number;
  /** Most gets per transaction (at least 0). @defaultValue 2 */
  getsPerTxnMax?: number;
  /** Most distinct keys (at least 1). @defaultValue 100 */
  keysMax?: number;
  /** A client that hears nothing for this long gives up (virtual ms). @defaultValue 300 */
  txnTimeoutMs?: number;
}

/** What a generated scenario may be: its fault plan's constraints plus its workload's. */
export interface ScenarioConstraints extends FaultPlanConstraints {
  /** The workload's constraints; `durationMs` defaults to the base's. */
  workload?: WorkloadConstraints;
}

/** A window inside [0, healByMs]: it starts early enough to last `windowMsMin`. */
function windowArb(c: ResolvedFaultPlanConstraints): fc.Arbitrary<WindowDraw> {
  return fc.record({
    fromMs: fc.integer({ min: 0, max: c.healByMs - c.windowMsMin }),
    lengthMs: fc.integer({ min: c.windowMsMin, max: c.windowMsMax }),
  });
}

/** The plan as drawn; exported for tests of the builder. @internal */
export function faultPlanDrawArb(c: ResolvedFaultPlanConstraints): fc.Arbitrary<FaultPlanDraw> {
  const window = windowArb(c);
  const extraFamilies = extraFamiliesOf(c.families);
  const extra: fc.Arbitrary<ExtraFaultDraw> =
    extraFamilies.length === 0
      ? fc.constant({ family: 'segment-crash', pick: 0, fromMs: 0, lengthMs: c.windowMsMin, factor: 2 })
      : fc
          .record({ family: fc.constantFrom(...extraFamilies), pick: fc.nat(), window, factor: fc.integer({ min: 2, max: Math.floor(c.slowFactorMax) }) })
          .map(({ family, pick, window: w, factor }) => ({ family, pick, fromMs: w.fromMs, lengthMs: w.lengthMs, factor }));
  return fc.record({
    az: c.families.includes('az-outage')
      ? fc.option(
          fc.record({ pick: fc.nat(), window }).map(({ pick, window: w }) => ({ pick, ...w })),
          { nil: undefined },
        )
      : fc.constant(undefined),
    extras: fc.array(extra, { maxLength: extraFamilies.length === 0 ? 0 : c.maxFaults }),
    lossPerMille: c.families.includes('loss') ? fc.integer({ min: 0, max: Math.floor(c.lossRatioMax * 1000) }) : fc.constant(0),
  });
}

/**
 * Fault plans over the constraints' base scenario (default {@link smallScenario}): an optional AZ
 * outage and up to `maxFaults` extra faults of the allowed families, each healed by `healByMs`,
 * within the AZ+1 budget unless `budget: 'beyond'`; plus message loss when `loss` is allowed.
 * Throws a RangeError at once for impossible constraints.
 */
export function faultPlan(constraints: FaultPlanConstraints = {}): fc.Arbitrary<FaultPlan> {
  const resolved = resolveFaultPlanConstraints(constraints);
  return faultPlanDrawArb(resolved).map((draw) => buildFaultPlan(draw, resolved));
}

/** Client workloads that issue from 0 to `durationMs`; rates, clients and sizes shrink towards their minimum. */
export function workload(constraints: WorkloadConstraints = {}): fc.Arbitrary<WorkloadSpec> {
  const durationMs = constraints.durationMs ?? 1_000;
  const commitsPerSMin = constraints.commitsPerSMin ?? 1;
  const commitsPerSMax = constraints.commitsPerSMax ?? 50;
  if (!(durationMs > 0)) throw new RangeError(`workload constraints: durationMs must be > 0, got ${durationMs}`);
  if (!(commitsPerSMin >= 1 && commitsPerSMin <= commitsPerSMax)) {
    throw new RangeError(`workload constraints: commitsPerSMin must be >= 1 and <= commitsPerSMax (${commitsPerSMax}), got ${commitsPerSMin}`);
  }
  return fc
    .record({
      commitsPerS: fc.integer({ min: Math.ceil(commitsPerSMin), max: Math.floor(commitsPerSMax) }),
      clients: fc.integer({ min: 1, max: Math.max(1, constraints.clientsMax ?? 8) }),
      putsPerTxn: fc.integer({ min: 1, max: Math.max(1, constraints.putsPerTxnMax ?? 3) }),
      getsPerTxn: fc.integer({ min: 0, max: Math.max(0, constraints.getsPerTxnMax ?? 2) }),
      keys: fc.integer({ min: 1, max: Math.max(1, constraints.keysMax ?? 100) }),
    })
    .map((drawn) => ({ ...drawn, readerTxnsPerS: 0, txnTimeoutMs: constraints.txnTimeoutMs ?? 300, startMs: 0, stopMs: durationMs }));
}

/**
 * Whole scenarios: the base (default {@link smallScenario}) with a generated workload and fault
 * plan. Every value is re-validated by the scenario schema, so it is a valid scenario file as JSON.
 */
export function scenario(constraints: ScenarioConstraints = {}): fc.Arbitrary<Scenario> {
  const resolved = resolveFaultPlanConstraints(constraints);
  const { base } = resolved;
  const workloads = workload({ durationMs: base.durationMs, ...constraints.workload });
  return fc.tuple(workloads, faultPlanDrawArb(resolved)).map(([drawn, draw]) => {
    // The clients are part of the topology (each is an endpoint), so the plan is built after them.
    const withWorkload = withOverrides(base, { workload: drawn, durationMs: Math.max(base.durationMs, drawn.stopMs) });
    return applyFaultPlan(withWorkload, buildFaultPlan(draw, { ...resolved, base: withWorkload }));
  });
}
