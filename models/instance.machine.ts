/**
 * Compute instance, writer role (PROTOCOL §2.2, §2.5; SIGMOD'17 §4.2; SIGMOD'18 §2.2–2.3).
 *
 * States: `open` (serving transactions), `fenced` (a segment reported a newer volume epoch: another
 * writer recovered the volume, so this one may acknowledge nothing new), `down` (crashed or its AZ
 * is out; tagged `offline`). Crash recovery and the reader role arrive with the failover work.
 *
 * Write path: each transaction becomes one MTR (its puts plus a commit record, the CPL) with LSNs
 * allocated under the LAL (back-pressure queues it otherwise); records go into per-PG boxcars whose
 * flush is submitted when the first record enters and which carry whatever queued until the link
 * takes them; each batch goes to all six segments. Acks carry SCLs; PGCL, VCL and VDL come from
 * `src/protocol/watermarks.ts`. A commit is acknowledged iff VDL ≥ its commit LSN. The redo stream
 * and VDL advances are published (the `publish` effect) for replicas and other regions.
 */
import { enqueueActions, setup } from 'xstate';
import type { Lsn, MembershipEpoch, VolumeEpoch } from '../src/protocol/ids.js';
import { createBacklinkState, createLsnAllocator } from '../src/protocol/lsn.js';
import type { Observation } from '../src/protocol/observations.js';
import type { QuorumPredicate } from '../src/protocol/quorum.js';
import { createDurabilityTracker } from '../src/protocol/watermarks.js';
import type { OutageSignal, ProcessSignal, SendParams, WireMessage } from './messages.js';
import type { WriterEffect, WriterState } from './writer-state.js';
import { applyAck, flushBoxcar, hasUnacked, retransmit, startTransaction } from './writer-state.js';

/** One PG as the writer knows it. */
export interface WriterPgInput {
  pg: number;
  /** Segment systemIds, all six. */
  members: readonly string[];
  /** The PG's write quorum predicate (4/6, full/tail, or 6/6 for the control arm). */
  write: QuorumPredicate;
  /** @defaultValue 1 */
  membershipEpoch?: number;
}

/** Input of {@link writerMachine}. */
export interface WriterInput {
  self: string;
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
}

/** Context of {@link writerMachine}. */
export interface WriterContext {
  self: string;
  volumeEpoch: VolumeEpoch;
  retransmitAfterMs: number;
  retransmitDelayMs: number;
  retransmitArmed: boolean;
  /** VDL at the previous retransmit tick: no progress since then doubles the delay. */
  vdlAtLastTick: Lsn;
  linkBusyMsPerBatch: number;
  /** Owner-private working state (see `writer-state.ts`). */
  state: WriterState;
  stats: { transactions: number; commitsAcknowledged: number; batches: number; recordsResent: number; lalStalls: number };
}

/** Events the writer handles. */
export type WriterEvent =
  | WireMessage
  | { type: 'linkFree'; pg: number }
  | { type: 'retransmitTick' }
  | OutageSignal
  | ProcessSignal;

/** Timer ids (explicit: STYLE rule 2); per-PG timers carry the PG id. */
export const linkTimerId = (pg: number): string => `writer.link.${pg}`;
export const WRITER_RETRANSMIT_TIMER = 'writer.retransmit';

function createWriterState(input: WriterInput): WriterState {
  const members: Record<number, readonly string[]> = {};
  const membershipEpochs: Record<number, MembershipEpoch> = {};
  const writeQuorumByPg: Record<number, QuorumPredicate> = {};
  for (const pg of input.pgs) {
    members[pg.pg] = pg.members;
    membershipEpochs[pg.pg] = (pg.membershipEpoch ?? 1) as MembershipEpoch;
    writeQuorumByPg[pg.pg] = pg.write;
  }
  return {
    layout: { pgCount: input.pgs.length, blocksPerPg: input.blocksPerPg },
    lal: input.lal,
    maxBatchRecords: input.maxBatchRecords ?? 256,
    members,
    membershipEpochs,
    allocator: createLsnAllocator({ lal: input.lal }),
    backlinks: createBacklinkState(),
    tracker: createDurabilityTracker({ writeQuorumByPg }),
    boxcars: {},
    unacked: {},
    retransmitMark: {},
    commitQueue: [],
    commitHead: 0,
    blocked: [],
    durableValues: {},
    pendingValues: [],
    pendingValuesHead: 0,
    nextMtrId: 1,
  };
}

const writerBase = setup({
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

type Enqueue = Parameters<Parameters<typeof writerBase.enqueueActions>[0]>[0]['enqueue'];

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

/** The writer instance; see the file header. */
export const writerMachine = writerBase.extend({
  actions: {
    handleTransaction: writerBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'txnRequest') return;
      const { state } = context;
      const effects: WriterEffect[] = [];
      const who = { self: context.self, volumeEpoch: context.volumeEpoch };
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
    handleAck: writerBase.enqueueActions(({ context, event, enqueue }) => {
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
    /** The link to a PG's segments is free: it takes whatever queued meanwhile. */
    handleLinkFree: writerBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'linkFree') return;
      const boxcar = context.state.boxcars[event.pg];
      if (boxcar === undefined) return;
      boxcar.linkBusy = false;
      const batches = emit(enqueue, context, [{ type: 'flushSoon', pg: event.pg }]);
      if (batches > 0) enqueue.assign({ stats: { ...context.stats, batches: context.stats.batches + batches } });
    }),
    handleRetransmit: writerBase.enqueueActions(({ context, enqueue }) => {
      const { state } = context;
      const effects: WriterEffect[] = [];
      const resent = retransmit(state, { self: context.self, volumeEpoch: context.volumeEpoch }, effects);
      emit(enqueue, context, effects);
      // Back off while nothing becomes durable (an unreachable quorum), reset on progress.
      const progressed = state.tracker.vdl > context.vdlAtLastTick;
      const delay = progressed ? context.retransmitAfterMs : Math.min(context.retransmitDelayMs * 2, context.retransmitAfterMs * 16);
      const armed = hasUnacked(state) || state.blocked.length > 0;
      if (armed) enqueue.raise({ type: 'retransmitTick' }, { delay, id: WRITER_RETRANSMIT_TIMER });
      enqueue.assign({
        retransmitArmed: armed,
        retransmitDelayMs: delay,
        vdlAtLastTick: state.tracker.vdl,
        stats: { ...context.stats, recordsResent: context.stats.recordsResent + resent },
      });
    }),
    refuseTransaction: writerBase.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'txnRequest') return;
      enqueue({ type: 'send', params: { to: event.from, message: { type: 'txnFail', from: context.self, txnId: event.txnId, reason: 'writerUnavailable' } } });
    }),
    stopTimers: enqueueActions(({ context, enqueue }) => {
      enqueue.cancel(WRITER_RETRANSMIT_TIMER);
      for (const pg of Object.keys(context.state.members)) {
        enqueue.cancel(linkTimerId(Number(pg)));
      }
      enqueue.assign({ retransmitArmed: false });
    }),
  },
  guards: {
    newerVolumeEpoch: ({ context, event }) => event.type === 'writeReject' && event.reason === 'staleVolumeEpoch' && event.volumeEpoch > context.volumeEpoch,
  },
}).createMachine({
  id: 'writer',
  context: ({ input }) => ({
    self: input.self,
    volumeEpoch: (input.volumeEpoch ?? 1) as VolumeEpoch,
    retransmitAfterMs: input.retransmitAfterMs,
    retransmitDelayMs: input.retransmitAfterMs,
    retransmitArmed: false,
    vdlAtLastTick: 0 as Lsn,
    linkBusyMsPerBatch: input.linkBusyMsPerBatch,
    state: createWriterState(input),
    stats: { transactions: 0, commitsAcknowledged: 0, batches: 0, recordsResent: 0, lalStalls: 0 },
  }),
  initial: 'open',
  states: {
    open: {
      on: {
        txnRequest: { actions: 'handleTransaction' },
        writeAck: { actions: 'handleAck' },
        writeReject: { guard: 'newerVolumeEpoch', target: 'fenced' },
        linkFree: { actions: 'handleLinkFree' },
        retransmitTick: { actions: 'handleRetransmit' },
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
    },
    fenced: {
      // Another writer holds a newer volume epoch (SIGMOD'18 §2.4): acknowledge nothing more.
      entry: 'stopTimers',
      on: {
        txnRequest: { actions: 'refuseTransaction' },
        crash: { target: 'down' },
        outage: { target: 'down' },
      },
    },
    down: {
      // In-memory state is lost; coming back needs crash recovery (the failover work).
      tags: ['offline'],
      entry: 'stopTimers',
    },
  },
});
