/**
 * The database client: transactions of puts and gets, sent to the writer over the kernel network,
 * each returning a handle that settles on the commit acknowledgement (`ok`), a refusal (`fail`) or
 * a timeout (`info`: the outcome is unknown, the transaction may still commit). Read-only
 * transactions may go to the reader endpoint instead, which is served by a replica at its read
 * point (docs/protocol.md §5, read replicas); the history records that read point.
 *
 * A client is one connection running one transaction at a time, like a Jepsen process; after an
 * `info` it continues as a new process id, because the old one's fate is unknown. Handles are not
 * promises (no promises in the simulated path): register `onSettled` callbacks, which run on the
 * kernel clock.
 */
import type { TxnOp } from '../../models/messages.js';
import type { TimerId, VirtualClock } from '../kernel/clock.js';
import type { Envelope, Locality, Network } from '../kernel/network.js';
import type { HistoryEntry, HistoryMicroOp, HistoryRecorder } from './history.js';

/** The state of one transaction as the client sees it. */
export interface TxnHandle {
  readonly txnId: number;
  readonly ops: readonly TxnOp[];
  readonly process: number;
  readonly invokedAtMs: number;
  status: 'pending' | 'ok' | 'fail' | 'info';
  settledAtMs?: number;
  /** On `ok`: the commit record's LSN (0 for a read-only transaction). */
  commitLsn?: number;
  /** On `ok`: the values the gets read, in op order. */
  reads?: readonly (string | null)[];
  /** On `ok` from a replica: the read point its gets saw. */
  readPoint?: number;
  /** Calls back once the handle settles (at once if it already has). */
  onSettled(callback: (handle: TxnHandle) => void): void;
}

/** Options of {@link DatabaseClient}. */
export interface DatabaseClientOptions {
  /** The client's systemId and network endpoint, e.g. `client:1`. */
  id: string;
  locality: Locality;
  /**
   * Where transactions go: the cluster endpoint, resolved per transaction (it follows the writer
   * after a failover, once the control plane switches it).
   */
  endpoint: () => string;
  /**
   * Where read-only transactions sent with `{ endpoint: 'reader' }` go: the reader endpoint,
   * resolved per transaction. @defaultValue the cluster endpoint
   */
  readerEndpoint?: () => string;
  clock: VirtualClock;
  network: Network;
  history: HistoryRecorder;
  /** Hear nothing for this long and the outcome is `info`. */
  txnTimeoutMs: number;
  /** First Jepsen process id of this client, and the step to its next one after an `info`. */
  processFirst: number;
  processStride: number;
  /** Issues transaction ids, unique across the simulation. */
  nextTxnId: () => number;
}

interface Inflight {
  handle: TxnHandle & { callbacks: ((handle: TxnHandle) => void)[] };
  timer: TimerId;
}

/** One client connection; see the file header. */
export class DatabaseClient {
  private process: number;
  private inflight: Inflight | undefined;
  /** Replies that arrived after the client had given up (`info`). */
  lateReplies = 0;

  constructor(private readonly options: DatabaseClientOptions) {
    this.process = options.processFirst;
    options.network.attach(options.id, options.locality, (envelope) => this.receive(envelope));
  }

  get id(): string {
    return this.options.id;
  }

  /** True while a transaction is pending. */
  get busy(): boolean {
    return this.inflight !== undefined;
  }

  /**
   * Starts a transaction. One at a time per client. `endpoint: 'reader'` sends it to the reader
   * endpoint (a replica serves read-only transactions only).
   * @throws Error if a transaction is already pending on this client.
   */
  transact(ops: readonly TxnOp[], options: { endpoint?: 'cluster' | 'reader' } = {}): TxnHandle {
    const { clock, network, history } = this.options;
    if (this.inflight !== undefined) {
      throw new Error(`client ${this.options.id} already has transaction ${this.inflight.handle.txnId} pending; use another client`);
    }
    const txnId = this.options.nextTxnId();
    const callbacks: ((handle: TxnHandle) => void)[] = [];
    const handle: Inflight['handle'] = {
      txnId,
      ops,
      process: this.process,
      invokedAtMs: clock.now(),
      status: 'pending',
      callbacks,
      onSettled: (callback) => {
        if (handle.status === 'pending') callbacks.push(callback);
        else callback(handle);
      },
    };
    history.record({ ...this.entryBase(handle), type: 'invoke', value: microOps(ops) }, clock.now());
    const timer = clock.setTimeout(() => this.settle('info', { error: 'timeout' }), this.options.txnTimeoutMs);
    this.inflight = { handle, timer };
    const target = options.endpoint === 'reader' ? (this.options.readerEndpoint ?? this.options.endpoint)() : this.options.endpoint();
    if (network.isDown(target)) {
      // The endpoint's host is down: the connection is refused at once, so the client sees an
      // error, not silence (docs/protocol.md §9, failover), and knows the transaction never
      // started.
      clock.scheduleAt(clock.now(), () => {
        if (this.inflight?.handle === handle) this.settle('fail', { error: 'connectionRefused' });
      });
      return handle;
    }
    network.send(this.options.id, target, { type: 'txnRequest', from: this.options.id, txnId, ops });
    return handle;
  }

  private entryBase(handle: TxnHandle): Pick<HistoryEntry, 'process' | 'f' | 'node' | 'txnId'> {
    return { process: handle.process, f: 'txn', node: this.options.id, txnId: handle.txnId };
  }

  private receive(envelope: Envelope): void {
    const message = envelope.message as { type: string; txnId?: number };
    if (this.inflight === undefined || message.txnId !== this.inflight.handle.txnId) {
      if (message.type === 'txnOk' || message.type === 'txnFail') this.lateReplies++;
      return;
    }
    if (message.type === 'txnOk') {
      const ok = envelope.message as { from: string; commitLsn: number; reads: (string | null)[]; readPoint?: number };
      // The instance that served it: a write forwarder relays its answer unchanged (docs/protocol.md §11.1).
      const replica = ok.readPoint === undefined ? undefined : ok.from;
      this.settle('ok', { commitLsn: ok.commitLsn, reads: ok.reads, readPoint: ok.readPoint, replica });
    } else if (message.type === 'txnFail') {
      this.settle('fail', { error: (envelope.message as { reason: string }).reason });
    }
  }

  private settle(status: 'ok' | 'fail' | 'info', detail: { commitLsn?: number; reads?: (string | null)[]; readPoint?: number; replica?: string; error?: string }): void {
    const inflight = this.inflight;
    if (inflight === undefined) return;
    const { clock, history } = this.options;
    const { handle } = inflight;
    this.inflight = undefined;
    clock.clearTimeout(inflight.timer);
    handle.status = status;
    handle.settledAtMs = clock.now();
    handle.commitLsn = detail.commitLsn;
    handle.reads = detail.reads;
    handle.readPoint = detail.readPoint;
    const value = microOps(handle.ops, detail.reads);
    const { commitLsn, readPoint, replica, error } = detail;
    history.record({ ...this.entryBase(handle), type: status, value, commitLsn, error, ...(readPoint === undefined ? {} : { readPoint, replica }) }, clock.now());
    // Jepsen: a process whose last operation is indeterminate never issues again.
    if (status === 'info') this.process += this.options.processStride;
    for (const callback of handle.callbacks.splice(0)) callback(handle);
  }
}

/** A transaction's ops as Jepsen micro-ops `['r', k, v]` / `['w', k, v]`; reads carry what they read, if known. */
export function microOps(ops: readonly TxnOp[], reads?: readonly (string | null)[]): HistoryMicroOp[] {
  let readIndex = 0;
  return ops.map((op): HistoryMicroOp => (op.f === 'put' ? ['w', op.key, op.value] : ['r', op.key, reads?.[readIndex++] ?? null]));
}
