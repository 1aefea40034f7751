/**
 * What reports and read-backs see of a simulation: the narrow view they need, so they do not
 * depend on the Simulation class (which depends on them).
 */
import type { WriterContext } from '../../models/instance.machine.js';
import type { SegmentContext } from '../../models/segment.machine.js';
import type { AppliedFault } from '../cluster/faults.js';
import type { HistoryCounts, HistoryEntry } from '../cluster/history.js';
import type { ActorHost } from '../cluster/host.js';
import type { ResolvedTopology, Scenario } from '../cluster/scenario.js';
import type { Kernel } from '../kernel/kernel.js';
import type { PlantName } from '../protocol/plants.js';
import type { QuorumPredicate } from '../protocol/quorum.js';
import type { AvailabilityReport } from './availability.js';
import type { ReadFigures } from './metrics.js';
import type { ReplicaLagReport } from './replica-lag.js';

/** What a report is built from: a simulation, seen through what the report reads. */
export interface ReportSource {
  readonly seed: number;
  /** The planted mistake the run has on, if any (docs/plants.md). */
  readonly plant?: PlantName | undefined;
  readonly scenario: Scenario;
  readonly topology: ResolvedTopology;
  readonly kernel: Kernel;
  readonly host: ActorHost;
  readonly quorums: Readonly<Record<number, { read: QuorumPredicate; write: QuorumPredicate }>>;
  /** Every segment that is or was a member of each PG. */
  readonly membersByPg: Readonly<Record<number, readonly string[]>>;
  /** Commits the writer acknowledged: txnId → commit LSN. */
  readonly acknowledged: ReadonlyMap<number, number>;
  /** The client history: its entries (when kept), counts by type and commit latencies. */
  readonly history: {
    readonly entries: readonly HistoryEntry[];
    readonly counts: Readonly<HistoryCounts>;
    commitLatenciesMs(fromMs?: number, toMs?: number): number[];
  };
  readonly workload: { readonly stats: { readonly skipped: number } };
  readonly faultLog: readonly AppliedFault[];
  readonly failovers: readonly { detectedAtMs: number; writerOpenAtMs?: number; writerAvailableAtMs?: number; from: string; to?: string }[];
  stallsSoFar(): { fromMs: number; toMs: number }[];
  segment(id: string): SegmentContext;
  replicaLag(): ReplicaLagReport;
  pageReads(): { reads: number; hedged: number; latenciesMs: number[] };
  writer(): WriterContext;
  /** The cluster endpoint: the instance clients send transactions to. */
  readonly endpoint: string;
  /** Each PG's intervals with a copy out of the writer's reach (`availability.ts`). */
  availability(): AvailabilityReport;
  /** Reads the clients got answers to. */
  reads(): ReadFigures;
  /** Failed transactions by the error the client got. */
  failures(): Record<string, number>;
  /** The volume's geometry changes so far (storage growth); absent or empty when it did not grow. */
  readonly geometryChanges?: readonly { atMs: number; geometryEpoch: number; pg: number }[];
  /** The puts of every transaction invoked so far, by txnId. */
  /**
   * With backtrack: true iff the timeline in force hides `lsn` (docs/protocol.md §10, backtrack),
   * from the backtrack service's own account; a commit a backtrack undid is not lost.
   */
  hiddenByBacktrack?(lsn: number): boolean;
  txnPuts(): ReadonlyMap<number, readonly { key: string; value: string }[]>;
}
