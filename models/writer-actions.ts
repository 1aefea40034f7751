/**
 * The writer role's actions (SIGMOD'17 §4.2; SIGMOD'18 §2.2–2.3, §3.1, §4.1): transactions,
 * write acks, boxcar flushes and retransmission, page reads, membership changes.
 *
 * Each action reads the context it is given, computes the next write-path state with the pure
 * steps of `writer-state.ts`, `read-state.ts` and `membership-state.ts`, enqueues its effects as
 * named actions and timers, and assigns the new state; nothing here writes into the context or
 * the event. The write-path steps return their effects as data; {@link emit} turns them into
 * actions and runs the flushes they submit at the end of the step.
 */
import { produce } from 'immer';
import { queueSize } from '../src/protocol/chunked.js';
import type { Lsn } from '../src/protocol/ids.js';
import { setPgWriteQuorum } from '../src/protocol/watermarks.js';
import { effectsAction } from './effects.js';
import type { ModelEffect } from './effects.js';
import type { Enqueue, WriterContext } from './instance-setup.js';
import { counted, hedgeTimerId, instanceSetup, linkTimerId, MRPL_REPORT_TIMER, RECOVERY_GRACE_TIMER, RECOVERY_RETRY_TIMER, sendAll, WRITER_RETRANSMIT_TIMER } from './instance-setup.js';
import type { InstalledChange, MembershipState, PgSight } from './membership-state.js';
import { beginChange, changesPending, finishChange, installedObservation, modelChange, recordMembershipAck, resendChanges, statusOf } from './membership-state.js';
import type { PgConfigRecord } from './messages.js';
import type { ReadState } from './read-state.js';
import { missingBlocks, nextAttempt, pageArrived, parkTransaction, withRead, withReads } from './read-state.js';
import type { WriterEffect, WriterIdentity, WriterState } from './writer-state.js';
import { acknowledgeCovered, answerGate, applyAck } from './writer-acks.js';
import { freeLink, hasUnacked, resendUnacked, retransmit, takeFlush } from './writer-batches.js';
import { addPgs, admitTransaction, createWriterState, growthAsk, reportEvictions, startBlocked, withWriter } from './writer-state.js';
import { resolvePg } from './instance-options.js';

const identityOf = (context: WriterContext): WriterIdentity => {
  const who: WriterIdentity =
    context.options.plant === undefined ? { self: context.self, volumeEpoch: context.volumeEpoch } : { self: context.self, volumeEpoch: context.volumeEpoch, plant: context.options.plant };
  return context.options.commitGateId === undefined ? who : { ...who, commitGate: context.options.commitGateId };
};

/**
 * Turns write-path effects into one `effects` action and timers, and returns the state
 * after the flushes they submitted. A flush submitted during this step runs at its end, so every
 * record the step queued rides in the batch (SIGMOD'18 §2.2: the send is submitted with the first
 * record and carries what queued until it executes). `effects` is this step's own list.
 */
function emit(enqueue: Enqueue, context: WriterContext, state: WriterState, effects: WriterEffect[]): { state: WriterState; batches: number } {
  let next = state;
  let batches = 0;
  const who = identityOf(context);
  const out: ModelEffect[] = [];
  for (let i = 0; i < effects.length; i++) {
    const effect = effects[i] as WriterEffect;
    if (effect.type === 'flushSoon') {
      // Appends the batch's sends to `effects`; this loop reaches them later.
      const flush = takeFlush(next, who, effect.pg, effects);
      next = flush.state;
      if (flush.sent) {
        batches++;
        enqueue.raise({ type: 'linkFree', pg: effect.pg }, { delay: context.options.linkBusyMsPerBatch, id: linkTimerId(effect.pg) });
      }
    } else if (effect.type === 'send') {
      out.push({ kind: 'send', to: effect.params.to, message: effect.params.message });
    } else if (effect.type === 'observe') {
      out.push({ kind: 'observe', observation: effect.params });
    } else {
      out.push({ kind: 'publish', stream: effect.params.stream, item: effect.params.item });
    }
  }
  // One `effects` action for the whole list (models/effects.ts): a flush alone sends six batches.
  if (out.length > 0) enqueue(effectsAction(out));
  return { state: next, batches };
}

/**
 * Sends a page read to the next segment complete to its read point, and arms the hedge. With no
 * eligible segment yet (all behind), the hedge timer simply tries again later. Returns the reads
 * with the attempt recorded.
 */
function issueRead(enqueue: Enqueue, context: WriterContext, state: WriterState, reads: ReadState, requestId: number): ReadState {
  const { hedgeAfterMs } = context.options;
  const { reads: next, attempt } = nextAttempt(reads, state.tracker, requestId, context.self, context.volumeEpoch);
  const read = reads.inflight[requestId];
  if (attempt !== undefined) {
    enqueue({ type: 'send', params: attempt });
    if (read?.tried.length === 0) {
      enqueue({ type: 'observe', params: { kind: 'readIssued', instance: context.self, requestId, pg: read.pg, readPoint: read.readPoint } });
    }
    enqueue.raise({ type: 'readHedge', requestId }, { delay: hedgeAfterMs, id: hedgeTimerId(requestId) });
    return next;
  }
  // Every eligible segment was asked and none answered (down, partitioned): start over, slower.
  enqueue.raise({ type: 'readHedge', requestId }, { delay: 10 * hedgeAfterMs, id: hedgeTimerId(requestId) });
  return read === undefined ? reads : withRead(reads, requestId, { ...read, tried: [] });
}

/** Tells the storage control plane where a PG's membership changes stand. */
function sendStatus(enqueue: Enqueue, context: WriterContext, membership: MembershipState, to: string, pg: number): void {
  const message = statusOf(membership, context.self, pg);
  if (message !== undefined) enqueue({ type: 'send', params: { to, message } });
}

/** What the writer knows of a PG's data: the SCLs segments acked, the PG's last allocated LSN. */
function sightOf(state: WriterState, pg: number): PgSight {
  return { sclBySegment: state.tracker.pgs[pg]?.sclBySegment ?? {}, lastLsn: state.backlinks.lastPgLsnByPg[pg] ?? (0 as Lsn) };
}

/** Arms the retransmit timer if it is not (membership changes are resent on it too). */
function armRetransmit(enqueue: Enqueue, context: WriterContext): void {
  if (context.retransmitArmed) return;
  enqueue.raise({ type: 'retransmitTick' }, { delay: context.retransmitDelayMs, id: WRITER_RETRANSMIT_TIMER });
  enqueue.assign({ retransmitArmed: true });
}

/**
 * Puts a membership change in force: batches go to the new member set at the new epoch, the PG's
 * durability follows the new write quorum, the metadata service records it (recovery reads it
 * there), the storage control plane hears where the replacement stands. `membership` is the
 * membership state with the change installed.
 */
function install(enqueue: Enqueue, context: WriterContext, installed: InstalledChange, membership: MembershipState): void {
  const { state } = context;
  const { config } = installed;
  const who = identityOf(context);
  const tracker = setPgWriteQuorum(state.tracker, config.pg, config.write);
  let next = withWriter(state, {
    membership,
    tracker,
    members: { ...state.members, [config.pg]: config.members },
    membershipEpochs: { ...state.membershipEpochs, [config.pg]: config.membershipEpoch },
    // Page reads follow the members: a new member may serve them, a retired one will not. Known
    // tails stay filtered out; a replacement of a tail is learned at its first refusal.
    reads: withReads(state.reads, { fullMembers: { ...state.reads.fullMembers, [config.pg]: config.members } }),
  });
  enqueue({ type: 'observe', params: installedObservation(context.self, installed) });
  const effects: WriterEffect[] = [];
  const vdlAdvanced = tracker.vdl > state.tracker.vdl;
  if (vdlAdvanced || tracker.vcl !== state.tracker.vcl) {
    // The new quorum may make records durable at once: report it (after the change itself, so the
    // judges know the configuration) and acknowledge what it covers.
    effects.push({ type: 'observe', params: { kind: 'watermarks', instance: context.self, volumeEpoch: context.volumeEpoch, vcl: tracker.vcl, vdl: tracker.vdl, maxAllocated: tracker.maxAllocatedLsn } });
    if (vdlAdvanced) next = acknowledgeCovered(next, who, effects);
  }
  // Members that adopted the new epoch first rejected batches sent at the old one: send them again.
  resendUnacked(next, who, config.pg, config.members, effects);
  next = emit(enqueue, context, next, effects).state;
  // With the changes under way, so that a writer taking over after a failover can finish them.
  const kept = membership.pgs[config.pg];
  const record: PgConfigRecord = kept === undefined ? config : { ...config, membership: kept };
  enqueue({ type: 'send', params: { to: context.options.metadataId, message: { type: 'recordMembership', from: context.self, config: record } } });
  sendStatus(enqueue, context, membership, context.options.storageControlPlaneId, config.pg);
  enqueue.assign({ state: next });
}

/** The writer role's actions; see the file header. */
export const writerActions = {
  handleTransaction: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'txnRequest') return;
    const { state } = context;
    // A get on a block not in the cache reads it from storage first (docs/protocol.md §5, reads).
    const missing = missingBlocks(state.reads, state.layout, event);
    if (missing.length > 0) {
      const parked = parkTransaction(state.reads, state.layout, event, missing, state.tracker.vdl);
      let reads = parked.reads;
      for (const requestId of parked.newReads) reads = issueRead(enqueue, context, state, reads, requestId);
      enqueue.assign({ state: withWriter(state, { reads }), stats: counted(context.stats, { transactions: 1 }) });
      return;
    }
    const effects: WriterEffect[] = [];
    const admitted = admitTransaction(state, identityOf(context), event, effects);
    const { state: next, batches } = emit(enqueue, context, admitted.state, effects);
    // A transaction that waits for the volume to grow is not held back by the LAL; the retransmit
    // timer asks again for the growth should the ask or its answer be lost.
    const growthWait = !admitted.started && growthAsk(state, context.self, event) !== undefined;
    const lalStall = !admitted.started && !growthWait;
    const arm = !context.retransmitArmed && (admitted.started || growthWait);
    if (arm) enqueue.raise({ type: 'retransmitTick' }, { delay: context.retransmitDelayMs, id: WRITER_RETRANSMIT_TIMER });
    enqueue.assign({
      state: next,
      stats: counted(context.stats, { transactions: 1, lalStalls: lalStall ? 1 : 0, batches }),
      ...(arm ? { retransmitArmed: true } : {}),
    });
  }),
  handleAck: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'writeAck') return;
    const effects: WriterEffect[] = [];
    const who = identityOf(context);
    const applied = applyAck(context.state, who, event, effects);
    // VDL moved: transactions held back by the LAL may now get LSNs.
    const started = applied.vdlAdvanced ? startBlocked(applied.state, who, effects) : applied.state;
    const { state: next, batches } = emit(enqueue, context, started, effects);
    let acknowledged = 0;
    for (const effect of effects) if (effect.type === 'observe' && effect.params.kind === 'commitAck') acknowledged++;
    if (acknowledged > 0 || batches > 0) {
      enqueue.assign({ state: next, stats: counted(context.stats, { commitsAcknowledged: acknowledged, batches }) });
    } else if (next !== context.state) {
      enqueue.assign({ state: next });
    }
  }),
  /** RPO control: the region's answer lets commits through, or refuses them (`answerGate`). */
  /**
   * Answers a switchover's read-only request (docs/protocol.md §11.1, switchover) with the VDL and
   * whether it is final: no transaction waits for LSNs, no commit for its acknowledgement, and
   * VDL covers every LSN allocated. The state change itself is the machine's transition.
   */
  answerReadOnly: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'readOnlyRequest') return;
    const { state } = context;
    const drained = event.readOnly && state.blocked.length === 0 && queueSize(state.commitQueue) === 0 && state.tracker.vdl >= state.tracker.maxAllocatedLsn;
    enqueue({ type: 'send', params: { to: event.from, message: { type: 'writerReadOnly', from: context.self, readOnly: event.readOnly, vdl: state.tracker.vdl, drained } } });
  }),
  handleGateAnswer: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'commitGateAnswer') return;
    const effects: WriterEffect[] = [];
    const state = answerGate(context.state, identityOf(context), event, effects);
    if (state === context.state) return;
    const { state: next } = emit(enqueue, context, state, effects);
    let acknowledged = 0;
    for (const effect of effects) if (effect.type === 'observe' && effect.params.kind === 'commitAck') acknowledged++;
    enqueue.assign({ state: next, stats: counted(context.stats, { commitsAcknowledged: acknowledged, batches: 0 }) });
  }),
  // --- page reads (docs/protocol.md §5) ---------------------------------------------------
  handlePage: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'pageData') return;
    const { state } = context;
    enqueue.cancel(hedgeTimerId(event.requestId));
    const read = state.reads.inflight[event.requestId];
    if (read === undefined || read.blockId !== event.blockId || read.readPoint !== event.readPoint) return; // the slower of a hedged pair
    enqueue({ type: 'observe', params: { kind: 'readDone', instance: context.self, requestId: event.requestId, segment: event.from, hedged: read.tried.length > 1 } });
    const { reads, ready, evictions } = pageArrived(state.reads, state.layout, event, { vdl: state.tracker.vdl });
    const effects: WriterEffect[] = [];
    const who = identityOf(context);
    reportEvictions(who, state.tracker.vdl, evictions, effects);
    let next = withWriter(state, { reads });
    for (const parked of ready) next = admitTransaction(next, who, parked.request, effects, parked.values).state;
    enqueue.assign({ state: emit(enqueue, context, next, effects).state });
    if (ready.length > 0) armRetransmit(enqueue, context);
  }),
  /** No answer yet (or a refusal): ask another segment complete to the read point (hedging). */
  hedgeRead: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    const requestId = event.type === 'readHedge' ? event.requestId : event.type === 'readReject' ? event.requestId : -1;
    const { state } = context;
    const read = state.reads.inflight[requestId];
    if (read === undefined) return;
    if (event.type === 'readReject') enqueue.cancel(hedgeTimerId(requestId));
    const { vdl } = state.tracker;
    const reads = produce(state.reads, (draft) => {
      // A tail segment holds no blocks (SIGMOD'18 §4.2): never ask it again.
      if (event.type === 'readReject' && event.reason === 'tailSegment') draft.tails[event.from] = true;
      // Our read point fell below a segment's GC point: only possible once the segment stopped
      // counting our reports (we were cut off past the lease). Read again at the current VDL.
      const again = draft.inflight[requestId];
      if (event.type === 'readReject' && event.reason === 'belowGcPoint' && read.readPoint < vdl && again !== undefined) {
        again.readPoint = vdl;
        again.tried = [];
      }
      draft.hedged++;
    });
    enqueue.assign({ state: withWriter(state, { reads: issueRead(enqueue, context, state, reads, requestId) }) });
  }),
  // --- membership changes (docs/protocol.md §8) -------------------------------------------
  /** Begins a replacement or a quorum-model change; every request is answered with where the PG stands. */
  startMembershipChange: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'replaceSegment' && event.type !== 'changeQuorumModel') return;
    const { state } = context;
    const change =
      event.type === 'replaceSegment'
        ? { kind: 'replace' as const, id: event.replacement, failed: event.failed, replacement: event.replacement }
        : modelChange(state.membership, event.pg, event.model, event.azMembers);
    const step = change === undefined ? { state: state.membership, sends: [] } : beginChange(state.membership, context.self, event.pg, change, sightOf(state, event.pg));
    sendAll(enqueue, step.sends);
    sendStatus(enqueue, context, step.state, event.from, event.pg);
    if (step.state !== state.membership) enqueue.assign({ state: withWriter(state, { membership: step.state }) });
    armRetransmit(enqueue, context);
  }),
  settleMembershipChange: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'finishMembershipChange') return;
    const { state } = context;
    const step = finishChange(state.membership, context.self, event.pg, event.change, event.outcome, sightOf(state, event.pg));
    sendAll(enqueue, step.sends);
    sendStatus(enqueue, context, step.state, event.from, event.pg);
    if (step.state !== state.membership) enqueue.assign({ state: withWriter(state, { membership: step.state }) });
    armRetransmit(enqueue, context);
  }),
  /** A member at a membership epoch the writer already holds rejected an older batch: resend now. */
  resendRejected: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'writeReject' || event.reason !== 'staleMembershipEpoch') return;
    const { state } = context;
    if ((state.membershipEpochs[event.pg] ?? 1) < event.membershipEpoch) return; // resent at install
    const effects: WriterEffect[] = [];
    resendUnacked(state, identityOf(context), event.pg, [event.from], effects);
    emit(enqueue, context, state, effects);
  }),
  /** An ack of a membership change; with a write quorum of them, the new configuration is in force. */
  handleMembershipAck: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'membershipAck') return;
    const { state } = context;
    const step = recordMembershipAck(state.membership, event.pg, event.from, event.membershipEpoch, sightOf(state, event.pg).lastLsn);
    if (step.installed !== undefined) install(enqueue, context, step.installed, step.state);
    else if (step.state !== state.membership) enqueue.assign({ state: withWriter(state, { membership: step.state }) });
  }),
  /** The link to a PG's segments is free: it takes whatever queued meanwhile. */
  handleLinkFree: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'linkFree') return;
    const freed = freeLink(context.state, event.pg);
    if (freed === undefined) return;
    const { state: next, batches } = emit(enqueue, context, freed, [{ type: 'flushSoon', pg: event.pg }]);
    enqueue.assign(batches > 0 ? { state: next, stats: counted(context.stats, { batches }) } : { state: next });
  }),
  /**
   * The volume grew (docs/protocol.md §1.1): the new PGs join the instance's state and its options
   * (a restart keeps them), and a writer starts the transactions that waited for them. Every role
   * learns it, so a replica reports its read point to the new PGs and a later writer knows them.
   */
  learnGeometry: instanceSetup.enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'geometryChanged') return;
    const known = new Set(context.options.pgs.map((pg) => pg.pg));
    const fresh = event.configs.filter((config) => !known.has(config.pg));
    const options = fresh.length === 0 ? context.options : { ...context.options, pgs: [...context.options.pgs, ...fresh.map((config) => resolvePg({ ...config }))] };
    const grown = addPgs(context.state, event.configs);
    if (grown === context.state && options === context.options) return;
    if (context.role !== 'writer') {
      enqueue.assign({ state: grown, options });
      return;
    }
    const effects: WriterEffect[] = [];
    const started = startBlocked(grown, identityOf(context), effects);
    const { state: next, batches } = emit(enqueue, context, started, effects);
    enqueue.assign({ state: next, options, stats: counted(context.stats, { batches }) });
    armRetransmit(enqueue, context);
  }),
  handleRetransmit: instanceSetup.enqueueActions(({ context, enqueue }) => {
    const effects: WriterEffect[] = [];
    // A transaction waiting for the volume to grow asks again (the ask or its answer may be lost).
    const waiting = context.state.blocked[0];
    const ask = waiting === undefined ? undefined : growthAsk(context.state, context.self, waiting);
    if (ask !== undefined) effects.push({ type: 'send', params: ask });
    const resend = retransmit(context.state, identityOf(context), effects);
    const { state: next } = emit(enqueue, context, resend.state, effects);
    sendAll(enqueue, resendChanges(next.membership, context.self));
    // Back off while nothing becomes durable (an unreachable quorum), reset on progress.
    const { retransmitAfterMs } = context.options;
    const progressed = next.tracker.vdl > context.vdlAtLastTick;
    const delay = progressed ? retransmitAfterMs : Math.min(context.retransmitDelayMs * 2, retransmitAfterMs * 16);
    const armed = hasUnacked(next) || next.blocked.length > 0 || changesPending(next.membership);
    if (armed) enqueue.raise({ type: 'retransmitTick' }, { delay, id: WRITER_RETRANSMIT_TIMER });
    enqueue.assign({
      state: next,
      retransmitArmed: armed,
      retransmitDelayMs: delay,
      vdlAtLastTick: next.tracker.vdl,
      stats: counted(context.stats, { recordsResent: resend.resent }),
    });
  }),
  stopWriterTimers: instanceSetup.enqueueActions(({ context, enqueue }) => {
    enqueue.cancel(WRITER_RETRANSMIT_TIMER);
    enqueue.cancel(MRPL_REPORT_TIMER);
    for (const requestId of Object.keys(context.state.reads.inflight)) enqueue.cancel(hedgeTimerId(Number(requestId)));
    for (const pg of Object.keys(context.state.members)) enqueue.cancel(linkTimerId(Number(pg)));
    enqueue.cancel(RECOVERY_RETRY_TIMER);
    enqueue.cancel(RECOVERY_GRACE_TIMER);
    enqueue.assign({ retransmitArmed: false });
  }),
  /**
   * In-memory state is lost (a crash, or a fenced writer restarting): the write path starts fresh.
   * A recovery abandoned (crash, outage, lost claim) forgets its cap with it: the next promotion
   * brings its own (docs/protocol.md §11.1).
   */
  forgetWriterState: instanceSetup.assign(({ context }) => ({ state: createWriterState(context.options), recovery: undefined, recoverTo: undefined })),
};
