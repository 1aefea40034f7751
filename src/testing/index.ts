/**
 * `aurora-actors/testing`: fast-check arbitraries over scenarios, a scenario check for vitest,
 * deterministic shrinking of a failing run, and swarm scenarios (docs/testing.md). Named exports
 * only (docs/architecture.md, "Code conventions" 2).
 */

// --- Arbitraries and their constraints -----------------------------------------------------
export { faultPlan, scenario, workload } from './arbitraries.js';
export type { ScenarioConstraints, WorkloadConstraints } from './arbitraries.js';
export { applyFaultPlan, buildFaultPlan, DEFAULT_FAULT_FAMILIES, FAULT_FAMILIES, resolveFaultPlanConstraints, smallScenario } from './fault-plan.js';
export type { ExtraFaultDraw, ExtraFaultFamily, FaultBudget, FaultFamily, FaultPlan, FaultPlanConstraints, FaultPlanDraw, ResolvedFaultPlanConstraints, WindowDraw } from './fault-plan.js';

// --- Checking runs -------------------------------------------------------------------------
export { checkScenario, formatCounterexample, replayLine, runScenarioCheck, shellQuote, verdictOf } from './check.js';
export type { CheckScenarioOptions, ReplayLineOptions, RunScenarioCheckOptions, ScenarioCheckResult, ScenarioCounterexample, StopAt, Violation } from './check.js';

// --- Shrinking a failing run ---------------------------------------------------------------
export { faultUnits, NotFailingError, shrinkFailure } from './shrink.js';
export type { FailingRun, ShrinkOptions, ShrinkResult } from './shrink.js';

// --- Swarm testing -------------------------------------------------------------------------
export { swarmFamilies, swarmScenario } from './swarm.js';
export type { SwarmConstraints } from './swarm.js';

// --- Replaying a run against its trace -----------------------------------------------------
export { parseTraceHeader, replayRun, TRACE_HEADER_KEY, traceHeaderLine } from './replay.js';
export type { ReplayOutcome, ReplayRunOptions, TraceDivergence, TraceHeader } from './replay.js';
