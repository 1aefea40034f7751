/**
 * The experiments (docs/experiments.md): each puts figures from our runs beside the published ones
 * (SIGMOD'17, SIGMOD'18, the User Guide) with a sentence on any difference.
 */
import { auroraVsRds } from './aurora-vs-rds.js';
import { durability } from './durability.js';
import { failover } from './failover.js';
import { ioPerTxn } from './io-per-txn.js';
import { quorumTail } from './quorum-tail.js';
import { recovery } from './recovery.js';
import { replicaLag } from './replica-lag.js';
import type { Experiment } from './types.js';

export type { Experiment, ExperimentFigure, ExperimentOptions, ExperimentResult, ExperimentTable, FigureSeries } from './types.js';
export { UnsafeRunError } from './measure.js';

/** Every experiment, in the order the docs page lists them. */
export const EXPERIMENTS: readonly Experiment[] = [quorumTail, ioPerTxn, replicaLag, durability, failover, recovery, auroraVsRds];

/** The experiment named `name`, if any. */
export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((experiment) => experiment.name === name);
}
