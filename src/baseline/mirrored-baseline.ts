/**
 * The mirrored-MySQL baseline: "RDS MySQL Multi-AZ" as SIGMOD'17 Figure 2 draws it, on the same
 * seeded kernel as the Aurora simulation (virtual time, the network and its latency model, one
 * seed, one run), so experiments can put the two side by side (docs/protocol.md §16).
 *
 * Actors (models/): the primary MySQL instance in AZ 1 and its EBS volume with the volume's mirror
 * (both in AZ 1); the standby instance in AZ 2 with its own EBS volume and mirror; optionally a
 * binlog read replica in AZ 3. Clients sit in AZ 1 and run the Aurora scenarios' workload
 * generator and client (src/cluster/workload.ts, src/cluster/client.ts), so both systems see the
 * same kind of transactions; the baseline's transactions are write-only (no gets).
 *
 * A primary crash (`primaryCrashAtMs`) takes the primary off the network and promotes the
 * standby, which opens for writes `failoverMs` later; the clients' endpoint follows it then (the
 * DNS switch is part of `failoverMs`). Before that, clients are refused at once by the dead host.
 */
import type { EmitFn, ActorHost, ActorSpec } from '../cluster/host.js';
import { LiveHost } from '../cluster/live-host.js';
import { DatabaseClient } from '../cluster/client.js';
import { HistoryRecorder, entryTimeMs } from '../cluster/history.js';
import { Workload } from '../cluster/workload.js';
import { createKernel } from '../kernel/kernel.js';
import type { Kernel } from '../kernel/kernel.js';
import type { TraceOptions } from '../kernel/trace.js';
import { sample } from '../kernel/network.js';
import type { Locality } from '../kernel/network.js';
import { ebsVolumeMachine } from '../../models/ebs-volume.machine.js';
import type { EbsVolumeInput } from '../../models/ebs-volume.machine.js';
import { mirroredInstanceMachine } from '../../models/mirrored-instance.machine.js';
import type { MirroredInstanceEvent, MirroredInstanceInput } from '../../models/mirrored-instance.machine.js';
import { binlogReplicaMachine } from '../../models/binlog-replica.machine.js';
import { IO_KINDS } from '../../models/mirrored-mysql-messages.js';
import { quantile } from '../simulation/quantile.js';
import { checkLostCommits } from './lost-commits.js';
import { resolveBaselineOptions, FAILOVER_MS_RANGE } from './options.js';
import type { MirroredBaselineOptions, ResolvedBaselineOptions } from './options.js';
import { BaselineTally } from './report.js';
import type { BaselineReport } from './report.js';

export type { BaselineReport } from './report.js';
export type { MirroredBaselineOptions } from './options.js';

/** The region and AZs the baseline is placed in (any three AZs of one region would do). */
const REGION = 'us-east-1';
const AZ = { primary: 'us-east-1a', standby: 'us-east-1b', replica: 'us-east-1c' } as const;

/** The baseline's actor ids (systemIds and network endpoints). */
export const BASELINE_ACTORS = {
  primary: 'mysql:us-east-1a:primary',
  primaryVolume: 'ebs:us-east-1a:primary',
  primaryMirror: 'ebs:us-east-1a:primary-mirror',
  standby: 'mysql:us-east-1b:standby',
  standbyVolume: 'ebs:us-east-1b:standby',
  standbyMirror: 'ebs:us-east-1b:standby-mirror',
  replica: 'mysql:us-east-1c:replica',
} as const;

/** Device latency samples per EBS volume, read in turn (as a storage node's disk table). */
const EBS_SAMPLES_PER_VOLUME = 64;

/** How to run: the interpreter and the trace. */
export interface BaselineInterpreter {
  /** Builds the interpreter. @defaultValue the live host */
  host?: (kernel: Kernel, emit: EmitFn) => ActorHost;
  /** The kernel trace's options (e.g. a `sink` to write it). @defaultValue `{ keepEvents: false }`: the hash only */
  trace?: TraceOptions;
}

/**
 * Runs the mirrored-MySQL baseline for `options.durationMs` of virtual time and reports it.
 * @throws ScenarioError naming the first bad option, before anything runs.
 */
export function runMirroredBaseline(options: MirroredBaselineOptions, interpreter: BaselineInterpreter = {}): BaselineReport {
  const resolved = resolveBaselineOptions(options);
  const kernel = createKernel({ seed: resolved.seed, network: { latency: resolved.latency }, trace: interpreter.trace ?? { keepEvents: false } });
  const crashAtMs = resolved.primaryCrashAtMs;
  const failoverMs = crashAtMs === undefined ? undefined : (resolved.failoverMs ?? drawFailoverMs(kernel));
  const tally = new BaselineTally(BASELINE_ACTORS.primary, BASELINE_ACTORS.standbyVolume, resolved.binlogReplica);
  // The clients' endpoint: the primary, then the promoted standby once it is writable (the DNS
  // switch is part of failoverMs).
  let endpoint: string = BASELINE_ACTORS.primary;
  const emit: EmitFn = (_actorId, emission) => {
    if (emission.kind !== 'observe') return;
    const observation = emission.observation as Parameters<BaselineTally['observe']>[1];
    tally.observe(kernel.clock.now(), observation);
    if (observation.kind === 'writable') endpoint = observation.instance;
  };
  const host = interpreter.host?.(kernel, emit) ?? new LiveHost({ clock: kernel.clock, network: kernel.network, trace: kernel.trace, emit });
  host.spawnAll(baselineSpecs(kernel, resolved));
  const acknowledged: { txnId: number; atMs: number }[] = [];
  const history = new HistoryRecorder(
    kernel.trace,
    (entry) => {
      if (entry.type === 'ok' && (entry.commitLsn ?? 0) > 0) acknowledged.push({ txnId: entry.txnId, atMs: entryTimeMs(entry) });
    },
    { keepEntries: false },
  );
  const clients = startClients(kernel, resolved, history, () => endpoint);
  const workload = new Workload(
    { commitsPerS: resolved.commitsPerS, putsPerTxn: resolved.putsPerTxn, getsPerTxn: 0, keys: resolved.keys, startMs: 0, stopMs: resolved.workloadStopMs },
    clients,
    kernel.clock,
    kernel.rng.fork('workload'),
  );
  workload.start();
  if (crashAtMs !== undefined && failoverMs !== undefined) {
    kernel.clock.scheduleAt(crashAtMs, () => {
      kernel.trace.record({ kind: 'fault', atMs: kernel.clock.now(), fault: 'crash', target: BASELINE_ACTORS.primary, detail: { failoverMs } });
      host.inject(BASELINE_ACTORS.primary, { type: 'crash' });
      const promote: MirroredInstanceEvent = { type: 'promote', failoverMs };
      host.inject(BASELINE_ACTORS.standby, promote);
    });
  }
  kernel.clock.runUntil(resolved.durationMs);
  return reportOf({ kernel, resolved, failoverMs, tally, history, acknowledged, skipped: workload.stats.skipped });
}

/** What a finished run's report is made of. */
interface RunOutcome {
  kernel: Kernel;
  resolved: ResolvedBaselineOptions;
  failoverMs: number | undefined;
  tally: BaselineTally;
  history: HistoryRecorder;
  acknowledged: readonly { txnId: number; atMs: number }[];
  skipped: number;
}

/** The report of a finished run, from its tally and its clients' history. */
function reportOf({ kernel, resolved, failoverMs, tally, history, acknowledged, skipped }: RunOutcome): BaselineReport {
  const simulatedMs = kernel.clock.now();
  const crashAtMs = resolved.primaryCrashAtMs;
  const latencies = history.commitLatenciesMs();
  const committed = history.counts.ok;
  const ios = IO_KINDS.reduce((sum, kind) => sum + tally.iosByKind[kind], 0);
  const lostCommits = checkLostCommits({
    acknowledged,
    durableOnStandby: tally.durableOnStandby,
    acknowledgedByMs: crashAtMs ?? simulatedMs,
    durableByMs: tally.writableAtMs ?? simulatedMs,
  });
  return {
    seed: resolved.seed,
    traceHash: kernel.trace.traceHash(),
    simulatedMs,
    parameters: { ...resolved, ...(failoverMs === undefined ? {} : { failoverMs }) },
    transactions: { attempted: history.counts.invoke, committed, failed: history.counts.fail, unknown: history.counts.info, skipped },
    commitsPerS: simulatedMs === 0 ? 0 : committed / (simulatedMs / 1000),
    commitLatencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), p999: quantile(latencies, 0.999) },
    iosPerTxn: committed === 0 ? 0 : ios / committed,
    iosByKind: { ...tally.iosByKind },
    copiesPerWrite: tally.copiesPerWrite(),
    ...(resolved.binlogReplica ? { replica: tally.replicaAt(simulatedMs) } : {}),
    ...(crashAtMs === undefined
      ? {}
      : { failover: { crashAtMs, writableAtMs: tally.writableAtMs, downtimeMs: tally.writableAtMs === null ? null : tally.writableAtMs - crashAtMs } }),
    lostCommits,
  };
}

/** The failover time when the options leave it out: uniform over the AWS User Guide's 60–120 s. */
function drawFailoverMs(kernel: Kernel): number {
  const [minMs, maxMs] = FAILOVER_MS_RANGE;
  return Math.round(minMs + kernel.rng.fork('failover').next() * (maxMs - minMs));
}

function place(azId: string): Locality {
  return { regionId: REGION, azId };
}

/** The actors of Figure 2 (and the replica), in spawn order. */
function baselineSpecs(kernel: Kernel, options: ResolvedBaselineOptions): ActorSpec[] {
  const ids = BASELINE_ACTORS;
  const volume = (self: string, mirror: string | null, azId: string): ActorSpec => {
    const rng = kernel.rng.fork(`ebs:${self}`);
    const input: EbsVolumeInput = { self, mirror, latencySamplesMs: Array.from({ length: EBS_SAMPLES_PER_VOLUME }, () => sample(rng, options.ebsWriteLatencyMs)) };
    return { id: self, machine: ebsVolumeMachine, input, locality: place(azId) };
  };
  const replica = options.binlogReplica ? ids.replica : null;
  const instance = (self: string, role: 'primary' | 'standby', volumeId: string): MirroredInstanceInput => ({
    self,
    role,
    volume: volumeId,
    standby: role === 'primary' ? ids.standby : null,
    replica,
    mirroring: options.mirroring,
    groupCommit: options.groupCommit,
    binlogSyncPerCommit: options.binlogSyncPerCommit,
    pagesDirtiedPerPut: options.pagesDirtiedPerPut,
    checkpointIntervalMs: options.checkpointIntervalMs,
    frmWritesPerCheckpoint: options.frmWritesPerCheckpoint,
  });
  const specs: ActorSpec[] = [
    volume(ids.primaryMirror, null, AZ.primary),
    volume(ids.primaryVolume, ids.primaryMirror, AZ.primary),
    volume(ids.standbyMirror, null, AZ.standby),
    volume(ids.standbyVolume, ids.standbyMirror, AZ.standby),
    { id: ids.standby, machine: mirroredInstanceMachine, input: instance(ids.standby, 'standby', ids.standbyVolume), locality: place(AZ.standby) },
    { id: ids.primary, machine: mirroredInstanceMachine, input: instance(ids.primary, 'primary', ids.primaryVolume), locality: place(AZ.primary) },
  ];
  if (replica !== null) specs.push({ id: replica, machine: binlogReplicaMachine, input: { self: replica, applyMsPerTxn: options.replicaApplyMsPerTxn }, locality: place(AZ.replica) });
  return specs;
}

function startClients(kernel: Kernel, options: ResolvedBaselineOptions, history: HistoryRecorder, endpoint: () => string): DatabaseClient[] {
  let txnIds = 0;
  return Array.from(
    { length: options.clients },
    (_, i) =>
      new DatabaseClient({
        id: `client:${i + 1}`,
        locality: place(AZ.primary),
        endpoint,
        clock: kernel.clock,
        network: kernel.network,
        history,
        txnTimeoutMs: options.txnTimeoutMs,
        processFirst: i,
        processStride: options.clients,
        nextTxnId: () => ++txnIds,
      }),
  );
}
