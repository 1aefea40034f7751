/**
 * A recovery's plan as the judges see it (a `recovered` observation: VDL' and the truncation
 * range, docs/protocol.md §7, crash recovery), with the small helpers the recovery-side properties
 * share. Internal to `src/check`: not exported from the entry point.
 */
import type { AllocatedObservation, RecoveredObservation } from '../protocol/observations.js';

/** A recovery's plan, as observed. */
export interface Plan {
  readonly instance: string;
  readonly volumeEpoch: number;
  readonly vdl: number;
  readonly fromLsn: number;
  readonly toLsn: number;
  readonly atMs: number;
}

/** The plan a `recovered` observation at `atMs` carries. */
export const planOf = (o: RecoveredObservation, atMs: number): Plan => ({
  instance: o.instance,
  volumeEpoch: o.volumeEpoch,
  vdl: o.vdl,
  fromLsn: o.truncationFromLsn,
  toLsn: o.truncationToLsn,
  atMs,
});

/** How messages name a recovery. */
export const recoveryAt = (plan: Plan): string =>
  `${plan.instance} recovered volumeEpoch ${plan.volumeEpoch} at t=${plan.atMs} ms with VDL' ${plan.vdl}, truncation [${plan.fromLsn}, ${plan.toLsn}]`;

/** Of the plans at epochs above `volumeEpoch`, the one with the lowest `field`. */
export function lowestAbove(plans: ReadonlyMap<number, Plan>, volumeEpoch: number, field: 'vdl' | 'toLsn'): Plan | undefined {
  let lowest: Plan | undefined;
  for (const [epoch, plan] of plans) {
    if (epoch > volumeEpoch && (lowest === undefined || plan[field] < lowest[field])) lowest = plan;
  }
  return lowest;
}

/** Keeps, per epoch, the plan with the lowest `field` (one recovery per epoch is the norm). */
export function keepLowest(plans: Map<number, Plan>, plan: Plan, field: 'vdl' | 'toLsn'): void {
  const before = plans.get(plan.volumeEpoch);
  if (before === undefined || plan[field] < before[field]) plans.set(plan.volumeEpoch, plan);
}

/** Lowest and highest LSN of an allocation, by a loop (an MTR may be large; no spread). */
export function lsnBounds(o: AllocatedObservation): { lsnMin: number; lsnMax: number } {
  let lsnMin = Infinity;
  let lsnMax = -Infinity;
  for (const { lsn } of o.records) {
    if (lsn < lsnMin) lsnMin = lsn;
    if (lsn > lsnMax) lsnMax = lsn;
  }
  return { lsnMin, lsnMax };
}
