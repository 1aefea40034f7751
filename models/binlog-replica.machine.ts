/**
 * A MySQL binlog read replica of the mirrored-MySQL baseline (docs/protocol.md §16): the primary
 * ships each committed transaction from its binlog; the replica's I/O thread appends it to the
 * relay log at once, and one SQL thread applies the relay log in order, `applyMsPerTxn` a
 * transaction. A single-threaded applier falls behind once commits arrive faster than
 * `1000 / applyMsPerTxn` a second, and its lag then grows without bound: SIGMOD'17 §6.1.4,
 * Table 4 (MySQL replica lag 1 s at 2,000 writes/s, 300 s at 10,000).
 *
 * The relay log is a persistent chunked queue (src/protocol/chunked.ts), so a backlog of many
 * transactions costs a chunk copy per step, not a copy of the backlog. The machine knows no time:
 * the runner measures lag from when the primary acknowledged a commit to when the replica reports
 * it applied.
 */
import { setup } from 'xstate';
import type { EffectsParams } from './effects.js';
import { unprovidedEffect } from './effects.js';
import type { ChunkedQueue } from '../src/protocol/chunked.js';
import { emptyQueue, queueAt, queueDrop, queuePush, queueSize } from '../src/protocol/chunked.js';
import type { BinlogShipMessage } from './mirrored-mysql-messages.js';

/** Input of {@link binlogReplicaMachine}. */
export interface BinlogReplicaInput {
  /** The replica's systemId, e.g. `mysql:us-east-1c:replica`. */
  self: string;
  /** Time the SQL thread takes to apply one transaction (> 0). @defaultValue 1 */
  applyMsPerTxn?: number;
}

/** Context of {@link binlogReplicaMachine}. */
export interface BinlogReplicaContext {
  self: string;
  applyMsPerTxn: number;
  /** Received, not yet applied transactions, in binlog order; the head is being applied. */
  relayLog: ChunkedQueue<number>;
  /** Transactions applied so far. */
  appliedTxns: number;
}

/** Events of {@link binlogReplicaMachine}. */
export type BinlogReplicaEvent = BinlogShipMessage;

/** What the replica reports: a transaction applied (visible to its readers). */
export interface BinlogAppliedObservation {
  readonly kind: 'binlogApplied';
  readonly replica: string;
  readonly txnId: number;
}

/** Timer id of the SQL thread's current transaction (explicit: docs/determinism.md). */
export const APPLY_TIMER = 'replica.apply';

/** Thrown when a replica starts with input it cannot run on; the message names the field. */
export class BinlogReplicaInputError extends Error {}

const base = setup({
  types: { context: {} as BinlogReplicaContext, events: {} as BinlogReplicaEvent, input: {} as BinlogReplicaInput },
  actions: {
    effects: unprovidedEffect<EffectsParams>('binlogReplica', 'effects'),
  },
  delays: {
    applyDelay: ({ context }) => context.applyMsPerTxn,
  },
  guards: {
    relayLogEmpty: ({ context }) => queueSize(context.relayLog) === 0,
  },
});

/** The binlog replica; see the file header. */
export const binlogReplicaMachine = base
  .extend({
    actions: {
      /** The I/O thread: shipped transactions join the relay log. */
      relay: base.assign({ relayLog: ({ context, event }) => (event.type === 'binlogShip' ? queuePush(context.relayLog, event.txnIds) : context.relayLog) }),
      /** The SQL thread finished the head transaction: report it and drop it. */
      applyHead: base.enqueueActions(({ context, enqueue }) => {
        const txnId = queueAt(context.relayLog, 0);
        if (txnId === undefined) return;
        const applied: BinlogAppliedObservation = { kind: 'binlogApplied', replica: context.self, txnId };
        enqueue({ type: 'effects', params: { effects: [{ kind: 'observe', observation: applied }] } });
        enqueue.assign({ relayLog: queueDrop(context.relayLog, 1), appliedTxns: context.appliedTxns + 1 });
      }),
    },
  })
  .createMachine({
    id: 'binlogReplica',
    context: ({ input }) => {
      const applyMsPerTxn = input.applyMsPerTxn ?? 1;
      if (!(Number.isFinite(applyMsPerTxn) && applyMsPerTxn > 0)) throw new BinlogReplicaInputError(`binlog replica ${input.self}: applyMsPerTxn: must be a finite number of ms > 0`);
      return { self: input.self, applyMsPerTxn, relayLog: emptyQueue<number>(), appliedTxns: 0 };
    },
    initial: 'idle',
    states: {
      idle: {
        on: { binlogShip: { target: 'applying', actions: 'relay' } },
      },
      applying: {
        on: { binlogShip: { actions: 'relay' } },
        // `after` re-enters for the next transaction; its id is xstate's own per state (STYLE.md traps).
        after: { applyDelay: { target: 'checking', actions: 'applyHead' } },
      },
      checking: {
        always: [{ guard: 'relayLogEmpty', target: 'idle' }, { target: 'applying' }],
      },
    },
  });
