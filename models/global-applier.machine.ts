/**
 * GlobalApplier: a region's replication agent (docs/protocol.md §11.1; §13, G1), one per region of
 * a Global Database, `replication:<region>` (the primary's waits in standby, below). It takes the
 * primary's redo as the replicator ships it and
 * writes it to the region's own volume with its own quorum writes, as a writer does (§3, §4): the
 * secondary's durable point rests on records a write quorum of the secondary's segments holds,
 * never on the shipment alone.
 *
 * - **In order, once.** Shipments are numbered per region; the agent takes shipment n only after
 *   n − 1 and acknowledges the highest it took (cumulative). A shipment after a gap (its
 *   predecessor lost on the link) is kept until the gap is filled, and answered with the same
 *   acknowledgement again and the numbers still missing below it, which tells the replicator
 *   what to send again; a duplicate is acknowledged again and dropped.
 * - **Quorum writes.** The records go to every member of their PG (`writeBatch`, at the secondary
 *   volume's epoch); acks fold into a durability tracker (SCL → PGCL → VCL, src/protocol/
 *   watermarks.ts) that the writer uses too. Records a PG has not made durable after a whole
 *   `retransmitAfterMs` go again to each member whose SCL is below them.
 * - **Reports.** Each shipment taken is forwarded, as digests (`recordDigest`), to the region's
 *   statechart (`global:<region>`, `globalShip`); each VCL advance is sent there as `volumeVcl`.
 *   The statechart computes the durable LSN from both (`secondaryDurableLsn`).
 * - **Read-only instances.** The region's instances follow the agent as a region's replicas
 *   follow its writer (§5): each shipment's records go to them as `redoShip`, with the region's
 *   durable LSN as the VDL they may apply to, which a VCL advance may move on its own. That
 *   durable LSN is the lower of the shipped primary VDL and the highest CPL at or below the VCL,
 *   both CPLs, which is `secondaryDurableLsn`'s rule (§13, G1).
 *
 * - **Promotion.** The region's statechart asks the agent to recover the volume (`globalRecover`,
 *   §11.1: managed failover, switchover, detach). The agent stops taking shipments and promotes
 *   its first instance with the durable LSN the statechart holds: recovery (§7) opens the volume
 *   at most there and annuls everything up to the highest LSN the agent wrote, so the new primary
 *   starts at a CPL the old primary had made durable (§12, S17). When the instance reports itself
 *   open, with the VDL its recovery opened at, the agent tells the statechart (`recovered`). A
 *   headless region has no instance to promote: the request is refused with the reason.
 *
 * - **Following a new primary** (§11.1, switchover). The agent of the primary region starts in
 *   `standby`: its region's writer owns the volume. When its region, or any secondary, is to
 *   follow a new primary (`globalFollow`), the agent claims the volume: it reads the volume's
 *   metadata, sets the volume epoch one higher with a compare-and-set (which fences any writer of
 *   the region at the storage layer, as a recovering writer does, §7), records and writes the
 *   truncation range of the new primary's recovery, (start, truncateThrough], to a write quorum
 *   of every PG, and then takes shipments from the new primary's replicator only, numbered from 1
 *   again, with the volume durable at the start. The PGs and their quorums come from the
 *   metadata service, so a membership change made while the region was primary is kept. It asks
 *   its instances to step down (a writer among them restarts as a read-only instance) and feeds
 *   them from then on. A request lost on the way is asked again every `retransmitAfterMs`.
 *
 * - **Copying a rebuild** (§13, G4). A region behind the new primary's start (after a managed
 *   failover to a region that was ahead of it) copies what it lacks, up to the start, from the
 *   new primary's agent before it takes shipments: every agent keeps the records it took and
 *   answers `globalCopyRequest` with the next ones, in batches ending on a CPL. Each batch is
 *   written as a shipment is and reported as one of the new primary's (`shipped`, S17).
 *
 * Records at or below the highest LSN taken are skipped: a shipment sent again carries nothing
 * new. Only this agent writes to the secondary volume while the region is a secondary; a
 * shipment from any but the current replicator (one still on its way from a former primary) is
 * dropped.
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn, MembershipEpoch, PgId, RegionId, SegmentId, VolumeEpoch } from '../src/protocol/ids.js';
import { LSN_ZERO } from '../src/protocol/ids.js';
import { recordDigest } from '../src/protocol/global.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import type { TruncationRange } from '../src/protocol/recovery.js';
import type { DurabilityTracker } from '../src/protocol/watermarks.js';
import { createDurabilityTracker, pgclOf, recordAck, registerRecords } from '../src/protocol/watermarks.js';
import type { ChunkedQueue } from '../src/protocol/chunked.js';
import { emptyQueue, queueAt, queueOf, queuePush, queueSize, queueTake } from '../src/protocol/chunked.js';
import { satisfies } from '../src/protocol/quorum.js';
import type {
  GlobalApplyMessage,
  GlobalCopyBatchMessage,
  GlobalCopyRequestMessage,
  GlobalFollowMessage,
  GlobalRecoverMessage,
  MetadataStateMessage,
  PgConfigRecord,
  RedoRecord,
  SendParams,
  TruncateAckMessage,
  WireMessage,
  WriteAckMessage,
  WriterOpenMessage,
} from './messages.js';

/** The retransmit timer's id. */
export const GLOBAL_APPLY_RETRANSMIT_TIMER = 'globalApplier.retransmit';
/** The timer that asks a claim's pending request again. */
export const GLOBAL_CLAIM_RETRY_TIMER = 'globalApplier.claimRetry';

/** One PG of the secondary volume: its members and write quorum. */
export interface GlobalApplierPg {
  readonly pg: number;
  readonly members: readonly string[];
  readonly write: QuorumPredicate;
}

/** Input of {@link globalApplierMachine}. */
export interface GlobalApplierInput {
  /** `replication:<region>`. */
  self: string;
  region: RegionId;
  /** The region's statechart, `global:<region>`. */
  regionActor: string;
  /** Where acknowledgements go: the replicator's endpoint in the primary region. */
  replicator: string;
  pgs: readonly GlobalApplierPg[];
  /** The region's read-only instances, fed the redo. @defaultValue none */
  instances?: readonly string[];
  /** The secondary volume's epoch the agent writes at. @defaultValue 1 */
  volumeEpoch?: number;
  /** The region's metadata service: a claim of the volume goes there. @defaultValue none: the agent cannot follow a new primary */
  metadata?: string;
  /** The agent of the primary region: it waits in `standby` until its region follows another. @defaultValue false */
  standby?: boolean;
  /** @defaultValue 100 */
  retransmitAfterMs?: number;
  /** The most records one retransmitted batch carries. @defaultValue 512 */
  maxBatchRecords?: number;
}

/** Thrown when the agent starts with input it cannot run on; the message names the field. */
export class GlobalApplierInputError extends Error {}

/** The first problem of `input`, or undefined. */
export function globalApplierInputProblem(input: GlobalApplierInput): string | undefined {
  if (input.pgs.length === 0) return 'pgs: empty; the secondary volume needs at least one PG';
  const empty = input.pgs.find((pg) => pg.members.length === 0);
  if (empty !== undefined) return `pgs: PG ${empty.pg} has no members`;
  if (input.retransmitAfterMs !== undefined && !(Number.isFinite(input.retransmitAfterMs) && input.retransmitAfterMs > 0)) {
    return `retransmitAfterMs: ${input.retransmitAfterMs}; allowed a finite number of ms above 0`;
  }
  if (input.maxBatchRecords !== undefined && !(Number.isInteger(input.maxBatchRecords) && input.maxBatchRecords >= 1)) {
    return `maxBatchRecords: ${input.maxBatchRecords}; allowed a whole number from 1`;
  }
  return undefined;
}

/** Context of {@link globalApplierMachine}. */
export interface GlobalApplierContext {
  self: string;
  region: RegionId;
  regionActor: string;
  replicator: string;
  volumeEpoch: VolumeEpoch;
  retransmitAfterMs: number;
  maxBatchRecords: number;
  membersByPg: Readonly<Record<number, readonly string[]>>;
  instances: readonly string[];
  /** The highest primary VDL shipped. */
  shippedPrimaryVdl: Lsn;
  /** The durable LSN last sent to the instances. */
  sentDurableLsn: Lsn;
  /** The statechart that asked for the promotion, once one was asked for. */
  promotionFor: string | undefined;
  /** The highest shipment taken. */
  seq: number;
  /** Shipments that arrived after a gap, by number, waiting for it to be filled. */
  outOfOrder: readonly GlobalApplyMessage[];
  /** The highest LSN taken. */
  highestLsn: Lsn;
  tracker: DurabilityTracker;
  /** Records not yet durable in their PG, by PG, in LSN order. */
  unacked: Readonly<Record<number, readonly RedoRecord[]>>;
  /** Per PG, the highest unacked LSN at the last retransmit tick: records at or below it have waited a whole period. */
  retransmitMark: Readonly<Record<number, Lsn>>;
  metadata: string | undefined;
  startsStandby: boolean;
  /** Each PG's write quorum, for the tracker. */
  writeQuorumByPg: Readonly<Record<number, QuorumPredicate>>;
  /** A claim under way (see the file header): what to follow, and which members took the truncation. */
  claim: Claim | undefined;
  /** Every record the agent took, in LSN order: what it copies to a region that follows this one after a managed failover (§13, G4). */
  log: ChunkedQueue<RedoRecord>;
  /** A rebuild's copy under way: from whom, up to where, and how far it got. */
  copy: { readonly source: string; readonly primaryRegion: RegionId; readonly throughLsn: Lsn; readonly copiedThrough: Lsn; readonly rebuild: boolean } | undefined;
}

/** A claim of the volume to follow a new primary, while it runs. */
export interface Claim {
  readonly follow: GlobalFollowMessage;
  /** The epoch the claim sets, once the metadata service was read. */
  readonly volumeEpoch: VolumeEpoch | undefined;
  /** The PGs as the metadata service keeps them. */
  readonly pgConfigs: readonly PgConfigRecord[];
  /** Per PG, the members that took the truncation range at the claimed epoch. */
  readonly truncatedBy: Readonly<Record<number, readonly string[]>>;
  /** The request to ask again when the retry timer fires. */
  readonly step: 'read' | 'cas' | 'record' | 'truncate';
}

/** Events of {@link globalApplierMachine}. */
export type GlobalApplierEvent =
  | GlobalApplyMessage
  | WriteAckMessage
  | GlobalRecoverMessage
  | WriterOpenMessage
  | GlobalFollowMessage
  | MetadataStateMessage
  | TruncateAckMessage
  | GlobalCopyRequestMessage
  | GlobalCopyBatchMessage
  | { type: 'retransmitTick' }
  | { type: 'claimRetry' };

/** What the agent reports: a promotion it started, or one it could not. */
export type GlobalApplierObservation =
  | {
      readonly kind: 'globalPromotion';
      readonly region: RegionId;
      readonly how: GlobalRecoverMessage['how'];
      readonly instance: string;
      readonly durableLsn: Lsn;
      readonly highestWrittenLsn: Lsn;
    }
  | { readonly kind: 'globalPromotionRefused'; readonly region: RegionId; readonly reason: string }
  /** A rebuild's copy brought the region's log to `primaryVdl`, a CPL of the new primary's (what S17 bounds its durable LSN by). */
  | { readonly kind: 'shipped'; readonly from: RegionId; readonly to: RegionId; readonly primaryVdl: Lsn }
  /** The agent claimed its volume and follows `primaryRegion` from `startLsn`. */
  | { readonly kind: 'globalFollowing'; readonly region: RegionId; readonly primaryRegion: RegionId; readonly startLsn: Lsn; readonly volumeEpoch: VolumeEpoch };

const base = setup({
  types: { context: {} as GlobalApplierContext, events: {} as GlobalApplierEvent, input: {} as GlobalApplierInput },
  actions: {
    send: unprovidedEffect<SendParams<WireMessage>>('globalApplier', 'send'),
    observe: unprovidedEffect<GlobalApplierObservation>('globalApplier', 'observe'),
  },
  guards: {
    hasInstance: ({ context }) => context.instances.length > 0,
    startsStandby: ({ context }) => context.startsStandby,
    canFollow: ({ context }) => context.metadata !== undefined,
    /** A shipment from the current replicator; one from a former primary's is dropped. */
    fromReplicator: ({ context, event }) => event.type === 'globalApply' && event.from === context.replicator,
    metadataRead: ({ event }) => event.type === 'metadataState' && event.request === 'read',
    casWon: ({ event }) => event.type === 'metadataState' && event.request === 'cas' && event.ok,
    casLost: ({ event }) => event.type === 'metadataState' && event.request === 'cas' && !event.ok,
    rangeRecorded: ({ event }) => event.type === 'metadataState' && event.request === 'recordTruncation' && event.ok,
    /** The claim is done and the region lacks part of the log below the start: copy it first. */
    truncatedNeedsCopy: ({ context, event }) => {
      const follow = context.claim?.follow;
      return follow?.copyFrom !== undefined && follow.holdsThroughLsn !== undefined && follow.holdsThroughLsn < follow.startLsn && claimDone(context, event);
    },
    /** The next batch of the copy under way. */
    copyBatchInOrder: ({ context, event }) => event.type === 'globalCopyBatch' && context.copy !== undefined && event.from === context.copy.source && event.afterLsn === context.copy.copiedThrough,
    lastCopyBatch: ({ context, event }) =>
      event.type === 'globalCopyBatch' && context.copy !== undefined && event.from === context.copy.source && event.afterLsn === context.copy.copiedThrough && event.done,
    truncatedOnWriteQuorums: ({ context, event }) => claimDone(context, event),
    /** The instance being promoted reports itself open. */
    promotedOpen: ({ context, event }) => event.type === 'writerOpen' && event.from === context.instances[0],
  },
});

/** Records of `records` grouped by PG, each group in LSN order. */
function byPg(records: readonly RedoRecord[]): Map<number, RedoRecord[]> {
  const groups = new Map<number, RedoRecord[]>();
  for (const record of records) {
    const group = groups.get(record.pg);
    if (group === undefined) groups.set(record.pg, [record]);
    else group.push(record);
  }
  return groups;
}

/** The claim's members that took the truncation, with `ack`'s sender added. */
function withTruncation(claim: Claim, ack: TruncateAckMessage): Readonly<Record<number, readonly string[]>> {
  const took = claim.truncatedBy[ack.pg] ?? [];
  return took.includes(ack.from) ? claim.truncatedBy : { ...claim.truncatedBy, [ack.pg]: [...took, ack.from] };
}

/** Index of the first record of `log` above `lsn` (the log is in LSN order). */
function firstAbove(log: ChunkedQueue<RedoRecord>, lsn: Lsn): number {
  let low = 0;
  let high = queueSize(log);
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((queueAt(log, middle) as RedoRecord).lsn <= lsn) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** With `event`, a truncation ack at the claimed epoch, a write quorum of every PG holds the range: the claim is done. */
function claimDone(context: GlobalApplierContext, event: GlobalApplierEvent): boolean {
  const claim = context.claim;
  if (claim === undefined || event.type !== 'truncateAck' || event.volumeEpoch !== claim.volumeEpoch) return false;
  const truncatedBy = withTruncation(claim, event);
  return claim.pgConfigs.every((config) => satisfies(config.write, (truncatedBy[config.pg] ?? []) as readonly SegmentId[]));
}

/** A rebuild's request for the records of (`afterLsn`, `throughLsn`], at most a batch of them. */
const copyRequest = (context: GlobalApplierContext, afterLsn: Lsn, throughLsn: Lsn): GlobalCopyRequestMessage => ({
  type: 'globalCopyRequest',
  from: context.self,
  afterLsn,
  throughLsn,
  maxRecords: context.maxBatchRecords,
});

/** The claim's truncation range: the new primary's, (start, truncateThrough], at the claimed epoch. */
const claimedRange = (claim: Claim): TruncationRange => ({
  volumeEpoch: claim.volumeEpoch as VolumeEpoch,
  fromLsn: (claim.follow.startLsn + 1) as Lsn,
  toLsn: (claim.follow.truncateThroughLsn > claim.follow.startLsn ? claim.follow.truncateThroughLsn : claim.follow.startLsn + 1) as Lsn,
});

/** The most numbers one acknowledgement lists as missing. */
const MISSING_LISTED_MAX = 64;

/** The shipment numbers above `seq` and below the highest kept that are not kept, lowest first. */
function missingBelow(seq: number, outOfOrder: readonly GlobalApplyMessage[]): number[] {
  const missing: number[] = [];
  let expected = seq + 1;
  for (const kept of outOfOrder) {
    for (; expected < kept.seq && missing.length < MISSING_LISTED_MAX; expected += 1) missing.push(expected);
    expected = kept.seq + 1;
  }
  return missing;
}

/** The region's durable LSN: the lower of two CPLs, the shipped primary VDL and the highest CPL at or below VCL (see the file header). */
const durableOf = (shippedPrimaryVdl: Lsn, tracker: DurabilityTracker): Lsn => (shippedPrimaryVdl < tracker.vdl ? shippedPrimaryVdl : tracker.vdl);

/** Sends the instances the records taken and the durable LSN they may apply to (nothing when neither is new); `context` is the agent's after the step. */
function feedInstances(
  context: GlobalApplierContext,
  records: readonly RedoRecord[],
  durableLsn: Lsn,
  enqueue: (action: { type: 'send'; params: SendParams<WireMessage> }) => void,
): void {
  if (records.length === 0 && durableLsn <= context.sentDurableLsn) return;
  const vdl = durableLsn > context.sentDurableLsn ? durableLsn : context.sentDurableLsn;

  for (const instance of context.instances) {
    enqueue({ type: 'send', params: { to: instance, message: { type: 'redoShip', from: context.self, volumeEpoch: context.volumeEpoch, records, vdl } } });
  }
}

const batch = (context: GlobalApplierContext, pg: number, records: readonly RedoRecord[]): WireMessage => ({
  type: 'writeBatch',
  from: context.self,
  pg: pg as PgId,
  volumeEpoch: context.volumeEpoch,
  membershipEpoch: 1 as MembershipEpoch,
  records,
});

/** The replication agent; see the file header. */
export const globalApplierMachine = base
  .extend({
    actions: {
      armRetransmit: base.enqueueActions(({ context, enqueue }) => {
        enqueue.cancel(GLOBAL_APPLY_RETRANSMIT_TIMER);
        enqueue.raise({ type: 'retransmitTick' }, { delay: context.retransmitAfterMs, id: GLOBAL_APPLY_RETRANSMIT_TIMER });
      }),
      /** Takes the next shipment in order, and any kept ones it makes consecutive (see the file header). */
      apply: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'globalApply') return;
        const ack = (seq: number, outOfOrder: readonly GlobalApplyMessage[]): void => {
          const missing = missingBelow(seq, outOfOrder);
          const message: WireMessage =
            missing.length === 0
              ? { type: 'globalApplyAck', from: context.self, region: context.region, seq }
              : { type: 'globalApplyAck', from: context.self, region: context.region, seq, missing };
          enqueue({ type: 'send', params: { to: context.replicator, message } });
        };
        if (event.seq <= context.seq) {
          ack(context.seq, context.outOfOrder);
          return;
        }
        if (event.seq !== context.seq + 1) {
          const outOfOrder = context.outOfOrder.some((kept) => kept.seq === event.seq) ? context.outOfOrder : [...context.outOfOrder, event].sort((a, b) => a.seq - b.seq);
          if (outOfOrder !== context.outOfOrder) enqueue.assign({ outOfOrder });
          ack(context.seq, outOfOrder);
          return;
        }
        let { seq, highestLsn, tracker, shippedPrimaryVdl } = context;
        const taken: RedoRecord[] = [];
        const unacked: Record<number, readonly RedoRecord[]> = { ...context.unacked };
        let kept = 0;
        for (let next: GlobalApplyMessage | undefined = event; next !== undefined; next = context.outOfOrder[kept] ?? undefined) {
          if (next !== event) {
            if (next.seq !== seq + 1) break;
            kept += 1;
          }
          const bound = highestLsn;
          const fresh = next.records.filter((record) => record.lsn > bound);
          for (const [pg, records] of byPg(fresh)) {
            for (const member of context.membersByPg[pg] ?? []) enqueue({ type: 'send', params: { to: member, message: batch(context, pg, records) } });
            unacked[pg] = [...(unacked[pg] ?? []), ...records];
          }
          enqueue({
            type: 'send',
            params: { to: context.regionActor, message: { type: 'globalShip', from: context.self, afterLsn: bound, records: fresh.map(recordDigest), primaryVdl: next.primaryVdl, commits: next.commits } },
          });
          seq = next.seq;
          if (next.primaryVdl > shippedPrimaryVdl) shippedPrimaryVdl = next.primaryVdl;
          if (fresh.length > 0) {
            highestLsn = (fresh[fresh.length - 1] as RedoRecord).lsn;
            tracker = registerRecords(tracker, fresh);
            taken.push(...fresh);
          }
        }
        const outOfOrder = context.outOfOrder.slice(kept).filter((message) => message.seq > seq);
        ack(seq, outOfOrder);
        const durableLsn = durableOf(shippedPrimaryVdl, tracker);
        feedInstances({ ...context, tracker, highestLsn }, taken, durableLsn, enqueue);
        enqueue.assign({
          seq,
          highestLsn,
          tracker,
          unacked,
          outOfOrder,
          shippedPrimaryVdl,
          sentDurableLsn: durableLsn > context.sentDurableLsn ? durableLsn : context.sentDurableLsn,
          ...(taken.length === 0 ? {} : { log: queuePush(context.log, taken) }),
        });
      }),
      /** A segment's ack: the PG's durable prefix, the volume's VCL, reported when it moves. */
      takeAck: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'writeAck' || event.volumeEpoch !== context.volumeEpoch) return;
        const tracker = recordAck(context.tracker, { pg: event.pg, segmentId: event.from as never, scl: event.scl });
        if (tracker === context.tracker) return;
        const pgcl = pgclOf(tracker, event.pg);
        const pending = context.unacked[event.pg] ?? [];
        const durable = pending.findIndex((record) => record.lsn > pgcl);
        const unacked = durable === 0 ? context.unacked : { ...context.unacked, [event.pg]: durable < 0 ? [] : pending.slice(durable) };
        // Only an ack moves VCL (a record is registered before any segment holds it), and every
        // move is reported here: the VCL before this ack is the one last reported.
        if (tracker.vcl > context.tracker.vcl) {
          enqueue({ type: 'send', params: { to: context.regionActor, message: { type: 'volumeVcl', from: context.self, vcl: tracker.vcl } } });
        }
        const durableLsn = durableOf(context.shippedPrimaryVdl, tracker);
        if (durableLsn > context.sentDurableLsn) feedInstances({ ...context, tracker }, [], durableLsn, enqueue);
        enqueue.assign({ tracker, unacked, sentDurableLsn: durableLsn > context.sentDurableLsn ? durableLsn : context.sentDurableLsn });
      }),
      /** Promote the first instance, recovering at most at the statechart's durable LSN (see the file header). */
      promote: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'globalRecover') return;
        const instance = context.instances[0] as string;
        const recoverTo = { durableLsn: event.durableLsn, highestWrittenLsn: context.highestLsn, reportTo: context.self };
        enqueue.cancel(GLOBAL_APPLY_RETRANSMIT_TIMER);
        enqueue({ type: 'observe', params: { kind: 'globalPromotion', region: context.region, how: event.how, instance, durableLsn: recoverTo.durableLsn, highestWrittenLsn: recoverTo.highestWrittenLsn } });
        enqueue({ type: 'send', params: { to: instance, message: { type: 'promote', from: context.self, recoverTo } } });
        enqueue.assign({ promotionFor: event.from, outOfOrder: [] });
      }),
      refusePromotion: base.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'observe', params: { kind: 'globalPromotionRefused', region: context.region, reason: 'the region is headless: no instance to promote' } });
      }),
      /** The promoted instance is open: the statechart opens the region at its recovered VDL. */
      reportRecovered: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'writerOpen' || context.promotionFor === undefined) return;
        const recovered: WireMessage =
          event.truncatedThroughLsn === undefined
            ? { type: 'recovered', from: context.self, vdl: event.recoveredVdl ?? LSN_ZERO, writer: event.from }
            : { type: 'recovered', from: context.self, vdl: event.recoveredVdl ?? LSN_ZERO, truncatedThroughLsn: event.truncatedThroughLsn, writer: event.from };
        enqueue({ type: 'send', params: { to: context.promotionFor, message: recovered } });
      }),
      // --- following a new primary (see the file header) ------------------------------------
      beginClaim: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'globalFollow' || context.metadata === undefined) return;
        enqueue.cancel(GLOBAL_APPLY_RETRANSMIT_TIMER);
        enqueue.assign({ claim: { follow: event, volumeEpoch: undefined, pgConfigs: [], truncatedBy: {}, step: 'read' }, outOfOrder: [] });
        enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'metadataRead', from: context.self } } });
        enqueue.raise({ type: 'claimRetry' }, { delay: context.retransmitAfterMs, id: GLOBAL_CLAIM_RETRY_TIMER });
      }),
      /** The volume epoch one higher than the metadata service's: a writer of the region is fenced by it (§7). */
      askCas: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'metadataState' || context.claim === undefined || context.metadata === undefined) return;
        const volumeEpoch = (event.volumeEpoch + 1) as VolumeEpoch;
        enqueue.assign({ claim: { ...context.claim, volumeEpoch, pgConfigs: Object.values(event.pgConfigs), step: 'cas' } });
        enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'epochCas', from: context.self, expected: event.volumeEpoch, next: volumeEpoch } } });
      }),
      /** Someone else set the epoch first (a recovery in the region): read it again and claim above it. */
      rereadMetadata: base.enqueueActions(({ context, enqueue }) => {
        if (context.claim === undefined || context.metadata === undefined) return;
        enqueue.assign({ claim: { ...context.claim, step: 'read' } });
        enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'metadataRead', from: context.self } } });
      }),
      /** The range goes to the metadata service before any segment (R2, §7), so a later recovery knows it. */
      recordRange: base.enqueueActions(({ context, enqueue }) => {
        const claim = context.claim;
        if (claim?.volumeEpoch === undefined || context.metadata === undefined) return;
        enqueue.assign({ claim: { ...claim, step: 'record' } });
        enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'recordTruncation', from: context.self, volumeEpoch: claim.volumeEpoch, range: claimedRange(claim) } } });
      }),
      sendTruncation: base.enqueueActions(({ context, enqueue }) => {
        const claim = context.claim;
        if (claim?.volumeEpoch === undefined) return;
        enqueue.assign({ claim: { ...claim, step: 'truncate' } });
        const range = claimedRange(claim);
        for (const config of claim.pgConfigs) {
          for (const member of config.members) {
            enqueue({ type: 'send', params: { to: member, message: { type: 'truncate', from: context.self, pg: config.pg, volumeEpoch: claim.volumeEpoch, range } } });
          }
        }
      }),
      takeTruncateAck: base.enqueueActions(({ context, event, enqueue }) => {
        const claim = context.claim;
        if (claim === undefined || event.type !== 'truncateAck' || event.volumeEpoch !== claim.volumeEpoch) return;
        enqueue.assign({ claim: { ...claim, truncatedBy: withTruncation(claim, event) } });
      }),
      /** Asks the claim's pending request again: each is idempotent for the claimant. */
      retryClaim: base.enqueueActions(({ context, enqueue }) => {
        const claim = context.claim;
        if (claim === undefined || context.metadata === undefined) return;
        if (claim.step === 'read' || claim.volumeEpoch === undefined) {
          enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'metadataRead', from: context.self } } });
        } else if (claim.step === 'cas') {
          const expected = (claim.volumeEpoch - 1) as VolumeEpoch;
          enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'epochCas', from: context.self, expected, next: claim.volumeEpoch } } });
        } else if (claim.step === 'record') {
          enqueue({ type: 'send', params: { to: context.metadata, message: { type: 'recordTruncation', from: context.self, volumeEpoch: claim.volumeEpoch, range: claimedRange(claim) } } });
        } else {
          const range = claimedRange(claim);
          for (const config of claim.pgConfigs) {
            const took = claim.truncatedBy[config.pg] ?? [];
            for (const member of config.members) {
              if (took.includes(member)) continue;
              enqueue({ type: 'send', params: { to: member, message: { type: 'truncate', from: context.self, pg: config.pg, volumeEpoch: claim.volumeEpoch, range } } });
            }
          }
        }
        enqueue.raise({ type: 'claimRetry' }, { delay: context.retransmitAfterMs, id: GLOBAL_CLAIM_RETRY_TIMER });
      }),
      /**
       * The volume is the agent's at the claimed epoch and durable at the start: take the new
       * primary's shipments from there, and have the region's instances follow the agent.
       */
      startFollowing: base.enqueueActions(({ context, enqueue }) => {
        const claim = context.claim;
        if (claim?.volumeEpoch === undefined) return;
        const { follow, volumeEpoch } = claim;
        const writeQuorumByPg: Record<number, QuorumPredicate> = {};
        const membersByPg: Record<number, readonly string[]> = {};
        for (const config of claim.pgConfigs) {
          writeQuorumByPg[config.pg] = config.write;
          membersByPg[config.pg] = config.members;
        }
        // What the region holds: the start, or less after a managed failover to a region ahead of it.
        const holds = follow.holdsThroughLsn !== undefined && follow.holdsThroughLsn < follow.startLsn ? follow.holdsThroughLsn : follow.startLsn;
        const copying = holds < follow.startLsn && follow.copyFrom !== undefined;
        enqueue.cancel(GLOBAL_CLAIM_RETRY_TIMER);
        enqueue({ type: 'observe', params: { kind: 'globalFollowing', region: context.region, primaryRegion: follow.primaryRegion, startLsn: follow.startLsn, volumeEpoch } });
        for (const instance of context.instances) enqueue({ type: 'send', params: { to: instance, message: { type: 'stepDown', from: context.self } } });
        if (copying) {
          enqueue({ type: 'send', params: { to: follow.copyFrom as string, message: copyRequest(context, holds, follow.startLsn) } });
          enqueue.raise({ type: 'claimRetry' }, { delay: context.retransmitAfterMs * 10, id: GLOBAL_CLAIM_RETRY_TIMER });
        } else if (follow.rebuild === true) {
          enqueue({ type: 'send', params: { to: context.regionActor, message: { type: 'rebuilt', from: context.self, vdl: follow.startLsn } } });
        }
        enqueue.assign({
          copy: copying ? { source: follow.copyFrom as string, primaryRegion: follow.primaryRegion, throughLsn: follow.startLsn, copiedThrough: holds, rebuild: follow.rebuild === true } : undefined,
          log: queueOf(queueTake(context.log, firstAbove(context.log, holds))),
          claim: undefined,
          replicator: follow.replicator,
          volumeEpoch,
          membersByPg,
          writeQuorumByPg,
          tracker: createDurabilityTracker({ writeQuorumByPg, durableLsn: holds }),
          unacked: {},
          retransmitMark: {},
          seq: 0,
          outOfOrder: [],
          highestLsn: holds,
          shippedPrimaryVdl: holds,
          sentDurableLsn: holds,
          promotionFor: undefined,
        });
      }),
      /**
       * The new primary's agent answers a rebuild's copy from the records it took (§13, G4): the
       * next ones above `afterLsn`, at most `maxRecords` and then on to a CPL, never above the
       * request's end, so the asker's durable point stays on a CPL of the log.
       */
      answerCopy: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'globalCopyRequest') return;
        const records: RedoRecord[] = [];
        for (let index = firstAbove(context.log, event.afterLsn); index < queueSize(context.log); index += 1) {
          const record = queueAt(context.log, index) as RedoRecord;
          if (record.lsn > event.throughLsn) break;
          records.push(record);
          if (records.length >= event.maxRecords && record.isCpl) break;
        }
        const last = records[records.length - 1];
        const done = last === undefined || last.lsn >= event.throughLsn || firstAbove(context.log, last.lsn) >= queueSize(context.log);
        const batch: GlobalCopyBatchMessage = { type: 'globalCopyBatch', from: context.self, region: context.region, afterLsn: event.afterLsn, records, done };
        enqueue({ type: 'send', params: { to: event.from, message: batch } });
      }),
      /** A copy batch: written as shipments are (quorum writes, reports, instances), then the next asked for. */
      takeCopy: base.enqueueActions(({ context, event, enqueue }) => {
        const copy = context.copy;
        if (event.type !== 'globalCopyBatch' || copy === undefined) return;
        const fresh = event.records.filter((record) => record.lsn > context.highestLsn);
        const unacked: Record<number, readonly RedoRecord[]> = { ...context.unacked };
        for (const [pg, records] of byPg(fresh)) {
          for (const member of context.membersByPg[pg] ?? []) enqueue({ type: 'send', params: { to: member, message: batch(context, pg, records) } });
          unacked[pg] = [...(unacked[pg] ?? []), ...records];
        }
        const copiedThrough = fresh.length === 0 ? copy.copiedThrough : (fresh[fresh.length - 1] as RedoRecord).lsn;
        const tracker = fresh.length === 0 ? context.tracker : registerRecords(context.tracker, fresh);
        const shippedPrimaryVdl = copiedThrough > context.shippedPrimaryVdl ? copiedThrough : context.shippedPrimaryVdl;
        enqueue({ type: 'observe', params: { kind: 'shipped', from: copy.primaryRegion, to: context.region, primaryVdl: shippedPrimaryVdl } });
        enqueue({
          type: 'send',
          params: {
            to: context.regionActor,
            message: { type: 'globalShip', from: context.self, afterLsn: copy.copiedThrough, records: fresh.map(recordDigest), primaryVdl: shippedPrimaryVdl, commits: [] },
          },
        });
        const durableLsn = durableOf(shippedPrimaryVdl, tracker);
        feedInstances({ ...context, tracker, highestLsn: copiedThrough }, fresh, durableLsn, enqueue);
        enqueue.cancel(GLOBAL_CLAIM_RETRY_TIMER);
        if (event.done) {
          if (copy.rebuild) enqueue({ type: 'send', params: { to: context.regionActor, message: { type: 'rebuilt', from: context.self, vdl: copy.throughLsn } } });
        } else {
          enqueue({ type: 'send', params: { to: copy.source, message: copyRequest(context, copiedThrough, copy.throughLsn) } });
          enqueue.raise({ type: 'claimRetry' }, { delay: context.retransmitAfterMs * 10, id: GLOBAL_CLAIM_RETRY_TIMER });
        }
        enqueue.assign({
          copy: event.done ? undefined : { ...copy, copiedThrough },
          tracker,
          unacked,
          highestLsn: copiedThrough,
          shippedPrimaryVdl,
          sentDurableLsn: durableLsn > context.sentDurableLsn ? durableLsn : context.sentDurableLsn,
          ...(fresh.length === 0 ? {} : { log: queuePush(context.log, fresh) }),
        });
      }),
      /** A copy batch that did not come: asked for again. */
      retryCopy: base.enqueueActions(({ context, enqueue }) => {
        const copy = context.copy;
        if (copy === undefined) return;
        enqueue({ type: 'send', params: { to: copy.source, message: copyRequest(context, copy.copiedThrough, copy.throughLsn) } });
        enqueue.raise({ type: 'claimRetry' }, { delay: context.retransmitAfterMs * 10, id: GLOBAL_CLAIM_RETRY_TIMER });
      }),
      /** Records a PG has not made durable for a whole period go again to each member below them. */
      retransmit: base.enqueueActions(({ context, enqueue }) => {
        const retransmitMark: Record<number, Lsn> = {};
        for (const [key, pending] of Object.entries(context.unacked)) {
          const pg = Number(key);
          const mark = context.retransmitMark[pg] ?? LSN_ZERO;
          retransmitMark[pg] = pending.length === 0 ? LSN_ZERO : (pending[pending.length - 1] as RedoRecord).lsn;
          const aged = pending.filter((record) => record.lsn <= mark).slice(0, context.maxBatchRecords);
          if (aged.length === 0) continue;
          const sclBySegment = context.tracker.pgs[pg]?.sclBySegment ?? {};
          for (const member of context.membersByPg[pg] ?? []) {
            const missing = aged.filter((record) => record.lsn > (sclBySegment[member] ?? LSN_ZERO));
            if (missing.length > 0) enqueue({ type: 'send', params: { to: member, message: batch(context, pg, missing) } });
          }
        }
        enqueue.assign({ retransmitMark });
        enqueue.raise({ type: 'retransmitTick' }, { delay: context.retransmitAfterMs, id: GLOBAL_APPLY_RETRANSMIT_TIMER });
      }),
    },
  })
  .createMachine({
    id: 'globalApplier',
    context: ({ input }) => {
      const problem = globalApplierInputProblem(input);
      if (problem !== undefined) throw new GlobalApplierInputError(`globalApplier input: ${problem}`);
      const writeQuorumByPg: Record<number, QuorumPredicate> = {};
      const membersByPg: Record<number, readonly string[]> = {};
      for (const pg of input.pgs) {
        writeQuorumByPg[pg.pg] = pg.write;
        membersByPg[pg.pg] = pg.members;
      }
      return {
        metadata: input.metadata,
        startsStandby: input.standby ?? false,
        writeQuorumByPg,
        claim: undefined,
        log: emptyQueue<RedoRecord>(),
        copy: undefined,
        self: input.self,
        region: input.region,
        regionActor: input.regionActor,
        replicator: input.replicator,
        volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
        retransmitAfterMs: input.retransmitAfterMs ?? 100,
        maxBatchRecords: input.maxBatchRecords ?? 512,
        membersByPg,
        instances: input.instances ?? [],
        shippedPrimaryVdl: LSN_ZERO,
        sentDurableLsn: LSN_ZERO,
        promotionFor: undefined,
        seq: 0,
        outOfOrder: [],
        highestLsn: LSN_ZERO,
        tracker: createDurabilityTracker({ writeQuorumByPg }),
        unacked: {},
        retransmitMark: {},
      };
    },
    initial: 'starting',
    // Whatever it is doing, the agent answers a rebuild's copy from the records it took (§13, G4).
    on: { globalCopyRequest: { actions: 'answerCopy' } },
    states: {
      starting: {
        always: [{ guard: 'startsStandby', target: 'standby' }, { target: 'applying' }],
      },
      // The primary region's agent: the region's writer owns the volume.
      standby: {
        on: { globalFollow: { guard: 'canFollow', target: 'claiming', actions: 'beginClaim' } },
      },
      applying: {
        entry: 'armRetransmit',
        on: {
          globalApply: { guard: 'fromReplicator', actions: 'apply' },
          writeAck: { actions: 'takeAck' },
          retransmitTick: { actions: 'retransmit' },
          globalRecover: [{ guard: 'hasInstance', target: 'promoting', actions: 'promote' }, { actions: 'refusePromotion' }],
          globalFollow: { guard: 'canFollow', target: 'claiming', actions: 'beginClaim' },
        },
      },
      claiming: {
        on: {
          metadataState: [
            { guard: 'metadataRead', actions: 'askCas' },
            { guard: 'casWon', actions: 'recordRange' },
            { guard: 'casLost', actions: 'rereadMetadata' },
            { guard: 'rangeRecorded', actions: 'sendTruncation' },
          ],
          truncateAck: [
            { guard: 'truncatedNeedsCopy', target: 'copying', actions: 'startFollowing' },
            { guard: 'truncatedOnWriteQuorums', target: 'applying', actions: 'startFollowing' },
            { actions: 'takeTruncateAck' },
          ],
          claimRetry: { actions: 'retryClaim' },
        },
      },
      // A rebuild copies what the region lacks below the new primary's start before it takes
      // shipments (they wait, unacknowledged, and are sent again).
      copying: {
        entry: 'armRetransmit',
        on: {
          globalCopyBatch: [
            { guard: 'lastCopyBatch', target: 'applying', actions: 'takeCopy' },
            { guard: 'copyBatchInOrder', actions: 'takeCopy' },
          ],
          writeAck: { actions: 'takeAck' },
          retransmitTick: { actions: 'retransmit' },
          claimRetry: { actions: 'retryCopy' },
        },
      },
      // Shipments are no longer taken (nor acknowledged): the volume is the promoted instance's.
      promoting: {
        on: { writerOpen: { guard: 'promotedOpen', target: 'promoted', actions: 'reportRecovered' } },
      },
      // The region is a primary; a later switchover away from it makes it follow again.
      promoted: {
        on: { globalFollow: { guard: 'canFollow', target: 'claiming', actions: 'beginClaim' } },
      },
    },
  });
