/**
 * Compute instance (PROTOCOL §2.2, §2.5, §2.9, §2.10; SIGMOD'17 §4.2; SIGMOD'18 §2.2–2.4).
 *
 * States: `writer.open` (serving transactions), `writer.fenced` (a segment reported a newer volume
 * epoch: another writer recovered the volume, so this one acknowledges nothing more), `reader`
 * (a replica, promotable), `standby` (a spare the control plane can turn into a writer when no
 * replica is left), `recovering.*` (crash recovery after a promotion, fence first: see
 * `recovery-state.ts`), `down` (crashed or its AZ is out; tagged `offline`; a restart comes back
 * as a standby, its memory gone).
 *
 * Write path: each transaction becomes one MTR (its puts plus a commit record, the CPL) with LSNs
 * allocated under the LAL (back-pressure queues it otherwise); records go into per-PG boxcars whose
 * flush is submitted when the first record enters and which carry whatever queued until the link
 * takes them; each batch goes to all six segments. Acks carry SCLs; PGCL, VCL and VDL come from
 * `src/protocol/watermarks.ts`. A commit is acknowledged iff VDL ≥ its commit LSN. The redo stream
 * and VDL advances are published (the `publish` effect) for replicas and other regions.
 */
import { enqueueActions, setup } from 'xstate';
import type { Lsn, MembershipEpoch, PgId, VolumeEpoch } from '../src/protocol/ids.js';
import { createBacklinkState, createLsnAllocator } from '../src/protocol/lsn.js';
import type { BacklinkState } from '../src/protocol/lsn.js';
import type { Observation } from '../src/protocol/observations.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import type { StoredRecord } from '../src/protocol/recovery.js';
import { createDurabilityTracker } from '../src/protocol/watermarks.js';
import type { MetadataStateMessage, OutageSignal, PgConfigRecord, PgMembership, ProcessSignal, RedoPayload, SendParams, WireMessage } from './messages.js';
import type { InstalledChange } from './membership-state.js';
import { beginChange, changesPending, createMembershipState, finishChange, installedObservation, modelChange, recordMembershipAck, resendChanges, statusOf } from './membership-state.js';
import type { PgSight } from './membership-state.js';
import { setPgWriteQuorum } from '../src/protocol/watermarks.js';
import type { RecoveryState } from './recovery-state.js';
import {
  createRecoveryState,
  everyMemberAnswered,
  makePlan,
  readQuorumOfEveryPg,
  recordEpochAck,
  recordRecoveryResponse,
  recoveryOpens,
  repairedOnWriteQuorums,
  repairs,
  survivingRecords,
  truncatedOnWriteQuorums,
  truncates,
} from './recovery-state.js';
import type { ReplicaState } from './replica-state.js';
import { applicableCount, applyRecords, createReplicaState, receiveShipment, resetReplica } from './replica-state.js';
import type { ReplicaCacheOptions } from './replica-state.js';
import type { ReplicaReadEffect } from './replica-reads.js';
import { abandonReplicaReads, replicaHedgeTimerId, replicaPageArrived, retryReplicaRead, serveReplicaTxn } from './replica-reads.js';
import { createReadState, missingBlocks, nextAttempt, pageArrived, parkTransaction } from './read-state.js';
import type { WriterEffect, WriterState } from './writer-state.js';
import { acknowledgeCovered, applyAck, flushBoxcar, hasUnacked, reportEvictions, resendUnacked, retransmit, startTransaction } from './writer-state.js';

/** One PG as an instance knows it. */
export interface WriterPgInput {
  pg: number;
  /** Segment systemIds, all six. */
  members: readonly string[];
  /** The PG's write quorum predicate (4/6, full/tail, or 6/6 for the control arm). */
  write: QuorumPredicate;
  /** The PG's read quorum predicate (what recovery must hear from). @defaultValue 3 of the members */
  read?: QuorumPredicate;
  /** @defaultValue 1 */
  membershipEpoch?: number;
  /** Members that hold blocks (full segments, SIGMOD'18 §4.2). @defaultValue every member */
  fullMembers?: readonly string[];
  /** The membership record the metadata service kept (changes under way), if any. */
  membership?: PgMembership;
}

/** Input of {@link writerMachine}. */
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
  /** Replica: restart when it stays behind its known VDL this long (PROTOCOL §5 F2). @defaultValue 1000 */
  maxReplicaLagMs?: number;
  /** Replica: how long a restart takes. @defaultValue 2000 */
  replicaRestartMs?: number;
  /** How often the instance tells each PG's segments its minimum read point; 0 = never. @defaultValue 500 */
  mrplReportMs?: number;
}

/** Context of {@link writerMachine}. */
export interface WriterContext {
  self: string;
  role: 'writer' | 'reader' | 'standby';
  volumeEpoch: VolumeEpoch;
  input: WriterInput;
  retransmitAfterMs: number;
  retransmitDelayMs: number;
  retransmitArmed: boolean;
  /** VDL at the previous retransmit tick: no progress since then doubles the delay. */
  vdlAtLastTick: Lsn;
  linkBusyMsPerBatch: number;
  /** Owner-private working state of the write path (see `writer-state.ts`). */
  state: WriterState;
  /** Owner-private state of a recovery in progress (see `recovery-state.ts`). */
  recovery: RecoveryState | undefined;
  /** What the metadata service said last (read or CAS). */
  metadata: MetadataStateMessage | undefined;
  /** Owner-private state of the reader role (see `replica-state.ts`). */
  replica: ReplicaState;
  /** Records in the apply step in progress (0 when idle). */
  applying: number;
  /** Lag checks in a row that found the replica behind the VDL it knew at the previous check. */
  behindChecks: number;
  /** The known VDL at the previous lag check. */
  vdlAtLagCheck: Lsn;
  stats: { transactions: number; commitsAcknowledged: number; batches: number; recordsResent: number; lalStalls: number; recoveries: number };
}

/** Events the instance handles. */
export type WriterEvent =
  | WireMessage
  | { type: 'linkFree'; pg: number }
  | { type: 'retransmitTick' }
  | { type: 'recoveryRetry' }
  | { type: 'recoveryGraceOver' }
  | { type: 'applyDone' }
  | { type: 'readHedge'; requestId: number }
  | { type: 'replicaReadHedge'; requestId: number }
  | { type: 'lagCheck' }
  | { type: 'restartDone' }
  | { type: 'mrplTick' }
  | OutageSignal
  | ProcessSignal;

/** Timer ids (explicit: STYLE rule 2); per-PG timers carry the PG id. */
export const linkTimerId = (pg: number): string => `writer.link.${pg}`;
export const WRITER_RETRANSMIT_TIMER = 'writer.retransmit';
export const RECOVERY_RETRY_TIMER = 'recovery.retry';
export const RECOVERY_GRACE_TIMER = 'recovery.grace';
export const REPLICA_APPLY_TIMER = 'replica.apply';
/** Timer id of a page read's hedge. */
export const hedgeTimerId = (requestId: number): string => `read.hedge.${requestId}`;
export const REPLICA_LAG_TIMER = 'replica.lagCheck';
export const REPLICA_RESTART_TIMER = 'replica.restart';
export const MRPL_REPORT_TIMER = 'instance.mrplReport';
/** Period of a replica's lag check. */
const LAG_CHECK_MS = 100;

/** A replica's cache: `cacheBlocks` of the volume's blocks, pages read from full segments. */
function replicaCacheOf(input: WriterInput): ReplicaCacheOptions {
  const fullMembers = Object.fromEntries(input.pgs.map((pg) => [pg.pg, pg.fullMembers ?? pg.members]));
  return { cacheBlocks: input.cacheBlocks ?? 0, blockCount: input.pgs.length * input.blocksPerPg, fullMembers };
}

/** What a recovered writer starts from (PROTOCOL §5 R1 step 5). */
interface RecoveredStart {
  /** The end of the truncation range: the VDL the writer starts at. */
  durableLsn: Lsn;
  nextLsn: Lsn;
  backlinks: BacklinkState;
  /** Surviving records ≤ VDL', in LSN order: the values of the cache. */
  records: readonly StoredRecord<RedoPayload>[];
  /** The PG configurations recovery used (from the metadata service). */
  pgs: readonly WriterPgInput[];
}

function createWriterState(input: WriterInput, start?: RecoveredStart): WriterState {
  const members: Record<number, readonly string[]> = {};
  const membershipEpochs: Record<number, MembershipEpoch> = {};
  const writeQuorumByPg: Record<number, QuorumPredicate> = {};
  for (const pg of start?.pgs ?? input.pgs) {
    members[pg.pg] = pg.members;
    membershipEpochs[pg.pg] = (pg.membershipEpoch ?? 1) as MembershipEpoch;
    writeQuorumByPg[pg.pg] = pg.write;
  }
  const configs: Record<number, PgConfigRecord> = {};
  for (const pg of start?.pgs ?? input.pgs) {
    configs[pg.pg] = {
      pg: pg.pg as PgId,
      membershipEpoch: (pg.membershipEpoch ?? 1) as MembershipEpoch,
      members: pg.members,
      write: pg.write,
      read: pg.read ?? pg.write,
      ...(pg.membership === undefined ? {} : { membership: pg.membership }),
    };
  }
  const durableValues: Record<string, string> = {};
  for (const record of start?.records ?? []) {
    if (record.payload?.kind === 'put') durableValues[record.payload.key] = record.payload.value;
    // A base page (below a segment's GC point) holds the block's values as of its LSN.
    else if (record.payload?.kind === 'page') Object.assign(durableValues, record.payload.values);
  }
  return {
    layout: { pgCount: input.pgs.length, blocksPerPg: input.blocksPerPg },
    lal: input.lal,
    maxBatchRecords: input.maxBatchRecords ?? 256,
    members,
    membershipEpochs,
    allocator: createLsnAllocator({ lal: input.lal, nextLsn: start?.nextLsn }),
    backlinks: start?.backlinks ?? createBacklinkState(),
    tracker: createDurabilityTracker({ writeQuorumByPg, durableLsn: start?.durableLsn }),
    boxcars: {},
    unacked: {},
    retransmitMark: {},
    commitQueue: [],
    commitHead: 0,
    blocked: [],
    durableValues,
    pendingValues: [],
    pendingValuesHead: 0,
    nextMtrId: 1,
    membership: createMembershipState(configs),
    reads: createReadState(input.cacheBlocks ?? 0, Object.fromEntries((start?.pgs ?? input.pgs).map((pg) => [pg.pg, pg.fullMembers ?? pg.members])), tailsOf(input)),
  };
}

/**
 * The tail segments of the topology the instance started with. A recovered writer's PGs come from
 * the metadata service without kinds, so this is what keeps its reads off the tails.
 */
function tailsOf(input: WriterInput): Record<string, true> {
  const tails: Record<string, true> = {};
  for (const pg of input.pgs) {
    if (pg.fullMembers === undefined) continue;
    for (const member of pg.members) if (!pg.fullMembers.includes(member)) tails[member] = true;
  }
  return tails;
}

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
    backlinks: createBacklinkState({ lastVolumeLsn: plan.vdl, lastPgLsnByPg: { ...plan.lastPgLsnByPg }, lastBlockLsnByBlock }),
    records,
    pgs: recovery.pgs.map((pg) => ({
      pg: pg.pg,
      members: pg.members,
      write: pg.write,
      read: pg.read,
      membershipEpoch: pg.membershipEpoch,
      ...(pg.membership === undefined ? {} : { membership: pg.membership }),
    })),
  };
}

const instanceBase = setup({
  types: {
    context: {} as WriterContext,
    events: {} as WriterEvent,
    input: {} as WriterInput,
  },
  actions: {
    send: (_, _params: SendParams) => {},
    observe: (_, _params: Observation) => {},
    publish: (_, _params: { stream: string; item: unknown }) => {},
  },
});

type Enqueue = Parameters<Parameters<typeof instanceBase.enqueueActions>[0]>[0]['enqueue'];

const metadataOf = (context: WriterContext): string => context.input.metadataId ?? 'metadata';
const controlPlaneOf = (context: WriterContext): string => context.input.controlPlaneId ?? 'control-plane';

/**
 * Turns writer-state effects into the machine's named actions and timers. A flush submitted during
 * this step runs at its end, so every record the step queued rides in the batch (SIGMOD'18 §2.2:
 * the send is submitted with the first record and carries what queued until it executes).
 */
function emit(enqueue: Enqueue, context: WriterContext, effects: WriterEffect[]): number {
  let batches = 0;
  const who = { self: context.self, volumeEpoch: context.volumeEpoch };
  for (let i = 0; i < effects.length; i++) {
    const effect = effects[i] as WriterEffect;
    if (effect.type === 'flushSoon') {
      const boxcar = context.state.boxcars[effect.pg];
      if (boxcar !== undefined) boxcar.flushSubmitted = false;
      if (boxcar === undefined || boxcar.linkBusy) continue;
      // Appends the batch's sends to `effects`; this loop reaches them later.
      if (flushBoxcar(context.state, who, effect.pg, effects)) {
        batches++;
        enqueue.raise({ type: 'linkFree', pg: effect.pg }, { delay: context.linkBusyMsPerBatch, id: linkTimerId(effect.pg) });
      }
    } else if (effect.type === 'send') {
      enqueue({ type: 'send', params: effect.params });
    } else if (effect.type === 'observe') {
      enqueue({ type: 'observe', params: effect.params });
    } else {
      enqueue({ type: 'publish', params: effect.params });
    }
  }
  return batches;
}

/** A refusal for a transaction the instance cannot take now (clients see errors, not silence). */
function refusal(context: WriterContext, event: WriterEvent, reason: 'fenced' | 'recovering' | 'restarting'): SendParams {
  const txnId = event.type === 'txnRequest' ? event.txnId : -1;
  const to = event.type === 'txnRequest' ? event.from : context.self;
  return { to, message: { type: 'txnFail', from: context.self, txnId, reason } };
}

/** The answer to a health check from an instance in `state`. */
function pong(context: WriterContext, event: WriterEvent, state: string): SendParams {
  const round = event.type === 'healthPing' ? event.round : -1;
  const to = event.type === 'healthPing' ? event.from : context.self;
  return { to, message: { type: 'healthPong', from: context.self, round, role: context.role, state, volumeEpoch: context.volumeEpoch } };
}

/** Health-check handling for a state: the answer names the state. */
const answersHealthAs = (state: string) => ({
  healthPing: { actions: { type: 'send' as const, params: ({ context, event }: { context: WriterContext; event: WriterEvent }) => pong(context, event, state) } },
});

/**
 * Sends a page read to the next segment complete to its read point, and arms the hedge. With no
 * eligible segment yet (all behind), the hedge timer simply tries again later.
 */
function issueRead(enqueue: Enqueue, context: WriterContext, requestId: number): void {
  const { state } = context;
  const attempt = nextAttempt(state.reads, state.tracker, requestId, context.self, context.volumeEpoch);
  const hedgeAfterMs = context.input.hedgeAfterMs ?? 4;
  if (attempt !== undefined) {
    enqueue({ type: 'send', params: attempt });
    if (state.reads.inflight[requestId]?.tried.length === 1) {
      const read = state.reads.inflight[requestId];
      enqueue({ type: 'observe', params: { kind: 'readIssued', instance: context.self, requestId, pg: read?.pg ?? -1, readPoint: read?.readPoint ?? 0 } });
    }
    enqueue.raise({ type: 'readHedge', requestId }, { delay: hedgeAfterMs, id: hedgeTimerId(requestId) });
    return;
  }
  // Every eligible segment was asked and none answered (down, partitioned): start over, slower.
  const read = state.reads.inflight[requestId];
  if (read !== undefined) read.tried = [];
  enqueue.raise({ type: 'readHedge', requestId }, { delay: 10 * hedgeAfterMs, id: hedgeTimerId(requestId) });
}

/** Tells the storage control plane where a PG's membership changes stand. */
function sendStatus(enqueue: Enqueue, context: WriterContext, to: string, pg: number): void {
  const message = statusOf(context.state.membership, context.self, pg);
  if (message !== undefined) enqueue({ type: 'send', params: { to, message } });
}

/** What the writer knows of a PG's data: the SCLs segments acked, the PG's last allocated LSN. */
function sightOf(context: WriterContext, pg: number): PgSight {
  const { state } = context;
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
 * there), the storage control plane hears where the replacement stands.
 */
function install(enqueue: Enqueue, context: WriterContext, installed: InstalledChange): void {
  const { state } = context;
  const { config } = installed;
  state.members[config.pg] = config.members;
  state.membershipEpochs[config.pg] = config.membershipEpoch;
  // Page reads follow the members: a new member may serve them, a retired one will not. Known
  // tails stay filtered out; a replacement of a tail is learned at its first refusal.
  state.reads.fullMembers[config.pg] = config.members;
  const who = { self: context.self, volumeEpoch: context.volumeEpoch };
  const vclBefore = state.tracker.vcl;
  const vdlAdvanced = setPgWriteQuorum(state.tracker, config.pg, config.write);
  enqueue({ type: 'observe', params: installedObservation(context.self, installed) });
  const effects: WriterEffect[] = [];
  if (vdlAdvanced || state.tracker.vcl !== vclBefore) {
    // The new quorum may make records durable at once: report it (after the change itself, so the
    // judges know the configuration) and acknowledge what it covers.
    effects.push({ type: 'observe', params: { kind: 'watermarks', instance: context.self, volumeEpoch: context.volumeEpoch, vcl: state.tracker.vcl, vdl: state.tracker.vdl, maxAllocated: state.tracker.maxAllocatedLsn } });
    if (vdlAdvanced) acknowledgeCovered(state, who, effects);
  }
  // Members that adopted the new epoch first rejected batches sent at the old one: send them again.
  resendUnacked(state, who, config.pg, config.members, effects);
  emit(enqueue, context, effects);
  // With the changes under way (a copy: the writer updates its own in place), so that a writer
  // taking over after a failover can finish them.
  const membership = structuredClone(state.membership.pgs[config.pg]);
  const record: PgConfigRecord = membership === undefined ? config : { ...config, membership };
  enqueue({ type: 'send', params: { to: metadataOf(context), message: { type: 'recordMembership', from: context.self, config: record } } });
  sendStatus(enqueue, context, context.input.storageControlPlaneId ?? 'storage-control-plane', config.pg);
}

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
const replicaReading = (context: WriterContext) => ({ self: context.self, layout: context.state.layout, hedgeAfterMs: context.input.hedgeAfterMs ?? 4 });

/** Starts the next apply step if whole MTRs are applicable (one step at a time). */
function startApply(enqueue: Enqueue, context: WriterContext): void {
  const count = applicableCount(context.replica, 256);
  enqueue.assign({ applying: count });
  if (count > 0) {
    enqueue.raise({ type: 'applyDone' }, { delay: count * (context.input.applyMsPerRecord ?? 0.01), id: REPLICA_APPLY_TIMER });
  }
}

function sendAll(enqueue: Enqueue, sends: readonly { to: string; message: WireMessage }[]): void {
  for (const send of sends) enqueue({ type: 'send', params: send });
}

/** The instance; see the file header. */
export const writerMachine = instanceBase.extend({
  actions: {
    handleTransaction: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'txnRequest') return;
      const { state } = context;
      const effects: WriterEffect[] = [];
      const who = { self: context.self, volumeEpoch: context.volumeEpoch };
      // A get on a block not in the cache reads it from storage first (PROTOCOL §2.7).
      const missing = missingBlocks(state.reads, state.layout, event);
      if (missing.length > 0) {
        for (const requestId of parkTransaction(state.reads, state.layout, event, missing, state.tracker.vdl)) issueRead(enqueue, context, requestId);
        enqueue.assign({ stats: { ...context.stats, transactions: context.stats.transactions + 1 } });
        return;
      }
      // FIFO behind transactions already waiting for LSNs, so none starves.
      const started = state.blocked.length === 0 && startTransaction(state, who, event, effects);
      if (!started) state.blocked.push(event);
      const batches = emit(enqueue, context, effects);
      enqueue.assign({
        stats: { ...context.stats, transactions: context.stats.transactions + 1, lalStalls: context.stats.lalStalls + (started ? 0 : 1), batches: context.stats.batches + batches },
      });
      if (!context.retransmitArmed && started) {
        enqueue.raise({ type: 'retransmitTick' }, { delay: context.retransmitDelayMs, id: WRITER_RETRANSMIT_TIMER });
        enqueue.assign({ retransmitArmed: true });
      }
    }),
    handleAck: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'writeAck') return;
      const { state } = context;
      const effects: WriterEffect[] = [];
      const who = { self: context.self, volumeEpoch: context.volumeEpoch };
      if (applyAck(state, who, event, effects)) {
        // VDL moved: transactions held back by the LAL may now get LSNs.
        while (state.blocked.length > 0 && startTransaction(state, who, state.blocked[0] as never, effects)) state.blocked.shift();
      }
      const batches = emit(enqueue, context, effects);
      const acknowledged = effects.filter((effect) => effect.type === 'observe' && effect.params.kind === 'commitAck').length;
      if (acknowledged > 0 || batches > 0) {
        enqueue.assign({ stats: { ...context.stats, commitsAcknowledged: context.stats.commitsAcknowledged + acknowledged, batches: context.stats.batches + batches } });
      }
    }),
    // --- page reads (PROTOCOL §2.7) ---------------------------------------------------------
    handlePage: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'pageData') return;
      const { state } = context;
      enqueue.cancel(hedgeTimerId(event.requestId));
      const read = state.reads.inflight[event.requestId];
      if (read === undefined || read.blockId !== event.blockId || read.readPoint !== event.readPoint) return; // the slower of a hedged pair
      enqueue({ type: 'observe', params: { kind: 'readDone', instance: context.self, requestId: event.requestId, segment: event.from, hedged: read.tried.length > 1 } });
      const { ready, evictions } = pageArrived(state.reads, state.layout, event, { vdl: state.tracker.vdl });
      const effects: WriterEffect[] = [];
      const who = { self: context.self, volumeEpoch: context.volumeEpoch };
      reportEvictions(who, state.tracker.vdl, evictions, effects);
      for (const parked of ready) {
        const started = state.blocked.length === 0 && startTransaction(state, who, parked.request, effects, parked.values);
        if (!started) state.blocked.push(parked.request);
      }
      emit(enqueue, context, effects);
      if (ready.length > 0) armRetransmit(enqueue, context);
    }),
    /** No answer yet (or a refusal): ask another segment complete to the read point (hedging). */
    hedgeRead: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      const requestId = event.type === 'readHedge' ? event.requestId : event.type === 'readReject' ? event.requestId : -1;
      const read = context.state.reads.inflight[requestId];
      if (read === undefined) return;
      if (event.type === 'readReject') enqueue.cancel(hedgeTimerId(requestId));
      // A tail segment holds no blocks (SIGMOD'18 §4.2): never ask it again.
      if (event.type === 'readReject' && event.reason === 'tailSegment') context.state.reads.tails[event.from] = true;
      // Our read point fell below a segment's GC point: only possible once the segment stopped
      // counting our reports (we were cut off past the lease). Read again at the current VDL.
      if (event.type === 'readReject' && event.reason === 'belowGcPoint' && read.readPoint < context.state.tracker.vdl) {
        read.readPoint = context.state.tracker.vdl;
        read.tried = [];
      }
      context.state.reads.hedged++;
      issueRead(enqueue, context, requestId);
    }),
    // --- membership changes (PROTOCOL §2.11) ------------------------------------------------
    /** Begins a replacement or a quorum-model change; every request is answered with where the PG stands. */
    startMembershipChange: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'replaceSegment' && event.type !== 'changeQuorumModel') return;
      const { membership } = context.state;
      const change =
        event.type === 'replaceSegment'
          ? { kind: 'replace' as const, id: event.replacement, failed: event.failed, replacement: event.replacement }
          : modelChange(membership, event.pg, event.model, event.azMembers);
      if (change !== undefined) sendAll(enqueue, beginChange(membership, context.self, event.pg, change, sightOf(context, event.pg)));
      sendStatus(enqueue, context, event.from, event.pg);
      armRetransmit(enqueue, context);
    }),
    settleMembershipChange: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'finishMembershipChange') return;
      sendAll(enqueue, finishChange(context.state.membership, context.self, event.pg, event.change, event.outcome, sightOf(context, event.pg)));
      sendStatus(enqueue, context, event.from, event.pg);
      armRetransmit(enqueue, context);
    }),
    /** A member at a membership epoch the writer already holds rejected an older batch: resend now. */
    resendRejected: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'writeReject' || event.reason !== 'staleMembershipEpoch') return;
      const { state } = context;
      if ((state.membershipEpochs[event.pg] ?? 1) < event.membershipEpoch) return; // resent at install
      const effects: WriterEffect[] = [];
      resendUnacked(state, { self: context.self, volumeEpoch: context.volumeEpoch }, event.pg, [event.from], effects);
      emit(enqueue, context, effects);
    }),
    /** An ack of a membership change; with a write quorum of them, the new configuration is in force. */
    handleMembershipAck: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'membershipAck') return;
      const installed = recordMembershipAck(context.state.membership, event.pg, event.from, event.membershipEpoch, sightOf(context, event.pg).lastLsn);
      if (installed !== undefined) install(enqueue, context, installed);
    }),
    /** The link to a PG's segments is free: it takes whatever queued meanwhile. */
    handleLinkFree: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'linkFree') return;
      const boxcar = context.state.boxcars[event.pg];
      if (boxcar === undefined) return;
      boxcar.linkBusy = false;
      const batches = emit(enqueue, context, [{ type: 'flushSoon', pg: event.pg }]);
      if (batches > 0) enqueue.assign({ stats: { ...context.stats, batches: context.stats.batches + batches } });
    }),
    handleRetransmit: instanceBase.enqueueActions(({ context, enqueue }) => {
      const { state } = context;
      const effects: WriterEffect[] = [];
      const resent = retransmit(state, { self: context.self, volumeEpoch: context.volumeEpoch }, effects);
      emit(enqueue, context, effects);
      sendAll(enqueue, resendChanges(state.membership, context.self));
      // Back off while nothing becomes durable (an unreachable quorum), reset on progress.
      const progressed = state.tracker.vdl > context.vdlAtLastTick;
      const delay = progressed ? context.retransmitAfterMs : Math.min(context.retransmitDelayMs * 2, context.retransmitAfterMs * 16);
      const armed = hasUnacked(state) || state.blocked.length > 0 || changesPending(state.membership);
      if (armed) enqueue.raise({ type: 'retransmitTick' }, { delay, id: WRITER_RETRANSMIT_TIMER });
      enqueue.assign({
        retransmitArmed: armed,
        retransmitDelayMs: delay,
        vdlAtLastTick: state.tracker.vdl,
        stats: { ...context.stats, recordsResent: context.stats.recordsResent + resent },
      });
    }),
    /**
     * Tells every member of every PG this instance's minimum read point there (PROTOCOL §2.7,
     * §5 V11): the lowest read point of its page reads in flight on the PG, else its current read
     * point (the writer's VDL, a replica's applied VDL). Every later read is at or above it. A
     * replica that has no read point yet (just restarted) says nothing.
     */
    reportMrpl: instanceBase.enqueueActions(({ context, enqueue }) => {
      const period = context.input.mrplReportMs ?? 500;
      if (period <= 0) return;
      const readPoint = context.role === 'writer' ? context.state.tracker.vdl : context.replica.appliedLsn;
      if (context.role === 'writer' || readPoint > 0) {
        const lowestByPg: Record<number, Lsn> = {};
        const inflight = context.role === 'writer' ? context.state.reads.inflight : context.replica.reads.inflight;
        for (const read of Object.values(inflight)) {
          const lowest = lowestByPg[read.pg];
          if (lowest === undefined || read.readPoint < lowest) lowestByPg[read.pg] = read.readPoint;
        }
        for (const config of Object.values(context.state.membership.configs)) {
          const mrplLsn = Math.min(readPoint, lowestByPg[config.pg] ?? readPoint) as Lsn;
          for (const member of config.members) {
            enqueue({ type: 'send', params: { to: member, message: { type: 'setMrpl', from: context.self, pg: config.pg, mrplLsn } } });
          }
          enqueue({ type: 'observe', params: { kind: 'mrplReported', instance: context.self, pg: config.pg, mrplLsn } });
        }
      }
      enqueue.cancel(MRPL_REPORT_TIMER);
      enqueue.raise({ type: 'mrplTick' }, { delay: period, id: MRPL_REPORT_TIMER });
    }),
    stopWriterTimers: enqueueActions(({ context, enqueue }) => {
      enqueue.cancel(WRITER_RETRANSMIT_TIMER);
      enqueue.cancel(MRPL_REPORT_TIMER);
      for (const requestId of Object.keys(context.state.reads.inflight)) enqueue.cancel(hedgeTimerId(Number(requestId)));
      for (const pg of Object.keys(context.state.members)) enqueue.cancel(linkTimerId(Number(pg)));
      enqueue.cancel(RECOVERY_RETRY_TIMER);
      enqueue.cancel(RECOVERY_GRACE_TIMER);
      enqueue.assign({ retransmitArmed: false });
    }),
    // --- recovery (PROTOCOL §5 R1) ---------------------------------------------------------
    readMetadata: instanceBase.enqueueActions(({ context, enqueue }) => {
      enqueue({ type: 'send', params: { to: metadataOf(context), message: { type: 'metadataRead', from: context.self } } });
    }),
    rememberMetadata: instanceBase.assign({
      metadata: ({ context, event }) => (event.type === 'metadataState' ? event : context.metadata),
    }),
    /** Step 1: claim e' = e + 1; fails if another instance claimed it first. */
    claimEpoch: instanceBase.enqueueActions(({ context, enqueue }) => {
      const current = context.metadata?.volumeEpoch ?? context.volumeEpoch;
      const message: WireMessage = { type: 'epochCas', from: context.self, expected: current, next: (current + 1) as VolumeEpoch };
      enqueue({ type: 'send', params: { to: metadataOf(context), message } });
    }),
    /** Step 2: with e' held, fence and read every PG. */
    openVolume: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'metadataState') return;
      // The configurations in force come from the metadata service: membership may have moved on
      // since this instance started (PROTOCOL §2.11).
      const recovery = createRecoveryState({
        volumeEpoch: event.volumeEpoch,
        anchorLsn: event.anchorLsn,
        priorTruncations: event.truncations,
        lal: context.input.lal,
        pgs: context.input.pgs.map((pg) => {
          const config = event.pgConfigs[pg.pg];
          return {
            pg: pg.pg,
            members: config?.members ?? pg.members,
            read: config?.read ?? pg.read ?? (pg.write as QuorumPredicate),
            write: config?.write ?? pg.write,
            membershipEpoch: (config?.membershipEpoch ?? pg.membershipEpoch ?? 1) as MembershipEpoch,
            ...(config?.membership === undefined ? {} : { membership: config.membership }),
          };
        }),
      });
      enqueue.assign({ recovery, volumeEpoch: event.volumeEpoch, stats: { ...context.stats, recoveries: context.stats.recoveries + 1 } });
      sendAll(enqueue, recoveryOpens(recovery, context.self));
    }),
    recordResponse: instanceBase.enqueueActions(({ context, event }) => {
      if (event.type === 'recoveryState' && context.recovery !== undefined) recordRecoveryResponse(context.recovery, event);
    }),
    startGrace: instanceBase.raise({ type: 'recoveryGraceOver' }, { delay: ({ context }) => context.input.recoveryGraceMs ?? 5, id: RECOVERY_GRACE_TIMER }),
    /** Step 3: the plan; step 4 begins by storing the range in the metadata service. */
    planAndRecord: instanceBase.enqueueActions(({ context, enqueue }) => {
      const recovery = context.recovery;
      if (recovery === undefined) return;
      const plan = makePlan(recovery);
      if (plan === undefined) return;
      enqueue({
        type: 'observe',
        params: { kind: 'recovered', instance: context.self, volumeEpoch: plan.volumeEpoch, anchorLsn: plan.anchorLsn, vcl: plan.vcl, vdl: plan.vdl, truncationFromLsn: plan.truncation.fromLsn, truncationToLsn: plan.truncation.toLsn },
      });
      enqueue({ type: 'send', params: { to: metadataOf(context), message: { type: 'recordTruncation', from: context.self, volumeEpoch: plan.volumeEpoch, range: plan.truncation } } });
    }),
    sendTruncates: instanceBase.enqueueActions(({ context, enqueue }) => {
      if (context.recovery !== undefined) sendAll(enqueue, truncates(context.recovery, context.self));
    }),
    recordEpochAck: instanceBase.enqueueActions(({ context, event }) => {
      if ((event.type === 'truncateAck' || event.type === 'writeAck') && context.recovery !== undefined) recordEpochAck(context.recovery, event);
    }),
    sendRepairs: instanceBase.enqueueActions(({ context, enqueue }) => {
      if (context.recovery !== undefined) sendAll(enqueue, repairs(context.recovery, context.self, context.input.maxBatchRecords ?? 256));
    }),
    resendRecoveryOpens: instanceBase.enqueueActions(({ context, enqueue }) => {
      if (context.recovery !== undefined) sendAll(enqueue, recoveryOpens(context.recovery, context.self));
    }),
    /** (Re)arms the recovery retry timer: cancelled first, since it may still be pending. */
    armRetry: instanceBase.enqueueActions(({ context, enqueue }) => {
      enqueue.cancel(RECOVERY_RETRY_TIMER);
      enqueue.raise({ type: 'recoveryRetry' }, { delay: context.input.recoveryRetryMs ?? 100, id: RECOVERY_RETRY_TIMER });
    }),
    cancelRetry: enqueueActions(({ enqueue }) => {
      enqueue.cancel(RECOVERY_RETRY_TIMER);
    }),
    /** Step 6: LSNs continue above the truncation range; VDL starts at its end. */
    becomeWriter: instanceBase.enqueueActions(({ context, enqueue }) => {
      const recovery = context.recovery;
      if (recovery === undefined || recovery.plan === undefined) return;
      const start = recoveredStart(recovery);
      const state = createWriterState(context.input, start);
      enqueue.assign({ state, role: 'writer', recovery: undefined, retransmitArmed: false, retransmitDelayMs: context.retransmitAfterMs, vdlAtLastTick: start.durableLsn });
      enqueue({ type: 'observe', params: { kind: 'writerOpened', instance: context.self, volumeEpoch: recovery.volumeEpoch, nextLsn: start.nextLsn, vdl: start.durableLsn } });
      enqueue({ type: 'send', params: { to: controlPlaneOf(context), message: { type: 'writerOpen', from: context.self, volumeEpoch: recovery.volumeEpoch } } });
    }),
    forgetWriterState: instanceBase.assign(({ context }) => ({ state: createWriterState(context.input), recovery: undefined })),
    becomeStandby: instanceBase.assign({ role: 'standby' as const }),
    /** A restarted instance rejoins as a replica with a cold cache, following the current writer. */
    becomeReader: instanceBase.assign(({ context }) => ({
      role: 'reader' as const,
      replica: createReplicaState(context.volumeEpoch, replicaCacheOf(context.input)),
      applying: 0,
      behindChecks: 0,
    })),
    // --- reader role (PROTOCOL §2.8) --------------------------------------------------------
    /** Takes a shipment of redo and VDL; a newer writer or a hole in the stream restarts the cache. */
    receiveRedo: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'redoShip') return;
      const { replica } = context;
      if (event.volumeEpoch < replica.volumeEpoch) return;
      let applying = context.applying;
      const restart = (reason: 'newWriter' | 'gap'): void => {
        emitReplica(enqueue, abandonReplicaReads(replica, context.self));
        resetReplica(replica, event.volumeEpoch, event.vdl);
        enqueue({ type: 'observe', params: { kind: 'replicaRestarted', instance: context.self, reason } });
        // An apply step in progress belonged to the old stream: abandon it.
        enqueue.cancel(REPLICA_APPLY_TIMER);
        applying = 0;
      };
      if (event.volumeEpoch > replica.volumeEpoch) restart('newWriter');
      if (!receiveShipment(replica, event.records, event.vdl)) {
        restart('gap');
        receiveShipment(replica, event.records, event.vdl);
      }
      if (applying === 0) startApply(enqueue, { ...context, applying });
    }),
    /** A read-only transaction from the reader endpoint, served at the applied VDL (PROTOCOL §2.8). */
    serveReplicaTxn: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'txnRequest') emitReplica(enqueue, serveReplicaTxn(context.replica, event, replicaReading(context)));
    }),
    handleReplicaPage: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'pageData') emitReplica(enqueue, replicaPageArrived(context.replica, event, replicaReading(context)));
    }),
    /** A segment refused (not complete to the read point) or did not answer in time: ask the next. */
    retryReplicaRead: instanceBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'readReject' && event.type !== 'replicaReadHedge') return;
      const cause = event.type === 'readReject' ? (event.reason === 'belowGcPoint' ? 'collected' : 'reject') : 'hedge';
      // A tail segment holds no blocks (SIGMOD'18 §4.2): never ask it again.
      if (event.type === 'readReject' && event.reason === 'tailSegment') context.replica.reads.tails[event.from] = true;
      emitReplica(enqueue, retryReplicaRead(context.replica, event.requestId, cause, replicaReading(context)));
    }),
    /** An apply step finished: whole MTRs up to a CPL ≤ the known VDL are now visible. */
    finishApply: instanceBase.enqueueActions(({ context, enqueue }) => {
      const { replica } = context;
      applyRecords(replica, context.applying);
      enqueue({ type: 'observe', params: { kind: 'replicaApplied', instance: context.self, volumeEpoch: replica.volumeEpoch, appliedLsn: replica.appliedLsn, knownVdl: replica.knownVdl } });
      startApply(enqueue, { ...context, applying: 0 });
    }),
    armLagCheck: instanceBase.enqueueActions(({ enqueue }) => {
      enqueue.cancel(REPLICA_LAG_TIMER);
      enqueue.raise({ type: 'lagCheck' }, { delay: LAG_CHECK_MS, id: REPLICA_LAG_TIMER });
    }),
    /** Behind the VDL known one check ago, again: count it (a time measure: checks × period). */
    checkLag: instanceBase.enqueueActions(({ context, enqueue }) => {
      const behind = context.replica.appliedLsn < context.vdlAtLagCheck;
      enqueue.assign({ behindChecks: behind ? context.behindChecks + 1 : 0, vdlAtLagCheck: context.replica.knownVdl });
      enqueue.raise({ type: 'lagCheck' }, { delay: LAG_CHECK_MS, id: REPLICA_LAG_TIMER });
    }),
    /** Restarting drops the cache and backlog (PROTOCOL §5 F2). */
    dropReplicaState: instanceBase.enqueueActions(({ context, enqueue }) => {
      enqueue.cancel(REPLICA_APPLY_TIMER);
      enqueue.cancel(REPLICA_LAG_TIMER);
      emitReplica(enqueue, abandonReplicaReads(context.replica, context.self));
      resetReplica(context.replica, context.replica.volumeEpoch, context.replica.knownVdl);
      enqueue.assign({ applying: 0, behindChecks: 0 });
      enqueue({ type: 'observe', params: { kind: 'replicaRestarted', instance: context.self, reason: 'lag' } });
      enqueue.raise({ type: 'restartDone' }, { delay: context.input.replicaRestartMs ?? 2_000, id: REPLICA_RESTART_TIMER });
    }),
    stopReplicaTimers: instanceBase.enqueueActions(({ context, enqueue }) => {
      for (const requestId of Object.keys(context.replica.reads.inflight)) enqueue.cancel(replicaHedgeTimerId(Number(requestId)));
      enqueue.cancel(MRPL_REPORT_TIMER);
      enqueue.cancel(REPLICA_APPLY_TIMER);
      enqueue.cancel(REPLICA_LAG_TIMER);
      enqueue.cancel(REPLICA_RESTART_TIMER);
      enqueue.assign({ applying: 0, behindChecks: 0 });
    }),
  },
  delays: {
    fencedRestart: ({ context }) => context.input.fencedRestartMs ?? 1_000,
  },
  guards: {
    newerVolumeEpoch: ({ context, event }) => event.type === 'writeReject' && event.reason === 'staleVolumeEpoch' && event.volumeEpoch > context.volumeEpoch,
    startsAsWriter: ({ context }) => context.role === 'writer',
    startsAsReader: ({ context }) => context.role === 'reader',
    laggingTooFar: ({ context }) =>
      context.replica.appliedLsn < context.vdlAtLagCheck && (context.behindChecks + 1) * LAG_CHECK_MS >= (context.input.maxReplicaLagMs ?? 1_000),
    casWon: ({ context, event }) => event.type === 'metadataState' && event.request === 'cas' && event.ok && event.volumeEpoch > context.volumeEpoch,
    casLost: ({ event }) => event.type === 'metadataState' && event.request === 'cas' && !event.ok,
    metadataRead: ({ event }) => event.type === 'metadataState' && event.request === 'read',
    rangeRecorded: ({ context, event }) => event.type === 'metadataState' && event.request === 'recordTruncation' && event.ok && context.recovery !== undefined,
    readQuorumOfEveryPg: ({ context }) => context.recovery !== undefined && readQuorumOfEveryPg(context.recovery),
    everyMemberAnswered: ({ context }) => context.recovery !== undefined && everyMemberAnswered(context.recovery),
    truncatedOnWriteQuorums: ({ context }) => context.recovery !== undefined && truncatedOnWriteQuorums(context.recovery),
    repairedOnWriteQuorums: ({ context }) => context.recovery !== undefined && repairedOnWriteQuorums(context.recovery),
  },
}).createMachine({
  id: 'instance',
  context: ({ input }) => ({
    self: input.self,
    role: input.role ?? 'writer',
    volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
    input,
    retransmitAfterMs: input.retransmitAfterMs,
    retransmitDelayMs: input.retransmitAfterMs,
    retransmitArmed: false,
    vdlAtLastTick: 0 as Lsn,
    linkBusyMsPerBatch: input.linkBusyMsPerBatch,
    state: createWriterState(input),
    recovery: undefined,
    metadata: undefined,
    replica: createReplicaState((input.volumeEpoch ?? 1) as VolumeEpoch, replicaCacheOf(input)),
    applying: 0,
    behindChecks: 0,
    vdlAtLagCheck: 0 as Lsn,
    stats: { transactions: 0, commitsAcknowledged: 0, batches: 0, recordsResent: 0, lalStalls: 0, recoveries: 0 },
  }),
  initial: 'booting',
  states: {
    booting: {
      always: [{ guard: 'startsAsWriter', target: 'writer' }, { guard: 'startsAsReader', target: 'reader' }, { target: 'standby' }],
    },
    writer: {
      initial: 'open',
      on: {
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
      states: {
        open: {
          entry: 'reportMrpl',
          on: {
            mrplTick: { actions: 'reportMrpl' },
            txnRequest: { actions: 'handleTransaction' },
            writeAck: { actions: 'handleAck' },
            writeReject: [{ guard: 'newerVolumeEpoch', target: 'fenced' }, { actions: 'resendRejected' }],
            linkFree: { actions: 'handleLinkFree' },
            retransmitTick: { actions: 'handleRetransmit' },
            pageData: { actions: 'handlePage' },
            readReject: { actions: 'hedgeRead' },
            readHedge: { actions: 'hedgeRead' },
            replaceSegment: { actions: 'startMembershipChange' },
            changeQuorumModel: { actions: 'startMembershipChange' },
            finishMembershipChange: { actions: 'settleMembershipChange' },
            membershipAck: { actions: 'handleMembershipAck' },
            ...answersHealthAs('writer.open'),
          },
        },
        fenced: {
          // Another writer holds a newer volume epoch (SIGMOD'18 §2.4): acknowledge nothing more.
          // RDS then restarts the old writer as a replica (PROTOCOL §2.10), so it can follow the
          // new writer and be promoted again later.
          entry: 'stopWriterTimers',
          after: { fencedRestart: { target: '#instance.reader', actions: ['forgetWriterState', 'becomeReader'] } },
          on: {
            txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'fenced') } },
            ...answersHealthAs('writer.fenced'),
          },
        },
      },
    },
    reader: {
      initial: 'following',
      on: {
        ...answersHealthAs('reader'),
        promote: { target: 'recovering', actions: 'stopReplicaTimers' },
        crash: { target: 'down', actions: 'stopReplicaTimers' },
        outage: { target: 'down', actions: 'stopReplicaTimers' },
      },
      states: {
        following: {
          entry: ['armLagCheck', 'reportMrpl'],
          on: {
            mrplTick: { actions: 'reportMrpl' },
            redoShip: { actions: 'receiveRedo' },
            applyDone: { actions: 'finishApply' },
            txnRequest: { actions: 'serveReplicaTxn' },
            pageData: { actions: 'handleReplicaPage' },
            readReject: { actions: 'retryReplicaRead' },
            replicaReadHedge: { actions: 'retryReplicaRead' },
            lagCheck: [{ guard: 'laggingTooFar', target: 'restarting', actions: 'dropReplicaState' }, { actions: 'checkLag' }],
          },
        },
        restarting: {
          // The process restarts: the stream it misses meanwhile is lost, its cache cold after.
          on: {
            restartDone: { target: 'following' },
            txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'restarting') } },
          },
        },
      },
    },
    standby: {
      on: {
        ...answersHealthAs('standby'),
        promote: { target: 'recovering' },
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
    },
    recovering: {
      initial: 'readingMetadata',
      on: {
        txnRequest: { actions: { type: 'send', params: ({ context, event }) => refusal(context, event, 'recovering') } },
        ...answersHealthAs('recovering'),
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
      states: {
        readingMetadata: {
          entry: ['readMetadata', 'armRetry'],
          on: {
            metadataState: { guard: 'metadataRead', target: 'claiming', actions: ['cancelRetry', 'rememberMetadata'] },
            recoveryRetry: { target: 'readingMetadata', reenter: true },
          },
        },
        claiming: {
          entry: ['claimEpoch', 'armRetry'],
          on: {
            // Messages get lost: claim again (the metadata service answers a repeat idempotently).
            recoveryRetry: { actions: ['claimEpoch', 'armRetry'] },
            metadataState: [
              { guard: 'casWon', target: 'reading', actions: ['cancelRetry', 'rememberMetadata', 'openVolume'] },
              // Someone else recovered first (R1 step 1): stand by; the control plane decides.
              { guard: 'casLost', target: '#instance.standby', actions: ['cancelRetry', 'forgetWriterState', 'becomeStandby'] },
            ],
          },
        },
        reading: {
          entry: 'armRetry',
          on: {
            recoveryState: { actions: 'recordResponse' },
            recoveryRetry: { actions: ['resendRecoveryOpens', 'armRetry'] },
          },
          always: [
            { guard: 'everyMemberAnswered', target: 'planning' },
            { guard: 'readQuorumOfEveryPg', target: 'graceForStragglers' },
          ],
        },
        graceForStragglers: {
          // A read quorum of every PG answered; give the others a moment so repair can skip
          // records already on a write quorum.
          entry: 'startGrace',
          on: {
            recoveryState: { actions: 'recordResponse' },
            recoveryGraceOver: { target: 'planning' },
            recoveryRetry: { actions: ['resendRecoveryOpens', 'armRetry'] },
          },
          always: { guard: 'everyMemberAnswered', target: 'planning' },
        },
        planning: {
          entry: ['cancelRetry', 'planAndRecord', 'armRetry'],
          on: {
            metadataState: { guard: 'rangeRecorded', target: 'truncating' },
            recoveryRetry: { target: 'planning', reenter: true },
          },
        },
        truncating: {
          entry: ['sendTruncates', 'armRetry'],
          on: {
            truncateAck: { actions: 'recordEpochAck' },
            writeAck: { actions: 'recordEpochAck' },
            recoveryRetry: { actions: ['sendTruncates', 'armRetry'] },
          },
          always: { guard: 'truncatedOnWriteQuorums', target: 'repairing' },
        },
        repairing: {
          entry: ['sendRepairs', 'armRetry'],
          on: {
            truncateAck: { actions: 'recordEpochAck' },
            writeAck: { actions: 'recordEpochAck' },
            recoveryRetry: { actions: ['sendTruncates', 'sendRepairs', 'armRetry'] },
          },
          always: { guard: 'repairedOnWriteQuorums', target: '#instance.writer.open', actions: ['cancelRetry', 'becomeWriter'] },
        },
      },
    },
    down: {
      // In-memory state is lost; a restart brings the instance back as a replica (PROTOCOL §2.10).
      tags: ['offline'],
      entry: ['stopWriterTimers', 'forgetWriterState'],
      on: {
        restart: { target: 'reader', actions: 'becomeReader' },
        recover: { target: 'reader', actions: 'becomeReader' },
      },
    },
  },
});
