/**
 * The bookkeeping of one crash recovery, run by the instance that becomes the writer
 * (docs/protocol.md §7, crash recovery, and its fence-first procedure, §7.1):
 *
 * 1. read the metadata service, then claim volume epoch e' = e + 1 by compare-and-set;
 * 2. send `recoveryOpen(e')` to every segment of every PG: each adopts e' before it answers (the
 *    fence), so the old writer can no longer make durable a record recovery does not see (S8);
 *    wait for a read quorum of every PG (and a short grace for stragglers, so repair can skip
 *    records already on a write quorum);
 * 3. plan: U, VCL', VDL', the truncation range (VDL', VDL' + LAL] (`planRecovery`); a promoted
 *    Global Database secondary caps VDL' at its durable LSN and extends the range through the
 *    highest LSN written to its volume (docs/protocol.md §11.1);
 * 4. store the range in the metadata service, then write it to a write quorum of every PG;
 * 5. re-replicate records ≤ VDL' to a write quorum where missing, and wait until a write quorum
 *    of every PG is complete to VDL' (the PG can take writes again);
 * 6. open: LSNs continue above the range; VDL starts at the range's end.
 *
 * Plain, immutable data: each step returns the next state and leaves the one it was given as it
 * was. Its tables are per PG and per member (a handful of entries each) and change one entry at a
 * time, so they are copied with spreads.
 */
import type { BacktrackVisibility } from '../src/protocol/segment-store.js';
import type { Lsn, MembershipEpoch, PgId, SegmentId, VolumeEpoch } from '../src/protocol/ids.js';
import type { QuorumConfig } from '../src/protocol/quorum-config.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { kOfN, satisfies } from '../src/protocol/quorum.js';
import type { PlantName } from '../src/protocol/plants.js';
import type { RecoveryPlan, StoredRecord, TruncationRange } from '../src/protocol/recovery.js';
import { isAnnulled, planRecovery } from '../src/protocol/recovery.js';
import type { PgMembership, RecoveryStateMessage, RedoPayload, TruncateAckMessage, WireMessage, WriteAckMessage } from './messages.js';

/** One PG as recovery sees it. */
export interface RecoveryPg {
  readonly pg: number;
  readonly members: readonly string[];
  readonly read: QuorumPredicate;
  readonly write: QuorumPredicate;
  readonly membershipEpoch: MembershipEpoch;
  /** The membership record the metadata service kept (changes under way), if any. */
  readonly membership?: PgMembership;
}

/** Where a recovery stands. */
export interface RecoveryState {
  readonly volumeEpoch: VolumeEpoch;
  readonly anchorLsn: Lsn;
  readonly priorTruncations: readonly TruncationRange[];
  readonly lal: number;
  readonly pgs: readonly RecoveryPg[];
  /** Recovery reads, per PG, per segment. */
  readonly responses: Readonly<Record<number, Readonly<Record<string, RecoveryStateMessage>>>>;
  readonly plan: RecoveryPlan | undefined;
  /** Per PG, per segment: the highest SCL known at e' (from truncate acks and write acks). */
  readonly sclAtEpoch: Readonly<Record<number, Readonly<Record<string, Lsn>>>>;
  /** Per PG, the records re-replication still has to make durable. */
  readonly repair: Readonly<Record<number, readonly StoredRecord<RedoPayload>[]>>;
  /** The planted mistake, if any (docs/plants.md); absent in every ordinary run. */
  readonly plant?: PlantName;
  /**
   * Open at most at this LSN: a promoted Global Database secondary's durable LSN (docs/protocol.md
   * §11.1; `capLsn` of `planRecovery`). Absent in an ordinary recovery.
   */
  readonly capLsn?: Lsn;
  /**
   * Annul at least through this LSN: the highest LSN the region's replication agent wrote to the
   * volume (docs/protocol.md §11.1; `truncateThroughLsn` of `planRecovery`). Absent in an ordinary
   * recovery.
   */
  readonly truncateThroughLsn?: Lsn;
  /**
   * A backtrack's recovery (docs/protocol.md §10, backtrack): the hidden set every recovery read
   * carries, installed by each segment before it answers; the plan's range then hides.
   */
  readonly backtrack?: BacktrackVisibility;
}

/** Starts a recovery at epoch e' (after the CAS succeeded). */
export function createRecoveryState(options: {
  volumeEpoch: VolumeEpoch;
  anchorLsn: Lsn;
  priorTruncations: readonly TruncationRange[];
  lal: number;
  pgs: readonly RecoveryPg[];
  plant?: PlantName;
  capLsn?: Lsn;
  truncateThroughLsn?: Lsn;
  backtrack?: BacktrackVisibility;
}): RecoveryState {
  return {
    volumeEpoch: options.volumeEpoch,
    anchorLsn: options.anchorLsn,
    priorTruncations: [...options.priorTruncations],
    lal: options.lal,
    pgs: [...options.pgs],
    responses: {},
    plan: undefined,
    sclAtEpoch: {},
    repair: {},
    ...(options.plant === undefined ? {} : { plant: options.plant }),
    ...(options.capLsn === undefined ? {} : { capLsn: options.capLsn }),
    ...(options.truncateThroughLsn === undefined ? {} : { truncateThroughLsn: options.truncateThroughLsn }),
    ...(options.backtrack === undefined ? {} : { backtrack: options.backtrack }),
  };
}

/**
 * The volume epoch recovery reads at: e' (reading fences, docs/protocol.md §7.1, recovery step 2),
 * or the old epoch under the planted mistake fence-after-read, whose reads fence nothing
 * (docs/plants.md).
 */
function readEpochOf(state: RecoveryState): VolumeEpoch {
  return state.plant === 'fence-after-read' ? ((state.volumeEpoch - 1) as VolumeEpoch) : state.volumeEpoch;
}

/**
 * The responders recovery needs from a PG: its read quorum (SIGMOD'18 §2.4), or any 2 members
 * under the planted mistake recover-from-two (docs/plants.md).
 */
function recoveryReadQuorum(state: RecoveryState, pg: RecoveryPg): QuorumPredicate {
  return state.plant === 'recover-from-two' ? kOfN(2, pg.members as readonly SegmentId[]) : pg.read;
}

/** The `recoveryOpen` messages for every member that has not answered yet. */
export function recoveryOpens(state: RecoveryState, self: string): { to: string; message: WireMessage }[] {
  const sends: { to: string; message: WireMessage }[] = [];
  for (const pg of state.pgs) {
    const answered = state.responses[pg.pg] ?? {};
    for (const member of pg.members) {
      if (answered[member] !== undefined) continue;
      const backtrack = state.backtrack === undefined ? {} : { backtrack: state.backtrack };
      sends.push({ to: member, message: { type: 'recoveryOpen', from: self, pg: pg.pg as PgId, volumeEpoch: readEpochOf(state), anchorLsn: state.anchorLsn, ...backtrack } });
    }
  }
  return sends;
}

/** Records a recovery read answer (only those at this recovery's epoch count). */
export function recordRecoveryResponse(state: RecoveryState, message: RecoveryStateMessage): RecoveryState {
  if (message.volumeEpoch !== readEpochOf(state)) return state;
  return { ...state, responses: { ...state.responses, [message.pg]: { ...state.responses[message.pg], [message.from]: message } } };
}

/** True iff every PG's responders satisfy its read quorum (SIGMOD'18 §2.4). */
export function readQuorumOfEveryPg(state: RecoveryState): boolean {
  return state.pgs.every((pg) => satisfies(recoveryReadQuorum(state, pg), (segment) => (state.responses[pg.pg] ?? {})[segment] !== undefined));
}

/** True iff every member of every PG has answered (no point waiting longer). */
export function everyMemberAnswered(state: RecoveryState): boolean {
  return state.pgs.every((pg) => pg.members.every((member) => (state.responses[pg.pg] ?? {})[member] !== undefined));
}

/**
 * Computes the plan (docs/protocol.md §7.1, recovery step 3) from the answers so far. Truncations
 * the responders hold are added to the metadata service's list, so none is missed. Returns the
 * state with the plan, or undefined while some PG lacks a read quorum.
 */
export function makePlan(state: RecoveryState): RecoveryState | undefined {
  const ranges = [...state.priorTruncations];
  for (const byMember of Object.values(state.responses)) {
    for (const response of Object.values(byMember)) {
      for (const range of response.truncations) {
        if (!ranges.some((held) => held.volumeEpoch === range.volumeEpoch)) ranges.push(range);
      }
    }
  }
  const outcome = planRecovery({
    volumeEpoch: state.volumeEpoch,
    anchorLsn: state.anchorLsn,
    lal: state.lal,
    priorTruncations: ranges,
    ...(state.plant === undefined ? {} : { plant: state.plant }),
    ...(state.capLsn === undefined ? {} : { capLsn: state.capLsn }),
    ...(state.truncateThroughLsn === undefined ? {} : { truncateThroughLsn: state.truncateThroughLsn }),
    ...(state.backtrack === undefined ? {} : { backtrack: true }),
    pgs: state.pgs.map((pg) => ({
      pg: pg.pg as PgId,
      config: { membershipEpoch: pg.membershipEpoch, write: pg.write, read: recoveryReadQuorum(state, pg) } satisfies QuorumConfig,
      responses: Object.values(state.responses[pg.pg] ?? {}).map((r) => ({ segmentId: r.from as SegmentId, scl: r.scl, records: r.records, gcPoint: r.gcPoint, lastPgLsnAtGc: r.lastPgLsnAtGc })),
    })),
  });
  if (outcome.kind !== 'planned') return undefined;
  const repair: Record<number, readonly StoredRecord<RedoPayload>[]> = { ...state.repair };
  for (const pgRepair of outcome.plan.reReplication) repair[pgRepair.pg] = pgRepair.records as readonly StoredRecord<RedoPayload>[];
  return { ...state, plan: outcome.plan, priorTruncations: ranges, repair };
}

/** The `truncate` messages for every member not yet known to hold the range. */
export function truncates(state: RecoveryState, self: string): { to: string; message: WireMessage }[] {
  const plan = state.plan;
  if (plan === undefined) return [];
  const sends: { to: string; message: WireMessage }[] = [];
  for (const pg of state.pgs) {
    const known = state.sclAtEpoch[pg.pg] ?? {};
    const target = targetOf(state, pg.pg);
    for (const member of pg.members) {
      // Members that hold the range and are complete need nothing; the others are asked again,
      // which also tells recovery how far gossip has completed them since (the ack carries SCL).
      if ((known[member] ?? -1) >= target) continue;
      sends.push({ to: member, message: { type: 'truncate', from: self, pg: pg.pg as PgId, volumeEpoch: state.volumeEpoch, range: plan.truncation } });
    }
  }
  return sends;
}

/** Records a truncate ack or a write ack at e': the segment holds the range and is complete to `scl`. */
export function recordEpochAck(state: RecoveryState, message: TruncateAckMessage | WriteAckMessage): RecoveryState {
  if (message.volumeEpoch !== state.volumeEpoch) return state;
  const byMember = state.sclAtEpoch[message.pg] ?? {};
  const before = byMember[message.from];
  if (before !== undefined && before >= message.scl) return state;
  return { ...state, sclAtEpoch: { ...state.sclAtEpoch, [message.pg]: { ...byMember, [message.from]: message.scl } } };
}

/** True iff a write quorum of every PG holds the truncation range at e' (docs/protocol.md §7.1, step 4). */
export function truncatedOnWriteQuorums(state: RecoveryState): boolean {
  return state.pgs.every((pg) => satisfies(pg.write, (segment) => (state.sclAtEpoch[pg.pg] ?? {})[segment] !== undefined));
}

/** The PG's last surviving record ≤ VDL': a segment complete to it holds everything recovery kept. */
function targetOf(state: RecoveryState, pg: number): Lsn {
  return (state.plan?.lastPgLsnByPg[pg] ?? 0) as Lsn;
}

/**
 * True iff every PG is repaired (docs/protocol.md §7.1, step 5): a PG whose surviving records were
 * each already on a write quorum needs nothing more; one with records to re-replicate is repaired
 * once a write quorum reports itself complete to VDL' at e'. Then the volume can open.
 */
export function repairedOnWriteQuorums(state: RecoveryState): boolean {
  return state.pgs.every((pg) => {
    if ((state.repair[pg.pg] ?? []).length === 0) return true;
    const target = targetOf(state, pg.pg);
    const known = state.sclAtEpoch[pg.pg] ?? {};
    return satisfies(pg.write, (segment) => (known[segment] ?? -1) >= target);
  });
}

/**
 * Re-replication batches: each PG's records that are not yet on a write quorum go, at e', to every
 * member not known to be complete to VDL'.
 */
export function repairs(state: RecoveryState, self: string, maxBatchRecords: number): { to: string; message: WireMessage }[] {
  const sends: { to: string; message: WireMessage }[] = [];
  for (const pg of state.pgs) {
    const records = state.repair[pg.pg] ?? [];
    if (records.length === 0) continue;
    const target = targetOf(state, pg.pg);
    const known = state.sclAtEpoch[pg.pg] ?? {};
    for (const member of pg.members) {
      if ((known[member] ?? -1) >= target) continue;
      for (let i = 0; i < records.length; i += maxBatchRecords) {
        const batch = records.slice(i, i + maxBatchRecords);
        sends.push({ to: member, message: { type: 'writeBatch', from: self, pg: pg.pg as PgId, volumeEpoch: state.volumeEpoch, membershipEpoch: pg.membershipEpoch, records: batch } });
      }
    }
  }
  return sends;
}

/**
 * What the new writer starts from: every surviving record ≤ VDL' in LSN order, for its block
 * backlinks and its cache of values. Below the responders' GC points these include base pages; a
 * base page wins over the plain record at its LSN, because it also carries the block's older
 * versions, which its segment no longer lists.
 */
export function survivingRecords(state: RecoveryState): StoredRecord<RedoPayload>[] {
  const plan = state.plan;
  if (plan === undefined) return [];
  const byLsn = new Map<number, StoredRecord<RedoPayload>>();
  for (const byMember of Object.values(state.responses)) {
    for (const response of Object.values(byMember)) {
      for (const record of response.records) {
        if (record.lsn > plan.vdl || isAnnulled(record, state.priorTruncations)) continue;
        if (byLsn.has(record.lsn) && record.payload?.kind !== 'page') continue;
        byLsn.set(record.lsn, record);
      }
    }
  }
  return [...byLsn.values()].sort((a, b) => a.lsn - b.lsn);
}
