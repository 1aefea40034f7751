/**
 * The runs that put Aurora beside the mirrored-MySQL baseline (docs/protocol.md §16), shared by
 * `io-per-txn`, `replica-lag` and `aurora-vs-rds`: the same write-only workload (the same client
 * generator, open-loop arrivals far above what either serves, so each runs closed-loop at its own
 * speed with the same client count) on both topologies.
 *
 * A run is a pure function of its arguments, so the results are kept by argument (Aurora's by
 * `measure`): `experiment all` runs each once however many experiments show it.
 */
import { runMirroredBaseline } from '../baseline/mirrored-baseline.js';
import type { MirroredBaselineOptions } from '../baseline/options.js';
import type { BaselineReport } from '../baseline/report.js';
import { findScenario, withOverrides } from '../scenarios/builtin.js';
import type { MeasuredRun } from './measure.js';
import { measure, remembered, tailOf, UnsafeRunError } from './measure.js';

/**
 * Arrivals per second offered to both topologies: far above what either commits with the client
 * counts used, so every client always has its next transaction waiting (closed loop).
 */
export const SATURATING_COMMITS_PER_S = 50_000;

/** SysBench write-only's row changes per transaction (two updates, a delete, an insert). */
export const WRITE_ONLY_PUTS_PER_TXN = 4;

const baselineRuns = new Map<string, BaselineReport>();

/**
 * The `replica-lag` built-in (4 PGs, two replicas in the other AZs: "Aurora with replicas") with
 * the given workload; every judge must pass and no acknowledged commit be lost (`measure`).
 */
export function auroraRun(seed: number, workload: { clients: number; commitsPerS: number; putsPerTxn: number }, durationMs: number, stopMs: number): MeasuredRun {
  const scenario = withOverrides(findScenario('replica-lag')!, {
    name: `aurora-${workload.clients}-clients-${workload.commitsPerS}-per-s`,
    workload: { ...workload, getsPerTxn: 0, stopMs },
    durationMs,
  });
  return measure(scenario, seed);
}

/**
 * A mirrored-MySQL baseline run; it must lose no acknowledged commit (its own judge, from what RDS
 * Multi-AZ promises), or its figures are not reported.
 */
export function baselineRun(options: MirroredBaselineOptions): BaselineReport {
  return remembered(baselineRuns, JSON.stringify(options), () => {
    const report = runMirroredBaseline(options);
    if (!report.lostCommits.ok) throw new UnsafeRunError('mirrored-baseline', options.seed, `${report.lostCommits.lost} acknowledged commits lost`);
    return report;
  });
}

/** One topology's figures on the write-only workload. */
export interface WriteOnlyFigures {
  clients: number;
  /** Committed transactions per second of the workload's window. */
  commitsPerS: number;
  /** Write I/Os the database instance issued per committed transaction. */
  iosPerTxn: number;
  commitLatencyMsP50: number;
  commitLatencyMsP99: number;
}

/**
 * Aurora on the write-only workload: I/Os are the writer's redo batches to storage, each sent to
 * the PG's six segments and counted once (as SIGMOD'17 Table 1 counts the database node's I/Os;
 * docs/protocol.md §4), the only writes an Aurora instance issues.
 */
export function auroraWriteOnly(seed: number, clients: number, durationMs: number): WriteOnlyFigures {
  // The workload stops 50 ms early, so the last transactions' batches are acknowledged within the run.
  const stopMs = durationMs - 50;
  const { report, commitLatenciesMs } = auroraRun(seed, { clients, commitsPerS: SATURATING_COMMITS_PER_S, putsPerTxn: WRITE_ONLY_PUTS_PER_TXN }, durationMs, stopMs);
  const committed = report.commits.acknowledged;
  return {
    clients,
    commitsPerS: committed / (stopMs / 1000),
    iosPerTxn: report.writer.batches / committed,
    commitLatencyMsP50: tailOf(commitLatenciesMs).p50,
    commitLatencyMsP99: tailOf(commitLatenciesMs).p99,
  };
}

/** The baseline's time between checkpoints (its default, docs/protocol.md §16). */
const BASELINE_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * The baseline on the same workload for `checkpoints` checkpoint intervals: every block write the
 * primary issues (redo, binlog, data pages, double-write, FRM), counted once. The workload stops
 * 100 ms before the last checkpoint and the run ends 500 ms after it, so the pages its transactions
 * dirtied are written within the run (a run cut mid-interval would undercount them).
 */
export function baselineWriteOnly(seed: number, clients: number, checkpoints: number): WriteOnlyFigures & { report: BaselineReport } {
  const workloadStopMs = checkpoints * BASELINE_CHECKPOINT_INTERVAL_MS - 100;
  const durationMs = checkpoints * BASELINE_CHECKPOINT_INTERVAL_MS + 500;
  const report = baselineRun({ seed, durationMs, workloadStopMs, clients, commitsPerS: SATURATING_COMMITS_PER_S, putsPerTxn: WRITE_ONLY_PUTS_PER_TXN, checkpointIntervalMs: BASELINE_CHECKPOINT_INTERVAL_MS });
  return {
    clients,
    commitsPerS: report.transactions.committed / (workloadStopMs / 1000),
    iosPerTxn: report.iosPerTxn,
    commitLatencyMsP50: report.commitLatencyMs.p50,
    commitLatencyMsP99: report.commitLatencyMs.p99,
    report,
  };
}
