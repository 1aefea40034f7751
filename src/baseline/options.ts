/**
 * Options of the mirrored-MySQL baseline run (docs/protocol.md §16; docs/semantics.md, "Baseline
 * report"), validated field by field: bad input raises one {@link ScenarioError} naming the field
 * and what it allows, before anything runs.
 *
 * Parameters the paper does not give are ours, marked [I] here and in docs/protocol.md §16.
 */
import * as z from 'zod';
import type { LatencyDistribution } from '../kernel/network.js';
import { ScenarioError, describeValue, formatPath, valueAt } from '../cluster/errors.js';
import type { MirroringMode } from '../../models/mirrored-instance.machine.js';

/** Longest run the baseline accepts: one virtual day, as a scenario. */
export const BASELINE_DURATION_MS_MAX = 86_400_000;

/** Most clients a baseline run takes. */
export const BASELINE_CLIENTS_MAX = 10_000;

/** Options of `runMirroredBaseline`; every field but `seed` and `durationMs` has a default. */
export interface MirroredBaselineOptions {
  /** The run's seed: an integer. */
  seed: number;
  /** Virtual time to run, ms (> 0). */
  durationMs: number;
  /** The workload stops issuing at this virtual time (≤ durationMs), so what is in flight can finish. @defaultValue durationMs */
  workloadStopMs?: number;
  /** Client connections, each one transaction at a time. @defaultValue 16 */
  clients?: number;
  /**
   * Target commits per second: open-loop Poisson arrivals (the same workload generator as an
   * Aurora scenario); an arrival that finds every client busy is skipped, so far above capacity
   * the clients run closed-loop. @defaultValue 500
   */
  commitsPerS?: number;
  /** Puts per transaction (SysBench write-only: two updates, a delete, an insert). @defaultValue 4 */
  putsPerTxn?: number;
  /** Distinct keys, chosen uniformly. @defaultValue 1_000_000 */
  keys?: number;
  /** A client that hears nothing this long gives up (`info`). @defaultValue 5000 */
  txnTimeoutMs?: number;
  /** Run a binlog read replica in a third AZ. @defaultValue false */
  binlogReplica?: boolean;
  /**
   * [I] The replica's single SQL thread applies one transaction in this long.
   * @defaultValue {@link REPLICA_APPLY_MS_PER_PUT} × `putsPerTxn` (1 ms at 4 puts)
   */
  replicaApplyMsPerTxn?: number;
  /** Crash the primary at this virtual time (< durationMs); the standby takes over. @defaultValue no crash */
  primaryCrashAtMs?: number;
  /**
   * Crash to writable: detection, crash recovery and the DNS switch (AWS User Guide, "Multi-AZ DB
   * instance deployments": typically 60–120 s). @defaultValue drawn uniformly from [60000, 120000]
   * by the seed's `failover` stream
   */
  failoverMs?: number;
  /** `async` is a planted mistake (the primary does not wait for the standby). @defaultValue 'sync' */
  mirroring?: MirroringMode;
  /** [I] Commits arriving while a log write is in flight share the next one. @defaultValue true */
  groupCommit?: boolean;
  /** [I] The binlog is flushed at each commit (`sync_binlog=1`); false: at each checkpoint. @defaultValue true */
  binlogSyncPerCommit?: boolean;
  /** [I] Pages each put dirties. @defaultValue 1 */
  pagesDirtiedPerPut?: number;
  /** [I] Time between checkpoints (dirty pages written back), ms. @defaultValue 1000 */
  checkpointIntervalMs?: number;
  /** [I] FRM metadata blocks a checkpoint that writes pages also writes. @defaultValue 0 */
  frmWritesPerCheckpoint?: number;
  /** [I] An EBS device write's latency, ms. @defaultValue log-normal, median 1 ms, sigma 0.25 */
  ebsWriteLatencyMs?: LatencyDistribution;
  /** Network latency by locality. @defaultValue the kernel's (DEFAULT_LATENCY: same AZ 0.25 ms, cross AZ 1 ms medians) */
  latency?: { sameAz?: LatencyDistribution; crossAz?: LatencyDistribution };
}

/** The options with every default filled in (`failoverMs` still undefined when it is drawn). */
export type ResolvedBaselineOptions = Required<Omit<MirroredBaselineOptions, 'primaryCrashAtMs' | 'failoverMs' | 'latency' | 'workloadStopMs'>> & { workloadStopMs: number } &
  Pick<MirroredBaselineOptions, 'primaryCrashAtMs' | 'failoverMs'> & { latency: { sameAz?: LatencyDistribution; crossAz?: LatencyDistribution } };

/** The default EBS device write latency [I]: io1 volumes of 2017 answered in about a millisecond. */
export const EBS_WRITE_LATENCY_DEFAULT: LatencyDistribution = { kind: 'logNormal', medianMs: 1, sigma: 0.25 };

/**
 * [I] The binlog replica's apply cost per row change when `replicaApplyMsPerTxn` is not given: one
 * SQL thread then applies 4,000 writes a second, whatever the transaction size, which keeps up
 * with SIGMOD'17 Table 4's 2,000 writes/s and falls behind at 5,000, as its MySQL replica did.
 */
export const REPLICA_APPLY_MS_PER_PUT = 0.25;

/** The failover time range drawn from when `failoverMs` is not given (AWS User Guide: 60–120 s). */
export const FAILOVER_MS_RANGE: readonly [number, number] = [60_000, 120_000];

function numberAtLeast(min: number): z.ZodNumber {
  const rule = `must be a number >= ${min}`;
  return z.number({ error: rule }).min(min, { error: rule }).max(Number.MAX_VALUE, { error: rule });
}

function numberAbove(min: number, max?: number): z.ZodNumber {
  const rule = max === undefined ? `must be a finite number > ${min}` : `must be a number > ${min} and <= ${max}`;
  return z.number({ error: rule }).gt(min, { error: rule }).max(max ?? Number.MAX_VALUE, { error: rule });
}

function integerIn(min: number, max: number): z.ZodNumber {
  const rule = `must be an integer from ${min} to ${max}`;
  return z.number({ error: rule }).int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
}

const latencySchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('constant'), ms: numberAtLeast(0) }),
    z.strictObject({ kind: z.literal('uniform'), minMs: numberAtLeast(0), maxMs: numberAtLeast(0) }),
    z.strictObject({ kind: z.literal('logNormal'), medianMs: numberAtLeast(0), sigma: numberAtLeast(0) }),
    z.strictObject({ kind: z.literal('shiftedExponential'), minMs: numberAtLeast(0), meanExtraMs: numberAtLeast(0) }),
  ],
  { error: 'must be a latency distribution with kind constant, uniform, logNormal or shiftedExponential' },
);

const optionsSchema = z.strictObject({
  seed: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).refine(Number.isSafeInteger, { error: 'must be a safe integer' }),
  durationMs: numberAbove(0, BASELINE_DURATION_MS_MAX),
  workloadStopMs: numberAtLeast(0).optional(),
  clients: integerIn(1, BASELINE_CLIENTS_MAX).default(16),
  commitsPerS: numberAbove(0).default(500),
  putsPerTxn: integerIn(1, 1000).default(4),
  keys: integerIn(1, 1_000_000_000).default(1_000_000),
  txnTimeoutMs: numberAbove(0).default(5000),
  binlogReplica: z.boolean({ error: 'must be true or false' }).default(false),
  replicaApplyMsPerTxn: numberAbove(0).optional(),
  primaryCrashAtMs: numberAtLeast(0).optional(),
  failoverMs: numberAtLeast(0).optional(),
  mirroring: z.enum(['sync', 'async'], { error: 'must be one of sync, async' }).default('sync'),
  groupCommit: z.boolean({ error: 'must be true or false' }).default(true),
  binlogSyncPerCommit: z.boolean({ error: 'must be true or false' }).default(true),
  pagesDirtiedPerPut: integerIn(1, 1000).default(1),
  checkpointIntervalMs: numberAbove(0).default(1000),
  frmWritesPerCheckpoint: integerIn(0, 1000).default(0),
  ebsWriteLatencyMs: latencySchema.default(() => EBS_WRITE_LATENCY_DEFAULT),
  latency: z.strictObject({ sameAz: latencySchema.optional(), crossAz: latencySchema.optional() }, { error: 'must be an object with sameAz and/or crossAz' }).default(() => ({})),
});

/** The keys the object at `path` takes (a latency distribution's depend on its `kind`). */
function allowedKeysAt(path: readonly PropertyKey[], input: unknown): string[] {
  if (path.length === 0) return Object.keys(optionsSchema.shape);
  if (path.length === 1 && path[0] === 'latency') return ['sameAz', 'crossAz'];
  const byKind: Record<string, string[]> = { constant: ['ms'], uniform: ['minMs', 'maxMs'], logNormal: ['medianMs', 'sigma'], shiftedExponential: ['minMs', 'meanExtraMs'] };
  return ['kind', ...(byKind[String(valueAt(input, [...path, 'kind']))] ?? [])];
}

/**
 * The options with defaults filled in, or one {@link ScenarioError} for the first bad field:
 * `baseline.<field> <what it allows>, got <value>`.
 */
export function resolveBaselineOptions(input: unknown): ResolvedBaselineOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ScenarioError(`baseline options must be an object, got ${describeValue(input)}`);
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    if (issue.code === 'unrecognized_keys') {
      const field = formatPath([...issue.path, issue.keys[0] as string]);
      throw new ScenarioError(`baseline.${field} is not an option; allowed: ${allowedKeysAt(issue.path, input).join(', ')}`, field);
    }
    const field = formatPath(issue.path);
    throw new ScenarioError(`baseline.${field} ${issue.message}, got ${describeValue(valueAt(input, issue.path))}`, field);
  }
  const data = parsed.data;
  const options = {
    ...data,
    workloadStopMs: data.workloadStopMs ?? data.durationMs,
    replicaApplyMsPerTxn: data.replicaApplyMsPerTxn ?? REPLICA_APPLY_MS_PER_PUT * data.putsPerTxn,
  } as ResolvedBaselineOptions;
  const problem = crossFieldProblem(options);
  if (problem !== undefined) throw new ScenarioError(`baseline.${problem.field} ${problem.message}`, problem.field);
  return options;
}

function crossFieldProblem(options: ResolvedBaselineOptions): { field: string; message: string } | undefined {
  if (options.primaryCrashAtMs !== undefined && options.primaryCrashAtMs >= options.durationMs) {
    return { field: 'primaryCrashAtMs', message: `must be < durationMs (${options.durationMs}), got ${options.primaryCrashAtMs}` };
  }
  if (options.workloadStopMs > options.durationMs) {
    return { field: 'workloadStopMs', message: `must be <= durationMs (${options.durationMs}), got ${options.workloadStopMs}` };
  }
  if (options.failoverMs !== undefined && options.primaryCrashAtMs === undefined) {
    return { field: 'failoverMs', message: 'needs primaryCrashAtMs (a failover follows a crash of the primary)' };
  }
  for (const [field, distribution] of [['ebsWriteLatencyMs', options.ebsWriteLatencyMs], ['latency.sameAz', options.latency.sameAz], ['latency.crossAz', options.latency.crossAz]] as const) {
    if (distribution?.kind === 'uniform' && distribution.maxMs < distribution.minMs) return { field: `${field}.maxMs`, message: `must be >= minMs (${distribution.minMs}), got ${distribution.maxMs}` };
  }
  return undefined;
}
