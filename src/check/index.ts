/**
 * The judges: named properties over a run (docs/semantics.md, "Judges"). `invariants.ts` checks the
 * writer-side safety properties S1–S5 and S7 over the observation stream; `recovery-invariants.ts`
 * (with `fencing.ts` and `truncation.ts`) the recovery-side ones S6, S8a, S8b, S9 and cross-epoch
 * S1b; `durability.ts` checks S6, no lost acknowledged commit, from what segments persisted;
 * `cache-wal.ts` S11 and `replica-snapshot.ts` S13 the read views of the writer and replicas;
 * `global.ts` S17 and S18, the Global Database's prefix and fencing (not yet fed by a run).
 * Imports `src/protocol` only.
 * Named exports only, grouped by file.
 */

// --- property.ts: kinds, results, and the builders of named checkers ------------------------
export type { Judgement, PropertyChecker, PropertyKind, PropertyResult, Sighting, Tally, Violation } from './property.js';
export { FIRST_VIOLATIONS_KEPT, always, createTally, eventually, sometimes } from './property.js';

// --- invariants.ts + vdl-durability.ts: S1–S5, S7 over observations --------------------------
export type { InvariantChecker, InvariantCheckerOptions } from './invariants.js';
export {
  INVARIANT_NAMES,
  createCommitRule,
  createInvariantChecker,
  createLalBound,
  createLsnUniqueness,
  createOneWriterPerEpoch,
  createPointOrdering,
} from './invariants.js';
export type { VdlDurabilityChecker } from './vdl-durability.js';
export { S4_VDL_DURABILITY, createVdlDurability } from './vdl-durability.js';

// --- recovery-invariants.ts + fencing.ts + truncation.ts: S6, S8a, S8b, S9, S1, witnesses ---
export type { RecoveryChecker, RecoveryCheckerOptions } from './recovery-invariants.js';
export {
  RECOVERY_NAMES,
  createCommitSurvival,
  createFenceWitness,
  createRecoveryChecker,
  createRecoveryWitness,
} from './recovery-invariants.js';
export type { FenceQuorumOptions } from './fencing.js';
export { S8A_FENCED_SEGMENTS, S8B_NO_QUORUM_AFTER_FENCE, createFenceQuorum, createFencedSegments } from './fencing.js';
export {
  S1_LSNS_ABOVE_TRUNCATION,
  S9_TRUNCATION_COVERAGE,
  createLsnsAboveTruncation,
  createTruncationCoverage,
} from './truncation.js';

// --- durability.ts: S6 no lost acknowledged commit, read back from storage ------------------
export type {
  AcknowledgedCommit,
  CommitPayload,
  DurabilityInput,
  DurabilityPg,
  DurabilityReport,
  DurabilitySegment,
  LostCommit,
} from './durability.js';
export {
  NO_LOST_ACKNOWLEDGED_COMMIT,
  SEGMENTS_PER_PG_MAX,
  checkAcknowledgedCommits,
  durabilityResult,
  heldByEveryReadQuorum,
} from './durability.js';

// --- lsn-set.ts: one bit per LSN, for checkers that remember millions -----------------------
export type { LsnSet } from './lsn-set.js';
export { createLsnSet, isLsnValue } from './lsn-set.js';

// --- replica-invariants.ts: S12 replica visibility ------------------------------------------
export type { ReplicaVisibilityChecker } from './replica-invariants.js';
export { S12_REPLICA_VISIBILITY, createReplicaVisibility } from './replica-invariants.js';

// --- cache-wal.ts: S11 the writer keeps dirty pages until their redo is durable --------------
export { DIRTY_PAGE_KEPT_WITNESS, S11_CACHE_WAL, createCacheWal, createDirtyPageWitness } from './cache-wal.js';

// --- replica-snapshot.ts: S13 replica read views are writer read views at a VDL --------------
export {
  REPLICA_STORAGE_READ_WITNESS,
  S13_SNAPSHOT_CONSISTENCY,
  createReplicaStorageReadWitness,
  createSnapshotConsistency,
} from './replica-snapshot.js';

// --- membership.ts: S15 membership changes ---------------------------------------------------
export type { MembershipChecker } from './membership.js';
export { S15_MEMBERSHIP, createMembershipChecker } from './membership.js';

// --- global.ts: S17 and S18, Global Database prefix and fencing ------------------------------
export type { GlobalFencingChecker, GlobalFencingResult, GlobalPrefixOptions, SplitBrainWindow } from './global.js';
export { S17_GLOBAL_PREFIX, S18_GLOBAL_FENCING, createGlobalFencing, createGlobalPrefix } from './global.js';
