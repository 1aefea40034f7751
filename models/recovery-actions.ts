/**
 * Crash recovery's actions, run by an instance promoted to writer (SIGMOD'17 §4.3; SIGMOD'18
 * §2.4): read the metadata service, claim the next volume epoch, fence and read every PG, plan,
 * record and write the truncation range, re-replicate, then open as the writer. The bookkeeping
 * is `recovery-state.ts`; the chart that orders these steps is `instance.machine.ts`. Each action
 * assigns the next recovery state and never writes into the context or the event.
 */
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import { createBacklinkState } from '../src/protocol/lsn.js';
import type { WriterContext } from './instance-setup.js';
import { counted, instanceSetup, RECOVERY_GRACE_TIMER, RECOVERY_RETRY_TIMER, sendAll } from './instance-setup.js';
import type { InstancePg } from './instance-options.js';
import type { MetadataStateMessage, RecoverTo, WireMessage } from './messages.js';
import type { TruncationRange } from '../src/protocol/recovery.js';
import type { BacktrackVisibility } from '../src/protocol/segment-store.js';
import type { RecoveryState } from './recovery-state.js';
import { createRecoveryState, makePlan, recordEpochAck, recordRecoveryResponse, recoveryOpens, repairs, survivingRecords, truncates } from './recovery-state.js';
import type { RecoveredStart } from './writer-state.js';
import { createWriterState } from './writer-state.js';

/** The writer's starting point after a recovery: LSNs above the range, backlinks, cached values. */
function recoveredStart(recovery: RecoveryState): RecoveredStart {
  const plan = recovery.plan;
  if (plan === undefined) throw new Error('recovery opened the volume without a plan');
  const records = survivingRecords(recovery);
  const lastBlockLsnByBlock: Record<number, Lsn> = {};
  for (const record of records) lastBlockLsnByBlock[record.blockId] = record.lsn;
  return {
    durableLsn: plan.truncation.toLsn,
    nextLsn: plan.nextLsn,
    backlinks: createBacklinkState({ lastVolumeLsn: plan.vdl, lastPgLsnByPg: plan.lastPgLsnByPg, lastBlockLsnByBlock }),
    records,
    // The configurations come from the metadata service, without segment kinds: every member may
    // serve pages, except the tails the topology named (the options' `tails`).
    pgs: recovery.pgs.map((pg) => ({
      pg: pg.pg,
      members: pg.members,
      write: pg.write,
      read: pg.read,
      membershipEpoch: pg.membershipEpoch,
      fullMembers: pg.members,
      ...(pg.membership === undefined ? {} : { membership: pg.membership }),
    })),
  };
}

/**
 * The PGs a recovery fences and reads: the instance's own, and every PG the metadata service holds
 * that it does not know (a grown volume's, docs/protocol.md §1.1), in PG order. The answer to the
 * epoch claim carries the PGs recorded by then; any recorded later starts at the claimed epoch.
 */
export function pgsToRecover(context: WriterContext, answer: MetadataStateMessage): InstancePg[] {
  const known = new Set(context.options.pgs.map((pg) => pg.pg));
  const added = Object.values(answer.pgConfigs)
    .filter((config) => !known.has(config.pg))
    .map((config): InstancePg => ({ pg: config.pg, members: config.members, write: config.write, read: config.read, membershipEpoch: config.membershipEpoch, fullMembers: config.members }));
  return added.length === 0 ? [...context.options.pgs] : [...context.options.pgs, ...added].sort((a, b) => a.pg - b.pg);
}

/**
 * A backtrack's recovery bounds (docs/protocol.md §10, backtrack): its range reaches past every
 * LSN any writer used — this writer's highest allocated, the recorded ranges' ends — by LAL, and
 * the hidden set is the time's set plus everything above the point through that range end, so the
 * next writer, which starts above it, is never hidden.
 */
function backtrackRecovery(recoverTo: RecoverTo, metadata: { volumeEpoch: VolumeEpoch; truncations: readonly TruncationRange[] }, lal: number): { truncateThroughLsn: Lsn; backtrack: BacktrackVisibility } {
  const priorEnd = metadata.truncations.reduce((end, range) => Math.max(end, range.toLsn), 0);
  const bound = (Math.max(recoverTo.highestWrittenLsn, recoverTo.durableLsn, priorEnd) + lal) as Lsn;
  const hidden = [...(recoverTo.backtrack?.hidden ?? []).filter((range) => range.fromLsn <= recoverTo.durableLsn), { fromLsn: (recoverTo.durableLsn + 1) as Lsn, toLsn: bound }];
  return { truncateThroughLsn: bound, backtrack: { volumeEpoch: metadata.volumeEpoch, hidden } };
}

const metadataRequest = (context: WriterContext, message: WireMessage) => ({ type: 'send' as const, params: { to: context.options.metadataId, message } });

/** Recovery's actions; see the file header. */
export const recoveryActions = {
  /**
   * Taken with every `promote`: keeps its cap, or none. Replacing rather than keeping an older
   * value means a plain promotion never recovers under a cap left from an earlier one
   * (docs/protocol.md §11.1; see `recoverTo` in `instance-setup.ts`).
   */
  rememberRecoverTo: instanceSetup.assign({
    recoverTo: ({ event }) => (event.type === 'promote' ? event.recoverTo : undefined),
  }),
  /**
   * A backtrack asked of the open writer (docs/protocol.md §10, backtrack): recover capped at the
   * point, hiding rather than annulling above it, through every LSN this writer allocated.
   */
  rememberBacktrack: instanceSetup.assign({
    recoverTo: ({ context, event }) =>
      event.type === 'backtrack'
        ? { durableLsn: event.toLsn, highestWrittenLsn: context.state.tracker.maxAllocatedLsn, backtrack: { hidden: event.hidden } }
        : context.recoverTo,
  }),
  readMetadata: instanceSetup.enqueueActions(({ context, enqueue }) => {
    enqueue(metadataRequest(context, { type: 'metadataRead', from: context.self }));
  }),
  rememberMetadata: instanceSetup.assign({
    metadata: ({ context, event }) => (event.type === 'metadataState' ? event : context.metadata),
  }),
  /** Step 1: claim e' = e + 1; fails if another instance claimed it first. */
  claimEpoch: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const current = context.metadata?.volumeEpoch ?? context.volumeEpoch;
    enqueue(metadataRequest(context, { type: 'epochCas', from: context.self, expected: current, next: (current + 1) as VolumeEpoch }));
  }),
  /** Step 2: with e' held, fence and read every PG. */
  openVolume: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'metadataState') return;
    // The configurations in force come from the metadata service: membership may have moved on
    // since this instance started (docs/protocol.md §8, membership changes).
    const recovery = createRecoveryState({
      volumeEpoch: event.volumeEpoch,
      anchorLsn: event.anchorLsn,
      priorTruncations: event.truncations,
      lal: context.options.lal,
      ...(context.options.plant === undefined ? {} : { plant: context.options.plant }),
      // A promoted Global Database secondary opens at most at its durable LSN and annuls through
      // the highest LSN its replication agent wrote (docs/protocol.md §11.1).
      ...(context.recoverTo === undefined ? {} : { capLsn: context.recoverTo.durableLsn, truncateThroughLsn: context.recoverTo.highestWrittenLsn }),
      ...(context.recoverTo?.backtrack === undefined ? {} : backtrackRecovery(context.recoverTo, event, context.options.lal)),
      pgs: pgsToRecover(context, event).map((pg) => {
        const config = event.pgConfigs[pg.pg];
        return {
          pg: pg.pg,
          members: config?.members ?? pg.members,
          read: config?.read ?? pg.read,
          write: config?.write ?? pg.write,
          membershipEpoch: config?.membershipEpoch ?? pg.membershipEpoch,
          ...(config?.membership === undefined ? {} : { membership: config.membership }),
        };
      }),
    });
    enqueue.assign({ recovery, volumeEpoch: event.volumeEpoch, stats: counted(context.stats, { recoveries: 1 }) });
    sendAll(enqueue, recoveryOpens(recovery, context.self));
  }),
  recordResponse: instanceSetup.assign({
    recovery: ({ context, event }) => (event.type === 'recoveryState' && context.recovery !== undefined ? recordRecoveryResponse(context.recovery, event) : context.recovery),
  }),
  startGrace: instanceSetup.raise({ type: 'recoveryGraceOver' }, { delay: ({ context }) => context.options.recoveryGraceMs, id: RECOVERY_GRACE_TIMER }),
  /** Step 3: the plan; step 4 begins by storing the range in the metadata service. */
  planAndRecord: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const planned = context.recovery === undefined ? undefined : makePlan(context.recovery);
    const plan = planned?.plan;
    if (planned === undefined || plan === undefined) return;
    enqueue.assign({ recovery: planned });
    enqueue({
      type: 'observe',
      params: { kind: 'recovered', instance: context.self, volumeEpoch: plan.volumeEpoch, anchorLsn: plan.anchorLsn, vcl: plan.vcl, vdl: plan.vdl, truncationFromLsn: plan.truncation.fromLsn, truncationToLsn: plan.truncation.toLsn },
    });
    enqueue(metadataRequest(context, { type: 'recordTruncation', from: context.self, volumeEpoch: plan.volumeEpoch, range: plan.truncation }));
  }),
  sendTruncates: instanceSetup.enqueueActions(({ context, enqueue }) => {
    if (context.recovery !== undefined) sendAll(enqueue, truncates(context.recovery, context.self));
  }),
  recordEpochAck: instanceSetup.assign({
    recovery: ({ context, event }) => ((event.type === 'truncateAck' || event.type === 'writeAck') && context.recovery !== undefined ? recordEpochAck(context.recovery, event) : context.recovery),
  }),
  sendRepairs: instanceSetup.enqueueActions(({ context, enqueue }) => {
    if (context.recovery !== undefined) sendAll(enqueue, repairs(context.recovery, context.self, context.options.maxBatchRecords));
  }),
  resendRecoveryOpens: instanceSetup.enqueueActions(({ context, enqueue }) => {
    if (context.recovery !== undefined) sendAll(enqueue, recoveryOpens(context.recovery, context.self));
  }),
  /** (Re)arms the recovery retry timer: cancelled first, since it may still be pending. */
  armRetry: instanceSetup.enqueueActions(({ context, enqueue }) => {
    enqueue.cancel(RECOVERY_RETRY_TIMER);
    enqueue.raise({ type: 'recoveryRetry' }, { delay: context.options.recoveryRetryMs, id: RECOVERY_RETRY_TIMER });
  }),
  cancelRetry: instanceSetup.enqueueActions(({ enqueue }) => {
    enqueue.cancel(RECOVERY_RETRY_TIMER);
  }),
  /** Step 6: LSNs continue above the truncation range; VDL starts at its end. */
  becomeWriter: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const recovery = context.recovery;
    if (recovery === undefined || recovery.plan === undefined) return;
    const start = recoveredStart(recovery);
    const state = createWriterState(context.options, start);
    // The cap served this recovery only: the open writer's VDL moves past it (see `recoverTo`).
    enqueue.assign({ state, role: 'writer', recovery: undefined, recoverTo: undefined, retransmitArmed: false, retransmitDelayMs: context.options.retransmitAfterMs, vdlAtLastTick: start.durableLsn });
    enqueue({ type: 'observe', params: { kind: 'writerOpened', instance: context.self, volumeEpoch: recovery.volumeEpoch, nextLsn: start.nextLsn, vdl: start.durableLsn } });
    // A promoted Global Database secondary also says where its recovery opened, VDL' (the
    // region's statechart reports it as the new primary's start, docs/protocol.md §11.1); the
    // writer's own VDL starts at the range's end, above it.
    const message: WireMessage =
      context.recoverTo === undefined
        ? { type: 'writerOpen', from: context.self, volumeEpoch: recovery.volumeEpoch }
        : { type: 'writerOpen', from: context.self, volumeEpoch: recovery.volumeEpoch, recoveredVdl: recovery.plan.vdl, truncatedThroughLsn: recovery.plan.truncation.toLsn };
    enqueue({ type: 'send', params: { to: context.recoverTo?.reportTo ?? context.options.controlPlaneId, message } });
  }),
  becomeStandby: instanceSetup.assign({ role: 'standby' as const }),
};
