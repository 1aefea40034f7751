/**
 * A MySQL instance of the mirrored-MySQL baseline, "RDS MySQL Multi-AZ" as SIGMOD'17 Figure 2
 * draws it (docs/protocol.md §16): the active primary in AZ 1 or the standby in AZ 2.
 *
 * Primary. A transaction's puts dirty pages in the buffer pool; its commit writes the redo log,
 * then the binlog (two-phase commit with the binlog as coordinator, both flushed per commit: our
 * reading [I] of Figure 2's "log" and "binlog" writes), and is acknowledged once the binlog write
 * is complete. With `binlogSyncPerCommit: false` (`sync_binlog=0`) it is acknowledged after the
 * redo write, and the binlog cached meanwhile is written at the next checkpoint [I]. A block write is complete when it is durable on all four copies: the primary's
 * EBS volume and its mirror, then (sequentially, SIGMOD'17 §3.1: "steps 1, 3, and 5 are
 * sequential and synchronous") the standby's EBS volume and its mirror. With group commit, the
 * commits that arrive while a log write is in flight share the next one. Every
 * `checkpointIntervalMs` the checkpointer writes the dirty pages: first to the double-write buffer,
 * then, once that write is complete, in place (each page twice, SIGMOD'17 §3.1), and
 * `frmWritesPerCheckpoint` FRM metadata blocks. Each put dirties `pagesDirtiedPerPut` pages of its
 * own (a key's row never shares a page with another key's: [I]); a page dirtied twice between
 * checkpoints is written once.
 *
 * Standby. It writes each mirrored block to its own EBS volume and acknowledges it once durable
 * there; it serves no transactions. On `promote` it takes `failoverMs` (detection, crash recovery
 * and the DNS switch: the AWS User Guide, "Multi-AZ DB instance deployments", typically 60–120 s)
 * and then opens as a primary without a standby (RDS builds a new standby later; not modelled).
 *
 * `mirroring: 'async'` is a planted mistake for the lost-commit check (docs/protocol.md §16): the
 * primary completes a write once its own volume has it and ships the mirror copies to the standby
 * every `asyncShipIntervalMs`, so a crash loses what it had not shipped.
 *
 * Effects are data (one `effects` action per transition); time and chance stay with the kernel.
 */
import { setup } from 'xstate';
import type { TxnFailMessage, TxnOkMessage, TxnRequestMessage } from './messages.js';
import type { EffectsParams, ModelEffect } from './effects.js';
import { unprovidedEffect } from './effects.js';
import type { IntMap } from '../src/protocol/int-map.js';
import { emptyIntMap, intMapGet, intMapSet } from '../src/protocol/int-map.js';
import type { BinlogShipMessage, BlockWrite, EbsAckMessage, EbsWriteMessage, IoKind, MirrorAckMessage, MirrorWriteMessage } from './mirrored-mysql-messages.js';

/** How the primary mirrors block writes to the standby. */
export type MirroringMode = 'sync' | 'async';

/** Input of {@link mirroredInstanceMachine}. */
export interface MirroredInstanceInput {
  /** The instance's systemId, e.g. `mysql:us-east-1a:primary`. */
  self: string;
  role: 'primary' | 'standby';
  /** Its EBS volume. */
  volume: string;
  /** A primary's standby (null: none). @defaultValue null */
  standby?: string | null;
  /** The binlog replica committed transactions are shipped to (null: none). @defaultValue null */
  replica?: string | null;
  /** @defaultValue 'sync' */
  mirroring?: MirroringMode;
  /** Commits arriving while a log write is in flight share the next one. @defaultValue true */
  groupCommit?: boolean;
  /**
   * The binlog is written and flushed at each commit (`sync_binlog=1`); false: a commit is
   * acknowledged after its redo write and the binlog reaches the volume at the next checkpoint.
   * @defaultValue true
   */
  binlogSyncPerCommit?: boolean;
  /** Pages each put dirties (≥ 1). @defaultValue 1 */
  pagesDirtiedPerPut?: number;
  /** Time between checkpoints (> 0). @defaultValue 1000 */
  checkpointIntervalMs?: number;
  /** FRM blocks a checkpoint that writes pages also writes (≥ 0). @defaultValue 0 */
  frmWritesPerCheckpoint?: number;
  /** Under `mirroring: 'async'`, time between shipments to the standby (> 0). @defaultValue 50 */
  asyncShipIntervalMs?: number;
}

/** One of the instance's own block writes, until it is complete. */
export interface OpenWrite {
  readonly write: BlockWrite;
  readonly localDone: boolean;
  readonly mirrorDone: boolean;
}

/** Context of {@link mirroredInstanceMachine}. */
export interface MirroredInstanceContext {
  self: string;
  /** The role it started in (a promoted standby keeps `standby` here). */
  role: 'primary' | 'standby';
  volume: string;
  standby: string | null;
  replica: string | null;
  mirroring: MirroringMode;
  groupCommit: boolean;
  binlogSyncPerCommit: boolean;
  /** Without a binlog flush per commit: acknowledged commits whose binlog is not on the volume yet. */
  binlogUnsynced: readonly number[];
  pagesDirtiedPerPut: number;
  checkpointIntervalMs: number;
  frmWritesPerCheckpoint: number;
  asyncShipIntervalMs: number;
  /** The number of the next block write it issues. */
  nextWriteId: number;
  /** Its own block writes not yet complete, by writeId. */
  open: Readonly<Record<number, OpenWrite>>;
  /** Transactions waiting for their commit, by txnId: the client to answer. */
  clients: Readonly<Record<number, string>>;
  /** Group commit: commits waiting for the next redo / binlog write, and whether one is in flight. */
  redoQueue: readonly number[];
  redoBusy: boolean;
  binlogQueue: readonly number[];
  binlogBusy: boolean;
  /** Dirty pages since the last checkpoint (page id → 1), and how many. */
  dirtyPages: IntMap;
  dirtyPageCount: number;
  /** Transactions in the binlog so far (its position): a standby counts the mirrored ones. */
  commitSeq: number;
  /** Under `mirroring: 'async'`: writes not yet shipped to the standby. */
  asyncBacklog: readonly BlockWrite[];
  /** A standby's copies in flight to its volume: its own writeId → the primary's write. */
  copies: Readonly<Record<number, BlockWrite>>;
  /** Set by `promote`. */
  failoverMs: number;
}

/** Events of {@link mirroredInstanceMachine}. */
export type MirroredInstanceEvent =
  | TxnRequestMessage
  | EbsAckMessage
  | MirrorWriteMessage
  | MirrorAckMessage
  | { type: 'checkpoint' }
  | { type: 'asyncShip' }
  | { type: 'crash' }
  /** The standby takes over; it is writable after `failoverMs`. */
  | { type: 'promote'; failoverMs: number };

/** What an instance reports (the baseline's report counts from these; docs/semantics.md, "Baseline report"). */
export type MirroredInstanceObservation =
  /** It issued a block write (the paper's I/O unit, counted once: not its copies). */
  | { readonly kind: 'ioIssued'; readonly instance: string; readonly write: BlockWrite }
  /** One of its block writes is complete (all copies it waits for are durable). */
  | { readonly kind: 'writeComplete'; readonly instance: string; readonly writeId: number; readonly ioKind: IoKind }
  /** Transactions it acknowledged as committed, in binlog order. */
  | { readonly kind: 'commitAcknowledged'; readonly instance: string; readonly txnIds: readonly number[] }
  /** A promoted standby opened for writes. */
  | { readonly kind: 'writable'; readonly instance: string };

/** Timer ids (explicit: docs/determinism.md, "Where time and chance come from"). */
export const CHECKPOINT_TIMER = 'mysql.checkpoint';
export const ASYNC_SHIP_TIMER = 'mysql.asyncShip';

/** Thrown when an instance starts with input it cannot run on; the message names the field. */
export class MirroredInstanceInputError extends Error {}

function inputProblem(input: MirroredInstanceInput): string | undefined {
  if (input.pagesDirtiedPerPut !== undefined && !(Number.isInteger(input.pagesDirtiedPerPut) && input.pagesDirtiedPerPut >= 1)) return 'pagesDirtiedPerPut: must be an integer >= 1';
  if (input.frmWritesPerCheckpoint !== undefined && !(Number.isInteger(input.frmWritesPerCheckpoint) && input.frmWritesPerCheckpoint >= 0)) return 'frmWritesPerCheckpoint: must be an integer >= 0';
  for (const field of ['checkpointIntervalMs', 'asyncShipIntervalMs'] as const) {
    const value = input[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field}: must be a finite number of ms > 0`;
  }
  return undefined;
}

/** The row index of a workload key `k<n>` (the page of its row); other keys hash to one. */
export function rowOfKey(key: string): number {
  const match = /^k(\d+)$/.exec(key);
  if (match !== null) return Number(match[1]);
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
  return hash;
}

/**
 * One transition's work: a fresh copy of the context and the effects, in order. Helpers replace
 * fields of `next` with new values and never write into anything the transition was given.
 */
interface Step {
  next: MirroredInstanceContext;
  effects: ModelEffect[];
}

function stepOf(context: MirroredInstanceContext): Step {
  return { next: { ...context }, effects: [] };
}

/** Issues one block write to the instance's volume (and, under async mirroring, queues its copy). */
function issue(step: Step, kind: IoKind, blocks: number, txnIds: readonly number[]): void {
  const { next } = step;
  const write: BlockWrite = { origin: next.self, writeId: next.nextWriteId, kind, blocks, txnIds };
  const async = next.mirroring === 'async' && next.standby !== null;
  next.nextWriteId += 1;
  next.open = { ...next.open, [write.writeId]: { write, localDone: false, mirrorDone: next.standby === null || async } };
  if (async) next.asyncBacklog = [...next.asyncBacklog, write];
  const message: EbsWriteMessage = { type: 'ebsWrite', from: next.self, write };
  step.effects.push({ kind: 'send', to: next.volume, message }, { kind: 'observe', observation: { kind: 'ioIssued', instance: next.self, write } satisfies MirroredInstanceObservation });
}

/** Queues commits for a log write: one at once per commit, or, with group commit, the next shared one. */
function queueLog(step: Step, kind: 'redo' | 'binlog', txnIds: readonly number[]): void {
  const { next } = step;
  if (!next.groupCommit) {
    for (const txnId of txnIds) issue(step, kind, 1, [txnId]);
    return;
  }
  if (kind === 'redo') next.redoQueue = [...next.redoQueue, ...txnIds];
  else next.binlogQueue = [...next.binlogQueue, ...txnIds];
  flushLog(step, kind);
}

/** With group commit: the queued commits' log write, if none is in flight. */
function flushLog(step: Step, kind: 'redo' | 'binlog'): void {
  const { next } = step;
  const queue = kind === 'redo' ? next.redoQueue : next.binlogQueue;
  const busy = kind === 'redo' ? next.redoBusy : next.binlogBusy;
  if (busy || queue.length === 0) return;
  if (kind === 'redo') Object.assign(next, { redoQueue: [], redoBusy: true });
  else Object.assign(next, { binlogQueue: [], binlogBusy: true });
  issue(step, kind, 1, queue);
}

/** A write of the instance's own is complete: move its commits on, or write its pages in place. */
function complete(step: Step, write: BlockWrite): void {
  const { next } = step;
  const open = { ...next.open };
  delete open[write.writeId];
  next.open = open;
  step.effects.push({ kind: 'observe', observation: { kind: 'writeComplete', instance: next.self, writeId: write.writeId, ioKind: write.kind } satisfies MirroredInstanceObservation });
  if (write.kind === 'redo') {
    if (next.groupCommit) next.redoBusy = false;
    if (next.binlogSyncPerCommit) queueLog(step, 'binlog', write.txnIds);
    else {
      // sync_binlog=0: the binlog goes to the file cache and the commit is acknowledged now.
      next.binlogUnsynced = [...next.binlogUnsynced, ...write.txnIds];
      acknowledge(step, write.txnIds);
    }
    if (next.groupCommit) flushLog(step, 'redo');
  } else if (write.kind === 'binlog') {
    if (next.binlogSyncPerCommit) acknowledge(step, write.txnIds);
    if (next.groupCommit && next.binlogSyncPerCommit) {
      next.binlogBusy = false;
      flushLog(step, 'binlog');
    }
  } else if (write.kind === 'doubleWrite') {
    // InnoDB writes pages in place only after the double-write buffer holds them durably.
    issue(step, 'dataPage', write.blocks, []);
  }
}

/** The binlog holds these commits: answer their clients, report them, ship them to the replica. */
function acknowledge(step: Step, txnIds: readonly number[]): void {
  const { next } = step;
  const clients = { ...next.clients };
  for (const txnId of txnIds) {
    next.commitSeq += 1;
    const client = clients[txnId];
    delete clients[txnId];
    if (client === undefined) continue;
    const ok: TxnOkMessage = { type: 'txnOk', from: next.self, txnId, commitLsn: next.commitSeq as TxnOkMessage['commitLsn'], reads: [] };
    step.effects.push({ kind: 'send', to: client, message: ok });
  }
  next.clients = clients;
  step.effects.push({ kind: 'observe', observation: { kind: 'commitAcknowledged', instance: next.self, txnIds } satisfies MirroredInstanceObservation });
  if (next.replica !== null) {
    const ship: BinlogShipMessage = { type: 'binlogShip', from: next.self, txnIds };
    step.effects.push({ kind: 'send', to: next.replica, message: ship });
  }
}

/** A transaction arrives at the primary: dirty its pages, then commit it through the logs. */
function takeTxn(step: Step, request: TxnRequestMessage): void {
  const { next } = step;
  const puts = request.ops.filter((op) => op.f === 'put');
  const reads = request.ops.filter((op) => op.f === 'get').map(() => null);
  if (puts.length === 0) {
    // The baseline keeps no values: a read-only transaction commits at once and reads nothing.
    const ok: TxnOkMessage = { type: 'txnOk', from: next.self, txnId: request.txnId, commitLsn: 0 as TxnOkMessage['commitLsn'], reads };
    step.effects.push({ kind: 'send', to: request.from, message: ok });
    return;
  }
  let { dirtyPages, dirtyPageCount } = next;
  for (const op of puts) {
    const row = rowOfKey(op.key);
    for (let j = 0; j < next.pagesDirtiedPerPut; j++) {
      const page = row * next.pagesDirtiedPerPut + j;
      if (intMapGet(dirtyPages, page) !== undefined) continue;
      dirtyPages = intMapSet(dirtyPages, page, 1);
      dirtyPageCount += 1;
    }
  }
  Object.assign(next, { dirtyPages, dirtyPageCount, clients: { ...next.clients, [request.txnId]: request.from } });
  queueLog(step, 'redo', [request.txnId]);
}

function done(step: Step, enqueue: (action: { type: 'effects'; params: EffectsParams }) => void, assign: (next: MirroredInstanceContext) => void): void {
  if (step.effects.length > 0) enqueue({ type: 'effects', params: { effects: step.effects } });
  assign(step.next);
}

const base = setup({
  types: { context: {} as MirroredInstanceContext, events: {} as MirroredInstanceEvent, input: {} as MirroredInstanceInput },
  actions: {
    effects: unprovidedEffect<EffectsParams>('mirroredInstance', 'effects'),
  },
  delays: {
    failoverDelay: ({ context }) => context.failoverMs,
  },
  guards: {
    isPrimary: ({ context }) => context.role === 'primary',
  },
});

/** The MySQL instance; see the file header. */
export const mirroredInstanceMachine = base
  .extend({
    actions: {
      takeTxn: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'txnRequest') return;
        const step = stepOf(context);
        takeTxn(step, event);
        done(step, enqueue, (next) => enqueue.assign(next));
      }),
      /** Not writable (a standby, or a standby being promoted): the transaction took no effect. */
      refuseTxn: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'txnRequest') return;
        const fail: TxnFailMessage = { type: 'txnFail', from: context.self, txnId: event.txnId, reason: 'readOnly' };
        enqueue({ type: 'effects', params: { effects: [{ kind: 'send', to: event.from, message: fail }] } });
      }),
      /**
       * The volume has a write: a standby's copy is acknowledged to the primary; the primary's own
       * goes to the standby next (sync: Figure 2, step 3 after steps 1–2) or is complete.
       */
      volumeAcked: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'ebsAck') return;
        const step = stepOf(context);
        const copy = context.copies[event.writeId];
        if (copy !== undefined) {
          const copies = { ...context.copies };
          delete copies[event.writeId];
          step.next.copies = copies;
          if (copy.kind === 'binlog') step.next.commitSeq += copy.txnIds.length;
          const ack: MirrorAckMessage = { type: 'mirrorAck', from: context.self, writeId: copy.writeId };
          step.effects.push({ kind: 'send', to: copy.origin, message: ack });
          done(step, enqueue, (next) => enqueue.assign(next));
          return;
        }
        const open = context.open[event.writeId];
        if (open === undefined || open.localDone) return;
        const entry: OpenWrite = { ...open, localDone: true };
        if (entry.mirrorDone) complete(step, open.write);
        else {
          step.next.open = { ...context.open, [event.writeId]: entry };
          const mirror: MirrorWriteMessage = { type: 'mirrorWrite', from: context.self, write: open.write };
          step.effects.push({ kind: 'send', to: context.standby as string, message: mirror });
        }
        done(step, enqueue, (next) => enqueue.assign(next));
      }),
      /** The standby has the write on both its copies. */
      standbyAcked: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'mirrorAck') return;
        const open = context.open[event.writeId];
        if (open === undefined || open.mirrorDone || !open.localDone) return;
        const step = stepOf(context);
        complete(step, open.write);
        done(step, enqueue, (next) => enqueue.assign(next));
      }),
      /** A standby writes the primary's block to its own volume (Figure 2, step 4; its EBS does step 5). */
      copyWrite: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'mirrorWrite') return;
        const own: BlockWrite = { ...event.write, origin: context.self, writeId: context.nextWriteId, mirrorOf: { origin: event.write.origin, writeId: event.write.writeId } };
        const message: EbsWriteMessage = { type: 'ebsWrite', from: context.self, write: own };
        enqueue({ type: 'effects', params: { effects: [{ kind: 'send', to: context.volume, message }] } });
        enqueue.assign({ nextWriteId: context.nextWriteId + 1, copies: { ...context.copies, [own.writeId]: event.write } });
      }),
      /** The checkpointer: dirty pages to the double-write buffer (then in place), FRM blocks; next round. */
      checkpoint: base.enqueueActions(({ context, enqueue }) => {
        const step = stepOf(context);
        if (context.binlogUnsynced.length > 0) {
          // The binlog cached since the last checkpoint reaches the volume as one write [I].
          issue(step, 'binlog', 1, context.binlogUnsynced);
          step.next.binlogUnsynced = [];
        }
        if (context.dirtyPageCount > 0) {
          issue(step, 'doubleWrite', context.dirtyPageCount, []);
          if (context.frmWritesPerCheckpoint > 0) issue(step, 'frm', context.frmWritesPerCheckpoint, []);
          Object.assign(step.next, { dirtyPages: emptyIntMap(), dirtyPageCount: 0 });
        }
        done(step, enqueue, (next) => enqueue.assign(next));
        enqueue.raise({ type: 'checkpoint' }, { delay: context.checkpointIntervalMs, id: CHECKPOINT_TIMER });
      }),
      startCheckpoints: base.enqueueActions(({ context, enqueue }) => {
        enqueue.raise({ type: 'checkpoint' }, { delay: context.checkpointIntervalMs, id: CHECKPOINT_TIMER });
        if (context.mirroring === 'async' && context.standby !== null) enqueue.raise({ type: 'asyncShip' }, { delay: context.asyncShipIntervalMs, id: ASYNC_SHIP_TIMER });
      }),
      stopTimers: base.enqueueActions(({ enqueue }) => {
        enqueue.cancel(CHECKPOINT_TIMER);
        enqueue.cancel(ASYNC_SHIP_TIMER);
      }),
      /** The planted async mirroring: ship the backlog to the standby; next round. */
      asyncShip: base.enqueueActions(({ context, enqueue }) => {
        if (context.standby !== null && context.asyncBacklog.length > 0) {
          const effects: ModelEffect[] = context.asyncBacklog.map((write) => ({ kind: 'send', to: context.standby as string, message: { type: 'mirrorWrite', from: context.self, write } satisfies MirrorWriteMessage }));
          enqueue({ type: 'effects', params: { effects } });
          enqueue.assign({ asyncBacklog: [] });
        }
        enqueue.raise({ type: 'asyncShip' }, { delay: context.asyncShipIntervalMs, id: ASYNC_SHIP_TIMER });
      }),
      takePromotion: base.assign({ failoverMs: ({ context, event }) => (event.type === 'promote' ? event.failoverMs : context.failoverMs) }),
      /** Open for writes without a standby: the old primary is gone, a new standby is not modelled. */
      openAsPrimary: base.enqueueActions(({ context, enqueue }) => {
        enqueue({ type: 'effects', params: { effects: [{ kind: 'observe', observation: { kind: 'writable', instance: context.self } satisfies MirroredInstanceObservation }] } });
        enqueue.assign({ standby: null });
      }),
    },
  })
  .createMachine({
    id: 'mirroredInstance',
    context: ({ input }) => {
      const problem = inputProblem(input);
      if (problem !== undefined) throw new MirroredInstanceInputError(`MySQL instance ${input.self}: ${problem}`);
      return {
        self: input.self,
        role: input.role,
        volume: input.volume,
        standby: input.standby ?? null,
        replica: input.replica ?? null,
        mirroring: input.mirroring ?? 'sync',
        groupCommit: input.groupCommit ?? true,
        binlogSyncPerCommit: input.binlogSyncPerCommit ?? true,
        binlogUnsynced: [],
        pagesDirtiedPerPut: input.pagesDirtiedPerPut ?? 1,
        checkpointIntervalMs: input.checkpointIntervalMs ?? 1000,
        frmWritesPerCheckpoint: input.frmWritesPerCheckpoint ?? 0,
        asyncShipIntervalMs: input.asyncShipIntervalMs ?? 50,
        nextWriteId: 1,
        open: {},
        clients: {},
        redoQueue: [],
        redoBusy: false,
        binlogQueue: [],
        binlogBusy: false,
        dirtyPages: emptyIntMap(),
        dirtyPageCount: 0,
        commitSeq: 0,
        asyncBacklog: [],
        copies: {},
        failoverMs: 0,
      };
    },
    initial: 'starting',
    states: {
      // The role the input gives: an eventless choice, so the chart shows both starts.
      starting: {
        always: [{ guard: 'isPrimary', target: 'primary' }, { target: 'standby' }],
      },
      primary: {
        entry: 'startCheckpoints',
        exit: 'stopTimers',
        on: {
          txnRequest: { actions: 'takeTxn' },
          ebsAck: { actions: 'volumeAcked' },
          mirrorAck: { actions: 'standbyAcked' },
          checkpoint: { actions: 'checkpoint' },
          asyncShip: { actions: 'asyncShip' },
          crash: { target: 'crashed' },
        },
      },
      standby: {
        on: {
          txnRequest: { actions: 'refuseTxn' },
          mirrorWrite: { actions: 'copyWrite' },
          ebsAck: { actions: 'volumeAcked' },
          promote: { target: 'promoting', actions: 'takePromotion' },
          crash: { target: 'crashed' },
        },
      },
      promoting: {
        after: { failoverDelay: { target: 'primary', actions: 'openAsPrimary' } },
        on: {
          txnRequest: { actions: 'refuseTxn' },
          ebsAck: { actions: 'volumeAcked' },
          crash: { target: 'crashed' },
        },
      },
      // Down: the live host takes an `offline` instance off the network. No restart: RDS replaces it.
      crashed: { tags: ['offline'] },
    },
  });
