/**
 * What a compute instance is told when it starts ({@link WriterInput}), and the same with every
 * default filled in ({@link InstanceOptions}). {@link resolveInstanceOptions} is the one place the
 * defaults live: the context factory calls it once, and the machine reads only resolved options.
 */
import type { MembershipEpoch, VolumeEpoch } from '../src/protocol/ids.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import type { PlantName } from '../src/protocol/plants.js';
import type { PgMembership } from './messages.js';

/**
 * What the writer checks before a transaction commits (docs/semantics.md, "Isolation").
 * `read-committed`: nothing; gets read the VDL, puts go in at the head (Adya PL-2 is what that
 * guarantees). `serializable`: backward validation; a transaction whose gets read a value that is
 * no longer the newest is refused (`txnFail serializationFailure`) and takes no effect.
 */
export type WriterIsolation = 'read-committed' | 'serializable';

/** One PG as an instance knows it. */
export interface WriterPgInput {
  pg: number;
  /** Segment systemIds, all six. */
  members: readonly string[];
  /** The PG's write quorum predicate (4/6, full/tail, or 6/6 for the control arm). */
  write: QuorumPredicate;
  /** The PG's read quorum predicate (what recovery must hear from). @defaultValue the write predicate */
  read?: QuorumPredicate;
  /** @defaultValue 1 */
  membershipEpoch?: number;
  /** Members that hold blocks (full segments, SIGMOD'18 §4.2). @defaultValue every member */
  fullMembers?: readonly string[];
  /** The membership record the metadata service kept (changes under way), if any. */
  membership?: PgMembership;
}

/** Input of the instance machine (`writerMachine`). */
export interface WriterInput {
  self: string;
  /** What the instance starts as. @defaultValue 'writer' */
  role?: 'writer' | 'reader' | 'standby';
  /** @defaultValue 1 */
  volumeEpoch?: number;
  lal: number;
  pgs: readonly WriterPgInput[];
  blocksPerPg: number;
  /** Base period of retransmission; doubles (to 16x) while nothing becomes durable. */
  retransmitAfterMs: number;
  /** How long the link to a PG's segments stays busy per batch. */
  linkBusyMsPerBatch: number;
  /** Most records in one batch. @defaultValue 256 */
  maxBatchRecords?: number;
  /** The storage metadata service's systemId (recovery claims the volume epoch there). @defaultValue 'metadata' */
  metadataId?: string;
  /** The control plane's systemId (told when a recovered writer opens). @defaultValue 'control-plane' */
  controlPlaneId?: string;
  /** The storage control plane's systemId (told where membership changes stand). @defaultValue 'storage-control-plane' */
  storageControlPlaneId?: string;
  /**
   * RPO control on a Global Database's primary (docs/protocol.md §11.1): the region statechart
   * every commit VDL covers waits for before it is acknowledged. @defaultValue none: commits are
   * acknowledged as VDL covers them
   */
  commitGateId?: string;
  /** Resend recovery requests to members that have not answered after this long. @defaultValue 100 */
  recoveryRetryMs?: number;
  /** After a read quorum of every PG answered, wait this long for the rest. @defaultValue 5 */
  recoveryGraceMs?: number;
  /** Blocks its buffer cache holds (misses are read from storage); 0 = every block. @defaultValue 0 */
  cacheBlocks?: number;
  /** Ask a second segment when a page read has not answered after this long. @defaultValue 4 */
  hedgeAfterMs?: number;
  /** A fenced writer restarts as a replica after this long. @defaultValue 1000 */
  fencedRestartMs?: number;
  /** Replica: time to apply one redo record. @defaultValue 0.01 */
  applyMsPerRecord?: number;
  /** Replica: restart when it stays behind its known VDL this long (docs/protocol.md §13, F2). @defaultValue 1000 */
  maxReplicaLagMs?: number;
  /** Replica: how long a restart takes. @defaultValue 2000 */
  replicaRestartMs?: number;
  /** How often the instance tells each PG's segments its minimum read point; 0 = never. @defaultValue 500 */
  mrplReportMs?: number;
  /** A planted mistake to run with (docs/plants.md); absent in every ordinary run. */
  plant?: PlantName;
  /** What the writer checks before a transaction commits. @defaultValue 'read-committed' */
  isolation?: WriterIsolation;
  /**
   * Storage growth (docs/protocol.md §1.1): keys are placed in order (`append`) and a put past the
   * last PG waits for the volume to grow; past `pgCountMax` it is refused (`volumeFull`).
   * @defaultValue none: keys hash over the PGs the volume was created with
   */
  growth?: InstanceGrowth;
  /**
   * Aurora Serverless v2 (docs/protocol.md §11.3): the instance's scaler, which sets its capacity
   * and buffer cache (`capacitySet`) and asks for its load (`loadQuery`), and the capacity it
   * starts at; `cacheBlocks` is the cache at that capacity. @defaultValue none: a provisioned instance
   */
  serverless?: InstanceServerless;
}

/** A Serverless v2 instance's scaler and starting capacity. */
export interface InstanceServerless {
  /** The scaler's systemId, e.g. `scaler:inst:us-east-1:writer`. */
  readonly scaler: string;
  readonly capacityAcu: number;
}

/** How a growing volume lays out keys and how far it may grow. */
export interface InstanceGrowth {
  /** Keys `k<n>` per block: key `k<n>` lives on block floor(n / keysPerBlock). */
  readonly keysPerBlock: number;
  /** The most PGs the volume may have. */
  readonly pgCountMax: number;
}

/** A PG with its defaults filled in. */
export interface InstancePg {
  readonly pg: number;
  readonly members: readonly string[];
  readonly write: QuorumPredicate;
  readonly read: QuorumPredicate;
  readonly membershipEpoch: MembershipEpoch;
  readonly fullMembers: readonly string[];
  readonly membership?: PgMembership;
}

/** {@link WriterInput} with every default filled in; see that type for what each field means. */
export interface InstanceOptions {
  readonly self: string;
  readonly role: 'writer' | 'reader' | 'standby';
  readonly volumeEpoch: VolumeEpoch;
  readonly lal: number;
  readonly pgs: readonly InstancePg[];
  readonly blocksPerPg: number;
  readonly retransmitAfterMs: number;
  readonly linkBusyMsPerBatch: number;
  readonly maxBatchRecords: number;
  readonly metadataId: string;
  readonly controlPlaneId: string;
  readonly storageControlPlaneId: string;
  readonly commitGateId?: string;
  readonly recoveryRetryMs: number;
  readonly recoveryGraceMs: number;
  readonly cacheBlocks: number;
  readonly hedgeAfterMs: number;
  readonly fencedRestartMs: number;
  /** A Serverless v2 instance's scaler and starting capacity; `cacheBlocks` then follows capacity (the size in force). */
  readonly serverless?: InstanceServerless;
  readonly applyMsPerRecord: number;
  readonly maxReplicaLagMs: number;
  readonly replicaRestartMs: number;
  readonly mrplReportMs: number;
  readonly isolation: WriterIsolation;
  readonly growth?: InstanceGrowth;
  /**
   * Tail segments of the topology the instance started with (members not among `fullMembers`). A
   * recovered writer's PGs come from the metadata service without kinds, so this is what keeps its
   * page reads off the tails.
   */
  readonly tails: Readonly<Record<string, true>>;
  /** The planted mistake, if any (set only when the input names one). */
  readonly plant?: PlantName;
}

/** A PG's defaults filled in. */
export function resolvePg(pg: WriterPgInput): InstancePg {
  return {
    pg: pg.pg,
    members: pg.members,
    write: pg.write,
    read: pg.read ?? pg.write,
    membershipEpoch: (pg.membershipEpoch ?? 1) as MembershipEpoch,
    fullMembers: pg.fullMembers ?? pg.members,
    ...(pg.membership === undefined ? {} : { membership: pg.membership }),
  };
}

/** The instance's input with every default filled in: the only place the defaults are. */
export function resolveInstanceOptions(input: WriterInput): InstanceOptions {
  const tails: Record<string, true> = {};
  for (const pg of input.pgs) {
    if (pg.fullMembers === undefined) continue;
    for (const member of pg.members) if (!pg.fullMembers.includes(member)) tails[member] = true;
  }
  return {
    self: input.self,
    role: input.role ?? 'writer',
    volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
    lal: input.lal,
    pgs: input.pgs.map(resolvePg),
    blocksPerPg: input.blocksPerPg,
    retransmitAfterMs: input.retransmitAfterMs,
    linkBusyMsPerBatch: input.linkBusyMsPerBatch,
    maxBatchRecords: input.maxBatchRecords ?? 256,
    metadataId: input.metadataId ?? 'metadata',
    controlPlaneId: input.controlPlaneId ?? 'control-plane',
    storageControlPlaneId: input.storageControlPlaneId ?? 'storage-control-plane',
    ...(input.commitGateId === undefined ? {} : { commitGateId: input.commitGateId }),
    recoveryRetryMs: input.recoveryRetryMs ?? 100,
    recoveryGraceMs: input.recoveryGraceMs ?? 5,
    cacheBlocks: input.cacheBlocks ?? 0,
    hedgeAfterMs: input.hedgeAfterMs ?? 4,
    fencedRestartMs: input.fencedRestartMs ?? 1_000,
    applyMsPerRecord: input.applyMsPerRecord ?? 0.01,
    maxReplicaLagMs: input.maxReplicaLagMs ?? 1_000,
    replicaRestartMs: input.replicaRestartMs ?? 2_000,
    mrplReportMs: input.mrplReportMs ?? 500,
    isolation: input.isolation ?? 'read-committed',
    tails,
    ...(input.growth === undefined ? {} : { growth: input.growth }),
    ...(input.plant === undefined ? {} : { plant: input.plant }),
    ...(input.serverless === undefined ? {} : { serverless: input.serverless }),
  };
}
