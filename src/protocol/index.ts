/**
 * The pure Aurora protocol core: quorum arithmetic, LSN allocation, consistency points, recovery
 * and the Global Database's rules. No xstate, rxjs, time or chance; plain data in and out
 * (docs/architecture.md: "Layers"; "Code conventions" 1). Named exports only, grouped by file.
 */

// --- ids.ts: branded identifiers and LSNs -------------------------------------------------------
export type {
  AzId,
  BlockId,
  Brand,
  InstanceId,
  Lsn,
  MembershipEpoch,
  PgId,
  RegionId,
  SegmentId,
  VolumeEpoch,
} from './ids.js';
export {
  LSN_ZERO,
  azId,
  blockId,
  instanceId,
  lsn,
  membershipEpoch,
  pgId,
  regionId,
  segmentId,
  volumeEpoch,
} from './ids.js';

// --- quorum.ts: quorum predicates, PGCL, brute-force checks ---------------------------------
export type { AckSet, AndPredicate, KOfN, OrPredicate, QuorumPredicate } from './quorum.js';
export {
  BRUTE_FORCE_MEMBERS_MAX,
  and,
  kOfN,
  membersOf,
  minimalSets,
  or,
  pgcl,
  quorumsIntersect,
  satisfies,
  satisfyingSets,
  writeWriteIntersect,
} from './quorum.js';

// --- quorum-config.ts: standard, full/tail, degraded and membership-change configurations ---
export type { QuorumConfig, Replacement } from './quorum-config.js';
export {
  degradedConfig,
  fullTailConfig,
  jointConfig,
  renameMember,
  replacementConfig,
  standardConfig,
} from './quorum-config.js';

// --- write-eras.ts: may a PG count on a new read quorum? (S15, the 3/4 switch) --------------
export type { UnseenWrite, WriteEra } from './write-eras.js';
export { readSeesEveryEra, unseenWrite } from './write-eras.js';

// --- chunked.ts: persistent queues and tables for state that grows with a run --------------
export type { ChunkedQueue, ChunkedTable } from './chunked.js';
export { CHUNK_SIZE, emptyQueue, queueAt, queueDrop, queueOf, queuePush, queueSize, queueTake, tableGet, tableOf, tableRecord, tableUpdate } from './chunked.js';

// --- lsn.ts: LSN allocation under the LAL, log records and backlinks ------------------------
export type {
  AllocationResult,
  BacklinkSeed,
  BacklinkState,
  BuiltMtr,
  LogRecord,
  LsnAllocation,
  LsnAllocator,
  LsnAllocatorOptions,
  MtrIds,
  MtrRecordInput,
} from './lsn.js';
export { DEFAULT_LAL, allocate, buildMtr, canAllocate, createBacklinkState, createLsnAllocator, lastBlockLsnOf } from './lsn.js';

// --- watermarks.ts: SCL, PGCL, VCL, VDL, read points ----------------------------------------
export type {
  AllocatedRecord,
  DurabilityTracker,
  DurabilityTrackerOptions,
  PendingRecord,
  PgDurability,
  SclState,
  SegmentAck,
  Watermarks,
} from './watermarks.js';
export {
  createDurabilityTracker,
  createSclState,
  pgclOf,
  readPointEligible,
  receiveRecord,
  recordAck,
  registerRecord,
  registerRecords,
  setPgWriteQuorum,
  watermarksOf,
} from './watermarks.js';

// --- recovery.ts: VCL'/VDL' from read quorums, truncation ranges ----------------------------
export type {
  EpochStampedLsn,
  PgReReplication,
  PgRecoveryInput,
  RecoveryInput,
  RecoveryOutcome,
  RecoveryPlan,
  RecoveryResponse,
  StoredRecord,
  TruncationRange,
} from './recovery.js';
export { addTruncation, applyTruncations, hasReadQuorum, isAnnulled, planRecovery } from './recovery.js';

// --- global.ts: Global Database durable point, lags, RPO control, failover loss, topology -----
export type {
  CrossRegionLink,
  GlobalObservation,
  GlobalSecondary,
  GlobalTopology,
  GlobalTopologyOptions,
  LostSuffix,
  LsnTime,
  RecordDigest,
  SecondaryDurableInput,
  SwitchoverDecision,
  SwitchoverInput,
} from './global.js';
export {
  DEFAULT_GLOBAL_SECONDARIES_MAX,
  GLOBAL_DB_RPO_MAX_SECONDS,
  GLOBAL_DB_RPO_MIN_SECONDS,
  GLOBAL_SECONDARIES_MAX,
  SECONDARY_REPLICAS_MAX,
  durabilityLagMs,
  globalDbRpoProblem,
  globalTopologyProblem,
  lostSuffix,
  lostSuffixWithinLag,
  mayAcknowledgeCommit,
  recordDigest,
  rpoLagMs,
  secondaryDurableLsn,
  switchoverDecision,
  visibilityLagMs,
} from './global.js';
