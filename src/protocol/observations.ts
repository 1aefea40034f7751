/**
 * Observations: what machines report to the judges, as plain data.
 *
 * A machine reports a protocol step by running the named action `observe` with one of these as
 * params (an effect, like `send`). Assembly hands them to the invariant checkers in `src/check`,
 * which hold their own bookkeeping and never read a machine's memory: the writer's claims (VDL,
 * commit acks) are judged against what segments say they persisted (docs/protocol.md §12,
 * invariants).
 */
import type { PageChange, PageVote } from './page-conflicts.js';
import type { QuorumPredicate } from './quorum.js';
import type { StoredRecord } from './recovery.js';
import type { SecurityObservation } from './security.js';

/** The writer allocated an MTR's LSNs (S1, S2). */
export interface AllocatedObservation {
  kind: 'allocated';
  instance: string;
  volumeEpoch: number;
  /** VDL in force when allocating, and the LAL: S2 requires every LSN <= vdl + lal. */
  vdl: number;
  lal: number;
  records: readonly { lsn: number; pg: number; isCpl: boolean }[];
  /** The transaction the MTR belongs to (its CPL is the commit record). */
  txnId?: number;
  /**
   * The MTR's puts in op order: what the commit writes (S13's oracle of committed state).
   * Absent = none.
   */
  puts?: readonly { key: string; value: string }[];
}

/** The writer's watermarks changed (S3, S4). */
export interface WatermarksObservation {
  kind: 'watermarks';
  instance: string;
  volumeEpoch: number;
  vcl: number;
  vdl: number;
  maxAllocated: number;
}

/** A segment persisted records (from a write batch or from gossip) at a volume epoch (S4, S7). */
export interface PersistedObservation {
  kind: 'persisted';
  segment: string;
  pg: number;
  /** The instance whose write batch carried the records, or the gossip peer's id. */
  source: string;
  via: 'write' | 'gossip';
  volumeEpoch: number;
  /** The segment's own volume epoch when it persisted (S8a: never above the records' epoch after fencing). */
  segmentVolumeEpoch: number;
  lsns: readonly number[];
  scl: number;
  /**
   * The records of `lsns` as persisted (stamped with their volume epoch), in the same order. A
   * segment's store is a persistent value and a live actor publishes its new snapshot only after
   * its step, so whoever keeps the records (the record archive that judges S10 and S14) takes them
   * from here, not from the store. Judge tests that need no records leave it out.
   */
  records?: readonly StoredRecord[];
}

/** A segment adopted a newer volume epoch: from now on it rejects older writers (S8, fence first). */
export interface EpochAdoptedObservation {
  kind: 'epochAdopted';
  segment: string;
  pg: number;
  /** The epoch it held before, and the one it adopted. */
  volumeEpochBefore: number;
  volumeEpoch: number;
  /** Why: answering a recovery read (fence first, docs/protocol.md §7, crash recovery) or a newer writer's request. */
  via: 'recoveryOpen' | 'write' | 'truncate';
}

/** A recovering instance computed VCL'/VDL' and the truncation range (docs/protocol.md §7, crash recovery). */
export interface RecoveredObservation {
  kind: 'recovered';
  instance: string;
  volumeEpoch: number;
  anchorLsn: number;
  vcl: number;
  vdl: number;
  /** Annulled LSNs, both ends inclusive: (vdl, vdl + lal]. */
  truncationFromLsn: number;
  truncationToLsn: number;
}

/** A segment applied a truncation range and dropped the records it annuls (S9). */
export interface TruncationAppliedObservation {
  kind: 'truncationApplied';
  segment: string;
  pg: number;
  volumeEpoch: number;
  fromLsn: number;
  toLsn: number;
  droppedLsns: readonly number[];
  scl: number;
}

/**
 * A segment installed a backtrack's hidden set (docs/protocol.md §10, backtrack): how many of its
 * records it hid and how many an earlier backtrack had hidden it showed again, and its SCL after.
 */
export interface BacktrackAppliedObservation {
  kind: 'backtrackApplied';
  segment: string;
  pg: number;
  volumeEpoch: number;
  hidden: number;
  shown: number;
  scl: number;
}

/** A recovered instance opened the volume for writes at a new epoch. */
export interface WriterOpenedObservation {
  kind: 'writerOpened';
  instance: string;
  volumeEpoch: number;
  /** First LSN it will allocate: above the truncation range (S1). */
  nextLsn: number;
  /** The VDL it starts from: the end of the truncation range. */
  vdl: number;
}

/** The writer acknowledged a commit to a client (S5). */
export interface CommitAckObservation {
  kind: 'commitAck';
  instance: string;
  volumeEpoch: number;
  txnId: number;
  commitLsn: number;
  vdl: number;
}

/** A replica applied redo up to `appliedLsn`: everything committed at or below it is visible there. */
export interface ReplicaAppliedObservation {
  kind: 'replicaApplied';
  instance: string;
  volumeEpoch: number;
  appliedLsn: number;
  /** The VDL the replica knew when it applied (S12: applied ≤ known VDL ≤ writer VDL). */
  knownVdl: number;
}

/** A replica dropped its cache and backlog: it lagged too far, lost part of the stream, or follows a new writer. */
export interface ReplicaRestartedObservation {
  kind: 'replicaRestarted';
  instance: string;
  reason: 'lag' | 'gap' | 'newWriter';
}

/** A PG's membership change reached a write quorum of the configuration it leaves and is in force (S15). */
export interface MembershipInstalledObservation {
  kind: 'membershipInstalled';
  instance: string;
  pg: number;
  phase: 'entering' | 'finishing';
  /** The change the step enters or finishes: a replacement segment's id, `model:degraded` or `model:restored`. */
  change?: string;
  previousEpoch: number;
  membershipEpoch: number;
  members: readonly string[];
  write: QuorumPredicate;
  read: QuorumPredicate;
  previousWrite: QuorumPredicate;
  /** The members whose acks made the change durable. */
  acks: readonly string[];
}

/** A segment served a page read (S10, S16): what it returned, at which read point. */
export interface PageServedObservation {
  kind: 'pageServed';
  segment: string;
  pg: number;
  blockId: number;
  readPoint: number;
  segmentKind: 'full' | 'tail';
  values: Readonly<Record<string, string>>;
}

/**
 * A replica answered a read-only transaction (docs/protocol.md §5, read replicas; §12, S13): every
 * get saw the replica's state at `readPoint`, its applied VDL when the transaction arrived.
 */
export interface ReplicaReadObservation {
  kind: 'replicaRead';
  instance: string;
  /** The writer's volume epoch the replica followed. */
  volumeEpoch: number;
  txnId: number;
  readPoint: number;
  /** What each get returned, in op order (null: no committed value). */
  reads: readonly { key: string; value: string | null }[];
  /** Some of its blocks were not cached and were read from storage at `readPoint`. */
  fromStorage: boolean;
}

/**
 * The writer dropped a block from its buffer cache (S11, docs/protocol.md §5, reads): its page LSN,
 * the VDL it judged it clean against, and how many older dirty blocks it passed over.
 */
export interface CacheEvictedObservation {
  kind: 'cacheEvicted';
  instance: string;
  volumeEpoch: number;
  blockId: number;
  pageLsn: number;
  vdl: number;
  dirtySkipped: number;
}

/** An instance issued a page read to storage (docs/protocol.md §5, reads). */
export interface ReadIssuedObservation {
  kind: 'readIssued';
  instance: string;
  requestId: number;
  pg: number;
  readPoint: number;
}

/** An instance told a PG's segments its minimum read point there (docs/protocol.md §13, V11; §12, S14). */
export interface MrplReportedObservation {
  kind: 'mrplReported';
  instance: string;
  pg: number;
  mrplLsn: number;
}

/**
 * A segment moved its GC point (docs/protocol.md §6, gossip, repair and GC, step 7; §12, S14): the
 * instances whose reports it counted (`live`), the minimum of those reports, its staged point, and
 * how many records it dropped into base pages.
 */
export interface GcAdvancedObservation {
  kind: 'gcAdvanced';
  segment: string;
  pg: number;
  gcPoint: number;
  mrplLsn: number;
  stagedLsn: number;
  scl: number;
  live: readonly string[];
  droppedRecords: number;
}

/**
 * The object store took a put: the PG's staged point moved to `stagedLsn` (docs/protocol.md §10,
 * continuous backup). `stagedAtMs` is the store's own clock.
 */
export interface StagedObservation {
  kind: 'staged';
  objectStore: string;
  pg: number;
  stagedLsn: number;
  records: number;
  bytes: number;
  stagedAtMs: number;
}

/** The object store completed a manual snapshot: every PG's pages at `throughLsn`, `bytes` in all. */
export interface SnapshotCreatedObservation {
  kind: 'snapshotCreated';
  objectStore: string;
  name: string;
  throughLsn: number;
  bytes: number;
}

/** The object store answered a restored segment's fetch of its PG as of `throughLsn`, or refused it. */
export interface RestoreServedObservation {
  kind: 'restoreServed';
  objectStore: string;
  pg: number;
  to: string;
  throughLsn: number;
  bytes: number;
  refused?: string;
}

/**
 * A restore job's progress (docs/protocol.md §10, point-in-time restore): asked to build its new
 * volume as of `throughLsn`, a PG restored on a write quorum, the writer promoted, the cluster
 * available (its writer opened at `vdl`), or failed for `reason`.
 */
export interface RestoreObservation {
  kind: 'restore';
  job: string;
  phase: 'requested' | 'pgRestored' | 'opening' | 'available' | 'failed';
  throughLsn: number;
  pg?: number;
  vdl?: number;
  reason?: string;
}

/** A segment refused a page read below its GC point (S14: only a reader it no longer counts may see this). */
export interface ReadBelowGcObservation {
  kind: 'readBelowGc';
  segment: string;
  pg: number;
  instance: string;
  readPoint: number;
  gcPoint: number;
}

/** A page read completed: the first answer won (`hedged`: a second segment was asked). */
export interface ReadDoneObservation {
  kind: 'readDone';
  instance: string;
  requestId: number;
  segment: string;
  hedged: boolean;
}

/** The control plane's failover steps (docs/protocol.md §9, failover), for the report's failover times. */
export interface FailoverObservation {
  kind: 'failover';
  phase: 'detected' | 'promoting' | 'writerOpen' | 'endpointSwitched';
  writer: string;
  candidate?: string;
}

/** Everything a machine may report. */
/**
 * The volume grew by one PG (docs/protocol.md §1.1, storage growth): the storage control plane
 * reports it once the metadata service recorded the PG at `geometryEpoch`, before any instance
 * hears of it. Judges and the world learn the new PG's members and quorums from it.
 */
export interface GeometryChangedObservation {
  kind: 'geometryChanged';
  geometryEpoch: number;
  pg: number;
  members: readonly string[];
  write: QuorumPredicate;
  read: QuorumPredicate;
}

/** The writer refused a transaction whose put lands past the volume's maximum size (`volumeFull`). */
export interface VolumeFullObservation {
  kind: 'volumeFull';
  instance: string;
  txnId: number;
  /** The PG the put would need. */
  pg: number;
  pgCountMax: number;
}

/**
 * An Aurora Serverless v2 instance's capacity or phase changed (docs/protocol.md §11.3): its scaler
 * reports each change, and the capacity at the start. Capacity is 0 while paused or resuming.
 */
export interface ServerlessCapacityObservation {
  kind: 'serverlessCapacity';
  instance: string;
  phase: 'running' | 'paused' | 'resuming';
  capacityAcu: number;
  /** The buffer-cache blocks that capacity gives (the instance holds none while paused). */
  cacheBlocks: number;
}

/** A running Serverless v2 instance's load over the last decider period (docs/protocol.md §11.3), once a second. */
export interface ServerlessLoadObservation {
  kind: 'serverlessLoad';
  instance: string;
  capacityAcu: number;
  /** The ACUs its load needed at full use (the load model). */
  demandAcu: number;
  /** How long it has had no transaction, in whole decider periods. */
  idleMs: number;
}

/** A paused Serverless v2 instance holds a transaction until it has resumed (docs/protocol.md §11.3). */
export interface TxnHeldObservation {
  kind: 'txnHeld';
  instance: string;
  txnId: number;
}

/** The instance resumed and takes a transaction it held; or, `crashed`, a crash lost it (as it loses every connection). */
export interface TxnReleasedObservation {
  kind: 'txnReleased';
  instance: string;
  txnId: number;
  crashed?: true;
}

/**
 * Multi-writer clusters (docs/protocol.md §11.2): a segment voted on a writer's page change (S19
 * counts approvals from these, with its own write quorum).
 */
export interface PageVoteObservation {
  kind: 'pageVote';
  segment: string;
  change: PageChange;
  vote: PageVote;
}

/** A multi-writer's transaction committed: every page change approved; the client is told (S19). */
export interface MwCommittedObservation {
  kind: 'mwCommitted';
  writer: string;
  txnId: number;
  /** Its number among the writer's shipped entries. */
  seq: number;
  /** The page versions it wrote (each change's base version). */
  pages: readonly { pg: number; blockId: number; baseVersion: number }[];
}

/**
 * A multi-writer's transaction lost a page version (`conflict`: the client is told `deadlock`), or
 * was given up (`crash`: its writer restarted after a crash; `timeout`: votes never decided it).
 */
export interface MwAbortedObservation {
  kind: 'mwAborted';
  writer: string;
  txnId: number;
  reason: 'conflict' | 'crash' | 'timeout';
  /** The page version it lost, for a conflict: who won it (`void`: nobody, a split vote). */
  lost?: { pg: number; blockId: number; baseVersion: number; winner: string };
}

/** A rolled-back transaction's approved changes are all undone by approved compensating changes. */
export interface MwRolledBackObservation {
  kind: 'mwRolledBack';
  writer: string;
  txnId: number;
  seq: number;
  /** Compensating changes it took (one per page it had changed). */
  compensations: number;
}

/**
 * A multi-writer's writer went down (`crashed`: its instance or AZ) or came back (`serving`): the
 * replication figures tell an entry that waited for a writer that was down from one that did not.
 */
export interface MwWriterStateObservation {
  kind: 'mwWriterState';
  writer: string;
  state: 'crashed' | 'serving';
}

/** A writer applied another writer's shipped entry `seq` (replication lag: from that entry's commit to here). */
export interface MwAppliedObservation {
  kind: 'mwApplied';
  writer: string;
  from: string;
  seq: number;
}

/** REGIONAL_RAW: a transaction's reads asked every writer's position, and, later, could read. */
export interface MwRegionalReadObservation {
  kind: 'mwRegionalRead';
  writer: string;
  txnId: number;
  phase: 'asked' | 'ready';
}

export type Observation =
  | AllocatedObservation
  | WatermarksObservation
  | PersistedObservation
  | CommitAckObservation
  | EpochAdoptedObservation
  | RecoveredObservation
  | TruncationAppliedObservation
  | BacktrackAppliedObservation
  | WriterOpenedObservation
  | ReplicaAppliedObservation
  | ReplicaRestartedObservation
  | MembershipInstalledObservation
  | PageServedObservation
  | ReplicaReadObservation
  | CacheEvictedObservation
  | ReadIssuedObservation
  | MrplReportedObservation
  | GcAdvancedObservation
  | ReadBelowGcObservation
  | StagedObservation
  | RestoreServedObservation
  | RestoreObservation
  | SnapshotCreatedObservation
  | ReadDoneObservation
  | GeometryChangedObservation
  | VolumeFullObservation
  | ServerlessCapacityObservation
  | ServerlessLoadObservation
  | TxnHeldObservation
  | TxnReleasedObservation
  | FailoverObservation
  | SecurityObservation
  | PageVoteObservation
  | MwCommittedObservation
  | MwAbortedObservation
  | MwRolledBackObservation
  | MwAppliedObservation
  | MwWriterStateObservation
  | MwRegionalReadObservation;
