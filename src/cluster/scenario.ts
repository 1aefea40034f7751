/**
 * A scenario as data: topology + storage + network + workload + faults + duration (FDB's
 * `tests/fast/*.toml` idea). Built-in scenarios, scenario files, tests and the viewer all load the
 * same shape. `schema.ts` validates untrusted input into it, filling defaults; this file is the
 * type every consumer reads.
 */
import type { LatencyDistribution, NetworkOptions } from '../kernel/network.js';

/** Regions, AZs, PGs and placement (docs/protocol.md §1, volumes and segments). */
export interface TopologySpec {
  /** Regions; the first is the primary (the only one with a writer). */
  regions: { id: string; azs: string[] }[];
  /** Protection groups in the volume (≥ 1). Each has 6 segments, 2 in each of 3 AZs. */
  pgCount: number;
  /** Storage nodes per AZ; a PG's segments in an AZ go to two different nodes (≥ 2). */
  storageNodesPerAz: number;
  /**
   * `full`: every segment holds log and pages (quorums 4/6 and 3/6). `fullTail`: one full and one
   * tail segment per AZ (W = 4/6 ∨ 3/3 full, R = 3/6 ∧ 1/3 full; docs/protocol.md §2, quorums; §13,
   * M2).
   */
  segmentKinds: 'full' | 'fullTail';
  /** The writer's AZ; one of the primary region's AZs. */
  writerAz: string;
  /** Blocks (pages) per PG; keys hash onto blocks, blocks map to PGs by range. */
  blocksPerPg: number;
  /** LSN allocation limit (docs/protocol.md §3, log and consistency points; default 10,000,000). */
  lal: number;
  /**
   * Read replicas (up to 15): AZ, promotion tier 0–15 (0 first), size in ACUs (docs/protocol.md §5,
   * read replicas; §9, failover), and the blocks their buffer cache holds (misses are read from
   * storage at the replica's read point; 0 = every block, the default).
   */
  replicas: { az: string; tier: number; sizeAcu: number; cacheBlocks?: number }[];
  /**
   * A spare instance in the writer's AZ that the control plane turns into a new writer when no
   * replica can be promoted (RDS recreating the writer).
   */
  standby: boolean;
  /** A Global Database over `regions` (docs/protocol.md §11.1); absent, the cluster is regional. */
  global?: GlobalSpec;
  /**
   * Storage growth (docs/protocol.md §1.1): the volume starts with `pgCount` PGs and adds one PG
   * (one geometry change) each time a put lands past its last PG, up to `maxVolumeBytes`; keys are
   * placed in order (`k<n>` on block floor(n / keysPerBlock)). Absent: the volume keeps its PGs and
   * keys hash over them.
   */
  growth?: GrowthSpec;
  /**
   * Aurora Serverless v2 (docs/protocol.md §11.3): the writer and every replica scale their
   * capacity in ACUs within one range, and pause when idle if the minimum is 0. Absent: every
   * instance is provisioned (a fixed size).
   */
  serverless?: ServerlessSpec;
  /**
   * A multi-writer cluster (docs/protocol.md §11.2; User Guide, "Working with Aurora multi-master
   * clusters"): `writers` instances, each reading and writing the one volume, with page conflicts
   * decided by the storage's votes. Absent: the cluster has one writer.
   */
  multiWriter?: MultiWriterSpec;
}

/** A multi-writer cluster's writers (docs/protocol.md §11.2). */
export interface MultiWriterSpec {
  /** Writer instances, from 2 to `maxWriters`, spread over the volume's AZs from `writerAz` on. @defaultValue 2 */
  writers: number;
  /** The most writers allowed: the User Guide says 4; a parameter, since other accounts say 5. @defaultValue 4 */
  maxWriters: number;
  /**
   * `aurora_mm_session_consistency_level`: `instance-raw`, a read sees what its writer has (its own
   * commits and what the others shipped so far); `regional-raw`, a read first waits until every
   * writer's commits up to now have arrived. @defaultValue 'instance-raw'
   */
  consistency: 'instance-raw' | 'regional-raw';
  /** How long a writer holds an approved commit before shipping it to the others, in ms. @defaultValue 5 */
  replicationDelayMs: number;
}

/**
 * Aurora Serverless v2 capacity (docs/protocol.md §11.3; User Guide, "How Aurora Serverless v2
 * works" and "Scaling to Zero ACUs with automatic pause and resume"). Each instance's capacity moves
 * in 0.5 ACU steps within [minAcu, maxAcu], decided once a second from its load; readers in
 * promotion tiers 0–1 take the writer's capacity, the others scale on their own load. The buffer
 * cache follows capacity.
 */
export interface ServerlessSpec {
  /** 0 (auto-pause) or 0.5 to 256, a multiple of 0.5, at most `maxAcu`. @defaultValue 0.5 */
  minAcu: number;
  /** 1 to 256, a multiple of 0.5. @defaultValue 16 */
  maxAcu: number;
  /**
   * With `minAcu` 0: seconds without a transaction after which an instance pauses (AWS's
   * `SecondsUntilAutoPause`), 300 to 86,400. Ignored with a higher minimum. @defaultValue 300
   */
  autoPauseAfterS: number;
  /** How long a paused instance takes to resume, in ms ("typically approximately 15 seconds"). @defaultValue 15000 */
  resumeMs: number;
  /** Buffer-cache blocks per ACU: a scaled stand-in for 2 GiB of memory [I]. @defaultValue 4 */
  cacheBlocksPerAcu: number;
  /** Write transactions one ACU commits per second (the load model, [I]). @defaultValue 10 */
  commitsPerSPerAcu: number;
  /** Gets one ACU answers per second (the load model, [I]). @defaultValue 100 */
  getsPerSPerAcu: number;
  /** The load the decider aims for, in percent of capacity (1 to 100). @defaultValue 70 */
  targetLoadPercent: number;
}

/** How a volume grows (docs/protocol.md §1.1). */
export interface GrowthSpec {
  /**
   * The largest the volume may become, in bytes, at a nominal 10 GiB per PG: a put that needs a PG
   * past it is refused (`volumeFull`). @defaultValue 128 TiB (13,107 PGs)
   */
  maxVolumeBytes: number;
  /** Keys `k<n>` per block. @defaultValue 16 */
  keysPerBlock: number;
}

/**
 * A Global Database (docs/protocol.md §11.1): the primary is `regions[0]`; each secondary is
 * another listed region with at least three AZs, holding a volume of its own that the primary's
 * redo is shipped to. Cross-region latency and loss per pair of regions are the network's
 * (`network.regionPairs`).
 */
export interface GlobalSpec {
  secondaries: GlobalSecondarySpec[];
  /** The most secondaries allowed (the documented limit is a parameter). @defaultValue 5 */
  secondariesMax: number;
  /** The region statecharts' clock tick: lags are known to within it. @defaultValue 100 */
  lagTickMs: number;
  /** A secondary whose RPO lag is above this is `lagging`. @defaultValue 5000 */
  laggingAfterMs: number;
  /** A secondary that heard nothing for this long is `cutOff`. @defaultValue 10000 */
  cutOffAfterMs: number;
  /** A shipment a secondary has not acknowledged after this long is sent again. @defaultValue 1000 */
  resendAfterMs: number;
  /** A managed failover's fence of the old primary gives up after this long (§13, G2). @defaultValue 30000 */
  fenceTimeoutMs: number;
  /**
   * `rds.global_db_rpo` in seconds, a whole number from 20: the primary acknowledges a commit only
   * while some secondary's RPO lag is below it (§11.1, RPO control). Absent, the parameter's
   * default: no limit.
   */
  rpoLimitS?: number;
}

/** One secondary region of a Global Database. */
export interface GlobalSecondarySpec {
  /** One of `topology.regions`, not the primary. */
  region: string;
  /** Read-only instances, 0 (headless) to 16, dealt over the region's AZs; one is promoted by a failover. @defaultValue 1 */
  replicas: number;
  /** Boxcar delay of the shipments to it, in ms (0: at the end of each step). @defaultValue 0 */
  shipIntervalMs: number;
  /** The most records one shipment carries (a larger MTR still goes whole). @defaultValue 1000 */
  maxBatchRecords: number;
  /** Write forwarding from this secondary to the primary (docs/protocol.md §11.1), with its sessions. Absent: none. */
  writeForwarding?: WriteForwardingSpec;
}

/** `aurora_replica_read_consistency`, lower case (docs/protocol.md §11.1, write forwarding). */
export type ReadConsistencyLevel = 'eventual' | 'session' | 'global';

/**
 * A secondary's write forwarding (docs/protocol.md §11.1): the read consistency level of its
 * sessions (the cluster parameter group's default, which every session there keeps) and the
 * sessions that write and read through it. Each session writes its own key, reads it back at
 * once, then thinks.
 */
export interface WriteForwardingSpec {
  readConsistency: ReadConsistencyLevel;
  /** Sessions (clients) connected in the region. @defaultValue 2 */
  clients: number;
  /** Mean think time between a session's read and its next write, exponential. @defaultValue 100 */
  thinkTimeMs: number;
}

/** The storage control plane's segment repair (docs/protocol.md §8, membership changes; §13, M1). */
export interface RepairSpec {
  /** Period of the storage health checks. */
  checkPeriodMs: number;
  /** Missed checks in a row after which a lone segment is replaced. */
  replaceAfterMisses: number;
  /**
   * How long both members of a PG in one AZ must stay unreachable before the PG moves to the
   * degraded 3/4 quorum model (docs/protocol.md §13, M3); it returns to 4/6 when they answer again.
   * At least `checkPeriodMs`. @defaultValue 600000 (10 minutes)
   */
  degradeAfterMs: number;
}

/** The control plane's failover timing (docs/protocol.md §9, failover; §13, F1): defaults give 30–60 s. */
export interface FailoverSpec {
  /** Period of the health checks. */
  healthCheckPeriodMs: number;
  /** Missed checks in a row that declare the writer failed. */
  missesToFail: number;
  /** From the new writer opening to the cluster endpoint pointing at it (DNS TTL, reconnection). */
  endpointSwitchMs: number;
  /** Time to recreate a writer when no replica can be promoted. */
  replacementDelayMs: number;
  /** A promoted instance that has not opened by then is given up for the next candidate. */
  promotionTimeoutMs: number;
}

/** Segment and storage node behaviour. */
export interface StorageSpec {
  /** Time to persist one batch to the hot log (docs/protocol.md §14, numbers and defaults: 0.5 ms). */
  diskLatencyMs: LatencyDistribution;
  /** Period of each segment's gossip pull (docs/protocol.md §13, V9: 100 ms). */
  gossipPeriodMs: number;
  /** Most records one gossip answer carries. */
  gossipMaxRecords: number;
  /**
   * Period of each segment's staging and garbage collection (SIGMOD'18 §3.4); 0 turns both off.
   * @defaultValue 500
   */
  gcPeriodMs: number;
  /**
   * GC ticks an instance's minimum read point counts without a new report: the lease is
   * `mrplLeaseTicks × gcPeriodMs` (4 × 500 ms = 2 s). @defaultValue 4
   */
  mrplLeaseTicks: number;
  /**
   * How often every instance reports its minimum read point per PG to the PG's segments; 0 = never.
   * The default sends four reports per lease, so a live instance never drops out of a segment's
   * minimum for one late or lost report (docs/semantics.md, "Minimum read points"). @defaultValue 500
   */
  mrplReportMs: number;
}

/**
 * Continuous backup to the region's object store (docs/protocol.md §10): every segment stages its
 * PG's log there in the background; the store coalesces it into page snapshots and keeps what the
 * retention window needs. Absent, staging is a point only (no object store actor).
 */
export interface BackupSpec {
  /** How often each segment stages to the object store. @defaultValue 5000 */
  stagePeriodMs: number;
  /** Most records one staging put carries. @defaultValue 4096 */
  stageMaxRecords: number;
  /** The backup retention period, 1–35 days. @defaultValue 1 */
  retentionDays: number;
  /** How often the object store coalesces each PG's staged log into page snapshots. @defaultValue 60000 */
  snapshotPeriodMs: number;
  /** A restore whose cluster is not available by then has failed. @defaultValue 600000 */
  restoreTimeoutMs: number;
  objectStore: ObjectStoreSpec;
}

/** The object store's service (S3 in the AWS words). */
export interface ObjectStoreSpec {
  /** Time to answer a request, before its transfer time. @defaultValue 20 */
  serviceLatencyMs: number;
  /** Transfer rate of one request, in MB/s. @defaultValue 100 */
  transferMBps: number;
}

/**
 * Fast clones (docs/protocol.md §10): the clients each clone gets once it is available, and the
 * copy rate of a clone past the copy-on-write limit (a full copy).
 */
export interface CloneSpec {
  /** Clients of each clone, from its opening to `workload.stopMs`. @defaultValue 2 */
  clients: number;
  /** Their commits per second (puts and gets as the workload's). @defaultValue 50 */
  commitsPerS: number;
  /** Copy rate of a full copy, in MB/s per segment. @defaultValue 100 */
  fullCopyMBps: number;
  /** A clone not available by then has failed. @defaultValue 600000 */
  cloneTimeoutMs: number;
}

/**
 * Backtrack (docs/protocol.md §10, backtrack): the target window, how far back a backtrack may go.
 * Aurora MySQL takes up to 72 hours.
 */
export interface BacktrackSpec {
  /** @defaultValue 86400000 (24 hours) */
  windowMs: number;
}

/**
 * How the run's CloudWatch-style metrics are sampled (docs/semantics.md, "Metrics"; see
 * `src/simulation/cloudwatch.ts`).
 */
export interface MetricsSpec {
  /** One datapoint per series per period. @defaultValue 1000 (CloudWatch's high-resolution period) */
  periodMs: number;
}

/** How the run is billed (docs/semantics.md, "Cost"; `src/simulation/cost.ts`). */
export interface CostSpec {
  /** The cluster's storage configuration (API `StorageType` `aurora` or `aurora-iopt1`). @defaultValue 'standard' */
  storageConfiguration: 'standard' | 'io-optimized';
  /** Bill storage at this size instead of the simulated volume's. @defaultValue the run's VolumeBytesUsed */
  billedStorageGiB?: number;
}

/** At most this many metric periods in one run: a datapoint per series per period is kept. */
export const METRIC_PERIODS_MAX = 100_000;

/** The longest backtrack window: 72 hours. */
export const BACKTRACK_WINDOW_MS_MAX = 72 * 60 * 60 * 1000;

/** A scenario's clone settings, the defaults filled in when it has no `clones` section. */
export const CLONE_DEFAULTS: CloneSpec = { clients: 2, commitsPerS: 50, fullCopyMBps: 100, cloneTimeoutMs: 600_000 };

/** Writer behaviour. */
export interface WriterSpec {
  /**
   * `quorum`: a record is durable at the PG's write quorum (4/6). `all`: wait for all 6 acks, the
   * control arm that shows why Aurora uses 4/6 (SIGMOD'17 §2.1).
   */
  durability: 'quorum' | 'all';
  /** Resend records not yet durable after this long (message loss, segment restarts). */
  retransmitAfterMs: number;
  /** Time the link to one segment is busy per batch sent (what makes boxcars fill). */
  linkBusyMsPerBatch: number;
  /** Blocks the writer's buffer cache holds; gets on other blocks read storage (docs/protocol.md §5, reads). 0 = all. */
  cacheBlocks: number;
  /** A page read not answered after this long is also sent to a second segment (hedging). */
  hedgeAfterMs: number;
  /**
   * What the writer checks before a transaction commits (docs/semantics.md, "Isolation").
   * `read-committed`: nothing (gets read the VDL, puts go in at the head; lost updates and write
   * skew happen). `serializable`: backward validation, a transaction that read a value no longer
   * the newest is refused (`fail`, no effect). @defaultValue 'read-committed'
   */
  isolation: 'read-committed' | 'serializable';
}

/** The client workload. */
export interface WorkloadSpec {
  /** Client processes; each has its own endpoint, in the writer's region. */
  clients: number;
  /** Target commits per second over all clients (Poisson arrivals). */
  commitsPerS: number;
  /** Puts per transaction (its MTR has this many data records plus a commit record). */
  putsPerTxn: number;
  /** Gets per transaction (and per read-only transaction on the reader endpoint). */
  getsPerTxn: number;
  /**
   * Read-only transactions per second sent to the reader endpoint (Poisson), which spreads them
   * over the replicas, or the writer when there is none (docs/protocol.md §5, read replicas). 0 =
   * none.
   */
  readerTxnsPerS: number;
  /** Distinct keys. */
  keys: number;
  /**
   * Which keys puts write. `uniform`: keys `k0` … `k{keys-1}`, uniformly. `append`: new keys in
   * order, `k0`, `k1`, … (inserts that make a volume grow, docs/protocol.md §1.1); gets then read
   * keys written so far, uniformly. @defaultValue 'uniform'
   */
  putKeys?: 'uniform' | 'append';
  /** A client that hears nothing for this long records the outcome as unknown (`info`). */
  txnTimeoutMs: number;
  /** Virtual time the workload starts and stops issuing. */
  startMs: number;
  stopMs: number;
  /**
   * A rate schedule: each phase is in force from its `atMs` until the next one's; before the first,
   * `commitsPerS` and `readerTxnsPerS` above. Absent or empty: those rates throughout.
   */
  phases?: WorkloadPhase[];
  /**
   * How the first clients connect, group by group, with a `security` section (docs/protocol.md
   * §15): group 1 is clients 1 … n₁, group 2 the next n₂, and so on; the clients after the last
   * group connect as a default client does (inside the first allowed range, with TLS and a token
   * they refresh). Absent: every client is a default client.
   */
  clientGroups?: ClientGroupSpec[];
  /**
   * Skewed keys: a `share` of the keys each transaction reads and writes (0 to 1) is drawn
   * uniformly from the first `keys` keys (`k0` …), the rest uniformly from all of them. Absent:
   * every key uniformly.
   */
  hotKeys?: { share: number; keys: number };
}

/** One phase of a workload's rate schedule. */
export interface WorkloadPhase {
  /** When the phase starts, in virtual ms (phases in increasing order). */
  atMs: number;
  /** Write transactions per second from then on (Poisson). */
  commitsPerS: number;
  /** Read-only transactions per second for the reader endpoint from then on. @defaultValue the rate in force before */
  readerTxnsPerS?: number;
}

/** The token a group's clients hold (docs/protocol.md §15, authentication). */
export type ClientTokenKind = 'valid' | 'expired' | 'none' | 'wrongCluster' | 'wrongUser';

/** The token kinds, in the order the schema lists them. */
export const CLIENT_TOKEN_KINDS: readonly ClientTokenKind[] = ['valid', 'expired', 'none', 'wrongCluster', 'wrongUser'];

/** A group of clients that connect alike (docs/protocol.md §15). */
export interface ClientGroupSpec {
  /** How many clients the group holds (≥ 1). */
  clients: number;
  /** Their IPv4 address, as the security group sees it. @defaultValue the first host of `security.allowedCidrs[0]` */
  address: string;
  /** Whether they connect with TLS. @defaultValue true */
  tls: boolean;
  /**
   * `valid`: a token for this cluster and user, made when the run starts; `expired`: one that
   * expired as the run started; `none`; `wrongCluster` / `wrongUser`: a token for another cluster
   * or another database user. @defaultValue 'valid'
   */
  token: ClientTokenKind;
  /**
   * A new token for every connect (what AWS advises), so it never expires on them; false: the
   * token they start with, for good. Only a `valid` token is refreshed. @defaultValue token === 'valid'
   */
  refreshTokens: boolean;
}

/**
 * Connection security and encryption at rest of the cluster (docs/protocol.md §15). With it, every
 * client connects through the cluster's front door first; absent, clients send straight to the
 * endpoint, as before.
 */
export interface SecuritySpec {
  /** `require_secure_transport` (Aurora MySQL) / `rds.force_ssl` (Aurora PostgreSQL). @defaultValue false */
  requireTls: boolean;
  /** IAM database authentication: a connection needs a valid token. @defaultValue false */
  iamAuth: boolean;
  /**
   * How long a token is valid after it is made, at most 15 minutes: AWS fixes it at 15 minutes; a
   * scenario may shorten it so a short run shows tokens expiring. @defaultValue 900000
   */
  tokenTtlMs: number;
  /** The VPC's CIDR block, /16 to /28. @defaultValue '10.0.0.0/16' */
  vpcCidr: string;
  /** The security group's inbound ranges. @defaultValue [vpcCidr] */
  allowedCidrs: string[];
  /** Encryption at rest, set at creation (inherited by snapshots, restores and clones). @defaultValue false */
  encrypted: boolean;
  /** The KMS key, a name only, when encrypted. @defaultValue 'aws/rds' */
  kmsKeyId?: string;
}

/** A fault, applied at virtual time `atMs`. Targets are systemIds or AZ names. */
export type FaultSpec =
  | { atMs: number; kind: 'azOutage' | 'azRecover'; az: string }
  | { atMs: number; kind: 'regionOutage' | 'regionRecover'; region: string }
  | { atMs: number; kind: 'segmentCrash' | 'segmentRestart'; segment: string }
  | { atMs: number; kind: 'nodeCrash' | 'nodeRestart'; node: string }
  | { atMs: number; kind: 'slowSegment'; segment: string; factor: number }
  | { atMs: number; kind: 'instanceCrash' | 'instanceRestart'; instance: string }
  | { atMs: number; kind: 'partition'; sideA: string[]; sideB?: string[]; oneWay?: boolean }
  | { atMs: number; kind: 'heal' }
  /**
   * Operator actions on a Global Database (docs/protocol.md §11.1): a managed failover to a
   * secondary (no waiting for it to catch up; for a primary region that is lost), or detaching a
   * secondary as a standalone cluster.
   */
  | { atMs: number; kind: 'globalFailover' | 'globalDetach' | 'globalSwitchover'; region: string }
  /**
   * The object store (docs/protocol.md §10): an outage and its end, throttling to a number of
   * requests per second (S3's `SlowDown`) and its end, and slowness (service time × factor; 1 is
   * normal). Only with `backup`.
   */
  | { atMs: number; kind: 'objectStoreOutage' | 'objectStoreRecover' | 'objectStoreUnthrottle' }
  | { atMs: number; kind: 'objectStoreThrottle'; requestsPerS: number }
  | { atMs: number; kind: 'objectStoreSlow'; factor: number }
  /**
   * A point-in-time restore (docs/protocol.md §10): at `atMs` the operator asks for a new cluster
   * as the database was at `toTimeMs` (at most `atMs`). Only with `backup`.
   */
  | { atMs: number; kind: 'pointInTimeRestore'; toTimeMs: number; encrypted?: boolean; kmsKeyId?: string }
  /**
   * A manual cluster snapshot named `snapshot` (it never expires), and a restore of one into a new
   * cluster (docs/protocol.md §10, snapshots). Only with `backup`.
   */
  | { atMs: number; kind: 'createSnapshot' | 'restoreFromSnapshot'; snapshot: string; encrypted?: boolean; kmsKeyId?: string }
  /**
   * A fast clone (docs/protocol.md §10): a new cluster with the source's data as of its VDL now,
   * sharing the source's storage copy-on-write (the first 15; later clones are full copies).
   */
  | { atMs: number; kind: 'clone'; encrypted?: boolean; kmsKeyId?: string }
  /**
   * Backtrack the cluster in place to `toTimeMs` (docs/protocol.md §10, backtrack): earlier than
   * `atMs` by at most `backtrack.windowMs`; a later backtrack may go forward again. Needs a
   * `backtrack` section.
   */
  | { atMs: number; kind: 'backtrack'; toTimeMs: number }
  /**
   * A forced reconnect (docs/protocol.md §15): the front door closes every connection, or those to
   * `instance`, as a reboot or killed sessions do; clients connect again, with the token they hold
   * then. Needs a `security` section.
   */
  | { atMs: number; kind: 'closeConnections'; instance?: string };

/** A whole scenario. */
export interface Scenario {
  name: string;
  /** One line for `aurora-actors scenarios`. */
  description: string;
  topology: TopologySpec;
  storage: StorageSpec;
  writer: WriterSpec;
  failover: FailoverSpec;
  repair: RepairSpec;
  network: NetworkOptions;
  /** Continuous backup to an object store; absent, staging is a point only. */
  backup?: BackupSpec;
  /** Fast clones' clients and copy rate; absent, a `clone` fault takes the defaults. */
  clones?: CloneSpec;
  /** Backtrack enabled, with its window; absent, a `backtrack` fault is refused. */
  backtrack?: BacktrackSpec;
  /** How the metrics are sampled; absent, every second. */
  metrics?: MetricsSpec;
  /** How the run is billed; absent, Aurora Standard at the simulated volume's size. */
  cost?: CostSpec;
  /** Connection security and encryption at rest (docs/protocol.md §15); absent, no connection step. */
  security?: SecuritySpec;
  workload: WorkloadSpec;
  faults: FaultSpec[];
  /** Virtual time to run. */
  durationMs: number;
}

/** A segment as placed by topology resolution. */
export interface SegmentPlacement {
  /** systemId, e.g. `seg:pg0:az-a:1`. */
  id: string;
  pg: number;
  regionId: string;
  azId: string;
  /** systemId of its storage node, e.g. `node:az-a:3`. */
  node: string;
  kind: 'full' | 'tail';
}

/** A topology with every actor named and placed. */
export interface ResolvedTopology {
  regionId: string;
  /** The three AZs PGs span (the primary region's first three). */
  azs: string[];
  /** All AZs of the primary region. */
  allAzs: string[];
  segments: SegmentPlacement[];
  /** Segment ids of each PG, keyed by PG id, in placement order. */
  membersByPg: Record<number, string[]>;
  /** Storage nodes: id, AZ, and the segments they hold. */
  nodes: { id: string; azId: string; segments: string[] }[];
  writer: { id: string; azId: string };
  /** Read replicas, `inst:{region}:replica{n}`. */
  replicas: { id: string; azId: string; tier: number; sizeAcu: number; cacheBlocks: number }[];
  /** The spare instance, `inst:{region}:standby`, when the topology has one. */
  standby: { id: string; azId: string } | undefined;
  /** The storage metadata service and the control plane (regional services, placed in the writer's AZ). */
  metadata: { id: string; azId: string };
  controlPlane: { id: string; azId: string };
  storageControlPlane: { id: string; azId: string };
  clients: { id: string; azId: string }[];
  /** The Global Database's regions and secondary volumes, when the topology has one. */
  global?: ResolvedGlobal;
}

/** A Global Database placed: every secondary's volume and replication agent. */
export interface ResolvedGlobal {
  primaryRegion: string;
  /** The primary first, then the secondaries in the order given. */
  regions: string[];
  secondaries: ResolvedSecondary[];
}

/** One secondary region placed: its volume (as the primary's is placed) and its replication agent. */
export interface ResolvedSecondary extends Pick<ResolvedTopology, 'azs' | 'allAzs' | 'nodes' | 'segments' | 'membersByPg'> {
  region: string;
  /** The agent that writes the shipped redo to the region's volume, `replication:{region}`. */
  applier: { id: string; azId: string };
  /** Read-only instances, `inst:{region}:replica{n}`, fed by the agent. */
  instances: { id: string; azId: string }[];
  /** The region's storage metadata service, `metadata:{region}`: its volume's epoch. */
  metadata: { id: string; azId: string };
  /** The endpoint in the primary region that ships to it, `replicator:{region}`. */
  replicator: string;
  shipIntervalMs: number;
  maxBatchRecords: number;
  /** Write forwarding, when the secondary has it. */
  writeForwarding?: ResolvedWriteForwarding;
}

/** A secondary's write forwarding placed (docs/protocol.md §11.1). */
export interface ResolvedWriteForwarding {
  readConsistency: ReadConsistencyLevel;
  /** The forwarding layer of the region's first instance, `forwarder:{region}`, placed with it. */
  forwarder: { id: string; azId: string };
  /** The instance that serves the sessions' reads: the region's first. */
  instance: string;
  /** The region's sessions, `client:{region}:{n}`, dealt round robin over its AZs. */
  clients: { id: string; azId: string }[];
  thinkTimeMs: number;
}
