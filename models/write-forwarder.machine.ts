/**
 * WriteForwarder: a Global Database secondary's write forwarding (docs/protocol.md §11.1, write
 * forwarding), one per forwarding secondary, `forwarder:<region>`. It is the forwarding layer of
 * the region's first read-only instance: the region's sessions connect to it, and it serves them
 * as that instance would with write forwarding on.
 *
 * - **Writes go to the primary.** A transaction with any put is forwarded whole, its gets
 *   included, to the primary's writer: the data changes there first and reaches this region by
 *   replication (User Guide, "Using write forwarding in an Aurora global database"). The writer's
 *   answer goes back to the session; on a commit the session's last commit LSN is kept. The
 *   forwarder knows the primary writer from its input and from `writerEndpoint`, which the world
 *   sends when the global writer endpoint moves (a failover).
 * - **Reads stay local.** A read-only transaction goes to the instance, with the lowest applied
 *   VDL it may be served at (`readAtLeastLsn`) by the session's `aurora_replica_read_consistency`:
 *   EVENTUAL none (a session may not see its own writes yet); SESSION the session's last commit
 *   LSN; GLOBAL the primary writer's VDL when the read arrived, asked for with `vdlQuery`, so every
 *   commit the primary acknowledged before the read started is at or below it. An instance that
 *   has not applied that far refuses (`belowReadAtLeast`); the forwarder asks again after
 *   `readRetryMs`, and asks the writer again after `vdlQueryTimeoutMs` when no VDL came back.
 * - **One transaction per session.** A session runs one transaction at a time, so a new request
 *   from it drops a read the forwarder still held for its previous one (the client has already
 *   given up on it). A forwarded write is kept until the writer answers, however late: a commit
 *   the session gave up waiting for is still its change, and its SESSION reads wait for it.
 *
 * The consistency level is the region's (its DB cluster parameter group's default for every
 * session): AWS sets `aurora_replica_read_consistency` per session or per cluster, and one level
 * per forwarder keeps each run's figures per level.
 *
 * Not modelled: the forwarding layer's own failure (it lives as long as the run), idle
 * transaction timeouts, and the limit on forwarded connections (`aurora_fwd_writer_max_connections_pct`).
 */
import { setup } from 'xstate';
import { unprovidedEffect } from './effects.js';
import type { Lsn, RegionId } from '../src/protocol/ids.js';
import type { SendParams, TxnFailMessage, TxnOkMessage, TxnRequestMessage, VdlAnswerMessage, WireMessage } from './messages.js';

/** `aurora_replica_read_consistency`, lower case (docs/protocol.md §11.1). */
export type ReadConsistency = 'eventual' | 'session' | 'global';

/** The allowed read consistency levels, in order of strength. */
export const READ_CONSISTENCIES: readonly ReadConsistency[] = ['eventual', 'session', 'global'];

/** The id of a forwarded read's timer: its retry, or its VDL question's timeout. */
export const forwardedReadTimerId = (txnId: number): string => `forwarder.read.${txnId}`;

/** The systemId of a secondary region's write forwarder, e.g. `forwarder:eu-west-1`. */
export const writeForwarderId = (region: string): string => `forwarder:${region}`;

/** Input of {@link writeForwarderMachine}. */
export interface WriteForwarderInput {
  /** `forwarder:<region>`. */
  self: string;
  region: RegionId;
  readConsistency: ReadConsistency;
  /** The primary's writer when the run starts. */
  writer: string;
  /** The read-only instance that serves the sessions' reads. */
  instance: string;
  /** A read the instance refused as not caught up goes again after this long. @defaultValue 10 */
  readRetryMs?: number;
  /** A GLOBAL read's VDL question goes again after this long without an answer. @defaultValue 1000 */
  vdlQueryTimeoutMs?: number;
}

/** A read-only transaction the forwarder holds until the instance answers. */
export interface ForwardedRead {
  readonly client: string;
  readonly request: TxnRequestMessage;
  /** The lowest applied VDL it may be served at; undefined while a GLOBAL read waits for the writer's VDL. */
  readonly readAtLeastLsn: Lsn | undefined;
  /** Times it was sent to the instance. */
  readonly attempts: number;
}

/** Context of {@link writeForwarderMachine}. */
export interface WriteForwarderContext {
  self: string;
  region: RegionId;
  readConsistency: ReadConsistency;
  writer: string;
  instance: string;
  readRetryMs: number;
  vdlQueryTimeoutMs: number;
  /** Per session (client), the commit LSN of its last forwarded commit. */
  lastCommitLsn: Readonly<Record<string, Lsn>>;
  /** Forwarded writes waiting for the writer's answer: txnId → client. */
  writes: Readonly<Record<number, string>>;
  /** Reads waiting for the instance: txnId → read. */
  reads: Readonly<Record<number, ForwardedRead>>;
}

/** Events of {@link writeForwarderMachine}. */
export type WriteForwarderEvent =
  | TxnRequestMessage
  | TxnOkMessage
  | TxnFailMessage
  | VdlAnswerMessage
  | { type: 'writerEndpoint'; writer: string }
  | { type: 'readRetry'; txnId: number };

/**
 * What the forwarder reports (docs/semantics.md, `global.writeForwarding`): a write forwarded
 * and its commit, a read's arrival, each time it is sent to the instance, and its answer. The
 * time a read waited for its consistency level is from its arrival to the send that was served.
 */
export type WriteForwarderObservation =
  | { readonly kind: 'forwardedWrite'; readonly region: RegionId; readonly client: string; readonly txnId: number; readonly writer: string }
  | { readonly kind: 'forwardedCommit'; readonly region: RegionId; readonly client: string; readonly txnId: number; readonly commitLsn: Lsn }
  | { readonly kind: 'forwardedReadArrived'; readonly region: RegionId; readonly readConsistency: ReadConsistency; readonly client: string; readonly txnId: number }
  | { readonly kind: 'forwardedReadSent'; readonly region: RegionId; readonly txnId: number; readonly readAtLeastLsn?: Lsn }
  | { readonly kind: 'forwardedReadServed'; readonly region: RegionId; readonly readConsistency: ReadConsistency; readonly client: string; readonly txnId: number; readonly readPoint: Lsn };

/** Thrown when the forwarder starts with input it cannot run on; the message names the field. */
export class WriteForwarderInputError extends Error {}

/** The first problem of `input`, or undefined. */
export function writeForwarderInputProblem(input: WriteForwarderInput): string | undefined {
  if (!READ_CONSISTENCIES.includes(input.readConsistency)) return `readConsistency: ${String(input.readConsistency)}; allowed ${READ_CONSISTENCIES.join(', ')}`;
  for (const field of ['readRetryMs', 'vdlQueryTimeoutMs'] as const) {
    const value = input[field];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field}: ${value}; allowed a finite number of ms above 0`;
  }
  return undefined;
}

type Enqueue = (action: { type: 'send'; params: SendParams<WireMessage> } | { type: 'observe'; params: WriteForwarderObservation }) => void;

const base = setup({
  types: { context: {} as WriteForwarderContext, events: {} as WriteForwarderEvent, input: {} as WriteForwarderInput },
  actions: {
    send: unprovidedEffect<SendParams<WireMessage>>('writeForwarder', 'send'),
    observe: unprovidedEffect<WriteForwarderObservation>('writeForwarder', 'observe'),
  },
});

/** Sends `read` to the instance, at its `readAtLeastLsn` when it has one. */
function sendRead(context: WriteForwarderContext, txnId: number, read: ForwardedRead, enqueue: Enqueue): void {
  const floor = read.readAtLeastLsn;
  const message: TxnRequestMessage = { ...read.request, from: context.self, ...(floor === undefined || context.readConsistency === 'eventual' ? {} : { readAtLeastLsn: floor }) };
  enqueue({ type: 'send', params: { to: context.instance, message } });
  enqueue({ type: 'observe', params: { kind: 'forwardedReadSent', region: context.region, txnId, ...(message.readAtLeastLsn === undefined ? {} : { readAtLeastLsn: message.readAtLeastLsn }) } });
}

/** Without the entries of `client` (its previous transaction, which it no longer waits for). */
function withoutClient<T>(table: Readonly<Record<number, T>>, clientOf: (entry: T) => string, client: string): { table: Readonly<Record<number, T>>; dropped: number[] } {
  const dropped = Object.keys(table)
    .map(Number)
    .filter((txnId) => clientOf(table[txnId] as T) === client);
  if (dropped.length === 0) return { table, dropped };
  const next: Record<number, T> = { ...table };
  for (const txnId of dropped) delete next[txnId];
  return { table: next, dropped };
}

/** The write forwarder; see the file header. */
export const writeForwarderMachine = base
  .extend({
    actions: {
      /** A session's transaction: a write to the primary's writer, a read to the instance (see the file header). */
      takeRequest: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'txnRequest') return;
        const client = event.from;
        const reads = withoutClient(context.reads, (read) => read.client, client);
        for (const txnId of reads.dropped) enqueue.cancel(forwardedReadTimerId(txnId));
        if (event.ops.some((op) => op.f === 'put')) {
          enqueue({ type: 'send', params: { to: context.writer, message: { ...event, from: context.self } } });
          enqueue({ type: 'observe', params: { kind: 'forwardedWrite', region: context.region, client, txnId: event.txnId, writer: context.writer } });
          enqueue.assign({ writes: { ...context.writes, [event.txnId]: client }, reads: reads.table });
          return;
        }
        enqueue({ type: 'observe', params: { kind: 'forwardedReadArrived', region: context.region, readConsistency: context.readConsistency, client, txnId: event.txnId } });
        if (context.readConsistency === 'global') {
          // The primary's VDL as of the read's start: ask the writer, then read at least there.
          const read: ForwardedRead = { client, request: event, readAtLeastLsn: undefined, attempts: 0 };
          enqueue({ type: 'send', params: { to: context.writer, message: { type: 'vdlQuery', from: context.self, queryId: event.txnId } } });
          enqueue.raise({ type: 'readRetry', txnId: event.txnId }, { delay: context.vdlQueryTimeoutMs, id: forwardedReadTimerId(event.txnId) });
          enqueue.assign({ reads: { ...reads.table, [event.txnId]: read } });
          return;
        }
        const floor = context.readConsistency === 'session' ? context.lastCommitLsn[client] : undefined;
        const read: ForwardedRead = { client, request: event, readAtLeastLsn: floor, attempts: 1 };
        sendRead(context, event.txnId, read, enqueue);
        enqueue.assign({ reads: { ...reads.table, [event.txnId]: read } });
      }),
      /** The writer's or the instance's answer, back to the session; a refusal as not caught up is asked again. */
      takeReply: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'txnOk' && event.type !== 'txnFail') return;
        const writeClient = context.writes[event.txnId];
        if (writeClient !== undefined) {
          const writes = { ...context.writes };
          delete writes[event.txnId];
          if (event.type === 'txnOk') {
            const previous = context.lastCommitLsn[writeClient] ?? 0;
            enqueue({ type: 'observe', params: { kind: 'forwardedCommit', region: context.region, client: writeClient, txnId: event.txnId, commitLsn: event.commitLsn } });
            enqueue.assign({ writes, lastCommitLsn: event.commitLsn > previous ? { ...context.lastCommitLsn, [writeClient]: event.commitLsn } : context.lastCommitLsn });
          } else enqueue.assign({ writes });
          enqueue({ type: 'send', params: { to: writeClient, message: event } });
          return;
        }
        const read = context.reads[event.txnId];
        if (read === undefined) return; // an answer to a transaction its session gave up on
        if (event.type === 'txnFail' && event.reason === 'belowReadAtLeast') {
          enqueue.raise({ type: 'readRetry', txnId: event.txnId }, { delay: context.readRetryMs, id: forwardedReadTimerId(event.txnId) });
          return;
        }
        const reads = { ...context.reads };
        delete reads[event.txnId];
        enqueue.assign({ reads });
        if (event.type === 'txnOk') {
          enqueue({
            type: 'observe',
            params: { kind: 'forwardedReadServed', region: context.region, readConsistency: context.readConsistency, client: read.client, txnId: event.txnId, readPoint: event.readPoint ?? (0 as Lsn) },
          });
        }
        enqueue({ type: 'send', params: { to: read.client, message: event } });
      }),
      /** A GLOBAL read learns the primary's VDL: it is read at least there. */
      takeVdl: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'vdlAnswer') return;
        const read = context.reads[event.queryId];
        if (read === undefined || read.readAtLeastLsn !== undefined) return; // answered already, or given up
        const next: ForwardedRead = { ...read, readAtLeastLsn: event.vdl, attempts: read.attempts + 1 };
        enqueue.cancel(forwardedReadTimerId(event.queryId));
        sendRead(context, event.queryId, next, enqueue);
        enqueue.assign({ reads: { ...context.reads, [event.queryId]: next } });
      }),
      /** A read's timer: ask the writer again (no VDL yet) or the instance again. */
      retryRead: base.enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'readRetry') return;
        const read = context.reads[event.txnId];
        if (read === undefined) return;
        if (read.readAtLeastLsn === undefined) {
          enqueue({ type: 'send', params: { to: context.writer, message: { type: 'vdlQuery', from: context.self, queryId: event.txnId } } });
          enqueue.raise({ type: 'readRetry', txnId: event.txnId }, { delay: context.vdlQueryTimeoutMs, id: forwardedReadTimerId(event.txnId) });
          return;
        }
        const next: ForwardedRead = { ...read, attempts: read.attempts + 1 };
        sendRead(context, event.txnId, next, enqueue);
        enqueue.assign({ reads: { ...context.reads, [event.txnId]: next } });
      }),
      learnWriter: base.assign({ writer: ({ context, event }) => (event.type === 'writerEndpoint' ? event.writer : context.writer) }),
    },
  })
  .createMachine({
    id: 'writeForwarder',
    context: ({ input }) => {
      const problem = writeForwarderInputProblem(input);
      if (problem !== undefined) throw new WriteForwarderInputError(`write forwarder ${input.self}: ${problem}`);
      return {
        self: input.self,
        region: input.region,
        readConsistency: input.readConsistency,
        writer: input.writer,
        instance: input.instance,
        readRetryMs: input.readRetryMs ?? 10,
        vdlQueryTimeoutMs: input.vdlQueryTimeoutMs ?? 1000,
        lastCommitLsn: {},
        writes: {},
        reads: {},
      };
    },
    initial: 'forwarding',
    states: {
      forwarding: {
        on: {
          txnRequest: { actions: 'takeRequest' },
          txnOk: { actions: 'takeReply' },
          txnFail: { actions: 'takeReply' },
          vdlAnswer: { actions: 'takeVdl' },
          readRetry: { actions: 'retryRead' },
          writerEndpoint: { actions: 'learnWriter' },
        },
      },
    },
  });
