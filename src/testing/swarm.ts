/**
 * Swarm testing (Groce et al., ISSTA 2012): each seed switches on a random subset of the fault
 * families and draws its fault plan from that subset only, so one seed probes a few kinds of
 * failure deeply instead of every kind thinly, and the seeds together cover every combination.
 * Everything is drawn from the kernel Rng (`createRng(seed).fork('swarm')`), so the seed alone
 * gives back the scenario.
 */
import type { Scenario } from '../cluster/scenario.js';
import { createRng } from '../kernel/rng.js';
import type { Rng } from '../kernel/rng.js';
import { applyFaultPlan, buildFaultPlan, extraFamiliesOf, resolveFaultPlanConstraints } from './fault-plan.js';
import type { FaultFamily, FaultPlanConstraints, FaultPlanDraw, ResolvedFaultPlanConstraints } from './fault-plan.js';

/** Options of {@link swarmScenario}: a fault plan's constraints (the base is the scenario given). */
export type SwarmConstraints = Omit<FaultPlanConstraints, 'base'>;

/** The families a seed switches on: each of the allowed with probability 1/2, at least one. */
export function swarmFamilies(seed: number, families: readonly FaultFamily[]): FaultFamily[] {
  const rng = createRng(seed).fork('swarm').fork('families');
  const on = families.filter(() => rng.chance(0.5));
  return on.length > 0 || families.length === 0 ? on : [rng.pick(families)];
}

/**
 * `base` with its faults replaced by a plan drawn for `seed` from a random subset of the allowed
 * families (within AZ+1 unless `budget: 'beyond'`), within the base's topology and duration. The
 * description names the families switched on. Deterministic: one seed, one scenario.
 */
export function swarmScenario(base: Scenario, seed: number, constraints: SwarmConstraints = {}): Scenario {
  const allowed = resolveFaultPlanConstraints({ ...constraints, base });
  const families = swarmFamilies(seed, allowed.families);
  const resolved = { ...allowed, families };
  const draw = drawPlan(createRng(seed).fork('swarm').fork('plan'), resolved);
  const scenario = applyFaultPlan(base, buildFaultPlan(draw, resolved));
  return { ...scenario, description: `swarm of seed ${seed} (${families.join(', ') || 'no faults'}) over ${base.name}` };
}

/** A plan from the switched-on families: the AZ outage whenever it is on, 1..maxFaults extras. */
function drawPlan(rng: Rng, c: ResolvedFaultPlanConstraints): FaultPlanDraw {
  const window = (): { fromMs: number; lengthMs: number } => ({ fromMs: rng.int(0, c.healByMs - c.windowMsMin), lengthMs: rng.int(c.windowMsMin, c.windowMsMax) });
  const az = c.families.includes('az-outage') ? { pick: rng.int(0, 2), ...window() } : undefined;
  const extraFamilies = extraFamiliesOf(c.families);
  const count = extraFamilies.length === 0 || c.maxFaults === 0 ? 0 : rng.int(1, c.maxFaults);
  const extras = Array.from({ length: count }, () => ({
    family: rng.pick(extraFamilies),
    pick: rng.int(0, 1_000_000),
    ...window(),
    factor: rng.int(2, Math.floor(c.slowFactorMax)),
  }));
  const lossPerMille = c.families.includes('loss') ? rng.int(1, Math.max(1, Math.floor(c.lossRatioMax * 1000))) : 0;
  return { az, extras, lossPerMille };
}
