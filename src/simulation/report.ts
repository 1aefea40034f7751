/**
 * The report of a run (docs/semantics.md, "Report fields"): what the CLI prints with `--json` and
 * `sim.report()` returns. Latencies are client-observed (invoke to ok, in virtual ms).
 * "No lost acknowledged commit" is judged here by reading back what segments persisted, independent
 * of the writer.
 */
import { geometryEpochOf, pgCountMaxOf, volumeBytesOf } from '../protocol/geometry.js';
import { durabilityResult } from '../check/durability.js';
import { readBack } from './read-back.js';
import { quantile } from './quantile.js';
import type { AvailabilityReport } from './availability.js';
import type { ReplicaLagReport } from './replica-lag.js';
import type { ReportSource } from './source.js';
import type { GlobalReport } from './global-panel.js';
import type { BackupReport } from './backup-service.js';
import type { ClonesReport } from './clone-service.js';
import type { BacktrackReport, TimelineVerdict } from './backtrack-service.js';
import type { MetricsReport } from './cloudwatch.js';
import type { CostReport } from './cost.js';
import type { ServerlessReport } from './serverless-panel.js';
import type { RestoreVerification } from '../check/restore.js';
import type { SecurityReport } from './security-panel.js';
import type { MultiWriterReport } from './multi-writer-panel.js';
import type { SegmentContext } from '../../models/segment.machine.js';

export type { ReportSource } from './source.js';
import type { PropertyResult } from '../check/property.js';
import type { NetworkStats } from '../kernel/network.js';
import type { PlantName } from '../protocol/plants.js';


/** The JSON report of one run. */
export interface SimulationReport {
  scenario: string;
  description: string;
  seed: number;
  /** The planted mistake the run had on (docs/plants.md); absent in an ordinary run. */
  plant?: PlantName;
  simulatedMs: number;
  traceHash: string;
  traceEvents: number;
  commits: {
    /** Transactions issued by clients. */
    attempted: number;
    /** Commits the clients saw acknowledged. */
    acknowledged: number;
    failed: number;
    /** Failed transactions by the error the client got (`connectionRefused`: the endpoint's instance was down). */
    failedBy: Record<string, number>;
    /** Outcome unknown to the client (timed out); they may have committed later. */
    unknown: number;
    /** Transactions issued but neither acknowledged, failed nor timed out when the report was made. */
    inFlight: number;
    /**
     * Arrivals not sent: every client was waiting for its transaction to finish (each client runs
     * one at a time; the workload does not queue, `src/cluster/workload.ts`).
     */
    skipped: number;
    /** Commits the writer acknowledged that some read quorum of storage cannot see: must be 0. */
    lostAcknowledged: number;
  };
  latencyMs: { commitP50: number; commitP99: number; commitMax: number };
  /**
   * The first failover, when there was one: when the control plane declared the writer failed,
   * and when clients could reach the new writer (endpoint switched). Later ones are in `failovers`.
   */
  failover?: { detectedAtMs: number; writerOpenAtMs?: number; writerAvailableAtMs?: number; from: string; to?: string };
  failovers: { detectedAtMs: number; writerOpenAtMs?: number; writerAvailableAtMs?: number; from: string; to?: string }[];
  /** Page reads from storage on cache misses (docs/protocol.md §5, reads), when the writer's cache is bounded. */
  pageReads?: { reads: number; hedged: number; latencyMsP50: number; latencyMsP99: number };
  /** Replica lag (commit acknowledged on the writer → visible on the replica), when there are replicas. */
  replicas?: ReplicaLagReport;
  /**
   * Reads the clients got answers to: gets of acknowledged transactions by who served them, and
   * the latency of read-only transactions (invoke to answer; absent when there were none).
   */
  reads: { getsOnWriter: number; getsOnReplicas: number; readOnlyTxns: number; readOnlyLatencyMsP50?: number; readOnlyLatencyMsP99?: number };
  /**
   * Each PG that ever had a copy out of the writer's reach: the intervals, with the copies
   * reachable and whether a read and a write quorum (the judges' rule) remained (`availability.ts`).
   */
  availability: AvailabilityReport;
  /** Periods of 100 ms or more without a VDL advance while clients were writing. */
  writeStalls: { fromMs: number; toMs: number }[];
  volume: { vcl: number; vdl: number; maxAllocated: number; volumeEpoch: number };
  invariants: {
    name: string;
    kind: string;
    ok: boolean;
    violations: number;
    /** For `sometimes` properties: whether the situation ever occurred. */
    witnessed?: boolean;
    /** `eventually` judges: the bound, in virtual ms, within which the property must hold. */
    boundMs?: number;
    /** Nothing was there to check (a check that never triggered is reported, not passed silently). */
    vacuous: boolean;
    firstViolations: { atMs: number; message: string }[];
  }[];
  storage: { segments: number; segmentsDown: number; recordsViaGossip: number; unavailablePgs: number[]; lost: { txnId: number; missing: string }[] };
  /**
   * `state`: the cluster's first writer instance's top-level state; `instance` and `instanceState`:
   * the instance the cluster endpoint points at when the report is made (a promoted replica after
   * a failover) and its state; the counts are that instance's.
   */
  writer: { state: string; instance: string; instanceState: string; transactions: number; batches: number; recordsResent: number; lalStalls: number };
  network: NetworkStats;
  faults: { atMs: number; fault: string; target: string }[];
  /** A Global Database's figures per secondary region (`global-panel.ts`), when the topology has one. */
  global?: GlobalReport;
  /** Continuous backup and restores (`backup-service.ts`), when the scenario has a `backup` section. */
  backup?: BackupReport;
  /** Fast clones (`clone-service.ts`), when the fault plan has a `clone`. */
  clones?: ClonesReport;
  /** Backtracks (`backtrack-service.ts`) and S20's check of each, when the scenario has a `backtrack` section. */
  backtrack?: BacktrackReport & {
    verifications: RestoreVerification[];
    /** The history checker on each timeline (`backtrack-service.ts`, `histories`). */
    histories: TimelineVerdict[];
  };
  /** Storage growth (docs/protocol.md §1.1), when the topology has a `growth` section. */
  growth?: GrowthReport;
  /**
   * The CloudWatch-style metrics, each series summed up over the run's whole periods
   * (`cloudwatch.ts`; docs/semantics.md, "Metrics"). Added by `Simulation.report()`.
   */
  metrics?: MetricsReport;
  /** What the run costs at the price list, and a month at its rates (`cost.ts`; docs/semantics.md, "Cost"). Added by `Simulation.report()`. */
  cost?: CostReport;
  /** Aurora Serverless v2 capacity (`serverless-panel.ts`; docs/protocol.md §11.3), when the topology has a `serverless` section. */
  serverless?: ServerlessReport;
  /** Connection security, the audit log's counts and encryption at rest (`security-panel.ts`), when the scenario has a `security` section. */
  security?: SecurityReport;
  /** A multi-writer cluster's writers, conflicts, rollbacks and replication (`multi-writer-panel.ts`), when the topology has a `multiWriter` section. */
  multiWriter?: MultiWriterReport;
}

/** How a growing volume grew (docs/protocol.md §1.1). */
export interface GrowthReport {
  /** PGs at the end, and the volume's nominal size (10 GiB per PG), in bytes. */
  pgCount: number;
  volumeBytes: number;
  /** The most PGs and bytes the volume may have. */
  pgCountMax: number;
  maxVolumeBytes: number;
  /** The geometry epoch at the end: 1 plus one per added PG. */
  geometryEpoch: number;
  /** Each geometry change: when it was recorded, its epoch, the PG it added. */
  changes: { atMs: number; geometryEpoch: number; pg: number }[];
  /** Transactions refused because a put landed past the maximum (`volumeFull`). */
  refusedWrites: number;
}

/** The growth figures of a run whose topology has a `growth` section. */
function growthOf(sim: ReportSource): GrowthReport | undefined {
  const growth = sim.scenario.topology.growth;
  if (growth === undefined) return undefined;
  const changes = (sim.geometryChanges ?? []).map((change) => ({ ...change }));
  const pgCount = Object.keys(sim.topology.membersByPg).length + changes.length;
  return {
    pgCount,
    volumeBytes: volumeBytesOf(pgCount),
    pgCountMax: pgCountMaxOf(growth.maxVolumeBytes),
    maxVolumeBytes: growth.maxVolumeBytes,
    geometryEpoch: geometryEpochOf(Object.keys(sim.topology.membersByPg).length, pgCount),
    changes,
    refusedWrites: sim.failures().volumeFull ?? 0,
  };
}

export { quantile } from './quantile.js';

/**
 * Commit latencies (ms) of acknowledged write transactions, optionally only those invoked in
 * [fromMs, toMs), ascending. The history keeps them whether or not it keeps its entries.
 */
export function commitLatenciesMs(sim: Pick<ReportSource, 'history'>, fromMs = 0, toMs = Infinity): number[] {
  return sim.history.commitLatenciesMs(fromMs, toMs);
}

/** The top-level state of an actor (`online`, `down`, …). */
export function stateOf(sim: Pick<ReportSource, 'host'>, id: string): string {
  const value = sim.host.snapshotOf(id).value;
  return typeof value === 'string' ? value : Object.keys(value as object)[0] ?? '';
}

function pageReadsOf(sim: ReportSource): NonNullable<SimulationReport['pageReads']> {
  const { reads, hedged, latenciesMs } = sim.pageReads();
  return { reads, hedged, latencyMsP50: quantile(latenciesMs, 0.5), latencyMsP99: quantile(latenciesMs, 0.99) };
}

function readsOf(sim: ReportSource): SimulationReport['reads'] {
  const { getsOnWriter, getsOnReplicas, readOnlyTxns, readOnlyLatenciesMs } = sim.reads();
  const latencies = readOnlyTxns === 0 ? {} : { readOnlyLatencyMsP50: quantile(readOnlyLatenciesMs, 0.5), readOnlyLatencyMsP99: quantile(readOnlyLatenciesMs, 0.99) };
  return { getsOnWriter, getsOnReplicas, readOnlyTxns, ...latencies };
}

/** The numbered judges (`S4 …`, `S8a …`) by number, then the rest in the order given. */
function inReportOrder(results: readonly PropertyResult[]): PropertyResult[] {
  const seen = new Set<string>();
  for (const result of results) {
    // Two judges under one name would make one verdict hide the other.
    if (seen.has(result.name)) throw new Error(`report: two judges are named "${result.name}"`);
    seen.add(result.name);
  }
  const rank = (name: string): [number, string] => {
    const match = /^S(\d+)([a-z]?) /.exec(name);
    return match === null ? [Infinity, ''] : [Number(match[1]), match[2] ?? ''];
  };
  // Array.prototype.sort is stable, so unnumbered judges keep their order.
  return [...results].sort((x, y) => {
    const [nx, lx] = rank(x.name);
    const [ny, ly] = rank(y.name);
    if (nx !== ny) return nx === Infinity ? 1 : ny === Infinity ? -1 : nx - ny;
    return lx < ly ? -1 : lx > ly ? 1 : 0;
  });
}

/** Builds the report from a simulation and its invariant results. */
export function buildReport(sim: ReportSource, invariantResults: readonly PropertyResult[], global?: GlobalReport): SimulationReport {
  const { kernel, scenario, topology } = sim;
  const counts = sim.history.counts;
  // A managed failover of a Global Database gives up the first primary's commits above the start
  // of the region it promotes (docs/protocol.md §11.1): they are its lost suffix, reported and
  // bounded there (S17), and the volume annuls them when it rejoins; the rest must all be held.
  const failoverStartLsn = global?.promotions.find((promotion) => promotion.how === 'failover' && promotion.oldPrimary === topology.global?.primaryRegion)?.vdl;
  const durability = readBack(sim, 'persisted', failoverStartLsn);
  const results = inReportOrder([...invariantResults, durabilityResult(durability, kernel.clock.now())]);
  const latencies = commitLatenciesMs(sim);
  const writer = sim.writer();
  const segments = topology.segments.map((segment) => sim.segment(segment.id));
  return {
    scenario: scenario.name,
    description: scenario.description,
    seed: sim.seed,
    ...(sim.plant === undefined ? {} : { plant: sim.plant }),
    simulatedMs: kernel.clock.now(),
    traceHash: kernel.trace.traceHash(),
    traceEvents: kernel.trace.length,
    commits: {
      attempted: counts.invoke,
      acknowledged: counts.ok,
      failed: counts.fail,
      failedBy: sim.failures(),
      unknown: counts.info,
      inFlight: counts.invoke - counts.ok - counts.fail - counts.info,
      skipped: sim.workload.stats.skipped,
      lostAcknowledged: new Set(durability.lost.map((lost) => lost.txnId)).size,
    },
    latencyMs: { commitP50: quantile(latencies, 0.5), commitP99: quantile(latencies, 0.99), commitMax: latencies[latencies.length - 1] ?? 0 },
    ...(sim.failovers.length > 0 ? { failover: { ...sim.failovers[0]! } } : {}),
    failovers: sim.failovers.map((failover) => ({ ...failover })),
    ...(sim.topology.replicas.length > 0 ? { replicas: sim.replicaLag() } : {}),
    ...(scenario.writer.cacheBlocks > 0 ? { pageReads: pageReadsOf(sim) } : {}),
    reads: readsOf(sim),
    availability: sim.availability(),
    writeStalls: sim.stallsSoFar(),
    volume: { vcl: writer.state.tracker.vcl, vdl: writer.state.tracker.vdl, maxAllocated: writer.state.tracker.maxAllocatedLsn, volumeEpoch: writer.volumeEpoch },
    invariants: results.map((result) => ({
      name: result.name,
      kind: result.kind,
      ok: result.ok,
      violations: result.violations,
      witnessed: result.witnessed,
      vacuous: result.vacuous === true,
      ...(result.boundMs === undefined ? {} : { boundMs: result.boundMs }),
      firstViolations: result.firstViolations.map((v) => ({ atMs: v.atMs, message: v.message })),
    })),
    storage: {
      segments: segments.length,
      segmentsDown: topology.segments.filter((segment) => stateOf(sim, segment.id) === 'down').length,
      recordsViaGossip: segments.reduce((total, context: SegmentContext) => total + context.stats.recordsFromGossip, 0),
      unavailablePgs: [...durability.unavailablePgs],
      lost: durability.lost.slice(0, 10).map((lost) => ({ txnId: lost.txnId, missing: lost.missing })),
    },
    writer: {
      state: stateOf(sim, topology.writer.id),
      instance: sim.endpoint,
      instanceState: stateOf(sim, sim.endpoint),
      transactions: writer.stats.transactions,
      batches: writer.stats.batches,
      recordsResent: writer.stats.recordsResent,
      lalStalls: writer.stats.lalStalls,
    },
    network: { ...kernel.network.stats },
    faults: sim.faultLog.map((fault) => ({ atMs: fault.atMs, fault: fault.fault, target: fault.target })),
    ...(global === undefined ? {} : { global }),
    ...(growthOf(sim) === undefined ? {} : { growth: growthOf(sim) }),
  };
}
