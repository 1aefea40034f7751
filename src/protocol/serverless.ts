/**
 * Aurora Serverless v2 capacity (docs/protocol.md §11.3): the load model that turns what an
 * instance served in the last second into a demand in ACUs, and the per-instance decider that
 * moves the instance's capacity towards the capacity that demand needs, once per second.
 *
 * What the User Guide states ("How Aurora Serverless v2 works"): capacity is counted in ACUs
 * (about 2 GiB of memory with matching CPU and network), measured every second, between the
 * cluster's minimum and maximum, in increments as small as 0.5 ACU; "the larger the current
 * capacity, the larger the scaling increment and thus the faster scaling can happen". The minimum
 * may be 0 only to let an idle instance pause ("Scaling to Zero ACUs with automatic pause and
 * resume"); a running instance has at least 0.5 ACU.
 *
 * What it does not state, and we choose [I] (docs/protocol.md §13, SV1–SV3): what an ACU serves per
 * second (the load model below, a scaled figure for this simulation's small loads), the headroom
 * the decider keeps (`targetLoadPercent`), and the increments (half the current capacity up, a
 * quarter down, never less than 0.5 ACU: the brakes Brooker's "decider" puts on scale-up and
 * scale-down rates, "Resource Management in Aurora Serverless").
 *
 * Every function is pure: the decider in the scaler statechart and the tests compute the same
 * answers from the same numbers. The judge of S21 (`src/check/serverless.ts`) states its rules
 * itself and imports none of this.
 */

/** The smallest capacity change, and every capacity is a multiple of it (User Guide). */
export const ACU_STEP = 0.5;
/** The least capacity of a running instance: a minimum of 0 only allows pausing (User Guide). */
export const RUNNING_ACU_MIN = 0.5;
/** The largest capacity the API accepts on current versions (RDS API, ServerlessV2ScalingConfiguration). */
export const ACU_MAX = 256;
/** How often the decider measures the load and may change the capacity: "measured every second". */
export const DECIDER_PERIOD_MS = 1_000;
/** The auto-pause timeout's range and default, in seconds (User Guide, auto-pause page). */
export const AUTO_PAUSE_AFTER_S_MIN = 300;
export const AUTO_PAUSE_AFTER_S_MAX = 86_400;
export const AUTO_PAUSE_AFTER_S_DEFAULT = 300;
/** How long a paused instance takes to resume: "typically approximately 15 seconds" (auto-pause page). */
export const RESUME_MS_DEFAULT = 15_000;

/** The cluster's capacity range (every Serverless v2 instance of the cluster scales within it). */
export interface CapacityRange {
  /** 0 (auto-pause) or 0.5 … 256, a multiple of 0.5. */
  readonly minAcu: number;
  /** 1 … 256, a multiple of 0.5, at least `minAcu`. */
  readonly maxAcu: number;
}

/**
 * What one ACU serves per second [I]: a scaled figure, so the tens to hundreds of commits per
 * second a simulation runs span the capacity range (a real ACU serves far more; SIGMOD'17 §6
 * measures 121,000 writes/s on 32 vCPUs).
 */
export interface LoadModel {
  /** Write transactions one ACU commits per second. @defaultValue 10 */
  readonly commitsPerSPerAcu: number;
  /** Gets (in any transaction) one ACU answers per second. @defaultValue 100 */
  readonly getsPerSPerAcu: number;
  /** The load the decider aims for, as a percent of capacity: the rest is headroom. @defaultValue 70 */
  readonly targetLoadPercent: number;
}

/** The load model's defaults (docs/protocol.md §13, SV1). */
export const LOAD_MODEL_DEFAULTS: LoadModel = { commitsPerSPerAcu: 10, getsPerSPerAcu: 100, targetLoadPercent: 70 };
/** Buffer-cache blocks per ACU [I]: 2 GiB would be 131,072 pages of 16 KiB; scaled to the simulation's volumes. */
export const CACHE_BLOCKS_PER_ACU_DEFAULT = 4;

/** What an instance served over one decider period. */
export interface ServedRates {
  /** Write transactions per second. */
  readonly commitsPerS: number;
  /** Gets per second (of read-only and write transactions). */
  readonly getsPerS: number;
}

/** True iff `acu` is a whole number of 0.5 ACU steps. */
export function isAcuStep(acu: number): boolean {
  return Number.isFinite(acu) && Number.isInteger(acu / ACU_STEP);
}

/** `acu` rounded up to the next 0.5 ACU step. */
export function ceilToAcuStep(acu: number): number {
  return Math.ceil(acu / ACU_STEP - 1e-9) * ACU_STEP;
}

/** `acu` rounded down to a 0.5 ACU step. */
export function floorToAcuStep(acu: number): number {
  return Math.floor(acu / ACU_STEP + 1e-9) * ACU_STEP;
}

/** The least capacity a running instance of `range` has: its minimum, or 0.5 when the minimum is 0. */
export function runningFloorAcu(range: CapacityRange): number {
  return Math.max(range.minAcu, RUNNING_ACU_MIN);
}

/** The ACUs the load of one period needs at full use (the load model, no headroom). */
export function demandAcuOf(rates: ServedRates, model: LoadModel): number {
  return rates.commitsPerS / model.commitsPerSPerAcu + rates.getsPerS / model.getsPerSPerAcu;
}

/**
 * The capacity the decider aims for: the demand at `targetLoadPercent`, rounded up to a step,
 * within [running floor, maximum]. Above the maximum the instance saturates (its load percent
 * passes 100; docs/semantics.md, "Serverless v2").
 */
export function targetCapacityAcu(demandAcu: number, range: CapacityRange, model: LoadModel): number {
  const wanted = ceilToAcuStep((demandAcu * 100) / model.targetLoadPercent);
  return Math.min(range.maxAcu, Math.max(runningFloorAcu(range), wanted));
}

/**
 * The most the capacity may move in one period from `currentAcu` [I], up by half of it and down by a
 * quarter, never less than one step. A larger capacity moves in larger increments, so it scales
 * faster (User Guide); scale-down is slower, so a short lull does not empty the buffer cache.
 */
export function scaleIncrementAcu(currentAcu: number, direction: 'up' | 'down'): number {
  const share = direction === 'up' ? currentAcu / 2 : currentAcu / 4;
  return Math.max(ACU_STEP, floorToAcuStep(share));
}

/**
 * The decider: the next capacity of a running instance at `currentAcu` whose target is
 * `targetAcu`: one increment towards it, never past it, always a step within the range.
 */
export function nextCapacityAcu(currentAcu: number, targetAcu: number, range: CapacityRange): number {
  const floor = runningFloorAcu(range);
  const current = Math.min(range.maxAcu, Math.max(floor, floorToAcuStep(currentAcu)));
  const target = Math.min(range.maxAcu, Math.max(floor, floorToAcuStep(targetAcu)));
  if (target > current) return Math.min(target, current + scaleIncrementAcu(current, 'up'));
  if (target < current) return Math.max(target, current - scaleIncrementAcu(current, 'down'));
  return current;
}

/** Buffer-cache blocks at `capacityAcu` (docs/protocol.md §11.3): at least one block while running. */
export function cacheBlocksAt(capacityAcu: number, cacheBlocksPerAcu: number): number {
  return Math.max(1, Math.floor(capacityAcu * cacheBlocksPerAcu));
}

/** CloudWatch's `ACUUtilization`: capacity as a percent of the cluster's maximum (User Guide, "Performance and scaling for Aurora Serverless v2"). */
export function acuUtilizationPercentOf(capacityAcu: number, maxAcu: number): number {
  return (capacityAcu * 100) / maxAcu;
}

/** The load model's utilization: demand as a percent of the capacity in force (0 when paused). */
export function loadPercentOf(demandAcu: number, capacityAcu: number): number {
  return capacityAcu <= 0 ? 0 : (demandAcu * 100) / capacityAcu;
}
