/**
 * What every part of the compute instance shares: its context and events, its timer ids, the
 * xstate `setup` its actions are typed against (with the named effect actions `send`, `observe`,
 * `publish`, which hosts provide), and the context factory.
 *
 * The context is plain, immutable data: every action returns new values through `assign` and never
 * writes into the context, the event or a snapshot (the explorer keeps old snapshots and steps
 * them again; the viewer scrubs back to them). The instance machine is `instance.machine.ts`; its
 * actions are in `writer-actions.ts`, `recovery-actions.ts` and `replica-actions.ts`.
 */
import { setup } from 'xstate';
import type { Lsn, VolumeEpoch } from '../src/protocol/ids.js';
import type { Observation } from '../src/protocol/observations.js';
import { effectsAction, unprovidedEffect } from './effects.js';
import type { EffectsParams, ModelEffect } from './effects.js';
import type { InstanceOptions, WriterInput } from './instance-options.js';
import { resolveInstanceOptions } from './instance-options.js';
import type { MetadataStateMessage, OutageSignal, ProcessSignal, RecoverTo, SendParams, TxnRequestMessage, WireMessage } from './messages.js';
import type { CapacitySetSignal, LoadQuerySignal, ServedCounts } from './serverless-messages.js';
import type { RecoveryState } from './recovery-state.js';
import type { ReplicaCacheOptions, ReplicaState } from './replica-state.js';
import { createReplicaState } from './replica-state.js';
import type { WriterState } from './writer-state.js';
import { createWriterState } from './writer-state.js';

/** Context of the instance machine (`writerMachine`). */
export interface WriterContext {
  readonly self: string;
  readonly role: 'writer' | 'reader' | 'standby';
  readonly volumeEpoch: VolumeEpoch;
  /** The input with its defaults filled in (see `instance-options.ts`). */
  readonly options: InstanceOptions;
  /** Current retransmission period: doubles (to 16x the base) while nothing becomes durable. */
  readonly retransmitDelayMs: number;
  readonly retransmitArmed: boolean;
  /** VDL at the previous retransmit tick: no progress since then doubles the delay. */
  readonly vdlAtLastTick: Lsn;
  /** Working state of the write path (see `writer-state.ts`). */
  readonly state: WriterState;
  /** State of a recovery in progress (see `recovery-state.ts`). */
  readonly recovery: RecoveryState | undefined;
  /**
   * The cap of the promotion being recovered, if it came with one (a Global Database secondary
   * promoted, docs/protocol.md §11.1). Set by every `promote` taken, to its `recoverTo` or to
   * nothing, and forgotten when recovery opens the volume or is abandoned: a later recovery (a
   * crash and a plain promotion) must not reuse a cap that the volume has since outgrown.
   */
  readonly recoverTo: RecoverTo | undefined;
  /** What the metadata service said last (read or CAS). */
  readonly metadata: MetadataStateMessage | undefined;
  /** State of the reader role (see `replica-state.ts`). */
  readonly replica: ReplicaState;
  /** Records in the apply step in progress (0 when idle). */
  readonly applying: number;
  /** Lag checks in a row that found the replica behind the VDL it knew at the previous check. */
  readonly behindChecks: number;
  /** The known VDL at the previous lag check. */
  readonly vdlAtLagCheck: Lsn;
  readonly stats: InstanceStats;
  /** What it has served, for a Serverless v2 instance's scaler (counted only when it has one). */
  readonly load: ServedCounts;
  /** A Serverless v2 instance's capacity and what a pause holds (docs/protocol.md §11.3); absent for a provisioned one. */
  readonly serverless: ServerlessInstanceState | undefined;
}

/** A Serverless v2 instance's side of its capacity (`serverless-actions.ts`). */
export interface ServerlessInstanceState {
  readonly scaler: string;
  readonly capacityAcu: number;
  /** Capacity 0: new transactions wait in `held` until the scaler has resumed it. */
  readonly paused: boolean;
  /** Transactions that arrived while paused, in arrival order. */
  readonly held: readonly TxnRequestMessage[];
}

/** What an instance counts, for the report. */
export interface InstanceStats {
  readonly transactions: number;
  readonly commitsAcknowledged: number;
  readonly batches: number;
  readonly recordsResent: number;
  readonly lalStalls: number;
  readonly recoveries: number;
}

/**
 * The counts with `added` added, built as one literal (a spread with overrides becomes a slow copy
 * in V8 when made over and over from its own result; see `withWriter` in `writer-state.ts`).
 */
export function counted(stats: InstanceStats, added: Partial<InstanceStats>): InstanceStats {
  return {
    transactions: stats.transactions + (added.transactions ?? 0),
    commitsAcknowledged: stats.commitsAcknowledged + (added.commitsAcknowledged ?? 0),
    batches: stats.batches + (added.batches ?? 0),
    recordsResent: stats.recordsResent + (added.recordsResent ?? 0),
    lalStalls: stats.lalStalls + (added.lalStalls ?? 0),
    recoveries: stats.recoveries + (added.recoveries ?? 0),
  };
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
  | ProcessSignal
  | LoadQuerySignal
  | CapacitySetSignal;

/**
 * Timer ids (explicit: docs/determinism.md, "Where time and chance come from"); per-PG timers carry
 * the PG id.
 */
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
export const LAG_CHECK_MS = 100;

/** The instance's types and named effect actions; its actions are built on it. */
export const instanceSetup = setup({
  types: {
    context: {} as WriterContext,
    events: {} as WriterEvent,
    input: {} as WriterInput,
  },
  actions: {
    send: unprovidedEffect<SendParams>('instance', 'send'),
    observe: unprovidedEffect<Observation>('instance', 'observe'),
    publish: unprovidedEffect<{ stream: string; item: unknown }>('instance', 'publish'),
    /** Several of the above as one list, in order (models/effects.ts). */
    effects: unprovidedEffect<EffectsParams>('instance', 'effects'),
  },
});

/** The `enqueue` helper of the instance's `enqueueActions`. */
export type Enqueue = Parameters<Parameters<typeof instanceSetup.enqueueActions>[0]>[0]['enqueue'];

/** Enqueues one `effects` action sending every message, in order (none for no message). */
export function sendAll(enqueue: Enqueue, sends: readonly SendParams[]): void {
  if (sends.length > 0) enqueue(effectsAction(sends.map((send): ModelEffect => ({ kind: 'send', to: send.to, message: send.message }))));
}

/** A replica's cache: `cacheBlocks` of the volume's blocks, pages read from full segments. */
export function replicaCacheOf(options: InstanceOptions): ReplicaCacheOptions {
  const fullMembers = Object.fromEntries(options.pgs.map((pg) => [pg.pg, pg.fullMembers]));
  return { cacheBlocks: options.cacheBlocks, blockCount: options.pgs.length * options.blocksPerPg, fullMembers };
}

/** The instance's first context: its input resolved once, then every role's state fresh. */
export function createInstanceContext(input: WriterInput): WriterContext {
  const options = resolveInstanceOptions(input);
  return {
    self: options.self,
    role: options.role,
    volumeEpoch: options.volumeEpoch,
    options,
    retransmitDelayMs: options.retransmitAfterMs,
    retransmitArmed: false,
    vdlAtLastTick: 0 as Lsn,
    state: createWriterState(options),
    recovery: undefined,
    recoverTo: undefined,
    metadata: undefined,
    replica: createReplicaState(options.volumeEpoch, replicaCacheOf(options)),
    applying: 0,
    behindChecks: 0,
    vdlAtLagCheck: 0 as Lsn,
    stats: { transactions: 0, commitsAcknowledged: 0, batches: 0, recordsResent: 0, lalStalls: 0, recoveries: 0 },
    load: { transactions: 0, writes: 0, gets: 0, getsFromCache: 0 },
    serverless: options.serverless === undefined ? undefined : { scaler: options.serverless.scaler, capacityAcu: options.serverless.capacityAcu, paused: false, held: [] },
  };
}
