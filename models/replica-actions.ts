/**
 * The reader role's actions: a read replica following the writer's redo stream and serving
 * read-only transactions at its applied VDL (SIGMOD'17 §4.2.4; SIGMOD'18 §3.2–3.4). The state and
 * its steps are `replica-state.ts` and `replica-reads.ts`; each action here assigns the next
 * replica state, turns the steps' effects into named actions and timers, and never writes into
 * the context or the event.
 */
import type { Enqueue, WriterContext } from './instance-setup.js';
import { instanceSetup, LAG_CHECK_MS, MRPL_REPORT_TIMER, REPLICA_APPLY_TIMER, REPLICA_LAG_TIMER, REPLICA_RESTART_TIMER, replicaCacheOf } from './instance-setup.js';
import type { ReplicaReadEffect, ReplicaReadOptions } from './replica-reads.js';
import { abandonReplicaReads, replicaHedgeTimerId, replicaPageArrived, retryReplicaRead, serveReplicaTxn } from './replica-reads.js';
import type { ReplicaState } from './replica-state.js';
import { withReads } from './read-state.js';
import { applicableCount, applyRecords, createReplicaState, receiveShipment, resetReplica, withReplica } from './replica-state.js';
import { LSN_ZERO } from '../src/protocol/ids.js';

/** Turns a replica read step's effects into the machine's named actions and timers. */
function emitReplica(enqueue: Enqueue, effects: readonly ReplicaReadEffect[]): void {
  for (const effect of effects) {
    if (effect.type === 'send') enqueue({ type: 'send', params: effect.params });
    else if (effect.type === 'observe') enqueue({ type: 'observe', params: effect.params });
    else if (effect.type === 'armHedge') enqueue.raise({ type: 'replicaReadHedge', requestId: effect.requestId }, { delay: effect.delayMs, id: replicaHedgeTimerId(effect.requestId) });
    else enqueue.cancel(replicaHedgeTimerId(effect.requestId));
  }
}

/** How this instance reads as a replica. */
const replicaReading = (context: WriterContext): ReplicaReadOptions => ({ self: context.self, layout: context.state.layout, hedgeAfterMs: context.options.hedgeAfterMs });

/** Starts the next apply step if whole MTRs are applicable (one step at a time); returns its size. */
function startApply(enqueue: Enqueue, context: WriterContext, replica: ReplicaState): number {
  const count = applicableCount(replica, 256, context.options.plant === 'replica-applies-above-vdl');
  if (count > 0) {
    enqueue.raise({ type: 'applyDone' }, { delay: count * context.options.applyMsPerRecord, id: REPLICA_APPLY_TIMER });
  }
  return count;
}

/** The reader role's actions; see the file header. */
export const replicaActions = {
  /**
   * A restarted instance rejoins as a replica with a cold cache, following the current writer. Its
   * memory is gone, so it knows no read point: like a replica that restarted for lag, it takes the
   * stream from the first shipment that reaches it and serves no reads before it has applied one
   * (`servesReads`). A read point of 0 would read an empty volume, below what the instance had
   * told the segments before its crash (S14) and below what its clients had already seen.
   */
  becomeReader: instanceSetup.assign(({ context }) => ({
    role: 'reader' as const,
    replica: resetReplica(createReplicaState(context.volumeEpoch, replicaCacheOf(context.options)), context.volumeEpoch, LSN_ZERO),
    applying: 0,
    behindChecks: 0,
  })),
  /** Takes a shipment of redo and VDL; a newer writer or a hole in the stream restarts the cache. */
  receiveRedo: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'redoShip') return;
    let { replica, applying } = context;
    if (event.volumeEpoch < replica.volumeEpoch) return;
    const restart = (reason: 'newWriter' | 'gap'): void => {
      emitReplica(enqueue, abandonReplicaReads(replica, context.self));
      replica = resetReplica(replica, event.volumeEpoch, event.vdl);
      enqueue({ type: 'observe', params: { kind: 'replicaRestarted', instance: context.self, reason } });
      // An apply step in progress belonged to the old stream: abandon it.
      enqueue.cancel(REPLICA_APPLY_TIMER);
      applying = 0;
    };
    if (event.volumeEpoch > replica.volumeEpoch) restart('newWriter');
    let received = receiveShipment(replica, event.records, event.vdl);
    if (received === undefined) {
      restart('gap');
      // After a restart the replica follows the stream from the shipment's first record.
      received = receiveShipment(replica, event.records, event.vdl) ?? replica;
    }
    if (applying === 0) applying = startApply(enqueue, context, received);
    enqueue.assign({ replica: received, applying });
  }),
  /** A read-only transaction from the reader endpoint, served at the applied VDL (docs/protocol.md §5, read replicas). */
  serveReplicaTxn: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'txnRequest') return;
    const step = serveReplicaTxn(context.replica, event, replicaReading(context));
    emitReplica(enqueue, step.effects);
    if (step.replica !== context.replica) enqueue.assign({ replica: step.replica });
  }),
  handleReplicaPage: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'pageData') return;
    const step = replicaPageArrived(context.replica, event, replicaReading(context));
    emitReplica(enqueue, step.effects);
    if (step.replica !== context.replica) enqueue.assign({ replica: step.replica });
  }),
  /** A segment refused (not complete to the read point) or did not answer in time: ask the next. */
  retryReplicaRead: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'readReject' && event.type !== 'replicaReadHedge') return;
    const cause = event.type === 'readReject' ? (event.reason === 'belowGcPoint' ? 'collected' : 'reject') : 'hedge';
    let { replica } = context;
    // A tail segment holds no blocks (SIGMOD'18 §4.2): never ask it again.
    if (event.type === 'readReject' && event.reason === 'tailSegment') replica = withReplica(replica, { reads: withReads(replica.reads, { tails: { ...replica.reads.tails, [event.from]: true } }) });
    const step = retryReplicaRead(replica, event.requestId, cause, replicaReading(context));
    emitReplica(enqueue, step.effects);
    if (step.replica !== context.replica) enqueue.assign({ replica: step.replica });
  }),
  /** An apply step finished: whole MTRs up to a CPL ≤ the known VDL are now visible. */
  finishApply: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const replica = applyRecords(context.replica, context.applying);
    enqueue({ type: 'observe', params: { kind: 'replicaApplied', instance: context.self, volumeEpoch: replica.volumeEpoch, appliedLsn: replica.appliedLsn, knownVdl: replica.knownVdl } });
    enqueue.assign({ replica, applying: startApply(enqueue, context, replica) });
  }),
  armLagCheck: instanceSetup.enqueueActions(({ enqueue }) => {
    enqueue.cancel(REPLICA_LAG_TIMER);
    enqueue.raise({ type: 'lagCheck' }, { delay: LAG_CHECK_MS, id: REPLICA_LAG_TIMER });
  }),
  /** Behind the VDL known one check ago, again: count it (a time measure: checks × period). */
  checkLag: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const behind = context.replica.appliedLsn < context.vdlAtLagCheck;
    enqueue.assign({ behindChecks: behind ? context.behindChecks + 1 : 0, vdlAtLagCheck: context.replica.knownVdl });
    enqueue.raise({ type: 'lagCheck' }, { delay: LAG_CHECK_MS, id: REPLICA_LAG_TIMER });
  }),
  /** Restarting drops the cache and backlog (docs/protocol.md §13, F2). */
  dropReplicaState: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const { replica } = context;
    enqueue.cancel(REPLICA_APPLY_TIMER);
    enqueue.cancel(REPLICA_LAG_TIMER);
    emitReplica(enqueue, abandonReplicaReads(replica, context.self));
    enqueue.assign({ replica: resetReplica(replica, replica.volumeEpoch, replica.knownVdl), applying: 0, behindChecks: 0 });
    enqueue({ type: 'observe', params: { kind: 'replicaRestarted', instance: context.self, reason: 'lag' } });
    enqueue.raise({ type: 'restartDone' }, { delay: context.options.replicaRestartMs, id: REPLICA_RESTART_TIMER });
  }),
  stopReplicaTimers: instanceSetup.enqueueActions(({ context, enqueue }) => {
    for (const requestId of Object.keys(context.replica.reads.inflight)) enqueue.cancel(replicaHedgeTimerId(Number(requestId)));
    enqueue.cancel(MRPL_REPORT_TIMER);
    enqueue.cancel(REPLICA_APPLY_TIMER);
    enqueue.cancel(REPLICA_LAG_TIMER);
    enqueue.cancel(REPLICA_RESTART_TIMER);
    enqueue.assign({ applying: 0, behindChecks: 0 });
  }),
};
