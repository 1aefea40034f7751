/**
 * The wire vocabulary: every message that crosses the kernel network between actors, and the
 * signals the physical world (AZs, regions, storage nodes, the fault injector) gives its members.
 *
 * Messages are plain, JSON-serialisable data (they go into the trace). Every request to storage
 * carries the sender's volume epoch and the PG's membership epoch, so a segment can reject stale
 * senders (SIGMOD'18 §2.4, §4.1; docs/protocol.md §7, crash recovery; §8, membership changes). Acks
 * carry the segment's SCL (SIGMOD'18 §2.3), which is all the writer needs to advance PGCL.
 */
import type { LogRecord } from '../src/protocol/lsn.js';
import type { StoredRecord, TruncationRange } from '../src/protocol/recovery.js';
import type { PagePayload } from '../src/protocol/pages.js';
import type { BacktrackVisibility, Baseline } from '../src/protocol/segment-store.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import type { WriteEra } from '../src/protocol/write-eras.js';
import type { Lsn, MembershipEpoch, PgId, RegionId, VolumeEpoch } from '../src/protocol/ids.js';
import type { LsnTime, RecordDigest } from '../src/protocol/global.js';
import type { AuthToken, ConnectionRefusal } from '../src/protocol/security.js';
import type { PageChangeMessage, PageVoteMessage } from './mw-messages.js';

/** The payload of a data record: one key of the KV view gets a value. */
export interface PutPayload {
  kind: 'put';
  key: string;
  value: string;
}

/** The payload of a commit record. */
export interface CommitPayload {
  kind: 'commit';
  txnId: number;
}

/**
 * What a redo record carries in this model. A `PagePayload` never travels in the redo stream: it
 * is a base page, the record garbage collection leaves in a segment for a block's coalesced chain
 * (see `src/protocol/segment-store.ts`).
 */
export type RedoPayload = PutPayload | CommitPayload | PagePayload;

/** A redo log record of this model. */
export type RedoRecord = LogRecord<RedoPayload>;

// ---------------------------------------------------------------------------------------------
// Writer -> segment, segment -> writer

/** A boxcar of one PG's records, sent to every segment of the PG (docs/protocol.md §4, writes and commits). */
export interface WriteBatchMessage {
  type: 'writeBatch';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  membershipEpoch: MembershipEpoch;
  records: readonly RedoRecord[];
}

/** A segment persisted a batch; `scl` is its SCL after persisting. */
export interface WriteAckMessage {
  type: 'writeAck';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  scl: Lsn;
  /** Highest LSN of the batch acknowledged (for the writer's latency bookkeeping). */
  lsnLast: Lsn;
}

/** Why a segment refused a request. */
export type RejectReason = 'staleVolumeEpoch' | 'staleMembershipEpoch';

/** A segment refused a request from a stale epoch; the sender must refresh or stand down. */
export interface WriteRejectMessage {
  type: 'writeReject';
  from: string;
  pg: PgId;
  reason: RejectReason;
  volumeEpoch: VolumeEpoch;
  membershipEpoch: MembershipEpoch;
}

// ---------------------------------------------------------------------------------------------
// Segment <-> segment gossip (docs/protocol.md §6, gossip, repair and GC; §13, V9)

/** "I am complete to `scl`; send me what you have beyond it." Carries the puller's truncation ranges. */
export interface GossipPullMessage {
  type: 'gossipPull';
  from: string;
  pg: PgId;
  scl: Lsn;
  membershipEpoch: MembershipEpoch;
  truncations: readonly TruncationRange[];
  /** The puller's backtrack in force, if any (docs/protocol.md §10, backtrack): a peer that missed it learns it. */
  backtrack?: BacktrackVisibility;
}

/** The answer to a pull: records above the puller's SCL that the responder holds. */
export interface GossipPushMessage {
  type: 'gossipPush';
  from: string;
  pg: PgId;
  scl: Lsn;
  membershipEpoch: MembershipEpoch;
  records: readonly StoredRecord<RedoPayload>[];
  /** The responder's truncation ranges: a segment that missed a recovery learns it here (R2). */
  truncations: readonly TruncationRange[];
  /** The responder's backtrack in force, if any: a segment that missed it learns it here. */
  backtrack?: BacktrackVisibility;
  /**
   * Set when the puller is behind the responder's GC point: `records` then starts with the
   * responder's base pages above the puller's SCL (full-segment repair from a block baseline,
   * docs/protocol.md §6, gossip, repair and GC).
   */
  baseline?: Baseline;
  /**
   * The responder's minimum-read-point table (instance → report, GC ticks since it arrived): a
   * member that joined by a membership change learns the instances that still report only to the
   * members they started with.
   */
  mrplByInstance: Readonly<Record<string, { mrplLsn: Lsn; idleTicks: number }>>;
}

/**
 * A gossip request from a stale membership epoch was refused. It carries the responder's member
 * set at its epoch, so a member that missed the writer's `membershipChange` (a lost message) learns
 * the configuration from its first refused pull and catches up, instead of being refused for good.
 */
export interface GossipRejectMessage {
  type: 'gossipReject';
  from: string;
  pg: PgId;
  membershipEpoch: MembershipEpoch;
  members: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Recovery (docs/protocol.md §7, crash recovery): recovering instance <-> segments, instance <->
// metadata

/** Open the PG at a new volume epoch: the segment adopts it (fence first) and reports its state. */
export interface RecoveryOpenMessage {
  type: 'recoveryOpen';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  /** Records at or below the anchor are known durable; only those above are reported. */
  anchorLsn: Lsn;
  /**
   * A backtrack's recovery (docs/protocol.md §10, backtrack): the hidden set to install before
   * answering, so the recovery reads the volume as it was at the time gone back to.
   */
  backtrack?: BacktrackVisibility;
}

/** A segment's answer to a recovery read: its SCL and every record it holds above the anchor. */
export interface RecoveryStateMessage {
  type: 'recoveryState';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  scl: Lsn;
  records: readonly StoredRecord<RedoPayload>[];
  truncations: readonly TruncationRange[];
  /** Records at or below it come only as base pages (in `records`); see `RecoveryResponse`. */
  gcPoint: Lsn;
  /** The PG's last record at or below `gcPoint`. */
  lastPgLsnAtGc: Lsn;
}

/** Annul a range at a volume epoch (epoch-versioned, R2). */
export interface TruncateMessage {
  type: 'truncate';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  range: TruncationRange;
}

/** The segment applied (and persisted) the range; `scl` is its SCL afterwards. */
export interface TruncateAckMessage {
  type: 'truncateAck';
  from: string;
  pg: PgId;
  volumeEpoch: VolumeEpoch;
  scl: Lsn;
}

/** Metadata service: read the current volume epoch and what recovery needs to know. */
export interface MetadataReadMessage {
  type: 'metadataRead';
  from: string;
}

/** Metadata service: set the volume epoch to `next` iff it is `expected` (compare-and-set). */
export interface EpochCasMessage {
  type: 'epochCas';
  from: string;
  expected: VolumeEpoch;
  next: VolumeEpoch;
}

/** Metadata service: store a truncation range before it is written to segments (R2). */
export interface RecordTruncationMessage {
  type: 'recordTruncation';
  from: string;
  volumeEpoch: VolumeEpoch;
  range: TruncationRange;
}

/** The metadata service's state, in answer to a read, a CAS (with `ok`) or a recorded range. */
export interface MetadataStateMessage {
  type: 'metadataState';
  from: string;
  /** For a CAS: whether it took effect; for a read or a recorded range: true. */
  ok: boolean;
  request: 'read' | 'cas' | 'recordTruncation' | 'recordGeometry';
  volumeEpoch: VolumeEpoch;
  /**
   * The volume's geometry epoch: one more per PG added since the volume was created at 1
   * (docs/protocol.md §1.1). Set only in the answer to `recordGeometry`.
   */
  geometryEpoch?: number;
  /** Recovery reads records above this LSN. */
  anchorLsn: Lsn;
  truncations: readonly TruncationRange[];
  /**
   * Every PG's configuration in force (membership changes move them on); in the answer to
   * `recordGeometry`, only the PG the request named.
   */
  pgConfigs: Readonly<Record<number, PgConfigRecord>>;
}

// ---------------------------------------------------------------------------------------------
// Control plane <-> instances (docs/protocol.md §9, failover)

/** A health check. */
export interface HealthPingMessage {
  type: 'healthPing';
  from: string;
  round: number;
}

/** An instance's answer to a health check: its role and state. */
export interface HealthPongMessage {
  type: 'healthPong';
  from: string;
  round: number;
  role: 'writer' | 'reader' | 'standby';
  state: string;
  volumeEpoch: VolumeEpoch;
}

/** Become the writer: run crash recovery, then open the volume. */
export interface PromoteMessage {
  type: 'promote';
  from: string;
  /**
   * A Global Database secondary promoted: recovery opens at most at `durableLsn` and annuls
   * everything up to `highestWrittenLsn`, docs/protocol.md §11.1. Absent for a promotion within a
   * cluster (§9, failover).
   */
  recoverTo?: RecoverTo;
}

/** Where a promoted Global Database secondary's recovery opens and how far it annuls (§11.1). */
export interface RecoverTo {
  /** The region's durable LSN: a CPL at or below the shipped primary VDL and the volume's VCL. */
  durableLsn: Lsn;
  /** The highest LSN the region's replication agent wrote to the volume. */
  highestWrittenLsn: Lsn;
  /** Who hears `writerOpen`: the agent that promotes; absent, the instance's control plane. */
  reportTo?: string;
  /**
   * A backtrack (docs/protocol.md §10, backtrack): the LSN ranges hidden at the time gone back to.
   * The recovery hides those and everything above `durableLsn` rather than annulling it.
   */
  backtrack?: { hidden: readonly { fromLsn: Lsn; toLsn: Lsn }[] };
}

/**
 * Backtrack the cluster in place (docs/protocol.md §10, backtrack): the open writer drops its
 * connections and uncommitted work and recovers the volume as it was at `toLsn`, a VDL it reached,
 * hiding what the volume did not show then (`hidden`) and everything above it.
 */
export interface BacktrackMessage {
  type: 'backtrack';
  from: string;
  toLsn: Lsn;
  hidden: readonly { fromLsn: Lsn; toLsn: Lsn }[];
}

/**
 * A recovered writer tells the control plane it is open. A Global Database secondary promoted
 * with `recoverTo` also says the VDL its recovery opened at (docs/protocol.md §11.1).
 */
export interface WriterOpenMessage {
  type: 'writerOpen';
  from: string;
  volumeEpoch: VolumeEpoch;
  recoveredVdl?: Lsn;
  /** With `recoveredVdl`: the last LSN of the truncation range the recovery wrote. */
  truncatedThroughLsn?: Lsn;
}

// ---------------------------------------------------------------------------------------------
// Membership changes (docs/protocol.md §8; §13, M1–M3)

/** A PG configuration as carried in messages and kept by the metadata service. */
export interface PgConfigRecord {
  pg: PgId;
  membershipEpoch: MembershipEpoch;
  /** Every member (during a replacement: the old members and the new one). */
  members: readonly string[];
  write: QuorumPredicate;
  read: QuorumPredicate;
  /**
   * What the PG is made of and the changes under way, as the metadata service keeps it: a writer
   * that takes over mid-change carries the changes on (set only on `recordMembership`).
   */
  membership?: PgMembership;
}

/** Who is in a configuration and its quorums, without the epoch. */
export interface ConfigShape {
  members: readonly string[];
  write: QuorumPredicate;
  read: QuorumPredicate;
}

/** A change that may go forward or back; `id` names it to the storage control plane. */
export type MembershipChange =
  | { kind: 'replace'; id: string; failed: string; replacement: string }
  | { kind: 'model'; id: 'model:degraded' | 'model:restored'; target: ConfigShape };

/** What a PG is made of, between steps. */
export interface PgMembership {
  base: ConfigShape;
  active: MembershipChange[];
  /** Configurations that were in force before the current one (see `write-eras.ts`). */
  eras: WriteEra[];
  /** A degraded PG: the model it left (a restore returns to it), renamed by replacements since. */
  degradedFrom?: ConfigShape;
}


/** Storage control plane -> writer: replace a segment that stayed unreachable. */
export interface ReplaceSegmentMessage {
  type: 'replaceSegment';
  from: string;
  pg: PgId;
  failed: string;
  replacement: string;
}

/**
 * Storage control plane -> writer: change a PG's quorum model (docs/protocol.md §13, M3).
 * `degraded` drops `azMembers` (both members in an AZ that stayed out) for W = 3/4, R = 2/4 of the
 * other four; `restored` brings them back to the model the PG left.
 */
export interface ChangeQuorumModelMessage {
  type: 'changeQuorumModel';
  from: string;
  pg: PgId;
  model: 'degraded' | 'restored';
  azMembers: readonly string[];
}

/**
 * Storage control plane -> writer: finish one active change — `forward` to its new configuration
 * (the replacement, or the other quorum model) or `back` to the one it started from. `change` is
 * the replacement segment's id, or `model:degraded` / `model:restored`.
 */
export interface FinishMembershipChangeMessage {
  type: 'finishMembershipChange';
  from: string;
  pg: PgId;
  change: string;
  outcome: 'forward' | 'back';
}

/** Writer -> members: the PG moves to the next membership epoch (itself a write needing a write quorum). */
export interface MembershipChangeMessage {
  type: 'membershipChange';
  from: string;
  config: PgConfigRecord;
}

/** A member adopted (or already held) a membership epoch. */
export interface MembershipAckMessage {
  type: 'membershipAck';
  from: string;
  pg: PgId;
  membershipEpoch: MembershipEpoch;
}

/** Writer -> storage control plane: a PG's configuration in force and the changes active in it. */
export interface MembershipStatusMessage {
  type: 'membershipStatus';
  from: string;
  pg: PgId;
  config: PgConfigRecord;
  /** Ids of the changes that are active (entered, not finished). */
  active: readonly string[];
}

/** Writer -> metadata service: the PG's configuration now in force (recovery reads it). */
/**
 * The writer needs the volume to have at least `pgCount` PGs (a put lands past its last PG;
 * docs/protocol.md §1.1, storage growth). Repeated while the write waits; idempotent.
 */
export interface GrowVolumeMessage {
  type: 'growVolume';
  from: string;
  pgCount: number;
  /** The PGs the sender knows of now: the answer brings the ones it lacks. */
  pgCountKnown: number;
}

/**
 * The storage control plane asks the metadata service to add one PG to the volume's geometry at
 * `geometryEpoch` (the current one plus one). The service takes it only in order; the answer is a
 * `metadataState` with request `recordGeometry`.
 */
export interface RecordGeometryMessage {
  type: 'recordGeometry';
  from: string;
  geometryEpoch: number;
  config: PgConfigRecord;
}

/**
 * The volume has grown: the PGs recorded at geometry epochs up to `geometryEpoch`, in PG order
 * (those the receiver lacked). Sent by the storage control plane to every instance once the
 * metadata service holds them, and again to a writer that asks (`growVolume`).
 */
export interface GeometryChangedMessage {
  type: 'geometryChanged';
  from: string;
  geometryEpoch: number;
  configs: readonly PgConfigRecord[];
}

export interface RecordMembershipMessage {
  type: 'recordMembership';
  from: string;
  config: PgConfigRecord;
}

/** A segment's answer to a storage health check. */
export interface SegmentPongMessage {
  type: 'segmentPong';
  from: string;
  round: number;
  pg: PgId;
  state: string;
  scl: Lsn;
  membershipEpoch: MembershipEpoch;
}

// ---------------------------------------------------------------------------------------------
// Page reads (docs/protocol.md §5): no quorum, one segment complete to the read point

/** Read a block at a read point (the reader's VDL when it issued the read). */
export interface ReadPageMessage {
  type: 'readPage';
  from: string;
  requestId: number;
  pg: PgId;
  blockId: number;
  readPoint: Lsn;
  volumeEpoch: VolumeEpoch;
  /**
   * The lowest SCL at which a segment holds every PG record at or below the read point: the PG's
   * last record at or below it, as far as the reader knows (docs/protocol.md §13, V1), never above
   * the read point. @defaultValue readPoint (the conservative `SCL ≥ readPoint`)
   */
  sclMin?: Lsn;
}

/** The block's key values materialised at the read point. */
export interface PageDataMessage {
  type: 'pageData';
  from: string;
  requestId: number;
  pg: PgId;
  blockId: number;
  readPoint: Lsn;
  values: Readonly<Record<string, string>>;
}

/**
 * A segment cannot serve the read: a tail segment holds no blocks, the volume epoch is stale, or
 * the segment is not complete to the read point (its SCL is below `sclMin`; docs/protocol.md §5,
 * reads).
 */
export interface ReadRejectMessage {
  type: 'readReject';
  from: string;
  requestId: number;
  reason: 'tailSegment' | 'staleVolumeEpoch' | 'notComplete' | 'belowGcPoint';
}

/**
 * An instance's minimum read point for one PG (docs/protocol.md §5, reads; §13, V11): the lowest
 * read point of its reads in flight there, or its current read point when none is. Sent
 * periodically to every member; segments collect garbage only below the minimum over the instances
 * that keep reporting.
 */
export interface SetMrplMessage {
  type: 'setMrpl';
  from: string;
  pg: PgId;
  mrplLsn: Lsn;
}

// ---------------------------------------------------------------------------------------------
// Writer -> replicas (docs/protocol.md §5, read replicas)

/** Redo records (whole MTRs, in LSN order) and the writer's VDL, shipped to a replica. */
export interface RedoShipMessage {
  type: 'redoShip';
  from: string;
  volumeEpoch: VolumeEpoch;
  records: readonly RedoRecord[];
  vdl: Lsn;
}

// ---------------------------------------------------------------------------------------------
// Client <-> writer

/** One operation of a transaction. */
export type TxnOp = { f: 'put'; key: string; value: string } | { f: 'get'; key: string };

/** A client transaction sent to the writer. */
export interface TxnRequestMessage {
  type: 'txnRequest';
  from: string;
  txnId: number;
  ops: readonly TxnOp[];
  /**
   * A read-only transaction sent to a replica by a write forwarder (docs/protocol.md §11.1, write
   * forwarding): the lowest applied VDL the replica may serve it at. A replica below it refuses
   * with `belowReadAtLeast` and the forwarder asks again, so a SESSION or GLOBAL read never sees
   * less than its consistency level promises. Absent: any read point.
   */
  readAtLeastLsn?: Lsn;
  /**
   * The connection it comes on, when the cluster has a front door (docs/protocol.md §15): the
   * front door passes it to the connection's instance only while the connection is open. The
   * instance does not read it. Absent: no connection step (a cluster without a `security` section).
   */
  connectionId?: string;
}

/** The writer's answer: committed (durable: VDL >= commit LSN) with the values read. */
export interface TxnOkMessage {
  type: 'txnOk';
  from: string;
  txnId: number;
  /** LSN of the commit record, or 0 for a read-only transaction. */
  commitLsn: Lsn;
  /** Values read by the transaction's gets, in op order (null: key never written). */
  reads: readonly (string | null)[];
  /** A replica's answer: the read point its gets saw, the replica's applied VDL (docs/protocol.md §5, read replicas). */
  readPoint?: Lsn;
}

/** The writer refused the transaction; it took no effect. */
export interface TxnFailMessage {
  type: 'txnFail';
  from: string;
  txnId: number;
  /**
   * `readOnly`: a replica was sent a write; `restarting`: the replica restarted (cold cache);
   * `readPointCollected`: storage collected garbage past the replica's read point (it was cut off
   * from the segments longer than the minimum-read-point lease); `serializationFailure`: with
   * `isolation: 'serializable'`, a value it read was no longer the newest (docs/semantics.md);
   * `belowReadAtLeast`: a replica has not applied up to the request's `readAtLeastLsn` yet
   * (retryable; docs/protocol.md §11.1, write forwarding); `volumeFull`: a put lands past the
   * volume's maximum size (docs/protocol.md §1.1, storage growth; the transaction took no effect);
   * `notConnected`: the front door holds no open connection of the client's by that id (closed, or
   * never accepted; docs/protocol.md §15), so the transaction never reached an instance;
   * `deadlock`: in a multi-writer cluster, the transaction lost a page conflict to another writer
   * and was rolled back whole (MySQL error 1213; docs/protocol.md §11.2).
   */
  reason:
    | 'writerUnavailable'
    | 'recovering'
    | 'fenced'
    | 'overloaded'
    | 'invalid'
    | 'readOnly'
    | 'restarting'
    | 'readPointCollected'
    | 'serializationFailure'
    | 'belowReadAtLeast'
    | 'volumeFull'
    | 'notConnected'
    | 'deadlock';
}

/**
 * A write forwarder asks the primary's writer for its VDL (docs/protocol.md §11.1, write
 * forwarding, GLOBAL): every commit the primary acknowledged before the question left is at or
 * below the answer.
 */
export interface VdlQueryMessage {
  type: 'vdlQuery';
  from: string;
  queryId: number;
}

/** The writer's answer to a {@link VdlQueryMessage}: its VDL when the question arrived. */
export interface VdlAnswerMessage {
  type: 'vdlAnswer';
  from: string;
  queryId: number;
  vdl: Lsn;
}

// ---------------------------------------------------------------------------------------------
// Global Database regions (docs/protocol.md §11.1; §13, G1–G5): the region statechart
// (models/global-region.machine.ts) and the actors around it

/**
 * A replicator shipped whole MTRs of the primary's redo to a secondary region, with the primary
 * VDL as it advanced (§13, G1). `records` are digests, by LSN; `commits` are the primary's commits
 * acknowledged since the previous shipment, by LSN, with their times.
 */
export interface GlobalShipMessage {
  type: 'globalShip';
  from: string;
  /**
   * The highest LSN the agent had taken before this shipment: the statechart takes a report only
   * once it holds everything up to there, so a report overtaken on the way cannot leave a hole in
   * what it reports (S17). Absent: taken as it comes.
   */
  afterLsn?: Lsn;
  records: readonly RecordDigest[];
  primaryVdl: Lsn;
  commits: readonly LsnTime[];
}

/**
 * What the primary's replicator sends a secondary region's replication agent (§11.1; §13, G1):
 * the records themselves, in whole MTRs, numbered per region from 1 so the agent takes them in
 * order, once each, and acknowledges them; a shipment lost on the way is sent again.
 */
export interface GlobalApplyMessage {
  type: 'globalApply';
  from: string;
  seq: number;
  records: readonly RedoRecord[];
  primaryVdl: Lsn;
  commits: readonly LsnTime[];
}

/**
 * A replication agent took every shipment up to `seq` (cumulative); `missing` lists the numbers
 * above it it lacks while holding later ones (lost on the link, or still on their way), at most
 * 64, lowest first.
 */
export interface GlobalApplyAckMessage {
  type: 'globalApplyAck';
  from: string;
  region: RegionId;
  seq: number;
  missing?: readonly number[];
}

/** A secondary volume's VCL advanced by its own quorum writes (§3; §13, G1). */
export interface VolumeVclMessage {
  type: 'volumeVcl';
  from?: string;
  vcl: Lsn;
}

/** A secondary's durable LSN moved: the primary's RPO control reads it (§11.1, RPO control). */
export interface RegionDurableMessage {
  type: 'regionDurable';
  from: string;
  region: RegionId;
  durableLsn: Lsn;
}

/** The primary's writer asks whether it may acknowledge a commit now (§11.1, RPO control). */
export interface CommitGateMessage {
  type: 'commitGate';
  from: string;
  commitLsn: Lsn;
}

/**
 * The region's answer to a {@link CommitGateMessage}: `allowed`, or refused because the region is
 * read-only for a switchover or no longer the primary. A commit held by RPO control is answered
 * only once it is let through.
 */
export interface CommitGateAnswerMessage {
  type: 'commitGateAnswer';
  from: string;
  commitLsn: Lsn;
  allowed: boolean;
  reason?: 'readOnly' | 'notPrimary';
}

/**
 * A region asks its own volume's recovery endpoint to recover the volume (§7) at its durable
 * point, to open it as a primary (`switchover`, `failover`) or as a standalone cluster (`detach`).
 */
export interface GlobalRecoverMessage {
  type: 'globalRecover';
  from: string;
  region: RegionId;
  how: 'switchover' | 'failover' | 'detach';
  /** The durable LSN the region holds: recovery truncates above it (§11.1, managed failover). */
  durableLsn: Lsn;
}

/** The region's volume is recovered and open at `vdl`, its first VDL. */
export interface GlobalRecoveredMessage {
  type: 'recovered';
  from: string;
  vdl: Lsn;
  /**
   * The last LSN of the truncation range the recovery wrote (§7): the new writer's LSNs continue
   * above it, and a region that follows the new primary annuls its own records up to it.
   */
  truncatedThroughLsn?: Lsn;
  /** The instance that opened as the region's writer. */
  writer?: string;
}

/**
 * Switchover (§13, G3): the primary region asks its writer to stop taking writes (`readOnly`), or
 * to take them again when the switchover is called off. The writer answers each request with a
 * {@link WriterReadOnlyMessage}.
 */
export interface ReadOnlyRequestMessage {
  type: 'readOnlyRequest';
  from: string;
  readOnly: boolean;
}

/**
 * A writer's answer to a {@link ReadOnlyRequestMessage}: its VDL, and whether it is `drained`:
 * nothing waits for an LSN, no commit waits for its acknowledgement, and VDL covers every LSN it
 * allocated. A drained read-only writer's VDL is final.
 */
export interface WriterReadOnlyMessage {
  type: 'writerReadOnly';
  from: string;
  readOnly: boolean;
  vdl: Lsn;
  drained: boolean;
}

/**
 * The writer's region is a secondary now (§13, G3): the writer steps down, and restarts as a
 * read-only instance that the region's replication agent feeds.
 */
export interface StepDownMessage {
  type: 'stepDown';
  from: string;
}

/**
 * The region's cluster is a secondary now: its control plane no longer fails its writer over,
 * since the region's replication agent writes to the volume (§11.1, switchover).
 */
export interface StandDownMessage {
  type: 'standDown';
  from: string;
}

/**
 * A region follows a new primary (§13, G3): its replication agent claims the volume (a newer
 * volume epoch, which fences any writer of the region at the storage layer), annuls its records
 * in (`startLsn`, `truncateThroughLsn`], and takes shipments from `replicator` from `startLsn` on.
 */
export interface GlobalFollowMessage {
  type: 'globalFollow';
  from: string;
  primaryRegion: RegionId;
  replicator: string;
  startLsn: Lsn;
  truncateThroughLsn: Lsn;
  /**
   * What the region holds of the log, at most `startLsn`: below the start after a managed failover
   * to a region that was ahead of it. The agent then copies (`holdsThroughLsn`, `startLsn`] from
   * `copyFrom`, the new primary's agent, before it takes shipments (§13, G4). Absent: `startLsn`.
   */
  holdsThroughLsn?: Lsn;
  copyFrom?: string;
  /** An old primary rejoining after a managed failover: the agent tells its statechart `rebuilt` once it follows. */
  rebuild?: boolean;
}

/** A rebuild's copy (§13, G4): the records of (`afterLsn`, `throughLsn`] the asker lacks, at most `maxRecords` (extended to a CPL). */
export interface GlobalCopyRequestMessage {
  type: 'globalCopyRequest';
  from: string;
  afterLsn: Lsn;
  throughLsn: Lsn;
  maxRecords: number;
}

/** Records the new primary's region holds, in LSN order from just above `afterLsn`, ending on a CPL; `done` when they reach the request's end. */
export interface GlobalCopyBatchMessage {
  type: 'globalCopyBatch';
  from: string;
  region: RegionId;
  afterLsn: Lsn;
  records: readonly RedoRecord[];
  done: boolean;
}

/** The old primary's storage is fenced: it acknowledges no more commits (S18). */
export interface GlobalFencedMessage {
  type: 'fenced';
  from: string;
  region: RegionId;
}

/** The agent claimed the volume from `vdl`, the new primary's start (a rejoin): the region replicates from there. */
export interface GlobalRebuiltMessage {
  type: 'rebuilt';
  from: string;
  vdl: Lsn;
}

/** Switchover (§13, G3): the target asks the primary to begin one, handing over to `target`. */
export interface BeginSwitchoverMessage {
  type: 'beginSwitchover';
  from?: string;
  target?: RegionId;
}

/** Switchover: the primary tells the target its final VDL; the target promotes iff `switchoverDecision` allows. */
export interface SwitchoverMessage {
  type: 'switchover';
  from: string;
  primaryVdl: Lsn;
  primaryReadOnly: boolean;
}

/** Where a new primary starts: its recovered VDL and the end of its recovery's truncation range. */
export interface PrimaryStart {
  vdl: Lsn;
  truncateThroughLsn?: Lsn;
  /** Promotions so far, this one included. */
  primaryTerm?: number;
}

/** Switchover, to the old primary once the target is open: follow it from its start. */
export interface DemoteMessage extends PrimaryStart {
  type: 'demote';
  from?: string;
  newPrimary: RegionId;
}

/**
 * After a managed failover, to the old primary (§13, G2 and G4): follow the new primary from its
 * start. Its agent's claim of the volume, a newer volume epoch written to a write quorum of every
 * PG, is the fence through the storage layer; once done, the region answers `fenced`.
 */
export interface RejoinMessage extends PrimaryStart {
  type: 'rejoin';
  from?: string;
  newPrimary: RegionId;
}

/** A promotion, to the other secondaries; with a start (after a switchover), they follow the new primary from there. */
export interface PrimaryChangedMessage extends Partial<PrimaryStart> {
  type: 'primaryChanged';
  from?: string;
  primary: RegionId;
}

/** A secondary was detached (§11.1, detach and promote): the primary stops counting it. */
export interface RegionDetachedMessage {
  type: 'regionDetached';
  from: string;
  region: RegionId;
}

/** A switchover's target refused it, and why (`switchoverDecision`, §13, G3). */
export interface SwitchoverRefusedMessage {
  type: 'switchoverRefused';
  from: string;
  region: RegionId;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Signals from the physical world and the fault injector. They are not network messages: the
// kernel delivers them at once, because a power cut does not travel over a link.

/** A member's AZ or region went out, or came back. */
export interface OutageSignal {
  type: 'outage' | 'recover';
  /** Which enclosing failure domain: the storage node, the AZ or the region. */
  cause: 'node' | 'az' | 'region';
}

/** A process crash (in-memory state lost, persisted state kept) or its restart. */
export interface ProcessSignal {
  type: 'crash' | 'restart';
}

/** Make a segment's disk slower by a factor (a latency outlier), or normal again (factor 1). */
export interface SlowDiskSignal {
  type: 'slowDisk';
  factor: number;
}

/** Every message that crosses the network. */
/**
 * A segment asks the object store how far its PG is staged (docs/protocol.md §10, continuous
 * backup): the answer is a {@link StagedPointMessage}.
 */
export interface StageQueryMessage {
  type: 'stageQuery';
  from: string;
  pg: PgId;
}

/**
 * A segment stages its PG's records in (afterLsn, throughLsn] — afterLsn being the staged point
 * the store last told it — with the truncation ranges it holds (SIGMOD'17 §3.3 step 6).
 */
export interface StagePutMessage {
  type: 'stagePut';
  from: string;
  pg: PgId;
  afterLsn: Lsn;
  throughLsn: Lsn;
  records: readonly StoredRecord<RedoPayload>[];
  truncations: readonly TruncationRange[];
  /** The put took all one put may carry and the segment holds more up to its SCL: it puts again on the answer. */
  more?: true;
}

/**
 * The object store's staged point of a PG: the answer to a query (`request: 'query'`) or to a put
 * (`request: 'put'`). Everything of the PG at or below it is in the store, so a segment may collect
 * up to it (S14).
 */
export interface StagedPointMessage {
  type: 'stagedPoint';
  from: string;
  pg: PgId;
  request: 'query' | 'put';
  stagedLsn: Lsn;
  /** How long ago, by the store's clock, the staged point last moved. */
  stagedAgeMs: number;
  /** Echoed from the put it answers: the stager has more to put. */
  more?: true;
}

/** The object store is throttling (S3's `SlowDown`): the request was not served; try again later. */
export interface SlowDownMessage {
  type: 'slowDown';
  from: string;
  pg: PgId;
}

/** A restored segment asks the object store for its PG as of `throughLsn` (docs/protocol.md §10, restore). */
export interface RestoreFetchMessage {
  type: 'restoreFetch';
  from: string;
  pg: PgId;
  throughLsn: Lsn;
  /** A manual snapshot to restore from, instead of the continuous backup. */
  snapshot?: string;
  /** To a clone's source segment: copy the data at this rate (MB/s) rather than share it (docs/protocol.md §10, fast clones). */
  fullCopyMBps?: number;
  /** To a clone's source segment: the PG's last LSN at or below the point (its SCL must reach it). */
  pgThroughLsn?: Lsn;
}

/**
 * The PG as of `throughLsn`: the base pages of a snapshot at or below it, with the snapshot's
 * baseline, and the staged records above the snapshot up to `throughLsn`. Or, with `refused`, why
 * the store cannot give it.
 */
export interface RestoreDataMessage {
  type: 'restoreData';
  from: string;
  pg: PgId;
  throughLsn: Lsn;
  bases: readonly StoredRecord<RedoPayload>[];
  baseline: Baseline;
  records: readonly StoredRecord<RedoPayload>[];
  bytes: number;
  /**
   * From the object store: not staged that far, before the retention window, no such snapshot.
   * From a clone's source segment: not holding the point yet, or coalesced past it.
   */
  refused?: 'notStaged' | 'beforeRetention' | 'noSuchSnapshot' | 'sourceBehind' | 'pointCollected';
}

/**
 * A restore job tells a segment of the new volume to build its PG as of `throughLsn` from the
 * object store (docs/protocol.md §10, point-in-time restore).
 */
export interface RestoreFromMessage {
  type: 'restoreFrom';
  from: string;
  throughLsn: Lsn;
  /** A manual snapshot to restore from, instead of the continuous backup. */
  snapshot?: string;
  /** A clone's: the PG's last LSN at or below the point, which a source segment's SCL must reach. */
  pgThroughLsn?: Lsn;
}

/** A new volume's segment holds its PG as of `throughLsn`: it restored from the object store. */
export interface SegmentRestoredMessage {
  type: 'segmentRestored';
  from: string;
  pg: PgId;
  throughLsn: Lsn;
  bytes: number;
}

/** The object store refused a new volume's segment its PG as of `throughLsn`, for `reason`. */
export interface SegmentRestoreFailedMessage {
  type: 'segmentRestoreFailed';
  from: string;
  pg: PgId;
  throughLsn: Lsn;
  reason: 'notStaged' | 'beforeRetention' | 'noSuchSnapshot' | 'pointCollected';
}

export type WireMessage =
  | SetMrplMessage
  | ReadPageMessage
  | PageDataMessage
  | ReadRejectMessage
  | ReplaceSegmentMessage
  | ChangeQuorumModelMessage
  | FinishMembershipChangeMessage
  | MembershipChangeMessage
  | MembershipAckMessage
  | MembershipStatusMessage
  | RecordMembershipMessage
  | GrowVolumeMessage
  | RecordGeometryMessage
  | GeometryChangedMessage
  | SegmentPongMessage
  | RedoShipMessage
  | RecoveryOpenMessage
  | RecoveryStateMessage
  | TruncateMessage
  | TruncateAckMessage
  | MetadataReadMessage
  | EpochCasMessage
  | RecordTruncationMessage
  | MetadataStateMessage
  | HealthPingMessage
  | HealthPongMessage
  | PromoteMessage
  | BacktrackMessage
  | WriterOpenMessage
  | WriteBatchMessage
  | WriteAckMessage
  | WriteRejectMessage
  | GossipPullMessage
  | GossipPushMessage
  | GossipRejectMessage
  | TxnRequestMessage
  | TxnOkMessage
  | TxnFailMessage
  | VdlQueryMessage
  | VdlAnswerMessage
  | GlobalShipMessage
  | GlobalApplyMessage
  | GlobalApplyAckMessage
  | VolumeVclMessage
  | RegionDurableMessage
  | CommitGateMessage
  | CommitGateAnswerMessage
  | GlobalRecoverMessage
  | GlobalRecoveredMessage
  | GlobalFencedMessage
  | GlobalRebuiltMessage
  | ReadOnlyRequestMessage
  | WriterReadOnlyMessage
  | StepDownMessage
  | StandDownMessage
  | GlobalFollowMessage
  | GlobalCopyRequestMessage
  | GlobalCopyBatchMessage
  | RegionDetachedMessage
  | BeginSwitchoverMessage
  | SwitchoverMessage
  | DemoteMessage
  | PrimaryChangedMessage
  | RejoinMessage
  | SwitchoverRefusedMessage
  | StageQueryMessage
  | StagePutMessage
  | StagedPointMessage
  | SlowDownMessage
  | RestoreFetchMessage
  | RestoreDataMessage
  | RestoreFromMessage
  | SegmentRestoredMessage
  | SegmentRestoreFailedMessage
  | ConnectRequestMessage
  | ConnectAcceptedMessage
  | ConnectRefusedMessage
  | PageChangeMessage
  | PageVoteMessage;

/**
 * Params of the named `send` action every machine uses (docs/architecture.md, "One machine, two
 * interpreters").
 */
export interface SendParams<M = WireMessage> {
  to: string;
  message: M;
}

/** Params of the named `signal` action: an immediate, network-free event to another actor. */
export interface SignalParams {
  to: string;
  event: OutageSignal | ProcessSignal;
}

// ---------------------------------------------------------------------------------------------
// Client <-> front door (docs/protocol.md §15)

/**
 * A client opens a connection to `instance` (the instance its endpoint resolved to): the front
 * door checks the network, TLS and authentication, in that order (src/protocol/security.ts).
 */
export interface ConnectRequestMessage {
  type: 'connectRequest';
  from: string;
  /** The client's number for this attempt, echoed in the answer. */
  requestId: number;
  instance: string;
  user: string;
  /** The client's IPv4 address, as the security group sees it. */
  address: string;
  tls: boolean;
  /** An IAM database authentication token, if the client has one. */
  token?: AuthToken;
}

/** The connection is open: statements may go on it (`txnRequest` with its `connectionId`). */
export interface ConnectAcceptedMessage {
  type: 'connectAccepted';
  from: string;
  requestId: number;
  connectionId: string;
  instance: string;
}

/**
 * The connection was refused by TLS or authentication. A refusal by the network is never
 * answered: the security group drops the packet.
 */
export interface ConnectRefusedMessage {
  type: 'connectRefused';
  from: string;
  requestId: number;
  reason: ConnectionRefusal;
}
